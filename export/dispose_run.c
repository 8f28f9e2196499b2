/* export/dispose_run.c: carrying out approved disposal batches (dispose.h). */
#include "export/dispose.h"

#include "core/error.h"
#include "core/log.h"
#include "export/bag_int.h"
#include "indexer/dispose.h"
#include "indexer/retention.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define DUE_MAX 64 /* batches one run takes up */

static const char readme[] =
    "Custody: the records of a disposal batch (not the media)\n"
    "\n"
    "Written before any byte of the batch was removed. batch.json is the batch: its reason,\n"
    "who proposed and who approved it, when, and each item with its retention class and why\n"
    "it was due. items/<sha256>.json is each item's catalog record as it was: its names and\n"
    "sources, case links, events, metadata and classification. ledger.jsonl holds every\n"
    "ledger entry naming the batch, as stored (`custody ledger verify` checks them in the\n"
    "home). SHA256SUMS lists the SHA-256 of each file. The originals and their copies are\n"
    "removed from the store; the catalog keeps a tombstone of each and a `disposed` entry.\n";

static int
path_join(char *out, size_t size, const char *a, const char *b)
{
    if ((size_t)snprintf(out, size, "%s/%s", a, b) >= size) {
        cs_diag_set("path too long: %s/%s", a, b);
        return CS_ENAMETOOLONG;
    }
    return 0;
}

static int
write_json(const char *dir, const char *name, json_t *v, int flags)
{
    char path[PATH_MAX], *text = json_dumps(v, flags);
    int rc = text ? path_join(path, sizeof path, dir, name) : CS_ENOMEM;
    if (rc == 0)
        rc = cs_bag_write_file(path, text, strlen(text));
    free(text);
    return rc;
}

/* Adds "<hex>  <rel>" of the file dir/rel to sums. */
static int
sum_line(json_t *sums, const char *dir, const char *rel)
{
    char path[PATH_MAX], hex[65], line[PATH_MAX + 80];
    uint64_t size;
    int rc = path_join(path, sizeof path, dir, rel);
    if (rc == 0)
        rc = cs_bag_hash_file(path, hex, &size);
    if (rc == 0 && (size_t)snprintf(line, sizeof line, "%s  %s\n", hex, rel) >= sizeof line)
        rc = CS_ENAMETOOLONG;
    if (rc == 0)
        json_array_append_new(sums, json_string(line));
    return rc;
}

/* The files of the export in `dir` (a new, empty folder). */
static int
write_files(const char *dir, json_t *rows)
{
    char items_dir[PATH_MAX], name[PATH_MAX];
    json_t *sums = json_array(), *it, *lines = json_array();
    size_t i;
    int rc = sums && lines ? 0 : CS_ENOMEM;
    if (rc == 0 && (rc = path_join(items_dir, sizeof items_dir, dir, "items")) == 0 &&
        mkdir(items_dir, 0750) != 0)
        rc = cs_err_from_errno(errno);
    if (rc == 0)
        rc = path_join(name, sizeof name, dir, "README.txt");
    if (rc == 0)
        rc = cs_bag_write_file(name, readme, strlen(readme));
    if (rc == 0)
        rc = write_json(dir, "batch.json", json_object_get(rows, "batch"), JSON_INDENT(2));
    json_array_foreach(json_object_get(rows, "items"), i, it)
    {
        char file[100];
        if (rc != 0)
            break;
        snprintf(file, sizeof file, "items/%s.json",
                 json_string_value(json_object_get(it, "sha256"))); /* fits: a hash */
        if ((rc = write_json(dir, file, it, JSON_INDENT(2))) == 0)
            rc = sum_line(sums, dir, file);
    }
    /* The entries as stored, one a line: what `custody ledger verify` hashes. */
    json_array_foreach(json_object_get(rows, "ledger"), i, it)
    {
        const char *text = json_string_value(json_object_get(it, "entry"));
        if (text == NULL || json_array_append_new(lines, json_string(text)) != 0)
            rc = CS_ENOMEM;
    }
    if (rc == 0) {
        json_t *l;
        size_t total = 0;
        json_array_foreach(lines, i, l) total += strlen(json_string_value(l)) + 1;
        char *buf = malloc(total + 1), *p = buf;
        if (buf == NULL)
            rc = CS_ENOMEM;
        json_array_foreach(lines, i, l)
        {
            if (buf == NULL)
                break;
            size_t n = strlen(json_string_value(l));
            memcpy(p, json_string_value(l), n);
            p[n] = '\n';
            p += n + 1;
        }
        if (rc == 0 && path_join(name, sizeof name, dir, "ledger.jsonl") == 0)
            rc = cs_bag_write_file(name, buf, (size_t)(p - buf));
        free(buf);
    }
    if (rc == 0 && (rc = sum_line(sums, dir, "README.txt")) == 0 &&
        (rc = sum_line(sums, dir, "batch.json")) == 0)
        rc = sum_line(sums, dir, "ledger.jsonl");
    if (rc == 0) {
        size_t total = 0;
        json_array_foreach(sums, i, it) total += strlen(json_string_value(it));
        char *buf = malloc(total + 1);
        if (buf == NULL)
            rc = CS_ENOMEM;
        else {
            buf[0] = '\0';
            json_array_foreach(sums, i, it) strcat(buf, json_string_value(it));
            if ((rc = path_join(name, sizeof name, dir, "SHA256SUMS")) == 0)
                rc = cs_bag_write_file(name, buf, strlen(buf));
            free(buf);
        }
    }
    json_decref(sums);
    json_decref(lines);
    return rc;
}

/* Syncs everything written in the folder `path` (one syncfs: its file system). */
static int
sync_folder(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = 0;
    if (fd < 0 || syncfs(fd) != 0 || fsync(fd) != 0) {
        rc = cs_err_from_errno(errno);
        cs_diag_set("cannot sync %s: %s", path, strerror(errno));
    }
    if (fd >= 0)
        close(fd);
    return rc;
}

/* Writes the batch's export once: into a temporary folder, synced, then renamed into place;
 * a folder of that name left by a run cut short after its rename is whole already. */
static int
export_batch(cs_catalog_t *cat, const char *home_root, int64_t id, char *out, size_t size)
{
    char parent[PATH_MAX], tmp[PATH_MAX], lock[PATH_MAX], leaf[64];
    json_t *rows = NULL;
    struct stat st;
    int rc, fd = -1;
    snprintf(leaf, sizeof leaf, "batch-%lld-records", (long long)id); /* fits */
    if ((rc = path_join(parent, sizeof parent, home_root, CS_DISPOSE_EXPORT_DIR)) != 0 ||
        (rc = path_join(out, size, parent, leaf)) != 0)
        return rc;
    if ((size_t)snprintf(tmp, sizeof tmp, "%s/.%s.partial", parent, leaf) >= sizeof tmp ||
        (size_t)snprintf(lock, sizeof lock, "%s/.%s.lock", parent, leaf) >= sizeof lock)
        return CS_ENAMETOOLONG;
    if (mkdir(parent, 0750) != 0 && errno != EEXIST) {
        rc = cs_err_from_errno(errno);
        cs_diag_set("cannot make %s: %s", parent, strerror(errno));
        return rc;
    }
    /* One writer of a batch's records at a time: the service's disposal step and `custody
     * dispose run` may reach the same batch at once, and each clears the other's partial
     * folder before it starts. The lock goes with the process, even a killed one. */
    if ((fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0640)) < 0) {
        rc = cs_err_from_errno(errno);
        cs_diag_set("cannot open %s: %s", lock, strerror(errno));
        return rc;
    }
    while ((rc = flock(fd, LOCK_EX)) != 0 && errno == EINTR)
        ;
    if (rc != 0) {
        rc = cs_err_from_errno(errno);
        cs_diag_set("cannot lock %s: %s", lock, strerror(errno));
        close(fd);
        return rc;
    }
    if (stat(out, &st) == 0) {
        close(fd); /* made by the other while this one waited */
        return 0;
    }
    cs_bag_rmrf(tmp);
    if (mkdir(tmp, 0750) != 0) {
        rc = cs_err_from_errno(errno);
        cs_diag_set("cannot make %s: %s", tmp, strerror(errno));
        close(fd);
        return rc;
    }
    if ((rc = cs_catalog_dispose_export_rows(cat, id, &rows)) == 0 &&
        (rc = write_files(tmp, rows)) == 0 && (rc = sync_folder(tmp)) == 0) {
        if (rename(tmp, out) != 0) {
            rc = cs_err_from_errno(errno);
            cs_diag_set("cannot rename %s to %s: %s", tmp, out, strerror(errno));
        } else {
            rc = sync_folder(parent);
        }
    }
    if (rc != 0)
        cs_bag_rmrf(tmp);
    json_decref(rows);
    close(fd);
    return rc;
}

static void
log_item(const char *event, int level, int64_t id, const char *sha, const char *why)
{
    cs_log(level, event,
           json_pack("{s:I, s:s, s:s?}", "disposal", (json_int_t)id, "item", sha, "detail", why));
}

/* 1 when the object store's retention keeps any object of the item now (*until its date). */
static int
kept_by_lock(cs_catalog_t *cat, cs_store_t *store, const char *sha, char until[40])
{
    json_t *objs = NULL, *o;
    cs_store_info_t info;
    char now[CS_TIME_MAX];
    size_t i;
    int kept = 0;
    until[0] = '\0';
    if (strcmp(cs_store_backend(store), "s3") != 0)
        return 0;
    cs_clock_now(now);
    /* Before the tombstone: the objects it would free (none is disposed of yet). */
    if (cs_catalog_dispose_objects(cat, sha, &objs) != 0)
        return 0;
    json_array_foreach(objs, i, o)
    {
        if (cs_store_info(store, json_string_value(o), &info) == 0 && info.lock_mode[0] != '\0' &&
            strcmp(info.retain_until, now) > 0 && strcmp(info.retain_until, until) > 0) {
            snprintf(until, 40, "%s", info.retain_until); /* fits: the same size */
            kept = 1;
        }
    }
    json_decref(objs);
    return kept;
}

/* Removes the item's objects; 0 when all are gone. */
static int
remove_objects(cs_catalog_t *cat, cs_store_t *store, int64_t id, const char *sha,
               cs_dispose_report_t *rep)
{
    json_t *objs = NULL, *o;
    char until[40];
    size_t i;
    int rc = cs_catalog_dispose_objects(cat, sha, &objs);
    json_array_foreach(objs, i, o)
    {
        if (rc != 0)
            break;
        rc = cs_store_dispose(store, json_string_value(o), until);
        if (rc == CS_EACCES) {
            rep->locked++;
            log_item("dispose.locked", CS_LOG_WARN, id, sha, cs_diag());
        }
    }
    json_decref(objs);
    return rc;
}

static int
one_item(cs_catalog_t *cat, cs_store_t *store, const cs_config_t *cfg, int64_t id, const char *sha,
         const char *state, const char *actor, int64_t now_ms, cs_dispose_report_t *rep)
{
    cs_retention_t r;
    char until[40];
    int64_t seq;
    int rc;
    if (strcmp(state, "removing") != 0) {
        /* Asked again: a hold placed, or a case reopened, during the grace keeps it. */
        if ((rc = cs_retention_item(cat, cfg, sha, now_ms, &r)) != 0)
            return rc;
        if (!r.due) {
            rep->skipped++;
            log_item("dispose.skip", CS_LOG_INFO, id, sha, r.reason);
            return cs_catalog_dispose_skip(cat, id, sha, actor, r.reason_code, r.reason, now_ms);
        }
        if (kept_by_lock(cat, store, sha, until)) {
            rep->locked++;
            log_item("dispose.locked", CS_LOG_WARN, id, sha, until);
            return cs_catalog_dispose_locked(cat, id, sha, until);
        }
        if ((rc = cs_catalog_dispose_tombstone(cat, id, sha, actor, now_ms, &seq)) != 0)
            return rc;
    }
    /* A run cut short after the tombstone, and the same content arriving again since: the
     * bytes now are the new arrival's, kept; the disposal itself is done. */
    int gone = 1;
    if ((rc = cs_catalog_item_disposed(cat, sha, &gone, &seq)) != 0)
        return rc;
    if (gone && (rc = remove_objects(cat, store, id, sha, rep)) != 0)
        return rc == CS_EACCES ? 0 : rc;
    if ((rc = cs_catalog_dispose_removed(cat, id, sha, now_ms)) == 0) {
        rep->disposed++;
        log_item("dispose.disposed", CS_LOG_INFO, id, sha, NULL);
    }
    return rc;
}

static int
run_batch(cs_catalog_t *cat, cs_store_t *store, const cs_config_t *cfg, const char *home_root,
          const char *actor, int64_t now_ms, int64_t id, cs_dispose_report_t *rep)
{
    cs_disposal_row_t row;
    json_t *items = NULL, *it;
    char path[PATH_MAX];
    size_t i;
    int rc;
    if ((rc = cs_catalog_disposal_row(cat, id, &row)) != 0)
        return rc;
    if (row.export_path[0] == '\0' &&
        ((rc = export_batch(cat, home_root, id, path, sizeof path)) != 0 ||
         (rc = cs_catalog_dispose_set_export(cat, id, path)) != 0))
        return rc;
    rep->batches++;
    if ((rc = cs_catalog_dispose_open_items(cat, id, &items)) != 0)
        return rc;
    json_array_foreach(items, i, it)
    {
        const char *sha = json_string_value(json_object_get(it, "sha256"));
        int err = one_item(cat, store, cfg, id, sha,
                           json_string_value(json_object_get(it, "state")), actor, now_ms, rep);
        if (err != 0) {
            rep->failed++;
            log_item("dispose.failed", CS_LOG_ERROR, id, sha,
                     *cs_diag() ? cs_diag() : cs_strerror(err));
        }
    }
    json_decref(items);
    return 0;
}

int
cs_dispose_run(cs_catalog_t *cat, cs_store_t *store, const cs_config_t *cfg, const char *home_root,
               const char *actor, int64_t now_ms, int64_t only, cs_dispose_report_t *rep)
{
    cs_dispose_report_t local;
    int64_t ids[DUE_MAX];
    int n = 0, rc;
    if (rep == NULL)
        rep = &local;
    memset(rep, 0, sizeof *rep);
    if ((rc = cs_catalog_disposals_due(cat, now_ms, ids, DUE_MAX, &n)) != 0)
        return rc;
    for (int k = 0; k < n && rc == 0; k++)
        if (only == 0 || ids[k] == only)
            rc = run_batch(cat, store, cfg, home_root, actor, now_ms, ids[k], rep);
    return rc;
}
