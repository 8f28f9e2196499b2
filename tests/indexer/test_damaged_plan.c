/* tests/indexer/test_damaged_plan.c: the damaged items (`custody status`, the clerk's page) are
 * counted and listed from their own index (indexer/schema_scale.c), not by reading and parsing
 * every metadata record (bench/scale.sh). */
#include "core/error.h"
#include "indexer/catalog_int.h"
#include "indexer/damaged.h"
#include "tests/support/testutil.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

START_TEST(damaged_items_are_read_from_their_index)
{
    char *dir = cs_test_tmpdir(), db[4096];
    cs_catalog_t *cat = NULL;
    json_t *out = NULL;
    int seen = 0;
    snprintf(db, sizeof db, "%s/catalog.db", dir);
    ck_assert_int_eq(cs_catalog_open(&cat, db, 1, NULL), 0);
    ck_assert_int_eq(cs_catalog_damaged(cat, 5, &out), 0);
    json_decref(out);
    for (int i = 0; i < CS_CAT_STMTS; i++) {
        const char *t = cat->stmts[i].st ? sqlite3_sql(cat->stmts[i].st) : NULL;
        char plan[2048] = "";
        sqlite3_stmt *ex = NULL;
        if (t == NULL || strstr(t, "$.damaged") == NULL)
            continue;
        char *sql = sqlite3_mprintf("EXPLAIN QUERY PLAN %s", t);
        ck_assert_int_eq(sqlite3_prepare_v2(cat->db, sql, -1, &ex, NULL), SQLITE_OK);
        while (sqlite3_step(ex) == SQLITE_ROW) {
            strncat(plan, (const char *)sqlite3_column_text(ex, 3), sizeof plan - strlen(plan) - 2);
            strcat(plan, "\n");
        }
        sqlite3_finalize(ex);
        sqlite3_free(sql);
        ck_assert_msg(strstr(plan, "metadata_damaged") != NULL, "%s: every record read:\n%s", t,
                      plan);
        seen++;
    }
    ck_assert_int_eq(seen, 2);
    cs_catalog_close(&cat);
    cs_test_rmrf(dir);
    free(dir);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("damaged_plan");
    TCase *tc = tcase_create("damaged_plan");
    tcase_add_test(tc, damaged_items_are_read_from_their_index);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
