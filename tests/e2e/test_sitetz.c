/* tests/e2e/test_sitetz.c: the site's zone (issue 19, part 4): `custody init --site-tz`, a
 * grant's --until date ending at the end of that day there, any RFC 3339 offset accepted, a
 * past --until refused, and the CLI's lists showing times there with the offset. */
#include "tests/e2e/e2e.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DAY 86400

/* The Shanghai date (UTC+08:00 all year since 1991) `days` from now, as YYYY-MM-DD. */
static void
shanghai_date(int days, char out[11])
{
    time_t t = time(NULL) + 8 * 3600 + (time_t)days * DAY;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

static void
run_ok(cs_run_t *r)
{
    ck_assert_msg(r->status == 0, "exit %d: %s %s", r->status, r->out, r->err);
}

/* A home made with --site-tz Asia/Shanghai, one item in CASE_A, and user bob. */
static void
setup(char **dir, char home[PATH_MAX])
{
    cs_run_t r;
    char file[PATH_MAX];
    *dir = cs_test_tmpdir();
    snprintf(home, PATH_MAX, "%s/home", *dir);
    snprintf(file, sizeof file, "%s/photo.jpg", *dir);
    cs_test_write(file, "\xff\xd8\xff a photo", 11);
    cs_test_custody(&r, "init", "--home", home, "--site-tz", "Asia/Shanghai", NULL);
    run_ok(&r);
    cs_test_run_free(&r);
    cs_test_custody(&r, "ingest", "--home", home, "--case", CASE_A, file, NULL);
    run_ok(&r);
    cs_test_run_free(&r);
    cs_test_custody(&r, "user", "add", "bob", "--home", home, "--role", "reviewer", NULL);
    run_ok(&r);
    cs_test_run_free(&r);
}

START_TEST(init_writes_the_site_zone)
{
    char *dir, home[PATH_MAX], conf[PATH_MAX];
    cs_run_t r;
    setup(&dir, home);
    snprintf(conf, sizeof conf, "%s/custody.conf", home);
    char *text = cs_test_read(conf, NULL);
    ck_assert_msg(strstr(text, "\n[site]\n") != NULL && strstr(text, "\ntz = Asia/Shanghai\n"),
                  "%s", text);
    free(text);
    cs_test_custody(&r, "config", "--home", home, NULL);
    ck_assert_ptr_nonnull(strstr(r.out, "site.tz = Asia/Shanghai"));
    cs_test_run_free(&r);
    /* Without --site-tz, init names the zone in use and offers Asia/Shanghai. */
    snprintf(home, sizeof home, "%s/plain", dir);
    cs_test_custody(&r, "init", "--home", home, NULL);
    run_ok(&r);
    ck_assert_msg(strstr(r.out, "  site zone ") && strstr(r.out, "set tz = Asia/Shanghai"), "%s",
                  r.out);
    cs_test_run_free(&r);
    /* A zone the system lacks is refused before anything is made. */
    snprintf(home, sizeof home, "%s/other", dir);
    cs_test_custody(&r, "init", "--home", home, "--site-tz", "Nowhere/City", NULL);
    ck_assert_int_eq(r.status, 2);
    ck_assert_msg(strstr(r.err, "site.tz = \"Nowhere/City\" is not a zone this system has"), "%s",
                  r.err);
    ck_assert_int_ne(access(home, F_OK), 0);
    cs_test_run_free(&r);
    cs_test_rmrf(dir);
    free(dir);
}
END_TEST

/* `--until DATE` ends at the end of that day in Shanghai: shown as DATE 23:59 +08:00, stored as
 * the UTC instant, live until then. */
START_TEST(an_until_date_ends_that_day_in_the_site_zone)
{
    char *dir, home[PATH_MAX], date[11], want[64];
    cs_run_t r;
    setup(&dir, home);
    shanghai_date(30, date);
    cs_test_custody(&r, "grant", "bob", "--home", home, "--case", CASE_A, "--purpose", "复核",
                    "--until", date, NULL);
    run_ok(&r);
    snprintf(want, sizeof want, "until %s 23:59 +08:00", date);
    ck_assert_msg(strstr(r.out, want) != NULL, "%s", r.out);
    cs_test_run_free(&r);
    cs_test_custody(&r, "grants", "--home", home, NULL);
    run_ok(&r);
    ck_assert_msg(strstr(r.out, want) != NULL && strstr(r.out, "live") != NULL, "%s", r.out);
    cs_test_run_free(&r);
    cs_test_custody(&r, "grants", "--home", home, "--json", NULL);
    run_ok(&r);
    json_t *v = e2e_json(&r);
    snprintf(want, sizeof want, "%sT15:59:59.999Z", date);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(v, 0), "until")), want);
    json_decref(v);
    cs_test_run_free(&r);
    /* Another zone shows the same instant with its own offset. */
    cs_test_custody(&r, "grants", "--home", home, "--set", "site.tz=Etc/UTC", NULL);
    snprintf(want, sizeof want, "until %s 15:59 +00:00", date);
    ck_assert_msg(strstr(r.out, want) != NULL, "%s", r.out);
    cs_test_run_free(&r);
    cs_test_rmrf(dir);
    free(dir);
}
END_TEST

/* Any RFC 3339 offset is accepted, and shown in the site's zone. */
START_TEST(an_until_with_any_offset_is_accepted)
{
    char *dir, home[PATH_MAX], date[11], until[64], want[64];
    cs_run_t r;
    setup(&dir, home);
    shanghai_date(30, date);
    snprintf(until, sizeof until, "%sT13:48:00+00:00", date);
    cs_test_custody(&r, "grant", "bob", "--home", home, "--case", CASE_A, "--purpose", "复核",
                    "--until", until, NULL);
    run_ok(&r);
    snprintf(want, sizeof want, "until %s 21:48 +08:00", date);
    ck_assert_msg(strstr(r.out, want) != NULL, "%s", r.out);
    cs_test_run_free(&r);
    snprintf(until, sizeof until, "%sT08:48:00-05:00", date);
    cs_test_custody(&r, "grant", "bob", "--home", home, "--case", CASE_A, "--purpose", "复核",
                    "--until", until, NULL);
    run_ok(&r);
    ck_assert_msg(strstr(r.out, want) != NULL, "%s", r.out);
    cs_test_run_free(&r);
    cs_test_rmrf(dir);
    free(dir);
}
END_TEST

/* A --until already past is refused, naming the flag, and no grant is made. */
START_TEST(a_past_until_is_refused)
{
    char *dir, home[PATH_MAX], date[11];
    cs_run_t r;
    setup(&dir, home);
    shanghai_date(-1, date);
    cs_test_custody(&r, "grant", "bob", "--home", home, "--case", CASE_A, "--purpose", "复核",
                    "--until", date, NULL);
    ck_assert_int_eq(r.status, 2);
    ck_assert_msg(strstr(r.err, "--until") && strstr(r.err, "is not in the future"), "%s", r.err);
    cs_test_run_free(&r);
    cs_test_custody(&r, "grant", "bob", "--home", home, "--case", CASE_A, "--purpose", "复核",
                    "--until", "2001-01-01T00:00:00Z", NULL);
    ck_assert_int_eq(r.status, 2);
    ck_assert_msg(strstr(r.err, "--until") && strstr(r.err, "is not in the future"), "%s", r.err);
    cs_test_run_free(&r);
    cs_test_custody(&r, "grant", "bob", "--home", home, "--case", CASE_A, "--purpose", "复核",
                    "--until", "2030-02-30", NULL);
    ck_assert_int_eq(r.status, 2);
    ck_assert_msg(strstr(r.err, "--until \"2030-02-30\" is neither a date"), "%s", r.err);
    cs_test_run_free(&r);
    char db[PATH_MAX];
    snprintf(db, sizeof db, "%s/catalog.db", home);
    ck_assert_int_eq(cs_test_sql_count(db, "SELECT count(*) FROM grants"), 0);
    cs_test_rmrf(dir);
    free(dir);
}
END_TEST

/* The CLI's lists show their times in the site's zone, with the offset, one format. */
START_TEST(lists_show_times_with_the_zone_offset)
{
    char *dir, home[PATH_MAX];
    cs_run_t r;
    setup(&dir, home);
    const char *lists[][6] = {
        {"user", "list", NULL},
        {"cases", "--purpose", "e2e check", NULL},
        {"ledger", "show", NULL},
    };
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
        cs_test_custody(&r, lists[i][0], "--home", home, lists[i][1], lists[i][2], NULL);
        run_ok(&r);
        /* "2026-12-08 01:04 +08:00": a date, a minute and the offset, never "T...Z" */
        const char *p = strstr(r.out, " +08:00");
        ck_assert_msg(p != NULL && p - r.out >= 16 && p[-3] == ':' && p[-6] == ' ' && p[-9] == '-',
                      "%s: %s", lists[i][0], r.out);
        ck_assert_msg(strstr(r.out, "Z ") == NULL && strstr(r.out, "Z\n") == NULL, "%s: %s",
                      lists[i][0], r.out);
        cs_test_run_free(&r);
    }
    /* show: every time of the record too (stored, sources, links, events) */
    char sha[65];
    e2e_sha256("\xff\xd8\xff a photo", sha);
    cs_test_custody(&r, "show", sha, "--purpose", "e2e check", "--home", home, NULL);
    run_ok(&r);
    const char *stored = strstr(r.out, "stored      ");
    ck_assert_msg(stored != NULL && strncmp(stored + 12 + 16, " +08:00\n", 8) == 0, "%s", r.out);
    ck_assert_msg(strstr(r.out, "Z ") == NULL && strstr(r.out, "Z\n") == NULL &&
                      strstr(r.out, "Z)") == NULL,
                  "%s", r.out);
    cs_test_run_free(&r);
    cs_test_rmrf(dir);
    free(dir);
}
END_TEST

static Suite *
sitetz_suite(void)
{
    Suite *s = suite_create("e2e_sitetz");
    TCase *tc = tcase_create("sitetz");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, init_writes_the_site_zone);
    tcase_add_test(tc, an_until_date_ends_that_day_in_the_site_zone);
    tcase_add_test(tc, an_until_with_any_offset_is_accepted);
    tcase_add_test(tc, a_past_until_is_refused);
    tcase_add_test(tc, lists_show_times_with_the_zone_offset);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(sitetz_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
