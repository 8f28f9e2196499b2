/* tests/e2e/test_publish.c: the publication register (issue 23 parts 2-3), as one script could
 * show it: a penalty decided on 2023-09-28 is due on 2023-10-13 (National Day's holidays and
 * make-up working days counted from the built-in calendar), and a home's own holidays.txt
 * changes the answer; a decision registered twice is refused, so is one by a reviewer
 * (ledgered); an overdue publication is flagged by `publications` and `status`; a withdrawn
 * one says so, with its publish.withdraw entry in the ledger; `ledger verify` passes. */
#include "tests/e2e/e2e.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FINDINGS                                                                                   \
    "--finding", "subject=ok", "--finding", "jurisdiction=ok", "--finding", "qualification=ok",    \
        "--finding", "facts=ok", "--finding", "law=ok", "--finding", "procedure=ok", "--finding",  \
        "documents=na", "--finding", "referral=ok"

/* A decision document and its redacted version for the public: PDFs, as the public copy of a
 * document is attached, never made (a file that begins with the PDF signature). */
#define DECISION_PDF "%PDF-1.4\n% 行政处罚决定书 任水罚〔2023〕12号 当事人：张三\n%%EOF\n"
#define REDACTED_PDF "%PDF-1.4\n% 行政处罚决定书（公开版） 当事人：张某\n%%EOF\n"

static void
ok(cs_run_t *r)
{
    ck_assert_msg(r->status == 0, "exit %d: %s%s", r->status, r->out, r->err);
    cs_test_run_free(r);
}

static void
sql(const e2e_t *t, const char *text)
{
    sqlite3 *h = NULL;
    char *err = NULL;
    ck_assert_int_eq(sqlite3_open(t->db, &h), SQLITE_OK);
    ck_assert_msg(sqlite3_exec(h, text, NULL, NULL, &err) == SQLITE_OK, "%s: %s", text, err);
    sqlite3_close(h);
}

/* Case A decided through an agreed legal review, its decision recorded at `decided_at` (the
 * decisions table is write-once: the test steps around its trigger to date it in the past).
 * `doc_sha` gets the decision document's hash. */
static void
decided_case(e2e_t *t, const char *decided_at, char doc_sha[65])
{
    cs_run_t r;
    char src[PATH_MAX], doc[PATH_MAX], text[512];
    e2e_setup(t);
    cs_test_custody(&r, "user", "add", "chen", "--role", "clerk", "--home", t->home, NULL);
    ok(&r);
    cs_test_custody(&r, "user", "add", "fa", "--role", "legal", "--home", t->home, NULL);
    ok(&r);
    cs_test_custody(&r, "user", "add", "zhao", "--role", "reviewer", "--home", t->home, NULL);
    ok(&r);
    e2e_file(t, src, "record.txt", "现场检查笔录\n");
    cs_test_custody(&r, "ingest", "--home", t->home, "--case", CASE_A, "--as", "chen", src, NULL);
    ok(&r);
    cs_test_custody(&r, "review", "submit", CASE_A, "--note", "送审", "--home", t->home, "--as",
                    "chen", NULL);
    ok(&r);
    cs_test_custody(&r, "review", "opinion", CASE_A, "--as", "fa", "--verdict", "agree", FINDINGS,
                    "--home", t->home, NULL);
    ok(&r);
    e2e_file(t, doc, "decision.pdf", DECISION_PDF);
    cs_test_custody(&r, "case", "decide", CASE_A, "--kind", "行政处罚决定", "--document", doc,
                    "--home", t->home, "--as", "chen", NULL);
    ok(&r);
    e2e_sha256(DECISION_PDF, doc_sha);
    snprintf(text, sizeof text,
             "DROP TRIGGER decisions_no_update; UPDATE decisions SET decided_at = '%s';",
             decided_at);
    sql(t, text);
}

static json_t *
register_json(e2e_t *t)
{
    cs_run_t r;
    cs_test_custody(&r, "publications", "--json", "--home", t->home, NULL);
    ck_assert_msg(r.status == 0, "%s", r.err);
    json_t *j = e2e_json(&r);
    cs_test_run_free(&r);
    ck_assert_int_eq(json_array_size(j), 1);
    return j;
}

static const char *
field(json_t *rows, const char *key)
{
    return json_string_value(json_object_get(json_array_get(rows, 0), key));
}

START_TEST(a_penalty_of_2023_09_28_is_due_on_2023_10_13_and_overdue_now)
{
    e2e_t t;
    cs_run_t r;
    char sha[65], prefix[13];
    json_t *j;
    /* Thursday 28 September 2023, 10:00 in China, 02:00 UTC: the same date at either. */
    decided_case(&t, "2023-09-28T02:00:00.000Z", sha);
    snprintf(prefix, sizeof prefix, "%.12s", sha);

    /* A reviewer completes no case record: refused, and the attempt is in the ledger. */
    cs_test_custody(&r, "publish", CASE_A, "--decision", prefix, "--kind", "penalty", "--as",
                    "zhao", "--home", t.home, NULL);
    ck_assert_int_eq(r.status, 1);
    ck_assert_msg(strstr(r.err, "refused") != NULL, "%s", r.err);
    cs_test_run_free(&r);
    ck_assert_int_eq(cs_test_sql_count(t.db, "SELECT count(*) FROM ledger WHERE entry ->>"
                                             " '$.action' = 'publish.register' AND entry ->>"
                                             " '$.result' = 'denied' AND entry ->> '$.actor' ="
                                             " 'zhao'"),
                     1);
    /* No such kind; no such decision. */
    cs_test_custody(&r, "publish", CASE_A, "--decision", prefix, "--kind", "notice", "--home",
                    t.home, NULL);
    ck_assert_int_eq(r.status, 1);
    cs_test_run_free(&r);
    cs_test_custody(&r, "publish", CASE_A, "--decision", "00000000", "--kind", "penalty", "--home",
                    t.home, NULL);
    ck_assert_int_ne(r.status, 0);
    ck_assert_msg(strstr(r.err, "has no decision 00000000") != NULL, "%s", r.err);
    cs_test_run_free(&r);

    cs_test_custody(&r, "publish", CASE_A, "--decision", prefix, "--kind", "penalty", "--as",
                    "chen", "--home", t.home, NULL);
    ck_assert_str_eq(r.out, "1\n");
    ok(&r);
    cs_test_custody(&r, "publish", CASE_A, "--decision", prefix, "--kind", "penalty", "--home",
                    t.home, NULL);
    ck_assert_int_eq(r.status, 1);
    ck_assert_msg(strstr(r.err, "registered for publication already") != NULL, "%s", r.err);
    cs_test_run_free(&r);

    /* 29 September to 6 October off, 7 and 8 October worked: seven working days end on
     * Friday 13 October; long past, and nothing published: overdue. */
    j = register_json(&t);
    ck_assert_str_eq(field(j, "decided_on"), "2023-09-28");
    ck_assert_str_eq(field(j, "due_on"), "2023-10-13");
    ck_assert_str_eq(field(j, "status"), "overdue");
    ck_assert(json_is_false(json_object_get(json_array_get(j, 0), "due_provisional")));
    json_decref(j);
    cs_test_custody(&r, "publications", "--status", "overdue", "--home", t.home, NULL);
    ck_assert_msg(strstr(r.out, "overdue") && strstr(r.out, "due 2023-10-13"), "%s", r.out);
    ok(&r);
    cs_test_custody(&r, "status", "--home", t.home, NULL);
    ck_assert_msg(strstr(r.out, "0 due, 1 OVERDUE") &&
                      strstr(r.out, "OVERDUE publication 1 of " CASE_A ": due 2023-10-13"),
                  "%s", r.out);
    ok(&r);

    /* The home's own calendar counts instead: a 2023 without holidays gives Monday 9
     * October. */
    char cal[PATH_MAX];
    snprintf(cal, sizeof cal, "%s/holidays.txt", t.home);
    cs_test_write(cal, "year 2023\n", 10);
    j = register_json(&t);
    ck_assert_str_eq(field(j, "due_on"), "2023-10-09");
    json_decref(j);
    cs_test_custody(&r, "calendar", "--home", t.home, NULL);
    ck_assert_int_eq(r.status, 1); /* this year's notice is not in that file */
    ck_assert_msg(strstr(r.out, "holidays.txt") && strstr(r.out, "years: 2023"), "%s", r.out);
    cs_test_run_free(&r);
    ck_assert_int_eq(unlink(cal), 0);
    cs_test_custody(&r, "calendar", "--home", t.home, NULL);
    ck_assert_msg(strstr(r.out, "built-in holidays-cn.txt") && strstr(r.out, "2023 2024 2025"),
                  "%s", r.out);
    cs_test_run_free(&r);
    /* The built-in calendar printed is the home's own to extend. */
    cs_test_custody(&r, "calendar", "--built-in", NULL);
    ck_assert_msg(strstr(r.out, "2023-10-07 work 国庆节调休") != NULL, "%s", r.out);
    cs_test_write(cal, r.out, strlen(r.out));
    cs_test_run_free(&r);
    cs_test_custody(&r, "calendar", "--home", t.home, NULL);
    ck_assert_msg(strstr(r.out, "/holidays.txt\nyears: 2023 2024 2025 2026") != NULL, "%s", r.out);
    cs_test_run_free(&r);
    j = register_json(&t);
    ck_assert_str_eq(field(j, "due_on"), "2023-10-13");
    json_decref(j);

    /* Withdrawn: revoked, with its reason; once only; ledgered. */
    cs_test_custody(&r, "publish", "withdraw", "1", "--category", "mistaken", "--reason", "x",
                    "--home", t.home, NULL);
    ck_assert_int_eq(r.status, 1);
    cs_test_run_free(&r);
    cs_test_custody(&r, "publish", "withdraw", "1", "--category", "revoked", "--reason",
                    "复议决定撤销", "--as", "chen", "--home", t.home, NULL);
    ok(&r);
    cs_test_custody(&r, "publish", "withdraw", "1", "--category", "revoked", "--reason",
                    "复议决定撤销", "--home", t.home, NULL);
    ck_assert_int_eq(r.status, 1);
    ck_assert_msg(strstr(r.err, "withdrawn already") != NULL, "%s", r.err);
    cs_test_run_free(&r);
    j = register_json(&t);
    ck_assert_str_eq(field(j, "status"), "withdrawn");
    json_decref(j);
    ck_assert_int_eq(cs_test_sql_count(t.db, "SELECT count(*) FROM ledger WHERE entry ->>"
                                             " '$.action' = 'publish.withdraw' AND entry ->>"
                                             " '$.category' = 'revoked' AND entry ->>"
                                             " '$.actor' = 'chen'"),
                     1);
    cs_test_custody(&r, "status", "--home", t.home, NULL);
    ck_assert_msg(strstr(r.out, "0 due, 0 OVERDUE") != NULL, "%s", r.out);
    ok(&r);
    cs_test_custody(&r, "ledger", "verify", "--home", t.home, NULL);
    ok(&r);
    e2e_teardown(&t);
}
END_TEST

/* Published only through approved public copies; a correction is a new version, the first
 * one's record kept; each step ledgered with the content's hash. */
START_TEST(published_from_approved_public_copies_and_corrected)
{
    e2e_t t;
    cs_run_t r;
    char sha[65], redacted[PATH_MAX], photo[PATH_MAX];
    json_t *j;
    decided_case(&t, "2026-12-01T02:00:00.000Z", sha);
    cs_test_custody(&r, "publish", CASE_A, "--decision", sha, "--kind", "other", "--home", t.home,
                    NULL);
    ok(&r);
    /* The decision's document has no public copy yet: nothing is published. */
    cs_test_custody(&r, "publish", "release", "1", "--as", "chen", "--home", t.home, NULL);
    ck_assert_int_eq(r.status, 1);
    ck_assert_msg(strstr(r.err, "approved public copy") != NULL, "%s", r.err);
    cs_test_run_free(&r);
    e2e_file(&t, redacted, "redacted.pdf", REDACTED_PDF);
    cs_test_custody(&r, "public", "attach", sha, redacted, "--as", "chen", "--home", t.home, NULL);
    ok(&r);
    cs_test_custody(&r, "publish", "release", "1", "--as", "chen", "--home", t.home, NULL);
    ck_assert_int_eq(r.status, 1); /* attached, not approved */
    cs_test_run_free(&r);
    cs_test_custody(&r, "public", "approve", sha, "--as", "fa", "--home", t.home, NULL);
    ok(&r);
    /* An item of another case is not this publication's. */
    e2e_file(&t, photo, "other.txt", "另一案件的材料\n");
    cs_test_custody(&r, "ingest", "--home", t.home, "--case", CASE_B, "--as", "chen", photo, NULL);
    ok(&r);
    char other[65];
    e2e_sha256("另一案件的材料\n", other);
    cs_test_custody(&r, "publish", "release", "1", "--with", other, "--as", "chen", "--home",
                    t.home, NULL);
    ck_assert_int_eq(r.status, 1);
    cs_test_run_free(&r);

    cs_test_custody(&r, "publish", "release", "1", "--as", "chen", "--home", t.home, NULL);
    ck_assert_msg(strstr(r.out, "version 1 published") != NULL, "%s", r.out);
    ok(&r);
    cs_test_custody(&r, "publish", "release", "1", "--as", "chen", "--home", t.home, NULL);
    ck_assert_int_eq(r.status, 1);
    ck_assert_msg(strstr(r.err, "published already") != NULL, "%s", r.err);
    cs_test_run_free(&r);
    j = register_json(&t);
    ck_assert_str_eq(field(j, "status"), "published");
    json_decref(j);
    cs_test_custody(&r, "publish", "correct", "1", "--reason", "当事人姓名有误", "--as", "chen",
                    "--home", t.home, NULL);
    ck_assert_msg(strstr(r.out, "version 2 published") != NULL, "%s", r.out);
    ok(&r);
    j = register_json(&t);
    ck_assert_str_eq(field(j, "status"), "corrected");
    json_decref(j);
    /* Both versions kept, each with the public copy's hash; both ledgered. */
    ck_assert_int_eq(cs_test_sql_count(t.db, "SELECT count(*) FROM publication_versions WHERE"
                                             " content ->> '$.decision.public.sha256' IS NOT NULL"),
                     2);
    ck_assert_int_eq(cs_test_sql_count(t.db, "SELECT count(*) FROM ledger WHERE entry ->>"
                                             " '$.action' IN ('publish.release',"
                                             " 'publish.correct') AND length(entry ->>"
                                             " '$.content_sha256') = 64"),
                     2);
    cs_test_custody(&r, "ledger", "verify", "--home", t.home, NULL);
    ok(&r);
    e2e_teardown(&t);
}
END_TEST

static Suite *
publish_suite(void)
{
    Suite *s = suite_create("publish");
    TCase *tc = tcase_create("publish");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, a_penalty_of_2023_09_28_is_due_on_2023_10_13_and_overdue_now);
    tcase_add_test(tc, published_from_approved_public_copies_and_corrected);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(publish_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
