/* indexer/schema_archive.c: the migration of cases handed to the archives (issue 25, parts 3
 * and 4), applied by migrations[] (schema.c) after the registry's. */
#include "indexer/schema_int.h"

// clang-format off
/* A case archived (归档): its archival reference 档号 (unique), the parts it was made of
 * (全宗号 fonds, 类别 class, 年度 year, 保管期限 period, 件号 seq) and who archived it when.
 * The sequence runs per fonds, class, year and period without gaps: it is taken as one more
 * than the largest in the same transaction that writes the row (BEGIN IMMEDIATE), and a row
 * is never changed or deleted, so no number is used twice or skipped. The `case.archive`
 * ledger entry is written in that transaction too. */
const char cs_schema_archive[] =
    "CREATE TABLE case_archives ("
    "  case_id INTEGER PRIMARY KEY REFERENCES cases(id),"
    "  reference TEXT NOT NULL UNIQUE CHECK (length(reference) > 0),"
    "  fonds TEXT NOT NULL,"
    "  class TEXT NOT NULL,"
    "  year INTEGER NOT NULL CHECK (year BETWEEN 1000 AND 9999),"
    "  period TEXT NOT NULL CHECK (period IN ('permanent', 'long', 'short')),"
    "  seq INTEGER NOT NULL CHECK (seq > 0),"
    "  archived_by TEXT NOT NULL,"
    "  archived_at TEXT NOT NULL,"
    "  UNIQUE (fonds, class, year, period, seq)"
    ") STRICT;"
    "CREATE TRIGGER case_archives_no_delete BEFORE DELETE ON case_archives"
    "  BEGIN SELECT RAISE(ABORT, 'an archival reference is never deleted'); END;"
    "CREATE TRIGGER case_archives_no_update BEFORE UPDATE ON case_archives"
    "  BEGIN SELECT RAISE(ABORT, 'an archival reference is never changed'); END;";
// clang-format on
