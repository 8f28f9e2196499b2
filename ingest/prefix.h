/* ingest/prefix.h: a copy that stalled, then came again whole. When a new item arrives from the
 * same path (same upload folder, same name) as an earlier item flagged damaged, and its first
 * bytes are exactly that earlier item (the earlier size is a prefix of the new file and the
 * SHA-256 of that prefix is the earlier item's), both items get a `stalled_copy` event naming
 * the other, so a clerk can tell one recording from two. */
#ifndef CS_INGEST_PREFIX_H
#define CS_INGEST_PREFIX_H

#include "ingest/jobstep.h"

/** The words of the event, on both items. */
#define CS_PREFIX_MESSAGE                                                                          \
    "an earlier upload of this name was a prefix of this one: a copy that stalled"

/** For the job whose upload at `path` was just stored as a new item (job->sha256, job->size):
 * links it to every earlier damaged item from `path` whose bytes begin it (events `stalled_copy`
 * on both, detail {message, role: "fragment" | "whole", other: sha256, prefix_bytes}). Reads the
 * new object from env->store without the catalog lock. *linked = how many were linked. Returns 0
 * or a CS_E* code (catalog, store) with cs_diag() set; the item is stored either way. */
int cs_prefix_link(const cs_job_env_t *env, const cs_job_t *job, const char *path, int *linked);

/** What both drivers call after a store step (`out` its outcome): for a new item, cs_prefix_link,
 * logged at warn (`job.stalled_copy`, or `job.prefix_check_failed`: the job goes on). */
void cs_prefix_after_store(const cs_job_env_t *env, const cs_job_t *job, const char *path,
                           const cs_step_out_t *out);

#endif
