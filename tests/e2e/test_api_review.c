/* tests/e2e/test_api_review.c: the legal review over HTTP (issue 21): a clerk's opinion is
 * refused with its code and ledgered; a legal user's opinion missing a point is 400; a whole
 * one is 201, signed with the key the operator keeps for them; GET .../reviews shows it to a
 * granted reader (ledgered) with a signature that verifies against the public key it carries,
 * and refuses a reader without a grant. */
#include "tests/e2e/e2e_api.h"

#include "core/error.h"
#include "ledger/key.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OPINION_PATH "/v1/cases/" CASE_A_PCT "/reviews/opinion"
#define REVIEWS_PATH "/v1/cases/" CASE_A_PCT "/reviews"
#define POINTS                                                                                     \
    "\"subject\":{\"result\":\"ok\"},\"jurisdiction\":{\"result\":\"ok\"},"                        \
    "\"qualification\":{\"result\":\"ok\"},\"facts\":{\"result\":\"ok\",\"text\":"                 \
    "\"证据确实充分\"},"                                                                     \
    "\"law\":{\"result\":\"ok\"},\"procedure\":{\"result\":\"ok\"},"                               \
    "\"documents\":{\"result\":\"na\"}"

static void
post(api_t *a, resp_t *r, const char *token, const char *body)
{
    http_h(a, r, "POST", OPINION_PATH, token, PURPOSE, NULL, body,
           (const char *const[]){"Content-Type: application/json", NULL});
}

START_TEST(an_opinion_filed_and_read_over_http)
{
    api_t a;
    resp_t r;
    cs_run_t run;
    api_setup(&a);
    char *fa = user_add(&a, "fa", "legal");
    cs_test_custody(&run, "review", "submit", CASE_A, "--note", "送审", "--home", a.t.home, NULL);
    run_ok(&run);
    cs_test_run_free(&run);

    /* The clerk files no opinion: 403 with the rule's code, ledgered. */
    post(&a, &r, a.dave,
         "{\"verdict\":\"agree\",\"findings\":{" POINTS ",\"referral\":{\"result\":\"ok\"}}}");
    assert_problem(&r, 403, "forbidden");
    ck_assert_msg(strstr(r.body, "\"code\":\"role\"") != NULL, "%s", r.body);
    resp_free(&r);
    ck_assert_int_eq(entries(&a, "entry ->> '$.kind' = 'review' AND entry ->> '$.actor' = 'dave'"
                                 " AND entry ->> '$.result' = 'denied'"),
                     1);

    /* A point missing: 400, nothing filed. */
    post(&a, &r, fa, "{\"verdict\":\"agree\",\"findings\":{" POINTS "}}");
    assert_problem(&r, 400, "bad-request");
    ck_assert_msg(strstr(r.body, "referral") != NULL, "%s", r.body);
    resp_free(&r);

    post(&a, &r, fa,
         "{\"verdict\":\"agree\",\"findings\":{" POINTS
         ",\"referral\":{\"result\":\"ok\"}},\"proposals\":[]}");
    ck_assert_msg(r.status == 201, "%d %s", r.status, r.body);
    json_t *filed = body_json(&r);
    resp_free(&r);
    ck_assert_int_eq(entries(&a, "entry ->> '$.action' = 'review.opinion' AND entry ->>"
                                 " '$.actor' = 'fa'"),
                     1);

    /* Read by the granted reviewer: ledgered; the signature verifies with the key it names. */
    http(&a, &r, "GET", REVIEWS_PATH, a.alice, PURPOSE, NULL, NULL);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    json_t *j = body_json(&r);
    resp_free(&r);
    json_t *op = json_object_get(json_array_get(json_object_get(j, "rounds"), 0), "opinion");
    const char *text = json_string_value(json_object_get(op, "opinion"));
    ck_assert_str_eq(json_string_value(json_object_get(op, "opinion_sha256")),
                     json_string_value(json_object_get(filed, "opinion_sha256")));
    ck_assert_int_eq(cs_key_verify(json_string_value(json_object_get(op, "public_key")), text,
                                   strlen(text),
                                   json_string_value(json_object_get(op, "signature")), NULL),
                     0);
    ck_assert_int_eq(entries(&a, "entry ->> '$.action' = 'review.show' AND entry ->> '$.actor' ="
                                 " 'alice' AND entry ->> '$.result' = 'allowed'"),
                     1);
    json_decref(j);
    json_decref(filed);

    /* A reader without a grant on the case: 403. */
    http(&a, &r, "GET", REVIEWS_PATH, a.bob, PURPOSE, NULL, NULL);
    assert_problem(&r, 403, "forbidden");
    resp_free(&r);
    free(fa);
    api_teardown(&a);
}
END_TEST

#define DECISION_PATH "/v1/cases/" CASE_A_PCT "/decision?kind=%E8%A1%8C%E6%94%BF%E5%A4%84%E7%BD%9A"

START_TEST(submitted_and_decided_over_http)
{
    api_t a;
    resp_t r;
    api_setup(&a);
    char *fa = user_add(&a, "fa", "legal");
    const char *const json_type[] = {"Content-Type: application/json", NULL};
    const char *const doc_type[] = {"Content-Type: application/octet-stream", NULL};

    /* A reviewer submits nothing; the clerk does: round 1, the bag stored. */
    http_h(&a, &r, "POST", REVIEWS_PATH, a.alice, PURPOSE, NULL, "{\"note\":\"送审\"}", json_type);
    assert_problem(&r, 403, "forbidden");
    resp_free(&r);
    http_h(&a, &r, "POST", REVIEWS_PATH, a.dave, PURPOSE, NULL, "{\"note\":\"送审\"}", json_type);
    ck_assert_msg(r.status == 201 && strstr(r.body, "\"round\":1"), "%d %s", r.status, r.body);
    resp_free(&r);
    ck_assert_int_eq(entries(&a, "entry ->> '$.action' = 'review.submit' AND entry ->> '$.actor'"
                                 " = 'dave' AND length(entry ->> '$.bag') = 64"),
                     1);

    /* No opinion yet: no decision (409, the plan's words), ledgered. */
    http_h(&a, &r, "POST", DECISION_PATH, a.dave, PURPOSE, NULL, "决定书", doc_type);
    assert_problem(&r, 409, "conflict");
    ck_assert_msg(strstr(r.body, "not-reviewed") && strstr(r.body, "不得作出决定"), "%s", r.body);
    resp_free(&r);

    post(&a, &r, fa,
         "{\"verdict\":\"agree\",\"findings\":{" POINTS ",\"referral\":{\"result\":\"ok\"}}}");
    ck_assert_int_eq(r.status, 201);
    resp_free(&r);
    /* The author records no decision; the clerk does. */
    http_h(&a, &r, "POST", DECISION_PATH, fa, PURPOSE, NULL, "决定书", doc_type);
    assert_problem(&r, 403, "forbidden");
    ck_assert_msg(strstr(r.body, "opinion-author") != NULL, "%s", r.body);
    resp_free(&r);
    http_h(&a, &r, "POST", DECISION_PATH, a.dave, PURPOSE, NULL, "决定书", doc_type);
    ck_assert_msg(r.status == 201, "%d %s", r.status, r.body);
    resp_free(&r);
    char sha[65], where[256];
    e2e_sha256("决定书", sha);
    snprintf(where, sizeof where,
             "entry ->> '$.action' = 'case.decided' AND entry ->> '$.document' = '%s'", sha);
    ck_assert_int_eq(entries(&a, where), 1);
    ck_assert_int_eq(entries(&a, "entry ->> '$.action' = 'case.decide' AND entry ->> '$.result'"
                                 " = 'denied'"),
                     2);
    free(fa);
    api_teardown(&a);
}
END_TEST

static Suite *
api_review_suite(void)
{
    Suite *s = suite_create("api_review");
    TCase *tc = tcase_create("api_review");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, an_opinion_filed_and_read_over_http);
    tcase_add_test(tc, submitted_and_decided_over_http);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(api_review_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
