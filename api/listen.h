/* api/listen.h: one h2o listener's life on the service's uv loop, the part that the API
 * (server.c) and the public page (public_serve.c) share: the listening socket, the
 * connections it accepted, the work and streams in flight, and the stop. Each server embeds
 * a cs_listen_t and keeps its own h2o configuration, handlers and TLS; the listener calls its
 * owner back to release those and to free the owner once everything is closed. Loop thread
 * only. */
#ifndef CS_API_LISTEN_H
#define CS_API_LISTEN_H

#include <h2o.h>
#include <uv.h>

typedef struct cs_listen_conn cs_listen_conn_t;

/* How a listener's address is named in its error details. */
typedef struct cs_listen_names {
    const char *key;       /* the config key: "api.listen" */
    const char *example;   /* what follows "e.g. " in a bad address's detail */
    const char *busy_hint; /* what follows the error when the port is taken, or NULL */
} cs_listen_names_t;

typedef struct cs_listen {
    uv_loop_t *loop;
    char addr[64]; /* the address as given, then as bound (port 0: the one the system chose) */
    h2o_globalconf_t *config; /* the owner's, from cs_listen_ready: disposed of at the end */
    h2o_context_t *ctx;
    h2o_accept_ctx_t accept_ctx;
    uv_tcp_t *listener;
    cs_listen_conn_t *conns; /* open connections (a list, for the stop) */
    int nconns;
    int max_conns; /* more are closed as they arrive */
    int works;     /* the owner's work in flight: the stop waits for it before cutting */
    int streams;   /* the owner's answers still streaming: the stop waits for them */
    int stopping, conns_cut, disposed;
    uv_timer_t reaper; /* frees the owner two loop turns after h2o's handles were closed */
    int reaper_turns;
    void *owner;
    void (*release)(void *owner); /* frees what else the owner's start made, after h2o */
    void (*destroy)(void *owner); /* frees the owner itself, the last step */
    void (*done)(void *);
    void *done_arg;
} cs_listen_t;

/** Sets up l (zeroed by the caller, inside `owner`) on loop; release and destroy are called
 * once each, in that order, when a stop has finished. Makes no handle. */
void cs_listen_init(cs_listen_t *l, uv_loop_t *loop, void *owner, void (*release)(void *),
                    void (*destroy)(void *));

/** Listens on `text` ("IPV4:PORT" or "[IPV6]:PORT") and leaves the address as bound in
 * l->addr. CS_ECONFIG (bad address), CS_EBUSY (in use) or CS_EACCES, each with a detail
 * naming names->key, or CS_ENOMEM; on error no listener is left (its handle closes on the
 * loop). */
int cs_listen_start(cs_listen_t *l, const char *text, const cs_listen_names_t *names);

/** Once the owner's h2o configuration and context are made (the last step of its start):
 * connections accepted from now go to the configuration's hosts, with TLS when ssl is not
 * NULL; the stop disposes of both before calling release. Makes the reaper timer. */
void cs_listen_ready(cs_listen_t *l, h2o_globalconf_t *config, h2o_context_t *ctx, SSL_CTX *ssl);

/** Call when works, streams or the connections went down: once stopping and nothing is in
 * flight, cuts the connections left, and when they have closed releases and frees the owner
 * and calls done. */
void cs_listen_maybe_finish(cs_listen_t *l);

/** Stops listening, asks h2o to shut down, and finishes as cs_listen_maybe_finish says,
 * calling done(arg) on the loop at the end. Call once, after cs_listen_ready. */
void cs_listen_stop(cs_listen_t *l, void (*done)(void *), void *arg);

#endif
