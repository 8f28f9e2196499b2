/* backup/backup.c: `custody backup` (backup.h): snapshot, objects, then the files that say
 * what the backup holds. */
#include "backup/backup.h"
#include "backup/backup_int.h"

#include "core/buf.h"
#include "core/clock.h"
#include "core/error.h"
#include "indexer/schema.h"
#include "ledger/key.h"
#include "storage/store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

typedef struct run {
    const cs_backup_opts_t *o;
    cs_backup_result_t *res;
    cs_store_t *from, *to;
    char snap[PATH_MAX]; /* the snapshot, until renamed to catalog.db */
    json_t *bad;         /* hashes of the objects not backed up */
    FILE *manifest;      /* the second walk writes the objects' list */
    int first;
} run_t;

static double
now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One backup at a time per folder; what a killed one left (files named *.partial-<pid>) goes. */
static int
lock_folder(const char *dir, int *fd)
{
    char path[PATH_MAX];
    struct dirent *d;
    DIR *dp;
    int rc;
    if ((rc = cs_backup_join(path, sizeof path, dir, ".lock")) != 0)
        return rc;
    if ((*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640)) < 0) {
        rc = cs_err_from_errno(errno);
        cs_diag_set("cannot open %s: %s; check the backup folder's permissions", path,
                    strerror(errno));
        return rc;
    }
    if (flock(*fd, LOCK_EX | LOCK_NB) != 0) {
        cs_diag_set("another custody backup is writing to %s; wait for it to finish", dir);
        return CS_EBUSY;
    }
    if ((dp = opendir(dir)) == NULL)
        return 0;
    while ((d = readdir(dp)) != NULL)
        if (strstr(d->d_name, ".partial-") != NULL &&
            cs_backup_join(path, sizeof path, dir, d->d_name) == 0)
            unlink(path);
    closedir(dp);
    return 0;
}

/* Names an object of the home that cannot be backed up: missing, or altered (its bytes hash
 * to `actual`). */
static void
report(run_t *r, const cs_catalog_object_t *ob, int rc, const char *actual)
{
    char name[512], msg[1024];
    cs_backup_name(ob, name, sizeof name);
    /* msg is for people (the object is named by its hash beside it): cut if too long */
    if (rc == CS_ENOTFOUND)
        cs_snprintf_cut(msg, sizeof msg, "%s is missing from the home's store: not backed up",
                        name);
    else
        cs_snprintf_cut(msg, sizeof msg,
                        "%s does not match its hash in the home's store (its bytes "
                        "hash to %s): not backed up; run custody verify",
                        name, actual[0] ? actual : "something else: it is empty");
    json_array_append_new(r->bad, json_string(ob->sha256));
    if (r->o->problem != NULL)
        r->o->problem(r->o->arg, ob->sha256, msg);
}

/* Copies one object unless the backup holds it already (same name, same size). */
static int
copy_one(void *arg, const cs_catalog_object_t *ob)
{
    run_t *r = arg;
    cs_backup_result_t *res = r->res;
    cs_put_result_t put;
    uint64_t size = 0;
    char path[PATH_MAX];
    int rc;
    res->objects++;
    if (cs_store_stat(r->to, ob->sha256, &size) == 0) {
        if (ob->size < 0 || size == (uint64_t)ob->size) {
            res->present++;
            res->bytes_total += size;
            goto done;
        }
        /* A damaged copy in the backup: made again from the home's. */
        if ((rc = cs_store_path(r->to, ob->sha256, path, sizeof path)) != 0)
            return rc;
        unlink(path);
    }
    put.sha256[0] = '\0';
    rc = cs_store_copy_in(r->to, r->from, ob->sha256, &put);
    if (rc == CS_ENOTFOUND || rc == CS_EMISMATCH) {
        res->bad++;
        report(r, ob, rc, put.sha256);
        goto done;
    }
    if (rc != 0)
        return rc;
    res->copied++;
    res->bytes_copied += put.size;
    res->bytes_total += put.size;
done:
    if (r->o->progress != NULL)
        r->o->progress(r->o->arg, res->objects,
                       (uint64_t)(res->facts.items + res->facts.derivatives));
    return 0;
}

/* The second walk: every object the backup holds, one line each in the manifest. */
static int
list_one(void *arg, const cs_catalog_object_t *ob)
{
    run_t *r = arg;
    uint64_t size;
    if (cs_store_stat(r->to, ob->sha256, &size) != 0)
        return 0; /* not backed up: named in not_backed_up */
    fprintf(r->manifest, "%s    {\"sha256\": \"%s\", \"size\": %llu}", r->first ? "" : ",\n",
            ob->sha256, (unsigned long long)size);
    r->first = 0;
    return ferror(r->manifest) ? CS_EIO : 0;
}

/* Signs a checkpoint of the snapshot's whole ledger if none covers it and the key can be
 * read; never in the home's own catalog, which its service signs on its own schedule. */
static int
sign_snapshot(run_t *r)
{
    const cs_home_t *home = r->o->home;
    cs_catalog_facts_t *f = &r->res->facts;
    cs_catalog_opts_t copts = {.busy_timeout_ms = r->o->cfg->catalog_busy_timeout_ms};
    cs_catalog_t *cat = NULL;
    int rc;
    if (f->checkpoint_size >= f->ledger_size || f->schema != cs_cat_schema_latest() ||
        access(home->key, R_OK) != 0)
        return 0;
    if ((rc = cs_catalog_open(&cat, r->snap, 0, &copts)) == 0)
        rc = cs_ledger_checkpoint(cat, home, &r->res->signed_now);
    cs_catalog_close(&cat);
    if (rc == 0)
        rc = cs_catalog_file_seal(r->snap);
    return rc;
}

/* ledger.pub, custody.conf, and ledger.key when asked (else one an earlier run left goes). */
static int
copy_files(run_t *r)
{
    const cs_home_t *home = r->o->home;
    char dst[PATH_MAX];
    int rc;
    if ((rc = cs_backup_join(dst, sizeof dst, r->o->to, "ledger.pub")) != 0 ||
        (rc = cs_backup_copy_small(home->pub, dst, 0644)) != 0)
        return rc;
    if ((rc = cs_backup_join(dst, sizeof dst, r->o->to, "custody.conf")) != 0)
        return rc;
    if (access(home->conf, F_OK) == 0 && (rc = cs_backup_copy_small(home->conf, dst, 0640)) != 0)
        return rc;
    if ((rc = cs_backup_join(dst, sizeof dst, r->o->to, "ledger.key")) != 0)
        return rc;
    if (r->o->with_key) {
        if ((rc = cs_backup_copy_small(home->key, dst, 0600)) != 0)
            return rc;
        r->res->key_copied = 1;
    } else if (unlink(dst) == 0) {
        r->res->key_removed = 1;
    }
    return 0;
}

static int
write_checkpoint(run_t *r)
{
    char path[PATH_MAX], *note = NULL;
    int rc;
    if ((rc = cs_backup_join(path, sizeof path, r->o->to, "checkpoint.txt")) != 0 ||
        (rc = cs_catalog_file_checkpoint(r->snap, &r->res->checkpoint_size, &note)) != 0)
        return rc;
    if (note != NULL)
        rc = cs_backup_write(path, note, strlen(note), 0644);
    else
        unlink(path);
    free(note);
    return rc;
}

static json_t *
manifest_head(run_t *r, const char *cat_sha, uint64_t cat_size)
{
    const cs_backup_result_t *res = r->res;
    char home[PATH_MAX], key_id[CS_KEY_ID_MAX] = "";
    if (realpath(r->o->home->root, home) == NULL)
        snprintf(home, sizeof home, "%s", r->o->home->root); /* fits: both PATH_MAX */
    cs_ledger_key_id(r->o->home->pub, key_id);
    return json_pack("{s:s, s:i, s:s, s:s, s:i, s:{s:s, s:s, s:I}, s:{s:I, s:I, s:I, s:I, s:I},"
                     " s:{s:I, s:I, s:s?, s:s, s:b}, s:{s:b, s:b, s:b}, s:O}",
                     "format", CS_BACKUP_FORMAT, "version", CS_BACKUP_VERSION, "created_at",
                     res->created_at, "home", home, "schema", res->facts.schema, "catalog", "file",
                     "catalog.db", "sha256", cat_sha, "size", (json_int_t)cat_size, "counts",
                     "cases", (json_int_t)res->facts.cases, "items", (json_int_t)res->facts.items,
                     "derivatives", (json_int_t)res->facts.derivatives, "objects",
                     (json_int_t)(res->objects - res->bad), "bytes", (json_int_t)res->bytes_total,
                     "ledger", "size", (json_int_t)res->facts.ledger_size, "checkpoint_size",
                     (json_int_t)res->checkpoint_size, "checkpoint",
                     res->checkpoint_size >= 0 ? "checkpoint.txt" : NULL, "key_id", key_id,
                     "signed_by_backup", res->signed_now, "files", "ledger.pub", 1, "custody.conf",
                     access(r->o->home->conf, F_OK) == 0, "ledger.key", res->key_copied,
                     "not_backed_up", r->bad);
}

/* MANIFEST.json: the head, then the objects one a line (a large store's list is streamed). */
static int
write_manifest(run_t *r, const char *cat_sha, uint64_t cat_size)
{
    char path[PATH_MAX], tmp[PATH_MAX];
    json_t *head = NULL;
    char *text = NULL;
    int rc;
    if ((rc = cs_backup_join(path, sizeof path, r->o->to, CS_BACKUP_MANIFEST)) != 0)
        return rc;
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.partial-%ld", path, (long)getpid()) >= sizeof tmp)
        return CS_ENAMETOOLONG;
    if ((head = manifest_head(r, cat_sha, cat_size)) == NULL ||
        (text = json_dumps(head, JSON_INDENT(2) | JSON_PRESERVE_ORDER)) == NULL) {
        rc = CS_ENOMEM;
        goto out;
    }
    if ((r->manifest = fopen(tmp, "wx")) == NULL) {
        rc = cs_err_from_errno(errno);
        cs_diag_set("cannot write %s: %s", tmp, strerror(errno));
        goto out;
    }
    /* The head without its closing brace, then the list as its last member. */
    fprintf(r->manifest, "%.*s,\n  \"objects\": [\n", (int)(strlen(text) - 2), text);
    r->first = 1;
    if ((rc = cs_catalog_file_objects(r->snap, list_one, r)) != 0)
        goto out;
    fprintf(r->manifest, "\n  ]\n}\n");
    if (fflush(r->manifest) != 0 || fsync(fileno(r->manifest)) != 0 || ferror(r->manifest)) {
        rc = cs_err_from_errno(errno);
        cs_diag_set("cannot write %s: %s", tmp, strerror(errno));
        goto out;
    }
out:
    if (r->manifest != NULL && fclose(r->manifest) != 0 && rc == 0)
        rc = cs_err_from_errno(errno);
    r->manifest = NULL;
    if (rc == 0 && rename(tmp, path) != 0) {
        rc = cs_err_from_errno(errno);
        cs_diag_set("cannot rename %s into place: %s", path, strerror(errno));
    }
    if (rc != 0)
        unlink(tmp);
    json_decref(head);
    free(text);
    return rc;
}

/* The snapshot becomes catalog.db, once every object it needs is in. */
static int
publish_catalog(run_t *r, char sha[CS_SHA256_HEX], uint64_t *size)
{
    char path[PATH_MAX];
    cs_put_result_t h;
    int fd, rc;
    if ((rc = cs_backup_join(path, sizeof path, r->o->to, "catalog.db")) != 0)
        return rc;
    if ((fd = open(r->snap, O_RDONLY | O_CLOEXEC)) < 0) {
        cs_diag_set("cannot read %s: %s", r->snap, strerror(errno));
        return cs_err_from_errno(errno);
    }
    rc = cs_store_hash_fd(r->to, fd, r->snap, &h);
    close(fd);
    if (rc != 0)
        return rc;
    memcpy(sha, h.sha256, CS_SHA256_HEX);
    *size = h.size;
    if (rename(r->snap, path) != 0) {
        rc = cs_err_from_errno(errno);
        cs_diag_set("cannot rename %s to %s: %s", r->snap, path, strerror(errno));
        return rc;
    }
    /* what the files beside it are read from; fits: both PATH_MAX */
    snprintf(r->snap, sizeof r->snap, "%s", path);
    return cs_backup_sync_dir(r->o->to);
}

int
cs_backup_run(const cs_backup_opts_t *o, cs_backup_result_t *res)
{
    cs_store_opts_t sopts = {.buffer_size = (size_t)o->cfg->store_buffer_kb * 1024}, home_opts;
    cs_store_opts_from_config(&home_opts, o->cfg); /* the backup's own store is a folder */
    run_t r = {.o = o, .res = res};
    char store[PATH_MAX], cat_sha[CS_SHA256_HEX];
    uint64_t cat_size = 0;
    double t0 = now_s();
    int lock = -1, made, published = 0, rc;

    memset(res, 0, sizeof *res);
    res->checkpoint_size = -1;
    cs_clock_now(res->created_at);
    if ((r.bad = json_array()) == NULL)
        return CS_ENOMEM;
    if ((rc = cs_home_mkdir_parents(o->to, 0750)) != 0 ||
        (rc = cs_home_mkdir(o->to, 0750, &made)) != 0 || (rc = lock_folder(o->to, &lock)) != 0 ||
        (rc = cs_backup_join(store, sizeof store, o->to, "store")) != 0 ||
        (rc = cs_store_open(&r.from, o->home->store, 0, &home_opts)) != 0 ||
        (rc = cs_store_open(&r.to, store, 1, &sopts)) != 0)
        goto out;
    /* The snapshot first: it alone says which objects this backup needs. */
    if ((rc = cs_snprintf(r.snap, sizeof r.snap, "%s/catalog.db.partial-%ld", o->to,
                          (long)getpid())) != 0) {
        cs_diag_set("%s: the folder's name is too long for its catalog's snapshot", o->to);
        goto out;
    }
    if ((rc = cs_catalog_backup(o->home->catalog, r.snap, o->cfg->catalog_busy_timeout_ms)) != 0 ||
        (rc = cs_catalog_file_facts(r.snap, &res->facts)) != 0 || (rc = sign_snapshot(&r)) != 0 ||
        (rc = cs_catalog_file_objects(r.snap, copy_one, &r)) != 0 ||
        (rc = cs_backup_sync_dir(store)) != 0 ||
        (rc = publish_catalog(&r, cat_sha, &cat_size)) != 0)
        goto out;
    published = 1;
    if ((rc = copy_files(&r)) != 0 || (rc = write_checkpoint(&r)) != 0 ||
        (rc = write_manifest(&r, cat_sha, cat_size)) != 0 || (rc = cs_backup_sync_dir(o->to)) != 0)
        goto out;
    res->seconds = now_s() - t0;
out:
    if (!published && r.snap[0] != '\0')
        unlink(r.snap);
    cs_store_close(&r.from);
    cs_store_close(&r.to);
    json_decref(r.bad);
    if (lock >= 0)
        close(lock);
    return rc;
}
