/* ingest/fixity.h: re-hash stored originals and record each check as a provenance event. */
#ifndef CS_INGEST_FIXITY_H
#define CS_INGEST_FIXITY_H

#include "indexer/catalog.h"
#include "storage/store.h"

typedef enum { CS_FIXITY_OK, CS_FIXITY_MISMATCH, CS_FIXITY_MISSING } cs_fixity_t;

/** Re-hashes the item's original and appends a `verified` event with the result. Sets
 * *result and, on a mismatch, `actual` to the hash found. Returns 0 when the check ran (even
 * if it failed), or a CS_E* code when it could not run. */
int cs_fixity_check(cs_store_t *store, cs_catalog_t *cat, const char *sha256, const char *actor,
                    cs_fixity_t *result, char actual[CS_SHA256_HEX]);

/** "ok", "mismatch" or "missing". */
const char *cs_fixity_name(cs_fixity_t f);

#endif
