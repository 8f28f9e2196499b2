/* ingest/service.h: `custody serve`: one libuv loop that watches the upload roots, settles
 * files, and runs each one's durable job through store, extract and done. */
#ifndef CS_INGEST_SERVICE_H
#define CS_INGEST_SERVICE_H

#include "core/config.h"
#include "core/home.h"

typedef struct cs_service_opts {
    const cs_home_t *home;
    const cs_config_t *cfg;  /* as loaded; SIGHUP loads the file again */
    const char *const *sets; /* the --set overrides, applied again on reload */
    int nsets;
    const char *exe; /* this binary, for the workers */
} cs_service_opts_t;

/** Runs the service in the foreground until SIGTERM or SIGINT; refuses (CS_EBUSY, with a
 * detail) when another service holds the home. Returns 0 after a clean stop. */
int cs_service_run(const cs_service_opts_t *opts);

#endif
