/* tests/indexer/test_search_plan.c: search at a province's scale (bench/scale.sh) reads what
 * its answer needs, not the catalog: a case's items through its links (no scan of every
 * item), a time range in the index's order (a page's rows, not every match with its columns),
 * and a two-character word of Chinese found at all; a common word walks the results' order and
 * tests each candidate instead of gathering every match, and gives what the set plan gives.
 * The catalog's statements are looked at (catalog_int.h) for their plans and the rows SQLite
 * stepped through. */
#include "core/error.h"
#include "indexer/catalog_int.h"
#include "indexer/jobs.h"
#include "indexer/search.h"
#include "indexer/search_int.h"
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

/* The note of item i of case k: every one has 现场检查 (a common word), every fourth 夜间施工,
 * every fifth "Night noise" (a word the index matches in any case), one 油烟扰民, one the
 * same words with a long s and a Kelvin sign. */
static const char *
note_of(int k, int i)
{
    if (i == 7 && k == 1)
        return "餐馆油烟扰民";
    if (i == 9 && k == 3) /* a long s and a Kelvin sign, which the index folds to s and k */
        return "现场检查记录 Night noi\u017Fe, \u212Aelvin";
    if (i % 20 == 0)
        return "现场检查记录 夜间施工 Night noise";
    if (i % 4 == 0)
        return "现场检查记录 夜间施工";
    if (i % 5 == 0)
        return "现场检查记录 Night noise";
    return "现场检查记录";
}

/* Item i of case k: captured on day i of 2023 (one a day; none when `untimed`), with a note. */
static void
file_item_at(int k, int i, int untimed)
{
    static cs_job_t job;
    char cn[64], sha[65], name[64], at[64], utc[64];
    cs_arrival_result_t res;
    case_number(k, cn, sizeof cn);
    snprintf(sha, sizeof sha, "%064x", k * 1000 + i + 1);
    snprintf(name, sizeof name, "IMG_%d_%d.jpg", k, i);
    snprintf(at, sizeof at, "2023-%02d-%02dT10:00:00+08:00", 1 + i / 28, 1 + i % 28);
    snprintf(utc, sizeof utc, "2023-%02d-%02dT02:00:00Z", 1 + i / 28, 1 + i % 28);
    json_t *route = json_pack("{s:s, s:s}", "case", cn, "note", note_of(k, i));
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
    json_t *rec =
        untimed ? json_pack("{s:n}", "captured_at")
                : json_pack("{s:s, s:s, s:s, s:b}", "captured_at", at, "captured_at_source",
                            "exif:DateTimeOriginal", "captured_at_utc", utc, "offset_known", 1);
    ck_assert_int_eq(cs_jobs_stored(cat, &job, &a, &res), 0);
    ck_assert_int_eq(cs_jobs_extracted(cat, &job, rec, NULL, CS_JOB_DONE), 0);
    json_decref(rec);
    json_decref(route);
    free(rtext);
}

static void
file_item(int k, int i)
{
    file_item_at(k, i, 0);
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

/* The query plan of a kept statement, one line a step. */
static void
plan_of(sqlite3_stmt *st, char *plan, size_t cap)
{
    sqlite3_stmt *ex = NULL;
    char *sql = sqlite3_mprintf("EXPLAIN QUERY PLAN %s", sqlite3_sql(st));
    plan[0] = '\0';
    ck_assert_int_eq(sqlite3_prepare_v2(cat->db, sql, -1, &ex, NULL), SQLITE_OK);
    while (sqlite3_step(ex) == SQLITE_ROW) {
        strncat(plan, (const char *)sqlite3_column_text(ex, 3), cap - strlen(plan) - 2);
        strcat(plan, "\n");
    }
    sqlite3_finalize(ex);
    sqlite3_free(sql);
}

/* The search statements a search ran, seen as each ends (kept statements or not). */
static struct {
    char sql[16][4096];
    long steps;
    int n;
} ran;

static int
on_end(unsigned kind, void *arg, void *p, void *x)
{
    sqlite3_stmt *st = p;
    const char *t = sqlite3_sql(st);
    (void)kind, (void)arg, (void)x;
    long steps = sqlite3_stmt_status(st, SQLITE_STMTSTATUS_VM_STEP, 1);
    if (t && strstr(t, "captured_at_source")) {
        ran.steps += steps;
        if (ran.n < 16)
            snprintf(ran.sql[ran.n++], sizeof ran.sql[0], "%s", t);
    }
    return 0;
}

/* Searches q by plan (NULL: as chosen); returns the VM steps of the search statements it ran
 * and sets *walked when one of them walked item_index_sort without gathering every match. */
static long
search_steps(const cs_search_t *q, const cs_search_plan_t *plan, size_t rows, int *walked)
{
    char pl[4096];
    json_t *out = NULL;
    for (int i = 0; i < CS_CAT_STMTS; i++)
        if (cat->stmts[i].st)
            sqlite3_stmt_status(cat->stmts[i].st, SQLITE_STMTSTATUS_VM_STEP, 1);
    memset(&ran, 0, sizeof ran);
    sqlite3_trace_v2(cat->db, SQLITE_TRACE_PROFILE, on_end, NULL);
    ck_assert_int_eq(cs_cat_search_page_plan(cat, q, plan, &out, NULL, NULL), 0);
    sqlite3_trace_v2(cat->db, 0, NULL, NULL);
    ck_assert_uint_eq(json_array_size(out), rows);
    json_decref(out);
    *walked = 0;
    for (int i = 0; i < ran.n; i++) {
        sqlite3_stmt *st = NULL;
        ck_assert_int_eq(sqlite3_prepare_v2(cat->db, ran.sql[i], -1, &st, NULL), SQLITE_OK);
        plan_of(st, pl, sizeof pl);
        sqlite3_finalize(st);
        *walked |= strstr(pl, "INDEX item_index_sort") != NULL &&
                   strstr(pl, "LIST SUBQUERY") == NULL && strstr(pl, "INDEX 0:M") == NULL;
    }
    return ran.steps;
}

/* A page of q is found by walking item_index_sort and testing each candidate's text, for
 * fewer steps than gathering every match first. */
static void
search_walks(const cs_search_t *q, size_t rows)
{
    const cs_search_plan_t set = {.text = CS_SEARCH_TEXT_SET};
    int walked;
    long by_set = search_steps(q, &set, rows, &walked);
    long chosen = search_steps(q, NULL, rows, &walked);
    ck_assert_msg(walked, "%s: not walked in the index's order (%ld steps, %ld by the set)",
                  q->text, chosen, by_set);
    ck_assert_msg(chosen < by_set, "%s: %ld steps, %ld gathering every match", q->text, chosen,
                  by_set);
}

START_TEST(a_common_word_walks_the_time_order)
{
    /* 现场检查 is in 239 of the 240 notes, a page is 5: the page's rows are found by walking
     * item_index_sort and testing each one's text, not by gathering all 239 first. */
    cs_search_t q = {.text = "现场检查", .limit = 5};
    search_walks(&q, 5);
    q.text = "检查"; /* two characters: each text read, not every text */
    search_walks(&q, 5);
    q.text = "NIGHT NO"; /* in a fifth of them (common enough for a page of 1), any case */
    q.limit = 1;
    search_walks(&q, 1);
    q.limit = 5;
    q.text = "现场检查"; /* within a time range */
    q.from = "2023-01-10";
    q.to = "2023-02-20";
    search_walks(&q, 5);
}
END_TEST

static int
keep_odd(void *arg, const char *sha256, int *ok)
{
    (void)arg;
    *ok = (sha256[63] - '0') % 2 == 1;
    return 0;
}

/* Every page of q by plan (NULL: as chosen), the results one after the other. */
static json_t *
all_pages(cs_search_t q, const cs_search_plan_t *plan)
{
    json_t *all = json_array(), *page = NULL;
    cs_search_key_t next;
    int more = 1, pages = 0;
    q.after = NULL;
    while (more) {
        ck_assert_int_eq(cs_cat_search_page_plan(cat, &q, plan, &page, &next, &more), 0);
        ck_assert_uint_le(json_array_size(page), (size_t)q.limit);
        ck_assert(!more || json_array_size(page) == (size_t)q.limit);
        json_array_extend(all, page);
        json_decref(page);
        q.after = &next;
        ck_assert_int_lt(++pages, 1000);
    }
    return all;
}

START_TEST(both_plans_give_the_same_results)
{
    /* Items without a capture time come after the timed ones: the walk hands over to them. */
    ck_assert_int_eq(cs_catalog_batch_begin(cat), 0);
    for (int i = 0; i < 9; i++)
        file_item_at(CASES, i, 1);
    ck_assert_int_eq(cs_catalog_batch_commit(cat), 0);
    char cn[64];
    case_number(1, cn, sizeof cn);
    const struct {
        const char *text, *from, *to, *case_number;
        size_t rows;
    } qs[] = {
        {"现场检查", NULL, NULL, NULL, 248}, /* all but 油烟扰民 */
        {"夜间施工", NULL, NULL, NULL, 63},  /* every fourth, timed and not */
        {"Night noise", NULL, NULL, NULL, 51},
        {"kelvin", NULL, NULL, NULL, 1},
        {"NIGHT NOISE", NULL, NULL, NULL, 0}, /* the index folds case */
        {"NIGHT NO", NULL, NULL, NULL, 51},   /* and lower() folds it alike (no k, s) */
        {"油烟", NULL, NULL, NULL, 1},        /* two characters */
        {"检查", NULL, NULL, NULL, 248},
        {"夜间施工", "2023-01-10", "2023-02-10", NULL, 0},
        {"检查", "2023-01-10", "2023-02-10", NULL, 0},
        {"夜间施工", NULL, NULL, cn, 15},
        {"找不到", NULL, NULL, NULL, 0},
    };
    const cs_search_plan_t plans[] = {
        {.text = CS_SEARCH_TEXT_SET},
        {.walk = 1, .text = CS_SEARCH_TEXT_INSTR},
        {.walk = 1, .text = CS_SEARCH_TEXT_INSTR, .budget = 12}, /* the set plan may take over */
        {.walk = 1, .text = CS_SEARCH_TEXT_LOWER},
        {.walk = 1, .text = CS_SEARCH_TEXT_LOWER, .budget = 60},
        {.walk = 1, .text = CS_SEARCH_TEXT_FTS, .budget = 40},
        {.walk = 1, .text = CS_SEARCH_TEXT_INSTR, .tryset = 2000}, /* set plan stopped */
        {.text = CS_SEARCH_TEXT_FTS, .tryset = 2000}, /* a case drives; each item tested */
        {.text = CS_SEARCH_TEXT_INSTR},
    };
    for (size_t k = 0; k < sizeof qs / sizeof qs[0]; k++) {
        for (int limit = 11; limit <= 100; limit += 89) {
            for (int keep = 0; keep < (limit < 100 ? 2 : 1); keep++) {
                cs_search_t q = {.text = qs[k].text,
                                 .from = qs[k].from,
                                 .to = qs[k].to,
                                 .case_number = qs[k].case_number,
                                 .limit = limit,
                                 .keep = keep ? keep_odd : NULL};
                json_t *want = all_pages(q, &plans[0]);
                if (qs[k].rows && !keep)
                    ck_assert_uint_eq(json_array_size(want), qs[k].rows);
                json_t *got = all_pages(q, NULL);
                ck_assert_msg(json_equal(want, got), "%s, limit %d: as chosen", qs[k].text, limit);
                json_decref(got);
                for (size_t p = 1; p < sizeof plans / sizeof plans[0]; p++) {
                    /* instr() is the index's test only where case cannot differ */
                    int how = strlen(qs[k].text) < 3 ? 1 : cs_search_text_caseless(qs[k].text);
                    if ((plans[p].text == CS_SEARCH_TEXT_INSTR && how != 1) ||
                        (plans[p].text == CS_SEARCH_TEXT_LOWER && how == 0))
                        continue;
                    got = all_pages(q, &plans[p]);
                    ck_assert_msg(json_equal(want, got), "%s, limit %d, keep %d: plan %zu: %zu/%zu",
                                  qs[k].text, limit, keep, p, json_array_size(got),
                                  json_array_size(want));
                    json_decref(got);
                }
                json_decref(want);
            }
        }
    }
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
    tcase_add_test(tc, a_common_word_walks_the_time_order);
    tcase_add_test(tc, both_plans_give_the_same_results);
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
