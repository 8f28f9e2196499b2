/* tests/core/test_tz.c: zones read from the system's TZif files: the offset of a wall time on
 * its own date (summer time, old rules, the footer rule past the last transition), skipped
 * and ambiguous wall times, names refused, damaged files refused without a crash. */
#include "core/error.h"
#include "core/tz.h"
#include "tests/support/testutil.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define H 3600

static const struct {
    const char *zone;
    int y, mo, d, h, mi;
    int offset; /* seconds east of UTC */
    cs_tz_fit_t fit;
} walls[] = {
    {"Asia/Shanghai", 2023, 7, 1, 10, 0, 8 * H, CS_TZ_UNIQUE},
    {"Asia/Shanghai", 2023, 1, 1, 0, 0, 8 * H, CS_TZ_UNIQUE},
    {"Asia/Shanghai", 1988, 7, 1, 10, 0, 9 * H, CS_TZ_UNIQUE}, /* China kept summer time then */
    {"Europe/Berlin", 2023, 1, 15, 12, 0, 1 * H, CS_TZ_UNIQUE},
    {"Europe/Berlin", 2023, 7, 15, 12, 0, 2 * H, CS_TZ_UNIQUE},
    {"Europe/Berlin", 2045, 7, 15, 12, 0, 2 * H, CS_TZ_UNIQUE}, /* past 2037: the footer rule */
    {"Europe/Berlin", 2045, 12, 15, 12, 0, 1 * H, CS_TZ_UNIQUE},
    {"Europe/Berlin", 2023, 3, 26, 1, 59, 1 * H, CS_TZ_UNIQUE},
    {"Europe/Berlin", 2023, 3, 26, 2, 30, 1 * H, CS_TZ_SKIPPED}, /* clocks 02:00 -> 03:00 */
    {"Europe/Berlin", 2023, 3, 26, 3, 0, 2 * H, CS_TZ_UNIQUE},
    {"Europe/Berlin", 2023, 10, 29, 2, 30, 2 * H, CS_TZ_AMBIGUOUS}, /* 03:00 -> 02:00 */
    {"Europe/Berlin", 2023, 10, 29, 3, 0, 1 * H, CS_TZ_UNIQUE},
    {"Europe/Berlin", 2046, 10, 28, 2, 30, 2 * H, CS_TZ_AMBIGUOUS},
    {"America/New_York", 1990, 7, 4, 12, 0, -4 * H, CS_TZ_UNIQUE},
    {"America/New_York", 1990, 1, 15, 12, 0, -5 * H, CS_TZ_UNIQUE},
    {"America/New_York", 1990, 4, 1, 2, 30, -5 * H, CS_TZ_SKIPPED}, /* first Sunday of April */
    {"America/New_York", 2023, 11, 5, 1, 30, -4 * H, CS_TZ_AMBIGUOUS},
    {"Australia/Sydney", 2023, 1, 15, 12, 0, 11 * H, CS_TZ_UNIQUE}, /* southern summer */
    {"Australia/Sydney", 2050, 1, 15, 12, 0, 11 * H, CS_TZ_UNIQUE},
    {"Australia/Sydney", 2050, 7, 15, 12, 0, 10 * H, CS_TZ_UNIQUE},
    {"Asia/Kolkata", 2023, 7, 1, 10, 0, 5 * H + 1800, CS_TZ_UNIQUE},
    {"Pacific/Apia", 2011, 12, 30, 12, 0, -10 * H, CS_TZ_SKIPPED}, /* Samoa skipped that day */
};

START_TEST(a_wall_time_has_its_dates_offset)
{
    const cs_tz_t *tz;
    int off = 0;
    cs_tz_fit_t fit;
    ck_assert_msg(cs_tz_get(walls[_i].zone, &tz) == 0, "%s: %s", walls[_i].zone, cs_diag());
    cs_tz_wall_offset(tz, walls[_i].y, walls[_i].mo, walls[_i].d, walls[_i].h, walls[_i].mi, 0,
                      &off, &fit);
    ck_assert_msg(off == walls[_i].offset && fit == walls[_i].fit,
                  "%s %04d-%02d-%02dT%02d:%02d: offset %d fit %d, expected %d fit %d",
                  walls[_i].zone, walls[_i].y, walls[_i].mo, walls[_i].d, walls[_i].h, walls[_i].mi,
                  off, (int)fit, walls[_i].offset, (int)walls[_i].fit);
}
END_TEST

/* A zone is read once: the same object comes back. */
START_TEST(a_zone_is_read_once)
{
    const cs_tz_t *a, *b;
    ck_assert_int_eq(cs_tz_get("Europe/Berlin", &a), 0);
    ck_assert_int_eq(cs_tz_get("Europe/Berlin", &b), 0);
    ck_assert_ptr_eq(a, b);
}
END_TEST

static const struct {
    const char *name;
    int rc;
} bad_names[] = {
    {"../etc/passwd", CS_EINVAL},
    {"/etc/passwd", CS_EINVAL},
    {"Europe/../../etc/passwd", CS_EINVAL},
    {"Europe//Berlin", CS_EINVAL},
    {"Europe/Berlin ", CS_EINVAL},
    {"Europe/Berlin/", CS_EINVAL},
    {"", CS_EINVAL},
    {"Nowhere/City", CS_ENOENT},
    {"Europe", CS_ECORRUPT}, /* a folder: not a zone file */
};

START_TEST(bad_names_are_refused)
{
    const cs_tz_t *tz = (const cs_tz_t *)&tz;
    cs_diag_clear();
    int rc = cs_tz_get(bad_names[_i].name, &tz);
    ck_assert_msg(rc != 0 && tz == NULL, "%s: rc %d", bad_names[_i].name, rc);
    ck_assert_msg(rc == bad_names[_i].rc, "%s: rc %s", bad_names[_i].name, cs_errname(rc));
    ck_assert_msg(cs_diag()[0] != '\0', "%s: no detail", bad_names[_i].name);
}
END_TEST

/* Copies of a real zone file cut short at many places, or with a byte changed, under a test
 * root: each is refused as corrupt, never read past its end. */
START_TEST(damaged_files_are_refused)
{
    char *dir = cs_test_tmpdir(), path[4096];
    size_t len = 0;
    char *berlin = cs_test_read(CS_TZ_ROOT "/Europe/Berlin", &len);
    cs_tz_t *tz = NULL;
    ck_assert_ptr_nonnull(berlin);
    snprintf(path, sizeof path, "%s/Test", dir);
    ck_assert_int_eq(mkdir(path, 0700), 0);
    snprintf(path, sizeof path, "%s/Test/Zone", dir);
    /* the whole file reads, from the test root */
    cs_test_write(path, berlin, len);
    ck_assert_msg(cs_tz_load(dir, "Test/Zone", &tz) == 0, "%s", cs_diag());
    cs_tz_free(&tz);
    ck_assert_ptr_null(tz);
    for (size_t cut = 0; cut < len; cut += cut < 64 ? 1 : 37) {
        cs_test_write(path, berlin, cut);
        cs_diag_clear();
        ck_assert_msg(cs_tz_load(dir, "Test/Zone", &tz) == CS_ECORRUPT, "cut at %zu", cut);
        ck_assert_ptr_null(tz);
        ck_assert_ptr_nonnull(strstr(cs_diag(), "Test/Zone"));
    }
    cs_test_write(path, berlin, len - 1); /* the footer's closing newline gone */
    ck_assert_int_eq(cs_tz_load(dir, "Test/Zone", &tz), CS_ECORRUPT);
    /* counts that promise more than the file holds */
    berlin[32] = 0x7f; /* the first header's timecnt: 0x7f...: two billion transitions */
    cs_test_write(path, berlin, len);
    ck_assert_int_eq(cs_tz_load(dir, "Test/Zone", &tz), CS_ECORRUPT);
    cs_test_write(path, "not a zone file at all, just some text that is long enough\n", 60);
    ck_assert_int_eq(cs_tz_load(dir, "Test/Zone", &tz), CS_ECORRUPT);
    ck_assert_ptr_null(tz);
    free(berlin);
    cs_test_rmrf(dir);
    free(dir);
}
END_TEST

/* Bytes changed at random (a fixed seed) in a real zone file: each copy is read or refused,
 * never read out of bounds (the sanitizer build checks), and what reads gives sane offsets. */
START_TEST(changed_bytes_never_crash)
{
    char *dir = cs_test_tmpdir(), path[4096];
    size_t len = 0;
    char *orig = cs_test_read(CS_TZ_ROOT "/America/New_York", &len);
    char *copy = malloc(len);
    unsigned seed = 18;
    ck_assert_ptr_nonnull(orig);
    ck_assert_ptr_nonnull(copy);
    snprintf(path, sizeof path, "%s/Zone", dir);
    for (int round = 0; round < 400; round++) {
        cs_tz_t *tz = NULL;
        memcpy(copy, orig, len);
        for (int k = 0; k < 1 + round % 4; k++) {
            seed = seed * 1103515245u + 12345u;
            size_t at = round % 2 == 0 ? (seed >> 8) % 64 : (seed >> 8) % len; /* header half */
            copy[at] = (char)(seed >> 24);
        }
        cs_test_write(path, copy, len);
        int rc = cs_tz_load(dir, "Zone", &tz);
        ck_assert_msg(rc == 0 || rc == CS_ECORRUPT, "round %d: rc %d", round, rc);
        if (rc == 0) {
            int off;
            cs_tz_fit_t fit;
            cs_tz_wall_offset(tz, 2023, 7, 1, 12, 0, 0, &off, &fit);
            ck_assert_int_le(off < 0 ? -off : off, 26 * H);
            cs_tz_free(&tz);
        }
    }
    free(copy);
    free(orig);
    cs_test_rmrf(dir);
    free(dir);
}
END_TEST

/* A version 1 file (32-bit times, no footer) is read too. */
START_TEST(a_version_1_file_reads)
{
    char *dir = cs_test_tmpdir(), path[4096];
    size_t len = 0;
    char *berlin = cs_test_read(CS_TZ_ROOT "/Europe/Berlin", &len);
    cs_tz_t *tz = NULL;
    int off;
    cs_tz_fit_t fit;
    ck_assert_ptr_nonnull(berlin);
    ck_assert_int_eq(berlin[4], '2');
    berlin[4] = '\0';
    snprintf(path, sizeof path, "%s/Berlin1", dir);
    cs_test_write(path, berlin, len);
    ck_assert_msg(cs_tz_load(dir, "Berlin1", &tz) == 0, "%s", cs_diag());
    cs_tz_wall_offset(tz, 2023, 7, 15, 12, 0, 0, &off, &fit);
    ck_assert_int_eq(off, 2 * H);
    cs_tz_wall_offset(tz, 2023, 1, 15, 12, 0, 0, &off, &fit);
    ck_assert_int_eq(off, 1 * H);
    cs_tz_free(&tz);
    free(berlin);
    cs_test_rmrf(dir);
    free(dir);
}
END_TEST

START_TEST(offsets_parse)
{
    int m = 0;
    ck_assert_int_eq(cs_tz_parse_offset("+08:00", &m), 0);
    ck_assert_int_eq(m, 480);
    ck_assert_int_eq(cs_tz_parse_offset("-03:30", &m), 0);
    ck_assert_int_eq(m, -210);
    ck_assert_int_eq(cs_tz_parse_offset("+8", &m), -1);
    ck_assert_int_eq(cs_tz_parse_offset("Asia/Shanghai", &m), -1);
    ck_assert_int_eq(cs_tz_parse_offset("+19:00", &m), -1);
}
END_TEST

static Suite *
tz_suite(void)
{
    Suite *s = suite_create("tz");
    TCase *tc = tcase_create("tz");
    tcase_add_loop_test(tc, a_wall_time_has_its_dates_offset, 0,
                        (int)(sizeof walls / sizeof walls[0]));
    tcase_add_test(tc, a_zone_is_read_once);
    tcase_add_loop_test(tc, bad_names_are_refused, 0,
                        (int)(sizeof bad_names / sizeof bad_names[0]));
    tcase_add_test(tc, damaged_files_are_refused);
    tcase_add_test(tc, a_version_1_file_reads);
    tcase_add_test(tc, changed_bytes_never_crash);
    tcase_add_test(tc, offsets_parse);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(tz_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
