/* indexer/backup.c: catalog copies with SQLite's online backup API, and reading such a copy
 * as it is, at whatever schema version it was made (backup.h). */
#include "indexer/backup.h"

#include "core/error.h"
#include "indexer/catalog_int.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* fsyncs the file at `path`, then the folder that names it. */
static int
sync_file(const char *path)
{
    char dir[PATH_MAX];
    int fd, rc = 0;
    if ((size_t)snprintf(dir, sizeof dir, "%s", path) >= sizeof dir)
        return CS_ENAMETOOLONG;
    const char *names[2] = {path, dirname(dir)};
    for (int i = 0; i < 2 && rc == 0; i++) {
        if ((fd = open(names[i], O_RDONLY | O_CLOEXEC)) < 0 || fsync(fd) != 0) {
            rc = cs_err_from_errno(errno);
            cs_diag_set("cannot sync %s: %s", names[i], strerror(errno));
        }
        if (fd >= 0)
            close(fd);
    }
    return rc;
}

/* One self-contained file: the log folded in, no -wal or -shm beside it. */
static int
seal(cs_catalog_t *cat)
{
    return cs_cat_exec(cat, "PRAGMA journal_mode=DELETE", "cannot fold the write-ahead log in");
}

int
cs_catalog_file_seal(const char *path)
{
    cs_catalog_t *cat = NULL;
    int version, err = cs_cat_open_file(&cat, path, 0, &version);
    if (err == 0)
        err = seal(cat);
    cs_catalog_close(&cat);
    return err != 0 ? err : sync_file(path);
}

static void
remove_copy(const char *dst)
{
    static const char *const ends[] = {"", "-journal", "-wal", "-shm"};
    char p[PATH_MAX];
    for (size_t i = 0; i < sizeof ends / sizeof ends[0]; i++)
        if ((size_t)snprintf(p, sizeof p, "%s%s", dst, ends[i]) < sizeof p)
            unlink(p);
}

int
cs_catalog_backup(const char *src, const char *dst, int busy_timeout_ms)
{
    const char *what = "cannot copy the catalog";
    cs_catalog_t *from = NULL, *to = NULL;
    sqlite3_backup *b = NULL;
    int version = 0, empty = 0, err, rc, waited = 0, fd;

    /* Claims the name first: an empty file is an empty database to SQLite. */
    if ((fd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640)) < 0) {
        err = cs_err_from_errno(errno);
        cs_diag_set("cannot create the catalog copy %s: %s", dst, strerror(errno));
        return err;
    }
    close(fd);
    if ((err = cs_cat_open_file(&from, src, busy_timeout_ms, &version)) != 0 ||
        (err = cs_cat_open_file(&to, dst, busy_timeout_ms, &empty)) != 0)
        goto out;
    if ((b = sqlite3_backup_init(to->db, "main", from->db, "main")) == NULL) {
        err = cs_cat_err(to, sqlite3_extended_errcode(to->db), what);
        goto out;
    }
    /* All pages in one step: one read transaction on the source, so one snapshot; writers of
     * a WAL catalog go on meanwhile. */
    while ((rc = sqlite3_backup_step(b, -1)) == SQLITE_BUSY || rc == SQLITE_LOCKED) {
        if (waited >= busy_timeout_ms)
            break;
        sqlite3_sleep(50);
        waited += 50;
    }
    sqlite3_backup_finish(b);
    if (rc != SQLITE_DONE) {
        err = cs_cat_err(from, rc, what);
        goto out;
    }
    err = seal(to);
out:
    cs_catalog_close(&from);
    cs_catalog_close(&to);
    if (err == 0)
        err = sync_file(dst);
    if (err != 0)
        remove_copy(dst);
    return err;
}

static int
has_table(cs_catalog_t *cat, const char *name, int *yes)
{
    sqlite3_stmt *st = NULL;
    const char *what = "cannot read the schema";
    int err = cs_cat_prepare(cat,
                             "SELECT count(*) FROM sqlite_schema WHERE type = 'table'"
                             " AND name = ?1",
                             &st, what),
        rc;
    if (err != 0)
        return err;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    if ((rc = sqlite3_step(st)) == SQLITE_ROW)
        *yes = sqlite3_column_int(st, 0) > 0;
    else
        err = cs_cat_err(cat, rc, what);
    cs_cat_finalize(cat, st);
    return err;
}

/* The first column of the first row of `sql` (a count or a size); `none` when no row. */
static int
one_int(cs_catalog_t *cat, const char *sql, int64_t none, int64_t *out)
{
    return cs_cat_int64(cat, sql, NULL, none, out, "cannot read the catalog's figures");
}

int
cs_catalog_file_facts(const char *path, cs_catalog_facts_t *f)
{
    cs_catalog_t *cat = NULL;
    int derivs = 0, ledger = 0, err;

    memset(f, 0, sizeof *f);
    f->checkpoint_size = -1;
    if ((err = cs_cat_open_file(&cat, path, 0, &f->schema)) != 0 ||
        (err = cs_cat_begin_read(cat, "cannot read the catalog's figures")) != 0)
        goto out;
    if ((err = has_table(cat, "derivatives", &derivs)) != 0 ||
        (err = has_table(cat, "ledger", &ledger)) != 0 ||
        (err = one_int(cat, "SELECT count(*) FROM cases", 0, &f->cases)) != 0 ||
        (err = one_int(cat, "SELECT count(*) FROM items", 0, &f->items)) != 0)
        goto out;
    if (derivs && (err = one_int(cat, "SELECT count(*) FROM derivatives WHERE sha256 IS NOT NULL",
                                 0, &f->derivatives)) != 0)
        goto out;
    if (ledger && ((err = one_int(cat, "SELECT count(*) FROM ledger", 0, &f->ledger_size)) != 0 ||
                   (err = one_int(cat, "SELECT size FROM checkpoints ORDER BY id DESC LIMIT 1", -1,
                                  &f->checkpoint_size)) != 0))
        goto out;
out:
    cs_cat_rollback(cat);
    cs_catalog_close(&cat);
    return err;
}

int
cs_catalog_file_checkpoint(const char *path, int64_t *size, char **note)
{
    cs_catalog_t *cat = NULL;
    sqlite3_stmt *st = NULL;
    const char *what = "cannot read the latest checkpoint";
    int version, ledger = 0, err, rc;

    *size = -1;
    *note = NULL;
    if ((err = cs_cat_open_file(&cat, path, 0, &version)) != 0 ||
        (err = has_table(cat, "checkpoints", &ledger)) != 0 || !ledger)
        goto out;
    err = cs_cat_prepare(cat, "SELECT size, note FROM checkpoints ORDER BY id DESC LIMIT 1", &st,
                         what);
    if (err != 0)
        goto out;
    if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if ((*note = strdup((const char *)sqlite3_column_text(st, 1))) == NULL)
            err = cs_cat_no_memory(cat, what);
        else
            *size = sqlite3_column_int64(st, 0);
    } else if (rc != SQLITE_DONE) {
        err = cs_cat_err(cat, rc, what);
    }
out:
    cs_cat_finalize(cat, st);
    cs_catalog_close(&cat);
    return err;
}

/* Originals first among rows of the same object, so that an object that is both an original
 * and a copy is named as the original. */
static const char objects_sql[] =
    "SELECT o.sha256, o.size, o.item, o.profile, coalesce(o.case_number, (SELECT"
    "  group_concat(number, ', ') FROM (SELECT c.number FROM links l JOIN cases c ON c.id ="
    "  l.case_id WHERE l.item_id = o.item_id AND l.superseded_at IS NULL ORDER BY c.number)), '')"
    " FROM (SELECT sha256, size, id AS item_id, sha256 AS item, NULL AS profile,"
    "  NULL AS case_number, 0 AS k FROM items%s%s%s%s) o ORDER BY o.sha256, o.k";

/* A disposed item's objects are gone by design (indexer/dispose.h): no copy is asked of them,
 * nor of the copies made before a disposal of an item whose content arrived again since. */
static const char live_items_sql[] = " WHERE id NOT IN (SELECT item_id FROM item_disposed)";
static const char live_derivatives_sql[] =
    " AND NOT EXISTS (SELECT 1 FROM tombstones t"
    " WHERE t.item_id = d.item_id AND t.disposed_at >= d.made_at)";

static const char derivatives_sql[] =
    " UNION ALL SELECT d.sha256, d.size, d.item_id, i.sha256, d.profile, NULL, 1 FROM"
    " derivatives d JOIN items i ON i.id = d.item_id WHERE d.sha256 IS NOT NULL";

/* A review round's submission: a bag stored as an object, of no item (it names itself). */
static const char reviews_sql[] =
    " UNION ALL SELECT r.bag_sha256, NULL, NULL, r.bag_sha256, 'review-submission', c.number, 2"
    " FROM review_rounds r JOIN cases c ON c.id = r.case_id";

int
cs_catalog_file_objects(const char *path, int (*fn)(void *arg, const cs_catalog_object_t *o),
                        void *arg)
{
    const char *what = "cannot list the catalog's objects";
    cs_catalog_t *cat = NULL;
    sqlite3_stmt *st = NULL;
    char sql[sizeof objects_sql + sizeof live_items_sql + sizeof derivatives_sql +
             sizeof live_derivatives_sql + sizeof reviews_sql],
        last[65] = "";
    int version, derivs = 0, reviews = 0, disposed = 0, err, rc;

    if ((err = cs_cat_open_file(&cat, path, 0, &version)) != 0 ||
        (err = has_table(cat, "derivatives", &derivs)) != 0 ||
        (err = has_table(cat, "review_rounds", &reviews)) != 0 ||
        (err = has_table(cat, "item_disposed", &disposed)) != 0)
        goto out;
    snprintf(sql, sizeof sql, objects_sql, disposed ? live_items_sql : "",
             derivs ? derivatives_sql : "", derivs && disposed ? live_derivatives_sql : "",
             reviews ? reviews_sql : ""); /* fits: sized so */
    if ((err = cs_cat_prepare(cat, sql, &st, what)) != 0)
        goto out;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *sha = (const char *)sqlite3_column_text(st, 0);
        cs_catalog_object_t o = {
            .sha256 = sha,
            .size = sqlite3_column_type(st, 1) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 1),
            .item = (const char *)sqlite3_column_text(st, 2),
            .profile = (const char *)sqlite3_column_text(st, 3),
            .cases = (const char *)sqlite3_column_text(st, 4),
        };
        if (sha == NULL || strcmp(sha, last) == 0)
            continue;
        if ((err = cs_cat_column_copy(st, 0, last, sizeof last, "object hash")) != 0 ||
            (err = fn(arg, &o)) != 0)
            goto out;
    }
    if (rc != SQLITE_DONE)
        err = cs_cat_err(cat, rc, what);
out:
    cs_cat_finalize(cat, st);
    cs_catalog_close(&cat);
    return err;
}
