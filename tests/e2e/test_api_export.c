/* tests/e2e/test_api_export.c: POST /v1/cases/{case}/exports: a granted reviewer gets a
 * BagIt tar that `custody verify-bag` accepts with no home, the export ledgered with its
 * purpose and HTTP client, no temporary tar left behind; auditors, users with nothing to read
 * and requests without a purpose are refused (and ledgered); an unknown case is refused like
 * a case not granted (403), telling nothing of what exists. */
#include "tests/e2e/e2e_api.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXPORTS "/v1/cases/" CASE_A_PCT "/exports"
/* CASE_A as normalised (〔〕), percent-encoded as RFC 8187 asks. */
#define CASE_A_8187 "%E4%BB%BB%E6%B0%B4%E7%BD%9A%E3%80%942023%E3%80%9512%E5%8F%B7"

/* Entries in <home>/tmp/exports (the temporary tars and their folders). */
static long
leftovers(api_t *a)
{
    char path[PATH_MAX];
    long n = 0;
    struct dirent *e;
    snprintf(path, sizeof path, "%s/tmp/exports", a->t.home);
    DIR *d = opendir(path);
    while (d != NULL && (e = readdir(d)) != NULL)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    if (d != NULL)
        closedir(d);
    return n;
}

/* Writes the body to <scratch>/name and runs verify-bag on it with no home; its status. */
static int
verify_body(api_t *a, resp_t *r, const char *name, char **out)
{
    char path[PATH_MAX];
    cs_run_t run;
    snprintf(path, sizeof path, "%s/%s", a->t.dir, name);
    cs_test_write(path, r->body, r->body_len);
    cs_test_custody(&run, "verify-bag", path, "--home", "/nonexistent/home", NULL);
    int status = run.status;
    *out = strdup(run.out);
    cs_test_run_free(&run);
    return status;
}

START_TEST(a_granted_reviewer_gets_a_tar_that_verifies_offline)
{
    api_t a;
    resp_t r;
    char *out = NULL, want[128];
    api_setup(&a);
    http(&a, &r, "POST", EXPORTS, a.alice, PURPOSE, NULL,
         "{\"profiles\":[\"archival\",\"access\"]}");
    ck_assert_msg(r.status == 200, "%d %.400s", r.status, r.body);
    ck_assert_str_eq(header(&r, "content-type"), "application/x-tar");
    ck_assert_str_eq(header(&r, "content-disposition"),
                     "attachment; filename=\"____2023_12_.tar\"; filename*=UTF-8''" CASE_A_8187
                     ".tar");
    ck_assert_int_eq(strtoll(header(&r, "content-length"), NULL, 10), (long long)r.body_len);
    ck_assert_ptr_null(header(&r, "accept-ranges"));
    ck_assert_int_gt(r.body_len, SIZE);
    snprintf(want, sizeof want, "data/originals/%s.", a.sha);
    ck_assert_ptr_nonnull(memmem(r.body, r.body_len, want, strlen(want)));
    ck_assert_ptr_nonnull(memmem(r.body, r.body_len, a.data, SIZE)); /* the original, whole */
    ck_assert_msg(verify_body(&a, &r, "alice.tar", &out) == 0, "verify-bag: %s", out);
    free(out);
    resp_free(&r);
    /* On record, before a byte: who, why, from where, what was taken. */
    ck_assert_int_eq(entries(&a, "json_extract(entry, '$.action') = 'export' AND "
                                 "json_extract(entry, '$.actor') = 'alice' AND "
                                 "json_extract(entry, '$.result') = 'allowed' AND "
                                 "json_extract(entry, '$.case') = '" CASE_A "' AND "
                                 "json_extract(entry, '$.purpose') = '复核' AND "
                                 "json_extract(entry, '$.client') = 'http:127.0.0.1' AND "
                                 "json_extract(entry, '$.items') = 1 AND "
                                 "json_extract(entry, '$.profiles') = 'archival,access'"),
                     1);
    ck_assert_int_eq(leftovers(&a), 0);
    /* Without the header, the body's purpose is the purpose; no body profiles: originals only. */
    http(&a, &r, "POST", EXPORTS, a.alice, NULL, NULL, "{\"purpose\":\"legal review\"}");
    ck_assert_msg(r.status == 200, "%d %.400s", r.status, r.body);
    ck_assert_msg(verify_body(&a, &r, "alice2.tar", &out) == 0, "verify-bag: %s", out);
    free(out);
    resp_free(&r);
    ck_assert_int_eq(entries(&a, "json_extract(entry, '$.action') = 'export' AND "
                                 "json_extract(entry, '$.purpose') = 'legal review' AND "
                                 "json_extract(entry, '$.profiles') IS NULL"),
                     1);
    ck_assert_int_eq(leftovers(&a), 0);
    api_teardown(&a);
}
END_TEST

START_TEST(refusals_are_problems_and_ledgered)
{
    api_t a;
    resp_t r;
    api_setup(&a);
    /* An auditor never takes media out; a reviewer without a grant may read nothing. */
    http(&a, &r, "POST", EXPORTS, a.carol, PURPOSE, NULL, NULL);
    assert_problem(&r, 403, "forbidden");
    ck_assert_ptr_nonnull(strstr(r.body, "never media bytes"));
    ck_assert_ptr_nonnull(strstr(r.body, "ledger entry"));
    resp_free(&r);
    http(&a, &r, "POST", EXPORTS, a.bob, PURPOSE, NULL, NULL);
    assert_problem(&r, 403, "forbidden");
    ck_assert_ptr_nonnull(strstr(r.body, "no live grant"));
    resp_free(&r);
    /* No purpose (or one that is not percent-encoded UTF-8): 400. */
    http(&a, &r, "POST", EXPORTS, a.alice, NULL, NULL, NULL);
    assert_problem(&r, 400, "no-purpose");
    resp_free(&r);
    http(&a, &r, "POST", EXPORTS, a.alice, "%ZZ", NULL, "{}");
    assert_problem(&r, 400, "no-purpose");
    resp_free(&r);
    ck_assert_int_eq(entries(&a, "json_extract(entry, '$.action') = 'export' AND "
                                 "json_extract(entry, '$.result') = 'denied' AND "
                                 "json_extract(entry, '$.client') = 'http:127.0.0.1'"),
                     4);
    ck_assert_int_eq(entries(&a, "json_extract(entry, '$.action') = 'export' AND "
                                 "json_extract(entry, '$.result') = 'allowed'"),
                     0);
    /* Unknown case 403 (as one not granted); a body that is not the schema 400; another method
     * 405; no token 401. */
    http(&a, &r, "POST", "/v1/cases/%E4%BB%BB%E6%B0%B4%E7%BD%9A%5B2023%5D99%E5%8F%B7/exports",
         a.alice, PURPOSE, NULL, NULL);
    assert_problem(&r, 403, "forbidden");
    resp_free(&r);
    http(&a, &r, "POST", EXPORTS, a.alice, PURPOSE, NULL, "{\"profiles\":[\"raw\"]}");
    assert_problem(&r, 400, "bad-request");
    resp_free(&r);
    http(&a, &r, "POST", EXPORTS, a.alice, PURPOSE, NULL, "[1]");
    assert_problem(&r, 400, "bad-request");
    resp_free(&r);
    http(&a, &r, "GET", EXPORTS, a.alice, PURPOSE, NULL, NULL);
    assert_problem(&r, 405, "method-not-allowed");
    resp_free(&r);
    http(&a, &r, "POST", EXPORTS, NULL, PURPOSE, NULL, NULL);
    assert_problem(&r, 401, "unauthorized");
    resp_free(&r);
    ck_assert_int_eq(leftovers(&a), 0);
    api_teardown(&a);
}
END_TEST

static Suite *
suite(void)
{
    Suite *s = suite_create("api_export");
    TCase *tc = tcase_create("api_export");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, a_granted_reviewer_gets_a_tar_that_verifies_offline);
    tcase_add_test(tc, refusals_are_problems_and_ledgered);
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
