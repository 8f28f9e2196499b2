/* fuzz/fuzz_workdays.c: libFuzzer target for core/workdays.c, the holiday calendar a home's
 * operator writes (holidays.txt) and the working-day arithmetic of publication deadlines, and
 * for core/namepat.c, the body-camera file names matched against `ingest.name_pattern`.
 *
 * Input: one byte choosing the part; for the calendar, its text then (after a NUL, if any) a
 * date; for a name, the name. What must hold besides not crashing: a calendar read or refused
 * with a detail naming it; on one read, the n-th working day after a date is later than it,
 * is a working day, and one step more is later still; a name's match is NULL or an object of
 * strings from the pattern's groups. */
#include "core/error.h"
#include "core/namepat.h"
#include "core/workdays.h"
#include "fuzz/fuzz.h"

#include <jansson.h>

static cs_namepat_t *pat;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    if (cs_namepat_new("ingest.name_pattern",
                       "^(?<device>[A-Za-z0-9-]+)_(?<officer>[0-9]+)_(?<time>[0-9]{14})"
                       "(?:_(?<important>IMP))?\\.",
                       &pat) != 0) {
        fprintf(stderr, "pattern: %s\n", cs_diag());
        abort();
    }
    return 0;
}

static void
calendar(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    size_t len = nul != NULL ? (size_t)(nul - data) : size;
    char date[11] = "2026-09-30", out[11], next[11];
    cs_workdays_t *cal = NULL;
    int prov = 0, working = 0, known = 0;
    if (nul != NULL && size - len - 1 >= 10) {
        memcpy(date, nul + 1, 10);
        date[10] = '\0';
    }
    int rc = cs_workdays_parse((const char *)data, len, "fuzz", &cal);
    if (rc != 0) {
        CS_FUZZ_CHECK(cal == NULL, "a refused calendar is given back");
        CS_FUZZ_CHECK(strstr(cs_diag(), "holiday calendar fuzz") != NULL, "detail: %s", cs_diag());
        return;
    }
    int steps = 1 + (int)(len % 30);
    if (cs_workdays_add(cal, date, steps, out, &prov) == 0) {
        CS_FUZZ_CHECK(strcmp(out, date) > 0, "%s + %d working days: %s", date, steps, out);
        CS_FUZZ_CHECK(cs_workdays_is_working(cal, out, &working, &known, NULL, 0) == 0 && working,
                      "%s is no working day", out);
        CS_FUZZ_CHECK(cs_workdays_add(cal, date, steps + 1, next, &prov) == 0 &&
                          strcmp(next, out) > 0,
                      "%d steps %s, %d steps %s", steps, out, steps + 1, next);
    }
    cs_workdays_free(&cal);
}

static void
name(const uint8_t *data, size_t size)
{
    char text[512];
    json_t *m = NULL;
    size_t len = size < sizeof text - 1 ? size : sizeof text - 1;
    memcpy(text, data, len);
    text[len] = '\0';
    if (cs_namepat_match(pat, text, &m) != 0 || m == NULL)
        return;
    const char *k;
    json_t *v;
    CS_FUZZ_CHECK(json_is_object(m), "a match is an object");
    json_object_foreach(m, k, v)
        CS_FUZZ_CHECK(json_is_string(v) || json_is_boolean(v), "group %s is a string", k);
    json_decref(m);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    if (data[0] & 1)
        name(data + 1, size - 1);
    else
        calendar(data + 1, size - 1);
    return 0;
}
