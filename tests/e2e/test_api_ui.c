/* tests/e2e/test_api_ui.c: what the web interface needs of `custody serve`, over a real
 * socket: the page and its files built into the binary (byte-exact with web/, ETag and 304,
 * no way out of web/), the security headers on every answer, /v1/me, signed media URLs
 * (minted only for what may be read, fetched without a token, byte-exact with Range, each
 * fetch one ledger entry marked via media-url, refused once tampered with, expired, revoked
 * or minted before a restart), the clerk's queue and unassigned items, the ledger filtered and
 * raw (leaf hashes recomputed here) and the ledger's public key. */
#include "tests/e2e/e2e_api.h"

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

#define CSP                                                                                        \
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "        \
    "media-src 'self' blob:; connect-src 'self'; font-src 'self'; manifest-src 'self'; "           \
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

/* The security headers every answer carries. */
static void
assert_protected(resp_t *r)
{
    ck_assert_msg(header(r, "content-security-policy") != NULL, "no CSP: %.300s", r->raw);
    ck_assert_str_eq(header(r, "content-security-policy"), CSP);
    ck_assert_str_eq(header(r, "x-content-type-options"), "nosniff");
    ck_assert_str_eq(header(r, "referrer-policy"), "no-referrer");
    ck_assert_str_eq(header(r, "x-frame-options"), "DENY");
}

/* The request is refused with problem `slug` (and `status`), with the security headers. */
static void
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
static size_t
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

static void
sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char md[32];
    unsigned int n = 0;
    EVP_Digest(data, len, md, &n, EVP_sha256(), NULL);
    for (int i = 0; i < 32; i++)
        sprintf(out + 2 * i, "%02x", md[i]);
}

/* ---- the page and its files ---- */

#define MAX_FILES 512

static struct {
    size_t root_len;
    size_t n;
    char *rel[MAX_FILES];
} walk;

/* The files cmake/embed.cmake builds in: not *.md, nothing hidden, nothing in node_modules. */
static int
on_file(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    const char *rel = path + walk.root_len + 1;
    size_t n = strlen(rel);
    (void)st;
    (void)ftw;
    if (flag != FTW_F || (n > 3 && strcasecmp(rel + n - 3, ".md") == 0) || rel[0] == '.' ||
        strstr(rel, "/.") != NULL || strncmp(rel, "node_modules/", 13) == 0 ||
        strstr(rel, "/node_modules/") != NULL)
        return 0;
    ck_assert_uint_lt(walk.n, MAX_FILES);
    walk.rel[walk.n++] = strdup(rel);
    return 0;
}

static const char *
type_of(const char *rel)
{
    static const struct {
        const char *ext, *type;
    } types[] = {
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".json", "application/json"},
        {".woff2", "font/woff2"},
    };
    size_t n = strlen(rel);
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        size_t k = strlen(types[i].ext);
        if (n > k && strcmp(rel + n - k, types[i].ext) == 0)
            return types[i].type;
    }
    return NULL;
}

/* "/ui/" and rel, percent-encoded but for its '/'. */
static void
ui_target(const char *rel, char *out, size_t cap)
{
    size_t o = (size_t)snprintf(out, cap, "/ui/");
    for (const unsigned char *p = (const unsigned char *)rel; *p && o + 4 < cap; p++)
        o += (size_t)(strchr("-._~/", *p) || (*p >= '0' && *p <= '9') ||
                              ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z')
                          ? snprintf(out + o, cap - o, "%c", *p)
                          : snprintf(out + o, cap - o, "%%%02X", *p));
}

/* The answer is web/<rel>, byte for byte, with its type and ETag; returns the ETag (malloc'd). */
static char *
assert_file(resp_t *r, const char *rel)
{
    char path[PATH_MAX], sum[65], etag[80];
    size_t len = 0;
    snprintf(path, sizeof path, "%s/%s", CUSTODY_WEB_DIR, rel);
    char *want = cs_test_read(path, &len);
    ck_assert_msg(r->status == 200, "%s: %d %.200s", rel, r->status, r->body);
    ck_assert_msg(r->body_len == len && memcmp(r->body, want, len) == 0, "%s: not its bytes", rel);
    sha256_hex(want, len, sum);
    snprintf(etag, sizeof etag, "\"%s\"", sum);
    ck_assert_str_eq(header(r, "etag"), etag);
    ck_assert_str_eq(header(r, "cache-control"), "no-cache");
    if (type_of(rel) != NULL)
        ck_assert_str_eq(header(r, "content-type"), type_of(rel));
    assert_protected(r);
    free(want);
    return strdup(etag);
}

START_TEST(the_page_and_its_files_are_built_in_with_security_headers)
{
    api_t a;
    resp_t r;
    char target[PATH_MAX], inm[128];
    api_setup(&a);
    /* / is web/index.html. */
    http(&a, &r, "GET", "/", NULL, NULL, NULL, NULL);
    char *etag = assert_file(&r, "index.html");
    ck_assert_ptr_nonnull(strstr(r.body, "<"));
    resp_free(&r);
    /* Every file of web/ at /ui/<path>, nested ones too. */
    walk.root_len = strlen(CUSTODY_WEB_DIR);
    walk.n = 0;
    ck_assert_int_eq(nftw(CUSTODY_WEB_DIR, on_file, 16, FTW_PHYS), 0);
    ck_assert_uint_ge(walk.n, 1);
    for (size_t i = 0; i < walk.n; i++) {
        ui_target(walk.rel[i], target, sizeof target);
        http(&a, &r, "GET", target, NULL, NULL, NULL, NULL);
        free(assert_file(&r, walk.rel[i]));
        resp_free(&r);
        free(walk.rel[i]);
    }
    /* The ETag held: 304 without a body (weak comparison too); another one: the file. */
    const char *const held[][2] = {{inm, NULL}};
    snprintf(inm, sizeof inm, "If-None-Match: \"0000\", %s", etag);
    http_h(&a, &r, "GET", "/", NULL, NULL, NULL, NULL, held[0]);
    ck_assert_int_eq(r.status, 304);
    ck_assert_uint_eq(r.body_len, 0);
    ck_assert_str_eq(header(&r, "etag"), etag);
    assert_protected(&r);
    resp_free(&r);
    snprintf(inm, sizeof inm, "If-None-Match: W/%s", etag);
    http_h(&a, &r, "GET", "/ui/index.html", NULL, NULL, NULL, NULL, held[0]);
    ck_assert_int_eq(r.status, 304);
    resp_free(&r);
    snprintf(inm, sizeof inm, "If-None-Match: \"%064d\"", 0);
    http_h(&a, &r, "GET", "/", NULL, NULL, NULL, NULL, held[0]);
    ck_assert_int_eq(r.status, 200);
    resp_free(&r);
    free(etag);
    /* Nothing else: no file, no way out of web/, no hidden files, no empty segments. */
    static const char *const refused[] = {
        "/ui/no-such-file.js", "/ui/../index.html", "/ui/%2e%2e/index.html",
        "/ui/js/../../x",      "/ui/.hidden",       "/ui/js//main.js",
        "/ui/%2Fetc/passwd",   "/ui/index.html%00", "/ui/README.md",
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        http(&a, &r, "GET", refused[i], NULL, NULL, NULL, NULL);
        ck_assert_msg(r.status == 404 || r.status == 400, "%s: %d", refused[i], r.status);
        ck_assert_str_eq(header(&r, "content-type"), "application/problem+json");
        assert_protected(&r);
        resp_free(&r);
    }
    refused_with(&a, "GET", "/ui/no-such-file.js", NULL, NULL, NULL, 404, "not-found");
    /* API answers and problems carry the headers too, and are never stored. */
    http(&a, &r, "GET", "/v1/nothing", NULL, NULL, NULL, NULL);
    assert_problem(&r, 404, "not-found");
    assert_protected(&r);
    ck_assert_str_eq(header(&r, "cache-control"), "no-store");
    resp_free(&r);
    /* /v1/me: who the token is, with the live grants. */
    http(&a, &r, "GET", "/v1/me", a.alice, NULL, NULL, NULL);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    assert_protected(&r);
    ck_assert_str_eq(header(&r, "cache-control"), "no-store");
    json_t *me = body_json(&r), *g = json_array_get(json_object_get(me, "grants"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(me, "name")), "alice");
    ck_assert_str_eq(json_string_value(json_object_get(me, "role")), "reviewer");
    ck_assert_int_eq(json_array_size(json_object_get(me, "grants")), 1);
    ck_assert_str_eq(json_string_value(json_object_get(g, "case")), CASE_A);
    ck_assert_str_eq(json_string_value(json_object_get(g, "purpose")), "legal review");
    ck_assert(json_is_integer(json_object_get(g, "id")));
    ck_assert(json_is_null(json_object_get(g, "party")) &&
              json_is_null(json_object_get(g, "until")));
    json_decref(me);
    resp_free(&r);
    ck_assert_uint_eq(count_at(&a, "/v1/me", a.bob, "grants"), 0);
    refused_with(&a, "GET", "/v1/me", NULL, NULL, NULL, 401, "unauthorized");
    /* The ledger's public key, for any user: the home's ledger.pub. */
    char pub_path[PATH_MAX], id[65], name[64];
    unsigned char raw[32], got[48];
    size_t raw_len = sizeof raw, pem_len = 0;
    snprintf(pub_path, sizeof pub_path, "%s/ledger.pub", a.t.home);
    char *pem = cs_test_read(pub_path, &pem_len);
    FILE *f = fopen(pub_path, "r");
    EVP_PKEY *pkey = PEM_read_PUBKEY(f, NULL, NULL, NULL);
    fclose(f);
    ck_assert(pkey != NULL && EVP_PKEY_get_raw_public_key(pkey, raw, &raw_len) == 1);
    EVP_PKEY_free(pkey);
    sha256_hex(raw, 32, id);
    snprintf(name, sizeof name, "custody/%.16s", id);
    http(&a, &r, "GET", "/v1/ledger/key", a.bob, NULL, NULL, NULL);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    json_t *key = body_json(&r);
    const char *b64 = json_string_value(json_object_get(key, "public_key"));
    ck_assert_int_eq(strlen(b64), 44);
    ck_assert_int_eq(EVP_DecodeBlock(got, (const unsigned char *)b64, 44), 33);
    ck_assert(memcmp(got, raw, 32) == 0);
    ck_assert_str_eq(json_string_value(json_object_get(key, "key_id")), id);
    ck_assert_str_eq(json_string_value(json_object_get(key, "name")), name);
    ck_assert_str_eq(json_string_value(json_object_get(key, "pem")), pem);
    json_decref(key);
    free(pem);
    resp_free(&r);
    api_teardown(&a);
}
END_TEST

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

/* ---- the clerk's views ---- */

/* Drops `content` at <home>/uploads/<rel> as an uploader would (written, then renamed). */
static void
drop(api_t *a, const char *rel, const char *content)
{
    char path[PATH_MAX], part[PATH_MAX + 8];
    snprintf(path, sizeof path, "%s/uploads/%s", a->t.home, rel);
    snprintf(part, sizeof part, "%s.part", path);
    cs_test_write(part, content, strlen(content));
    ck_assert_int_eq(rename(part, path), 0);
}

/* The member of `list` whose `key` ends with `suffix`, or NULL. */
static json_t *
find_by(json_t *list, const char *key, const char *suffix)
{
    size_t i, n = strlen(suffix);
    json_t *v;
    json_array_foreach(list, i, v)
    {
        const char *s = json_string_value(json_object_get(v, key));
        if (s != NULL && strlen(s) >= n && strcmp(s + strlen(s) - n, suffix) == 0)
            return v;
    }
    return NULL;
}

START_TEST(clerks_watch_the_queue_and_assign_unassigned_items)
{
    api_t a;
    resp_t r;
    char loose[65], url[256], dir[PATH_MAX];
    api_setup(&a);
    /* One file outside any case folder, one empty file in a case folder. */
    drop(&a, "loose.txt", "an unassigned note");
    snprintf(dir, sizeof dir, "%s/uploads/" CASE_A, a.t.home);
    ck_assert_int_eq(mkdir(dir, 0755), 0);
    drop(&a, CASE_A "/empty.bin", "");
    e2e_sha256("an unassigned note", loose);
    char q[256];
    snprintf(q, sizeof q, "SELECT count(*) FROM items WHERE sha256 = '%s'", loose);
    ck_assert_int_eq(cs_test_wait_count(a.t.db, q, 1, 20000), 1);
    ck_assert_int_eq(
        cs_test_wait_count(a.t.db, "SELECT count(*) FROM jobs WHERE state = 'rejected'", 1, 20000),
        1);
    /* The queue: counts per state, jobs, rejections and flags with their reasons. */
    http(&a, &r, "GET", "/v1/jobs?limit=50", a.dave, NULL, NULL, NULL);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    assert_protected(&r);
    ck_assert_str_eq(header(&r, "cache-control"), "no-store");
    json_t *queue = body_json(&r);
    json_t *counts = json_object_get(queue, "counts");
    ck_assert_int_ge(json_integer_value(json_object_get(counts, "done")), 1);
    ck_assert_int_eq(json_integer_value(json_object_get(counts, "rejected")), 1);
    ck_assert(json_is_integer(json_object_get(counts, "discovered")));
    json_t *job = find_by(json_object_get(queue, "jobs"), "path", "loose.txt");
    ck_assert_ptr_nonnull(job);
    ck_assert_str_eq(json_string_value(json_object_get(job, "state")), "done");
    ck_assert(json_is_integer(json_object_get(job, "id")));
    ck_assert(json_is_string(json_object_get(job, "updated_at")));
    json_t *rej = find_by(json_object_get(queue, "rejected"), "path", "empty.bin");
    ck_assert_ptr_nonnull(rej);
    ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(rej, "reason")), "empty"));
    json_t *flag = find_by(json_object_get(queue, "flagged"), "path", "loose.txt");
    ck_assert_ptr_nonnull(flag);
    ck_assert_str_eq(json_string_value(json_object_get(flag, "kind")), "route");
    ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(flag, "reason")), "unassigned"));
    json_decref(queue);
    resp_free(&r);
    http(&a, &r, "GET", "/v1/jobs", a.carol, NULL, NULL, NULL);
    ck_assert_int_eq(r.status, 200);
    resp_free(&r);
    refused_with(&a, "GET", "/v1/jobs", a.alice, NULL, NULL, 403, "forbidden");
    refused_with(&a, "GET", "/v1/jobs?limit=0", a.dave, NULL, NULL, 400, "bad-request");
    /* Unassigned items: a read of items, so stated and ledgered; reviewers not at all. */
    long lists = entries(&a, "json_extract(entry, '$.action') = 'list' AND "
                             "json_extract(entry, '$.actor') = 'dave'");
    http(&a, &r, "GET", "/v1/unassigned?limit=10", a.dave, PURPOSE, NULL, NULL);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    json_t *items = body_json(&r), *it = find_by(items, "sha256", loose);
    ck_assert_ptr_nonnull(it);
    ck_assert_str_eq(json_string_value(json_object_get(it, "original_name")), "loose.txt");
    ck_assert_int_eq(json_integer_value(json_object_get(it, "size")), 18);
    ck_assert(json_is_string(json_object_get(it, "media_type")));
    ck_assert(json_is_string(json_object_get(it, "received_at")));
    ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(it, "reason")), "case folder"));
    ck_assert_ptr_null(find_by(items, "sha256", a.sha)); /* in a case */
    json_decref(items);
    resp_free(&r);
    ck_assert_int_eq(entries(&a, "json_extract(entry, '$.action') = 'list' AND "
                                 "json_extract(entry, '$.actor') = 'dave'"),
                     lists + 1);
    refused_with(&a, "GET", "/v1/unassigned", a.dave, NULL, NULL, 400, "no-purpose");
    refused_with(&a, "GET", "/v1/unassigned", a.bob, PURPOSE, NULL, 403, "forbidden");
    /* Linked to a case, it is no longer unassigned; the case's items show it for a timeline. */
    snprintf(url, sizeof url, "/v1/items/%s/links", loose);
    http(&a, &r, "POST", url, a.dave, NULL, NULL,
         "{\"case\":\"" CASE_A "\",\"party\":\"某公司\",\"reason\":\"belongs here\"}");
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    resp_free(&r);
    http(&a, &r, "GET", "/v1/unassigned", a.dave, PURPOSE, NULL, NULL);
    items = body_json(&r);
    ck_assert_ptr_null(find_by(items, "sha256", loose));
    json_decref(items);
    resp_free(&r);
    http(&a, &r, "GET", "/v1/cases/" CASE_A_PCT "/items", a.alice, PURPOSE, NULL, NULL);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    items = body_json(&r);
    ck_assert_int_eq(json_array_size(items), 2);
    it = find_by(items, "sha256", a.sha);
    ck_assert_ptr_nonnull(it);
    static const char *const keys[] = {
        "sha256", "media_type",   "size",  "original_name", "captured_at", "captured_at_source",
        "offset", "offset_known", "party", "stage",         "officer",     "note",
        "place",  "device",       "gps",   "derivatives",   "linked_at",   "received_at"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        ck_assert_msg(json_object_get(it, keys[i]) != NULL, "no \"%s\"", keys[i]);
    ck_assert(json_is_object(json_object_get(it, "derivatives")));
    ck_assert_str_eq(json_string_value(json_object_get(it, "party")), "某公司");
    ck_assert_str_eq(json_string_value(json_object_get(it, "original_name")), "clip.bin");
    json_decref(items);
    resp_free(&r);
    api_teardown(&a);
}
END_TEST

/* ---- the ledger for the auditor ---- */

/* The ledger entry `seq` as stored (malloc'd). */
static char *
stored_entry(api_t *a, long seq)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    char *text = NULL;
    ck_assert_int_eq(sqlite3_open_v2(a->t.db, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    ck_assert_int_eq(
        sqlite3_prepare_v2(db, "SELECT entry FROM ledger WHERE seq = ?1", -1, &st, NULL),
        SQLITE_OK);
    sqlite3_bind_int64(st, 1, seq);
    if (sqlite3_step(st) == SQLITE_ROW)
        text = strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return text;
}

START_TEST(the_ledger_filters_and_gives_the_exact_bytes_to_hash)
{
    api_t a;
    resp_t r;
    char item[256], q[512];
    size_t i;
    json_t *e;
    api_setup(&a);
    path_of(&a, item, sizeof item, "");
    for (int k = 0; k < 3; k++) { /* bob denied three times, alice allowed once */
        refused_with(&a, "GET", item, a.bob, PURPOSE, NULL, 403, "forbidden");
    }
    http(&a, &r, "GET", item, a.alice, PURPOSE, NULL, NULL);
    ck_assert_int_eq(r.status, 200);
    resp_free(&r);
    /* actor and result, combined: exactly bob's denials. */
    http(&a, &r, "GET", "/v1/ledger?actor=bob&result=denied", a.carol, NULL, NULL, NULL);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    json_t *led = body_json(&r), *list = json_object_get(led, "entries");
    ck_assert_int_eq(json_array_size(list), 3);
    json_array_foreach(list, i, e)
    {
        ck_assert_str_eq(json_string_value(json_object_get(e, "actor")), "bob");
        ck_assert_str_eq(json_string_value(json_object_get(e, "result")), "denied");
        ck_assert_str_eq(json_string_value(json_object_get(e, "purpose")), "复核");
    }
    long size = json_integer_value(json_object_get(led, "size"));
    ck_assert_int_eq(size, entries(&a, "1"));
    ck_assert_int_eq(json_integer_value(json_object_get(led, "next")), size);
    json_decref(led);
    resp_free(&r);
    /* Newest first, paged: seq descending, next the one before the page. */
    http(&a, &r, "GET", "/v1/ledger?actor=bob&order=desc&limit=2", a.carol, NULL, NULL, NULL);
    led = body_json(&r);
    list = json_object_get(led, "entries");
    ck_assert_int_eq(json_array_size(list), 2);
    long s0 = json_integer_value(json_object_get(json_array_get(list, 0), "seq"));
    long s1 = json_integer_value(json_object_get(json_array_get(list, 1), "seq"));
    ck_assert_int_gt(s0, s1);
    ck_assert_int_eq(json_integer_value(json_object_get(led, "next")), s1 - 1);
    snprintf(q, sizeof q, "/v1/ledger?actor=bob&order=desc&limit=2&since=%ld", s1 - 1);
    json_decref(led);
    resp_free(&r);
    http(&a, &r, "GET", q, a.carol, NULL, NULL, NULL);
    led = body_json(&r);
    list = json_object_get(led, "entries");
    ck_assert_int_eq(json_array_size(list), 1);
    ck_assert_int_lt(json_integer_value(json_object_get(json_array_get(list, 0), "seq")), s1);
    ck_assert(json_is_null(json_object_get(led, "next"))); /* nothing older */
    json_decref(led);
    resp_free(&r);
    /* The other filters: case in any bracket form, action, kind, item, role, time bounds. */
    snprintf(q, sizeof q,
             "/v1/ledger?case=%s&action=view&kind=retrieval&role=reviewer&item=%s"
             "&purpose=%s&from=2000-01-01&to=2999-12-31T23:59:59%%2B08:00&limit=1000",
             CASE_A_PCT, a.sha, PURPOSE);
    http(&a, &r, "GET", q, a.carol, NULL, NULL, NULL);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    led = body_json(&r);
    ck_assert_int_eq(json_array_size(json_object_get(led, "entries")), 1); /* alice's view */
    ck_assert_str_eq(json_string_value(json_object_get(
                         json_array_get(json_object_get(led, "entries"), 0), "actor")),
                     "alice");
    json_decref(led);
    resp_free(&r);
    ck_assert_uint_eq(count_at(&a, "/v1/ledger?from=2999-01-01T00:00:00Z", a.carol, "entries"), 0);
    static const char *const bad[] = {"/v1/ledger?from=yesterday", "/v1/ledger?to=2026-13-01",
                                      "/v1/ledger?order=up", "/v1/ledger?raw=2",
                                      "/v1/ledger?case=nope"};
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        refused_with(&a, "GET", bad[i], a.carol, NULL, NULL, 400, "bad-request");
    }
    refused_with(&a, "GET", "/v1/ledger?actor=bob", a.alice, NULL, NULL, 403, "forbidden");
    /* The gate ledgers that refusal (reading the ledger is the auditors'); allowed reads of
     * the ledger are not reads of records and are not ledgered. */
    ck_assert_int_eq(entries(&a, "json_extract(entry, '$.action') = 'ledger' AND "
                                 "json_extract(entry, '$.actor') = 'alice' AND "
                                 "json_extract(entry, '$.result') = 'denied'"),
                     1);
    size++;
    /* raw=1: the stored bytes and their leaf; SHA-256(0x00 || entry) is the leaf. */
    http(&a, &r, "GET", "/v1/ledger?raw=1&limit=1000", a.carol, NULL, NULL, NULL);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    led = body_json(&r);
    list = json_object_get(led, "entries");
    ck_assert_int_eq(json_array_size(list), size);
    json_array_foreach(list, i, e)
    {
        const char *text = json_string_value(json_object_get(e, "entry"));
        const char *leaf = json_string_value(json_object_get(e, "leaf"));
        long seq = json_integer_value(json_object_get(e, "seq"));
        unsigned char md[32], want[48];
        unsigned int mdlen = 0;
        size_t n = strlen(text);
        char *prefixed = malloc(n + 1), *stored = stored_entry(&a, seq);
        ck_assert_int_eq(seq, (long)i);
        ck_assert_str_eq(text, stored);
        prefixed[0] = '\0';
        memcpy(prefixed + 1, text, n);
        EVP_Digest(prefixed, n + 1, md, &mdlen, EVP_sha256(), NULL);
        ck_assert_int_eq(EVP_DecodeBlock(want, (const unsigned char *)leaf, 44), 33);
        ck_assert_msg(memcmp(md, want, 32) == 0, "entry %ld: leaf does not match", seq);
        free(prefixed);
        free(stored);
    }
    json_decref(led);
    resp_free(&r);
    api_teardown(&a);
}
END_TEST

static Suite *
ui_suite(void)
{
    Suite *s = suite_create("e2e_api_ui");
    TCase *tc = tcase_create("ui");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, the_page_and_its_files_are_built_in_with_security_headers);
    tcase_add_test(tc, media_urls_serve_what_may_be_read_and_each_fetch_is_ledgered);
    tcase_add_test(tc, media_urls_expire_and_end_with_a_restart);
    tcase_add_test(tc, clerks_watch_the_queue_and_assign_unassigned_items);
    tcase_add_test(tc, the_ledger_filters_and_gives_the_exact_bytes_to_hash);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(ui_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
