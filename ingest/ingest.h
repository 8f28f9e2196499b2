/* ingest/ingest.h: the one-shot ingest of `custody ingest`: the service's job pipeline run
 * in line, with a copy of each file (a clerk's own files are never moved or changed). */
#ifndef CS_INGEST_INGEST_H
#define CS_INGEST_INGEST_H

#include "core/casenum.h"
#include "core/tz.h"
#include "indexer/catalog.h"
#include "ingest/derive.h"
#include "ingest/worker.h"
#include "storage/store.h"

#include <stdint.h>
#include <uv.h>

typedef struct cs_ingest_ctx {
    cs_store_t *store;
    cs_catalog_t *cat;
    const cs_casenum_rule_t *rule;
    const char *actor;      /* who brings the files (a name for people to read) */
    int64_t user_id;        /* the Custody user credited with them; 0: the operator */
    const char *default_tz; /* ingest.default_tz, for capture times without an offset */
    const char *stage;      /* the case's stage the files belong to ("decision"); NULL: none */
    uv_loop_t *loop;        /* the workers' loop, run until each answer */
    const cs_worker_opts_t *worker_opts; /* NULL: no extraction (the job still completes) */
    cs_workers_t *workers;               /* started at the first file worth parsing */
    const cs_derive_opts_t *derive_opts; /* transcode.*; NULL: no derivatives */
    const char *derive_dir; /* where workers write copies (on the store's file system) */
    /* Called while a recording is transcoded (may be NULL): name, percent (-1: unknown), fps. */
    void (*progress)(void *arg, const char *name, double percent, double fps);
    void *progress_arg;
    const struct cs_namepat *names; /* ingest.name_pattern; NULL: names are not read */
    const cs_tz_t *site;            /* site.tz, for a name's bare wall time (NULL: UTC) */
} cs_ingest_ctx_t;

typedef struct cs_ingest_result {
    char sha256[CS_SHA256_HEX];
    uint64_t size;
    const char *media_type; /* static */
    int item_created;       /* first time this content was seen */
    char failure[512];      /* "" or why a step after storing failed (the item is kept) */
    int derivatives;        /* copies asked for */
    int derivatives_failed; /* of which failed (recorded with their reasons) */
    char damaged[384];      /* "" or why the recording is damaged (media/damage.h; kept) */
} cs_ingest_result_t;

/** (The commits are not synced: call cs_catalog_sync before reporting files as stored.)
 * Runs one file through the job states: claimed, stored (a copy, read once), extracted in a
 * worker, transcoded (derivatives made in a worker, stored and recorded), done; linked to
 * `case_number` (normalised; NULL: unassigned) and `party` (may be NULL). A file that cannot be
 * accepted returns its CS_E* code with cs_diag() naming it; environment failures (disk full,
 * catalog locked) likewise, with the job left to resume. */
int cs_ingest_file(cs_ingest_ctx_t *ctx, const char *path, const char *case_number,
                   const char *party, cs_ingest_result_t *res);

/** Stops the workers, if any were started, and waits for them. */
void cs_ingest_finish(cs_ingest_ctx_t *ctx);

/** 1 for errors that concern the environment (disk full, catalog locked or damaged, I/O)
 * rather than one input file: a batch should stop on them. */
int cs_ingest_error_is_fatal(int rc);

#endif
