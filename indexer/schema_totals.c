/* indexer/schema_totals.c: the migration of `custody status`'s running totals (issue 24,
 * part 5). Status counted jobs by state, failed jobs, fixity rows and registry flags with
 * count(*) over every row (~6 s at 10^6 items, and growing with the catalog); now it reads
 * them from a few rows that triggers keep in the same transaction as the rows they count, and
 * that this migration fills once from the rows there are. Kept apart from schema.c. */
#include "indexer/schema_int.h"

/* A total moved by d (an SQL expression): the row is made at its first move. */
#define MOVE(name, d)                                                                              \
    "INSERT INTO status_totals (name, n) VALUES (" name ", " d ")"                                 \
    " ON CONFLICT (name) DO UPDATE SET n = n + excluded.n;"

/* Each flag of a registry row (a JSON array of objects with a text "code"), counted by code. */
#define FLAGS(row, sign)                                                                           \
    "INSERT INTO status_totals (name, n) SELECT 'flag.' || (f.value ->> '$.code'), " sign          \
    " count(*) FROM json_each(" row ".flags) f WHERE f.type = 'object'"                            \
    " AND json_type(f.value, '$.code') = 'text' GROUP BY 1"                                        \
    " ON CONFLICT (name) DO UPDATE SET n = n + excluded.n;"

#define FAILING(row) "coalesce(" row ".result <> 'ok', 0)"

// clang-format off
/* status_totals: name -> n. 'jobs.<state>': jobs in that state; 'jobs.failed': jobs with a
 * failed step; 'fixity.objects': rows of fixity; 'fixity.failing': those whose last check was
 * not ok; 'flag.<code>': registry flags of that code. A row at 0 stays. */
const char cs_schema_totals[] =
    "CREATE TABLE status_totals ("
    "  name TEXT PRIMARY KEY,"
    "  n INTEGER NOT NULL"
    ") STRICT, WITHOUT ROWID;"
    CS_SCHEMA_WATCH("status_totals")

    "CREATE TRIGGER status_totals_jobs_i AFTER INSERT ON jobs BEGIN "
    MOVE("'jobs.' || NEW.state", "1") MOVE("'jobs.failed'", "NEW.failures > 0")
    "END;"
    "CREATE TRIGGER status_totals_jobs_u AFTER UPDATE OF state, failures ON jobs"
    "  WHEN NEW.state IS NOT OLD.state OR (NEW.failures > 0) IS NOT (OLD.failures > 0) BEGIN "
    MOVE("'jobs.' || OLD.state", "-1") MOVE("'jobs.' || NEW.state", "1")
    MOVE("'jobs.failed'", "(NEW.failures > 0) - (OLD.failures > 0)")
    "END;"
    "CREATE TRIGGER status_totals_jobs_d AFTER DELETE ON jobs BEGIN "
    MOVE("'jobs.' || OLD.state", "-1") MOVE("'jobs.failed'", "-(OLD.failures > 0)")
    "END;"

    "CREATE TRIGGER status_totals_fixity_i AFTER INSERT ON fixity BEGIN "
    MOVE("'fixity.objects'", "1") MOVE("'fixity.failing'", FAILING("NEW"))
    "END;"
    "CREATE TRIGGER status_totals_fixity_u AFTER UPDATE OF result ON fixity"
    "  WHEN " FAILING("NEW") " IS NOT " FAILING("OLD") " BEGIN "
    MOVE("'fixity.failing'", FAILING("NEW") " - " FAILING("OLD"))
    "END;"
    "CREATE TRIGGER status_totals_fixity_d AFTER DELETE ON fixity BEGIN "
    MOVE("'fixity.objects'", "-1") MOVE("'fixity.failing'", "-" FAILING("OLD"))
    "END;"

    "CREATE TRIGGER status_totals_flags_i AFTER INSERT ON item_registry BEGIN "
    FLAGS("NEW", "")
    "END;"
    "CREATE TRIGGER status_totals_flags_u AFTER UPDATE OF flags ON item_registry"
    "  WHEN NEW.flags IS NOT OLD.flags BEGIN "
    FLAGS("OLD", "-") FLAGS("NEW", "")
    "END;"
    "CREATE TRIGGER status_totals_flags_d AFTER DELETE ON item_registry BEGIN "
    FLAGS("OLD", "-")
    "END;"

    /* The failed copies (`custody status`, indexer/derivatives.c): counted and listed from
     * their own index, where every current derivative was read. */
    "CREATE INDEX derivatives_failed ON derivatives(item_id)"
    "  WHERE status = 'failed' AND superseded_at IS NULL;"

    /* Once, from the rows there are. */
    "INSERT INTO status_totals (name, n) SELECT 'jobs.' || state, count(*) FROM jobs"
    "  GROUP BY state;"
    "INSERT INTO status_totals (name, n) SELECT 'jobs.failed', count(*) FROM jobs"
    "  WHERE failures > 0;"
    "INSERT INTO status_totals (name, n) SELECT 'fixity.objects', count(*) FROM fixity;"
    "INSERT INTO status_totals (name, n) SELECT 'fixity.failing', count(*) FROM fixity"
    "  WHERE result <> 'ok';"
    "INSERT INTO status_totals (name, n) SELECT 'flag.' || (f.value ->> '$.code'), count(*)"
    "  FROM item_registry r, json_each(r.flags) f WHERE f.type = 'object'"
    "  AND json_type(f.value, '$.code') = 'text' GROUP BY 1;";
// clang-format on
