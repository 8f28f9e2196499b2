/* indexer/catalog.h: the SQLite catalog of cases, parties, items, their sources, links and
 * provenance events. The only module that opens catalog.db.
 *
 * WAL, foreign keys on, schema versioned by migrations (PRAGMA user_version). Each call that
 * writes runs in one transaction: it happens whole or not at all. Records come back as
 * jansson objects the caller owns (json_decref). Times are RFC 3339 UTC with milliseconds.
 * A cs_catalog_t is one SQLite connection: use it from one thread at a time.
 */
#ifndef CS_INDEXER_CATALOG_H
#define CS_INDEXER_CATALOG_H

#include <jansson.h>
#include <stdint.h>

typedef struct cs_catalog cs_catalog_t;

typedef struct cs_catalog_opts {
    int busy_timeout_ms; /* how long to wait for another writer's lock */
    int cache_kib;       /* the connection's page cache in KiB; 0: SQLite's default (2,000) */
} cs_catalog_opts_t;

/** Opens (with `create`, creates) the catalog at `path` and runs pending migrations.
 * `opts` may be NULL (busy timeout 5000 ms, SQLite's page cache). CS_ENOENT if absent and !create
 * (or its folder is absent); CS_EBUSY if locked past the timeout; CS_ECORRUPT if the file is
 * damaged or is not a Custody catalog (another application's SQLite database is refused, never
 * migrated); CS_ECONFIG if its schema is newer than this program. On error *out is NULL. */
int cs_catalog_open(cs_catalog_t **out, const char *path, int create,
                    const cs_catalog_opts_t *opts);

/** Closes the catalog and sets *cat to NULL; accepts NULL. */
void cs_catalog_close(cs_catalog_t **cat);

/** Takes and releases the write lock: 0 if a write could start now (within the busy
 * timeout), else the error a write would meet (CS_EBUSY, CS_EACCES, ...). Lets a caller
 * refuse before doing slow work whose result it could not record. */
int cs_catalog_check_writable(cs_catalog_t *cat);

/** Opens a batch: the writes that follow (each still whole or not at all) become durable
 * together at cs_catalog_batch_commit, with one sync instead of one each. Holds the write
 * lock until then: keep batches short. */
int cs_catalog_batch_begin(cs_catalog_t *cat);

/** With `relaxed`, commits made from now on do not sync (they become durable with the next
 * synced commit); for work that recovery redoes if a power cut takes it back. Changes only
 * between transactions. */
void cs_catalog_relaxed(cs_catalog_t *cat, int relaxed);

/** Makes every commit so far durable (syncs the write-ahead log): after relaxed commits, the
 * point from which they may be reported as done. CS_EIO (with a detail) if it cannot. */
int cs_catalog_sync(cs_catalog_t *cat);

/** Rolls back an open batch: none of its writes stand. */
void cs_catalog_batch_rollback(cs_catalog_t *cat);

/** 1 while a batch is open on this connection. */
int cs_catalog_in_batch(cs_catalog_t *cat);

/** Commits a batch; on failure rolls the whole batch back and returns the error. */
int cs_catalog_batch_commit(cs_catalog_t *cat);

/** Returns the schema version the catalog is at (PRAGMA user_version), or a CS_E* code. */
int cs_catalog_schema_version(cs_catalog_t *cat);

/** One arrival of stored content, to be cataloged. */
typedef struct cs_arrival {
    const char *sha256;        /* identity: 64 hex digits (either case; kept lower-case) */
    uint64_t size;             /* bytes, > 0; must match the item's if the sha256 is known */
    const char *media_type;    /* sniffed from content */
    const char *case_number;   /* normalised; NULL: unassigned (no link); never "" */
    const char *party;         /* NULL: none; needs a case; never "" */
    const char *original_name; /* base name as received (bytes kept as they came) */
    const char *source_path;   /* absolute path it came from */
    const char *actor;         /* who brought it: a name for people to read */
    int64_t user_id;           /* the Custody user who brought it (clerk access follows it);
                                * 0: the operator, or an upload credited to nobody */
    int64_t source_mtime_ns;   /* the source's mtime; 0: unknown */
    json_t *detail;            /* NULL, or more members for the `received` event (borrowed) */
} cs_arrival_t;

typedef struct cs_arrival_result {
    int item_created; /* 1: first time this content was seen */
    int link_created; /* 1: a new link to the case (and party) was made */
} cs_arrival_result_t;

/** Records an arrival in one transaction: the case and party (created on first use), the item
 * (once per sha256), its source row, an active link to the case/party unless one exists, and
 * events `received`, `stored` (first time only) and `linked`. `res` may be NULL. CS_EINVAL for
 * a missing field, CS_EMISMATCH if the sha256 is known with another size, CS_EBUSY; on any
 * error nothing is written. */
int cs_catalog_record_arrival(cs_catalog_t *cat, const cs_arrival_t *a, cs_arrival_result_t *res);

/** Resolves a full sha256 or a unique prefix (>= 8 hex digits) into `sha256` (65 bytes).
 * CS_EINVAL for a malformed or short prefix, CS_ENOTFOUND, CS_EAMBIGUOUS. */
int cs_catalog_resolve(cs_catalog_t *cat, const char *prefix, char sha256[65]);

/** Links an item (full sha256) to a case (and party) with a non-empty reason. With `replace`,
 * every active link of the item is superseded by the new one (event `relinked`, history kept;
 * an item with no active link is simply linked); otherwise the link is added (event `linked`).
 * CS_EINVAL without a reason; CS_ENOTFOUND if the item is unknown; CS_EEXIST if that exact
 * link is already active (with `replace`: already the only active one). */
int cs_catalog_link(cs_catalog_t *cat, const char *sha256, const char *case_number,
                    const char *party, const char *actor, const char *reason, int replace);

/** Appends a provenance event about an item (full sha256); `detail` (NULL, or an object) is
 * borrowed. CS_ENOTFOUND if the item is unknown. */
int cs_catalog_add_event(cs_catalog_t *cat, const char *sha256, const char *kind, const char *actor,
                         json_t *detail);

/** The full record of one item (full sha256): sha256, size, media_type, created_at, cases
 * (active), sources[], links[] (all, with superseded ones: active, superseded_at), events[]
 * (kind, actor, at, detail), each oldest first. CS_ENOTFOUND if unknown. */
int cs_catalog_item(cs_catalog_t *cat, const char *sha256, json_t **out);

/** Every case: [{case, created_at, items, parties:[...]}] ordered by case number. */
int cs_catalog_cases(cs_catalog_t *cat, json_t **out);

/** Items actively linked to a case: [{sha256, size, media_type, party, linked_at,
 * original_name}]. CS_ENOTFOUND if no such case. */
int cs_catalog_case_items(cs_catalog_t *cat, const char *case_number, json_t **out);

/** Calls fn(sha256, size, arg) for every item not disposed of (indexer/dispose.h: its bytes are
 * gone by design), in sha256 order; stops at fn's first non-zero
 * return and returns it. Items are read in batches, so fn may use the catalog, and items added
 * meanwhile past the current one are seen. */
int cs_catalog_each_item(cs_catalog_t *cat, int (*fn)(const char *sha256, uint64_t size, void *arg),
                         void *arg);

#endif
