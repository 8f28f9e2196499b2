/* tests/indexer/test_search_plan.c: search at a province's scale (bench/scale.sh) reads what
 * its answer needs, not the catalog: a case's items through its links (no scan of every
 * item), a time range in the index's order (a page's rows, not every match with its columns),
 * and a two-character word of Chinese found at all. The catalog's kept statement is looked at
 * (catalog_int.h) for its plan and the rows SQLite stepped through. */
#include "core/error.h"
#include "indexer/catalog_int.h"
#include "indexer/jobs.h"
#include "indexer/search.h"
#include "tests/support/testutil.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CASES 4
#define PER_CASE 60

static char *dir;
static cs_catalog_t *cat;

static void
case_number(int k, char *out, size_t cap)
{
    snprintf(out, cap, "浙环罚〔2023〕%d号", k + 1);
}

/* Item i of case k: captured on day i of 2023 (one a day), with a note. */
static void
file_item(int k, int i)
{
    static cs_job_t job;
    char cn[64], sha[65], name[64], at[64], utc[64];
    cs_arrival_result_t res;
    case_number(k, cn, sizeof cn);
    snprintf(sha, sizeof sha, "%064x", k * 1000 + i + 1);
    snprintf(name, sizeof name, "IMG_%d_%d.jpg", k, i);
    snprintf(at, sizeof at, "2023-%02d-%02dT10:00:00+08:00", 1 + i / 28, 1 + i % 28);
    snprintf(utc, sizeof utc, "2023-%02d-%02dT02:00:00Z", 1 + i / 28, 1 + i % 28);
    json_t *route = json_pack("{s:s, s:s}", "case", cn, "note",
                              i == 7 && k == 1 ? "餐馆油烟扰民" : "现场检查记录");
    char *rtext = json_dumps(route, JSON_COMPACT);
    memset(&job, 0, sizeof job);
    snprintf(job.root, sizeof job.root, "/srv/uploads");
    snprintf(job.rel, sizeof job.rel, "%s/%s", cn, name);
    snprintf(job.route, sizeof job.route, "%s", rtext);
    job.state = CS_JOB_CLAIMED;
    job.size = 1000 + i;
    cs_arrival_t a = {.sha256 = sha,
                      .size = (uint64_t)job.size,
                      .media_type = "image/jpeg",
                      .case_number = cn,
                      .original_name = name,
                      .source_path = "/srv/uploads/x.jpg",
                      .actor = "clerk",
                      .detail = route};
    json_t *rec = json_pack("{s:s, s:s, s:s, s:b}", "captured_at", at, "captured_at_source",
                            "exif:DateTimeOriginal", "captured_at_utc", utc, "offset_known", 1);
    ck_assert_int_eq(cs_jobs_stored(cat, &job, &a, &res), 0);
    ck_assert_int_eq(cs_jobs_extracted(cat, &job, rec, NULL, CS_JOB_DONE), 0);
    json_decref(rec);
    json_decref(route);
    free(rtext);
}

static void
setup(void)
{
    char db[4096];
    dir = cs_test_tmpdir();
    snprintf(db, sizeof db, "%s/catalog.db", dir);
    ck_assert_int_eq(cs_catalog_open(&cat, db, 1, NULL), 0);
    ck_assert_int_eq(cs_catalog_batch_begin(cat), 0);
    for (int k = 0; k < CASES; k++)
        for (int i = 0; i < PER_CASE; i++)
            file_item(k, i);
    ck_assert_int_eq(cs_catalog_batch_commit(cat), 0);
}

static void
teardown(void)
{
    cs_catalog_close(&cat);
    cs_test_rmrf(dir);
    free(dir);
}

/* The kept statement of the search (its text names the items and their order). */
static sqlite3_stmt *
search_stmt(void)
{
    for (int i = 0; i < CS_CAT_STMTS; i++) {
        sqlite3_stmt *st = cat->stmts[i].st;
        const char *t = st ? sqlite3_sql(st) : NULL;
        if (t && strstr(t, "FROM items i") && strstr(t, "ORDER BY x.sort_time") &&
            strstr(t, "captured_at_source"))
            return st;
    }
    return NULL;
}

/* Runs the search twice (the second on the kept statement, whose counters start at 0) and
 * returns the statement; *rows the results. */
static sqlite3_stmt *
search(const cs_search_t *q, size_t *rows)
{
    json_t *out = NULL;
    ck_assert_int_eq(cs_catalog_search(cat, q, &out), 0);
    json_decref(out);
    sqlite3_stmt *st = search_stmt();
    ck_assert_ptr_nonnull(st);
    sqlite3_stmt_status(st, SQLITE_STMTSTATUS_VM_STEP, 1);
    sqlite3_stmt_status(st, SQLITE_STMTSTATUS_FULLSCAN_STEP, 1);
    ck_assert_int_eq(cs_catalog_search(cat, q, &out), 0);
    *rows = json_array_size(out);
    json_decref(out);
    return st;
}

START_TEST(a_case_is_searched_through_its_links)
{
    char cn[64], plan[4096] = "", *sql;
    sqlite3_stmt *st, *ex = NULL;
    size_t rows;
    case_number(2, cn, sizeof cn);
    cs_search_t q = {.case_number = cn, .limit = 100};
    st = search(&q, &rows);
    ck_assert_uint_eq(rows, PER_CASE);
    /* Scanned: the case's own rows (its page), not every item of the catalog. */
    ck_assert_int_le(sqlite3_stmt_status(st, SQLITE_STMTSTATUS_FULLSCAN_STEP, 0), PER_CASE);
    sql = sqlite3_mprintf("EXPLAIN QUERY PLAN %s", sqlite3_sql(st));
    ck_assert_int_eq(sqlite3_prepare_v2(cat->db, sql, -1, &ex, NULL), SQLITE_OK);
    while (sqlite3_step(ex) == SQLITE_ROW) {
        strncat(plan, (const char *)sqlite3_column_text(ex, 3), sizeof plan - strlen(plan) - 2);
        strcat(plan, "\n");
    }
    sqlite3_finalize(ex);
    sqlite3_free(sql);
    ck_assert_msg(strstr(plan, "SCAN i ") == NULL, "a scan of the items:\n%s", plan);
    /* Either partial index of a case's active links (schema.c, schema_pages.c) will do. */
    ck_assert_msg(strstr(plan, "links_case_active") != NULL ||
                      strstr(plan, "links_case_order") != NULL,
                  "not through the links:\n%s", plan);
}
END_TEST

START_TEST(a_time_range_reads_a_page_not_every_match)
{
    size_t rows, few, many;
    /* 4 cases x 60 days: a page of 5 out of 20 or out of 200 matches costs the same */
    cs_search_t q = {.from = "2023-01-01", .to = "2023-01-05", .limit = 5};
    few = (size_t)sqlite3_stmt_status(search(&q, &rows), SQLITE_STMTSTATUS_VM_STEP, 0);
    ck_assert_uint_eq(rows, 5);
    q.to = "2023-02-22";
    many = (size_t)sqlite3_stmt_status(search(&q, &rows), SQLITE_STMTSTATUS_VM_STEP, 0);
    ck_assert_uint_eq(rows, 5);
    ck_assert_msg(many < few * 2, "%zu steps for 200 matches against %zu for 20", many, few);
}
END_TEST

START_TEST(a_two_character_word_is_found)
{
    json_t *out = NULL;
    cs_search_t q = {.text = "油烟", .limit = 10}; /* six bytes, two characters */
    ck_assert_int_eq(cs_catalog_search(cat, &q, &out), 0);
    ck_assert_uint_eq(json_array_size(out), 1);
    json_decref(out);
    q.text = "扰民";
    ck_assert_int_eq(cs_catalog_search(cat, &q, &out), 0);
    ck_assert_uint_eq(json_array_size(out), 1);
    json_decref(out);
}
END_TEST

static Suite *
suite(void)
{
    Suite *s = suite_create("search_plan");
    TCase *tc = tcase_create("search_plan");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, a_case_is_searched_through_its_links);
    tcase_add_test(tc, a_time_range_reads_a_page_not_every_match);
    tcase_add_test(tc, a_two_character_word_is_found);
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
