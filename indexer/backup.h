/* indexer/backup.h: a consistent copy of a live catalog, made with SQLite's online backup
 * API while a service may be writing, and what a backup or a restore reads from such a copy
 * without migrating it: its figures, its latest checkpoint and the objects it references.
 * The copy is one self-contained file (rollback journal, no -wal beside it), fsynced. */
#ifndef CS_INDEXER_BACKUP_H
#define CS_INDEXER_BACKUP_H

#include <stdint.h>

typedef struct cs_catalog_facts {
    int schema;              /* PRAGMA user_version */
    int64_t cases;           /* rows of cases */
    int64_t items;           /* originals */
    int64_t derivatives;     /* derivative rows that have an object */
    int64_t ledger_size;     /* entries (0 before schema 5) */
    int64_t checkpoint_size; /* entries the latest checkpoint covers; -1: none */
} cs_catalog_facts_t;

/** Copies the catalog file at `src` to the new file `dst` (which must not exist) with
 * SQLite's online backup API: one snapshot of what was committed when the copy began, taken
 * while other processes go on writing. `src` is never migrated or written. The copy is sealed
 * (cs_catalog_file_seal). CS_EEXIST if dst exists; CS_ECORRUPT for a file that is not a
 * Custody catalog; CS_ECONFIG for one newer than this program; CS_EBUSY, CS_ENOSPC, CS_EIO. On
 * error no dst is left. */
int cs_catalog_backup(const char *src, const char *dst, int busy_timeout_ms);

/** Makes the catalog file at `path` self-contained (journal mode DELETE: the write-ahead log
 * folded in and removed) and fsyncs it; for a copy after it was opened with
 * cs_catalog_open (which turns the log on). */
int cs_catalog_file_seal(const char *path);

/** Fills *facts from the catalog file at `path`, read as it is (not migrated). */
int cs_catalog_file_facts(const char *path, cs_catalog_facts_t *facts);

/** *note = a malloc'd copy of the latest signed checkpoint of the catalog file at `path` and
 * *size the entries it covers; *note NULL and *size -1 when there is none. */
int cs_catalog_file_checkpoint(const char *path, int64_t *size, char **note);

/** One object a catalog references. */
typedef struct cs_catalog_object {
    const char *sha256;  /* the object */
    int64_t size;        /* bytes; -1 when the catalog does not say */
    const char *item;    /* the original it belongs to (itself, for an original) */
    const char *profile; /* NULL for an original, else the derivative's profile */
    const char *cases;   /* the item's active cases, ", "-separated; "" when unassigned */
} cs_catalog_object_t;

/** Calls fn for every object the catalog file at `path` references (each item's original and
 * each derivative's copy), once each, in sha256 order, with the strings valid during the call;
 * stops at fn's first non-zero return and returns it. Read as it is (not migrated). */
int cs_catalog_file_objects(const char *path, int (*fn)(void *arg, const cs_catalog_object_t *o),
                            void *arg);

#endif
