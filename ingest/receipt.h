/* ingest/receipt.h: the receipt a clerk gets for each stored upload, a small JSON file
 * <receipts>/<case or _unassigned>[/<officer>]/<name>.receipt.json ({sha256, size, item, time,
 * case, party, source, job}), the officer's level kept as in uploads/<case>/<officer>/ (the
 * route's "officer", when it is one name); <name>.<job>.receipt.json when another upload of
 * that name in that folder has the first name already.
 */
#ifndef CS_INGEST_RECEIPT_H
#define CS_INGEST_RECEIPT_H

#include "indexer/jobs.h"

#include <jansson.h>

/** Writes the receipt of the stored `job` (its sha256, size and id; `source` the upload's path;
 * `route` the job's route, whose "case" and "party" it repeats) under the folder `receipts`,
 * made if missing. Idempotent: a job that has a receipt (one naming job->id under either name)
 * gets no second one, so recovery may call it again after a crash. Nothing is written outside
 * `receipts`: the case and the file name must each be one name (not empty, ".", ".." or holding
 * '/'; CS_EINVAL otherwise), and every name below `receipts` is opened from its folder's fd
 * without following a symbolic link. Returns 0 or a CS_E* code, cs_diag() saying why. */
int cs_receipt_write(const char *receipts, const cs_job_t *job, const char *source,
                     const json_t *route);

#endif
