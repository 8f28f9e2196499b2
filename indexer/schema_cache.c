/* indexer/schema_cache.c: the catalog's generation, for the service's caches (api/cache.c).
 * A one-row table whose counter every write to a watched table bumps, in the same
 * transaction, by a trigger: a process that caches rows (the service) reads the counter
 * before it uses them, and drops them all when it moved. The CLI, another process, changes the
 * catalog through the same triggers, so a grant it revokes is seen by the very next request.
 * Watched: every table but the ledger, its checkpoints and its stored subtree roots (appended
 * by every read, read by no cache), the search's virtual tables and their shadows (written beside the rows they index).
 * A table added later without its triggers turns the caches off (cs_catalog_cache_watched);
 * test_cache_gen lists the tables lacking them. */
#include "indexer/schema_int.h"

// clang-format off
#define WATCH(t) CS_SCHEMA_WATCH(t)

const char cs_schema_cache_gen[] =
    "CREATE TABLE cache_gen ("
    "  id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  n INTEGER NOT NULL"
    ") STRICT;"
    "INSERT INTO cache_gen (id, n) VALUES (1, 0);"
    WATCH("case_officers") WATCH("case_status") WATCH("cases") WATCH("classifications")
    WATCH("decisions") WATCH("derivatives") WATCH("devices") WATCH("disposal_items")
    WATCH("disposals") WATCH("events") WATCH("fixity") WATCH("fixity_state") WATCH("grants")
    WATCH("holds") WATCH("item_disposed") WATCH("item_index") WATCH("item_registry")
    WATCH("item_sources") WATCH("items") WATCH("jobs") WATCH("links") WATCH("metadata")
    WATCH("officers") WATCH("parties") WATCH("public_approvals") WATCH("public_specs")
    WATCH("publication_versions") WATCH("publication_withdrawals") WATCH("publications")
    WATCH("requests") WATCH("retention_classes") WATCH("review_opinions") WATCH("review_rounds")
    WATCH("tombstones") WATCH("user_keys") WATCH("users") WATCH("case_archives");
// clang-format on
