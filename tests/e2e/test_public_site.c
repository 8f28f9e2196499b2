/* tests/e2e/test_public_site.c: the public page (issue 23 part 4). The public listener of
 * `custody serve` refuses every path that is not public: the API's whole route table, its
 * placeholders filled with the real case, ids and hashes of the original, its copies and the
 * public copies, answers 404 or 405 there and never the original's bytes; a released
 * publication's public copies are served with their bytes and types; a withdrawn one answers
 * 410 naming its date and category; the static site of `custody publish site` holds exactly
 * the live publications' public copies; every public answer carries the strict CSP. */
#include "tests/e2e/e2e_api.h"

#include "api/route.h"

#include <dirent.h>
#include <openssl/evp.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FINDINGS                                                                                   \
    "--finding", "subject=ok", "--finding", "jurisdiction=ok", "--finding", "qualification=ok",    \
        "--finding", "facts=ok", "--finding", "law=ok", "--finding", "procedure=ok", "--finding",  \
        "documents=na", "--finding", "referral=ok"
#define DECISION_PDF                                                                               \
    "%PDF-1.4\n% 行政处罚决定书 任水罚〔2023〕12号 当事人：张三 身份证 1101\n%%EOF\n"
#define REDACTED_PDF "%PDF-1.4\n% 行政处罚决定书（公开版） 当事人：张某\n%%EOF\n"
#define PHOTO CUSTODY_TEST_DATA "/gps/DSCN0010.jpg"
#define HASHES_MAX 32

typedef struct fixture {
    api_t a;
    int api_port, pub_port;
    char doc[65], redacted[65], photo[65], photo_copy[65];
    char hashes[HASHES_MAX][65]; /* every object of the home: originals and all copies */
    int nhashes;
    char *photo_data, *clip_data;
    size_t photo_len, clip_len;
} fixture_t;

static void
ok(cs_run_t *r)
{
    ck_assert_msg(r->status == 0, "exit %d: %s%s", r->status, r->out, r->err);
    cs_test_run_free(r);
}

static void
sql(const char *db, const char *text)
{
    sqlite3 *h = NULL;
    char *err = NULL;
    ck_assert_int_eq(sqlite3_open(db, &h), SQLITE_OK);
    ck_assert_msg(sqlite3_exec(h, text, NULL, NULL, &err) == SQLITE_OK, "%s: %s", text, err);
    sqlite3_close(h);
}

/* The first column of each row of `query`, up to `max` of them, into out; their number. */
static int
sql_texts(const char *db, const char *query, char out[][65], int max)
{
    sqlite3 *h = NULL;
    sqlite3_stmt *st = NULL;
    int n = 0;
    ck_assert_int_eq(sqlite3_open(db, &h), SQLITE_OK);
    ck_assert_int_eq(sqlite3_prepare_v2(h, query, -1, &st, NULL), SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW && n < max)
        snprintf(out[n++], 65, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(h);
    return n;
}

static void
sha_hex(const void *p, size_t n, char out[65])
{
    unsigned char md[32];
    unsigned int len = 0;
    EVP_Digest(p, n, md, &len, EVP_sha256(), NULL);
    for (int i = 0; i < 32; i++)
        sprintf(out + 2 * i, "%02x", md[i]);
}

/* A served home (public.listen on) with one released publication: case A decided (its
 * decision document's redacted version attached and approved), a photo of the case with an
 * approved public copy published beside it; the random original of e2e_api.h in the case. */
static void
published(fixture_t *f)
{
    cs_run_t r;
    char path[PATH_MAX];
    char *fa;
    memset(f, 0, sizeof *f);
    api_setup_with(&f->a, (const char *const[]){"public.listen=127.0.0.1:0", NULL});
    f->api_port = f->a.port;
    for (int i = 0; i < 400 && (f->pub_port = logged_port(&f->a, "\"public.listening\"")) == 0; i++)
        usleep(25 * 1000);
    ck_assert_int_gt(f->pub_port, 0);
    const char *home = f->a.t.home;
    fa = user_add(&f->a, "fa", "legal");
    free(fa);
    cs_test_custody(&r, "ingest", "--home", home, "--case", CASE_A, "--as", "dave", "--json", PHOTO,
                    NULL);
    ck_assert_msg(r.status == 0, "%s", r.err);
    json_t *j = e2e_json(&r);
    snprintf(f->photo, sizeof f->photo, "%s", json_string_value(json_object_get(j, "sha256")));
    json_decref(j);
    cs_test_run_free(&r);
    f->photo_data = cs_test_read(PHOTO, &f->photo_len);
    /* A recording: its archival and access copies, and its poster's preview and thumbnail. */
    char cmd[2048];
    snprintf(path, sizeof path, "%s/clip.mp4", f->a.t.dir);
    snprintf(cmd, sizeof cmd,
             "ffmpeg -nostdin -loglevel error -y -f lavfi -i testsrc2=size=320x240:rate=25 -f "
             "lavfi -i sine=frequency=440 -t 1 -c:v libx264 -pix_fmt yuv420p -c:a aac -shortest "
             "'%s'",
             path);
    ck_assert_int_eq(system(cmd), 0);
    f->clip_data = cs_test_read(path, &f->clip_len);
    ck_assert_uint_gt(f->clip_len, 4096);
    /* The FFV1 profile for H.264 MP4 (the format policy keeps them by default): the clip
     * gets an archival copy. */
    cs_test_custody(&r, "policy", "set", "mp4-h264", "--action", "normalise", "--target",
                    "ffv1-mkv", "--home", home, NULL);
    ok(&r);
    cs_test_custody(&r, "ingest", "--home", home, "--case", CASE_A, "--as", "dave", path, NULL);
    ok(&r);
    cs_test_custody(&r, "review", "submit", CASE_A, "--note", "送审", "--home", home, "--as",
                    "dave", NULL);
    ok(&r);
    cs_test_custody(&r, "review", "opinion", CASE_A, "--as", "fa", "--verdict", "agree", FINDINGS,
                    "--home", home, NULL);
    ok(&r);
    e2e_file(&f->a.t, path, "decision.pdf", DECISION_PDF);
    cs_test_custody(&r, "case", "decide", CASE_A, "--kind", "行政处罚决定", "--document", path,
                    "--home", home, "--as", "dave", NULL);
    ok(&r);
    e2e_sha256(DECISION_PDF, f->doc);
    e2e_sha256(REDACTED_PDF, f->redacted);
    e2e_file(&f->a.t, path, "redacted.pdf", REDACTED_PDF);
    cs_test_custody(&r, "public", "attach", f->doc, path, "--as", "dave", "--home", home, NULL);
    ok(&r);
    cs_test_custody(&r, "public", "approve", f->doc, "--as", "fa", "--home", home, NULL);
    ok(&r);
    cs_test_custody(&r, "public", "make", f->photo, "--as", "dave", "--home", home, NULL);
    ok(&r);
    cs_test_custody(&r, "public", "approve", f->photo, "--as", "fa", "--home", home, NULL);
    ok(&r);
    cs_test_custody(&r, "publish", CASE_A, "--decision", f->doc, "--kind", "penalty", "--as",
                    "dave", "--home", home, NULL);
    ok(&r);
    cs_test_custody(&r, "publish", "release", "1", "--with", f->photo, "--as", "dave", "--home",
                    home, NULL);
    ok(&r);
    char q[256];
    snprintf(q, sizeof q,
             "SELECT d.sha256 FROM derivatives d JOIN items i ON i.id = d.item_id WHERE"
             " i.sha256 = '%s' AND d.profile = 'public'",
             f->photo);
    ck_assert_int_eq(sql_texts(f->a.t.db, q, &f->photo_copy, 1), 1);
    f->nhashes = sql_texts(f->a.t.db,
                           "SELECT sha256 FROM items UNION SELECT sha256 FROM derivatives"
                           " WHERE sha256 IS NOT NULL",
                           f->hashes, HASHES_MAX);
    /* the original, the photo, the clip, the decision; the photo's preview and thumbnail;
     * the clip's archival, access, preview and thumbnail; two public copies */
    ck_assert_int_ge(f->nhashes, 12);
    ck_assert_int_eq(cs_test_sql_count(f->a.t.db, "SELECT count(*) FROM derivatives WHERE"
                                                  " profile = 'access' AND status = 'verified'"),
                     1);
}

static void
fixture_free(fixture_t *f)
{
    f->a.port = f->api_port;
    api_teardown(&f->a);
    free(f->photo_data);
    free(f->clip_data);
}

/* Neither the random original, nor the photo's or the clip's, nor the decision's document. */
static void
assert_no_original(const fixture_t *f, const resp_t *r, const char *what)
{
    ck_assert_msg(r->body_len < 64 || memmem(r->body, r->body_len, f->a.data, 64) == NULL,
                  "%s: the original's bytes", what);
    ck_assert_msg(memmem(r->body, r->body_len, f->photo_data + 2048, 256) == NULL,
                  "%s: the photo's original bytes", what);
    ck_assert_msg(memmem(r->body, r->body_len, f->clip_data + f->clip_len / 2, 256) == NULL,
                  "%s: the clip's original bytes", what);
    ck_assert_msg(memmem(r->body, r->body_len, "张三", strlen("张三")) == NULL,
                  "%s: the decision document's bytes", what);
}

static void
assert_csp(resp_t *r, const char *what)
{
    const char *csp = header(r, "content-security-policy");
    ck_assert_msg(csp != NULL, "%s: no CSP", what);
    ck_assert_msg(strstr(csp, "default-src 'none'") && strstr(csp, "img-src 'self'") &&
                      strstr(csp, "media-src 'self'") && strstr(csp, "style-src 'sha256-") &&
                      !strstr(csp, "script-src"),
                  "%s: CSP %s", what, csp);
}

/* One request to the public listener. */
static void
pub(fixture_t *f, resp_t *r, const char *method, const char *target, const char *token)
{
    f->a.port = f->pub_port;
    http(&f->a, r, method, target, token, PURPOSE, NULL, NULL);
    f->a.port = f->api_port;
    assert_csp(r, target);
}

/* pattern with its placeholders filled: {sha256} with `sha`, {profile} with `profile`. */
static void
fill(char *out, size_t size, const char *pattern, const char *sha, const char *profile)
{
    size_t n = 0;
    for (const char *p = pattern; *p && n + 1 < size;) {
        const char *v = NULL;
        size_t skip = 0;
        if (*p == '{') {
            skip = strcspn(p, "}") + 1;
            v = strncmp(p, "{sha256}", 8) == 0    ? sha
                : strncmp(p, "{case}", 6) == 0    ? CASE_A_PCT
                : strncmp(p, "{profile}", 9) == 0 ? profile
                : strncmp(p, "{name}", 6) == 0    ? "dave"
                : strncmp(p, "{path}", 6) == 0    ? "index.html"
                : strncmp(p, "{token}", 7) == 0   ? "eyJ4IjoxfQ.AAAA"
                                                  : "1";
        }
        if (v != NULL) {
            n += (size_t)snprintf(out + n, size - n, "%s", v);
            p += skip;
        } else {
            out[n++] = *p++;
        }
    }
    out[n < size ? n : size - 1] = '\0';
}

START_TEST(the_public_listener_refuses_every_api_route)
{
    fixture_t f;
    resp_t r;
    size_t n;
    char target[1024];
    static const char *const profiles[] = {"access", "preview", "thumbnail", "archival", "public"};
    published(&f);
    long ledger = entries(&f.a, "1");
    const cs_api_route_t *routes = cs_api_routes(&n);
    long asked = 0;
    for (size_t i = 0; i < n; i++) {
        int per_sha = strstr(routes[i].pattern, "{sha256}") != NULL;
        int per_profile = strstr(routes[i].pattern, "{profile}") != NULL;
        for (int h = 0; h < (per_sha ? f.nhashes : 1); h++) {
            for (int p = 0; p < (per_profile ? 5 : 1); p++) {
                fill(target, sizeof target, routes[i].pattern, f.hashes[h], profiles[p]);
                /* With the admin's token and a purpose: nothing the API knows opens here. */
                for (int head = 0; head < 2; head++) {
                    const char *method =
                        head && strcmp(routes[i].method, "GET") == 0 ? "HEAD" : routes[i].method;
                    pub(&f, &r, method, target, f.a.root);
                    asked++;
                    if (strcmp(routes[i].pattern, "/") == 0) {
                        /* the public index, not the web interface */
                        ck_assert_int_eq(r.status, 200);
                        ck_assert(head || strstr(r.body, "行政执法公示") != NULL);
                        ck_assert(strstr(r.body, "<script") == NULL);
                    } else if (strcmp(routes[i].method, "GET") == 0) {
                        ck_assert_msg(r.status == 404, "%s %s: %d", method, target, r.status);
                    } else {
                        ck_assert_msg(r.status == 405, "%s %s: %d", method, target, r.status);
                    }
                    assert_no_original(&f, &r, target);
                    resp_free(&r);
                }
            }
        }
    }
    ck_assert_int_gt(asked, 100);
    /* Nor any object by its hash under a publication, but the public copies it sent out. */
    for (int h = 0; h < f.nhashes; h++) {
        static const char *const exts[] = {"", ".pdf", ".jpg", ".bin", ".mp4"};
        int is_public =
            strcmp(f.hashes[h], f.redacted) == 0 || strcmp(f.hashes[h], f.photo_copy) == 0;
        for (int e = 0; e < 5; e++) {
            for (int id = 1; id <= 2; id++) {
                snprintf(target, sizeof target, "/p/%d/%s%s", id, f.hashes[h], exts[e]);
                pub(&f, &r, "GET", target, NULL);
                if (!is_public || id == 2)
                    ck_assert_msg(r.status == 404, "%s: %d", target, r.status);
                assert_no_original(&f, &r, target);
                resp_free(&r);
            }
        }
    }
    static const char *const odd[] = {
        "/p/1/../../v1/cases", "/p/01",      "/p/1/x",           "/p/",
        "/index.html",         "//v1/cases", "/v1/items/%2e%2e", "/p/1/%2e%2e/%2e%2e/healthz"};
    for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++) {
        pub(&f, &r, "GET", odd[i], f.a.root);
        ck_assert_msg(r.status == 404, "%s: %d", odd[i], r.status);
        resp_free(&r);
    }
    /* Public reads are not retrievals: nothing ledgered; the service log has them. */
    ck_assert_int_eq(entries(&f.a, "1"), ledger);
    char *log = cs_test_read(f.a.log, NULL);
    ck_assert(log != NULL && strstr(log, "\"public.request\"") != NULL);
    free(log);
    fixture_free(&f);
}
END_TEST

START_TEST(a_released_publication_serves_its_public_copies)
{
    fixture_t f;
    resp_t r;
    char target[256], got[65];
    published(&f);
    pub(&f, &r, "GET", "/", NULL);
    ck_assert_int_eq(r.status, 200);
    ck_assert_str_eq(header(&r, "content-type"), "text/html; charset=utf-8");
    ck_assert_msg(strstr(r.body, "href=\"/p/1/\"") && strstr(r.body, "行政处罚决定"), "%s", r.body);
    resp_free(&r);
    pub(&f, &r, "GET", "/p/1", NULL);
    ck_assert_int_eq(r.status, 200);
    snprintf(target, sizeof target, "/p/1/%s.pdf", f.redacted);
    ck_assert_msg(strstr(r.body, target) != NULL, "%s", r.body);
    snprintf(target, sizeof target, "<img src=\"/p/1/%s.jpg\"", f.photo_copy);
    ck_assert_msg(strstr(r.body, target) != NULL, "%s", r.body);
    ck_assert(strstr(r.body, "张三") == NULL && strstr(r.body, CASE_A) == NULL);
    resp_free(&r);

    /* The decision's public copy: its bytes, as PDF, by its name with or without .pdf. */
    snprintf(target, sizeof target, "/p/1/%s.pdf", f.redacted);
    pub(&f, &r, "GET", target, NULL);
    ck_assert_int_eq(r.status, 200);
    ck_assert_str_eq(header(&r, "content-type"), "application/pdf");
    ck_assert_uint_eq(r.body_len, strlen(REDACTED_PDF));
    ck_assert(memcmp(r.body, REDACTED_PDF, r.body_len) == 0);
    resp_free(&r);
    snprintf(target, sizeof target, "/p/1/%s", f.redacted);
    pub(&f, &r, "HEAD", target, NULL);
    ck_assert_int_eq(r.status, 200);
    ck_assert_uint_eq(r.body_len, 0);
    resp_free(&r);
    snprintf(target, sizeof target, "/p/1/%s.jpg", f.redacted); /* not its extension */
    pub(&f, &r, "GET", target, NULL);
    ck_assert_int_eq(r.status, 404);
    resp_free(&r);
    /* The photo's public copy: a JPEG that is the copy, not the original. */
    snprintf(target, sizeof target, "/p/1/%s.jpg", f.photo_copy);
    pub(&f, &r, "GET", target, NULL);
    ck_assert_int_eq(r.status, 200);
    ck_assert_str_eq(header(&r, "content-type"), "image/jpeg");
    sha_hex(r.body, r.body_len, got);
    ck_assert_str_eq(got, f.photo_copy);
    assert_no_original(&f, &r, target);
    resp_free(&r);
    /* Classified state_secret since: withheld at once, from the page and the site alike. */
    cs_run_t run;
    cs_test_custody(&run, "classify", f.photo, "state_secret", "--reason", "涉密", "--home",
                    f.a.t.home, NULL);
    ok(&run);
    pub(&f, &r, "GET", target, NULL);
    ck_assert_int_eq(r.status, 404);
    resp_free(&r);
    pub(&f, &r, "GET", "/p/1/", NULL);
    ck_assert_int_eq(r.status, 200);
    ck_assert(strstr(r.body, f.photo_copy) == NULL && strstr(r.body, f.redacted) != NULL);
    resp_free(&r);
    char out[PATH_MAX];
    snprintf(out, sizeof out, "%s/site", f.a.t.dir);
    cs_test_custody(&run, "publish", "site", "--out", out, "--home", f.a.t.home, NULL);
    ck_assert_msg(strstr(run.out, "1 public copy,") && strstr(run.err, f.photo_copy) &&
                      strstr(run.err, "withheld"),
                  "%s%s", run.out, run.err);
    ok(&run);
    /* Bytes that are some item's original are never served by this path, whatever names them
     * (the redacted PDF ingested as evidence of another case). */
    char doc[PATH_MAX];
    e2e_file(&f.a.t, doc, "again.pdf", REDACTED_PDF);
    cs_test_custody(&run, "ingest", "--home", f.a.t.home, "--case", CASE_B, "--as", "dave", doc,
                    NULL);
    ok(&run);
    snprintf(target, sizeof target, "/p/1/%s.pdf", f.redacted);
    pub(&f, &r, "GET", target, NULL);
    ck_assert_int_eq(r.status, 404);
    ck_assert(memmem(r.body, r.body_len, "%PDF", 4) == NULL);
    resp_free(&r);
    /* Never published: 404; other methods: 405. */
    pub(&f, &r, "GET", "/p/2", NULL);
    ck_assert_int_eq(r.status, 404);
    resp_free(&r);
    pub(&f, &r, "POST", "/p/1", NULL);
    ck_assert_int_eq(r.status, 405);
    resp_free(&r);
    fixture_free(&f);
}
END_TEST

START_TEST(a_withdrawn_publication_answers_410_with_date_and_category)
{
    fixture_t f;
    resp_t r;
    cs_run_t run;
    char target[256], on[1][65];
    published(&f);
    cs_test_custody(&run, "publish", "withdraw", "1", "--category", "revoked", "--reason",
                    "复议决定撤销 张三", "--as", "dave", "--home", f.a.t.home, NULL);
    ok(&run);
    ck_assert_int_eq(sql_texts(f.a.t.db, "SELECT withdrawn_on FROM publication_withdrawals", on, 1),
                     1);
    static const char *const cats[][2] = {
        {"revoked", "撤销"}, {"illegal", "确认违法"}, {"remade", "责令重新作出"}};
    for (int i = 0; i < 3; i++) {
        char q[160];
        if (i > 0) { /* the same page for each category (the row is write-once) */
            snprintf(q, sizeof q,
                     "DROP TRIGGER IF EXISTS publication_withdrawals_no_update;"
                     " UPDATE publication_withdrawals SET category = '%s';",
                     cats[i][0]);
            sql(f.a.t.db, q);
        }
        pub(&f, &r, "GET", "/p/1", NULL);
        ck_assert_int_eq(r.status, 410);
        ck_assert_msg(strstr(r.body, "已撤下") && strstr(r.body, on[0]) &&
                          strstr(r.body, cats[i][1]),
                      "%s: %s", cats[i][0], r.body);
        ck_assert(strstr(r.body, "张三") == NULL); /* the reason's text stays inside */
        resp_free(&r);
    }
    /* Its copies are no longer served (410, as gone.conf has it for a static site), and
     * the index no longer lists it. */
    snprintf(target, sizeof target, "/p/1/%s.pdf", f.redacted);
    pub(&f, &r, "GET", target, NULL);
    ck_assert_int_eq(r.status, 410);
    ck_assert(memmem(r.body, r.body_len, "%PDF", 4) == NULL && strstr(r.body, "已撤下"));
    resp_free(&r);
    pub(&f, &r, "GET", "/", NULL);
    ck_assert(strstr(r.body, "/p/1/") == NULL);
    ck_assert(strstr(r.body, "暂无公示信息") != NULL);
    resp_free(&r);
    fixture_free(&f);
}
END_TEST

/* Every file of the site under dir/rel: a page or conf, or a public copy named by its hash. */
static void
walk(const char *dir, const char *rel, const fixture_t *f, int *copies)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    DIR *d = opendir(path);
    ck_assert_ptr_nonnull(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char sub[PATH_MAX], full[PATH_MAX];
        struct stat st;
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(sub, sizeof sub, "%s%s%s", rel, rel[0] ? "/" : "", e->d_name);
        snprintf(full, sizeof full, "%s/%s", dir, sub);
        ck_assert_int_eq(lstat(full, &st), 0);
        if (S_ISDIR(st.st_mode)) {
            walk(dir, sub, f, copies);
            continue;
        }
        size_t len = 0;
        char *data = cs_test_read(full, &len), hex[65];
        const char *dot = strrchr(e->d_name, '.');
        if (dot != NULL && (strcmp(dot, ".html") == 0 || strcmp(dot, ".conf") == 0 ||
                            strcmp(e->d_name, ".custody-site") == 0)) {
            ck_assert_msg(memmem(data, len, "张三", strlen("张三")) == NULL, "%s", sub);
        } else {
            /* p/1/<sha256>.<ext>: its bytes are that hash, and it is a live public copy */
            sha_hex(data, len, hex);
            ck_assert_msg(strncmp(e->d_name, hex, 64) == 0, "%s holds %s", sub, hex);
            ck_assert_msg(strcmp(hex, f->redacted) == 0 || strcmp(hex, f->photo_copy) == 0,
                          "%s is not a live public copy", sub);
            ck_assert_msg(strncmp(sub, "p/1/", 4) == 0, "%s", sub);
            (*copies)++;
        }
        ck_assert_msg(len < 64 || memmem(data, len, f->a.data, 64) == NULL, "%s", sub);
        free(data);
    }
    closedir(d);
}

START_TEST(the_static_site_holds_exactly_the_live_public_copies)
{
    fixture_t f;
    cs_run_t r;
    char out[PATH_MAX], path[PATH_MAX];
    published(&f);
    snprintf(out, sizeof out, "%s/site", f.a.t.dir);
    cs_test_custody(&r, "publish", "site", "--out", out, "--home", f.a.t.home, NULL);
    ck_assert_msg(strstr(r.out, "1 page, 2 public copies, 0 withdrawn") != NULL, "%s", r.out);
    ok(&r);
    /* On record: what went out, by hash. */
    char where[512];
    snprintf(where, sizeof where,
             "SELECT count(*) FROM ledger WHERE entry ->> '$.action' = 'publish.site' AND"
             " json_array_length(entry ->> '$.copies') = 2 AND entry ->> '$.copies' LIKE '%%%s%%'",
             f.photo_copy);
    ck_assert_int_eq(cs_test_sql_count(f.a.t.db, where), 1);
    int copies = 0;
    walk(out, "", &f, &copies);
    ck_assert_int_eq(copies, 2);
    snprintf(path, sizeof path, "%s/p/1/%s.pdf", out, f.redacted);
    ck_assert_int_eq(access(path, R_OK), 0);
    snprintf(path, sizeof path, "%s/p/1/%s.jpg", out, f.photo_copy);
    ck_assert_int_eq(access(path, R_OK), 0);
    snprintf(path, sizeof path, "%s/index.html", out);
    char *index = cs_test_read(path, NULL);
    ck_assert(strstr(index, "href=\"/p/1/\"") && strstr(index, "Content-Security-Policy"));
    free(index);

    /* Withdrawn, and written again over the old site: its copies are gone, its page says so,
     * and gone.conf answers 410 for it. */
    cs_test_custody(&r, "publish", "withdraw", "1", "--category", "illegal", "--reason", "x",
                    "--as", "dave", "--home", f.a.t.home, NULL);
    ok(&r);
    cs_test_custody(&r, "publish", "site", "--out", out, "--home", f.a.t.home, NULL);
    ck_assert_msg(strstr(r.out, "0 public copies, 1 withdrawn") != NULL, "%s", r.out);
    ok(&r);
    copies = 0;
    walk(out, "", &f, &copies);
    ck_assert_int_eq(copies, 0);
    snprintf(path, sizeof path, "%s/gone/1.html", out);
    char *gone = cs_test_read(path, NULL);
    ck_assert(gone != NULL && strstr(gone, "已撤下") && strstr(gone, "确认违法"));
    free(gone);
    snprintf(path, sizeof path, "%s/gone.conf", out);
    char *conf = cs_test_read(path, NULL);
    ck_assert_msg(conf && strstr(conf, "location ~ ^/p/1(/.*)?$ { error_page 410 /gone/1.html; "
                                       "return 410; }"),
                  "%s", conf);
    free(conf);
    /* Nothing left beside it: no temporary folder. */
    ck_assert_int_eq(cs_test_count_files(f.a.t.dir) >= 0, 1);
    DIR *d = opendir(f.a.t.dir);
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        ck_assert_msg(strstr(e->d_name, "site.tmp") == NULL, "%s left", e->d_name);
    closedir(d);
    /* A folder that is not a site is never replaced. */
    snprintf(path, sizeof path, "%s/other", f.a.t.dir);
    ck_assert_int_eq(mkdir(path, 0755), 0);
    snprintf(out, sizeof out, "%s/keep.txt", path);
    cs_test_write(out, "x", 1);
    cs_test_custody(&r, "publish", "site", "--out", path, "--home", f.a.t.home, NULL);
    ck_assert_int_eq(r.status, 2);
    cs_test_run_free(&r);
    ck_assert_int_eq(access(out, R_OK), 0);
    fixture_free(&f);
}
END_TEST

static Suite *
public_site_suite(void)
{
    Suite *s = suite_create("public_site");
    TCase *tc = tcase_create("public_site");
    tcase_set_timeout(tc, 240);
    tcase_add_test(tc, the_public_listener_refuses_every_api_route);
    tcase_add_test(tc, a_released_publication_serves_its_public_copies);
    tcase_add_test(tc, a_withdrawn_publication_answers_410_with_date_and_category);
    tcase_add_test(tc, the_static_site_holds_exactly_the_live_public_copies);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(public_site_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
