/* backup/restore.c: `custody restore` (backup.h): a new home built from a backup beside where
 * it goes, every object copied and re-hashed, the catalog migrated forward and the ledger
 * verified, then renamed into place; or, on any problem, nothing at all. */
#include "backup/backup.h"
#include "backup/backup_int.h"
#include "export/bag_int.h"

#include "core/buf.h"
#include "core/error.h"
#include "indexer/catalog.h"
#include "ledger/key.h"
#include "ledger/note.h"
#include "storage/store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

typedef struct restore {
    const cs_restore_opts_t *o;
    cs_restore_result_t *res;
    cs_home_t backup;       /* the backup's files, named as a home's */
    char partial[PATH_MAX]; /* the home being built */
    char catalog[PATH_MAX]; /* its catalog.db */
    const char *key_src;    /* the private key to install, NULL for a new one */
    cs_store_t *from, *to;
    int verifying; /* the second walk: re-hash what was copied */
} restore_t;

/* The new home: absent, or a folder with nothing in it. */
static int
check_target(const char *home)
{
    struct stat st;
    struct dirent *d;
    DIR *dp;
    int empty = 1;
    if (lstat(home, &st) != 0)
        return errno == ENOENT ? 0 : cs_err_from_errno(errno);
    if (S_ISDIR(st.st_mode) && (dp = opendir(home)) != NULL) {
        while (empty && (d = readdir(dp)) != NULL)
            empty = strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0;
        closedir(dp);
        if (empty)
            return 0;
    }
    cs_diag_set("%s exists and is not an empty folder; restore into a new folder (nothing was "
                "changed)",
                home);
    return CS_EEXIST;
}

/* MANIFEST.json names this format and the catalog's hash, which must be catalog.db's. */
static int
check_manifest(restore_t *r, const char *cat)
{
    char path[PATH_MAX];
    json_error_t jerr;
    json_t *m = NULL;
    cs_put_result_t h;
    int fd = -1, rc = CS_ECORRUPT;
    if (cs_backup_join(path, sizeof path, r->o->from, CS_BACKUP_MANIFEST) != 0)
        return CS_ENAMETOOLONG;
    if ((m = json_load_file(path, 0, &jerr)) == NULL) {
        if (access(path, F_OK) != 0) {
            cs_diag_set("%s is not a custody backup (no %s)", r->o->from, CS_BACKUP_MANIFEST);
            rc = CS_ENOENT;
        } else {
            cs_diag_set("%s cannot be read (%s); is this a whole custody backup?", path, jerr.text);
        }
        goto out;
    }
    const char *format = json_string_value(json_object_get(m, "format"));
    json_int_t version = json_integer_value(json_object_get(m, "version"));
    const char *want = json_string_value(json_object_get(json_object_get(m, "catalog"), "sha256"));
    if (format == NULL || strcmp(format, CS_BACKUP_FORMAT) != 0 || want == NULL) {
        cs_diag_set("%s is not a custody backup manifest", path);
        goto out;
    }
    if (version > CS_BACKUP_VERSION) {
        cs_diag_set("%s is of backup format %lld, newer than this program's %d; restore with "
                    "the Custody release that wrote it, or a newer one",
                    path, (long long)version, CS_BACKUP_VERSION);
        rc = CS_ECONFIG;
        goto out;
    }
    if ((fd = open(cat, O_RDONLY | O_CLOEXEC)) < 0) {
        cs_diag_set("%s cannot be read (%s); the backup is incomplete", cat, strerror(errno));
        goto out;
    }
    if ((rc = cs_store_hash_fd(r->from, fd, cat, &h)) != 0)
        goto out;
    if (strcmp(h.sha256, want) != 0) {
        cs_diag_set("%s does not match MANIFEST.json (its sha256 is %s): the backup was altered "
                    "or a backup run was cut short; run custody backup again, or restore an "
                    "older copy",
                    cat, h.sha256);
        rc = CS_EMISMATCH;
    }
out:
    if (fd >= 0)
        close(fd);
    json_decref(m);
    return rc;
}

/* Which private key the home gets: --key, else the backup's, else (--new-key) a new one; a
 * key given must be the one whose public half signed the ledger's checkpoints. */
static int
choose_key(restore_t *r)
{
    char origin[64], *note = NULL;
    int rc;
    if (access(r->backup.pub, R_OK) != 0) {
        cs_diag_set("%s is missing: the backup is incomplete", r->backup.pub);
        return CS_ECORRUPT;
    }
    r->key_src = r->o->new_key                      ? NULL
                 : r->o->key != NULL                ? r->o->key
                 : access(r->backup.key, F_OK) == 0 ? r->backup.key
                                                    : NULL;
    r->res->key_from = r->o->key != NULL ? "--key" : r->key_src != NULL ? "backup" : "new";
    if (r->key_src == NULL) {
        if (r->o->new_key)
            return 0;
        cs_diag_set("the backup %s holds no signing key (it was made without --with-key): give "
                    "--key PATH to the home's ledger.key kept apart, or --new-key to make a new "
                    "one (see docs/OPERATIONS.md: the old checkpoints stay verifiable only with "
                    "the backup's ledger.pub)",
                    r->o->from);
        return CS_EUSAGE;
    }
    if ((rc = cs_ledger_origin(&r->backup, origin, sizeof origin)) != 0)
        return rc;
    rc = cs_note_sign(r->key_src, origin, "custody restore: does this key sign the ledger?\n",
                      &note);
    if (rc == 0)
        rc = cs_note_verify(r->backup.pub, origin, note, NULL);
    free(note);
    if (rc != 0) {
        cs_diag_set("the key %s does not sign this ledger (its public key is not the backup's "
                    "ledger.pub); give the home's own ledger.key",
                    r->key_src);
        return CS_EUSAGE;
    }
    return 0;
}

/* Names a bad object: missing, or holding bytes that hash to `actual`. */
static void
report(restore_t *r, const cs_catalog_object_t *ob, int rc, const char *actual)
{
    const char *where = r->verifying ? "restored store" : "backup";
    char name[512], msg[1024];
    cs_backup_name(ob, name, sizeof name);
    /* msg is for people (the object is named by its hash beside it): cut if too long */
    if (rc == CS_ENOTFOUND)
        cs_snprintf_cut(msg, sizeof msg, "%s is missing from the %s", name, where);
    else
        cs_snprintf_cut(msg, sizeof msg,
                        "%s does not match its hash in the %s: its bytes hash to %s", name, where,
                        actual[0] ? actual : "something else (it is empty)");
    r->res->bad++;
    if (r->o->problem != NULL)
        r->o->problem(r->o->arg, ob->sha256, msg);
}

/* Copies one object into the new store (hashed while copied), or, in the second walk,
 * re-hashes it there. */
static int
restore_one(void *arg, const cs_catalog_object_t *ob)
{
    restore_t *r = arg;
    cs_put_result_t put = {.sha256 = ""};
    char actual[CS_SHA256_HEX] = "";
    int rc = r->verifying ? cs_store_verify(r->to, ob->sha256, actual)
                          : cs_store_copy_in(r->to, r->from, ob->sha256, &put);
    if (rc == CS_ENOTFOUND || rc == CS_EMISMATCH)
        report(r, ob, rc, r->verifying ? actual : put.sha256);
    else if (rc != 0)
        return rc;
    else if (r->verifying)
        r->res->verified++;
    else {
        r->res->objects++;
        r->res->bytes += put.size;
    }
    if (r->o->progress != NULL && !r->verifying)
        r->o->progress(r->o->arg, r->res->objects + r->res->bad,
                       (uint64_t)(r->res->facts.items + r->res->facts.derivatives));
    return 0;
}

static int
objects(restore_t *r, int verifying)
{
    int rc;
    r->verifying = verifying;
    if ((rc = cs_catalog_file_objects(r->catalog, restore_one, r)) != 0)
        return rc;
    if (r->res->bad > 0) {
        cs_diag_set("%llu objects of the backup %s are missing or altered (listed above); "
                    "nothing was restored",
                    (unsigned long long)r->res->bad, r->o->from);
        return CS_EMISMATCH;
    }
    return 0;
}

/* The home's files beside the catalog: custody.conf, ledger.pub and the private key. */
static int
install_files(restore_t *r)
{
    char conf[PATH_MAX], from_conf[PATH_MAX], pub[PATH_MAX], key[PATH_MAX], id[CS_KEY_ID_MAX];
    int rc;
    if ((rc = cs_backup_join(conf, sizeof conf, r->partial, "custody.conf")) != 0 ||
        (rc = cs_backup_join(from_conf, sizeof from_conf, r->o->from, "custody.conf")) != 0 ||
        (rc = cs_backup_join(pub, sizeof pub, r->partial, "ledger.pub")) != 0 ||
        (rc = cs_backup_join(key, sizeof key, r->partial, "ledger.key")) != 0)
        return rc;
    if (access(from_conf, F_OK) == 0 && (rc = cs_backup_copy_small(from_conf, conf, 0640)) != 0)
        return rc;
    if (r->key_src != NULL) {
        if ((rc = cs_backup_copy_small(r->backup.pub, pub, 0644)) != 0 ||
            (rc = cs_backup_copy_small(r->key_src, key, 0600)) != 0)
            return rc;
        return cs_ledger_key_id(pub, r->res->key_id);
    }
    /* A new key: the old public key stays, named by its id, for the old checkpoints. */
    char name[64];
    if ((rc = cs_ledger_key_id(r->backup.pub, id)) != 0)
        return rc;
    snprintf(name, sizeof name, "ledger-%.16s.pub", id); /* fits: 27 bytes < 64 */
    if ((rc = cs_backup_join(r->res->old_pub, sizeof r->res->old_pub, r->partial, name)) != 0 ||
        (rc = cs_backup_copy_small(r->backup.pub, r->res->old_pub, 0644)) != 0 ||
        (rc = cs_ledger_key_create(key, pub)) != 0)
        return rc;
    return cs_ledger_key_id(pub, r->res->key_id);
}

/* checkpoint.txt, kept apart from the catalog, is the catalog's latest checkpoint. */
static int
check_checkpoint_txt(restore_t *r)
{
    char path[PATH_MAX], *txt = NULL, *note = NULL;
    int64_t size = -1;
    size_t len = 0;
    FILE *f;
    int rc;
    if ((rc = cs_backup_join(path, sizeof path, r->o->from, "checkpoint.txt")) != 0 ||
        (rc = cs_catalog_file_checkpoint(r->catalog, &size, &note)) != 0)
        return rc;
    if ((f = fopen(path, "r")) != NULL) {
        txt = calloc(1, CS_BACKUP_SMALL_MAX + 1);
        len = txt != NULL ? fread(txt, 1, CS_BACKUP_SMALL_MAX, f) : 0;
        fclose(f);
    }
    if (txt == NULL && note != NULL) {
        cs_diag_set("%s is missing: the backup is incomplete", path);
        rc = CS_ECORRUPT;
    } else if (txt != NULL &&
               (note == NULL || strlen(note) != len || memcmp(note, txt, len) != 0)) {
        cs_diag_set("%s is not the latest checkpoint of the backup's catalog.db: one of them "
                    "was altered or replaced",
                    path);
        rc = CS_ECORRUPT;
    }
    free(txt);
    free(note);
    return rc;
}

/* `custody ledger verify` on the new catalog: against the backup's key, the one that signed
 * every checkpoint there is (with a new key, the new home's is not). */
static int
verify_ledger(restore_t *r)
{
    cs_catalog_t *cat = NULL;
    cs_catalog_opts_t copts = {.busy_timeout_ms = r->o->busy_timeout_ms};
    char origin[64];
    int rc;
    if ((rc = cs_catalog_open(&cat, r->catalog, 0, &copts)) != 0)
        return rc;
    r->res->schema = cs_catalog_schema_version(cat);
    if ((rc = cs_ledger_origin(&r->backup, origin, sizeof origin)) == 0)
        rc = cs_ledger_verify(cat, r->backup.pub, origin, &r->res->ledger);
    cs_catalog_close(&cat);
    if (rc == 0 && r->res->ledger.problem[0] != '\0') {
        cs_diag_set("the ledger of the backup %s does not verify: %s; nothing was restored",
                    r->o->from, r->res->ledger.problem);
        rc = CS_EMISMATCH;
    }
    return rc;
}

/* The home's folders, as `custody init` and the service make them. */
static int
layout(restore_t *r, cs_store_opts_t *sopts)
{
    static const char *const dirs[] = {"uploads", "tmp"};
    char path[PATH_MAX];
    int made, rc;
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++)
        if ((rc = cs_backup_join(path, sizeof path, r->partial, dirs[i])) != 0 ||
            (rc = cs_home_mkdir(path, 0750, &made)) != 0)
            return rc;
    if ((rc = cs_backup_join(path, sizeof path, r->partial, "store")) != 0)
        return rc;
    return cs_store_open(&r->to, path, 1, sopts);
}

/* Everything on disk, then the one rename that makes the home appear. */
static int
publish(restore_t *r)
{
    char parent[PATH_MAX], *slash;
    int fd = open(r->partial, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = 0;
    if (fd < 0 || syncfs(fd) != 0)
        rc = cs_err_from_errno(errno);
    if (fd >= 0)
        close(fd);
    if (rc == 0 && rename(r->partial, r->o->home) != 0)
        rc = cs_err_from_errno(errno);
    if (rc != 0) {
        cs_diag_set("cannot move %s to %s: %s", r->partial, r->o->home, strerror(errno));
        return rc;
    }
    snprintf(parent, sizeof parent, "%s", r->o->home); /* fits: checked by cs_restore_run */
    slash = strrchr(parent, '/');
    if (slash != NULL)
        *(slash == parent ? slash + 1 : slash) = '\0';
    return cs_backup_sync_dir(slash != NULL ? parent : ".");
}

int
cs_restore_run(const cs_restore_opts_t *o, cs_restore_result_t *res)
{
    cs_store_opts_t sopts = {0};
    restore_t r = {.o = o, .res = res};
    char store[PATH_MAX], cat[PATH_MAX], home[PATH_MAX];
    struct timespec t0, t1;
    int rc;

    memset(res, 0, sizeof *res);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (cs_snprintf(home, sizeof home, "%s", o->home) != 0) {
        cs_diag_set("%.200s...: the home's path is longer than %zu bytes", o->home,
                    sizeof home - 1);
        return CS_ENAMETOOLONG;
    }
    for (size_t n = strlen(home); n > 1 && home[n - 1] == '/'; n--)
        home[n - 1] = '\0';
    /* The backup's files by a home's names (its config is not read: $CUSTODY_CONFIG may name
     * another). */
    if ((rc = check_target(home)) != 0 || (rc = cs_home_resolve(&r.backup, o->from)) != 0 ||
        (rc = cs_backup_join(store, sizeof store, o->from, "store")) != 0 ||
        (rc = cs_backup_join(cat, sizeof cat, o->from, "catalog.db")) != 0 ||
        (rc = cs_store_open(&r.from, store, 0, &sopts)) != 0 ||
        (rc = check_manifest(&r, cat)) != 0 || (rc = choose_key(&r)) != 0 ||
        (rc = cs_home_mkdir_parents(home, 0755)) != 0)
        goto out;
    if ((size_t)snprintf(r.partial, sizeof r.partial, "%s.partial-XXXXXX", home) >=
        sizeof r.partial) {
        cs_diag_set("the path %.200s... is too long", home);
        rc = CS_ENAMETOOLONG;
        r.partial[0] = '\0';
        goto out;
    }
    if (mkdtemp(r.partial) == NULL) {
        rc = cs_err_from_errno(errno);
        cs_diag_set("cannot make %s: %s", r.partial, strerror(errno));
        r.partial[0] = '\0';
        goto out;
    }
    chmod(r.partial, 0750);
    if ((rc = layout(&r, &sopts)) != 0 ||
        (rc = cs_backup_join(r.catalog, sizeof r.catalog, r.partial, "catalog.db")) != 0 ||
        (rc = cs_catalog_backup(cat, r.catalog, o->busy_timeout_ms)) != 0 ||
        (rc = cs_catalog_file_facts(r.catalog, &res->facts)) != 0 ||
        (rc = check_checkpoint_txt(&r)) != 0 || (rc = objects(&r, 0)) != 0 ||
        (rc = install_files(&r)) != 0 || (rc = verify_ledger(&r)) != 0 ||
        (rc = objects(&r, 1)) != 0)
        goto out;
    cs_store_close(&r.to);
    if ((rc = publish(&r)) != 0)
        goto out;
    r.partial[0] = '\0';
    if (res->old_pub[0] != '\0') { /* named where it is now */
        char name[PATH_MAX];
        snprintf(name, sizeof name, "%s", strrchr(res->old_pub, '/') + 1); /* fits: a part */
        if (cs_backup_join(res->old_pub, sizeof res->old_pub, home, name) != 0)
            res->old_pub[0] = '\0';
    }
out:
    cs_store_close(&r.from);
    cs_store_close(&r.to);
    if (r.partial[0] != '\0')
        cs_bag_rmrf(r.partial);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    res->seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    return rc;
}
