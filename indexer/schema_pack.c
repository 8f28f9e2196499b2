/* indexer/schema_pack.c: the migration that lets the ledger keep its entries compressed
 * (issue 24, part 5: the entries were 60% of a catalog of a million items). Kept apart from
 * schema.c. Nothing already written is rewritten: the two columns are added (old rows read
 * them as NULL, the plain entry they always were), and the append-only triggers stay. */
#include "indexer/schema_int.h"

// clang-format off
/* ledger_dicts: the zstd dictionaries the entries are compressed with, trained once from the
 * ledger's own entries when it has enough of them (indexer/ledger_pack.c) and never changed
 * or removed while an entry needs them. A compressed row of `ledger` keeps entry '' (its
 * NOT NULL), the dictionary's id in `dict` and the zstd frame of the exact entry bytes in `z`;
 * its `leaf` is still SHA-256(0x00 || the entry's bytes), never of the compressed ones. */
const char cs_schema_ledger_pack[] =
    "CREATE TABLE ledger_dicts ("
    "  id INTEGER PRIMARY KEY CHECK (id > 0),"
    "  dict BLOB NOT NULL CHECK (length(dict) > 0),"
    "  trained_on INTEGER NOT NULL CHECK (trained_on > 0)," /* how many entries it learnt from */
    "  made_at TEXT NOT NULL"
    ") STRICT;"
    "CREATE TRIGGER ledger_dicts_no_update BEFORE UPDATE ON ledger_dicts"
    "  BEGIN SELECT RAISE(ABORT, 'a ledger dictionary is written once'); END;"
    "CREATE TRIGGER ledger_dicts_no_delete BEFORE DELETE ON ledger_dicts"
    "  BEGIN SELECT RAISE(ABORT, 'a ledger dictionary is written once'); END;"
    CS_SCHEMA_WATCH("ledger_dicts")
    "ALTER TABLE ledger ADD COLUMN dict INTEGER;"
    "ALTER TABLE ledger ADD COLUMN z BLOB;";
// clang-format on
