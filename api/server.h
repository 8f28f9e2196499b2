/* api/server.h: the HTTP face of Custody (h2o on the service's libuv loop).
 *
 * HTTP/1.1 always, HTTP/2 through ALPN when TLS is on. Every request that reads the catalog
 * or an object runs its catalog work on the thread pool (uv_queue_work) and streams bytes
 * with uv_fs_read, so the loop never waits on SQLite or the disk. Every read of items,
 * media and search goes through ledger/access.h and is ledgered before a byte is sent.
 * The routes, their rules and the problem types: docs/ARCHITECTURE.md (api/). */
#ifndef CS_API_SERVER_H
#define CS_API_SERVER_H

#include "core/config.h"
#include "core/home.h"

#include <uv.h>

typedef struct cs_api cs_api_t;

typedef struct cs_api_opts {
    const cs_home_t *home;  /* catalog.db and the store are opened from here */
    const cs_config_t *cfg; /* api.*, access.*, case.pattern, catalog.busy_timeout_ms */
} cs_api_opts_t;

/** Opens the API's own catalog connection and store handle, and listens on cfg->api_listen
 * (TLS when api.tls_cert and api.tls_key are both set). Logs "api.listening" once
 * listening. CS_EBUSY (address in use), CS_EACCES, CS_ECONFIG (bad api.listen, unreadable
 * certificate or key), or an error of the catalog or store, each with a detail naming the
 * key; on error *out is NULL and whatever was made is closed (the loop must run to finish
 * closing). `opts` is copied; home and cfg must outlive the API. */
int cs_api_start(cs_api_t **out, uv_loop_t *loop, const cs_api_opts_t *opts);

/** Stops listening, lets the work in flight finish, closes every connection, disposes of
 * h2o's context and calls done(arg) on the loop once everything is released; `a` is freed
 * then. Call once. */
void cs_api_stop(cs_api_t *a, void (*done)(void *), void *arg);

#endif
