/* ingest/service.h: `custody serve`: one libuv loop that watches the upload roots, settles
 * files, and runs each one's durable job through store, extract and done. */
#ifndef CS_INGEST_SERVICE_H
#define CS_INGEST_SERVICE_H

#include "core/config.h"
#include "core/home.h"
#include "indexer/catalog.h"

#include <uv.h>

typedef struct cs_service_opts {
    const cs_home_t *home;
    const cs_config_t *cfg;  /* as loaded; SIGHUP loads the file again */
    const char *const *sets; /* the --set overrides, applied again on reload */
    int nsets;
    const char *exe; /* the custody-worker program */
    /* Called every `periodic_ms` on the thread pool, with the catalog's lock held, and once
     * more at a clean stop (the faces above ingest/ use it to sign ledger checkpoints); may
     * be NULL. It must not block for long: every catalog write waits for it. */
    void (*periodic)(void *arg, cs_catalog_t *cat);
    void *periodic_arg;
    int periodic_ms;
    /* The faces above ingest/ that serve on the same loop (the HTTP API): start_faces is
     * called once the service's parts are open, before any job runs (an error fails the
     * start); stop_faces at the stop, and the service waits for its done(done_arg) before
     * it ends. Both may be NULL. */
    int (*start_faces)(void *arg, uv_loop_t *loop);
    void (*stop_faces)(void *arg, void (*done)(void *), void *done_arg);
    void *faces_arg;
} cs_service_opts_t;

/** Runs the service in the foreground until SIGTERM or SIGINT; refuses (CS_EBUSY, with a
 * detail) when another service holds the home. Returns 0 after a clean stop. */
int cs_service_run(const cs_service_opts_t *opts);

#endif
