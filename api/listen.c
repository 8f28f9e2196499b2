/* api/listen.c: listening, accepting and stopping for an h2o server on the uv loop
 * (listen.h). */
#include "api/listen.h"

#include "core/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

struct cs_listen_conn {
    uv_tcp_t tcp; /* first: h2o's close callback gets this handle */
    cs_listen_t *l;
    cs_listen_conn_t *prev, *next;
};

static void
handle_free(uv_handle_t *h)
{
    free(h);
}

static void
conn_closed(uv_handle_t *h)
{
    cs_listen_conn_t *c = (cs_listen_conn_t *)h;
    cs_listen_t *l = c->l;
    if (c->prev)
        c->prev->next = c->next;
    else
        l->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    l->nconns--;
    free(c);
    cs_listen_maybe_finish(l);
}

static void
on_accept(uv_stream_t *listener, int status)
{
    cs_listen_t *l = listener->data;
    cs_listen_conn_t *c;
    if (status != 0 || (c = calloc(1, sizeof *c)) == NULL)
        return;
    uv_tcp_init(l->loop, &c->tcp);
    if (uv_accept(listener, (uv_stream_t *)&c->tcp) != 0 || l->stopping ||
        l->nconns >= l->max_conns) {
        /* Too many open: closing at once keeps the loop and the fds free. */
        uv_close((uv_handle_t *)&c->tcp, handle_free);
        return;
    }
    c->l = l;
    c->next = l->conns;
    if (l->conns)
        l->conns->prev = c;
    l->conns = c;
    l->nconns++;
    h2o_accept(&l->accept_ctx, h2o_uv_socket_create((uv_stream_t *)&c->tcp, conn_closed));
}

/* "IPV4:PORT" or "[IPV6]:PORT". */
static int
parse_addr(const char *text, struct sockaddr_storage *ss)
{
    char host[64];
    const char *colon = strrchr(text, ':');
    char *end = NULL;
    long port;
    size_t n;
    if (colon == NULL)
        return CS_ECONFIG;
    port = strtol(colon + 1, &end, 10);
    n = (size_t)(colon - text);
    if (*end != '\0' || end == colon + 1 || port < 0 || port > 65535 || n == 0 || n >= sizeof host)
        return CS_ECONFIG;
    if (text[0] == '[') {
        if (n < 3 || text[n - 1] != ']')
            return CS_ECONFIG;
        memcpy(host, text + 1, n - 2);
        host[n - 2] = '\0';
        return uv_ip6_addr(host, (int)port, (struct sockaddr_in6 *)ss) == 0 ? 0 : CS_ECONFIG;
    }
    memcpy(host, text, n);
    host[n] = '\0';
    return uv_ip4_addr(host, (int)port, (struct sockaddr_in *)ss) == 0 ? 0 : CS_ECONFIG;
}

void
cs_listen_init(cs_listen_t *l, uv_loop_t *loop, void *owner, void (*release)(void *),
               void (*destroy)(void *))
{
    l->loop = loop;
    l->owner = owner;
    l->release = release;
    l->destroy = destroy;
}

int
cs_listen_start(cs_listen_t *l, const char *text, const cs_listen_names_t *names)
{
    struct sockaddr_storage ss;
    int r, len = (int)sizeof ss;
    char host[64];
    memset(&ss, 0, sizeof ss);
    r = snprintf(l->addr, sizeof l->addr, "%s", text);
    if (r < 0 || (size_t)r >= sizeof l->addr || parse_addr(l->addr, &ss) != 0) {
        cs_diag_set("%s = \"%s\": give IPV4:PORT or [IPV6]:PORT, e.g. %s", names->key, text,
                    names->example);
        return CS_ECONFIG;
    }
    if ((l->listener = calloc(1, sizeof *l->listener)) == NULL)
        return CS_ENOMEM;
    uv_tcp_init(l->loop, l->listener);
    l->listener->data = l;
    if ((r = uv_tcp_bind(l->listener, (struct sockaddr *)&ss, 0)) != 0 ||
        (r = uv_listen((uv_stream_t *)l->listener, 511, on_accept)) != 0) {
        cs_diag_set("%s = %s: cannot listen there: %s%s", names->key, l->addr, uv_strerror(r),
                    r == UV_EADDRINUSE && names->busy_hint ? names->busy_hint : "");
        uv_close((uv_handle_t *)l->listener, handle_free);
        l->listener = NULL;
        return r == UV_EADDRINUSE ? CS_EBUSY : r == UV_EACCES ? CS_EACCES : CS_ECONFIG;
    }
    /* The address as bound: with port 0 the system chose one, and the log says which. */
    if (uv_tcp_getsockname(l->listener, (struct sockaddr *)&ss, &len) == 0) {
        int v6 = ss.ss_family == AF_INET6;
        int port = ntohs(v6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                            : ((struct sockaddr_in *)&ss)->sin_port);
        if ((v6 ? uv_ip6_name((struct sockaddr_in6 *)&ss, host, sizeof host)
                : uv_ip4_name((struct sockaddr_in *)&ss, host, sizeof host)) == 0)
            /* fits: an address of at most 45 bytes (INET6_ADDRSTRLEN) and a port < 64 */
            snprintf(l->addr, sizeof l->addr, v6 ? "[%s]:%d" : "%s:%d", host, port);
    }
    return 0;
}

void
cs_listen_ready(cs_listen_t *l, h2o_globalconf_t *config, h2o_context_t *ctx, SSL_CTX *ssl)
{
    l->config = config;
    l->ctx = ctx;
    l->accept_ctx.ctx = ctx;
    l->accept_ctx.hosts = config->hosts;
    l->accept_ctx.ssl_ctx = ssl;
    uv_timer_init(l->loop, &l->reaper);
    l->reaper.data = l;
}

static void
reaper_closed(uv_handle_t *h)
{
    cs_listen_t *l = h->data;
    void (*done)(void *) = l->done;
    void *arg = l->done_arg;
    l->destroy(l->owner); /* l goes with it */
    if (done)
        done(arg);
}

/* h2o's context closes its own timers and async handle with uv_close; they are finished
 * one loop turn later. Two turns of a timer make sure of it before the memory goes. */
static void
on_reaper(uv_timer_t *t)
{
    cs_listen_t *l = t->data;
    if (++l->reaper_turns < 2) {
        uv_timer_start(t, on_reaper, 0, 0);
        return;
    }
    uv_close((uv_handle_t *)t, reaper_closed);
}

void
cs_listen_maybe_finish(cs_listen_t *l)
{
    if (!l->stopping || l->disposed || l->works > 0)
        return;
    if (!l->conns_cut) {
        /* The work in flight has answered: close what is left (idle keep-alive connections
         * and downloads still streaming). h2o sees the end of its socket and closes it. */
        l->conns_cut = 1;
        for (cs_listen_conn_t *c = l->conns; c != NULL; c = c->next) {
            uv_os_fd_t fd;
            if (uv_fileno((uv_handle_t *)&c->tcp, &fd) == 0)
                shutdown(fd, SHUT_RDWR);
        }
    }
    if (l->nconns > 0 || l->streams > 0)
        return;
    l->disposed = 1;
    /* h2o_context_request_shutdown links the HTTP/2 GOAWAY resend into the one-second
     * timeout, and h2o_context_dispose asserts that no timeout has entries left. */
    if (h2o_timeout_is_linked(&l->ctx->http2._graceful_shutdown_timeout))
        h2o_timeout_unlink(&l->ctx->http2._graceful_shutdown_timeout);
    h2o_context_dispose(l->ctx);
    h2o_config_dispose(l->config);
    l->release(l->owner);
    uv_timer_start(&l->reaper, on_reaper, 0, 0);
}

void
cs_listen_stop(cs_listen_t *l, void (*done)(void *), void *arg)
{
    l->done = done;
    l->done_arg = arg;
    l->stopping = 1;
    if (l->listener != NULL) {
        uv_close((uv_handle_t *)l->listener, handle_free);
        l->listener = NULL;
    }
    h2o_context_request_shutdown(l->ctx);
    cs_listen_maybe_finish(l);
}
