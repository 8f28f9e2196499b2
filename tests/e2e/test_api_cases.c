/* tests/e2e/test_api_cases.c: a case as a record over the API: POST /v1/cases/{case}/record
 * and /status by a clerk (a reviewer refused with code role; a status not allowed now 409 with
 * code case-transition naming the next), GET /v1/cases/{case}/record through the gate (a
 * reviewer whose grant clears less than privacy gets the party, not its ID number), and GET
 * /v1/register as CSV and JSON, each read ledgered. */
#include "tests/e2e/e2e_api.h"

#include <string.h>

#define RECORD "/v1/cases/" CASE_A_PCT "/record"
#define STATUS "/v1/cases/" CASE_A_PCT "/status"
#define ID_NUMBER "91110000600037341L"

static const char *
jstr(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

START_TEST(a_clerk_completes_a_case_and_a_reviewer_reads_it)
{
    api_t a;
    resp_t r;
    cs_run_t run;
    api_setup(&a);
    cs_test_custody(&run, "grant", "bob", "--home", a.t.home, "--case", CASE_A, "--purpose", "复核",
                    "--clearance", "internal", NULL);
    run_ok(&run);
    cs_test_run_free(&run);

    http(
        &a, &r, "POST", RECORD, a.dave, NULL, NULL,
        "{\"kind\": \"penalty\", \"procedure\": \"general\", \"cause\": \"=cmd|' /C calc'!A0\","
        " \"party\": {\"name\": \"某公司\", \"kind\": \"organisation\", \"id_number\": \"" ID_NUMBER
        "\"}, \"officers\": [\"dave\"], \"filed\": \"2026-03-01\"}");
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    resp_free(&r);
    ck_assert_int_eq(entries(&a, "entry ->> '$.action' = 'case.set' AND entry ->> '$.actor' ="
                                 " 'dave' AND entry ->> '$.id_number_set' = 1"),
                     1);

    /* A reviewer changes nothing; a body out of shape is 400. */
    http(&a, &r, "POST", RECORD, a.bob, NULL, NULL, "{\"kind\": \"other\"}");
    assert_problem(&r, 403, "forbidden");
    json_t *p = body_json(&r);
    ck_assert_str_eq(jstr(p, "code"), "role");
    ck_assert_ptr_nonnull(jstr(p, "detail_zh"));
    json_decref(p);
    resp_free(&r);
    ck_assert_int_eq(entries(&a, "entry ->> '$.action' = 'case.set' AND entry ->> '$.actor' ="
                                 " 'bob' AND entry ->> '$.result' = 'denied' AND entry ->>"
                                 " '$.role' = 'reviewer'"),
                     1);
    http(&a, &r, "POST", RECORD, a.dave, NULL, NULL, "{\"kind\": \"fine\"}");
    assert_problem(&r, 400, "bad-request");
    resp_free(&r);

    /* The status: a jump is 409 naming what may come next. */
    http(&a, &r, "POST", STATUS, a.dave, NULL, NULL, "{\"to\": \"decided\"}");
    assert_problem(&r, 409, "conflict");
    p = body_json(&r);
    ck_assert_str_eq(jstr(p, "code"), "case-transition");
    ck_assert_msg(strstr(jstr(p, "detail"), "may go to investigating") != NULL, "%s", r.body);
    json_decref(p);
    resp_free(&r);
    http(&a, &r, "POST", STATUS, a.dave, NULL, NULL, "{\"to\": \"investigating\"}");
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    resp_free(&r);
    ck_assert_int_eq(entries(&a, "entry ->> '$.action' = 'case.status' AND entry ->> '$.to' ="
                                 " 'investigating' AND entry ->> '$.actor' = 'dave'"),
                     1);

    /* Bob's grant clears internal: the party, and no ID number. */
    http(&a, &r, "GET", RECORD, a.bob, PURPOSE, NULL, NULL);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    ck_assert_ptr_null(strstr(r.body, ID_NUMBER));
    json_t *rec = body_json(&r);
    json_t *party = json_array_get(json_object_get(rec, "parties"), 0);
    ck_assert_str_eq(jstr(party, "name"), "某公司");
    ck_assert(json_is_true(json_object_get(party, "id_number_withheld")));
    ck_assert_str_eq(jstr(rec, "status"), "investigating");
    ck_assert_str_eq(jstr(rec, "kind_zh"), "行政处罚");
    json_decref(rec);
    resp_free(&r);
    ck_assert_int_eq(entries(&a, "entry ->> '$.action' = 'view.case' AND entry ->> '$.actor' ="
                                 " 'bob' AND entry ->> '$.result' = 'allowed'"),
                     1);
    /* Without a grant: refused, and ledgered. */
    http(&a, &r, "GET", RECORD, a.root, PURPOSE, NULL, NULL);
    assert_problem(&r, 403, "forbidden");
    resp_free(&r);
    ck_assert_int_eq(entries(&a, "entry ->> '$.action' = 'view.case' AND entry ->> '$.actor' ="
                                 " 'root' AND entry ->> '$.result' = 'denied'"),
                     1);
    api_teardown(&a);
}
END_TEST

START_TEST(the_register_as_csv_and_json)
{
    api_t a;
    resp_t r;
    api_setup(&a);
    http(&a, &r, "POST", RECORD, a.dave, NULL, NULL, "{\"cause\": \"@SUM(1)\"}");
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    resp_free(&r);

    http(&a, &r, "GET", "/v1/register?format=csv", a.alice, PURPOSE, NULL, NULL);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    ck_assert_str_eq(header(&r, "content-type"), "text/csv; charset=utf-8; header=present");
    ck_assert_msg(strncmp(r.body, "\xEF\xBB\xBF案号,案件类型,程序,案由,", 30) == 0, "%s", r.body);
    ck_assert_msg(strstr(r.body, "\r\n" CASE_A ",,,'@SUM(1),某公司,,") != NULL, "%s", r.body);
    resp_free(&r);

    http(&a, &r, "GET", "/v1/register", a.alice, PURPOSE, NULL, NULL);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    json_t *j = body_json(&r);
    json_t *row = json_array_get(json_object_get(j, "cases"), 0);
    ck_assert_str_eq(jstr(row, "case"), CASE_A);
    ck_assert_str_eq(jstr(row, "status"), "已登记");
    json_decref(j);
    resp_free(&r);
    ck_assert_int_eq(entries(&a, "entry ->> '$.action' = 'register' AND entry ->> '$.actor' ="
                                 " 'alice'"),
                     2);

    /* Bob has no grant: the register lists no case of his. No purpose: 400, ledgered. */
    http(&a, &r, "GET", "/v1/register", a.bob, PURPOSE, NULL, NULL);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    j = body_json(&r);
    ck_assert_int_eq(json_array_size(json_object_get(j, "cases")), 0);
    json_decref(j);
    resp_free(&r);
    http(&a, &r, "GET", "/v1/register", a.bob, NULL, NULL, NULL);
    assert_problem(&r, 400, "no-purpose");
    resp_free(&r);
    api_teardown(&a);
}
END_TEST

static Suite *
api_cases_suite(void)
{
    Suite *s = suite_create("api_cases");
    TCase *tc = tcase_create("api_cases");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, a_clerk_completes_a_case_and_a_reviewer_reads_it);
    tcase_add_test(tc, the_register_as_csv_and_json);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(api_cases_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
