/* ingest/service.h: `custody serve`: one libuv loop that watches the upload roots, settles
 * files, and runs each one's durable job through store, extract and done. */
#ifndef CS_INGEST_SERVICE_H
#define CS_INGEST_SERVICE_H

#include "core/config.h"
#include "core/home.h"
#include "indexer/catalog.h"

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
} cs_service_opts_t;

/** Runs the service in the foreground until SIGTERM or SIGINT; refuses (CS_EBUSY, with a
 * detail) when another service holds the home. Returns 0 after a clean stop. */
int cs_service_run(const cs_service_opts_t *opts);

#endif
