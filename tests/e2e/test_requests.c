/* tests/e2e/test_requests.c: grant scopes and retrieval requests (issue 21, part 5): a
 * view-only grant reads the record and not the original (CLI and HTTP, refused with code
 * "scope" and ledgered); a request approved by its own requester is refused and ledgered; an
 * approved request makes a grant that reads, and those reads are in the month's retrieval
 * register (CSV); `custody ledger verify` passes after all of it. */
#include "tests/e2e/e2e_api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LEGAL "法制审核"
#define LEGAL_PCT "%E6%B3%95%E5%88%B6%E5%AE%A1%E6%A0%B8"

static long
ledgered(const e2e_t *t, const char *where)
{
    char sql[1024];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM ledger WHERE %s", where);
    return cs_test_sql_count(t->db, sql);
}

static void
ok(cs_run_t *r)
{
    ck_assert_msg(r->status == 0, "exit %d: %s %s", r->status, r->out, r->err);
    cs_test_run_free(r);
}

/* This month, "YYYY-MM", in UTC (the register is run with site.tz=UTC), and a date next year. */
static void
month_now(char month[16], char until[16])
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(month, 16, "%Y-%m", &tm);
    snprintf(until, 16, "%04d-12-31", tm.tm_year + 1900 + 1);
}

START_TEST(cli_view_only_grant_reads_the_record_not_the_original)
{
    e2e_t t;
    cs_run_t r;
    char src[PATH_MAX], sha[65], out[PATH_MAX];
    e2e_setup(&t);
    e2e_file(&t, src, "note.txt", "a note of the inspection\n");
    cs_test_custody(&r, "ingest", "--home", t.home, "--case", CASE_A, src, NULL);
    ok(&r);
    e2e_sha256("a note of the inspection\n", sha);
    cs_test_custody(&r, "user", "add", "zhang", "--role", "reviewer", "--home", t.home, NULL);
    ok(&r);
    cs_test_custody(&r, "grant", "zhang", "--home", t.home, "--case", CASE_A, "--purpose", LEGAL,
                    "--scope", "metadata", NULL);
    ck_assert_ptr_nonnull(strstr(r.out, "(metadata)"));
    ok(&r);
    cs_test_custody(&r, "grant", "zhang", "--home", t.home, "--case", CASE_A, "--purpose", LEGAL,
                    "--scope", "everything", NULL);
    ck_assert_int_eq(r.status, 2);
    cs_test_run_free(&r);
    cs_test_custody(&r, "show", sha, "--home", t.home, "--purpose", LEGAL, "--as", "zhang", NULL);
    ok(&r);
    snprintf(out, sizeof out, "%s/got.bin", t.dir);
    cs_test_custody(&r, "get", sha, "--home", t.home, "--purpose", LEGAL, "--as", "zhang", "--out",
                    out, NULL);
    ck_assert_int_eq(r.status, 1);
    ck_assert_msg(strstr(r.err, "needs originals"), "%s", r.err);
    cs_test_run_free(&r);
    ck_assert_int_ne(access(out, F_OK), 0);
    ck_assert_int_eq(ledgered(&t, "entry ->> '$.actor' = 'zhang' AND entry ->> '$.result' ="
                                  " 'denied' AND entry ->> '$.action' = 'get.original' AND"
                                  " entry ->> '$.reason' LIKE '%needs originals%'"),
                     1);
    cs_test_custody(&r, "grants", "zhang", "--home", t.home, "--json", NULL);
    json_t *g = e2e_json(&r);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(g, 0), "scope")), "metadata");
    json_decref(g);
    ok(&r);
    e2e_teardown(&t);
}
END_TEST

START_TEST(cli_requests_approved_by_another_and_the_register)
{
    e2e_t t;
    cs_run_t r;
    char src[PATH_MAX], sha[65], month[16], until[16], want[64];
    e2e_setup(&t);
    month_now(month, until);
    e2e_file(&t, src, "note.txt", "a note of the inspection\n");
    cs_test_custody(&r, "ingest", "--home", t.home, "--case", CASE_A, src, NULL);
    ok(&r);
    e2e_sha256("a note of the inspection\n", sha);
    const char *users[][2] = {{"zhang", "reviewer"},
                              {"wang", "admin"},
                              {"liu", "admin"},
                              {"zhao", "auditor"},
                              {"sun", "clerk"}};
    for (size_t i = 0; i < 5; i++) {
        cs_test_custody(&r, "user", "add", users[i][0], "--role", users[i][1], "--home", t.home,
                        NULL);
        ok(&r);
    }
    /* Without a grant zhang reads nothing; he asks. */
    cs_test_custody(&r, "show", sha, "--home", t.home, "--purpose", LEGAL, "--as", "zhang", NULL);
    ck_assert_int_eq(r.status, 1);
    cs_test_run_free(&r);
    cs_test_custody(&r, "request", CASE_A, "--home", t.home, "--as", "zhang", "--purpose", LEGAL,
                    "--scope", "originals", "--until", until, NULL);
    ck_assert_msg(strstr(r.out, "request 1:") != NULL, "%s", r.out);
    ok(&r);
    /* A clerk does not read through grants: the request is refused, and ledgered. */
    cs_test_custody(&r, "request", CASE_A, "--home", t.home, "--as", "sun", "--purpose", LEGAL,
                    "--scope", "media", "--until", until, NULL);
    ck_assert_int_eq(r.status, 1);
    cs_test_run_free(&r);
    /* wang asks too, and approves his own request: refused, ledgered, still pending. */
    cs_test_custody(&r, "request", CASE_A, "--home", t.home, "--as", "wang", "--purpose", LEGAL,
                    "--scope", "metadata", "--until", until, NULL);
    ok(&r);
    cs_test_custody(&r, "request", "approve", "2", "--home", t.home, "--as", "wang", NULL);
    ck_assert_int_eq(r.status, 1);
    ck_assert_msg(strstr(r.err, "someone else than its requester"), "%s", r.err);
    cs_test_run_free(&r);
    ck_assert_int_eq(ledgered(&t, "entry ->> '$.action' = 'request.approve' AND entry ->>"
                                  " '$.actor' = 'wang' AND entry ->> '$.result' = 'denied' AND"
                                  " entry ->> '$.request' = 2"),
                     1);
    /* Nor may a reviewer or an auditor decide. */
    cs_test_custody(&r, "request", "approve", "1", "--home", t.home, "--as", "zhao", NULL);
    ck_assert_int_eq(r.status, 1);
    cs_test_run_free(&r);
    cs_test_custody(&r, "requests", "--home", t.home, "--status", "pending", "--json", NULL);
    json_t *l = e2e_json(&r);
    ck_assert_int_eq(json_array_size(l), 2);
    json_decref(l);
    ok(&r);
    /* liu refuses wang's, approves zhang's: a grant naming the request, that reads. */
    cs_test_custody(&r, "request", "refuse", "2", "--home", t.home, "--as", "liu", "--reason",
                    "已有授权", NULL);
    ok(&r);
    cs_test_custody(&r, "request", "approve", "1", "--home", t.home, "--as", "liu", "--clearance",
                    "privacy", NULL);
    ck_assert_msg(strstr(r.out, "grant 1 up to privacy"), "%s", r.out);
    ok(&r);
    cs_test_custody(&r, "request", "approve", "1", "--home", t.home, "--as", "wang", NULL);
    ck_assert_int_eq(r.status, 2); /* decided once */
    cs_test_run_free(&r);
    ck_assert_int_eq(cs_test_sql_count(t.db, "SELECT count(*) FROM grants WHERE request_id = 1"
                                             " AND scope = 'originals' AND granted_by = 'liu'"
                                             " AND purposes = '[\"" LEGAL "\"]'"),
                     1);
    cs_test_custody(&r, "show", sha, "--home", t.home, "--purpose", LEGAL, "--as", "zhang", NULL);
    ok(&r);
    cs_test_custody(&r, "ledger", "--home", t.home, "--json", NULL);
    cs_test_run_free(&r);
    long seq = cs_test_sql_count(t.db, "SELECT max(seq) FROM ledger WHERE entry ->> '$.actor' ="
                                       " 'zhang' AND entry ->> '$.result' = 'allowed' AND"
                                       " entry ->> '$.grant' = 1");
    ck_assert_int_gt(seq, 0);
    ck_assert_int_eq(ledgered(&t, "entry ->> '$.action' IN ('request.add', 'request.approve',"
                                  " 'request.refuse') AND entry ->> '$.result' = 'allowed'"),
                     4);

    /* The register: reviewers may not read it; the auditor's look is ledgered. */
    cs_test_custody(&r, "register", "retrievals", "--month", month, "--home", t.home, "--as",
                    "zhang", "--set", "site.tz=UTC", NULL);
    ck_assert_int_eq(r.status, 1);
    cs_test_run_free(&r);
    cs_test_custody(&r, "register", "retrievals", "--month", month, "--home", t.home, "--as",
                    "zhao", "--set", "site.tz=UTC", NULL);
    ck_assert_msg(r.status == 0, "%s", r.err);
    ck_assert_msg(strncmp(r.out, "\xEF\xBB\xBF申请编号,申请人,资格（角色）", 30) == 0, "%s", r.out);
    /* zhang's row: his role, the scope, approved by liu (an admin), one read and its seq. */
    snprintf(want, sizeof want, ",1,%ld,0\r\n", seq);
    ck_assert_msg(
        strstr(r.out, "\r\n1,zhang,reviewer," CASE_A ",," LEGAL ",下载原件（originals）,"), "%s",
        r.out);
    ck_assert_msg(strstr(r.out, ",已批准,liu,admin,") && strstr(r.out, want), "%s", r.out);
    ck_assert_msg(strstr(r.out, "\r\n2,wang,admin,") && strstr(r.out, ",已拒绝,liu,admin,"), "%s",
                  r.out);
    ok(&r);
    ck_assert_int_eq(ledgered(&t, "entry ->> '$.action' = 'register.retrievals' AND entry ->>"
                                  " '$.actor' = 'zhao' AND entry ->> '$.result' = 'allowed'"),
                     1);
    cs_test_custody(&r, "register", "retrievals", "--month", month, "--format", "html", "--home",
                    t.home, "--set", "site.tz=UTC", NULL);
    ck_assert_msg(strstr(r.out, "<h1>调阅台账</h1>") && strstr(r.out, "@page { size: A4"), "%s",
                  r.out);
    ok(&r);
    cs_test_custody(&r, "ledger", "verify", "--home", t.home, NULL);
    ok(&r);
    e2e_teardown(&t);
}
END_TEST

START_TEST(api_view_only_grant_reads_the_record_not_the_original)
{
    api_t a;
    resp_t r;
    char item[256], orig[256];
    api_setup(&a);
    path_of(&a, item, sizeof item, "");
    path_of(&a, orig, sizeof orig, "/original");
    /* The admin console's grant takes the scope: one it does not know is a bad field. */
    http(&a, &r, "POST", "/v1/admin/grants", a.root, LEGAL_PCT, NULL,
         "{\"user\": \"bob\", \"case\": \"" CASE_A "\", \"purposes\": [\"" LEGAL "\"],"
         " \"scope\": \"everything\"}");
    assert_problem(&r, 400, "bad-request");
    ck_assert_ptr_nonnull(strstr(r.body, "\"code\":\"bad-field\""));
    resp_free(&r);
    http(&a, &r, "POST", "/v1/admin/grants", a.root, LEGAL_PCT, NULL,
         "{\"user\": \"bob\", \"case\": \"" CASE_A "\", \"purposes\": [\"" LEGAL "\"],"
         " \"scope\": \"metadata\"}");
    ck_assert_msg(r.status == 201 && strstr(r.body, "\"scope\":\"metadata\""), "%d %s", r.status,
                  r.body);
    resp_free(&r);
    http(&a, &r, "GET", item, a.bob, LEGAL_PCT, NULL, NULL);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    resp_free(&r);
    http(&a, &r, "GET", orig, a.bob, LEGAL_PCT, NULL, NULL);
    assert_problem(&r, 403, "forbidden");
    ck_assert_msg(strstr(r.body, "\"code\":\"scope\"") && strstr(r.body, "下载原件"), "%s", r.body);
    resp_free(&r);
    ck_assert_int_eq(entries(&a, "json_extract(entry, '$.actor') = 'bob' AND "
                                 "json_extract(entry, '$.result') = 'denied' AND "
                                 "json_extract(entry, '$.action') = 'get.original' AND "
                                 "json_extract(entry, '$.reason') LIKE '%needs originals%'"),
                     1);
    api_teardown(&a);
}
END_TEST

/* Over HTTP: bob (a reviewer) asks; his own approval is refused (403 not-decider) and
 * ledgered; root (an admin) approves; bob reads under the grant; the auditor's CSV register
 * of the month names that read's ledger entry; a reviewer may not read the register. */
START_TEST(api_request_approve_read_register)
{
    api_t a;
    resp_t r;
    cs_run_t run;
    char item[256], month[16], until[16], body[512], target[128], want[160];
    const char *sets[] = {"site.tz=UTC", NULL};
    month_now(month, until);
    api_setup_with(&a, sets);
    path_of(&a, item, sizeof item, "");
    snprintf(body, sizeof body,
             "{\"case\": \"" CASE_A "\", \"purpose\": \"" LEGAL "\", \"scope\": \"media\","
             " \"until\": \"%s\"}",
             until);
    http(&a, &r, "POST", "/v1/requests", a.bob, LEGAL_PCT, NULL, body);
    ck_assert_msg(r.status == 201, "%d %s", r.status, r.body);
    json_t *j = body_json(&r);
    long long id = json_integer_value(json_object_get(j, "id"));
    json_decref(j);
    resp_free(&r);
    snprintf(target, sizeof target, "/v1/requests/%lld/approve", id);
    http(&a, &r, "POST", target, a.bob, LEGAL_PCT, NULL, "{}");
    assert_problem(&r, 403, "forbidden");
    ck_assert_ptr_nonnull(strstr(r.body, "\"code\":\"not-decider\""));
    resp_free(&r);
    ck_assert_int_eq(entries(&a, "json_extract(entry, '$.action') = 'request.approve' AND "
                                 "json_extract(entry, '$.actor') = 'bob' AND "
                                 "json_extract(entry, '$.result') = 'denied'"),
                     1);
    http(&a, &r, "GET", "/v1/requests?status=pending", a.bob, NULL, NULL, NULL);
    ck_assert_msg(r.status == 200 && strstr(r.body, "\"status\":\"pending\""), "%d %s", r.status,
                  r.body);
    resp_free(&r);
    http(&a, &r, "POST", target, a.root, LEGAL_PCT, NULL, "{\"clearance\": \"privacy\"}");
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    j = body_json(&r);
    long long grant = json_integer_value(json_object_get(j, "grant"));
    json_decref(j);
    resp_free(&r);
    ck_assert_int_gt(grant, 0);
    /* The grant reads the record (media scope: not the original). */
    http(&a, &r, "GET", item, a.bob, LEGAL_PCT, NULL, NULL);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    resp_free(&r);
    snprintf(want, sizeof want,
             "json_extract(entry, '$.grant') = %lld AND entry LIKE '%%retrieval%%'", grant);
    long seq = cs_test_sql_count(a.t.db, "SELECT max(seq) FROM ledger WHERE json_extract(entry,"
                                         " '$.actor') = 'bob' AND json_extract(entry, '$.action')"
                                         " = 'view' AND json_extract(entry, '$.result') = "
                                         "'allowed'");
    ck_assert_int_eq(entries(&a, want), 1);
    /* The register: not for reviewers; the auditor's CSV names the read. */
    snprintf(target, sizeof target, "/v1/register/retrievals?month=%s&format=csv", month);
    http(&a, &r, "GET", target, a.bob, NULL, NULL, NULL);
    assert_problem(&r, 403, "forbidden");
    resp_free(&r);
    http(&a, &r, "GET", target, a.carol, NULL, NULL, NULL);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    ck_assert_str_eq(header(&r, "content-type"), "text/csv; charset=utf-8; header=present");
    snprintf(want, sizeof want, ",%lld,1,%ld,0\r\n", grant, seq);
    ck_assert_msg(strstr(r.body, ",bob,reviewer," CASE_A ",," LEGAL ",查看媒体（media）,") &&
                      strstr(r.body, ",已批准,root,admin,") && strstr(r.body, want),
                  "%s", r.body);
    resp_free(&r);
    ck_assert_int_eq(entries(&a, "json_extract(entry, '$.action') = 'register.retrievals' AND "
                                 "json_extract(entry, '$.actor') = 'carol' AND "
                                 "json_extract(entry, '$.result') = 'allowed'"),
                     1);
    cs_test_custody(&run, "ledger", "verify", "--home", a.t.home, NULL);
    run_ok(&run);
    cs_test_run_free(&run);
    api_teardown(&a);
}
END_TEST

static Suite *
requests_suite(void)
{
    Suite *s = suite_create("requests");
    TCase *tc = tcase_create("requests");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, cli_view_only_grant_reads_the_record_not_the_original);
    tcase_add_test(tc, cli_requests_approved_by_another_and_the_register);
    tcase_add_test(tc, api_view_only_grant_reads_the_record_not_the_original);
    tcase_add_test(tc, api_request_approve_read_register);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(requests_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
