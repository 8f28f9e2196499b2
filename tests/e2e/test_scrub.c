/* tests/e2e/test_scrub.c: the service's fixity scrub as an operator meets it: every stored
 * object re-hashed once per window and each check in the ledger; an object changed on disk
 * found and reported in `custody status`, /metrics, the log and the ledger; and the reading
 * rate held to store.scrub_mb_s. */
#include "tests/e2e/e2e_api.h"

#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A home with `n` items of `size` random bytes in CASE_A (the first one's bytes and hash in
 * a->data and a->sha), `conf` appended to its custody.conf (the service and `custody status`
 * read the same), and nothing started yet. */
static void
scrub_home(api_t *a, int n, size_t size, const char *conf)
{
    char path[PATH_MAX];
    cs_run_t r;
    memset(a, 0, sizeof *a);
    e2e_setup(&a->t);
    snprintf(a->log, sizeof a->log, "%s/serve.log", a->t.dir);
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/item-%d.bin", a->t.dir, i);
        cs_test_write_random(path, size, (unsigned)i + 77);
        cs_test_custody(&r, "ingest", "--home", a->t.home, "--case", CASE_A, "--json", path, NULL);
        run_ok(&r);
        json_t *v = e2e_json(&r);
        if (i == 0) {
            snprintf(a->sha, sizeof a->sha, "%s", json_string_value(json_object_get(v, "sha256")));
            a->data = cs_test_read(path, NULL);
        }
        json_decref(v);
        cs_test_run_free(&r);
    }
    snprintf(path, sizeof path, "%s/custody.conf", a->t.home);
    FILE *f = fopen(path, "a");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "\n[store]\n%s", conf);
    fclose(f);
}

static void
object_path(const api_t *a, const char *sha, char out[PATH_MAX])
{
    snprintf(out, PATH_MAX, "%s/store/objects/sha256/%.2s/%.2s/%s", a->t.home, sha, sha + 2, sha);
}

/* Runs SQL on the catalog as another process would (the test's own set-up). */
static void
exec_sql(const char *db, const char *sql)
{
    sqlite3 *h = NULL;
    ck_assert_int_eq(sqlite3_open(db, &h), SQLITE_OK);
    sqlite3_busy_timeout(h, 5000);
    ck_assert_msg(sqlite3_exec(h, sql, NULL, NULL, NULL) == SQLITE_OK, "%s: %s", sql,
                  sqlite3_errmsg(h));
    sqlite3_close(h);
}

START_TEST(the_scrub_ledgers_its_checks_and_reports_an_altered_object)
{
    api_t a;
    resp_t m;
    cs_run_t r;
    char obj[PATH_MAX], sql[512];
    scrub_home(&a, 1, 300000, "scrub_window_s = 1\n");
    api_start(&a);

    /* Checked, and checked again a window later, each check a ledger entry of its own. */
    snprintf(sql, sizeof sql,
             "SELECT count(*) > 1 FROM ledger WHERE json_extract(entry, '$.action') = 'verified'"
             " AND json_extract(entry, '$.actor') = 'fixity-scrub' AND json_extract(entry,"
             " '$.item') = '%s' AND json_extract(entry, '$.detail.result') = 'ok'",
             a.sha);
    ck_assert_int_eq(cs_test_wait_count(a.t.db, sql, 1, 20000), 1);

    /* A byte changes on disk. */
    object_path(&a, a.sha, obj);
    ck_assert_int_eq(chmod(obj, 0644), 0);
    FILE *f = fopen(obj, "r+");
    ck_assert_ptr_nonnull(f);
    fseek(f, 1000, SEEK_SET);
    fputc(a.data[1000] ^ 0x20, f);
    fclose(f);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM fixity WHERE sha256 = '%s' AND result = 'mismatch'", a.sha);
    ck_assert_int_eq(cs_test_wait_count(a.t.db, sql, 1, 20000), 1);

    /* The ledger: a check that found it altered, with the hash found. */
    snprintf(sql, sizeof sql,
             "SELECT count(*) > 0 FROM ledger WHERE json_extract(entry, '$.action') = 'verified'"
             " AND json_extract(entry, '$.item') = '%s' AND json_extract(entry,"
             " '$.detail.result') = 'mismatch' AND length(json_extract(entry,"
             " '$.detail.actual_sha256')) = 64",
             a.sha);
    ck_assert_int_eq(cs_test_sql_count(a.t.db, sql), 1);

    /* custody status, as JSON and as text. */
    cs_test_custody(&r, "status", "--home", a.t.home, "--json", NULL);
    run_ok(&r);
    json_t *st = e2e_json(&r);
    cs_test_run_free(&r);
    json_t *fx = json_object_get(st, "fixity");
    ck_assert_int_eq(json_integer_value(json_object_get(fx, "failing")), 1);
    ck_assert_int_ge(json_integer_value(json_object_get(fx, "mismatches")), 1);
    ck_assert_int_ge(json_integer_value(json_object_get(fx, "checks")), 3);
    json_t *bad = json_array_get(json_object_get(fx, "failures"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(bad, "sha256")), a.sha);
    ck_assert_str_eq(json_string_value(json_object_get(bad, "result")), "mismatch");
    json_decref(st);
    cs_test_custody(&r, "status", "--home", a.t.home, NULL);
    run_ok(&r);
    snprintf(sql, sizeof sql, "FAILING %s mismatch", a.sha);
    ck_assert_msg(strstr(r.out, sql) != NULL, "%s", r.out);
    cs_test_run_free(&r);

    /* The log: an error line naming it, its item and case. */
    char *log = cs_test_read(a.log, NULL), *at = strstr(log, "\"store.fixity_mismatch\""), *line;
    ck_assert_ptr_nonnull(at);
    for (line = at; line > log && line[-1] != '\n'; line--)
        ;
    *strchrnul(at, '\n') = '\0';
    ck_assert_ptr_nonnull(strstr(line, "\"level\":\"error\""));
    ck_assert_ptr_nonnull(strstr(line, a.sha));
    ck_assert_ptr_nonnull(strstr(line, CASE_A));
    free(log);

    /* /metrics. */
    http(&a, &m, "GET", "/metrics", NULL, NULL, NULL, NULL);
    ck_assert_int_eq(m.status, 200);
    ck_assert_ptr_nonnull(strstr(m.body, "custody_fixity_failing_objects 1\n"));
    ck_assert_ptr_nonnull(strstr(m.body, "# TYPE custody_fixity_checks_total counter"));
    const char *mm = strstr(m.body, "\ncustody_fixity_mismatches_total ");
    ck_assert_ptr_nonnull(mm);
    ck_assert_int_ge(atoi(mm + strlen("\ncustody_fixity_mismatches_total ")), 1);
    resp_free(&m);
    api_teardown(&a);
}
END_TEST

#define BIG (3 * 1000 * 1000)
#define RATE_MB 3

START_TEST(the_scrub_reads_no_faster_than_its_rate)
{
    api_t a;
    cs_run_t r;
    scrub_home(&a, 3, BIG, "scrub_window_s = 3600\nscrub_mb_s = 3\n");
    /* Stored long ago: all due at once, one pass. */
    exec_sql(a.t.db, "UPDATE fixity SET checked_at = '2000-01-01T00:00:00.000Z'");
    api_start(&a);
    ck_assert_int_eq(cs_test_wait_count(a.t.db,
                                        "SELECT count(*) FROM fixity_state WHERE last_ended_at"
                                        " IS NOT NULL AND last_objects = 3",
                                        1, 30000),
                     1);
    cs_test_custody(&r, "status", "--home", a.t.home, "--json", NULL);
    run_ok(&r);
    json_t *st = e2e_json(&r);
    cs_test_run_free(&r);
    json_t *last = json_object_get(json_object_get(st, "fixity"), "last_pass");
    double seconds = json_number_value(json_object_get(last, "seconds"));
    long long bytes = json_integer_value(json_object_get(last, "bytes"));
    ck_assert_int_eq(bytes, 3 * BIG);
    /* The first chunk (1 MiB) is read at once; the rest at the rate. */
    double floor_s = (double)(bytes - (1 << 20)) / (RATE_MB * 1e6);
    fprintf(stderr, "scrub pass: %lld bytes in %.2f s = %.2f MB/s (rate %d MB/s)\n", bytes, seconds,
            (double)bytes / 1e6 / seconds, RATE_MB);
    ck_assert_msg(seconds >= floor_s * 0.95, "%.2f s is faster than the rate allows (%.2f s)",
                  seconds, floor_s);
    ck_assert_msg(seconds <= floor_s * 2 + 2, "%.2f s: far slower than the rate", seconds);
    json_decref(st);
    api_teardown(&a);
}
END_TEST

static Suite *
scrub_suite(void)
{
    Suite *s = suite_create("scrub");
    TCase *tc = tcase_create("scrub");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, the_scrub_ledgers_its_checks_and_reports_an_altered_object);
    tcase_add_test(tc, the_scrub_reads_no_faster_than_its_rate);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(scrub_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
