/* indexer/dispose.h: approved disposal's rows (issue 22, part 3). A batch of items due for
 * disposal (indexer/retention.h decides, at proposal and again when it runs) is proposed by
 * one admin, approved by another and carried out once retention.grace_days have passed since
 * the approval, unless cancelled before. Who may propose, approve or cancel is access/'s rule
 * (access/dispose.h), asked before these writes; each write here is one transaction with its
 * ledger entry (dispose.propose, dispose.approve, dispose.cancel, dispose.skip, disposed).
 *
 * The items row stays (many tables refer to it, several append-only): an item is disposed of
 * while item_disposed names it, with a tombstone that never changes; the same content arriving
 * again (cs_catalog_record_arrival) takes it out of item_disposed, a new arrival. */
#ifndef CS_INDEXER_DISPOSE_H
#define CS_INDEXER_DISPOSE_H

#include "core/clock.h"
#include "core/config.h"
#include "indexer/access.h"
#include "indexer/catalog.h"

#include <jansson.h>
#include <stdint.h>

/* A batch as the rule (access/dispose.h) and the runner need it. */
typedef struct cs_disposal_row {
    int64_t id;
    int64_t proposer_id;
    char proposer[CS_NAME_MAX];
    char status[16];             /* proposed, approved, cancelled, done */
    char run_after[CS_TIME_MAX]; /* approved: when it may run; "" before */
    char export_path[4096];      /* the batch's record export, once written; "" before */
} cs_disposal_row_t;

/** Fills *r for batch `id`; CS_ENOTFOUND (with a detail) for none. */
int cs_catalog_disposal_row(cs_catalog_t *cat, int64_t id, cs_disposal_row_t *r);

/** A batch proposed by admin `by` (allowed by access/ first) for `reason`, of the items
 * `items` (n of them: hashes or unique prefixes) or, with `all_due`, of every item due at
 * `now_ms` not yet disposed of nor in an open batch. Each item must be due at `now_ms`
 * (cs_retention_item under `cfg`), not disposed of, and in no other open batch: else nothing
 * is written and CS_EINVAL names the item and why. CS_ENOTFOUND for an unknown item;
 * CS_EINVAL for an empty batch. Ledgered dispose.propose with the items. *id its number. */
int cs_catalog_dispose_propose(cs_catalog_t *cat, const cs_config_t *cfg, const char *by,
                               const char *const *items, size_t n, int all_due, const char *reason,
                               int64_t now_ms, int64_t *id);

/** Approves proposed batch `id` as admin `by` (another than the proposer: access/ decided;
 * the catalog refuses it too): it may run from `now_ms` + grace_days. Ledgered
 * dispose.approve. CS_EEXIST when it is not proposed. *run_after (may be NULL) gets when. */
int cs_catalog_dispose_approve(cs_catalog_t *cat, int64_t id, const char *by, int grace_days,
                               int64_t now_ms, char run_after[CS_TIME_MAX]);

/** Cancels batch `id` (proposed, or approved and its grace not passed at `now_ms`) as admin
 * `by` for `reason`. Ledgered dispose.cancel. CS_EEXIST when it is cancelled or done, or has
 * begun to run. */
int cs_catalog_dispose_cancel(cs_catalog_t *cat, int64_t id, const char *by, const char *reason,
                              int64_t now_ms);

/** *out = [{id, status, reason, proposed_by, proposed_at, approved_by, approved_at, run_after,
 * cancelled_by, cancelled_at, cancel_reason, export, done_at, items, disposed, skipped,
 * locked, pending}] newest first. */
int cs_catalog_disposals(cs_catalog_t *cat, json_t **out);

/** *out = batch `id` as in the list, with "entries": [{sha256, size, media_type, class,
 * keep_until, reason_code, reason, state, note, retain_until, tombstone: {..} or null}].
 * CS_ENOTFOUND. */
int cs_catalog_disposal(cs_catalog_t *cat, int64_t id, json_t **out);

/** The approved batches whose grace has passed at `now_ms`, oldest first: ids[0..*n). */
int cs_catalog_disposals_due(cs_catalog_t *cat, int64_t now_ms, int64_t *ids, int max, int *n);

/** *out = what the batch's export holds: {batch, items: [{record (cs_catalog_item), metadata,
 * class, keep_until, reason_code, reason, state}], ledger: [{seq, entry (the stored text)}]
 * (every entry naming the batch)}. */
int cs_catalog_dispose_export_rows(cs_catalog_t *cat, int64_t id, json_t **out);

/** Records where batch `id`'s export was written. */
int cs_catalog_dispose_set_export(cs_catalog_t *cat, int64_t id, const char *path);

/** The batch's items still to carry out (pending, locked, removing), by hash, with their state:
 * *out = [{sha256, state}]. */
int cs_catalog_dispose_open_items(cs_catalog_t *cat, int64_t id, json_t **out);

/** Item `sha256` of batch `id` is no longer due (retention says `code`/`why`): kept, its state
 * skipped, ledgered dispose.skip by `actor`. */
int cs_catalog_dispose_skip(cs_catalog_t *cat, int64_t id, const char *sha256, const char *actor,
                            const char *code, const char *why, int64_t now_ms);

/** Item `sha256` of batch `id` waits: the object store keeps its bytes until `retain_until`
 * (its Object Lock). Its state becomes locked with that date (nothing ledgered: nothing
 * happened; the batch shows it). */
int cs_catalog_dispose_locked(cs_catalog_t *cat, int64_t id, const char *sha256,
                              const char *retain_until);

/** The step before the bytes go, in one transaction: the item's tombstone (hash, size, names,
 * case links, class, proposer, approver, when, its objects), the item disposed of, its
 * current copies marked superseded, its objects out of the fixity scrub, the `disposed` event
 * and ledger entry (*seq), its state `removing`. Done already (removing or disposed): 0 and
 * *seq the entry written then, nothing new. */
int cs_catalog_dispose_tombstone(cs_catalog_t *cat, int64_t id, const char *sha256,
                                 const char *actor, int64_t now_ms, int64_t *seq);

/** The objects to remove for item `sha256` (disposed of, or about to be): its original and
 * every copy ever made of it, less any object another item not disposed of still holds (as
 * its original or a copy): *out = [sha256...]. */
int cs_catalog_dispose_objects(cs_catalog_t *cat, const char *sha256, json_t **out);

/** Item `sha256` of batch `id` is gone from the store: state disposed; the batch done when no
 * item is left to carry out. */
int cs_catalog_dispose_removed(cs_catalog_t *cat, int64_t id, const char *sha256, int64_t now_ms);

/** *disposed = 1 when item `sha256` is disposed of now, with *seq its `disposed` entry. */
int cs_catalog_item_disposed(cs_catalog_t *cat, const char *sha256, int *disposed, int64_t *seq);

/** *n = the items disposed of now. */
int cs_catalog_disposed_count(cs_catalog_t *cat, int64_t *n);

#endif
