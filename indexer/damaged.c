/* indexer/damaged.c: damaged items, from their metadata records (damaged.h). */
#include "indexer/damaged.h"

#include "core/error.h"
#include "indexer/catalog_int.h"

#include <inttypes.h>
#include <stdio.h>

int
cs_catalog_damaged(cs_catalog_t *cat, int limit, json_t **out)
{
    return cs_cat_count_and_recent(
        cat,
        "SELECT json_object('count', count(*)) FROM metadata"
        " WHERE record -> '$.damaged' IS NOT NULL",
        "SELECT json_object('sha256', i.sha256, 'code', m.record ->> '$.damaged.code',"
        " 'reason', m.record ->> '$.damaged.reason', 'reason_code', m.record ->> '$.damaged.code',"
        " 'reason_params', NULL, 'name', (SELECT cs_text(original_name)"
        "  FROM item_sources s WHERE s.item_id = i.id ORDER BY s.id LIMIT 1),"
        " 'at', m.extracted_at)"
        " FROM metadata m JOIN items i ON i.id = m.item_id"
        " WHERE m.record -> '$.damaged' IS NOT NULL ORDER BY m.item_id DESC"
        " LIMIT CAST(?1 AS INTEGER)",
        limit, out, "cannot read the damaged items");
}

int
cs_catalog_damaged_same_source(cs_catalog_t *cat, const char *source_path, const char *sha256,
                               uint64_t size, json_t **out)
{
    char sz[24];
    snprintf(sz, sizeof sz, "%" PRIu64, size); /* fits: a uint64 in 24 */
    const char *args[] = {source_path, sha256, sz};
    return cs_cat_select_json(
        cat,
        "SELECT json_object('sha256', i.sha256, 'size', i.size) FROM items i"
        " JOIN metadata m ON m.item_id = i.id"
        " WHERE m.record -> '$.damaged' IS NOT NULL AND i.sha256 <> ?2"
        " AND i.size < CAST(?3 AS INTEGER) AND EXISTS (SELECT 1 FROM item_sources s"
        "  WHERE s.item_id = i.id AND s.source_path = ?1)"
        " ORDER BY i.id LIMIT 16",
        args, 3, out, "cannot look for earlier damaged arrivals");
}
