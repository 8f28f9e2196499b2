/* tests/indexer/test_jobs_plan.c: the jobs still to finish are found without reading every
 * job ever done (bench/scale.sh, issue 24 part 5: a catalog keeps a job for every file it
 * filed, and the service lists the active ones at its start and at every retry of a stalled
 * job, under the catalog's lock). The catalog's kept statement is looked at (catalog_int.h)
 * for the rows SQLite stepped through. */
#include "core/error.h"
#include "indexer/catalog_int.h"
#include "indexer/jobs.h"
#include "tests/support/testutil.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DONE 400

static int
count(const cs_job_t *job, void *arg)
{
    (void)job;
    (*(int *)arg)++;
    return 0;
}

/* The VM steps of the kept statement that listed the active jobs, run once more. */
static int
steps_of_listing(cs_catalog_t *cat)
{
    int n = 0;
    ck_assert_int_eq(cs_jobs_each_active(cat, count, &n), 0);
    for (int i = 0; i < CS_CAT_STMTS; i++) {
        const char *t = cat->stmts[i].st ? sqlite3_sql(cat->stmts[i].st) : NULL;
        if (t && strstr(t, "FROM jobs") && strstr(t, "ORDER BY id")) {
            sqlite3_stmt_status(cat->stmts[i].st, SQLITE_STMTSTATUS_VM_STEP, 1);
            n = 0;
            ck_assert_int_eq(cs_jobs_each_active(cat, count, &n), 0);
            ck_assert_int_eq(n, 2); /* the two discovered */
            return sqlite3_stmt_status(cat->stmts[i].st, SQLITE_STMTSTATUS_VM_STEP, 0);
        }
    }
    ck_abort_msg("the listing's statement was not kept");
    return -1;
}

START_TEST(the_active_jobs_are_found_without_reading_the_done)
{
    char *dir = cs_test_tmpdir(), db[4096];
    cs_catalog_t *cat = NULL;
    const char *roots[] = {"/up", "/up"}, *rels[] = {"a.jpg", "b.jpg"};
    snprintf(db, sizeof db, "%s/catalog.db", dir);
    ck_assert_int_eq(cs_catalog_open(&cat, db, 1, NULL), 0);
    ck_assert_int_eq(cs_jobs_discover_many(cat, roots, rels, 2), 0);
    int few = steps_of_listing(cat);
    /* DONE jobs finished long ago, as a catalog that filed DONE files keeps them. */
    ck_assert_int_eq(sqlite3_exec(cat->db,
                                  "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n"
                                  " WHERE i < 400) INSERT INTO jobs (root, rel_path, state,"
                                  " created_at, updated_at, done_at) SELECT '/up', 'old/' || i,"
                                  " 'done', '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z',"
                                  " '2024-01-01T00:00:00Z' FROM n",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    int many = steps_of_listing(cat);
    ck_assert_msg(many < few + DONE / 4, "%d steps with %d done jobs beside, %d without", many,
                  DONE, few);
    cs_catalog_close(&cat);
    cs_test_rmrf(dir);
    free(dir);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("jobs_plan");
    TCase *tc = tcase_create("jobs_plan");
    tcase_add_test(tc, the_active_jobs_are_found_without_reading_the_done);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
