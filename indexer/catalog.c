/* indexer/catalog.c: opening and closing the catalog, transactions, and the one place where
 * SQLite result codes become CS_E* codes. */
#include "core/buf.h"
#include "indexer/catalog_int.h"
#include "indexer/ledger_pack.h"

#include "core/error.h"
#include <unistd.h>
#include <fcntl.h>
#include "core/utf8.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define CS_CATALOG_BUSY_DEFAULT_MS 5000

static int
err_constraint(int xrc)
{
    switch (xrc) {
    case SQLITE_CONSTRAINT_CHECK:
    case SQLITE_CONSTRAINT_NOTNULL:
    case SQLITE_CONSTRAINT_DATATYPE:
        return CS_EINVAL; /* a value the schema refuses: the caller's input */
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
        return CS_EEXIST;
    default:
        return CS_EDB; /* foreign key, write-once trigger: our bug or a tampered file */
    }
}

/* SQLite says only "unable to open"; the errno of its last system call says why. */
static int
err_cantopen(cs_catalog_t *cat, int *sys)
{
    struct stat st;

    *sys = cat->db != NULL ? sqlite3_system_errno(cat->db) : 0;
    if (*sys == 0 && stat(cat->path, &st) != 0)
        *sys = errno;
    if (*sys == ENOENT || *sys == ENOTDIR)
        return CS_ENOENT;
    if (*sys == EISDIR)
        return CS_EISDIR;
    return CS_EACCES;
}

int
cs_cat_err(cs_catalog_t *cat, int rc, const char *what)
{
    const char *msg = cat->db != NULL ? sqlite3_errmsg(cat->db) : sqlite3_errstr(rc);
    int err, sys;

    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        cs_diag_set("catalog %s is locked by another process (waited %d ms); try again", cat->path,
                    cat->busy_timeout_ms);
        return CS_EBUSY;
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
        cs_diag_set("catalog %s is damaged or not a Custody catalog (%s); restore it from a "
                    "backup",
                    cat->path, msg);
        return CS_ECORRUPT;
    case SQLITE_FULL:
        cs_diag_set("catalog %s: %s: the disk is full (%s); free space and try again", cat->path,
                    what, msg);
        return CS_ENOSPC;
    case SQLITE_CANTOPEN:
        err = err_cantopen(cat, &sys);
        cs_diag_set("catalog %s cannot be opened (%s); check the folder exists and is writable",
                    cat->path, sys != 0 ? strerror(sys) : msg);
        return err;
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH:
        cs_diag_set("catalog %s: %s: not writable (%s); check its permissions", cat->path, what,
                    msg);
        return CS_EACCES;
    case SQLITE_IOERR:
        cs_diag_set("catalog %s: %s: input/output error (%s); check the disk (dmesg), then try "
                    "again",
                    cat->path, what, msg);
        return CS_EIO;
    case SQLITE_NOMEM:
        cs_diag_set("catalog %s: %s: out of memory", cat->path, what);
        return CS_ENOMEM;
    case SQLITE_CONSTRAINT:
        cs_diag_set("catalog %s: %s: refused (%s)", cat->path, what, msg);
        return err_constraint(rc);
    default:
        cs_diag_set("catalog %s: %s: %s (sqlite %d)", cat->path, what, msg, rc);
        return CS_EDB;
    }
}

int
cs_cat_prepare(cs_catalog_t *cat, const char *sql, sqlite3_stmt **st, const char *what)
{
    int rc;
    for (int i = 0; i < CS_CAT_STMTS && cat->stmts[i].st != NULL; i++)
        if (!cat->stmts[i].busy && strcmp(sqlite3_sql(cat->stmts[i].st), sql) == 0) {
            cat->stmts[i].busy = 1;
            *st = cat->stmts[i].st;
            return 0;
        }
    rc = sqlite3_prepare_v3(cat->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL);
    if (rc != SQLITE_OK) {
        *st = NULL;
        return cs_cat_err(cat, rc, what);
    }
    return 0;
}

void
cs_cat_finalize(cs_catalog_t *cat, sqlite3_stmt *st)
{
    int i;
    if (st == NULL)
        return;
    sqlite3_reset(st); /* ends its read, if it was stepped; its error was seen by the caller */
    sqlite3_clear_bindings(st);
    for (i = 0; i < CS_CAT_STMTS && cat->stmts[i].st != NULL; i++)
        if (cat->stmts[i].st == st) {
            cat->stmts[i].busy = 0;
            return;
        }
    if (i < CS_CAT_STMTS) {
        cat->stmts[i].st = st;
        cat->stmts[i].busy = 0;
        return;
    }
    sqlite3_finalize(st); /* the cache is full: this one is not kept */
}

int
cs_cat_exec(cs_catalog_t *cat, const char *sql, const char *what)
{
    sqlite3_stmt *st = NULL;
    int rc, err;
    if (strchr(sql, ';') != NULL) { /* several statements: not worth keeping */
        rc = sqlite3_exec(cat->db, sql, NULL, NULL, NULL);
        return rc == SQLITE_OK ? 0 : cs_cat_err(cat, rc, what);
    }
    if ((err = cs_cat_prepare(cat, sql, &st, what)) != 0)
        return err;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        ;
    err = rc == SQLITE_DONE ? 0 : cs_cat_err(cat, rc, what);
    cs_cat_finalize(cat, st);
    return err;
}

/* Inside a batch (an outer transaction is open), each transaction of a module is a savepoint:
 * it still happens whole or not at all, and the batch's one COMMIT makes them all durable. */
static int
begin(cs_catalog_t *cat, const char *sql, const char *what)
{
    if (!sqlite3_get_autocommit(cat->db)) {
        int err = cs_cat_exec(cat, "SAVEPOINT cs_nested", what);
        if (err == 0)
            cat->nested++;
        return err;
    }
    return cs_cat_exec(cat, sql, what);
}

int
cs_cat_begin(cs_catalog_t *cat, const char *what)
{
    return begin(cat, "BEGIN IMMEDIATE", what);
}

int
cs_cat_begin_read(cs_catalog_t *cat, const char *what)
{
    return begin(cat, "BEGIN", what);
}

int
cs_cat_commit(cs_catalog_t *cat, const char *what)
{
    if (cat->nested > 0) {
        int err = cs_cat_exec(cat, "RELEASE cs_nested", what);
        if (err != 0) {
            cs_cat_rollback(cat);
            return err;
        }
        cat->nested--;
        return 0;
    }
    int err = cs_cat_exec(cat, "COMMIT", what);
    if (err != 0)
        cs_cat_rollback(cat);
    else
        cs_cat_ledger_after_commit(cat);
    return err;
}

void
cs_cat_rollback(cs_catalog_t *cat)
{
    if (cat == NULL || cat->db == NULL || sqlite3_get_autocommit(cat->db))
        return;
    if (cat->nested > 0) {
        sqlite3_exec(cat->db, "ROLLBACK TO cs_nested", NULL, NULL, NULL);
        sqlite3_exec(cat->db, "RELEASE cs_nested", NULL, NULL, NULL);
        cat->nested--;
        return;
    }
    sqlite3_exec(cat->db, "ROLLBACK", NULL, NULL, NULL);
}

void
cs_cat_relaxed(cs_catalog_t *cat, int relaxed)
{
    /* Between transactions only: a batch keeps the setting it began with. */
    if (sqlite3_get_autocommit(cat->db))
        sqlite3_exec(cat->db, relaxed ? "PRAGMA synchronous=NORMAL" : "PRAGMA synchronous=FULL",
                     NULL, NULL, NULL);
}

void
cs_catalog_relaxed(cs_catalog_t *cat, int relaxed)
{
    cs_cat_relaxed(cat, relaxed);
}

int
cs_catalog_sync(cs_catalog_t *cat)
{
    char wal[4096];
    int rc = 0;
    if ((size_t)snprintf(wal, sizeof wal, "%s-wal", cat->path) >= sizeof wal)
        return CS_ENAMETOOLONG;
    /* Frames a checkpoint has moved into the database were synced by it; the log holds the
     * rest. */
    int fd = open(wal, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 0 : cs_err_from_errno(errno);
    if (fdatasync(fd) != 0) {
        rc = cs_err_from_errno(errno);
        cs_diag_set("catalog %s: cannot sync its log: %s", cat->path, strerror(errno));
    }
    close(fd);
    return rc;
}

/* The connection's page cache as PRAGMA cache_size says it, kept to be given back after a
 * batch (in cat->cache_size; 0 while no batch is open). */
static int
read_cache_size(cs_catalog_t *cat)
{
    sqlite3_stmt *st = NULL;
    int err = cs_cat_prepare(cat, "PRAGMA cache_size", &st, "cannot read the page cache size");
    if (err != 0)
        return err;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        cat->cache_size = sqlite3_column_int(st, 0);
    else
        err = cs_cat_err(cat, rc, "cannot read the page cache size");
    cs_cat_finalize(cat, st);
    return err;
}

int
cs_catalog_batch_begin(cs_catalog_t *cat)
{
    if (!sqlite3_get_autocommit(cat->db)) {
        cs_diag_set("catalog %s: a batch is already open", cat->path);
        return CS_EINVAL;
    }
    int err = cs_cat_exec(cat, "BEGIN IMMEDIATE", "cannot begin a batch");
    if (err != 0)
        return err;
    /* A batch touches more pages than one transaction; at a province's scale each item's
     * index entries keyed by hash fall on a leaf of their own, and with the connection's cache
     * (2,000 KiB) the batch's dirty pages were spilled to the log mid-batch, read back and
     * written again (bench/scale.sh: 5.7 page writes an item against 3.5). The cache is
     * given back at the batch's end (batch_done), so a long-lived connection does not keep
     * it. */
    char sql[48];
    snprintf(sql, sizeof sql, "PRAGMA cache_size=-%d", CS_CAT_BATCH_CACHE_KIB); /* fits */
    if ((err = read_cache_size(cat)) != 0 ||
        (err = cs_cat_exec(cat, sql, "cannot size the batch's page cache")) != 0) {
        sqlite3_exec(cat->db, "ROLLBACK", NULL, NULL, NULL);
        cat->cache_size = 0;
    }
    return err;
}

/* The connection's own page cache again, after a batch (pages past it are freed). */
static void
batch_done(cs_catalog_t *cat)
{
    char sql[48];
    cat->nested = 0;
    if (cat->cache_size != 0 &&
        (size_t)snprintf(sql, sizeof sql, "PRAGMA cache_size=%d", cat->cache_size) < sizeof sql)
        (void)cs_cat_exec(cat, sql, "cannot give back the batch's page cache"); /* a pragma */
    cat->cache_size = 0;
}

void
cs_catalog_batch_rollback(cs_catalog_t *cat)
{
    if (!sqlite3_get_autocommit(cat->db))
        sqlite3_exec(cat->db, "ROLLBACK", NULL, NULL, NULL);
    batch_done(cat);
}

int
cs_catalog_in_batch(cs_catalog_t *cat)
{
    return !sqlite3_get_autocommit(cat->db);
}

int
cs_catalog_batch_commit(cs_catalog_t *cat)
{
    if (sqlite3_get_autocommit(cat->db)) {
        batch_done(cat);
        return 0;
    }
    int err = cs_cat_exec(cat, "COMMIT", "cannot commit a batch");
    if (err != 0)
        sqlite3_exec(cat->db, "ROLLBACK", NULL, NULL, NULL);
    batch_done(cat); /* the batch's page cache given back, committed or not */
    if (err == 0)
        cs_cat_ledger_after_commit(cat);
    return err;
}

/* WAL lets readers go on while one writer commits; FULL syncs the WAL at every commit, since
 * a custody record that a power cut can take back is worth less than the milliseconds. */
static int
set_pragmas(cs_catalog_t *cat)
{
    sqlite3_stmt *st = NULL;
    int err, rc;

    err = cs_cat_prepare(cat, "PRAGMA journal_mode=WAL", &st, "cannot set the journal mode");
    if (err != 0)
        goto out;
    rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        err = cs_cat_err(cat, rc, "cannot set the journal mode");
        goto out;
    }
    const char *mode = (const char *)sqlite3_column_text(st, 0);
    if (mode == NULL || strcasecmp(mode, "wal") != 0) {
        cs_diag_set("catalog %s: cannot use a write-ahead log (journal mode stays %s); keep the "
                    "catalog on a local file system",
                    cat->path, mode != NULL ? mode : "unknown");
        err = CS_EDB;
        goto out;
    }
    /* temp_store: a write inside a batch is a savepoint, whose journal of the pages it changes
     * went to a temporary file, one write a page (bench/scale.sh: 126 writes an item filed, 10
     * with it in memory; it is dropped at each release, so it stays one job's pages). */
    err = cs_cat_exec(cat,
                      "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY",
                      "cannot set up the connection");
out:
    cs_cat_finalize(cat, st);
    return err;
}

/* SQLite counts every allocation under one global mutex unless told not to: with several
 * threads on their own connections (the API's readers and the ledger's committer) that mutex
 * became the most contended lock of a request. Must precede sqlite3_initialize. */
static void
configure_sqlite(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/* The connection alone: no pragmas, no migrations. */
static int
open_connection(cs_catalog_t **out, const char *path, int flags, int busy_timeout_ms)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    cs_catalog_t *cat = NULL;
    int err = 0, rc;

    pthread_once(&once, configure_sqlite);
    cat = calloc(1, sizeof *cat);
    if (cat == NULL || (cat->path = strdup(path)) == NULL) {
        cs_diag_set("catalog %s: out of memory", path);
        err = CS_ENOMEM;
        goto out;
    }
    cat->busy_timeout_ms = busy_timeout_ms;
    cat->upload_delay_h = 24;
    rc = sqlite3_open_v2(path, &cat->db, flags, NULL);
    if (rc != SQLITE_OK) {
        err = cs_cat_err(cat, rc, "cannot open");
        goto out;
    }
    sqlite3_extended_result_codes(cat->db, 1);
    sqlite3_busy_timeout(cat->db, cat->busy_timeout_ms);
    rc = sqlite3_create_function(cat->db, "cs_text", 1,
                                 SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL,
                                 cs_cat_sql_text, NULL, NULL);
    if (rc != SQLITE_OK) {
        err = cs_cat_err(cat, rc, "cannot add the function cs_text");
        goto out;
    }
    rc = sqlite3_create_function(cat->db, "cs_site_date", 2,
                                 SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL,
                                 cs_cat_sql_site_date, NULL, NULL);
    if (rc != SQLITE_OK) {
        err = cs_cat_err(cat, rc, "cannot add the function cs_site_date");
        goto out;
    }
    rc = sqlite3_create_function(cat->db, "cs_ledger_entry", 3, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
                                 cat, cs_cat_sql_ledger_entry, NULL, NULL);
    if (rc != SQLITE_OK) {
        err = cs_cat_err(cat, rc, "cannot add the function cs_ledger_entry");
        goto out;
    }
    *out = cat;
    cat = NULL;
out:
    cs_catalog_close(&cat);
    return err;
}

int
cs_catalog_open(cs_catalog_t **out, const char *path, int create, const cs_catalog_opts_t *opts)
{
    cs_catalog_t *cat = NULL;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
    int err;
    struct stat st;

    *out = NULL;
    if (path == NULL || *path == '\0') {
        cs_diag_set("catalog: no path given");
        return CS_EINVAL;
    }
    if (opts != NULL && opts->busy_timeout_ms < 0) {
        cs_diag_set("catalog %s: busy timeout %d ms is negative", path, opts->busy_timeout_ms);
        return CS_EINVAL;
    }
    /* Checked here rather than left to SQLite, whose "unable to open" hides the reason. */
    if (!create && stat(path, &st) != 0 && errno == ENOENT) {
        cs_diag_set("catalog %s does not exist; create it first", path);
        return CS_ENOENT;
    }
    if (create)
        flags |= SQLITE_OPEN_CREATE;
    err = open_connection(&cat, path, flags,
                          opts != NULL ? opts->busy_timeout_ms : CS_CATALOG_BUSY_DEFAULT_MS);
    if (err != 0)
        goto out;
    err = set_pragmas(cat);
    if (err != 0)
        goto out;
    /* A bounded page cache: a long-lived service holds several connections, each of which
     * would otherwise grow to SQLite's 2,000 KiB as the catalog grows (bench/soak.sh). */
    if (opts != NULL && opts->cache_kib > 0) {
        char sql[48];
        if ((size_t)snprintf(sql, sizeof sql, "PRAGMA cache_size=-%d", opts->cache_kib) >=
            sizeof sql) {
            cs_diag_set("catalog %s: cache size %d KiB is too long to say", path, opts->cache_kib);
            err = CS_ENAMETOOLONG;
            goto out;
        }
        if ((err = cs_cat_exec(cat, sql, "cannot set the page cache size")) != 0)
            goto out;
    }
    err = cs_cat_migrate(cat);
    if (err != 0)
        goto out;
    *out = cat;
    cat = NULL;
out:
    cs_catalog_close(&cat);
    return err;
}

int
cs_cat_open_file(cs_catalog_t **out, const char *path, int busy_timeout_ms, int *version)
{
    struct stat st;
    int err;

    *out = NULL;
    if (stat(path, &st) != 0) {
        err = cs_err_from_errno(errno);
        cs_diag_set("catalog %s cannot be read: %s", path, strerror(errno));
        return err;
    }
    if (!S_ISREG(st.st_mode)) {
        cs_diag_set("catalog %s is not a file; check the path", path);
        return CS_ENOTREG;
    }
    err = open_connection(out, path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, busy_timeout_ms);
    if (err == 0 && (err = cs_cat_check_owner(*out, version)) != 0)
        cs_catalog_close(out);
    return err;
}

void
cs_catalog_close(cs_catalog_t **cat)
{
    if (cat == NULL || *cat == NULL)
        return;
    /* sqlite3_close_v2 finishes the close once statements are finalized; every function here
     * gives its own back, and the kept ones go now, so this closes at once. */
    for (int i = 0; i < CS_CAT_STMTS; i++)
        sqlite3_finalize((*cat)->stmts[i].st);
    sqlite3_close_v2((*cat)->db);
    cs_cat_ledger_pack_free((*cat)->pack);
    free((*cat)->path);
    free(*cat);
    *cat = NULL;
}

int
cs_catalog_check_writable(cs_catalog_t *cat)
{
    int err = cs_cat_begin(cat, "cannot take the write lock");
    if (err == 0)
        cs_cat_rollback(cat);
    return err;
}

int
cs_catalog_schema_version(cs_catalog_t *cat)
{
    sqlite3_stmt *st = NULL;
    int err, rc;

    err = cs_cat_prepare(cat, "PRAGMA user_version", &st, "cannot read the schema version");
    if (err != 0)
        return err;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        err = sqlite3_column_int(st, 0);
    else
        err = cs_cat_err(cat, rc, "cannot read the schema version");
    cs_cat_finalize(cat, st);
    return err;
}

json_t *
cs_cat_jstr(const char *s)
{
    json_t *j = s != NULL ? json_string(s) : NULL;
    return j != NULL ? j : cs_json_string_lossless(s);
}

int
cs_cat_column_copy(sqlite3_stmt *st, int col, char *dst, size_t cap, const char *field)
{
    const char *s = (const char *)sqlite3_column_text(st, col);
    int err = cs_snprintf(dst, cap, "%s", s != NULL ? s : "");
    if (err != 0)
        cs_diag_set("the catalog's %s is longer than %zu bytes; it was not written by Custody",
                    field, cap - 1);
    return err;
}

json_t *
cs_cat_jname(const char *s)
{
    return cs_json_string_lossless(s);
}
