/* tests/e2e/test_evlist.c: the evidence list (证据清单) of a case, from each of its doors: GET
 * /v1/cases/{case}/evidence-list as CSV and as a printable page for a granted reviewer (an
 * item above their clearance left out and counted, the read ledgered with those counts and
 * named on the page), refused like any list of the case for others; `custody evidence-list`;
 * and data/evidence-list.csv and .html in an export, covered by the manifest that verify-bag
 * checks. */
#include "tests/e2e/e2e_api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIST "/v1/cases/" CASE_A_PCT "/evidence-list"
#define HOSTILE "=1+2,<b>\"x\".txt" /* a name a spreadsheet or a browser could run */
#define WITNESS "a witness statement"
/* The purpose of alice's grant (api_setup), as a reader states it. */
#define REVIEW "legal%20review"

/* Ingests WITNESS as HOSTILE into CASE_A and puts the first item (sha) above a reviewer's
 * default clearance: a reader granted CASE_A then sees one item and not the other. */
static void
second_item(e2e_t *t, const char *sha, char witness[65])
{
    char path[PATH_MAX];
    cs_run_t r;
    e2e_file(t, path, "in/" HOSTILE, WITNESS);
    e2e_sha256(WITNESS, witness);
    cs_test_custody(&r, "ingest", "--home", t->home, "--case", CASE_A, path, NULL);
    run_ok(&r);
    cs_test_run_free(&r);
    cs_test_custody(&r, "classify", sha, "commercial_secret", "--home", t->home, "--reason",
                    "trade data", NULL);
    run_ok(&r);
    cs_test_run_free(&r);
}

/* The number after "条目编号 " on a page. */
static long long
entry_on_page(const char *page)
{
    const char *p = strstr(page, "条目编号 ");
    ck_assert_msg(p != NULL, "no ledger entry on the page: %s", page);
    return strtoll(p + strlen("条目编号 "), NULL, 10);
}

START_TEST(a_granted_reviewer_gets_csv_and_a_printable_page)
{
    api_t a;
    resp_t r;
    char witness[65], q[512];
    api_setup(&a);
    second_item(&a.t, a.sha, witness);

    http(&a, &r, "GET", LIST "?format=csv", a.alice, REVIEW, NULL, NULL);
    ck_assert_msg(r.status == 200, "%d %.400s", r.status, r.body);
    ck_assert_str_eq(header(&r, "content-type"), "text/csv; charset=utf-8; header=present");
    ck_assert_str_eq(header(&r, "content-disposition"),
                     "attachment; filename=\"evidence-list.csv\"");
    ck_assert_msg(strncmp(r.body, "\xEF\xBB\xBF序号,原始文件名,类型,拍摄时间", 28) == 0, "%.200s",
                  r.body);
    /* The visible item, its name guarded and quoted; the other one absent. */
    ck_assert_msg(strstr(r.body, "\r\n1,\"'=1+2,<b>\"\"x\"\".txt\",其他,") != NULL, "%s", r.body);
    ck_assert_ptr_nonnull(strstr(r.body, witness));
    ck_assert_ptr_null(strstr(r.body, a.sha));
    ck_assert_ptr_null(strstr(r.body, "\r\n2,"));
    resp_free(&r);
    ck_assert_int_eq(entries(&a, "json_extract(entry, '$.action') = 'evidence-list' AND "
                                 "json_extract(entry, '$.actor') = 'alice' AND "
                                 "json_extract(entry, '$.result') = 'allowed' AND "
                                 "json_extract(entry, '$.case') = '" CASE_A "' AND "
                                 "json_extract(entry, '$.purpose') = 'legal review' AND "
                                 "json_extract(entry, '$.items') = 1 AND "
                                 "json_extract(entry, '$.withheld') = 1"),
                     1);

    http(&a, &r, "GET", LIST, a.alice, REVIEW, NULL, NULL); /* html by default */
    ck_assert_msg(r.status == 200, "%d %.400s", r.status, r.body);
    ck_assert_str_eq(header(&r, "content-type"), "text/html; charset=utf-8");
    ck_assert_ptr_null(header(&r, "content-disposition"));
    ck_assert_ptr_nonnull(strstr(r.body, "<h1>证据清单</h1>"));
    ck_assert_ptr_nonnull(strstr(r.body, "<dd>" CASE_A "</dd>"));
    ck_assert_ptr_nonnull(strstr(r.body, "<dd>alice（reviewer）</dd>"));
    ck_assert_ptr_nonnull(strstr(r.body, "<td>=1+2,&lt;b&gt;&quot;x&quot;.txt</td>"));
    ck_assert_ptr_null(strstr(r.body, "<b>"));
    ck_assert_ptr_nonnull(strstr(r.body, "另有 1 项证据因查阅权限未列出"));
    ck_assert_ptr_null(strstr(r.body, a.sha));
    /* The page's footer names the read's own entry. */
    snprintf(q, sizeof q,
             "seq = %lld AND json_extract(entry, '$.action') = 'evidence-list' AND "
             "json_extract(entry, '$.actor') = 'alice' AND json_extract(entry, '$.withheld') = 1",
             entry_on_page(r.body));
    ck_assert_int_eq(entries(&a, q), 1);
    /* Its style comes from the web interface: the policy forbids inline styles. */
    ck_assert_ptr_nonnull(strstr(r.body, "href=\"/ui/evidence-list.css\""));
    resp_free(&r);
    http(&a, &r, "GET", "/ui/evidence-list.css", NULL, NULL, NULL, NULL);
    ck_assert_int_eq(r.status, 200);
    ck_assert_ptr_nonnull(strstr(r.body, "@page { size: A4"));
    resp_free(&r);
    api_teardown(&a);
}
END_TEST

START_TEST(others_are_refused_as_for_any_list_of_the_case)
{
    api_t a;
    resp_t r;
    api_setup(&a);
    http(&a, &r, "GET", LIST "?format=csv", a.bob, PURPOSE, NULL, NULL);
    assert_problem(&r, 403, "forbidden");
    resp_free(&r);
    http(&a, &r, "GET", LIST, a.alice, NULL, NULL, NULL);
    assert_problem(&r, 400, "no-purpose");
    resp_free(&r);
    http(&a, &r, "GET", LIST "?format=pdf", a.alice, REVIEW, NULL, NULL);
    assert_problem(&r, 400, "bad-request");
    resp_free(&r);
    http(&a, &r, "GET", LIST, NULL, PURPOSE, NULL, NULL);
    ck_assert_int_eq(r.status, 401);
    resp_free(&r);
    ck_assert_int_eq(entries(&a, "json_extract(entry, '$.action') = 'evidence-list' AND "
                                 "json_extract(entry, '$.result') = 'denied'"),
                     2);
    ck_assert_int_eq(entries(&a, "json_extract(entry, '$.action') = 'evidence-list' AND "
                                 "json_extract(entry, '$.result') = 'allowed'"),
                     0);
    api_teardown(&a);
}
END_TEST

/* A home without a service: the first item and a reviewer granted CASE_A. */
static void
cli_home(e2e_t *t, char sha[65], char witness[65])
{
    char path[PATH_MAX];
    cs_run_t r;
    e2e_setup(t);
    e2e_file(t, path, "first.jpg", "the record of an inspection");
    e2e_sha256("the record of an inspection", sha);
    cs_test_custody(&r, "ingest", "--home", t->home, "--case", CASE_A, "--party", "某公司", path,
                    NULL);
    run_ok(&r);
    cs_test_run_free(&r);
    second_item(t, sha, witness);
    cs_test_custody(&r, "user", "add", "alice", "--home", t->home, "--role", "reviewer", NULL);
    run_ok(&r);
    cs_test_run_free(&r);
    cs_test_custody(&r, "grant", "alice", "--home", t->home, "--case", CASE_A, "--purpose",
                    "legal review", "--scope", "export", NULL);
    run_ok(&r);
    cs_test_run_free(&r);
}

START_TEST(the_cli_prints_the_list_as_the_reader_may_see_it)
{
    e2e_t t;
    cs_run_t r;
    char sha[65], witness[65], q[512];
    cli_home(&t, sha, witness);
    cs_test_custody(&r, "evidence-list", CASE_A, "--home", t.home, "--as", "alice", "--purpose",
                    "legal review", NULL);
    run_ok(&r);
    ck_assert_msg(strncmp(r.out, "\xEF\xBB\xBF序号,", 9) == 0, "%s", r.out);
    ck_assert_ptr_nonnull(strstr(r.out, witness));
    ck_assert_ptr_null(strstr(r.out, sha));
    ck_assert_msg(strstr(r.err, "1 items listed, 1 left out") != NULL, "%s", r.err);
    cs_test_run_free(&r);
    cs_test_custody(&r, "evidence-list", CASE_A, "--home", t.home, "--as", "alice", "--purpose",
                    "legal review", "--html", NULL);
    run_ok(&r);
    ck_assert_ptr_nonnull(strstr(r.out, "<style>"));
    ck_assert_ptr_nonnull(strstr(r.out, "另有 1 项证据因查阅权限未列出"));
    snprintf(q, sizeof q,
             "SELECT count(*) FROM ledger WHERE seq = %lld AND json_extract(entry, '$.action') = "
             "'evidence-list' AND json_extract(entry, '$.actor') = 'alice' AND "
             "json_extract(entry, '$.purpose') = 'legal review' AND json_extract(entry, "
             "'$.result') = 'allowed'",
             entry_on_page(r.out));
    ck_assert_int_eq(cs_test_sql_count(t.db, q), 1);
    cs_test_run_free(&r);
    /* The operator sees both; a reader without a grant is refused (exit 1) and ledgered. */
    cs_test_custody(&r, "evidence-list", CASE_A, "--home", t.home, "--purpose", "audit", "--csv",
                    NULL);
    run_ok(&r);
    ck_assert_ptr_nonnull(strstr(r.out, sha));
    ck_assert_ptr_nonnull(strstr(r.out, "\r\n2,"));
    cs_test_run_free(&r);
    cs_test_custody(&r, "user", "add", "bob", "--home", t.home, "--role", "reviewer", NULL);
    run_ok(&r);
    cs_test_run_free(&r);
    cs_test_custody(&r, "evidence-list", CASE_A, "--home", t.home, "--as", "bob", "--purpose",
                    "curious", NULL);
    ck_assert_int_eq(r.status, 1);
    ck_assert_str_eq(r.out, "");
    cs_test_run_free(&r);
    ck_assert_int_eq(cs_test_sql_count(t.db, "SELECT count(*) FROM ledger WHERE "
                                             "json_extract(entry, '$.action') = 'evidence-list' "
                                             "AND json_extract(entry, '$.actor') = 'bob' AND "
                                             "json_extract(entry, '$.result') = 'denied'"),
                     1);
    e2e_teardown(&t);
}
END_TEST

START_TEST(every_bag_carries_the_list_in_its_manifest)
{
    e2e_t t;
    cs_run_t r;
    char sha[65], witness[65], bag[PATH_MAX], p[PATH_MAX];
    cli_home(&t, sha, witness);
    snprintf(bag, sizeof bag, "%s/bag", t.dir);
    cs_test_custody(&r, "export", CASE_A, "--home", t.home, "--as", "alice", "--purpose",
                    "legal review", "--out", bag, NULL);
    run_ok(&r);
    cs_test_run_free(&r);
    char *manifest = cs_test_read((snprintf(p, sizeof p, "%s/manifest-sha256.txt", bag), p), NULL);
    ck_assert_msg(strstr(manifest, "  data/evidence-list.csv\n") != NULL, "%s", manifest);
    ck_assert_msg(strstr(manifest, "  data/evidence-list.html\n") != NULL, "%s", manifest);
    free(manifest);
    char *csv = cs_test_read((snprintf(p, sizeof p, "%s/data/evidence-list.csv", bag), p), NULL);
    ck_assert_msg(strncmp(csv, "\xEF\xBB\xBF序号,", 9) == 0, "%s", csv);
    ck_assert_ptr_nonnull(strstr(csv, witness));
    ck_assert_ptr_null(strstr(csv, sha));
    free(csv);
    char *page = cs_test_read((snprintf(p, sizeof p, "%s/data/evidence-list.html", bag), p), NULL);
    ck_assert_ptr_nonnull(strstr(page, "<style>")); /* read from a file: its style inline */
    ck_assert_ptr_nonnull(strstr(page, "另有 1 项证据因查阅权限未列出"));
    ck_assert_ptr_nonnull(strstr(page, "<dd>legal review</dd>"));
    char q[512];
    snprintf(q, sizeof q,
             "SELECT count(*) FROM ledger WHERE seq = %lld AND json_extract(entry, '$.action') = "
             "'export' AND json_extract(entry, '$.actor') = 'alice'",
             entry_on_page(page));
    ck_assert_int_eq(cs_test_sql_count(t.db, q), 1);
    free(page);
    cs_test_custody(&r, "verify-bag", bag, "--home", "/nonexistent/home", NULL);
    ck_assert_msg(r.status == 0, "%s %s", r.out, r.err);
    cs_test_run_free(&r);
    /* A changed list is caught like any changed payload file. */
    snprintf(p, sizeof p, "%s/data/evidence-list.csv", bag);
    cs_test_write(p, "\xEF\xBB\xBF序号\r\n", strlen("\xEF\xBB\xBF序号\r\n"));
    cs_test_custody(&r, "verify-bag", bag, "--home", "/nonexistent/home", NULL);
    ck_assert_int_eq(r.status, 1);
    ck_assert_msg(strstr(r.out, "evidence-list.csv") != NULL, "%s %s", r.out, r.err);
    cs_test_run_free(&r);
    e2e_teardown(&t);
}
END_TEST

static Suite *
suite(void)
{
    Suite *s = suite_create("evlist");
    TCase *tc = tcase_create("evlist");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, a_granted_reviewer_gets_csv_and_a_printable_page);
    tcase_add_test(tc, others_are_refused_as_for_any_list_of_the_case);
    tcase_add_test(tc, the_cli_prints_the_list_as_the_reader_may_see_it);
    tcase_add_test(tc, every_bag_carries_the_list_in_its_manifest);
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
    return failed == 0 ? 0 : 1;
}
