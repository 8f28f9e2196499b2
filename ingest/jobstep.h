/* ingest/jobstep.h: the blocking steps of one ingest job, run on the thread pool by the
 * service and in line by `custody ingest`. Each step commits the job's next state before it
 * returns, so that a crash at any moment resumes from a state that is true on disk.
 */
#ifndef CS_INGEST_JOBSTEP_H
#define CS_INGEST_JOBSTEP_H

#include "core/casenum.h"
#include "core/reason.h"
#include "core/tz.h"
#include "indexer/catalog.h"
#include "indexer/jobs.h"
#include "storage/store.h"

#include <sys/stat.h>
#include <uv.h>

typedef enum {
    CS_MODE_CONSUME, /* the upload becomes the stored object, then leaves its folder */
    CS_MODE_ARCHIVE, /* a copy is stored; the upload moves to <root>/.ingested/<date>/ */
    CS_MODE_COPY,    /* a copy is stored; the source stays as it was (custody ingest) */
} cs_job_mode_t;

typedef struct cs_job_env {
    cs_catalog_t *cat;
    uv_mutex_t *cat_lock; /* held around every catalog call; NULL when single-threaded */
    cs_store_t *store;
    const cs_casenum_rule_t *rule;
    const char *receipts; /* <home>/receipts, or NULL for none */
    cs_job_mode_t mode;
    const char *actor;            /* who receives when the route names no officer */
    int64_t user_id;              /* the Custody user credited with the file; 0: nobody */
    const struct cs_route *route; /* NULL: route by path and sidecar; else this route */
    int relaxed; /* the stored commit need not sync: the caller syncs before reporting (copy) */
    const cs_tz_t *tz; /* site.tz: the day .ingested/<date>/ is named after (NULL: UTC) */
    const struct cs_namepat *names; /* ingest.name_pattern, or NULL: names are not read */
} cs_job_env_t;

/** Takes (gives back) env->cat_lock, when there is one. */
void cs_job_env_lock(const cs_job_env_t *env);
void cs_job_env_unlock(const cs_job_env_t *env);

typedef enum {
    CS_STEP_NEXT,      /* the job moved on; run the next step */
    CS_STEP_UNSETTLED, /* a writer came back or the file changed: let it settle again */
    CS_STEP_REJECTED,  /* the file cannot be accepted; moved aside with its reason */
    CS_STEP_ALREADY,   /* the upload already is a stored object: removed, nothing recorded */
} cs_step_t;

typedef struct cs_step_out {
    cs_step_t step;
    char message[CS_REASON_TEXT_MAX]; /* why (unsettled, rejected), for the log: why.text */
    cs_reason_t why;                  /* the same with its code and params, as recorded */
    int code;                         /* rejected: the CS_E* code of the reason */
    const char *media_type;           /* sniffed, after a store */
    int item_created;
} cs_step_out_t;

/** Claims the settled file at `path` (root/rel of the job) and stores it: read lease, checks
 * against `settled`, route and sidecar, hash, adoption or copy, arrival, then clears the
 * upload and writes the receipt. Returns 0 with `out` saying how it went, or a CS_E* code
 * when the environment failed (disk full, catalog locked): the job keeps its last state. */
int cs_job_store(const cs_job_env_t *env, cs_job_t *job, const char *path,
                 const struct stat *settled, cs_step_out_t *out);

/** `path` is the job's file (NULL: root/rel). Brings a job found active at start-up back to a state
 * the pipeline can go on from: a claimed job whose bytes were adopted is recorded as stored, one
 * that was not is released to settle again or rejected if its file is gone; a stored job's upload
 * is cleared. Sets out->step: NEXT (continue from job->state), UNSETTLED (left to the scan) or
 * REJECTED. */
int cs_job_recover(const cs_job_env_t *env, cs_job_t *job, const char *path, cs_step_out_t *out);

/** The media type of the stored object `sha256`, sniffed from its first bytes as its arrival
 * was (a static string), for a job resumed past `stored`. 0 or a CS_E* code. */
int cs_job_sniff_stored(cs_store_t *store, const char *sha256, const char **media_type);

/** What the extractor should know beside the bytes: {"source_mtime", "recorded_at" (a
 * sidecar's), "default_tz", "name_time" (the time candidate of a body-camera name, source
 * "name:ingest.name_pattern": a bare wall time takes default_tz when there is one, else the
 * offset it had in `site`, site.tz, and its source says "+config:site.tz")}; a new object. */
json_t *cs_job_hints(const cs_job_t *job, const char *default_tz, const cs_tz_t *site);

/** Records the extraction (record may be NULL; failure NULL or why the step failed), then
 * moves the job through transcoded and indexed to done. */
int cs_job_finish(const cs_job_env_t *env, cs_job_t *job, json_t *record,
                  const cs_reason_t *failure);

/** Records the extraction as cs_job_finish does but stops at extracted: the item's
 * derivatives come next (ingest/derive.h), then cs_job_derived. */
int cs_job_extracted(const cs_job_env_t *env, cs_job_t *job, json_t *record,
                     const cs_reason_t *failure);

/** Records the derivatives of the job's item (`request`, `result`, `failure`: see
 * cs_derive_commit) and moves the job from extracted through transcoded and indexed to done,
 * all in one transaction (or inside the caller's batch). *failed as cs_derive_commit's. */
int cs_job_derived(const cs_job_env_t *env, cs_job_t *job, json_t *request, json_t *result,
                   const cs_reason_t *failure, int *failed);

#endif
