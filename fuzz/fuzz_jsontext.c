/* fuzz/fuzz_jsontext.c: libFuzzer target for core/jsoncheck.c, the check custody probe makes
 * of each record a media worker (perhaps one taken over by a hostile file) writes before
 * copying it out unparsed, and for core/jsondump.c, which writes those records.
 *
 * Input: any bytes. What must hold besides not crashing: text the check takes, jansson reads
 * as one object (or refuses only for a number beyond its range); every object jansson reads
 * is written by jsondump exactly as json_dumps(JSON_COMPACT) writes it, and the check takes
 * that text (within their depths). */
#include "core/jsoncheck.h"
#include "core/jsondump.h"
#include "fuzz/fuzz.h"

#include <jansson.h>

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    return 0;
}

/* How deep arrays and objects nest in v (a scalar: 0). */
static int
depth(const json_t *v)
{
    const char *key;
    json_t *m;
    size_t i;
    int d = 0;
    if (json_is_object(v)) {
        json_object_foreach((json_t *)v, key, m) if (depth(m) > d) d = depth(m);
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, m) if (depth(m) > d) d = depth(m);
    } else {
        return 0;
    }
    return d + 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    json_error_t err;
    json_t *v = json_loadb(text, size, 0, &err);
    if (cs_json_check_object(text, size) == 0)
        CS_FUZZ_CHECK(json_is_object(v) || strstr(err.text, "too big") != NULL ||
                          strstr(err.text, "overflow") != NULL,
                      "taken, but jansson: %s", v ? "not an object" : err.text);
    if (!json_is_object(v)) {
        json_decref(v);
        return 0;
    }
    int d = depth(v);
    char *want = json_dumps(v, JSON_COMPACT), *got = cs_json_dump_compact(v, NULL);
    CS_FUZZ_CHECK(want != NULL, "json_dumps failed");
    if (d <= CS_JSONDUMP_DEPTH)
        CS_FUZZ_CHECK(got != NULL && strcmp(got, want) == 0, "jsondump wrote %s, json_dumps %s",
                      got ? got : "(null)", want);
    if (d <= CS_JSONCHECK_DEPTH)
        CS_FUZZ_CHECK(cs_json_check_object(want, strlen(want)) == 0, "refused: %s", want);
    free(want);
    free(got);
    json_decref(v);
    return 0;
}
