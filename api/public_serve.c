/* api/public_serve.c: the public listener (public_serve.h). Its own h2o configuration, host,
 * handler, connections and catalog connection: the API's route table is not reachable from
 * here, and the only object bytes it opens are those cs_pubsite_file names. */
#include "api/public_serve.h"

#include "api/listen.h"
#include "api/public_site.h"

#include "core/error.h"
#include "core/log.h"
#include "indexer/catalog.h"
#include "indexer/public_site.h"
#include "storage/store.h"

#include <h2o.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/stat.h>

#define PUB_CHUNK (256 * 1024) /* bytes read from an object at a time */
#define PUB_CONNS 1024         /* open connections at most; more are closed at accept */
#define PUB_PATH_MAX 160       /* bytes of a path worth looking at: "/p/<id>/<sha>.<ext>" */

typedef struct pub_handler {
    h2o_handler_t super;
    cs_pubserve_t *s;
} pub_handler_t;

struct cs_pubserve {
    cs_listen_t ls; /* the listener, the connections, the calls and streams, the stop */
    cs_api_opts_t opts;
    h2o_globalconf_t config;
    h2o_context_t ctx;
    uv_mutex_t cat_lock; /* one catalog connection, one work at a time */
    cs_catalog_t *cat;
    cs_store_t *store;
    char csp[CS_PUBSITE_CSP_MAX];
};

enum { ASK_INDEX, ASK_PAGE, ASK_FILE };

typedef struct pub_call {
    uv_work_t work;
    cs_pubserve_t *s;
    h2o_req_t *req; /* NULL once h2o disposed of it */
    void **guard;
    int ask, head;
    int64_t id;
    char name[80];
    char path[PUB_PATH_MAX + 1];
    /* the answer */
    int status;
    char *html;
    size_t len;
    int fd;
    uint64_t size;
    const char *ctype;
    char sha[65];
} pub_call_t;

typedef struct pub_stream {
    h2o_generator_t super;
    cs_pubserve_t *s;
    h2o_req_t *req; /* NULL once stopped */
    uv_fs_t fs;
    int fd;
    uint64_t off, left;
    char buf[PUB_CHUNK];
} pub_stream_t;

/* --- answers (loop) --- */

static void
headers(cs_pubserve_t *s, h2o_req_t *req, int status, const char *ctype)
{
    static const char *const reasons[] = {"OK", "Not Found", "Method Not Allowed", "Gone",
                                          "Service Unavailable"};
    req->res.status = status;
    req->res.reason = status == 200   ? reasons[0]
                      : status == 404 ? reasons[1]
                      : status == 405 ? reasons[2]
                      : status == 410 ? reasons[3]
                                      : reasons[4];
    h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("content-security-policy"), 0,
                          NULL, s->csp, strlen(s->csp));
    h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("x-content-type-options"), 0,
                          NULL, H2O_STRLIT("nosniff"));
    h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("referrer-policy"), 0, NULL,
                          H2O_STRLIT("no-referrer"));
    h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("x-frame-options"), 0, NULL,
                          H2O_STRLIT("DENY"));
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, ctype,
                   strlen(ctype));
    /* A withdrawal shows at once: nobody keeps an old page. */
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL,
                   H2O_STRLIT("no-cache"));
    if (status == 405)
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_ALLOW, NULL,
                       H2O_STRLIT("GET, HEAD"));
}

static void
log_answer(h2o_req_t *req, const char *path, int status, const char *object)
{
    char host[NI_MAXHOST] = "unknown";
    struct sockaddr_storage ss;
    socklen_t sl = req->conn->callbacks->get_peername(req->conn, (struct sockaddr *)&ss);
    if (sl > 0 && h2o_socket_getnumerichost((struct sockaddr *)&ss, sl, host) == SIZE_MAX)
        snprintf(host, sizeof host, "unknown"); /* fits */
    cs_log(CS_LOG_INFO, "public.request",
           json_pack("{s:s%, s:s, s:i, s:s, s:s?}", "method", req->method.base, req->method.len,
                     "path", path, "status", status, "client", host, "object", object));
}

/* A whole page (copied into the request's pool). */
static void
send_html(cs_pubserve_t *s, h2o_req_t *req, int status, const char *html, size_t len, int head)
{
    headers(s, req, status, "text/html; charset=utf-8");
    req->res.content_length = len;
    h2o_send_inline(req, head ? "" : html, head ? 0 : len);
}

static void
send_error(cs_pubserve_t *s, h2o_req_t *req, int status, int head)
{
    char *html = NULL;
    size_t len = 0;
    if (cs_pubsite_error(status, &html, &len) != 0)
        send_html(s, req, status, "", 0, head);
    else
        send_html(s, req, status, html, len, head);
    free(html);
}

static void
stream_dispose(void *p)
{
    pub_stream_t *st = p;
    if (st->fd >= 0)
        close(st->fd);
    st->s->ls.streams--;
    cs_listen_maybe_finish(&st->s->ls);
}

static void stream_proceed(h2o_generator_t *g, h2o_req_t *req);

static void
stream_on_read(uv_fs_t *fs)
{
    pub_stream_t *st = fs->data;
    ssize_t n = fs->result;
    uv_fs_req_cleanup(fs);
    if (st->req != NULL) {
        if (n <= 0 || (uint64_t)n > st->left) {
            h2o_send(st->req, NULL, 0, H2O_SEND_STATE_ERROR);
        } else {
            h2o_iovec_t v = h2o_iovec_init(st->buf, (size_t)n);
            st->off += (uint64_t)n;
            st->left -= (uint64_t)n;
            h2o_send(st->req, &v, 1,
                     st->left == 0 ? H2O_SEND_STATE_FINAL : H2O_SEND_STATE_IN_PROGRESS);
        }
    }
    h2o_mem_release_shared(st); /* the read's reference */
}

static void
stream_proceed(h2o_generator_t *g, h2o_req_t *req)
{
    pub_stream_t *st = (pub_stream_t *)g;
    size_t want = st->left < PUB_CHUNK ? (size_t)st->left : PUB_CHUNK;
    uv_buf_t b = uv_buf_init(st->buf, (unsigned)want);
    (void)req;
    h2o_mem_addref_shared(st);
    st->fs.data = st;
    if (uv_fs_read(st->s->ls.loop, &st->fs, st->fd, &b, 1, (int64_t)st->off, stream_on_read) != 0) {
        h2o_mem_release_shared(st);
        h2o_send(st->req, NULL, 0, H2O_SEND_STATE_ERROR);
    }
}

static void
stream_stop(h2o_generator_t *g, h2o_req_t *req)
{
    (void)req;
    ((pub_stream_t *)g)->req = NULL; /* a read in flight keeps it alive and sends nothing */
}

/* Streams c->fd (the stream takes it). */
static void
send_file(pub_call_t *c)
{
    h2o_req_t *req = c->req;
    pub_stream_t *st = h2o_mem_alloc_shared(&req->pool, sizeof *st, stream_dispose);
    memset(st, 0, offsetof(pub_stream_t, buf));
    st->super.proceed = stream_proceed;
    st->super.stop = stream_stop;
    st->s = c->s;
    st->req = req;
    st->fd = c->fd;
    st->left = c->head ? 0 : c->size;
    c->fd = -1;
    c->s->ls.streams++;
    headers(c->s, req, 200, c->ctype);
    char etag[72];
    snprintf(etag, sizeof etag, "\"%s\"", c->sha); /* fits: 64 + 2 */
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_ETAG, NULL,
                   h2o_strdup(&req->pool, etag, strlen(etag)).base, strlen(etag));
    req->res.content_length = c->size;
    h2o_start_response(req, &st->super);
    if (st->left == 0)
        h2o_send(req, NULL, 0, H2O_SEND_STATE_FINAL);
    else
        stream_proceed(&st->super, req);
}

/* --- one request --- */

static void
on_req_dispose(void *p)
{
    pub_call_t *c = *(pub_call_t **)p;
    if (c != NULL)
        c->req = NULL;
}

/* Thread pool: the snapshot, then the page or the object. */
static void
call_work(uv_work_t *w)
{
    pub_call_t *c = w->data;
    cs_pubserve_t *s = c->s;
    json_t *snap = NULL;
    int err;
    cs_diag_clear();
    uv_mutex_lock(&s->cat_lock);
    err = cs_catalog_public_site(s->cat, &snap);
    uv_mutex_unlock(&s->cat_lock);
    if (err != 0)
        goto fail;
    if (c->ask == ASK_INDEX) {
        c->status = 200;
        err = cs_pubsite_index(snap, &c->html, &c->len);
    } else if (c->ask == ASK_PAGE) {
        err = cs_pubsite_page(snap, c->id, &c->status, &c->html, &c->len);
    } else if (cs_pubsite_file(snap, c->id, c->name, c->sha, &c->ctype, &c->size) != 0) {
        /* Under a withdrawn publication: its 410 page, as the static site's gone.conf says;
         * anything else: 404. */
        err = cs_pubsite_page(snap, c->id, &c->status, &c->html, &c->len);
        if (err == 0 && c->status != 410) {
            free(c->html);
            c->html = NULL;
            c->status = 404;
        }
        c->sha[0] = '\0';
    } else {
        struct stat sb;
        if ((err = cs_store_open_object(s->store, c->sha, &c->fd)) != 0)
            goto fail;
        if (fstat(c->fd, &sb) != 0 || (uint64_t)sb.st_size != c->size) {
            err = CS_ECORRUPT;
            cs_diag_set("object %s is not the size the catalog records", c->sha);
            goto fail;
        }
        c->status = 200;
    }
    if (err == 0) {
        json_decref(snap);
        return;
    }
fail:
    json_decref(snap);
    cs_log(CS_LOG_ERROR, "public.failed",
           json_pack("{s:s, s:s}", "path", c->path, "error",
                     *cs_diag() ? cs_diag() : cs_strerror(err)));
    c->status = 503;
}

static void
call_after(uv_work_t *w, int status)
{
    pub_call_t *c = w->data;
    cs_pubserve_t *s = c->s;
    (void)status;
    s->ls.works--;
    if (c->req != NULL) {
        *c->guard = NULL;
        if (c->status == 503 || c->status == 404)
            send_error(s, c->req, c->status, c->head);
        else if (c->fd >= 0)
            send_file(c);
        else
            send_html(s, c->req, c->status, c->html, c->len, c->head);
        log_answer(c->req, c->path, c->status, c->sha[0] != '\0' ? c->sha : NULL);
    }
    if (c->fd >= 0)
        close(c->fd);
    free(c->html);
    free(c);
    cs_listen_maybe_finish(&s->ls);
}

/* 1 when s[0..n) is a public copy's name: 64 hex digits, then nothing or ".ext" (a-z0-9). */
static int
file_name(const char *p, size_t n)
{
    if (n < 64 || strspn(p, "0123456789abcdef") < 64)
        return 0;
    if (n == 64)
        return 1;
    if (n > 71 || p[64] != '.' || n == 65)
        return 0;
    for (size_t i = 65; i < n; i++)
        if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= '0' && p[i] <= '9')))
            return 0;
    return 1;
}

/* What path p[0..n) asks: ASK_*, or -1 for anything else (404). */
static int
classify(const char *p, size_t n, int64_t *id, char name[80])
{
    if (n == 1 && p[0] == '/')
        return ASK_INDEX;
    if (n < 4 || memcmp(p, "/p/", 3) != 0)
        return -1;
    const char *d = p + 3, *end = p + n;
    const char *slash = memchr(d, '/', (size_t)(end - d));
    size_t dl = slash ? (size_t)(slash - d) : (size_t)(end - d);
    if (cs_pubsite_id(d, dl, id) != 0)
        return -1;
    if (slash == NULL || slash + 1 == end)
        return ASK_PAGE;
    const char *f = slash + 1;
    size_t fl = (size_t)(end - f);
    if (!file_name(f, fl))
        return -1;
    memcpy(name, f, fl);
    name[fl] = '\0';
    return ASK_FILE;
}

static int
on_req(h2o_handler_t *self, h2o_req_t *req)
{
    cs_pubserve_t *s = ((pub_handler_t *)self)->s;
    int head = h2o_memis(req->method.base, req->method.len, H2O_STRLIT("HEAD"));
    size_t plen = req->query_at != SIZE_MAX ? req->query_at : req->path.len;
    char path[PUB_PATH_MAX + 1];
    int64_t id = 0;
    char name[80] = "";
    int ask = -1;
    snprintf(path, sizeof path, "%.*s", (int)(plen < PUB_PATH_MAX ? plen : PUB_PATH_MAX),
             req->path.base); /* cut on purpose: for the log only */
    if (!head && !h2o_memis(req->method.base, req->method.len, H2O_STRLIT("GET"))) {
        send_error(s, req, 405, 0);
        log_answer(req, path, 405, NULL);
        return 0;
    }
    if (plen <= PUB_PATH_MAX)
        ask = classify(req->path.base, plen, &id, name);
    pub_call_t *c = ask < 0 ? NULL : calloc(1, sizeof *c);
    if (c == NULL) {
        send_error(s, req, 404, head);
        log_answer(req, path, 404, NULL);
        return 0;
    }
    c->s = s;
    c->req = req;
    c->ask = ask;
    c->head = head;
    c->id = id;
    c->fd = -1;
    memcpy(c->name, name, sizeof c->name);
    memcpy(c->path, path, sizeof c->path);
    c->guard = h2o_mem_alloc_shared(&req->pool, sizeof *c->guard, on_req_dispose);
    *c->guard = c;
    c->work.data = c;
    if (uv_queue_work(s->ls.loop, &c->work, call_work, call_after) != 0) {
        *c->guard = NULL;
        free(c);
        send_error(s, req, 404, head);
        return 0;
    }
    s->ls.works++;
    return 0;
}

/* --- starting and stopping --- */

static void
release(void *p)
{
    cs_pubserve_t *s = p;
    cs_store_close(&s->store);
    cs_catalog_close(&s->cat);
}

static void
destroy(void *p)
{
    cs_pubserve_t *s = p;
    uv_mutex_destroy(&s->cat_lock);
    free(s);
}

static const cs_listen_names_t listen_names = {
    .key = "public.listen",
    .example = "127.0.0.1:8421, or leave it empty for no public listener",
    .busy_hint = NULL,
};

int
cs_pubserve_start(cs_pubserve_t **out, uv_loop_t *loop, const cs_api_opts_t *opts)
{
    cs_pubserve_t *s = calloc(1, sizeof *s);
    cs_store_opts_t sopts;
    int err;
    *out = NULL;
    if (s == NULL)
        return CS_ENOMEM;
    cs_listen_init(&s->ls, loop, s, release, destroy);
    s->ls.max_conns = PUB_CONNS;
    s->opts = *opts;
    cs_pubsite_csp(s->csp);
    uv_mutex_init(&s->cat_lock);
    cs_store_opts_from_config(&sopts, opts->cfg);
    cs_catalog_opts_t copts = {.busy_timeout_ms = opts->cfg->catalog_busy_timeout_ms};
    if ((err = cs_catalog_open(&s->cat, opts->home->catalog, 0, &copts)) != 0 ||
        (err = cs_catalog_public_site_readonly(s->cat)) != 0 ||
        (err = cs_store_open(&s->store, opts->home->store, 0, &sopts)) != 0 ||
        (err = cs_listen_start(&s->ls, opts->cfg->public_listen, &listen_names)) != 0) {
        release(s);
        destroy(s);
        return err;
    }
    h2o_config_init(&s->config);
    s->config.max_request_entity_size = 1024; /* GET and HEAD only: no body is read */
    s->config.http1.req_timeout = (uint64_t)opts->cfg->api_idle_timeout_ms;
    s->config.http2.idle_timeout = (uint64_t)opts->cfg->api_idle_timeout_ms;
    s->config.server_name = h2o_iovec_init(H2O_STRLIT("custody"));
    h2o_hostconf_t *host =
        h2o_config_register_host(&s->config, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    h2o_pathconf_t *path = h2o_config_register_path(host, "/", 0);
    pub_handler_t *h = (pub_handler_t *)h2o_create_handler(path, sizeof *h);
    h->super.on_req = on_req;
    h->s = s;
    h2o_context_init(&s->ctx, loop, &s->config);
    cs_listen_ready(&s->ls, &s->config, &s->ctx, NULL); /* this one host: none of the API's */
    cs_log(CS_LOG_INFO, "public.listening", json_pack("{s:s}", "listen", s->ls.addr));
    *out = s;
    return 0;
}

void
cs_pubserve_stop(cs_pubserve_t *s, void (*done)(void *), void *arg)
{
    cs_listen_stop(&s->ls, done, arg);
}
