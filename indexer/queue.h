/* indexer/queue.h: what a clerk watches: the ingest jobs newest first, the files rejected and
 * the items flagged for attention, each with its reason in words, and the items no case
 * holds. Reads only; `custody status` has the totals (jobs.h). */
#ifndef CS_INDEXER_QUEUE_H
#define CS_INDEXER_QUEUE_H

#include "indexer/catalog.h"

#include <jansson.h>

/** *out = {"jobs": [{id, root, path, case, officer, state, reason, reason_code, reason_params,
 * problem, problem_code, problem_params, failures, size, sha256, created_at, updated_at,
 * done_at, damaged: {code, reason} | null}] newest first; "rejected": [{job, root, path, case,
 * reason, reason_code, reason_params, at}] newest first; "flagged": [{kind, sha256, job, path,
 * profile, code, reason, reason_code, reason_params, whole, at}] newest first (reason_code:
 * core/reason.h; a damaged one's is its damage code; reason_params an object or null), where kind
 * is "derivative" (a current copy failed), "damaged" (media/damage.h: code and reason say how; path
 * is its first arrival's name; whole: the sha256 of a later upload of the same name that began with
 * all of it, ingest/prefix.h), "unrecognised" (content no parser reads, stored as it is), "step" (a
 * step of the job failed; the item is kept) or "route" (the upload's folders or sidecar said
 * something the route could not use)}, each list at most `limit` long. Members without a value are
 * null. */
int cs_catalog_queue(cs_catalog_t *cat, int limit, json_t **out);

/** *out = the items with no active link, newest first, at most `limit`: [{sha256, media_type,
 * size, original_name, received_at, received_by, reason, reason_code, reason_params}], reason
 * being what routing said of the upload (a file outside a case folder, a folder that is not a
 * case number), or null, with its code and params. */
int cs_catalog_unassigned_recent(cs_catalog_t *cat, int limit, json_t **out);

#endif
