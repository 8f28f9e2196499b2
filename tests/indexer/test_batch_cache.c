/* tests/indexer/test_batch_cache.c: a batch holds the pages it dirties in memory until its
 * commit (bench/scale.sh, issue 24 part 5: with the connection's 2,000 KiB, a batch of 2,000
 * items spilled its pages to the log mid-batch, read them back and wrote them again: 5.7 page
 * writes an item filed against 3.5), and gives the cache back at its end, so that a
 * long-lived connection keeps the size it was opened with. */
#include "core/error.h"
#include "indexer/catalog_int.h"
#include "indexer/ledger.h"
#include "tests/support/testutil.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dir;
static cs_catalog_t *cat;

static int
cache_size(void)
{
    sqlite3_stmt *st = NULL;
    ck_assert_int_eq(sqlite3_prepare_v2(cat->db, "PRAGMA cache_size", -1, &st, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    int n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return n;
}

static void
open_with(int kib)
{
    char db[4096];
    cs_catalog_opts_t opts = {.busy_timeout_ms = 1000, .cache_kib = kib};
    snprintf(db, sizeof db, "%s/catalog.db", dir);
    ck_assert_int_eq(cs_catalog_open(&cat, db, 1, &opts), 0);
}

static void
setup(void)
{
    dir = cs_test_tmpdir();
}

static void
teardown(void)
{
    cs_catalog_close(&cat);
    cs_test_rmrf(dir);
    free(dir);
}

START_TEST(a_batch_has_its_own_page_cache_and_gives_it_back)
{
    open_with(0);
    int own = cache_size();
    ck_assert_int_eq(cs_catalog_batch_begin(cat), 0);
    ck_assert_int_eq(cache_size(), -CS_CAT_BATCH_CACHE_KIB);
    ck_assert_int_eq(cs_catalog_batch_commit(cat), 0);
    ck_assert_int_eq(cache_size(), own);
    cs_catalog_close(&cat);
    /* a bounded connection (the API's readers) gets its bound back, after a rollback too */
    open_with(512);
    ck_assert_int_eq(cs_catalog_batch_begin(cat), 0);
    ck_assert_int_eq(cache_size(), -CS_CAT_BATCH_CACHE_KIB);
    cs_catalog_batch_rollback(cat);
    ck_assert_int_eq(cache_size(), -512);
}
END_TEST

START_TEST(a_big_batch_does_not_spill_its_pages)
{
    char pad[1001];
    int spilled = 0, hw = 0;
    open_with(0);
    memset(pad, 'x', sizeof pad - 1);
    pad[sizeof pad - 1] = '\0';
    sqlite3_db_status(cat->db, SQLITE_DBSTATUS_CACHE_SPILL, &spilled, &hw, 1);
    /* 4,000 entries of 1 KB: twice the connection's own cache */
    ck_assert_int_eq(cs_catalog_batch_begin(cat), 0);
    for (int i = 0; i < 4000; i++) {
        json_t *e = json_pack("{s:s, s:i, s:s}", "kind", "retrieval", "i", i, "pad", pad);
        ck_assert_int_eq(cs_catalog_ledger_append_batched(cat, e, NULL), 0);
        json_decref(e);
    }
    ck_assert_int_eq(cs_catalog_batch_commit(cat), 0);
    sqlite3_db_status(cat->db, SQLITE_DBSTATUS_CACHE_SPILL, &spilled, &hw, 0);
    ck_assert_msg(spilled == 0, "%d pages spilled to the log before the batch's commit", spilled);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("batch_cache");
    TCase *tc = tcase_create("batch_cache");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, a_batch_has_its_own_page_cache_and_gives_it_back);
    tcase_add_test(tc, a_big_batch_does_not_spill_its_pages);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
