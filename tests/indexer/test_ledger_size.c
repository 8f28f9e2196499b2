/* tests/indexer/test_ledger_size.c: the ledger's size, asked at every CLI command and every
 * checkpoint, is read from the index, not by counting every entry (bench/scale.sh: the count
 * read the whole ledger, 67 s at ten million entries). */
#include "core/error.h"
#include "indexer/catalog_int.h"
#include "indexer/ledger.h"
#include "tests/support/testutil.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

START_TEST(the_size_is_read_from_the_index)
{
    char *dir = cs_test_tmpdir(), db[4096], plan[2048] = "";
    cs_catalog_t *cat = NULL;
    sqlite3_stmt *ex = NULL;
    const char *text = NULL;
    int64_t size = -1;
    snprintf(db, sizeof db, "%s/catalog.db", dir);
    ck_assert_int_eq(cs_catalog_open(&cat, db, 1, NULL), 0);
    ck_assert_int_eq(cs_catalog_ledger_size(cat, &size), 0);
    ck_assert_int_eq(size, 0);
    for (int i = 0; i < 3; i++) {
        json_t *e = json_pack("{s:s, s:i}", "kind", "retrieval", "i", i);
        ck_assert_int_eq(cs_catalog_ledger_append(cat, e, NULL), 0);
        json_decref(e);
    }
    ck_assert_int_eq(cs_catalog_ledger_size(cat, &size), 0);
    ck_assert_int_eq(size, 3);
    /* the kept statement that answered, and its plan */
    for (int i = 0; i < CS_CAT_STMTS && text == NULL; i++) {
        const char *t = cat->stmts[i].st ? sqlite3_sql(cat->stmts[i].st) : NULL;
        if (t && strstr(t, "FROM ledger") && !strstr(t, "INSERT") && !strstr(t, "WHERE"))
            text = t;
    }
    ck_assert_ptr_nonnull(text);
    char *sql = sqlite3_mprintf("EXPLAIN QUERY PLAN %s", text);
    ck_assert_int_eq(sqlite3_prepare_v2(cat->db, sql, -1, &ex, NULL), SQLITE_OK);
    while (sqlite3_step(ex) == SQLITE_ROW) {
        strncat(plan, (const char *)sqlite3_column_text(ex, 3), sizeof plan - strlen(plan) - 2);
        strcat(plan, "\n");
    }
    sqlite3_finalize(ex);
    sqlite3_free(sql);
    ck_assert_msg(strstr(plan, "SCAN ledger") == NULL, "%s: every entry read:\n%s", text, plan);
    cs_catalog_close(&cat);
    cs_test_rmrf(dir);
    free(dir);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("ledger_size");
    TCase *tc = tcase_create("ledger_size");
    tcase_add_test(tc, the_size_is_read_from_the_index);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
