/* tests/e2e/test_api_media_urls.c: signed media URLs over a real socket: minted only for
 * what may be read, fetched without a token, byte-exact with Range, each fetch one ledger
 * entry marked via media-url, refused once tampered with, expired, revoked, minted before a
 * restart or under a rotated token. */
#include "tests/e2e/e2e_ui.h"

#include <ftw.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- signed media URLs ---- */

/* POSTs body to /v1/media-urls as `token` with `purpose`; the answer's urls (owned). */
static json_t *
mint(api_t *a, const char *token, const char *purpose, const char *body)
{
    resp_t r;
    http(a, &r, "POST", "/v1/media-urls", token, purpose, NULL, body);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    assert_protected(&r);
    json_t *doc = body_json(&r), *urls = json_incref(json_object_get(doc, "urls"));
    json_decref(doc);
    resp_free(&r);
    return urls;
}

/* The URL of the original of a's item, minted for `token` (malloc'd). */
static char *
mint_original(api_t *a, const char *token)
{
    char body[256];
    snprintf(body, sizeof body, "{\"requests\":[{\"item\":\"%s\",\"profile\":\"original\"}]}",
             a->sha);
    json_t *urls = mint(a, token, PURPOSE, body);
    const char *url = json_string_value(json_object_get(json_array_get(urls, 0), "url"));
    ck_assert_msg(url != NULL, "no url minted");
    char *copy = strdup(url);
    json_decref(urls);
    return copy;
}

static long
via_url(api_t *a, const char *more)
{
    char q[512];
    snprintf(q, sizeof q,
             "json_extract(entry, '$.via') = 'media-url' AND json_extract(entry, '$.actor') = "
             "'alice' AND json_extract(entry, '$.purpose') = '复核' AND "
             "json_extract(entry, '$.client') = 'http:127.0.0.1'%s",
             more);
    return entries(a, q);
}

/* The error of one minted request: its status and problem type. */
static void
assert_refused(json_t *u, int status, const char *slug)
{
    char type[128];
    json_t *e = json_object_get(u, "error");
    snprintf(type, sizeof type, "https://custody.invalid/problems/%s", slug);
    ck_assert_msg(e != NULL && json_object_get(u, "url") == NULL, "not refused");
    ck_assert_int_eq(json_integer_value(json_object_get(e, "status")), status);
    ck_assert_str_eq(json_string_value(json_object_get(e, "type")), type);
    ck_assert(json_is_string(json_object_get(e, "title")));
}

START_TEST(media_urls_serve_what_may_be_read_and_each_fetch_is_ledgered)
{
    api_t a;
    resp_t r;
    char body[1024], etag[80];
    api_setup(&a);
    /* Minting decides each request now, in order; a refused one is ledgered like any denied
     * read (issue 16 case 8), an allowed one not (its fetch is). */
    long before = entries(&a, "1");
    snprintf(
        body, sizeof body,
        "{\"requests\":[{\"item\":\"%s\",\"profile\":\"original\"},"
        "{\"item\":\"%s\",\"profile\":\"preview\"},{\"item\":\"zz\",\"profile\":\"original\"},"
        "{\"item\":\"%s\",\"profile\":\"bogus\"},{\"item\":\"%064d\",\"profile\":\"original\"}]}",
        a.sha, a.sha, a.sha, 0);
    json_t *urls = mint(&a, a.alice, PURPOSE, body), *u = json_array_get(urls, 0);
    ck_assert_int_eq(json_array_size(urls), 5);
    ck_assert_str_eq(json_string_value(json_object_get(u, "item")), a.sha);
    ck_assert_str_eq(json_string_value(json_object_get(u, "profile")), "original");
    ck_assert(strncmp(json_string_value(json_object_get(u, "url")), "/media/", 7) == 0);
    const char *exp = json_string_value(json_object_get(u, "expires_at"));
    ck_assert_msg(exp != NULL && strlen(exp) == 20 && exp[10] == 'T' && exp[19] == 'Z', "%s", exp);
    char *url = strdup(json_string_value(json_object_get(u, "url")));
    assert_refused(json_array_get(urls, 1), 404, "not-found"); /* no verified preview */
    assert_refused(json_array_get(urls, 2), 400, "bad-request");
    assert_refused(json_array_get(urls, 3), 404, "not-found");
    /* An item that is not there: as refused as one not granted, telling nothing. */
    assert_refused(json_array_get(urls, 4), 403, "forbidden");
    ck_assert_ptr_null(strstr(json_string_value(json_object_get(
                                  json_object_get(json_array_get(urls, 4), "error"), "detail")),
                              "/"));
    json_decref(urls);
    ck_assert_int_eq(entries(&a, "1"), before + 2);
    ck_assert_int_eq(entries(&a, "json_extract(entry, '$.action') = 'mint' AND "
                                 "json_extract(entry, '$.result') = 'denied' AND "
                                 "json_extract(entry, '$.actor') = 'alice'"),
                     2);
    before = entries(&a, "1");
    /* bob has no grant: refused per request, as a download would be. */
    snprintf(body, sizeof body, "{\"requests\":[{\"item\":\"%s\",\"profile\":\"original\"}]}",
             a.sha);
    urls = mint(&a, a.bob, PURPOSE, body);
    assert_refused(json_array_get(urls, 0), 403, "forbidden");
    ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(
                                     json_object_get(json_array_get(urls, 0), "error"), "detail")),
                                 "no live grant"));
    json_decref(urls);
    before++; /* bob's refusal is ledgered */
    /* A purpose, a token and a well-formed body of 1..200 requests are required. */
    refused_with(&a, "POST", "/v1/media-urls", a.alice, NULL, body, 400, "no-purpose");
    refused_with(&a, "POST", "/v1/media-urls", NULL, PURPOSE, body, 401, "unauthorized");
    static const char *const bad[] = {"{", "{\"requests\":[]}", "{\"requests\":{}}",
                                      "{\"requests\":[],\"x\":1}", "[]"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        refused_with(&a, "POST", "/v1/media-urls", a.alice, PURPOSE, bad[i], 400, "bad-request");
    }
    /* 201 requests: refused as a whole before any is looked at. */
    char many[16 + 201 * 3];
    size_t n = (size_t)sprintf(many, "{\"requests\":[");
    for (int i = 0; i < 201; i++)
        n += (size_t)sprintf(many + n, "%s{}", i ? "," : "");
    sprintf(many + n, "]}");
    refused_with(&a, "POST", "/v1/media-urls", a.alice, PURPOSE, many, 400, "bad-request");
    ck_assert_int_eq(entries(&a, "1"), before);
    /* The URL needs no token: the bytes, exactly, and one ledger entry for the fetch. */
    http(&a, &r, "GET", url, NULL, NULL, NULL, NULL);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    ck_assert_int_eq(r.body_len, SIZE);
    ck_assert(memcmp(r.body, a.data, SIZE) == 0);
    snprintf(etag, sizeof etag, "\"%s\"", a.sha);
    ck_assert_str_eq(header(&r, "etag"), etag);
    ck_assert_str_eq(header(&r, "accept-ranges"), "bytes");
    ck_assert_str_eq(header(&r, "cache-control"), "no-store");
    assert_protected(&r);
    resp_free(&r);
    ck_assert_int_eq(entries(&a, "1"), before + 1);
    ck_assert_int_eq(via_url(&a, " AND json_extract(entry, '$.action') = 'get.original' AND "
                                 "json_extract(entry, '$.result') = 'allowed' AND "
                                 "json_extract(entry, '$.bytes') = 300000"),
                     1);
    /* A Range: 206 with those bytes, and its own entry with the range. */
    http(&a, &r, "GET", url, NULL, NULL, "bytes=100-199", NULL);
    ck_assert_msg(r.status == 206, "%d %s", r.status, r.body);
    ck_assert_int_eq(r.body_len, 100);
    ck_assert(memcmp(r.body, a.data + 100, 100) == 0);
    ck_assert_str_eq(header(&r, "content-range"), "bytes 100-199/300000");
    resp_free(&r);
    ck_assert_int_eq(entries(&a, "1"), before + 2);
    ck_assert_int_eq(via_url(&a, " AND json_extract(entry, '$.range') = '100-199/300000'"), 1);
    /* Tampered with anywhere: refused, nothing served, nothing ledgered. */
    char *bad_url = strdup(url);
    char *dot = strchr(bad_url, '.');
    static const size_t at[] = {8, 20};
    for (size_t i = 0; i < 3; i++) {
        char *p = i < 2 ? bad_url + at[i] : dot + 3;
        char was = *p;
        *p = *p == 'A' ? 'B' : 'A';
        refused_with(&a, "GET", bad_url, NULL, NULL, NULL, 403, "media-url-invalid");
        *p = was;
    }
    free(bad_url);
    refused_with(&a, "GET", "/media/not-a-token", NULL, NULL, NULL, 403, "media-url-invalid");
    ck_assert_int_eq(entries(&a, "1"), before + 2);
    /* The grant revoked: the URL, not expired, is refused, and the refusal is on record. */
    cs_run_t run;
    char grant[32];
    snprintf(grant, sizeof grant, "%ld",
             cs_test_sql_count(a.t.db, "SELECT id FROM grants WHERE revoked_at IS NULL"));
    cs_test_custody(&run, "revoke", grant, "--home", a.t.home, "--reason", "review over", NULL);
    run_ok(&run);
    cs_test_run_free(&run);
    refused_with(&a, "GET", url, NULL, NULL, NULL, 403, "forbidden");
    ck_assert_int_eq(via_url(&a, " AND json_extract(entry, '$.result') = 'denied' AND "
                                 "json_extract(entry, '$.bytes') = 0"),
                     1);
    free(url);
    api_teardown(&a);
}
END_TEST

START_TEST(media_urls_expire_and_end_with_a_restart)
{
    static const char *const ttl[] = {"api.media_url_ttl_s=10", NULL};
    api_t a;
    resp_t r;
    cs_run_t run;
    /* The key's bounds: 10..86400 seconds. */
    e2e_t other;
    e2e_setup(&other);
    cs_test_custody(&run, "serve", "--home", other.home, "--set", "api.media_url_ttl_s=5", NULL);
    ck_assert_int_ne(run.status, 0);
    ck_assert_msg(strstr(run.err, "api.media_url_ttl_s") != NULL, "%s", run.err);
    cs_test_run_free(&run);
    e2e_teardown(&other);
    api_setup_with(&a, ttl);
    http(&a, &r, "GET", "/v1/me", a.alice, NULL, NULL, NULL);
    json_t *me = body_json(&r);
    ck_assert_int_eq(json_integer_value(json_object_get(me, "media_url_ttl_s")), 10);
    json_decref(me);
    resp_free(&r);
    char *url = mint_original(&a, a.alice);
    http(&a, &r, "GET", url, NULL, NULL, "bytes=0-9", NULL);
    ck_assert_int_eq(r.status, 206);
    resp_free(&r);
    sleep(11);
    long before = entries(&a, "1");
    http(&a, &r, "GET", url, NULL, NULL, "bytes=0-9", NULL);
    assert_problem(&r, 403, "media-url-expired");
    resp_free(&r);
    ck_assert_int_eq(entries(&a, "1"), before);
    free(url);
    /* A restart makes a new key: a URL minted before it is no longer this service's. */
    url = mint_original(&a, a.alice);
    ck_assert_int_eq(cs_test_stop(a.pid, SIGTERM), 0);
    unlink(a.log); /* the new start's port is the one logged */
    api_start_with(&a, ttl);
    refused_with(&a, "GET", url, NULL, NULL, NULL, 403, "media-url-invalid");
    free(url);
    /* A rotated token ends the URLs minted under it (issue 16 case 12). */
    url = mint_original(&a, a.alice);
    http(&a, &r, "GET", url, NULL, NULL, "bytes=0-9", NULL);
    ck_assert_int_eq(r.status, 206);
    resp_free(&r);
    cs_test_custody(&run, "user", "rotate", "alice", "--home", a.t.home, NULL);
    run_ok(&run);
    cs_test_run_free(&run);
    refused_with(&a, "GET", url, NULL, NULL, NULL, 403, "media-url-invalid");
    free(url);
    api_teardown(&a);
}
END_TEST

static Suite *
media_urls_suite(void)
{
    Suite *s = suite_create("e2e_api_media_urls");
    TCase *tc = tcase_create("media_urls");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, media_urls_serve_what_may_be_read_and_each_fetch_is_ledgered);
    tcase_add_test(tc, media_urls_expire_and_end_with_a_restart);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(media_urls_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
