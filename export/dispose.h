/* export/dispose.h: carrying out approved disposal batches (issue 22, part 3), for
 * `custody dispose run` and the service. For each approved batch whose grace has passed:
 * first an export of its records (never the media) in <home>/disposals/batch-<N>-records/;
 * then per item, asking indexer/retention.h again (a hold or a reopened case since keeps it:
 * skipped and ledgered), the tombstone and `disposed` entry (one transaction, before any byte
 * goes), then the original's and every copy's bytes removed through the store. A crash at
 * any moment loses nothing else and a run again finishes the work, writing no entry twice.
 * An object the object store's retention (Object Lock) keeps leaves its item waiting,
 * `locked` with the date, taken up again by later runs. */
#ifndef CS_EXPORT_DISPOSE_H
#define CS_EXPORT_DISPOSE_H

#include "core/config.h"
#include "indexer/catalog.h"
#include "storage/store.h"

#include <stdint.h>

#define CS_DISPOSE_EXPORT_DIR "disposals" /* under the home */

typedef struct cs_dispose_report {
    int batches;  /* approved batches taken up */
    int disposed; /* items whose bytes are gone now */
    int skipped;  /* items no longer due: kept */
    int locked;   /* items waiting for the object store's retention */
    int failed;   /* items left for the next run (a store that did not answer...) */
} cs_dispose_report_t;

/** Carries out the approved batches whose grace has passed at `now_ms` (only batch `only` when
 * not 0) as `actor` (who runs it: the OS user, or "service"), under `cfg`, writing exports
 * under `home_root`. *rep (may be NULL) counts what happened. A failure of one item is logged
 * and counted, and the run goes on; a failure of the catalog or of an export stops it. */
int cs_dispose_run(cs_catalog_t *cat, cs_store_t *store, const cs_config_t *cfg,
                   const char *home_root, const char *actor, int64_t now_ms, int64_t only,
                   cs_dispose_report_t *rep);

#endif
