/* tests/e2e/test_case_record.c: `custody case set|status|show|register`: a clerk completes a
 * case's record and moves its status (a reopening with its reason), a reviewer may not; a
 * reviewer whose grant clears less than privacy sees the party and not its ID number; the
 * case-file register as CSV with the configured columns, a cell guarded against formulas; and
 * every change and read in the ledger, which still verifies. */
#include "tests/e2e/e2e.h"

#include <stdio.h>
#include <string.h>

#define ID_NUMBER "110101199001011234"
#define HOSTILE_CAUSE "=1+2,未经许可取水"

/* Runs custody with the home; the caller frees r. */
#define RUN(r, ...) cs_test_custody(r, __VA_ARGS__, "--home", t.home, NULL)

static void
ok(cs_run_t *r)
{
    ck_assert_msg(r->status == 0, "exit %d: %s%s", r->status, r->out, r->err);
    cs_test_run_free(r);
}

/* Case A with one item of party 张三; clerk wang; reviewer rev, granted case A for "复核"
 * up to internal and for "审查" up to privacy. */
static void
setup_case(e2e_t *tp)
{
    e2e_t t = *tp;
    char path[PATH_MAX];
    cs_run_t r;
    e2e_file(tp, path, "in/a.txt", "a statement");
    RUN(&r, "ingest", "--case", CASE_A, "--party", "张三", path);
    ok(&r);
    RUN(&r, "user", "add", "wang", "--role", "clerk");
    ok(&r);
    RUN(&r, "user", "add", "rev", "--role", "reviewer");
    ok(&r);
    RUN(&r, "grant", "rev", "--case", CASE_A, "--purpose", "复核", "--clearance", "internal");
    ok(&r);
    RUN(&r, "grant", "rev", "--case", CASE_A, "--purpose", "审查", "--clearance", "privacy");
    ok(&r);
}

static long
ledgered(e2e_t *t, const char *where)
{
    char sql[1024];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM ledger WHERE %s", where);
    return cs_test_sql_count(t->db, sql);
}

START_TEST(a_clerk_completes_the_record_and_moves_its_status)
{
    e2e_t t;
    cs_run_t r;
    e2e_setup(&t);
    setup_case(&t);

    RUN(&r, "case", "set", CASE_A, "--as", "wang", "--kind", "penalty", "--procedure", "general",
        "--cause", HOSTILE_CAUSE, "--party", "张三", "--party-kind", "person", "--id-number",
        ID_NUMBER, "--officer", "wang", "--filed", "2026-03-01");
    ok(&r);
    ck_assert_int_eq(ledgered(&t, "entry ->> '$.action' = 'case.set' AND entry ->> '$.actor' ="
                                  " 'wang' AND entry ->> '$.kind' = 'custody' AND entry ->>"
                                  " '$.result' IS NULL"),
                     1);
    ck_assert_int_eq(ledgered(&t, "entry LIKE '%" ID_NUMBER "%'"), 0);

    /* A reviewer changes nothing; a bad value is named. */
    RUN(&r, "case", "set", CASE_A, "--as", "rev", "--kind", "other");
    ck_assert_int_eq(r.status, 1);
    ck_assert_msg(strstr(r.err, "only clerks and admins") != NULL, "%s", r.err);
    cs_test_run_free(&r);
    ck_assert_int_eq(ledgered(&t, "entry ->> '$.action' = 'case.set' AND entry ->> '$.actor' ="
                                  " 'rev' AND entry ->> '$.result' = 'denied'"),
                     1);
    RUN(&r, "case", "set", CASE_A, "--kind", "fine");
    ck_assert_int_eq(r.status, 2);
    ck_assert_msg(strstr(r.err, "penalty|enforcement|licensing|inspection|other") != NULL, "%s",
                  r.err);
    cs_test_run_free(&r);

    /* The status: refused jumps name what may come next; a reopening needs its reason. */
    RUN(&r, "case", "status", CASE_A, "--to", "decided", "--as", "wang");
    ck_assert_int_eq(r.status, 1);
    ck_assert_msg(strstr(r.err, "is registered: it may go to investigating, not to decided") !=
                      NULL,
                  "%s", r.err);
    cs_test_run_free(&r);
    static const char *const path[] = {"investigating", "under_review", "decided", "served",
                                       "closed"};
    for (size_t i = 0; i < sizeof path / sizeof path[0]; i++) {
        RUN(&r, "case", "status", CASE_A, "--to", path[i], "--as", "wang");
        ok(&r);
    }
    RUN(&r, "case", "status", CASE_A, "--to", "investigating");
    ck_assert_int_eq(r.status, 1);
    ck_assert_msg(strstr(r.err, "needs a reason") != NULL, "%s", r.err);
    cs_test_run_free(&r);
    RUN(&r, "case", "status", CASE_A, "--to", "investigating", "--reason", "发现新证据");
    ok(&r);
    ck_assert_int_eq(ledgered(&t, "entry ->> '$.action' = 'case.status'"), 6);
    ck_assert_int_eq(ledgered(&t, "entry ->> '$.action' = 'case.status' AND entry ->> '$.from' ="
                                  " 'closed' AND entry ->> '$.reopen' = 1 AND entry ->>"
                                  " '$.reason' = '发现新证据'"),
                     1);

    RUN(&r, "case", "show", CASE_A, "--purpose", "复核");
    ck_assert_int_eq(r.status, 0);
    ck_assert_msg(strstr(r.out, "status      investigating (调查中)") != NULL, "%s", r.out);
    ck_assert_msg(strstr(r.out, "closed -> investigating  by ") != NULL, "%s", r.out);
    ck_assert_msg(strstr(r.out, ": 发现新证据") != NULL, "%s", r.out);
    cs_test_run_free(&r);
    RUN(&r, "ledger", "verify");
    ok(&r);
    e2e_teardown(&t);
}
END_TEST

START_TEST(the_id_number_is_shown_only_to_a_reader_cleared_for_privacy)
{
    e2e_t t;
    cs_run_t r;
    e2e_setup(&t);
    setup_case(&t);
    RUN(&r, "case", "set", CASE_A, "--party", "张三", "--id-number", ID_NUMBER);
    ok(&r);

    /* Through the grant up to internal: the party, never its number. */
    RUN(&r, "case", "show", CASE_A, "--as", "rev", "--purpose", "复核", "--json");
    ck_assert_int_eq(r.status, 0);
    ck_assert_msg(strstr(r.out, "\"张三\"") != NULL, "%s", r.out);
    ck_assert_msg(strstr(r.out, ID_NUMBER) == NULL, "%s", r.out);
    ck_assert_msg(strstr(r.out, "\"id_number_withheld\": true") != NULL, "%s", r.out);
    cs_test_run_free(&r);
    RUN(&r, "case", "show", CASE_A, "--as", "rev", "--purpose", "审查");
    ck_assert_int_eq(r.status, 0);
    ck_assert_msg(strstr(r.out, "张三  -  ID " ID_NUMBER) != NULL, "%s", r.out);
    cs_test_run_free(&r);
    /* Every read is a retrieval entry with its purpose; a read without one is refused. */
    ck_assert_int_eq(ledgered(&t, "entry ->> '$.action' = 'view.case' AND entry ->> '$.actor' ="
                                  " 'rev' AND entry ->> '$.result' = 'allowed'"),
                     2);
    RUN(&r, "case", "show", CASE_A, "--as", "rev");
    ck_assert_int_eq(r.status, 1);
    cs_test_run_free(&r);
    ck_assert_int_eq(ledgered(&t, "entry ->> '$.action' = 'view.case' AND entry ->> '$.result' ="
                                  " 'denied'"),
                     1);
    e2e_teardown(&t);
}
END_TEST

START_TEST(the_register_takes_its_columns_from_the_config)
{
    e2e_t t;
    cs_run_t r;
    e2e_setup(&t);
    setup_case(&t);
    RUN(&r, "case", "set", CASE_A, "--cause", HOSTILE_CAUSE, "--kind", "inspection");
    ok(&r);

    RUN(&r, "case", "register", "--purpose", "台账", "--format", "csv", "--set",
        "case.register_columns=case,cause,kind,status,items");
    ck_assert_int_eq(r.status, 0);
    ck_assert_str_eq(r.out, "\xEF\xBB\xBF案号,案由,案件类型,状态,证据数\r\n" CASE_A
                            ",\"'" HOSTILE_CAUSE "\",行政检查,已登记,1\r\n");
    cs_test_run_free(&r);

    /* The default template: the thirteen columns of the bureau's register, 档号 last. */
    RUN(&r, "case", "register", "--purpose", "台账", "--format", "csv");
    ck_assert_int_eq(r.status, 0);
    ck_assert_msg(strncmp(r.out,
                          "\xEF\xBB\xBF案号,案件类型,程序,案由,当事人,承办人,立案日期,决定日期,"
                          "送达日期,结案日期,状态,证据数,档号\r\n",
                          strlen("\xEF\xBB\xBF案号,案件类型,程序,案由,当事人,承办人,立案日期,"
                                 "决定日期,送达日期,结案日期,状态,证据数,档号\r\n")) == 0,
                  "%s", r.out);
    cs_test_run_free(&r);

    /* A filter by status; an unknown column is the config's error. */
    RUN(&r, "case", "register", "--purpose", "台账", "--format", "csv", "--status", "closed");
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_null(strstr(r.out, CASE_A));
    cs_test_run_free(&r);
    RUN(&r, "case", "register", "--purpose", "台账", "--set", "case.register_columns=case,fee");
    ck_assert_int_eq(r.status, 2);
    ck_assert_msg(strstr(r.err, "case.register_columns") != NULL, "%s", r.err);
    cs_test_run_free(&r);

    /* A list read, ledgered; a clerk who brought nothing in lists no case. */
    ck_assert_int_eq(ledgered(&t, "entry ->> '$.action' = 'register' AND entry ->> '$.purpose' ="
                                  " '台账'"),
                     3);
    RUN(&r, "case", "register", "--purpose", "台账", "--as", "wang");
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_null(strstr(r.out, CASE_A));
    cs_test_run_free(&r);
    e2e_teardown(&t);
}
END_TEST

static Suite *
case_record_suite(void)
{
    Suite *s = suite_create("case_record");
    TCase *tc = tcase_create("case_record");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, a_clerk_completes_the_record_and_moves_its_status);
    tcase_add_test(tc, the_id_number_is_shown_only_to_a_reader_cleared_for_privacy);
    tcase_add_test(tc, the_register_takes_its_columns_from_the_config);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(case_record_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
