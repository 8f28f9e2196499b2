/* tests/ledger/test_verify_batch.c: `ledger verify` reads the entries in batches on one thread
 * and checks them on another (ledger/verify_walk.c); whatever the batch, a changed, missing
 * or moved entry is found and named by its seq with the words one thread used, in the middle
 * of a batch, at either side of a boundary, in the last part-batch and in an entry longer
 * than a batch's bytes; an entry changed with its leaf recomputed is found by the signed
 * checkpoint after it. Rows are changed past the catalog (as an attacker with the file would). */
#include "core/error.h"
#include "core/home.h"
#include "indexer/ledger.h"
#include "ledger/checkpoint.h"
#include "ledger/key.h"
#include "ledger/merkle.h"
#include "ledger/verify_walk.h"
#include "tests/support/testutil.h"

#include <check.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ENTRIES (3 * CS_WALK_BATCH + 100) /* three whole batches and a part */
#define SIGNED (2 * CS_WALK_BATCH + 7)    /* a checkpoint inside the third batch */

static char *dir;
static cs_home_t home;
static char origin[256];
static cs_catalog_t *cat;

static void
append(int n)
{
    ck_assert_int_eq(cs_catalog_batch_begin(cat), 0);
    for (int i = 0; i < n; i++) {
        json_t *e = json_pack("{s:s, s:s, s:i}", "kind", "retrieval", "action", "test", "i", i);
        ck_assert_int_eq(cs_catalog_ledger_append(cat, e, NULL), 0);
        json_decref(e);
    }
    ck_assert_int_eq(cs_catalog_batch_commit(cat), 0);
}

static void
setup(void)
{
    int made = 0;
    dir = cs_test_tmpdir();
    ck_assert_int_eq(cs_home_resolve(&home, dir), 0);
    ck_assert_int_eq(cs_ledger_key_create(home.key, home.pub), 0);
    ck_assert_int_eq(cs_ledger_origin(&home, origin, sizeof origin), 0);
    ck_assert_int_eq(cs_catalog_open(&cat, home.catalog, 1, NULL), 0);
    append(SIGNED);
    ck_assert_int_eq(cs_ledger_checkpoint(cat, &home, &made), 0);
    ck_assert_int_eq(made, 1);
    append(ENTRIES - SIGNED);
}

static void
teardown(void)
{
    cs_catalog_close(&cat);
    cs_test_rmrf(dir);
    free(dir);
}

/* Runs sql on the file, past the catalog's triggers. The ledger's text is bound as ?1. */
static void
sql(const char *text, const char *arg)
{
    sqlite3 *h = NULL;
    sqlite3_stmt *st = NULL;
    ck_assert_int_eq(sqlite3_open(home.catalog, &h), SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(h,
                                  "DROP TRIGGER IF EXISTS ledger_no_update;"
                                  "DROP TRIGGER IF EXISTS ledger_no_delete",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    ck_assert_int_eq(sqlite3_prepare_v2(h, text, -1, &st, NULL), SQLITE_OK);
    if (arg != NULL)
        sqlite3_bind_text(st, 1, arg, -1, SQLITE_TRANSIENT);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
    sqlite3_close(h);
}

/* Changes one byte of entry seq's text ("retrieval" -> "retrievaL"), its leaf left. */
static void
change(int64_t seq)
{
    char q[256];
    snprintf(q, sizeof q,
             "UPDATE ledger SET entry = replace(entry, 'retrieval', 'retrievaL') WHERE seq = %lld",
             (long long)seq);
    sql(q, NULL);
}

static cs_ledger_report_t rep;

static void
verify(void)
{
    ck_assert_int_eq(cs_ledger_verify(cat, home.pub, origin, &rep), 0);
}

static void
assert_changed(int64_t seq)
{
    char want[128];
    verify();
    snprintf(want, sizeof want, "entry %lld was changed: its bytes no longer hash to its leaf",
             (long long)seq);
    ck_assert_str_eq(rep.problem, want);
    ck_assert_int_eq(rep.first_bad, seq);
    ck_assert_int_eq(rep.entries, seq); /* the entries before it were checked, none after */
}

START_TEST(the_whole_ledger_verifies)
{
    verify();
    ck_assert_str_eq(rep.problem, "");
    ck_assert_int_eq(rep.entries, ENTRIES);
    ck_assert_int_eq(rep.checkpoints, 1);
    ck_assert_int_eq(rep.uncovered, ENTRIES - SIGNED);
}
END_TEST

START_TEST(a_changed_entry_in_the_middle_of_a_batch_is_named)
{
    change(CS_WALK_BATCH + CS_WALK_BATCH / 2);
    assert_changed(CS_WALK_BATCH + CS_WALK_BATCH / 2);
}
END_TEST

START_TEST(a_changed_entry_at_a_batch_boundary_is_named)
{
    change(2 * CS_WALK_BATCH);
    assert_changed(2 * CS_WALK_BATCH);
    sql("DELETE FROM ledger WHERE seq >= 2 * 1024", NULL); /* 1024: CS_WALK_BATCH */
    change(2 * CS_WALK_BATCH - 1);
    assert_changed(2 * CS_WALK_BATCH - 1);
}
END_TEST

START_TEST(two_changed_entries_give_the_first)
{
    change(ENTRIES - 1); /* in the last part-batch */
    assert_changed(ENTRIES - 1);
    change(CS_WALK_BATCH + 3);
    assert_changed(CS_WALK_BATCH + 3);
}
END_TEST

START_TEST(an_entry_missing_at_a_boundary_is_named)
{
    sql("DELETE FROM ledger WHERE seq = 1024", NULL); /* CS_WALK_BATCH */
    verify();
    ck_assert_str_eq(rep.problem, "entry 1024 is missing (the next is 1025)");
    ck_assert_int_eq(rep.first_bad, CS_WALK_BATCH);
}
END_TEST

/* Writes entry seq as `text` with its true leaf: a change only a seq or a root can tell. */
static void
rewrite(int64_t seq, const char *text)
{
    sqlite3 *h = NULL;
    sqlite3_stmt *st = NULL;
    uint8_t leaf[32];
    sql("DROP TRIGGER IF EXISTS ledger_no_update", NULL);
    ck_assert_int_eq(cs_merkle_leaf_hash(text, strlen(text), leaf), 0);
    ck_assert_int_eq(sqlite3_open(home.catalog, &h), SQLITE_OK);
    ck_assert_int_eq(sqlite3_prepare_v2(h, "UPDATE ledger SET entry = ?1, leaf = ?2 WHERE seq = ?3",
                                        -1, &st, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, leaf, 32, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, seq);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_DONE);
    ck_assert_int_eq(sqlite3_changes(h), 1);
    sqlite3_finalize(st);
    sqlite3_close(h);
}

START_TEST(an_entry_moved_inside_a_batch_is_named)
{
    char text[256], want[256];
    snprintf(text, sizeof text, "{\"kind\":\"retrieval\",\"seq\":%d}", CS_WALK_BATCH + 9);
    rewrite(CS_WALK_BATCH + 10, text);
    verify();
    snprintf(want, sizeof want, "entry %d is not where it was written (it says seq %d)",
             CS_WALK_BATCH + 10, CS_WALK_BATCH + 9);
    ck_assert_str_eq(rep.problem, want);
    ck_assert_int_eq(rep.first_bad, CS_WALK_BATCH + 10);
}
END_TEST

START_TEST(an_entry_changed_with_its_leaf_is_found_by_the_checkpoint)
{
    char want[256];
    rewrite(5, "{\"action\":\"test\",\"i\":5,\"kind\":\"retrievaL\",\"seq\":5}");
    verify();
    snprintf(want, sizeof want,
             "an entry among 0..%d was changed, removed, inserted or moved: checkpoint #1 of %d "
             "entries no longer matches",
             SIGNED - 1, SIGNED);
    ck_assert_str_eq(rep.problem, want);
    ck_assert_int_eq(rep.first_bad, -1);
    ck_assert_int_eq(rep.entries, SIGNED);
}
END_TEST

/* An unsigned entry with its true leaf that is not JSON a parser takes (a key without a value,
 * bytes that are not UTF-8, a control byte in a string) is named, never counted verified: the
 * scan for its seq must not take what jansson refuses (fuzz/fuzz_ledger.c found both). */
START_TEST(an_entry_that_is_not_json_is_named)
{
    static const char *const bad[] = {
        "{\"action\":\"ingest\",\"a8:00:00Z\",",
        "{\"action\":\"get\",\"result\":\"al\xeb\xdbQ\xec lowed\",",
        "{\"action\":\"get\",\"note\":\"a\x01b\",",
        "{\"action\":\"get\",\"n\":1e999,",
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        char text[256], want[64];
        int64_t seq = SIGNED + 3 + (int64_t)k;
        snprintf(text, sizeof text, "%s\"seq\":%d,\"v\":1}", bad[k], (int)seq);
        rewrite(seq, text);
        verify();
        snprintf(want, sizeof want, "entry %lld ", (long long)seq);
        ck_assert_msg(strstr(rep.problem, want) == rep.problem, "%s: %s", text, rep.problem);
        ck_assert_int_eq(rep.first_bad, seq);
        ck_assert_int_eq(rep.entries, seq);
        rewrite(seq, "{}"); /* out of the way of the next: found first, but not this one's */
        snprintf(text, sizeof text, "{\"seq\":%d}", (int)seq);
        rewrite(seq, text);
    }
}
END_TEST

START_TEST(an_entry_longer_than_a_batch_is_checked)
{
    /* An entry of more than CS_WALK_BYTES among small ones: a batch of its own. */
    size_t n = CS_WALK_BYTES + 1000;
    char *big = malloc(n + 64);
    ck_assert_ptr_nonnull(big);
    memset(big, 'x', n + 64);
    big[n] = '\0';
    json_t *e = json_pack("{s:s, s:s}", "kind", "retrieval", "note", big);
    ck_assert_int_eq(cs_catalog_ledger_append(cat, e, NULL), 0);
    json_decref(e);
    free(big);
    append(3);
    verify();
    ck_assert_str_eq(rep.problem, "");
    ck_assert_int_eq(rep.entries, ENTRIES + 4);
    change(ENTRIES); /* the long one */
    assert_changed(ENTRIES);
}
END_TEST

static Suite *
suite(void)
{
    Suite *s = suite_create("verify_batch");
    TCase *tc = tcase_create("verify_batch");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, the_whole_ledger_verifies);
    tcase_add_test(tc, a_changed_entry_in_the_middle_of_a_batch_is_named);
    tcase_add_test(tc, a_changed_entry_at_a_batch_boundary_is_named);
    tcase_add_test(tc, two_changed_entries_give_the_first);
    tcase_add_test(tc, an_entry_missing_at_a_boundary_is_named);
    tcase_add_test(tc, an_entry_moved_inside_a_batch_is_named);
    tcase_add_test(tc, an_entry_changed_with_its_leaf_is_found_by_the_checkpoint);
    tcase_add_test(tc, an_entry_that_is_not_json_is_named);
    tcase_add_test(tc, an_entry_longer_than_a_batch_is_checked);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
