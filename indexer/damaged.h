/* indexer/damaged.h: the items whose metadata record says they are damaged (media/damage.h:
 * rec.damaged = {code, reason}), for `custody status` and the clerk, and the earlier damaged
 * arrivals a later upload of the same name may complete (ingest/prefix.c). Reads only. */
#ifndef CS_INDEXER_DAMAGED_H
#define CS_INDEXER_DAMAGED_H

#include "indexer/catalog.h"

#include <jansson.h>
#include <stdint.h>

/** *out = {"count": items flagged damaged, "recent": [{sha256, code, reason, name, at}] newest
 * first, at most `limit`}; name is the first arrival's original name. Returns 0 or a CS_E*. */
int cs_catalog_damaged(cs_catalog_t *cat, int limit, json_t **out);

/** *out = [{sha256, size}]: items other than `sha256`, flagged damaged, smaller than `size`,
 * one of whose arrivals came from exactly `source_path` (same folder, same name), oldest first,
 * at most 16. Returns 0 or a CS_E*. */
int cs_catalog_damaged_same_source(cs_catalog_t *cat, const char *source_path, const char *sha256,
                                   uint64_t size, json_t **out);

#endif
