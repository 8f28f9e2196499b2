/* fixity/fixity.h: fixity in one place. This room decides what is checked when, what a
 * re-hash's outcome means (ok, altered, gone, unreadable) and records it; the rows and the
 * reading it relies on stay with the rooms whose job they are. Fixity has four parts:
 *
 *   1. one object checked and its check recorded, and what each outcome means:
 *      fixity/fixity.c (this header), for `custody verify` (tools/cmd_verify.c) and the scrub;
 *   2. the service's scrub thread and its pacing policy (the window, the byte budget over a
 *      pass, the order objects fall due in): fixity/scrub.c (fixity/scrub.h), started and
 *      reconfigured by the service (ingest/service.c);
 *   3. the catalog rows: the fixity table, the totals and passes, the `verified` event and its
 *      ledger entry: indexer/fixity.c (indexer/fixity.h), as every table's SQL is indexer's;
 *   4. the raw re-hash of one object, at a bounded rate if asked: storage/store_verify.c
 *      (cs_store_verify_paced, storage/store.h), as reading the store is the store's job.
 *
 * Arrows point down: fixity/ -> indexer/, storage/, core/; ingest/ and tools/ call it. */
#ifndef CS_FIXITY_FIXITY_H
#define CS_FIXITY_FIXITY_H

#include "indexer/catalog.h"
#include "indexer/fixity.h"
#include "storage/store.h"

/** What a re-hash's return code `rc` (cs_store_verify_paced) says of the object: 0 ok,
 * CS_EMISMATCH altered, CS_ENOTFOUND gone; with `unreadable` set, an object there but not
 * readable (an I/O error, a denied read, not a regular file) is `unreadable` too, a finding
 * to record rather than a failure to check. Sets *result and returns 0 when `rc` is a finding,
 * else returns `rc` (the check could not run). */
int cs_fixity_judge(int rc, int unreadable, cs_fixity_t *result);

/** Re-hashes the object `sha256` (an original or a copy) and records the check: a `verified`
 * event with its ledger entry and the object's fixity row. Sets *result and, on a mismatch,
 * `actual` to the hash found. Returns 0 when the check ran (even if it failed), or a CS_E*
 * code when it could not run. */
int cs_fixity_check(cs_store_t *store, cs_catalog_t *cat, const char *sha256, const char *actor,
                    cs_fixity_t *result, char actual[CS_SHA256_HEX]);

#endif
