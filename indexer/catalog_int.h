/* indexer/catalog_int.h: what catalog.c, schema.c, items.c and query.c share. Private to
 * indexer/: nothing outside this folder includes it. */
#ifndef CS_INDEXER_CATALOG_INT_H
#define CS_INDEXER_CATALOG_INT_H

#include "core/clock.h"
#include "core/utf8.h"
#include "indexer/catalog.h"
#include "indexer/schema.h"

#include <sqlite3.h>

/* "PRAGMA application_id" of a Custody catalog ('CSTY'): tells our file from other SQLite
 * databases before any migration touches it. */
#define CS_CATALOG_APP_ID 0x43535459

#define CS_CAT_STMTS 64 /* prepared statements kept for reuse, per connection */
/* A batch's page cache (KiB): the pages a batch of 2,000 items dirties (bench/scale.sh: ~6 an
 * item at 10^5 items, mostly leaves of the indexes keyed by hash, one each) stay in memory
 * until its commit instead of being spilled to the log and read back. */
#define CS_CAT_BATCH_CACHE_KIB (64 * 1024)

struct cs_catalog {
    sqlite3 *db;
    char *path;          /* for details */
    int busy_timeout_ms; /* for details */
    int nested;          /* transactions begun inside a batch, as savepoints */
    int upload_delay_h;  /* ingest.max_upload_delay_h, for the late-upload flag (registry.h) */
    struct cs_ledger_pack *pack; /* the ledger's dictionaries and buffers (ledger_pack.c) */
    int cache_size; /* in a batch, PRAGMA cache_size before it, given back at its end */
    /* Statements kept after use (reset, bindings cleared): preparing costs more than most
     * queries here, and a service asks the same ones again and again. */
    struct {
        sqlite3_stmt *st;
        int busy; /* handed out by cs_cat_prepare, not yet given back */
    } stmts[CS_CAT_STMTS];
};

/** Converts a SQLite result code (and the connection's message) into a CS_E* code and sets a
 * one-line detail naming the catalog and `what` was being done. Never returns 0. */
int cs_cat_err(cs_catalog_t *cat, int rc, const char *what);

/** Prepares `sql` (one statement) into *st, reusing a kept statement of the same text when
 * one is free; on failure returns a CS_E* code with a detail. Give it back with
 * cs_cat_finalize. */
int cs_cat_prepare(cs_catalog_t *cat, const char *sql, sqlite3_stmt **st, const char *what);

/** Gives back a statement of cs_cat_prepare (NULL is fine): reset and kept for reuse while
 * there is room, else finalized. */
void cs_cat_finalize(cs_catalog_t *cat, sqlite3_stmt *st);

/** Runs statements without parameters or rows ("BEGIN IMMEDIATE", constant DDL); one
 * statement is kept for reuse like cs_cat_prepare's. */
int cs_cat_exec(cs_catalog_t *cat, const char *sql, const char *what);

/** Starts a write transaction (BEGIN IMMEDIATE: the write lock is taken now, so a busy
 * catalog fails here, before any row is written). */
int cs_cat_begin(cs_catalog_t *cat, const char *what);

/** Starts a read transaction: the statements that follow see one snapshot. */
int cs_cat_begin_read(cs_catalog_t *cat, const char *what);

/** With `relaxed`, the commits that follow do not sync the WAL (they become durable with the
 * next synced commit or checkpoint); without, every commit syncs. For writes whose loss in a
 * power cut is undone by recovery (a finished job goes back to stored and finishes again),
 * never for one that something irreversible follows (a stored job's upload is removed). */
void cs_cat_relaxed(cs_catalog_t *cat, int relaxed);

/** Commits; on failure rolls back and returns the mapped error. */
int cs_cat_commit(cs_catalog_t *cat, const char *what);

/** Rolls back if a transaction is open; keeps the detail already set. */
void cs_cat_rollback(cs_catalog_t *cat);

/** Brings the schema up to the latest migration. CS_ECONFIG if the catalog is newer than this
 * program, CS_ECORRUPT if it is another application's database. */
int cs_cat_migrate(cs_catalog_t *cat);

/** Opens the existing catalog file at `path` as it is: no pragmas, no migrations (a copy
 * being made or read by a backup or a restore). Refuses what cs_cat_check_owner refuses and
 * sets *version. */
int cs_cat_open_file(cs_catalog_t **out, const char *path, int busy_timeout_ms, int *version);

/** Refuses (CS_ECORRUPT) another application's SQLite database and (CS_ECONFIG) a catalog
 * newer than this program, each with a detail; sets *version to its schema version. */
int cs_cat_check_owner(cs_catalog_t *cat, int *version);

/** Copies a full sha256 (64 hex digits, either case) into `out` in lower case; CS_EINVAL with
 * a detail otherwise. */
int cs_cat_sha256_norm(const char *sha256, char out[65]);

/** Returns a new JSON string for `s`, or JSON null for NULL: as it is when it is UTF-8, else
 * escaped by cs_json_string_lossless (the catalog row keeps the bytes as they came); for
 * text of our own making (a case number, a hash, a time). NULL only when out of memory. */
json_t *cs_cat_jstr(const char *s);

/** cs_json_string_lossless(s): for text from outside (a file name, a source path, a root),
 * shown escaped always (\xhh for a byte that is not UTF-8, \\ for a backslash), so two names
 * never show the same. NULL only when out of memory. */
json_t *cs_cat_jname(const char *s);

/** Copies the text of column `col` of the current row (NULL as "") into dst[0..cap), whole:
 * CS_ENAMETOOLONG with a detail naming `field` when it does not fit, never a cut value. */
int cs_cat_column_copy(sqlite3_stmt *st, int col, char *dst, size_t cap, const char *field);

/** The SQL function cs_text(x): x escaped as cs_cat_jname does, NULL as NULL. Every column of
 * text from outside (a name, a path) goes through it where SQLite builds the JSON itself
 * (json_object), for the same text in every answer. */
void cs_cat_sql_text(sqlite3_context *ctx, int argc, sqlite3_value **argv);

/** The SQL function cs_site_date(t, zone): the site date "YYYY-MM-DD" (core/clock.h
 * cs_clock_site_date) of the RFC 3339 instant t in zone `zone` (site.tz; "" the system's);
 * NULL for NULL or text that is no such instant (retention.c). */
void cs_cat_sql_site_date(sqlite3_context *ctx, int argc, sqlite3_value **argv);

/* Row-level steps (rows.c). Each runs inside the caller's transaction; `what` names the
 * caller's action in error details; row ids start at 1, so an id of 0 stands for NULL. */

/** Sets a detail and returns CS_ENOMEM. */
int cs_cat_no_memory(cs_catalog_t *cat, const char *what);

/** Steps a statement that returns no rows; maps its failure. */
int cs_cat_step_done(cs_catalog_t *cat, sqlite3_stmt *st, const char *what);

/** Binds a row id, or NULL for 0. */
void cs_cat_bind_id(sqlite3_stmt *st, int col, sqlite3_int64 id);

/** Sets *id to the row id of the item `sha256` (already normalised); CS_ENOTFOUND if none. */
int cs_cat_item_id(cs_catalog_t *cat, const char *sha256, sqlite3_int64 *id, const char *what);

/** Sets *id to the case `number`, inserting it (created at `now`) on first use. */
int cs_cat_upsert_case(cs_catalog_t *cat, const char *number, const char *now, sqlite3_int64 *id,
                       const char *what);

/** Sets *id to the party `name` of a case, inserting it on first use. */
int cs_cat_upsert_party(cs_catalog_t *cat, sqlite3_int64 case_id, const char *name, const char *now,
                        sqlite3_int64 *id, const char *what);

/** Sets an item's classification (superseding the current one) and its `classified` event,
 * inside the caller's transaction. CS_EINVAL for an unknown level or no reason. */
int cs_cat_classify_rows(cs_catalog_t *cat, sqlite3_int64 item_id, const char *level,
                         const char *reason, const char *by, const char *now, const char *what);

/** Runs a one-value SELECT (a count, a size) with `arg` (NULL: none) bound as text to ?1;
 * *out = its first column, or `none` when it returns no row. */
int cs_cat_int64(cs_catalog_t *cat, const char *sql, const char *arg, int64_t none, int64_t *out,
                 const char *what);

/** Runs a SELECT whose first column is a JSON object built by SQLite (json_object, json_set),
 * binding `args` as text (NULL binds NULL); *out = the array of those objects. */
int cs_cat_select_json(cs_catalog_t *cat, const char *sql, const char *const *args, int nargs,
                       json_t **out, const char *what);

/** {"count": N, "recent": [...]}, as status lists want: `count_sql` selects one row
 * json_object('count', ...), `recent_sql` the newest rows with ?1 their most (`limit`).
 * Returns 0 with *out a new object, or a negative CS_E* (*out NULL). */
int cs_cat_count_and_recent(cs_catalog_t *cat, const char *count_sql, const char *recent_sql,
                            int limit, json_t **out, const char *what);

/** Runs one statement binding `args` as text (NULL binds NULL); *changes (may be NULL) gets
 * the rows changed. Returns 0 or a negative CS_E*. */
int cs_cat_run(cs_catalog_t *cat, const char *sql, const char *const *args, int nargs, int *changes,
               const char *what);

/** Appends {"kind": "custody", "action", "actor": by, ...fields (stolen; NULL: out of memory)}
 * inside the caller's transaction: the entry of a user, grant, classification or sign-in
 * change. */
/** Sets the detail for case `case_number` (with `party`, when not NULL) that the catalog does
 * not have, and returns CS_ENOTFOUND. */
int cs_cat_no_case(const char *case_number, const char *party);

int cs_cat_ledger_custody(cs_catalog_t *cat, const char *action, const char *by, json_t *fields,
                          const char *what);

/** Ends a transaction the caller began: commit when err is 0, else roll back and return err. */
int cs_cat_finish(cs_catalog_t *cat, int err, const char *what);

/** Appends a ledger entry inside the caller's transaction (indexer/ledger.h). */
int cs_cat_ledger_append(cs_catalog_t *cat, json_t *fields, int64_t *seq, const char *what);

/** Appends an event about an item and/or case, and its ledger entry; `detail` (NULL: {}) is
 * borrowed. */
int cs_cat_insert_event(cs_catalog_t *cat, sqlite3_int64 item_id, sqlite3_int64 case_id,
                        const char *kind, const char *actor, const char *at, json_t *detail,
                        const char *what);

/** Sets *found to 1 if the item has an active link to exactly (case, party or none). */
int cs_cat_active_link(cs_catalog_t *cat, sqlite3_int64 item_id, sqlite3_int64 case_id,
                       sqlite3_int64 party_id, int *found, const char *what);

/** Inserts an active link; sets *id (if not NULL) to its row id. */
int cs_cat_insert_link(cs_catalog_t *cat, sqlite3_int64 item_id, sqlite3_int64 case_id,
                       sqlite3_int64 party_id, const char *by, const char *at, const char *reason,
                       sqlite3_int64 *id, const char *what);

/** The rows of an arrival (case, party, item, source, link, events), inside the caller's
 * transaction; sets *item_id (may be NULL) to the item's row id. */
int cs_cat_arrival_rows(cs_catalog_t *cat, const cs_arrival_t *a, const char *now,
                        cs_arrival_result_t *r, sqlite3_int64 *item_id, const char *what);

/** SQL for the name a link's item had when it arrived in the link's case (the first arrival
 * routed there), else its first arrival's name: `l` is the links table's alias. */
#define CS_CAT_LINK_NAME_SQL(l)                                                                    \
    "coalesce((SELECT s.original_name FROM item_sources s WHERE s.item_id = " l ".item_id"         \
    " AND s.case_id = " l ".case_id ORDER BY s.id LIMIT 1), (SELECT s.original_name"               \
    " FROM item_sources s WHERE s.item_id = " l ".item_id ORDER BY s.id LIMIT 1))"

/** Writes the search index rows of an item from its metadata record (search.c), inside the
 * caller's transaction. */
int cs_cat_index_item(cs_catalog_t *cat, sqlite3_int64 item_id, json_t *rec, const char *what);

#endif
