/* tests/indexer/test_catalog_open.c: opening a catalog: migrated to the current schema in
 * WAL mode, and the errors (with their details) for newer, damaged, foreign, absent and
 * locked catalogs; a page cache bounded on request. */
#include "tests/indexer/indexer_util.h"

#include "core/error.h"
#include "indexer/catalog_int.h"
#include "indexer/schema.h"
#include "tests/support/testutil.h"

#include <check.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

START_TEST(test_migration_sets_user_version_and_wal)
{
    ck_assert_int_eq(cs_catalog_schema_version(cat), cs_cat_schema_latest());
    ck_assert_int_eq(count("PRAGMA user_version"), cs_cat_schema_latest());
    ck_assert_int_eq(count("SELECT count(*) FROM pragma_journal_mode WHERE journal_mode = 'wal'"),
                     1);
    ck_assert_int_eq(count("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN"
                           " ('cases', 'parties', 'items', 'item_sources', 'links', 'events')"),
                     6);

    /* Reopening keeps what is there and migrates nothing twice. */
    char sha[65];
    fake_sha(sha, "12345678", '9');
    cs_arrival_t a = arrival(sha, CASE_A, NULL, "keep.jpg");
    ck_assert_int_eq(cs_catalog_record_arrival(cat, &a, NULL), 0);
    cs_catalog_close(&cat);
    cs_catalog_close(&cat); /* NULL is fine */
    ck_assert_int_eq(cs_catalog_open(&cat, db, 0, NULL), 0);
    ck_assert_int_eq(cs_catalog_schema_version(cat), cs_cat_schema_latest());
    ck_assert_int_eq(count("SELECT count(*) FROM items"), 1);
}
END_TEST

START_TEST(test_newer_schema_is_refused)
{
    cs_catalog_close(&cat);
    exec_other("PRAGMA user_version = 999");
    ck_assert_int_eq(cs_catalog_open(&cat, db, 0, NULL), CS_ECONFIG);
    ck_assert_ptr_null(cat);
    ck_assert_ptr_nonnull(strstr(cs_diag(), "schema version 999"));
    ck_assert_int_eq(count("PRAGMA user_version"), 999);
}
END_TEST

START_TEST(test_garbage_and_foreign_files_are_refused)
{
    cs_catalog_t *other = NULL; /* the fixture's catalog stays open */
    char path[4200];
    snprintf(path, sizeof path, "%s/garbage.db", dir);
    cs_test_write_random(path, 16384, 7);
    ck_assert_int_eq(cs_catalog_open(&other, path, 0, NULL), CS_ECORRUPT);
    ck_assert_ptr_null(other);
    ck_assert_ptr_nonnull(strstr(cs_diag(), "is damaged or not a Custody catalog"));
    ck_assert_ptr_nonnull(strstr(cs_diag(), "restore it from a backup"));

    /* Another program's SQLite database is left as it was. */
    snprintf(path, sizeof path, "%s/other.db", dir);
    sqlite3 *h = NULL;
    ck_assert_int_eq(sqlite3_open(path, &h), SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(h, "CREATE TABLE notes (t TEXT)", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(h);
    ck_assert_int_eq(cs_catalog_open(&other, path, 1, NULL), CS_ECORRUPT);
    ck_assert_ptr_nonnull(strstr(cs_diag(), "another application"));
    ck_assert_int_eq(cs_test_sql_count(path, "SELECT count(*) FROM sqlite_schema"), 1);
}
END_TEST

START_TEST(test_absent_catalog)
{
    cs_catalog_t *other = NULL; /* the fixture's catalog stays open */
    char path[4200];
    snprintf(path, sizeof path, "%s/none.db", dir);
    ck_assert_int_eq(cs_catalog_open(&other, path, 0, NULL), CS_ENOENT);
    ck_assert_ptr_nonnull(strstr(cs_diag(), path));
    snprintf(path, sizeof path, "%s/no/such/folder/catalog.db", dir);
    ck_assert_int_eq(cs_catalog_open(&other, path, 1, NULL), CS_ENOENT);
    ck_assert_ptr_null(other);
    cs_catalog_opts_t bad = {.busy_timeout_ms = -1};
    ck_assert_int_eq(cs_catalog_open(&other, db, 0, &bad), CS_EINVAL);
}
END_TEST

/* The connection's own cache_size (a pragma of the connection, not of the file). */
static long long
cache_size_of(cs_catalog_t *c)
{
    sqlite3_stmt *st = NULL;
    long long v = 0;
    ck_assert_int_eq(sqlite3_prepare_v2(c->db, "PRAGMA cache_size", -1, &st, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

START_TEST(test_page_cache_is_bounded_on_request)
{
    cs_catalog_t *small = NULL;
    cs_catalog_opts_t opts = {.busy_timeout_ms = 100, .cache_kib = 512};
    ck_assert_int_eq(cs_catalog_open(&small, db, 0, &opts), 0);
    ck_assert_int_eq(cache_size_of(small), -512); /* negative: KiB, not pages */
    cs_catalog_close(&small);
    /* Without it, SQLite's default, and the fixture's connection never changed. */
    opts.cache_kib = 0;
    ck_assert_int_eq(cs_catalog_open(&small, db, 0, &opts), 0);
    ck_assert_int_eq(cache_size_of(small), -2000);
    ck_assert_int_eq(cache_size_of(cat), -2000);
    cs_catalog_close(&small);
}
END_TEST

START_TEST(test_locked_catalog_is_busy_and_writes_nothing)
{
    char sha[65];
    fake_sha(sha, "10c0ed00", 'a');
    cs_arrival_t a = arrival(sha, CASE_A, "张三", "locked.jpg");
    cs_catalog_opts_t opts = {.busy_timeout_ms = 100};
    cs_catalog_close(&cat);
    ck_assert_int_eq(cs_catalog_open(&cat, db, 0, &opts), 0);

    sqlite3 *other = NULL;
    ck_assert_int_eq(sqlite3_open(db, &other), SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(other, "BEGIN EXCLUSIVE", NULL, NULL, NULL), SQLITE_OK);

    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ck_assert_int_eq(cs_catalog_record_arrival(cat, &a, NULL), CS_EBUSY);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    ck_assert_int_ge(ms, 90);
    char want[4200];
    snprintf(want, sizeof want,
             "catalog %s is locked by another process (waited 100 ms); try again", db);
    ck_assert_str_eq(cs_diag(), want);
    ck_assert_int_eq(cs_catalog_link(cat, sha, CASE_B, NULL, "x", "y", 0), CS_EBUSY);

    /* Reads go on beside the writer (WAL). */
    json_t *cases = NULL;
    ck_assert_int_eq(cs_catalog_cases(cat, &cases), 0);
    ck_assert_uint_eq(json_array_size(cases), 0);
    json_decref(cases);

    ck_assert_int_eq(sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(other);
    ck_assert_int_eq(count("SELECT (SELECT count(*) FROM cases) + (SELECT count(*) FROM parties)"
                           " + (SELECT count(*) FROM items) + (SELECT count(*) FROM events)"),
                     0);
    /* Once the lock is gone the same arrival goes through. */
    ck_assert_int_eq(cs_catalog_record_arrival(cat, &a, NULL), 0);
    ck_assert_int_eq(count("SELECT count(*) FROM items"), 1);
}
END_TEST

static Suite *
catalog_open_suite(void)
{
    Suite *s = suite_create("catalog_open");
    TCase *tc = tcase_create("catalog_open");
    tcase_add_checked_fixture(tc, catalog_setup, catalog_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_migration_sets_user_version_and_wal);
    tcase_add_test(tc, test_newer_schema_is_refused);
    tcase_add_test(tc, test_garbage_and_foreign_files_are_refused);
    tcase_add_test(tc, test_absent_catalog);
    tcase_add_test(tc, test_locked_catalog_is_busy_and_writes_nothing);
    tcase_add_test(tc, test_page_cache_is_bounded_on_request);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(catalog_open_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
