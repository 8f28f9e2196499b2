/* tests/e2e/test_api_publish.c: the publication register over HTTP (issue 23 parts 2-3): a
 * reviewer registers nothing (403, code role, ledgered); a clerk registers a decision (201),
 * once (409); the register shows it due after today, counted with the built-in calendar; it
 * is published only once its document's public copy is approved (409 before), then corrected
 * with a reason; a withdrawal needs a known category (400) and is then shown and ledgered. */
#include "tests/e2e/e2e_api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FINDINGS                                                                                   \
    "--finding", "subject=ok", "--finding", "jurisdiction=ok", "--finding", "qualification=ok",    \
        "--finding", "facts=ok", "--finding", "law=ok", "--finding", "procedure=ok", "--finding",  \
        "documents=na", "--finding", "referral=ok"

static const char *const JSON_BODY[] = {"Content-Type: application/json", NULL};

static json_t *
listing(api_t *a, const char *query)
{
    resp_t r;
    char target[256];
    snprintf(target, sizeof target, "/v1/publications%s", query);
    http(a, &r, "GET", target, a->carol, NULL, NULL, NULL);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    json_t *j = body_json(&r);
    resp_free(&r);
    return j;
}

START_TEST(registered_listed_and_withdrawn_over_http)
{
    api_t a;
    resp_t r;
    cs_run_t run;
    char body[256], doc[PATH_MAX], sha[65], today[11];
    json_t *j, *p;
    api_setup(&a);
    free(user_add(&a, "fa", "legal"));
    cs_test_custody(&run, "review", "submit", CASE_A, "--note", "送审", "--home", a.t.home, NULL);
    run_ok(&run);
    cs_test_run_free(&run);
    cs_test_custody(&run, "review", "opinion", CASE_A, "--as", "fa", "--verdict", "agree", FINDINGS,
                    "--home", a.t.home, NULL);
    run_ok(&run);
    cs_test_run_free(&run);
    e2e_file(&a.t, doc, "decision.pdf", "%PDF-1.4\n% 行政处罚决定书\n%%EOF\n");
    cs_test_custody(&run, "case", "decide", CASE_A, "--kind", "行政处罚决定", "--document", doc,
                    "--as", "dave", "--home", a.t.home, NULL);
    run_ok(&run);
    cs_test_run_free(&run);
    e2e_sha256("%PDF-1.4\n% 行政处罚决定书\n%%EOF\n", sha);

    j = listing(&a, "");
    ck_assert_int_eq(json_array_size(json_object_get(j, "publications")), 0);
    ck_assert_str_eq(json_string_value(json_object_get(j, "calendar")), "built-in holidays-cn.txt");
    snprintf(today, sizeof today, "%s", json_string_value(json_object_get(j, "today")));
    json_decref(j);

    snprintf(body, sizeof body, "{\"case\":\"%s\",\"decision\":\"%.16s\",\"kind\":\"penalty\"}",
             CASE_A, sha);
    http_h(&a, &r, "POST", "/v1/publications", a.alice, PURPOSE, NULL, body, JSON_BODY);
    assert_problem(&r, 403, "forbidden");
    ck_assert_msg(strstr(r.body, "\"code\":\"role\"") != NULL, "%s", r.body);
    resp_free(&r);
    ck_assert_int_eq(entries(&a, "entry ->> '$.action' = 'publish.register' AND entry ->>"
                                 " '$.result' = 'denied' AND entry ->> '$.actor' = 'alice'"),
                     1);
    http_h(&a, &r, "POST", "/v1/publications", a.dave, PURPOSE, NULL, body, JSON_BODY);
    ck_assert_msg(r.status == 201 && strstr(r.body, "\"id\":1"), "%d %s", r.status, r.body);
    resp_free(&r);
    http_h(&a, &r, "POST", "/v1/publications", a.dave, PURPOSE, NULL, body, JSON_BODY);
    ck_assert_msg(r.status == 409, "%d %s", r.status, r.body);
    resp_free(&r);

    j = listing(&a, "?status=due");
    ck_assert_int_eq(json_array_size(json_object_get(j, "publications")), 1);
    p = json_array_get(json_object_get(j, "publications"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(p, "decided_on")), today);
    ck_assert_msg(strcmp(json_string_value(json_object_get(p, "due_on")), today) > 0, "%s",
                  json_string_value(json_object_get(p, "due_on")));
    ck_assert_str_eq(json_string_value(json_object_get(p, "decision_sha256")), sha);
    json_decref(j);

    /* Published only as an approved public copy of the decision's document. */
    http_h(&a, &r, "POST", "/v1/publications/1/release", a.dave, PURPOSE, NULL, "{}", JSON_BODY);
    assert_problem(&r, 409, "conflict");
    ck_assert_msg(strstr(r.body, "no-public-copy") && strstr(r.body, "公开副本"), "%s", r.body);
    resp_free(&r);
    char redacted[PATH_MAX];
    e2e_file(&a.t, redacted, "redacted.pdf", "%PDF-1.4\n% 行政处罚决定书（公开版）\n%%EOF\n");
    cs_test_custody(&run, "public", "attach", sha, redacted, "--as", "dave", "--home", a.t.home,
                    NULL);
    run_ok(&run);
    cs_test_run_free(&run);
    cs_test_custody(&run, "public", "approve", sha, "--as", "root", "--home", a.t.home, NULL);
    run_ok(&run);
    cs_test_run_free(&run);
    http_h(&a, &r, "POST", "/v1/publications/1/release", a.alice, PURPOSE, NULL, "{}", JSON_BODY);
    assert_problem(&r, 403, "forbidden");
    resp_free(&r);
    http_h(&a, &r, "POST", "/v1/publications/1/release", a.dave, PURPOSE, NULL, "{}", JSON_BODY);
    ck_assert_msg(r.status == 201 && strstr(r.body, "\"version\":1"), "%d %s", r.status, r.body);
    resp_free(&r);
    http_h(&a, &r, "POST", "/v1/publications/1/correct", a.dave, PURPOSE, NULL, "{}", JSON_BODY);
    ck_assert_msg(r.status == 400, "a correction without its reason: %d %s", r.status, r.body);
    resp_free(&r);
    http_h(&a, &r, "POST", "/v1/publications/1/correct", a.dave, PURPOSE, NULL,
           "{\"reason\":\"更正文号\"}", JSON_BODY);
    ck_assert_msg(r.status == 201 && strstr(r.body, "\"version\":2"), "%d %s", r.status, r.body);
    resp_free(&r);
    j = listing(&a, "?status=corrected");
    ck_assert_int_eq(json_array_size(json_object_get(j, "publications")), 1);
    json_decref(j);

    http_h(&a, &r, "POST", "/v1/publications/1/withdraw", a.dave, PURPOSE, NULL,
           "{\"category\":\"wrong\",\"reason\":\"x\"}", JSON_BODY);
    ck_assert_msg(r.status == 400, "%d %s", r.status, r.body);
    resp_free(&r);
    http_h(&a, &r, "POST", "/v1/publications/1/withdraw", a.dave, PURPOSE, NULL,
           "{\"category\":\"remade\",\"reason\":\"责令重新作出\"}", JSON_BODY);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    resp_free(&r);
    j = listing(&a, "?status=withdrawn");
    ck_assert_int_eq(json_array_size(json_object_get(j, "publications")), 1);
    json_decref(j);
    ck_assert_int_eq(entries(&a, "entry ->> '$.action' = 'publish.withdraw' AND entry ->>"
                                 " '$.category' = 'remade' AND entry ->> '$.actor' = 'dave'"),
                     1);
    api_teardown(&a);
}
END_TEST

static Suite *
api_publish_suite(void)
{
    Suite *s = suite_create("api_publish");
    TCase *tc = tcase_create("api_publish");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, registered_listed_and_withdrawn_over_http);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(api_publish_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
