/* tests/e2e/e2e_ui.c: what the tests of the web interface's routes share (e2e_ui.h). */
#include "tests/e2e/e2e_ui.h"

#include <check.h>
#include <jansson.h>

#define CSP                                                                                        \
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "        \
    "media-src 'self' blob:; connect-src 'self'; font-src 'self'; manifest-src 'self'; "           \
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

/* The security headers every answer carries. */
void
assert_protected(resp_t *r)
{
    ck_assert_msg(header(r, "content-security-policy") != NULL, "no CSP: %.300s", r->raw);
    ck_assert_str_eq(header(r, "content-security-policy"), CSP);
    ck_assert_str_eq(header(r, "x-content-type-options"), "nosniff");
    ck_assert_str_eq(header(r, "referrer-policy"), "no-referrer");
    ck_assert_str_eq(header(r, "x-frame-options"), "DENY");
}

/* The request is refused with problem `slug` (and `status`), with the security headers. */
void
refused_with(api_t *a, const char *method, const char *target, const char *token,
             const char *purpose, const char *body, int status, const char *slug)
{
    resp_t r;
    http(a, &r, method, target, token, purpose, NULL, body);
    assert_problem(&r, status, slug);
    assert_protected(&r);
    resp_free(&r);
}

/* GET target as token (no purpose): 200, and the length of the array `key` of its JSON. */
size_t
count_at(api_t *a, const char *target, const char *token, const char *key)
{
    resp_t r;
    http(a, &r, "GET", target, token, NULL, NULL, NULL);
    ck_assert_msg(r.status == 200, "%s: %d %s", target, r.status, r.body);
    json_t *doc = body_json(&r);
    size_t n = json_array_size(json_object_get(doc, key));
    json_decref(doc);
    resp_free(&r);
    return n;
}
