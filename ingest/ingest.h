/* ingest/ingest.h: one file in: store the original, sniff it, catalog it. */
#ifndef CS_INGEST_INGEST_H
#define CS_INGEST_INGEST_H

#include "indexer/catalog.h"
#include "storage/store.h"

#include <stdint.h>

typedef struct cs_ingest_ctx {
    cs_store_t *store;
    cs_catalog_t *cat;
    const char *actor; /* who brings the files */
} cs_ingest_ctx_t;

typedef struct cs_ingest_result {
    char sha256[CS_SHA256_HEX];
    uint64_t size;
    const char *media_type; /* static */
    int item_created;       /* first time this content was seen */
    int link_created;       /* a new link to the case was made */
} cs_ingest_result_t;

/** Stores the file at `path` (read once, never changed) and records its arrival for
 * `case_number` (normalised; NULL: unassigned) and `party` (may be NULL). The object is
 * durable before the catalog names it, so a crash between the two leaves an unnamed object
 * that the next arrival of the same bytes adopts: nothing lost, nothing twice. */
int cs_ingest_file(const cs_ingest_ctx_t *ctx, const char *path, const char *case_number,
                   const char *party, cs_ingest_result_t *res);

/** 1 for errors that concern the environment (disk full, catalog locked or damaged, I/O)
 * rather than one input file: a batch should stop on them. */
int cs_ingest_error_is_fatal(int rc);

#endif
