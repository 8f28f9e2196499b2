/* indexer/jobs.h: the durable ingest jobs: one per upload, moving through
 * discovered → claimed → stored → extracted → transcoded → indexed → done, or rejected.
 *
 * Each transition is one committed transaction, made before the next step starts, so a
 * restarted service resumes every job from its last state. At most one job per (root, path)
 * is active (not done or rejected) at a time.
 */
#ifndef CS_INDEXER_JOBS_H
#define CS_INDEXER_JOBS_H

#include "core/reason.h"
#include "indexer/catalog.h"

#include <limits.h>
#include <stdint.h>

typedef enum {
    CS_JOB_DISCOVERED,
    CS_JOB_CLAIMED,
    CS_JOB_STORED,
    CS_JOB_EXTRACTED,
    CS_JOB_TRANSCODED,
    CS_JOB_INDEXED,
    CS_JOB_DONE,
    CS_JOB_REJECTED,
} cs_job_state_t;

typedef struct cs_job {
    int64_t id;
    cs_job_state_t state;
    char root[PATH_MAX];
    char rel[PATH_MAX];
    int64_t size, mtime_ns; /* as claimed */
    int64_t dev, ino;       /* of the claimed file */
    char sha256[65];        /* "" until hashed */
    int claims;             /* claims abandoned because the file changed */
    char route[8192];       /* the route as JSON text, "{}" until claimed */
} cs_job_t;

/** "discovered", "claimed", ... */
const char *cs_job_state_name(cs_job_state_t s);

/** Finds the active job of (root, rel) without writing: fills *job, or, when there is none,
 * a job with id 0 in state discovered that cs_jobs_claim records as it claims it. */
int cs_jobs_find(cs_catalog_t *cat, const char *root, const char *rel, cs_job_t *job);

/** Records files first seen by a scan as discovered, in one transaction; files that already
 * have an active job are left as they are. */
int cs_jobs_discover_many(cs_catalog_t *cat, const char *const *roots, const char *const *rels,
                          size_t n);

/** discovered → claimed, with the file's identity as settled and its route (borrowed); a job
 * with id 0 (see cs_jobs_find) is inserted as claimed. */
int cs_jobs_claim(cs_catalog_t *cat, cs_job_t *job, json_t *route);

/** claimed → discovered: the file changed or a writer came back; it settles again. */
int cs_jobs_unclaim(cs_catalog_t *cat, cs_job_t *job, const cs_reason_t *reason);

/** claimed → stored, together with the arrival's rows, in one transaction. */
int cs_jobs_stored(cs_catalog_t *cat, cs_job_t *job, const cs_arrival_t *a,
                   cs_arrival_result_t *res);

/** stored → extracted: keeps the metadata record (borrowed; may be NULL) and, when the step
 * failed, counts the failure with its reason, code and params (the item stays stored). `to` may be
 * a later state (up to done) when the steps between have nothing to do: one commit, not several. */
int cs_jobs_extracted(cs_catalog_t *cat, cs_job_t *job, json_t *record, const cs_reason_t *failure,
                      cs_job_state_t to);

/** Moves a job to the next state `to` (transcoded, indexed, done); `failure` as above. */
int cs_jobs_advance(cs_catalog_t *cat, cs_job_t *job, cs_job_state_t to,
                    const cs_reason_t *failure);

/** An upload that is already the stored object `sha256` (a removal lost in a power cut):
 * the job is done with `reason`, and no second arrival is recorded. */
int cs_jobs_already(cs_catalog_t *cat, cs_job_t *job, const char *sha256,
                    const cs_reason_t *reason);

/** Any active state → rejected, with one line a clerk can act on (and its code, params). */
int cs_jobs_reject(cs_catalog_t *cat, cs_job_t *job, const cs_reason_t *reason);

/** Records that the scan refused the upload (root, rel) without a job (a symbolic link, FIFO,
 * device or socket) with `reason`: as a rejected job, unless the path's latest job is rejected
 * with the same reason already or is being stored. A job discovered for it is rejected. Sets
 * *fresh to 1 when a rejection was recorded now (to be logged), else 0. */
int cs_jobs_refuse(cs_catalog_t *cat, const char *root, const char *rel, const cs_reason_t *reason,
                   int *fresh);

/** Calls fn for every active job, oldest first; stops at fn's first non-zero return. */
int cs_jobs_each_active(cs_catalog_t *cat, int (*fn)(const cs_job_t *job, void *arg), void *arg);

/** Status: {"jobs":{state:count...}, "last_minute":{"files","bytes","files_per_s","mb_per_s"},
 * "rejected", "failed", "oldest_pending":{path, since} or null, "recent_rejections":[{root,
 * path, reason, reason_code, reason_params, at}...],
 * "damaged": {"count", "recent": [...]} (indexer/damaged.h)} */
int cs_jobs_status(cs_catalog_t *cat, json_t **out);

/** Items with no active link: [{sha256, size, media_type, received_at, original_name}]. */
int cs_catalog_unassigned(cs_catalog_t *cat, json_t **out);

/** The item's metadata record, or JSON null when none; *out is the caller's. */
int cs_catalog_metadata(cs_catalog_t *cat, const char *sha256, json_t **out);

#endif
