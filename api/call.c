/* api/call.c: one request's life: matched and copied on the loop, worked on the thread pool
 * (catalog and disk), answered on the loop; a client that leaves meanwhile is noticed through
 * a guard in the request's pool. */
#include "api/api_int.h"

#include "core/error.h"

#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* h2o disposes of the request (the client went away): the call must not answer it. */
static void
on_req_dispose(void *p)
{
    cs_api_call_t *c = *(cs_api_call_t **)p;
    if (c != NULL)
        c->req = NULL;
}

static void
call_free(cs_api_call_t *c)
{
    if (c->guard != NULL && c->req != NULL)
        *c->guard = NULL;
    if (c->fd >= 0)
        close(c->fd);
    cs_api_fetch_drop(c->fetch); /* a download answered otherwise, or not at all */
    json_decref(c->json);
    json_decref(c->entry);
    free(c->text);
    free(c->body);
    free(c);
}

/* A header's value, or NULL; *len its length. */
static const char *
find_header(h2o_req_t *req, const h2o_token_t *token, size_t *len)
{
    ssize_t i = h2o_find_header(&req->headers, token, -1);
    if (i < 0)
        return NULL;
    *len = req->headers.entries[i].value.len;
    return req->headers.entries[i].value.base;
}

static const char *
find_header_str(h2o_req_t *req, const char *name, size_t *len)
{
    ssize_t i = h2o_find_header_by_str(&req->headers, name, strlen(name), -1);
    if (i < 0)
        return NULL;
    *len = req->headers.entries[i].value.len;
    return req->headers.entries[i].value.base;
}

/* The custody_session cookie (any Cookie header: HTTP/2 may split them), the X-CSRF-Token
 * header and whether the method changes state: for session.c. */
static void
copy_session(cs_api_call_t *c, h2o_req_t *req)
{
    static const char name[] = "custody_session=";
    const char *v;
    size_t len = 0;
    ssize_t i = -1;
    c->unsafe = !h2o_memis(req->method.base, req->method.len, H2O_STRLIT("GET")) &&
                !h2o_memis(req->method.base, req->method.len, H2O_STRLIT("HEAD"));
    while ((i = h2o_find_header(&req->headers, H2O_TOKEN_COOKIE, i)) >= 0) {
        const char *p = req->headers.entries[i].value.base;
        const char *end = p + req->headers.entries[i].value.len;
        while (p < end) {
            while (p < end && (*p == ' ' || *p == ';'))
                p++;
            const char *semi = memchr(p, ';', (size_t)(end - p));
            const char *e = semi ? semi : end;
            if ((size_t)(e - p) >= sizeof name - 1 && memcmp(p, name, sizeof name - 1) == 0) {
                size_t n = (size_t)(e - p) - (sizeof name - 1);
                c->cookie_state = n > 0 && n < sizeof c->cookie ? 1 : -1;
                if (c->cookie_state == 1) {
                    memcpy(c->cookie, p + sizeof name - 1, n);
                    c->cookie[n] = '\0';
                }
            }
            p = e;
        }
    }
    if ((v = find_header_str(req, "x-csrf-token", &len)) != NULL && len < sizeof c->csrf) {
        memcpy(c->csrf, v, len);
        c->csrf[len] = '\0';
    }
}

/* Copies what the work function needs off the request. */
static void
copy_request(cs_api_call_t *c, h2o_req_t *req)
{
    const char *v;
    size_t len = 0;
    struct sockaddr_storage ss;
    char host[NI_MAXHOST] = "unknown";
    socklen_t sl = req->conn->callbacks->get_peername(req->conn, (struct sockaddr *)&ss);
    if (sl > 0 && h2o_socket_getnumerichost((struct sockaddr *)&ss, sl, host) == SIZE_MAX)
        snprintf(host, sizeof host, "unknown");             /* fits */
    snprintf(c->client, sizeof c->client, "http:%s", host); /* fits: 5 + NI_MAXHOST <= 1040 */
    if (req->query_at != SIZE_MAX) {
        size_t n = req->path.len - req->query_at - 1;
        memcpy(c->query, req->path.base + req->query_at + 1, n); /* bounded by the path check */
        c->query[n] = '\0';
    }
    if ((v = find_header(req, H2O_TOKEN_AUTHORIZATION, &len)) != NULL) {
        c->auth_state = -1;
        if (len > 7 && strncasecmp(v, "Bearer ", 7) == 0 && len - 7 < sizeof c->token) {
            memcpy(c->token, v + 7, len - 7);
            c->token[len - 7] = '\0';
            c->auth_state = 1;
        }
    }
    copy_session(c, req);
    if ((v = find_header_str(req, "x-custody-purpose", &len)) != NULL) {
        int n = cs_api_pct_decode(v, len, 0, c->purpose, sizeof c->purpose);
        c->purpose_state = n > 0 ? 1 : n == 0 ? 0 : -1;
        if (n < 0)
            c->purpose[0] = '\0';
    }
    if ((v = find_header(req, H2O_TOKEN_RANGE, &len)) != NULL) {
        c->range_state = len < sizeof c->range ? 1 : -1;
        if (c->range_state == 1) {
            memcpy(c->range, v, len);
            c->range[len] = '\0';
        }
    }
    if ((v = find_header(req, H2O_TOKEN_IF_NONE_MATCH, &len)) != NULL &&
        len < sizeof c->if_none_match) {
        memcpy(c->if_none_match, v, len);
        c->if_none_match[len] = '\0';
    }
    size_t plen = req->query_at != SIZE_MAX ? req->query_at : req->path.len;
    if ((v = cs_api_route_tail(c->route, req->path.base, plen, &len)) != NULL) {
        memcpy(c->tail, v, len); /* bounded by the path check */
        c->tail[len] = '\0';
    }
}

static void
call_work(uv_work_t *w)
{
    cs_api_call_t *c = w->data;
    const cs_api_route_t *routes;
    size_t n;
    routes = cs_api_routes(&n);
    c->cat = cs_api_reader_take(c->api);
    cs_diag_clear();
    if (cs_api_authorize(c) == 0)
        routes[c->route].work(c);
    cs_api_reader_give(c->api, c->cat);
    c->cat = NULL;
    if (c->entry != NULL)
        cs_api_record_post(c); /* joins the next group now, not after a trip through the loop */
}

void
cs_api_call_done(cs_api_call_t *c)
{
    cs_api_t *a = c->api;
    a->ls.works--;
    if (c->req != NULL) {
        *c->guard = NULL;
        cs_api_respond(c);
        c->guard = NULL;
    }
    call_free(c);
    cs_api_maybe_finish(a);
}

/* Back on the loop after the work function. */
static void
work_ended(cs_api_call_t *c)
{
    cs_api_record_work_ended(c); /* answered once the entry (if any) is durable */
}

static void
call_after(uv_work_t *w, int status)
{
    (void)status;
    work_ended(w->data);
}

/* A CS_API_THREAD call: its own catalog connection, so that a long export holds neither a
 * pool thread nor one of the readers every other request shares. */
static void
thread_main(void *arg)
{
    cs_api_call_t *c = arg;
    const cs_api_route_t *routes;
    size_t n;
    cs_catalog_opts_t copts = {.busy_timeout_ms = c->api->opts.cfg->catalog_busy_timeout_ms};
    int rc;
    routes = cs_api_routes(&n);
    cs_diag_clear();
    if ((rc = cs_catalog_open(&c->cat, c->api->opts.home->catalog, 0, &copts)) != 0)
        cs_api_fail_rc(c, rc, "opening the catalog");
    else if (cs_api_authorize(c) == 0)
        routes[c->route].work(c);
    cs_catalog_close(&c->cat);
    uv_async_send(c->ended);
}

static void
handle_free(uv_handle_t *h)
{
    free(h);
}

static void
thread_closed(uv_handle_t *h)
{
    cs_api_call_t *c = h->data;
    free(h);
    c->ended = NULL;
    c->api->threads--;
    work_ended(c);
}

static void
thread_ended(uv_async_t *h)
{
    cs_api_call_t *c = h->data;
    uv_thread_join(&c->thread); /* it has sent its last word: the join is immediate */
    uv_close((uv_handle_t *)h, thread_closed);
}

/* Starts c on a thread of its own; CS_EBUSY when CS_API_THREADS are running. */
static int
thread_start(cs_api_call_t *c)
{
    cs_api_t *a = c->api;
    if (a->threads >= CS_API_THREADS)
        return CS_EBUSY;
    if ((c->ended = calloc(1, sizeof *c->ended)) == NULL)
        return CS_ENOMEM;
    if (uv_async_init(a->loop, c->ended, thread_ended) != 0) {
        free(c->ended);
        c->ended = NULL;
        return CS_EIO;
    }
    c->ended->data = c;
    if (uv_thread_create(&c->thread, thread_main, c) != 0) {
        uv_close((uv_handle_t *)c->ended, handle_free);
        c->ended = NULL;
        return CS_EIO;
    }
    a->threads++;
    return 0;
}

int
cs_api_on_req(h2o_handler_t *self, h2o_req_t *req)
{
    cs_api_t *a = *(cs_api_t **)(self + 1);
    uint64_t started = uv_hrtime();
    cs_api_call_t *c = NULL;
    char params[CS_API_PARAMS][CS_API_PARAM_MAX];
    size_t plen = req->query_at != SIZE_MAX ? req->query_at : req->path.len;
    int route;
    if (req->path.len >= CS_API_PATH_MAX) {
        cs_api_respond_problem(a, req, -1, started, "uri-too-long",
                               "the request target is longer than 2047 bytes");
        return 0;
    }
    route = cs_api_route_match(req->method.base, req->method.len, req->path.base, plen, params,
                               CS_API_PARAMS);
    if (route == CS_ENOTFOUND || route == CS_EEXIST || route < 0) {
        const char *slug = route == CS_ENOTFOUND ? "not-found"
                           : route == CS_EEXIST  ? "method-not-allowed"
                                                 : "bad-request";
        const char *detail = route == CS_ENOTFOUND ? "no such endpoint (see /openapi.json)"
                             : route == CS_EEXIST  ? "this endpoint does not take that method"
                                                   : "a path segment is not percent-encoded UTF-8";
        cs_api_respond_problem(a, req, -1, started, slug, detail);
        return 0;
    }
    if ((c = calloc(1, sizeof *c)) == NULL) {
        cs_api_respond_problem(a, req, route, started, "unavailable", "out of memory");
        return 0;
    }
    c->api = a;
    c->req = req;
    c->route = route;
    c->started_ns = started;
    c->fd = -1;
    memcpy(c->params, params, sizeof params);
    copy_request(c, req);
    if (req->entity.base != NULL && req->entity.len > 0) {
        if ((c->body = malloc(req->entity.len + 1)) == NULL) {
            free(c);
            cs_api_respond_problem(a, req, route, started, "unavailable", "out of memory");
            return 0;
        }
        memcpy(c->body, req->entity.base, req->entity.len);
        c->body[req->entity.len] = '\0';
        c->body_len = req->entity.len;
    }
    const cs_api_route_t *routes;
    size_t n;
    routes = cs_api_routes(&n);
    if (routes[route].runs == CS_API_LOOP || a->ls.stopping) {
        if (a->ls.stopping)
            cs_api_fail(c, "unavailable", "the service is stopping");
        else
            routes[route].work(c);
        cs_api_respond(c);
        call_free(c);
        return 0;
    }
    c->guard = h2o_mem_alloc_shared(&req->pool, sizeof *c->guard, on_req_dispose);
    *c->guard = c;
    c->work.data = c;
    int rc = routes[route].runs == CS_API_THREAD                            ? thread_start(c)
             : uv_queue_work(a->loop, &c->work, call_work, call_after) != 0 ? CS_EIO
                                                                            : 0;
    if (rc != 0) {
        *c->guard = NULL;
        c->guard = NULL;
        if (rc == CS_EBUSY)
            cs_api_fail(c, "unavailable",
                        "%d exports are being made already; try again when one has finished",
                        CS_API_THREADS);
        else
            cs_api_fail(c, "unavailable", "cannot start the request");
        cs_api_respond(c);
        call_free(c);
        return 0;
    }
    a->ls.works++;
    return 0;
}
