/* tests/e2e/test_sitetz_dates.c: dates are days at the site (site.tz), wherever a person
 * gives or reads one: `custody search --from/--to`, GET /v1/search and /v1/ledger's from/to,
 * the .ingested/<date>/ folder of a consumed upload, an export bag's Bagging-Date and its
 * evidence list's time, `custody probe`'s time. A photo taken at 20:53 UTC is on the next day
 * in Shanghai. For what is stamped "now", the site is put in a zone whose date differs from
 * UTC's at the hour the test runs (UTC+14 from 10:00 UTC on, else UTC-11), so that the test
 * tells the two apart at any hour. */
#include "tests/e2e/e2e_api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define GOOGLE CUSTODY_TEST_DATA "/exiftool/Google.jpg" /* 2023-10-06T22:53:51+02:00 */
#define GOOGLE_SHANGHAI_DAY "2023-10-07"                /* 04:53 there */
#define DONE_JOBS "SELECT count(*) FROM jobs WHERE state = 'done'"

/* The date `offset_h` hours east of UTC, now. */
static void
date_at(int offset_h, char out[11])
{
    time_t t = time(NULL) + (time_t)offset_h * 3600;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

/* A zone whose date is not UTC's now, and its offset; *zone_day its date, utc_day UTC's. */
static const char *
far_zone(int *offset_h, char zone_day[11], char utc_day[11])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    *offset_h = tm.tm_hour >= 10 ? 14 : -11;
    date_at(*offset_h, zone_day);
    date_at(0, utc_day);
    ck_assert_str_ne(zone_day, utc_day);
    return *offset_h == 14 ? "Pacific/Kiritimati" : "Pacific/Pago_Pago";
}

/* `custody search` with the two bounds: the original names found, joined by spaces. */
static void
search_names(const char *home, const char *from, const char *to, char *out, size_t size)
{
    cs_run_t r;
    cs_test_custody(&r, "search", "--home", home, "--purpose", "复核", "--json", "--from", from,
                    "--to", to, NULL);
    ck_assert_msg(r.status == 0, "search %s %s: %s", from, to, r.err);
    json_t *v = e2e_json(&r), *row;
    size_t i;
    out[0] = '\0';
    json_array_foreach(v, i, row)
    {
        size_t n = strlen(out);
        snprintf(out + n, size - n, "%s ",
                 json_string_value(json_object_get(row, "original_name")));
    }
    json_decref(v);
    cs_test_run_free(&r);
}

START_TEST(cli_dates_are_days_at_the_site)
{
    char *dir = cs_test_tmpdir(), home[PATH_MAX], bag[PATH_MAX], p[PATH_MAX], names[256];
    char want[64], day[11], utc_day[11];
    int off;
    cs_run_t r;
    snprintf(home, sizeof home, "%s/home", dir);
    cs_test_custody(&r, "init", "--home", home, "--site-tz", "Asia/Shanghai", NULL);
    ck_assert_msg(r.status == 0, "%s", r.err);
    cs_test_run_free(&r);
    cs_test_custody(&r, "ingest", "--home", home, "--case", CASE_A, GOOGLE, NULL);
    ck_assert_msg(r.status == 0, "%s", r.err);
    cs_test_run_free(&r);
    /* 20:53 UTC on the 6th is the 7th in Shanghai: found on the 7th, not on the 6th. */
    search_names(home, GOOGLE_SHANGHAI_DAY, GOOGLE_SHANGHAI_DAY, names, sizeof names);
    ck_assert_str_eq(names, "Google.jpg ");
    search_names(home, "2023-10-06", "2023-10-06", names, sizeof names);
    ck_assert_str_eq(names, "");
    /* Any offset is read as the instant it names. */
    search_names(home, "2023-10-07T04:50:00+08:00", "2023-10-06T21:00:00Z", names, sizeof names);
    ck_assert_str_eq(names, "Google.jpg ");
    cs_test_custody(&r, "search", "--home", home, "--purpose", "复核", "--from", "2023-10-07",
                    "--to", "2023-10-06T23:00:00+08:00", NULL);
    ck_assert_int_eq(r.status, 2);
    ck_assert_msg(strstr(r.err, "--from 2023-10-07 is after --to 2023-10-06T23:00:00+08:00"), "%s",
                  r.err);
    cs_test_run_free(&r);
    /* probe: the time as recorded, then as the site reads it. */
    cs_test_custody(&r, "probe", "--home", home, GOOGLE, NULL);
    ck_assert_msg(r.status == 0, "%s", r.err);
    ck_assert_msg(strstr(r.out, "  captured   2023-10-06 22:53:51 +02:00 (") &&
                      strstr(r.out, "  site time  2023-10-07 04:53 +08:00\n"),
                  "%s", r.out);
    cs_test_run_free(&r);
    /* A wall time without offset stays one: no site time, no stray space. */
    cs_test_custody(&r, "probe", "--home", home, CUSTODY_TEST_DATA "/gps/DSCN0010.jpg", NULL);
    ck_assert_msg(r.status == 0, "%s", r.err);
    ck_assert_msg(strstr(r.out, "  captured   2008-10-22 16:28:39 (exif:DateTimeOriginal)\n") &&
                      !strstr(r.out, "site time"),
                  "%s", r.out);
    cs_test_run_free(&r);
    /* An export made today is dated by the site's today, not UTC's. */
    const char *zone = far_zone(&off, day, utc_day);
    char set[64];
    snprintf(set, sizeof set, "site.tz=%s", zone);
    snprintf(bag, sizeof bag, "%s/bag", dir);
    cs_test_custody(&r, "export", CASE_A, "--home", home, "--purpose", "legal review", "--out", bag,
                    "--set", set, NULL);
    ck_assert_msg(r.status == 0, "%s", r.err);
    cs_test_run_free(&r);
    char *info = cs_test_read((snprintf(p, sizeof p, "%s/bag-info.txt", bag), p), NULL);
    snprintf(want, sizeof want, "Bagging-Date: %s\n", day);
    ck_assert_msg(strstr(info, want) != NULL, "%s wanted in\n%s", want, info);
    free(info);
    char *html = cs_test_read((snprintf(p, sizeof p, "%s/data/evidence-list.html", bag), p), NULL);
    snprintf(want, sizeof want, "<dd>%s ", day);
    ck_assert_msg(strstr(html, want) != NULL, "%s wanted in the list", want);
    ck_assert_ptr_nonnull(strstr(html, off > 0 ? " +14:00</dd>" : " -11:00</dd>"));
    free(html);
    cs_test_rmrf(dir);
    free(dir);
}
END_TEST

/* GET /v1/search?from=&to=: the same days at the site. */
START_TEST(api_search_dates_are_days_at_the_site)
{
    static const char *const sets[] = {"site.tz=Asia/Shanghai", NULL};
    api_t a;
    resp_t r;
    cs_run_t run;
    api_setup_with(&a, sets);
    cs_test_custody(&run, "ingest", "--home", a.t.home, "--case", CASE_A, GOOGLE, NULL);
    ck_assert_msg(run.status == 0, "%s", run.err);
    cs_test_run_free(&run);
    http(&a, &r, "GET", "/v1/search?from=" GOOGLE_SHANGHAI_DAY "&to=" GOOGLE_SHANGHAI_DAY, a.alice,
         PURPOSE, NULL, NULL);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    ck_assert_msg(strstr(r.body, "\"Google.jpg\"") != NULL, "%s", r.body);
    resp_free(&r);
    http(&a, &r, "GET", "/v1/search?from=2023-10-06&to=2023-10-06", a.alice, PURPOSE, NULL, NULL);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    ck_assert_msg(strstr(r.body, "Google.jpg") == NULL, "%s", r.body);
    resp_free(&r);
    api_teardown(&a);
}
END_TEST

/* Stamped now: a consumed upload's .ingested/<date>/ and GET /v1/ledger?from=&to=. */
START_TEST(todays_folder_and_ledger_days_are_the_sites)
{
    char day[11], utc_day[11], set[64], path[PATH_MAX], q[128];
    int off;
    const char *zone = far_zone(&off, day, utc_day);
    snprintf(set, sizeof set, "site.tz=%s", zone);
    const char *const sets[] = {set, "ingest.after=archive", "ingest.settle_ms=300",
                                "ingest.rescan_ms=400", NULL};
    api_t a;
    resp_t r;
    api_setup_with(&a, sets);
    snprintf(path, sizeof path, "%s/uploads/%s", a.t.home, CASE_A);
    ck_assert_int_eq(mkdir(path, 0755), 0);
    snprintf(path, sizeof path, "%s/uploads/%s/kept.jpg", a.t.home, CASE_A);
    long done = cs_test_sql_count(a.t.db, DONE_JOBS);
    char tmp[PATH_MAX + 8];
    snprintf(tmp, sizeof tmp, "%s.part", path);
    cs_test_write(tmp, "\xff\xd8\xff kept", 9);
    ck_assert_int_eq(rename(tmp, path), 0);
    ck_assert_int_eq(cs_test_wait_count(a.t.db, DONE_JOBS, done + 1, 20000), done + 1);
    snprintf(path, sizeof path, "%s/uploads/.ingested/%s/%s/kept.jpg", a.t.home, day, CASE_A);
    struct stat st;
    ck_assert_msg(stat(path, &st) == 0, "%s is missing", path);
    /* Every entry was made today at the site: all of them on its day, none on UTC's. */
    long all = entries(&a, "1");
    snprintf(q, sizeof q, "/v1/ledger?from=%s&to=%s&limit=1000", day, day);
    http(&a, &r, "GET", q, a.carol, PURPOSE, NULL, NULL);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    json_t *j = body_json(&r);
    ck_assert_int_ge((long)json_array_size(json_object_get(j, "entries")), all);
    json_decref(j);
    resp_free(&r);
    snprintf(q, sizeof q, "/v1/ledger?from=%s&to=%s", utc_day, utc_day);
    http(&a, &r, "GET", q, a.carol, PURPOSE, NULL, NULL);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    j = body_json(&r);
    ck_assert_msg(json_array_size(json_object_get(j, "entries")) == 0, "%s", r.body);
    json_decref(j);
    resp_free(&r);
    api_teardown(&a);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("sitetz_dates");
    TCase *tc = tcase_create("sitetz_dates");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, cli_dates_are_days_at_the_site);
    tcase_add_test(tc, api_search_dates_are_days_at_the_site);
    tcase_add_test(tc, todays_folder_and_ledger_days_are_the_sites);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failures = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failures ? 1 : 0;
}
