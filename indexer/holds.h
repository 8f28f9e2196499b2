/* indexer/holds.h: holds on items and cases, and an admin's explicit retention class of an
 * item (issue 22, part 2 and part 1's override). Each change is ledgered in the transaction
 * of its rows (hold.add, hold.release, retention.set); a hold is never deleted, only
 * released; a class is superseded, never deleted. Who may change them (admins and the
 * operator) is access/'s (cs_access_retention_admin); a refused attempt is recorded with
 * cs_catalog_hold_refused. What a hold means is retention.h's. */
#ifndef CS_INDEXER_HOLDS_H
#define CS_INDEXER_HOLDS_H

#include "indexer/catalog.h"

#include <jansson.h>
#include <stdint.h>

#define CS_HOLD_REASON_MAX 1024 /* bytes of a reason */

/** Places a hold on item `sha256` or (sha256 NULL) on case `case_number` (normalised; it must
 * exist), by `by`, with `reason`; *id = the hold's number. A `hold.add` entry in the same
 * transaction. CS_ENOTFOUND for no such item or case; CS_EINVAL for no reason. */
int cs_catalog_hold_add(cs_catalog_t *cat, const char *sha256, const char *case_number,
                        const char *reason, const char *by, int64_t *id);

/** Releases hold `id` (> 0), or else every active hold on item `sha256` or case
 * `case_number`, by `by` with `reason`: a `hold.release` entry for each, in one transaction;
 * *count = the holds released. CS_ENOTFOUND when there is no such active hold (a released one
 * says so). */
int cs_catalog_hold_release(cs_catalog_t *cat, int64_t id, const char *sha256,
                            const char *case_number, const char *reason, const char *by,
                            int *count);

/** Records a refused attempt (`action` hold.add, hold.release or retention.set) on what
 * it names (hold > 0, item or case) by `by` of role `role`, with `why`: an entry with result
 * "denied", in a transaction of its own. */
int cs_catalog_hold_refused(cs_catalog_t *cat, const char *action, int64_t hold, const char *sha256,
                            const char *case_number, const char *by, const char *role,
                            const char *why);

/** *out = [{id, item, case, reason, by, at, released_by, released_at, release_reason}], newest
 * first; only the holds not released when `active`. */
int cs_catalog_holds(cs_catalog_t *cat, int active, json_t **out);

/** Sets item `sha256`'s retention class to `klass` (evidence, non_evidence, permanent),
 * superseding the one set before, by `by` with `reason`: a `retention.set` entry in the same
 * transaction. CS_EINVAL for another class or no reason; CS_ENOTFOUND for no such item. */
int cs_catalog_retention_set(cs_catalog_t *cat, const char *sha256, const char *klass,
                             const char *reason, const char *by);

#endif
