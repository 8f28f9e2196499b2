/* api/server.c: listening, accepting and stopping: h2o on the service's uv loop. */
#include "api/api_int.h"

#include "api/mediaurl.h"

#include "core/error.h"
#include "core/log.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/resource.h>
#include <sys/socket.h>

struct cs_api_conn {
    uv_tcp_t tcp; /* first: h2o's close callback gets this handle */
    cs_api_t *api;
    cs_api_conn_t *prev, *next;
};

/* The handler h2o calls for every request; it carries the API. */
typedef struct api_handler {
    h2o_handler_t super;
    cs_api_t *api;
} api_handler_t;

static void
conn_closed(uv_handle_t *h)
{
    cs_api_conn_t *c = (cs_api_conn_t *)h;
    cs_api_t *a = c->api;
    if (c->prev)
        c->prev->next = c->next;
    else
        a->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    a->nconns--;
    free(c);
    cs_api_maybe_finish(a);
}

static void
conn_refused(uv_handle_t *h)
{
    free(h);
}

static void
on_accept(uv_stream_t *listener, int status)
{
    cs_api_t *a = listener->data;
    cs_api_conn_t *c;
    if (status != 0 || (c = calloc(1, sizeof *c)) == NULL)
        return;
    uv_tcp_init(a->loop, &c->tcp);
    if (uv_accept(listener, (uv_stream_t *)&c->tcp) != 0 || a->stopping ||
        a->nconns >= a->max_conns) {
        /* Too many open: closing at once keeps the loop and the fds free. */
        uv_close((uv_handle_t *)&c->tcp, conn_refused);
        return;
    }
    c->api = a;
    c->next = a->conns;
    if (a->conns)
        a->conns->prev = c;
    a->conns = c;
    a->nconns++;
    h2o_socket_t *sock = h2o_uv_socket_create((uv_stream_t *)&c->tcp, conn_closed);
    h2o_accept(&a->accept_ctx, sock);
}

/* "IPV4:PORT" or "[IPV6]:PORT". */
static int
parse_listen(const char *text, struct sockaddr_storage *ss)
{
    char host[64];
    const char *colon = strrchr(text, ':');
    char *end = NULL;
    long port;
    size_t n;
    if (colon == NULL)
        goto bad;
    port = strtol(colon + 1, &end, 10);
    n = (size_t)(colon - text);
    if (*end != '\0' || end == colon + 1 || port < 0 || port > 65535 || n == 0 || n >= sizeof host)
        goto bad;
    if (text[0] == '[') {
        if (n < 3 || text[n - 1] != ']')
            goto bad;
        memcpy(host, text + 1, n - 2);
        host[n - 2] = '\0';
        if (uv_ip6_addr(host, (int)port, (struct sockaddr_in6 *)ss) != 0)
            goto bad;
        return 0;
    }
    memcpy(host, text, n);
    host[n] = '\0';
    if (uv_ip4_addr(host, (int)port, (struct sockaddr_in *)ss) != 0)
        goto bad;
    return 0;
bad:
    cs_diag_set("api.listen = \"%s\": give IPV4:PORT or [IPV6]:PORT, e.g. 127.0.0.1:8420", text);
    return CS_ECONFIG;
}

static int
setup_tls(cs_api_t *a)
{
    const cs_config_t *cfg = a->opts.cfg;
    if (cfg->api_tls_cert[0] == '\0' && cfg->api_tls_key[0] == '\0')
        return 0;
    if (cfg->api_tls_cert[0] == '\0' || cfg->api_tls_key[0] == '\0') {
        cs_diag_set("api.tls_cert and api.tls_key go together: set both for TLS, or neither");
        return CS_ECONFIG;
    }
    if ((a->ssl = SSL_CTX_new(TLS_server_method())) == NULL)
        return CS_ECRYPTO;
    SSL_CTX_set_min_proto_version(a->ssl, TLS1_2_VERSION);
    if (SSL_CTX_use_certificate_chain_file(a->ssl, cfg->api_tls_cert) != 1) {
        cs_diag_set("api.tls_cert %s: cannot read a PEM certificate (%s)", cfg->api_tls_cert,
                    ERR_reason_error_string(ERR_peek_last_error()));
        return CS_ECONFIG;
    }
    if (SSL_CTX_use_PrivateKey_file(a->ssl, cfg->api_tls_key, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(a->ssl) != 1) {
        cs_diag_set("api.tls_key %s: cannot read a PEM private key matching api.tls_cert (%s)",
                    cfg->api_tls_key, ERR_reason_error_string(ERR_peek_last_error()));
        return CS_ECONFIG;
    }
    h2o_ssl_register_alpn_protocols(a->ssl, h2o_http2_alpn_protocols);
    return 0;
}

static void
listener_closed(uv_handle_t *h)
{
    free(h);
}

static int
start_listener(cs_api_t *a)
{
    struct sockaddr_storage ss;
    int r, err;
    memset(&ss, 0, sizeof ss);
    if ((err = parse_listen(a->listen, &ss)) != 0)
        return err;
    if ((a->listener = calloc(1, sizeof *a->listener)) == NULL)
        return CS_ENOMEM;
    uv_tcp_init(a->loop, a->listener);
    a->listener->data = a;
    if ((r = uv_tcp_bind(a->listener, (struct sockaddr *)&ss, 0)) != 0 ||
        (r = uv_listen((uv_stream_t *)a->listener, 511, on_accept)) != 0) {
        cs_diag_set("api.listen = %s: cannot listen there: %s%s", a->listen, uv_strerror(r),
                    r == UV_EADDRINUSE ? " (another program holds that port; set api.listen)" : "");
        uv_close((uv_handle_t *)a->listener, listener_closed);
        a->listener = NULL;
        return r == UV_EADDRINUSE ? CS_EBUSY : r == UV_EACCES ? CS_EACCES : CS_ECONFIG;
    }
    /* The address as bound: with port 0 the system chose one, and the log says which. */
    int len = (int)sizeof ss;
    char host[64];
    if (uv_tcp_getsockname(a->listener, (struct sockaddr *)&ss, &len) == 0) {
        int v6 = ss.ss_family == AF_INET6;
        int port = ntohs(v6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                            : ((struct sockaddr_in *)&ss)->sin_port);
        if ((v6 ? uv_ip6_name((struct sockaddr_in6 *)&ss, host, sizeof host)
                : uv_ip4_name((struct sockaddr_in *)&ss, host, sizeof host)) == 0)
            /* fits: an address of at most 45 bytes (INET6_ADDRSTRLEN) and a port < 64 */
            snprintf(a->listen, sizeof a->listen, v6 ? "[%s]:%d" : "%s:%d", host, port);
    }
    return 0;
}

/* Connections at most: api.max_conns, under the open-file limit (raised to its hard limit
 * first) less what the service keeps for itself (catalog, objects, workers, watches). */
static int
conns_limit(const cs_config_t *cfg)
{
    struct rlimit rl;
    rlim_t keep = 256, cap = (rlim_t)cfg->api_max_conns;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return cfg->api_max_conns < 512 ? cfg->api_max_conns : 512;
    if (rl.rlim_cur < rl.rlim_max) {
        rlim_t want = cap + keep;
        rl.rlim_cur = rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want ? rl.rlim_max : want;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
            getrlimit(RLIMIT_NOFILE, &rl);
    }
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < cap + keep)
        cap = rl.rlim_cur > 2 * keep ? rl.rlim_cur - keep : rl.rlim_cur / 2;
    if ((int)cap < cfg->api_max_conns)
        cs_log(CS_LOG_WARN, "api.conns_limited",
               json_pack("{s:i, s:i, s:I, s:s}", "max_conns", cfg->api_max_conns, "allowed",
                         (int)cap, "open_files", (json_int_t)rl.rlim_cur, "what_to_do",
                         "raise the open-file limit (LimitNOFILE=, ulimit -n) or lower "
                         "api.max_conns"));
    return (int)cap;
}

/* Frees what start made; handles already closing finish on the loop. */
static void
release(cs_api_t *a)
{
    if (a->h2o_ready) {
        /* h2o_context_request_shutdown links the HTTP/2 GOAWAY resend into the one-second
         * timeout, and h2o_context_dispose asserts that no timeout has entries left. */
        if (h2o_timeout_is_linked(&a->ctx.http2._graceful_shutdown_timeout))
            h2o_timeout_unlink(&a->ctx.http2._graceful_shutdown_timeout);
        h2o_context_dispose(&a->ctx);
        h2o_config_dispose(&a->config);
        a->h2o_ready = 0;
    }
    if (a->ssl)
        SSL_CTX_free(a->ssl);
    a->ssl = NULL;
    cs_api_record_stop(a);
    cs_api_readers_close(a);
    cs_store_close(&a->store);
    cs_casenum_rule_free(&a->rule);
}

int
cs_api_start(cs_api_t **out, uv_loop_t *loop, const cs_api_opts_t *opts)
{
    cs_api_t *a = calloc(1, sizeof *a);
    int err;
    *out = NULL;
    if (a == NULL)
        return CS_ENOMEM;
    a->loop = loop;
    a->opts = *opts;
    cs_store_opts_t sopts;
    cs_store_opts_from_config(&sopts, opts->cfg);
    snprintf(a->listen, sizeof a->listen, "%s", opts->cfg->api_listen); /* fits: both 64 */
    uv_mutex_init(&a->cat_lock);
    uv_cond_init(&a->cat_free);
    uv_mutex_init(&a->recorded_lock);
    uv_mutex_init(&a->sessions_lock);
    if ((err = cs_api_media_key_new(a->media_key)) != 0 || (err = cs_api_sessions_new(a)) != 0 ||
        (err = cs_addrlimit_new(&a->signin_limit, opts->cfg->auth_address_failures,
                                opts->cfg->auth_address_window_s, CS_API_SESSIONS * 4)) != 0 ||
        (err = cs_api_readers_open(a)) != 0 || (err = cs_api_record_start(a)) != 0 ||
        (err = cs_store_open(&a->store, opts->home->store, 0, &sopts)) != 0 ||
        (err = cs_casenum_rule_new(&a->rule, opts->cfg->case_pattern)) != 0 ||
        (err = setup_tls(a)) != 0 || (err = start_listener(a)) != 0)
        goto fail;
    int swept = cs_api_exports_sweep(opts->home->root);
    if (swept > 0)
        cs_log(CS_LOG_INFO, "api.exports_swept",
               json_pack("{s:i, s:s}", "folders", swept, "why", "left by an earlier run"));
    a->max_conns = conns_limit(opts->cfg);
    h2o_config_init(&a->config);
    a->config.max_request_entity_size = (size_t)opts->cfg->api_max_body;
    /* A connection silent this long goes: idle keep-alive ones and clients that send a
     * request too slowly (HTTP/1 header reads, HTTP/2 idle streams alike). */
    a->config.http1.req_timeout = (uint64_t)opts->cfg->api_idle_timeout_ms;
    a->config.http2.idle_timeout = (uint64_t)opts->cfg->api_idle_timeout_ms;
    a->config.server_name = h2o_iovec_init(H2O_STRLIT("custody"));
    h2o_hostconf_t *host =
        h2o_config_register_host(&a->config, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    cs_api_refusals_register(host, opts->cfg->api_max_body);
    h2o_pathconf_t *path = h2o_config_register_path(host, "/", 0);
    api_handler_t *h = (api_handler_t *)h2o_create_handler(path, sizeof *h);
    h->super.on_req = cs_api_on_req;
    h->api = a;
    h2o_context_init(&a->ctx, loop, &a->config);
    a->h2o_ready = 1;
    a->accept_ctx.ctx = &a->ctx;
    a->accept_ctx.hosts = a->config.hosts;
    a->accept_ctx.ssl_ctx = a->ssl;
    uv_timer_init(loop, &a->reaper);
    a->reaper.data = a;
    cs_log(CS_LOG_INFO, "api.listening",
           json_pack("{s:s, s:b}", "listen", a->listen, "tls", a->ssl != NULL));
    *out = a;
    return 0;
fail:
    release(a);
    uv_mutex_destroy(&a->cat_lock);
    uv_cond_destroy(&a->cat_free);
    uv_mutex_destroy(&a->recorded_lock);
    cs_api_sessions_free(a);
    cs_addrlimit_free(&a->signin_limit);
    uv_mutex_destroy(&a->sessions_lock);
    OPENSSL_cleanse(a->media_key, sizeof a->media_key);
    free(a);
    return err;
}

static void
reaper_closed(uv_handle_t *h)
{
    cs_api_t *a = h->data;
    void (*done)(void *) = a->done;
    void *arg = a->done_arg;
    uv_mutex_destroy(&a->cat_lock);
    uv_cond_destroy(&a->cat_free);
    uv_mutex_destroy(&a->recorded_lock);
    cs_api_sessions_free(a);
    cs_addrlimit_free(&a->signin_limit);
    uv_mutex_destroy(&a->sessions_lock);
    OPENSSL_cleanse(a->media_key, sizeof a->media_key);
    free(a);
    if (done)
        done(arg);
}

/* h2o's context closes its own timers and async handle with uv_close; they are finished
 * one loop turn later. Two turns of a timer make sure of it before the memory goes. */
static void
on_reaper(uv_timer_t *t)
{
    cs_api_t *a = t->data;
    if (++a->reaper_turns < 2) {
        uv_timer_start(t, on_reaper, 0, 0);
        return;
    }
    uv_close((uv_handle_t *)t, reaper_closed);
}

void
cs_api_maybe_finish(cs_api_t *a)
{
    if (!a->stopping || a->disposed || a->works > 0)
        return;
    if (!a->conns_cut) {
        /* The work in flight has answered: close what is left (idle keep-alive connections
         * and downloads still streaming). h2o sees the end of its socket and closes it. */
        a->conns_cut = 1;
        for (cs_api_conn_t *c = a->conns; c != NULL; c = c->next) {
            uv_os_fd_t fd;
            if (uv_fileno((uv_handle_t *)&c->tcp, &fd) == 0)
                shutdown(fd, SHUT_RDWR);
        }
    }
    if (a->nconns > 0 || a->streams > 0)
        return;
    a->disposed = 1;
    release(a);
    uv_timer_start(&a->reaper, on_reaper, 0, 0);
}

void
cs_api_stop(cs_api_t *a, void (*done)(void *), void *arg)
{
    a->done = done;
    a->done_arg = arg;
    a->stopping = 1;
    if (a->listener != NULL) {
        uv_close((uv_handle_t *)a->listener, listener_closed);
        a->listener = NULL;
    }
    h2o_context_request_shutdown(&a->ctx);
    cs_api_maybe_finish(a);
}
