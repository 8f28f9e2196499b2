/* fuzz/fuzz_config.c: libFuzzer target for core/config.c: custody.conf as INI text
 * (cs_config_load) and each of its lines as a `--set section.key=value` (cs_config_override).
 *
 * What must hold besides not crashing: a refusal says why; what was accepted can be written
 * back: every value cs_config_each gives, set again on the defaults, is accepted and reads
 * back the same (the file `custody config` shows is a file custody takes). */
#include "core/config.h"
#include "core/error.h"
#include "fuzz/fuzz.h"

#include <stdlib.h>
#include <string.h>

#define KEYS_MAX 128
#define VALUE_MAX 1024

static cs_fuzz_file_t file;

typedef struct dump {
    size_t n;
    char key[KEYS_MAX][64];
    char value[KEYS_MAX][VALUE_MAX];
} dump_t;

static void
on_key(const char *key, const char *value, void *arg)
{
    dump_t *d = arg;
    CS_FUZZ_CHECK(d->n < KEYS_MAX, "more keys than %d", KEYS_MAX);
    CS_FUZZ_CHECK(strlen(key) < sizeof d->key[0] && strlen(value) < sizeof d->value[0],
                  "%s is longer than any value can be", key);
    strcpy(d->key[d->n], key);
    strcpy(d->value[d->n], value);
    d->n++;
}

/* Everything cfg says is accepted again and reads back the same. */
static void
round_trip(const cs_config_t *cfg)
{
    static dump_t first, second;
    cs_config_t again;

    first.n = second.n = 0;
    cs_config_each(cfg, on_key, &first);
    cs_config_defaults(&again);
    for (size_t i = 0; i < first.n; i++) {
        int rc = cs_config_set(&again, first.key[i], first.value[i], "fuzz");
        CS_FUZZ_CHECK(rc == 0, "%s = \"%s\" was accepted, then refused: %s", first.key[i],
                      first.value[i], cs_diag());
    }
    cs_config_each(&again, on_key, &second);
    CS_FUZZ_CHECK(second.n == first.n, "%zu keys, then %zu", first.n, second.n);
    for (size_t i = 0; i < first.n; i++)
        CS_FUZZ_CHECK(strcmp(first.key[i], second.key[i]) == 0 &&
                          strcmp(first.value[i], second.value[i]) == 0,
                      "%s = \"%s\" reads back as \"%s\"", first.key[i], first.value[i],
                      second.value[i]);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    cs_config_t cfg;
    (void)argc, (void)argv;
    cs_fuzz_file_init(&file, "custody.conf");
    cs_config_defaults(&cfg);
    round_trip(&cfg);
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cs_config_t cfg;
    char *text = cs_fuzz_strndup(data, size), *line, *next;
    int rc;

    cs_fuzz_file_set(&file, data, size);
    cs_config_defaults(&cfg);
    rc = cs_config_load(&cfg, file.path);
    CS_FUZZ_CHECK(rc == 0 || rc == CS_ECONFIG, "load: rc %d", rc);
    CS_FUZZ_CHECK(rc == 0 || cs_diag()[0] != '\0', "a refused file without a reason");
    if (rc == 0)
        round_trip(&cfg);

    cs_config_defaults(&cfg);
    for (line = text; line != NULL; line = next) {
        next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        rc = cs_config_override(&cfg, line);
        CS_FUZZ_CHECK(rc == 0 || rc == CS_ECONFIG, "--set: rc %d", rc);
        CS_FUZZ_CHECK(rc == 0 || cs_diag()[0] != '\0', "a refused --set without a reason");
    }
    round_trip(&cfg);
    free(text);
    return 0;
}
