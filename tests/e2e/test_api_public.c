/* tests/e2e/test_api_public.c: public copies over HTTP (issue 23, part 1): a reviewer writes no
 * redaction spec (403 role, ledgered); a spec naming a rectangle past the picture is 400
 * naming the field; a good one is 201 and shows in GET .../public; the copy's maker cannot
 * approve it (403 self-approval, ledgered), a legal user can; the public copy then downloads
 * through the gate as the derivative "public", its bytes those of the copy recorded. GET
 * /v1/public?awaiting=1 lists the copy awaiting approval to a user who may read the item, and
 * no longer once approved. */
#include "tests/e2e/e2e_api.h"

#include "core/error.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
put_spec(api_t *a, resp_t *r, const char *sha, const char *token, const char *body)
{
    char target[256];
    snprintf(target, sizeof target, "/v1/items/%s/public/spec", sha);
    http_h(a, r, "PUT", target, token, PURPOSE, NULL, body,
           (const char *const[]){"Content-Type: application/json", NULL});
}

static void
approve(api_t *a, resp_t *r, const char *sha, const char *token)
{
    char target[256];
    snprintf(target, sizeof target, "/v1/items/%s/public/approve", sha);
    http_h(a, r, "POST", target, token, PURPOSE, NULL, "{}",
           (const char *const[]){"Content-Type: application/json", NULL});
}

/* GET /v1/public with `query` as `token`: the number of items listed (-1: not 200). */
static int
listed(api_t *a, const char *query, const char *token)
{
    char target[256];
    resp_t r;
    int n = -1;
    snprintf(target, sizeof target, "/v1/public%s", query);
    http(a, &r, "GET", target, token, PURPOSE, NULL, NULL);
    if (r.status == 200) {
        json_t *j = body_json(&r);
        n = (int)json_array_size(json_object_get(j, "public"));
        json_decref(j);
    }
    resp_free(&r);
    return n;
}

START_TEST(spec_approval_and_download_over_http)
{
    api_t a;
    resp_t r;
    cs_run_t run;
    char sha[65], target[256];
    api_setup(&a);
    char *fa = user_add(&a, "fa", "legal");
    cs_test_custody(&run, "ingest", "--home", a.t.home, "--case", CASE_A, "--as", "dave", "--json",
                    CUSTODY_TEST_DATA "/gps/DSCN0010.jpg", NULL);
    run_ok(&run);
    json_t *j = e2e_json(&run);
    snprintf(sha, sizeof sha, "%s", json_string_value(json_object_get(j, "sha256")));
    json_decref(j);
    cs_test_run_free(&run);

    const char *good = "{\"regions\":[{\"x\":0,\"y\":0,\"w\":64,\"h\":48,\"mode\":\"black\"}]}";
    put_spec(&a, &r, sha, a.alice, good);
    assert_problem(&r, 403, "forbidden");
    ck_assert_msg(strstr(r.body, "\"code\":\"role\"") != NULL, "%s", r.body);
    resp_free(&r);
    ck_assert_int_eq(entries(&a, "entry ->> '$.action' = 'public.spec' AND entry ->> '$.actor' = "
                                 "'alice' AND entry ->> '$.result' = 'denied'"),
                     1);
    put_spec(&a, &r, sha, a.dave,
             "{\"regions\":[{\"x\":600,\"y\":0,\"w\":64,\"h\":48,\"mode\":\"black\"}]}");
    assert_problem(&r, 400, "bad-request");
    ck_assert_msg(strstr(r.body, "regions[0].w") != NULL, "%s", r.body);
    resp_free(&r);
    put_spec(&a, &r, sha, a.dave, good);
    ck_assert_msg(r.status == 201, "%d %s", r.status, r.body);
    resp_free(&r);

    snprintf(target, sizeof target, "/v1/items/%s/public", sha);
    http(&a, &r, "GET", target, a.alice, PURPOSE, NULL, NULL);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    j = body_json(&r);
    json_t *regions =
        json_object_get(json_object_get(json_object_get(j, "spec"), "spec"), "regions");
    ck_assert_int_eq(json_array_size(regions), 1);
    ck_assert(json_is_null(json_object_get(j, "copy")));
    json_decref(j);
    resp_free(&r);

    cs_test_custody(&run, "public", "make", sha, "--as", "dave", "--home", a.t.home, NULL);
    run_ok(&run);
    cs_test_run_free(&run);
    approve(&a, &r, sha, a.dave);
    assert_problem(&r, 403, "forbidden");
    ck_assert_msg(strstr(r.body, "\"code\":\"self-approval\"") != NULL, "%s", r.body);
    ck_assert_msg(strstr(r.body, "detail_zh") != NULL, "%s", r.body);
    resp_free(&r);
    ck_assert_int_eq(entries(&a, "entry ->> '$.action' = 'public.approve' AND entry ->> '$.actor' "
                                 "= 'dave' AND entry ->> '$.code' = 'self-approval'"),
                     1);
    /* Awaiting approval: listed for a reviewer granted on the case, not for one without a
     * grant; a bad filter is 400. */
    ck_assert_int_eq(listed(&a, "?awaiting=1", a.alice), 1);
    ck_assert_int_eq(listed(&a, "?awaiting=1&case=" CASE_A_PCT, a.alice), 1);
    ck_assert_int_eq(listed(&a, "?awaiting=1", a.bob), 0);
    ck_assert_int_eq(listed(&a, "?awaiting=yes", a.alice), -1);
    approve(&a, &r, sha, fa);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    resp_free(&r);
    ck_assert_int_eq(listed(&a, "?awaiting=1", a.alice), 0);
    ck_assert_int_eq(listed(&a, "", a.alice), 1);
    ck_assert_int_ge(entries(&a, "entry ->> '$.action' = 'list' AND entry ->> '$.actor' = 'alice'"),
                     1);

    http(&a, &r, "GET", target, a.alice, PURPOSE, NULL, NULL);
    j = body_json(&r);
    ck_assert(json_is_true(json_object_get(j, "publishable")));
    char copy[65];
    snprintf(copy, sizeof copy, "%s",
             json_string_value(json_object_get(json_object_get(j, "copy"), "sha256")));
    json_decref(j);
    resp_free(&r);

    /* The copy's bytes through the gate, ledgered as a derivative's read. */
    snprintf(target, sizeof target, "/v1/items/%s/derivatives/public", sha);
    http(&a, &r, "GET", target, a.alice, PURPOSE, NULL, NULL);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    unsigned char md[32];
    unsigned int mdlen = 0;
    char hex[65];
    EVP_Digest(r.body, r.body_len, md, &mdlen, EVP_sha256(), NULL);
    for (int i = 0; i < 32; i++)
        sprintf(hex + 2 * i, "%02x", md[i]);
    ck_assert_str_eq(hex, copy);
    resp_free(&r);
    ck_assert_int_ge(entries(&a, "entry ->> '$.action' = 'get.derivative' AND entry ->> "
                                 "'$.profile' = 'public'"),
                     1);
    free(fa);
    api_teardown(&a);
}
END_TEST

static Suite *
api_public_suite(void)
{
    Suite *s = suite_create("api_public");
    TCase *tc = tcase_create("api_public");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, spec_approval_and_download_over_http);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(api_public_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
