/* api/respond.c: sending an answer (loop thread only): problems, JSON, text, the built-in
 * files of the web interface, and object bytes streamed from the thread pool with uv_fs_read,
 * one chunk at a time (from the object store: stream_remote.c). Every answer carries the same
 * security headers. */
#include "api/api_int.h"

#include "api/assets.h"

#include "core/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *
reason(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 206:
        return "Partial Content";
    case 304:
        return "Not Modified";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 409:
        return "Conflict";
    case 413:
        return "Payload Too Large";
    case 414:
        return "URI Too Long";
    case 416:
        return "Range Not Satisfiable";
    case 503:
        return "Service Unavailable";
    default:
        return status >= 500 ? "Internal Server Error" : "Error";
    }
}

/* h2o keeps the value's pointer, not a copy: values live in the request's pool. */
static void
header(h2o_req_t *req, const h2o_token_t *token, const char *value)
{
    h2o_iovec_t v = h2o_strdup(&req->pool, value, strlen(value));
    h2o_add_header(&req->pool, &req->res.headers, token, NULL, v.base, v.len);
}

/* Every answer, page or not: scripts, styles, media and fonts from this origin only (blob:
 * for media the page fetched itself), no inline script, never framed, no sniffing of types,
 * no Referer to anyone. Names and values are static: h2o keeps the pointers. */
static const struct {
    const char *name, *value;
} protections[] = {
    {"content-security-policy",
     "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
     "media-src 'self' blob:; connect-src 'self'; font-src 'self'; manifest-src 'self'; "
     "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"},
    {"x-content-type-options", "nosniff"},
    {"referrer-policy", "no-referrer"},
    {"x-frame-options", "DENY"},
};

static void
protect(h2o_req_t *req)
{
    for (size_t i = 0; i < sizeof protections / sizeof protections[0]; i++)
        h2o_add_header_by_str(&req->pool, &req->res.headers, protections[i].name,
                              strlen(protections[i].name), 0, NULL, protections[i].value,
                              strlen(protections[i].value));
}

/* Sends body (copied into the request's pool) as the whole answer. */
static void
send_body(h2o_req_t *req, int status, const char *ctype, const char *body, size_t len)
{
    req->res.status = status;
    req->res.reason = reason(status);
    req->res.content_length = len;
    protect(req);
    header(req, H2O_TOKEN_CONTENT_TYPE, ctype);
    /* Records and evidence are never cached by intermediaries. */
    header(req, H2O_TOKEN_CACHE_CONTROL, "no-store");
    h2o_send_inline(req, body, len);
}

static void
send_problem(h2o_req_t *req, const char *slug, const char *detail, cs_deny_t deny, const char *code,
             const char *detail_zh)
{
    size_t len = 0;
    char *body = cs_api_problem_body_code(slug, detail, deny, code, detail_zh, &len);
    int status = cs_api_problem_status(slug, NULL);
    if (status == 401)
        header(req, H2O_TOKEN_WWW_AUTHENTICATE, "Bearer realm=\"custody\"");
    if (body == NULL)
        send_body(req, 500, "text/plain", "out of memory\n", 14);
    else
        send_body(req, status, "application/problem+json", body, len);
    free(body);
}

void
cs_api_respond_problem(cs_api_t *a, h2o_req_t *req, int route, uint64_t started_ns,
                       const char *slug, const char *detail)
{
    cs_api_metrics_count(a, route, cs_api_problem_status(slug, NULL), started_ns);
    send_problem(req, slug, detail, CS_DENY_NONE, NULL, NULL);
}

void
cs_api_send_problem(h2o_req_t *req, const char *slug, const char *detail)
{
    send_problem(req, slug, detail, CS_DENY_NONE, NULL, NULL);
}

/* The last reference to a stream is gone: the file can close. */
static void
stream_dispose(void *p)
{
    cs_api_stream_t *st = p;
    if (st->fd >= 0)
        close(st->fd);
    st->api->ls.streams--;
    cs_api_maybe_finish(st->api);
}

static void
stream_on_read(uv_fs_t *fs)
{
    cs_api_stream_t *st = fs->data;
    ssize_t n = fs->result;
    uv_fs_req_cleanup(fs);
    if (st->req == NULL) {
        /* stopped meanwhile */
    } else if (n <= 0 || (uint64_t)n > st->left) {
        /* The object shrank or could not be read: end the response as failed. */
        h2o_send(st->req, NULL, 0, H2O_SEND_STATE_ERROR);
    } else {
        h2o_iovec_t v = h2o_iovec_init(st->buf, (size_t)n);
        st->off += (uint64_t)n;
        st->left -= (uint64_t)n;
        h2o_send(st->req, &v, 1, st->left == 0 ? H2O_SEND_STATE_FINAL : H2O_SEND_STATE_IN_PROGRESS);
    }
    h2o_mem_release_shared(st); /* the read's reference */
}

static void
stream_proceed(h2o_generator_t *g, h2o_req_t *req)
{
    cs_api_stream_t *st = (cs_api_stream_t *)g;
    size_t want = st->left < CS_API_CHUNK ? (size_t)st->left : CS_API_CHUNK;
    uv_buf_t b = uv_buf_init(st->buf, (unsigned)want);
    (void)req;
    h2o_mem_addref_shared(st);
    st->fs.data = st;
    if (uv_fs_read(st->api->loop, &st->fs, st->fd, &b, 1, (int64_t)st->off, stream_on_read) != 0) {
        h2o_mem_release_shared(st);
        h2o_send(st->req, NULL, 0, H2O_SEND_STATE_ERROR);
    }
}

static void
stream_stop(h2o_generator_t *g, h2o_req_t *req)
{
    cs_api_stream_t *st = (cs_api_stream_t *)g;
    (void)req;
    st->req = NULL; /* a read in flight keeps st alive and then sends nothing */
}

void
cs_api_stream_head(h2o_req_t *req, const cs_api_dl_head_t *h)
{
    req->res.status = h->status;
    req->res.reason = reason(h->status);
    req->res.content_length = h->len;
    protect(req);
    header(req, H2O_TOKEN_CONTENT_TYPE, h->media_type);
    if (h->etag[0] != '\0') { /* a stored object: ranges are served */
        header(req, H2O_TOKEN_ETAG, h->etag);
        header(req, H2O_TOKEN_ACCEPT_RANGES, "bytes");
    }
    if (h->disposition[0] != '\0')
        header(req, H2O_TOKEN_CONTENT_DISPOSITION, h->disposition);
    header(req, H2O_TOKEN_CACHE_CONTROL, "no-store");
    if (h->content_range[0] != '\0')
        header(req, H2O_TOKEN_CONTENT_RANGE, h->content_range);
}

/* Starts streaming c->fd (ownership moves to the stream), or c->remote from the object
 * store (stream_remote.c). */
static void
send_stream(cs_api_call_t *c)
{
    h2o_req_t *req = c->req;
    cs_api_dl_head_t head = {.status = c->status, .len = c->len};
    snprintf(head.media_type, sizeof head.media_type, "%s", c->media_type);
    snprintf(head.etag, sizeof head.etag, "%s", c->etag);
    snprintf(head.content_range, sizeof head.content_range, "%s", c->content_range);
    snprintf(head.disposition, sizeof head.disposition, "%s", c->disposition);
    if (c->fd < 0) {
        if (cs_api_stream_remote(c, &head) != 0) {
            cs_api_metrics_count(c->api, c->route, 503, c->started_ns);
            send_problem(req, "unavailable", "cannot start a download; try again later",
                         CS_DENY_NONE, NULL, NULL);
        }
        return;
    }
    cs_api_stream_t *st = h2o_mem_alloc_shared(&req->pool, sizeof *st, stream_dispose);
    memset(st, 0, offsetof(cs_api_stream_t, buf));
    st->super.proceed = stream_proceed;
    st->super.stop = stream_stop;
    st->api = c->api;
    st->req = req;
    st->fd = c->fd;
    st->off = c->off;
    st->left = c->len;
    c->fd = -1;
    c->api->ls.streams++;
    cs_api_stream_head(req, &head);
    h2o_start_response(req, &st->super);
    if (c->len == 0)
        h2o_send(req, NULL, 0, H2O_SEND_STATE_FINAL);
    else
        stream_proceed(&st->super, req);
}

/* A built-in file of the web interface (static bytes: sent without a copy), or 304 when the
 * client holds it already. Revalidated on every use (no-cache), so a new build shows at once. */
static void
send_asset(cs_api_call_t *c)
{
    static h2o_generator_t generator = {NULL, NULL};
    h2o_req_t *req = c->req;
    const cs_api_asset_t *f = c->asset;
    h2o_iovec_t body = h2o_iovec_init(f->data, f->len);
    req->res.status = c->status;
    req->res.reason = reason(c->status);
    protect(req);
    header(req, H2O_TOKEN_ETAG, f->etag);
    header(req, H2O_TOKEN_CACHE_CONTROL, "no-cache");
    if (c->status == 200) {
        req->res.content_length = f->len;
        header(req, H2O_TOKEN_CONTENT_TYPE, f->type);
    }
    h2o_start_response(req, &generator);
    if (c->status == 200 && f->len > 0)
        h2o_send(req, &body, 1, H2O_SEND_STATE_FINAL);
    else
        h2o_send(req, NULL, 0, H2O_SEND_STATE_FINAL);
}

void
cs_api_respond(cs_api_call_t *c)
{
    h2o_req_t *req = c->req;
    const cs_api_route_t *routes;
    size_t n;
    routes = cs_api_routes(&n);
    if (c->slug == NULL && c->route >= 0 && routes[c->route].finish != NULL)
        routes[c->route].finish(c);
    if (c->slug == NULL && c->status == 0)
        cs_api_fail(c, "internal", "the route gave no answer");
    /* A download from the object store is counted when it starts: it may still fail. */
    if (c->slug != NULL || c->fd >= 0 || c->remote[0] == '\0')
        cs_api_metrics_count(c->api, c->route, c->status, c->started_ns);
    if (c->set_cookie[0] != '\0')
        header(req, H2O_TOKEN_SET_COOKIE, c->set_cookie);
    if (c->retry_after > 0) {
        char secs[16];
        snprintf(secs, sizeof secs, "%d", c->retry_after); /* fits: an int */
        header(req, H2O_TOKEN_RETRY_AFTER, secs);
    }
    if (c->slug != NULL) {
        if (c->status == 416 && c->content_range[0] != '\0')
            header(req, H2O_TOKEN_CONTENT_RANGE, c->content_range);
        send_problem(req, c->slug, c->detail, c->deny, c->code, c->detail_zh);
    } else if (c->fd >= 0 || c->remote[0] != '\0') {
        send_stream(c);
    } else if (c->asset != NULL) {
        send_asset(c);
    } else if (c->json != NULL) {
        char *body = json_dumps(c->json, JSON_COMPACT);
        if (body == NULL)
            send_problem(req, "internal", "out of memory writing JSON", CS_DENY_NONE, NULL, NULL);
        else
            send_body(req, c->status, "application/json", body, strlen(body));
        free(body);
    } else {
        if (c->disposition[0] != '\0') /* a text to save as a file (the evidence list's CSV) */
            header(req, H2O_TOKEN_CONTENT_DISPOSITION, c->disposition);
        send_body(req, c->status, c->ctype ? c->ctype : "text/plain; charset=utf-8",
                  c->text ? c->text : "", c->text ? c->text_len : 0);
    }
}
