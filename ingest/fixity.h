/* ingest/fixity.h: re-hash stored objects and record each check (indexer/fixity.h). */
#ifndef CS_INGEST_FIXITY_H
#define CS_INGEST_FIXITY_H

#include "indexer/catalog.h"
#include "indexer/fixity.h"
#include "storage/store.h"

/** Re-hashes the object `sha256` (an original or a copy) and records the check: a `verified`
 * event with its ledger entry and the object's fixity row. Sets *result and, on a mismatch,
 * `actual` to the hash found. Returns 0 when the check ran (even if it failed), or a CS_E*
 * code when it could not run. */
int cs_fixity_check(cs_store_t *store, cs_catalog_t *cat, const char *sha256, const char *actor,
                    cs_fixity_t *result, char actual[CS_SHA256_HEX]);

#endif
