/* indexer/schema_public.c: the migration of public copies (issue 23, part 1), applied last by
 * migrations[] (schema.c). */
#include "indexer/schema_int.h"

// clang-format off
/* Public copies: the redaction specs of an item (each kept, the latest is the one used; its
 * SHA-256 is of the exact canonical text), and the approvals of public copies. A public copy
 * itself is a derivatives row of profile "public" (its detail says who made it, from which
 * spec, or that the clerk attached it); an approval names that row, so a copy made again
 * needs an approval of its own. Both tables are append-only. */
const char cs_schema_public[] =
    "CREATE TABLE public_specs ("
    "  id INTEGER PRIMARY KEY,"
    "  item_id INTEGER NOT NULL REFERENCES items(id),"
    "  spec TEXT NOT NULL CHECK (json_valid(spec)),"
    "  sha256 TEXT NOT NULL CHECK (length(sha256) = 64 AND sha256 NOT GLOB '*[^0-9a-f]*'),"
    "  made_by TEXT NOT NULL,"
    "  made_at TEXT NOT NULL"
    ") STRICT;"
    "CREATE INDEX public_specs_item ON public_specs(item_id, id);"
    "CREATE TRIGGER public_specs_no_update BEFORE UPDATE ON public_specs"
    "  BEGIN SELECT RAISE(ABORT, 'redaction specs are append-only'); END;"
    "CREATE TRIGGER public_specs_no_delete BEFORE DELETE ON public_specs"
    "  BEGIN SELECT RAISE(ABORT, 'redaction specs are append-only'); END;"
    "CREATE TABLE public_approvals ("
    "  id INTEGER PRIMARY KEY,"
    "  derivative_id INTEGER NOT NULL UNIQUE REFERENCES derivatives(id),"
    "  approver_user_id INTEGER REFERENCES users(id),"
    "  approved_by TEXT NOT NULL,"
    "  approved_at TEXT NOT NULL"
    ") STRICT;"
    "CREATE TRIGGER public_approvals_no_update BEFORE UPDATE ON public_approvals"
    "  BEGIN SELECT RAISE(ABORT, 'approvals of public copies are append-only'); END;"
    "CREATE TRIGGER public_approvals_no_delete BEFORE DELETE ON public_approvals"
    "  BEGIN SELECT RAISE(ABORT, 'approvals of public copies are append-only'); END;";
// clang-format on
