/* tests/ledger/test_verify_seq.c: `ledger verify` finds each entry's own seq by a scan, not a
 * parse (ledger/verify.c): a "seq" inside a member, inside a string or twice is never taken
 * for the entry's, and an entry that is not where it was written is still found. Rows are
 * written past the catalog (as an attacker with the file would), each with its true leaf. */
#include "core/error.h"
#include "indexer/ledger.h"
#include "ledger/checkpoint.h"
#include "ledger/merkle.h"
#include "tests/support/testutil.h"

#include <check.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dir;
static char db[4096];
static cs_catalog_t *cat;

static void
setup(void)
{
    dir = cs_test_tmpdir();
    snprintf(db, sizeof db, "%s/catalog.db", dir);
    ck_assert_int_eq(cs_catalog_open(&cat, db, 1, NULL), 0);
    /* Entries as Custody writes them, with "seq" in a member and in a string. */
    json_t *e = json_pack("{s:s, s:{s:i, s:s}, s:s, s:[i, {s:i}]}", "kind", "retrieval", "detail",
                          "seq", 99, "note", "\"seq\":7, {\"seq\":0}", "purpose",
                          "a \\ backslash and \"quotes\"", "list", 1, "seq", 5);
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(cs_catalog_ledger_append(cat, e, NULL), 0);
    json_decref(e);
}

static void
teardown(void)
{
    cs_catalog_close(&cat);
    cs_test_rmrf(dir);
    free(dir);
}

/* Writes row `seq` with exactly `text` and its true leaf hash. */
static void
put_row(int64_t seq, const char *text)
{
    uint8_t leaf[32];
    sqlite3 *h = NULL;
    sqlite3_stmt *st = NULL;
    ck_assert_int_eq(cs_merkle_leaf_hash(text, strlen(text), leaf), 0);
    ck_assert_int_eq(sqlite3_open(db, &h), SQLITE_OK);
    ck_assert_int_eq(sqlite3_prepare_v2(h,
                                        "INSERT INTO ledger (seq, entry, leaf) VALUES (?1, ?2, ?3)",
                                        -1, &st, NULL),
                     SQLITE_OK);
    sqlite3_bind_int64(st, 1, seq);
    sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 3, leaf, 32, SQLITE_STATIC);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
    sqlite3_close(h);
}

static int64_t
first_bad(void)
{
    cs_ledger_report_t rep;
    ck_assert_int_eq(cs_ledger_verify(cat, "/nonexistent.pub", "custody/test", &rep), 0);
    return rep.first_bad;
}

START_TEST(entries_with_seq_inside_verify)
{
    ck_assert_int_eq(first_bad(), -1);
    put_row(3, "{\"a\":{\"seq\":9},\"b\":[{\"seq\":9}],\"c\":\"\\\"seq\\\":9\",\"seq\":3}");
    put_row(4, " {\"seq\":4,\"x\":[1,2,{\"y\":null}],\"z\":true} \n");
    ck_assert_int_eq(first_bad(), -1);
}
END_TEST

START_TEST(an_entry_elsewhere_is_found_whatever_its_members_say)
{
    put_row(3, "{\"a\":{\"seq\":3},\"c\":\"\\\"seq\\\":3\",\"seq\":8}");
    ck_assert_int_eq(first_bad(), 3);
}
END_TEST

START_TEST(two_seqs_or_no_object_are_judged_by_the_parser)
{
    put_row(3, "{\"seq\":3,\"seq\":30}"); /* jansson keeps the last */
    ck_assert_int_eq(first_bad(), 3);
}
END_TEST

START_TEST(a_broken_entry_is_found)
{
    put_row(3, "{\"seq\":3,\"a\":[1,2}");
    ck_assert_int_eq(first_bad(), 3);
}
END_TEST

START_TEST(a_seq_of_leading_zeros_is_found)
{
    put_row(3, "{\"seq\":03}");
    ck_assert_int_eq(first_bad(), 3);
}
END_TEST

static Suite *
suite(void)
{
    Suite *s = suite_create("verify_seq");
    TCase *tc = tcase_create("verify_seq");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, entries_with_seq_inside_verify);
    tcase_add_test(tc, an_entry_elsewhere_is_found_whatever_its_members_say);
    tcase_add_test(tc, two_seqs_or_no_object_are_judged_by_the_parser);
    tcase_add_test(tc, a_broken_entry_is_found);
    tcase_add_test(tc, a_seq_of_leading_zeros_is_found);
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
