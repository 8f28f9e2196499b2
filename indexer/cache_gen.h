/* indexer/cache_gen.h: what the service's caches (api/cache.c) check before they use a row:
 * the catalog's generation (schema_cache.c), the tables a write to which would not move it,
 * and when a user's live grants next change by themselves (one expires). */
#ifndef CS_INDEXER_CACHE_GEN_H
#define CS_INDEXER_CACHE_GEN_H

#include "core/clock.h"
#include "indexer/catalog.h"

#include <stddef.h>
#include <stdint.h>

/** *gen = the catalog's generation: it moves with every committed write to a watched table,
 * by any process. */
int cs_catalog_cache_gen(cs_catalog_t *cat, int64_t *gen);

/** *n = the tables (not the ledger, its checkpoints, nor the search's virtual tables) that have
 * no generation triggers; `first` (cap bytes) names the first of them ("" when none). */
int cs_catalog_cache_unwatched(cs_catalog_t *cat, size_t *n, char *first, size_t cap);

/** The earliest `until` of user_id's grants live at `now` (neither revoked nor expired), into
 * until (CS_TIME_MAX); "" when none of them expires. The set of live grants cannot change
 * before then without a write (which moves the generation). */
int cs_catalog_grants_next_expiry(cs_catalog_t *cat, int64_t user_id, const char *now,
                                  char until[CS_TIME_MAX]);

#endif
