/* indexer/schema_publish.c: the publication register (行政执法公示, issue 23): a decision
 * registered for publication with its kind and decision date (the due date follows from them
 * and the holiday calendar, core/workdays.h, when it is read); each published version with
 * exactly what it published (the hashes of the public copies) and a correction's reason; a
 * withdrawal with its category. Every row is write-once; the ledger holds each step too
 * (publish.register, publish.release, publish.correct, publish.withdraw). */
#include "indexer/schema_int.h"

// clang-format off
const char cs_schema_publications[] =
    "CREATE TABLE publications ("
    "  id INTEGER PRIMARY KEY,"
    "  case_id INTEGER NOT NULL REFERENCES cases(id),"
    "  decision_id INTEGER NOT NULL UNIQUE REFERENCES decisions(id),"
    "  kind TEXT NOT NULL CHECK (kind IN ('penalty', 'other')),"
    "  decided_on TEXT NOT NULL CHECK (date(decided_on) = decided_on),"
    "  registered_by TEXT NOT NULL,"
    "  registered_at TEXT NOT NULL"
    ") STRICT;"
    "CREATE INDEX publications_case ON publications(case_id);"
    "CREATE TABLE publication_versions ("
    "  id INTEGER PRIMARY KEY,"
    "  publication_id INTEGER NOT NULL REFERENCES publications(id),"
    "  version INTEGER NOT NULL CHECK (version >= 1),"
    "  content TEXT NOT NULL CHECK (json_valid(content)),"
    "  reason TEXT,"
    "  published_by TEXT NOT NULL,"
    "  published_at TEXT NOT NULL,"
    "  published_on TEXT NOT NULL CHECK (date(published_on) = published_on),"
    "  UNIQUE (publication_id, version),"
    "  CHECK ((version = 1) = (reason IS NULL))"
    ") STRICT;"
    "CREATE TABLE publication_withdrawals ("
    "  publication_id INTEGER PRIMARY KEY REFERENCES publications(id),"
    "  category TEXT NOT NULL CHECK (category IN ('revoked', 'illegal', 'remade')),"
    "  reason TEXT NOT NULL CHECK (length(reason) > 0),"
    "  withdrawn_by TEXT NOT NULL,"
    "  withdrawn_at TEXT NOT NULL,"
    "  withdrawn_on TEXT NOT NULL CHECK (date(withdrawn_on) = withdrawn_on)"
    ") STRICT;"
    "CREATE TRIGGER publications_no_update BEFORE UPDATE ON publications"
    "  BEGIN SELECT RAISE(ABORT, 'a publication is write-once'); END;"
    "CREATE TRIGGER publications_no_delete BEFORE DELETE ON publications"
    "  BEGIN SELECT RAISE(ABORT, 'a publication is write-once'); END;"
    "CREATE TRIGGER publication_versions_no_update BEFORE UPDATE ON publication_versions"
    "  BEGIN SELECT RAISE(ABORT, 'a published version is write-once'); END;"
    "CREATE TRIGGER publication_versions_no_delete BEFORE DELETE ON publication_versions"
    "  BEGIN SELECT RAISE(ABORT, 'a published version is write-once'); END;"
    "CREATE TRIGGER publication_withdrawals_no_update BEFORE UPDATE ON publication_withdrawals"
    "  BEGIN SELECT RAISE(ABORT, 'a withdrawal is write-once'); END;"
    "CREATE TRIGGER publication_withdrawals_no_delete BEFORE DELETE ON publication_withdrawals"
    "  BEGIN SELECT RAISE(ABORT, 'a withdrawal is write-once'); END;";
// clang-format on
