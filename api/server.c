/* api/server.c: the API's h2o server on the service's uv loop: its TLS, configuration and
 * handler, what it opens and frees; the listener's life is api/listen.c's. */
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

/* The handler h2o calls for every request; it carries the API. */
typedef struct api_handler {
    h2o_handler_t super;
    cs_api_t *api;
} api_handler_t;

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

/* Frees what start made besides h2o (listen.c disposes of that first); handles already
 * closing finish on the loop. */
static void
release(void *p)
{
    cs_api_t *a = p;
    if (a->ssl)
        SSL_CTX_free(a->ssl);
    a->ssl = NULL;
    cs_api_record_stop(a);
    cs_api_readers_close(a);
    cs_store_close(&a->store);
    cs_casenum_rule_free(&a->rule);
}

/* The last step, after release: the API's memory. */
static void
destroy(void *p)
{
    cs_api_t *a = p;
    uv_mutex_destroy(&a->cat_lock);
    uv_cond_destroy(&a->cat_free);
    uv_mutex_destroy(&a->recorded_lock);
    cs_api_sessions_free(a);
    cs_addrlimit_free(&a->signin_limit);
    uv_mutex_destroy(&a->sessions_lock);
    OPENSSL_cleanse(a->media_key, sizeof a->media_key);
    free(a);
}

static const cs_listen_names_t listen_names = {
    .key = "api.listen",
    .example = "127.0.0.1:8420",
    .busy_hint = " (another program holds that port; set api.listen)",
};

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
    cs_listen_init(&a->ls, loop, a, release, destroy);
    cs_store_opts_t sopts;
    cs_store_opts_from_config(&sopts, opts->cfg);
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
        (err = setup_tls(a)) != 0 ||
        (err = cs_listen_start(&a->ls, opts->cfg->api_listen, &listen_names)) != 0)
        goto fail;
    int swept = cs_api_exports_sweep(opts->home->root);
    if (swept > 0)
        cs_log(CS_LOG_INFO, "api.exports_swept",
               json_pack("{s:i, s:s}", "folders", swept, "why", "left by an earlier run"));
    a->ls.max_conns = conns_limit(opts->cfg);
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
    cs_listen_ready(&a->ls, &a->config, &a->ctx, a->ssl);
    cs_log(CS_LOG_INFO, "api.listening",
           json_pack("{s:s, s:b}", "listen", a->ls.addr, "tls", a->ssl != NULL));
    *out = a;
    return 0;
fail:
    release(a);
    destroy(a);
    return err;
}

void
cs_api_maybe_finish(cs_api_t *a)
{
    cs_listen_maybe_finish(&a->ls);
}

void
cs_api_stop(cs_api_t *a, void (*done)(void *), void *arg)
{
    cs_listen_stop(&a->ls, done, arg);
}
