/* tests/e2e/test_api_ui.c: what the web interface needs of `custody serve`, over a real
 * socket: the page and its files built into the binary (byte-exact with web/, ETag and 304,
 * no way out of web/), the security headers on every answer, /v1/me and the ledger's public
 * key. Signed media URLs: test_api_media_urls.c; the clerk's views: test_api_clerk.c; the
 * ledger for the auditor: test_api_ledger.c. */
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

static Suite *
ui_suite(void)
{
    Suite *s = suite_create("e2e_api_ui");
    TCase *tc = tcase_create("ui");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, the_page_and_its_files_are_built_in_with_security_headers);
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
