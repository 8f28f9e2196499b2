/* indexer/schema_scale.c: the migration for a province's scale (issue 24, part 5): what a
 * catalog of ten million items and a hundred million ledger entries needs so that nothing a
 * person waits for reads the whole of it. Kept apart from schema.c. */
#include "indexer/schema_int.h"

// clang-format off
/* ledger_nodes: the roots of the ledger's perfect Merkle subtrees of 2^8, 2^16, 2^24 ...
 * leaves (level 8, 16, 24 ...; subtree idx covers leaves idx * 2^level .. (idx + 1) *
 * 2^level - 1), filled by ledger/ as it signs checkpoints (ledger/nodes.c). A proof is made
 * from at most a few thousand of them and the leaves beside, where it read every leaf before.
 * They are derived from the leaves and never trusted more than the leaves are: a proof made
 * from them is checked against the signed root it is made for (docs/LEDGER.md). */
const char cs_schema_scale[] =
    "CREATE TABLE ledger_nodes ("
    "  level INTEGER NOT NULL CHECK (level > 0 AND level % 8 = 0),"
    "  idx INTEGER NOT NULL CHECK (idx >= 0),"
    "  hash BLOB NOT NULL CHECK (length(hash) = 32),"
    "  PRIMARY KEY (level, idx)"
    ") STRICT, WITHOUT ROWID;"
    /* The damaged items (indexer/damaged.c: `custody status`, the clerk's page): counted and
     * listed from their own index, where every metadata record was read and parsed (status
     * of a 5.6 * 10^5-item catalog: 86 s). */
    "CREATE INDEX metadata_damaged ON metadata(item_id) WHERE record -> '$.damaged' IS NOT NULL;";
// clang-format on
