/* tests/core/test_config.c: the config table, INI files and --set overrides. */
#include "core/config.h"
#include "core/error.h"
#include "tests/support/testutil.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

START_TEST(defaults_fill_every_key)
{
    cs_config_t c;
    cs_config_defaults(&c);
    ck_assert_int_eq(c.catalog_busy_timeout_ms, 10000);
    ck_assert_int_eq(c.store_buffer_kb, 1024);
    ck_assert_ptr_nonnull(strstr(c.case_pattern, "号"));
    ck_assert_str_eq(c.transcode_profiles, "archival,access,preview,thumbnail");
    ck_assert_str_eq(cs_config_presets[c.transcode_access_preset], "veryfast");
    ck_assert_int_eq(c.transcode_access_max_lines, 720);
}
END_TEST

static const struct {
    const char *assignment;
    int rc;
    const char *diag; /* must appear in cs_diag() */
} overrides[] = {
    {"catalog.busy_timeout_ms=0", 0, NULL},
    {"catalog.busy_timeout_ms=600000", 0, NULL},
    {"catalog.busy_timeout_ms=600001", CS_ECONFIG, "0..600000"},
    {"catalog.busy_timeout_ms=-1", CS_ECONFIG, "catalog.busy_timeout_ms"},
    {"catalog.busy_timeout_ms=12abc", CS_ECONFIG, "12abc"},
    {"catalog.busy_timeout_ms=", CS_ECONFIG, "whole number"},
    {"catalog.busy_timeout_ms=99999999999999999999", CS_ECONFIG, "0..600000"},
    {"store.buffer_kb=64", 0, NULL},
    {"store.buffer_kb=63", CS_ECONFIG, "64..16384"},
    {"case.pattern=^x$", 0, NULL},
    {"case.pattern=", CS_ECONFIG, "case.pattern"},
    {"case.nope=1", CS_ECONFIG, "unknown key \"case.nope\""},
    {"=1", CS_ECONFIG, "section.key=value"},
    {"store.buffer_kb", CS_ECONFIG, "section.key=value"},
    {"transcode.profiles=", 0, NULL},
    {"transcode.profiles=access", 0, NULL},
    {"transcode.profiles=thumbnail,archival", 0, NULL},
    {"transcode.profiles=access,access", CS_ECONFIG, "each once"},
    {"transcode.profiles=access,", CS_ECONFIG, "archival,access,preview,thumbnail"},
    {"transcode.profiles=proxy", CS_ECONFIG, "transcode.profiles"},
    {"transcode.access_preset=veryslow", 0, NULL},
    {"transcode.access_preset=placebo", CS_ECONFIG, "ultrafast|superfast"},
    {"transcode.archival_slices=3", CS_ECONFIG, "4..24"},
    /* site.tz: a zone the system has, or empty for the system's (issue 19) */
    {"site.tz=Asia/Shanghai", 0, NULL},
    {"site.tz=", 0, NULL},
    {"site.tz=+08:00", CS_ECONFIG, "site.tz = \"+08:00\" is not a zone name"},
    {"site.tz=Nowhere/City", CS_ECONFIG,
     "site.tz = \"Nowhere/City\" is not a zone this system has"},
    {"site.tz=../etc/passwd", CS_ECONFIG, "is not a zone name"},
    /* ingest.default_tz: an offset, or a zone the system has (issue 18) */
    {"ingest.default_tz=+08:00", 0, NULL},
    {"ingest.default_tz=", 0, NULL},
    {"ingest.default_tz=Asia/Shanghai", 0, NULL},
    {"ingest.default_tz=America/Argentina/Buenos_Aires", 0, NULL},
    {"ingest.default_tz=+8", CS_ECONFIG, "write an offset like +08:00"},
    {"ingest.default_tz=../etc/passwd", CS_ECONFIG,
     "ingest.default_tz = \"../etc/passwd\" is not "
     "a zone name"},
    {"ingest.default_tz=/etc/passwd", CS_ECONFIG, "is not a zone name"},
    {"ingest.default_tz=Asia/Shanghai/", CS_ECONFIG, "is not a zone name"},
    {"ingest.default_tz=Nowhere/City", CS_ECONFIG,
     "ingest.default_tz = \"Nowhere/City\" is not a zone this system has"},
    {"ingest.default_tz=Asia", CS_ECONFIG, "is not a zone this system has"},
};

START_TEST(overrides_are_checked_against_the_table)
{
    cs_config_t c;
    cs_config_defaults(&c);
    cs_diag_clear();
    int rc = cs_config_override(&c, overrides[_i].assignment);
    ck_assert_msg(rc == overrides[_i].rc, "%s: rc %d", overrides[_i].assignment, rc);
    if (overrides[_i].diag != NULL)
        ck_assert_msg(strstr(cs_diag(), overrides[_i].diag) != NULL, "%s: diag \"%s\"",
                      overrides[_i].assignment, cs_diag());
}
END_TEST

START_TEST(the_default_file_reads_back_as_the_defaults)
{
    char *dir = cs_test_tmpdir();
    char path[4096];
    snprintf(path, sizeof path, "%s/custody.conf", dir);
    FILE *f = fopen(path, "w");
    ck_assert_int_eq(cs_config_write_default(f), 0);
    fclose(f);
    /* Uncomment every key: the file must still load and give the defaults. */
    char *text = cs_test_read(path, NULL);
    char *out = calloc(1, strlen(text) + 1), *o = out;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        if (line[0] == '#' && line[1] != ' ' && strchr(line, '=') != NULL)
            line++;
        o += sprintf(o, "%s\n", line);
    }
    cs_test_write(path, out, strlen(out));
    cs_config_t a, b;
    cs_config_defaults(&a);
    memset(&b, 0, sizeof b);
    cs_config_defaults(&b);
    b.store_buffer_kb = 1;
    ck_assert_msg(cs_config_load(&b, path) == 0, "%s\n%s", cs_diag(), out);
    ck_assert_int_eq(memcmp(&a, &b, sizeof a), 0);
    free(text);
    free(out);
    cs_test_rmrf(dir);
    free(dir);
}
END_TEST

static const struct {
    const char *text;
    const char *diag;
} bad_files[] = {
    {"busy_timeout_ms = 5\n", "outside any [section]"},
    {"[catalog\n", "bad section header"},
    {"[catalog]\nbusy_timeout_ms 5\n", "line 2: expected \"key = value\""},
    {"[catalog]\n\n# fine\nbusy_timeout_ms = 9999999\n", "line 4: catalog.busy_timeout_ms"},
    {"[store]\ncolour = blue\n", "unknown key \"store.colour\""},
    {"[ingest]\ndefault_tz = Nowhere/City\n", "line 2: ingest.default_tz"},
};

START_TEST(bad_files_name_the_line_and_key)
{
    char *dir = cs_test_tmpdir();
    char path[4096];
    cs_config_t c;
    snprintf(path, sizeof path, "%s/custody.conf", dir);
    cs_test_write(path, bad_files[_i].text, strlen(bad_files[_i].text));
    cs_config_defaults(&c);
    ck_assert_int_eq(cs_config_load(&c, path), CS_ECONFIG);
    ck_assert_msg(strstr(cs_diag(), bad_files[_i].diag) != NULL, "diag \"%s\"", cs_diag());
    ck_assert_ptr_nonnull(strstr(cs_diag(), path));
    cs_test_rmrf(dir);
    free(dir);
}
END_TEST

START_TEST(a_missing_file_leaves_the_defaults)
{
    cs_config_t c;
    cs_config_defaults(&c);
    ck_assert_int_eq(cs_config_load(&c, "/nonexistent/custody.conf"), 0);
    ck_assert_int_eq(c.catalog_busy_timeout_ms, 10000);
}
END_TEST

/* A zone name is kept as written, for the worker to work out each date's offset. */
START_TEST(a_zone_name_is_a_default_tz)
{
    char *dir = cs_test_tmpdir();
    char path[4096];
    cs_config_t c;
    snprintf(path, sizeof path, "%s/custody.conf", dir);
    const char *text = "[ingest]\ndefault_tz = Europe/Berlin\n";
    cs_test_write(path, text, strlen(text));
    cs_config_defaults(&c);
    ck_assert_int_eq(cs_config_load(&c, path), 0);
    ck_assert_str_eq(c.ingest_default_tz, "Europe/Berlin");
    cs_test_rmrf(dir);
    free(dir);
}
END_TEST

START_TEST(quoted_values_and_comments)
{
    char *dir = cs_test_tmpdir();
    char path[4096];
    cs_config_t c;
    snprintf(path, sizeof path, "%s/custody.conf", dir);
    const char *text = "; comment\n[case]\n  pattern = \"^任.*号$\"  \n";
    cs_test_write(path, text, strlen(text));
    cs_config_defaults(&c);
    ck_assert_int_eq(cs_config_load(&c, path), 0);
    ck_assert_str_eq(c.case_pattern, "^任.*号$");
    cs_test_rmrf(dir);
    free(dir);
}
END_TEST

static Suite *
config_suite(void)
{
    Suite *s = suite_create("config");
    TCase *tc = tcase_create("config");
    tcase_add_test(tc, defaults_fill_every_key);
    tcase_add_loop_test(tc, overrides_are_checked_against_the_table, 0,
                        (int)(sizeof overrides / sizeof overrides[0]));
    tcase_add_test(tc, the_default_file_reads_back_as_the_defaults);
    tcase_add_loop_test(tc, bad_files_name_the_line_and_key, 0,
                        (int)(sizeof bad_files / sizeof bad_files[0]));
    tcase_add_test(tc, a_missing_file_leaves_the_defaults);
    tcase_add_test(tc, quoted_values_and_comments);
    tcase_add_test(tc, a_zone_name_is_a_default_tz);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(config_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
