/* export/export.c: a case export's plan and its order of work: decide who may take which
 * items, ledger the export durably, sign a checkpoint that includes that entry, write the
 * bag under a temporary name, and rename it into place. */
#include "export/export_int.h"

#include "core/buf.h"
#include "core/clock.h"
#include "core/error.h"
#include "indexer/derivatives.h"
#include "indexer/ledger.h"
#include "ledger/append.h"
#include "access/gate.h"
#include "export/bag.h"
#include "export/bag_int.h"
#include "ledger/checkpoint.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>

static const struct {
    const char *type, *ext;
} exts[] = {
    {"image/jpeg", "jpg"},  {"image/png", "png"},       {"image/tiff", "tif"},
    {"image/gif", "gif"},   {"image/webp", "webp"},     {"image/heic", "heic"},
    {"image/heif", "heif"}, {"image/avif", "avif"},     {"image/x-canon-cr3", "cr3"},
    {"video/mp4", "mp4"},   {"video/quicktime", "mov"}, {"video/x-matroska", "mkv"},
    {"video/webm", "webm"}, {"video/x-msvideo", "avi"}, {"video/mp2t", "ts"},
    {"video/mpeg", "mpg"},  {"video/3gpp", "3gp"},      {"video/3gpp2", "3g2"},
    {"video/x-m4v", "m4v"}, {"video/x-flv", "flv"},     {"video/x-ms-asf", "asf"},
    {"video/h264", "h264"}, {"video/h265", "h265"},     {"video/x-dhav", "dav"},
    {"video/x-dv", "dv"},   {"video/ogg", "ogv"},       {"audio/mp4", "m4a"},
    {"audio/mpeg", "mp3"},  {"audio/wav", "wav"},       {"audio/flac", "flac"},
    {"audio/aac", "aac"},   {"audio/amr", "amr"},       {"audio/amr-wb", "awb"},
    {"audio/ogg", "oga"},   {"application/ogg", "ogg"}, {"application/pdf", "pdf"},
    {"text/plain", "txt"},
};

const char *
cs_export_ext(const char *media_type)
{
    for (size_t i = 0; media_type != NULL && i < sizeof exts / sizeof exts[0]; i++)
        if (strcmp(media_type, exts[i].type) == 0)
            return exts[i].ext;
    return "bin";
}

static int
cmp_item(const void *a, const void *b)
{
    return strcmp(((const cs_export_item_t *)a)->sha256, ((const cs_export_item_t *)b)->sha256);
}

static int
cmp_hex(const void *a, const void *b)
{
    return strcmp(a, b);
}

int
cs_export_has_item(const cs_export_t *x, const char *sha256)
{
    cs_export_item_t key;
    if (cs_snprintf(key.sha256, sizeof key.sha256, "%s", sha256) != 0)
        return 0; /* longer than a hash: never the item of its first 64 bytes */
    return x->nitems > 0 && bsearch(&key, x->items, x->nitems, sizeof *x->items, cmp_item) != NULL;
}

int
cs_export_is_withheld(const cs_export_t *x, const char *sha256)
{
    char key[65];
    if (cs_snprintf(key, sizeof key, "%s", sha256) != 0)
        return 0;
    return x->nwithheld > 0 &&
           bsearch(key, x->withheld, x->nwithheld, sizeof *x->withheld, cmp_hex) != NULL;
}

/* The export's reading, as the gate sees it. */
static cs_access_how_t
how_of(const cs_export_t *x)
{
    cs_access_how_t h = {.read = CS_READ_EXPORT,
                         .channel = x->o->channel,
                         .purpose = x->o->purpose,
                         .client = x->o->client,
                         .action = "export"};
    return h;
}

/* May the exporter take this item's bytes out of the building? The gate's answer. */
static int
item_allowed(cs_export_t *x, const char *sha, int *allowed)
{
    cs_access_how_t h = how_of(x);
    cs_access_decision_t d;
    int rc = cs_access_decide(x->cat, &x->o->policy, x->o->who, sha, NULL, &h, &d, NULL);
    *allowed = rc == 0 && d.allowed;
    return rc;
}

/* The media bytes of an item's chosen verified derivatives. */
static int
derivative_bytes(cs_export_t *x, const char *sha, uint64_t *bytes)
{
    json_t *list = NULL, *d;
    size_t i;
    int rc;
    if (x->o->nprofiles == 0)
        return 0;
    if ((rc = cs_catalog_derivatives(x->cat, sha, &list)) != 0)
        return rc;
    json_array_foreach(list, i, d)
    {
        const char *p = json_string_value(json_object_get(d, "profile"));
        const char *st = json_string_value(json_object_get(d, "status"));
        for (int k = 0; k < x->o->nprofiles; k++)
            if (p && st && strcmp(p, x->o->profiles[k]) == 0 && strcmp(st, "verified") == 0)
                *bytes += (uint64_t)json_integer_value(json_object_get(d, "size"));
    }
    json_decref(list);
    return 0;
}

/* Sorts the case's items into those exported and those withheld. */
static int
plan(cs_export_t *x)
{
    json_t *list = NULL, *it;
    size_t i, n;
    int rc, allowed;
    if ((rc = cs_catalog_case_items(x->cat, x->o->case_number, &list)) != 0) {
        if (rc == CS_ENOTFOUND)
            cs_diag_set("no case %s (custody cases)", x->o->case_number);
        return rc;
    }
    n = json_array_size(list);
    x->items = calloc(n ? n : 1, sizeof *x->items);
    x->withheld = calloc(n ? n : 1, sizeof *x->withheld);
    if (x->items == NULL || x->withheld == NULL) {
        rc = CS_ENOMEM;
        goto out;
    }
    json_array_foreach(list, i, it)
    {
        const char *sha = json_string_value(json_object_get(it, "sha256"));
        if (sha == NULL || strlen(sha) != 64) {
            rc = CS_ECORRUPT;
            goto out;
        }
        if ((rc = item_allowed(x, sha, &allowed)) != 0)
            goto out;
        if (!allowed) {
            memcpy(x->withheld[x->nwithheld++], sha, 65);
            continue;
        }
        cs_export_item_t *e = &x->items[x->nitems++];
        memcpy(e->sha256, sha, 65);
        e->size = (uint64_t)json_integer_value(json_object_get(it, "size"));
        /* fits: the table's extensions have at most 4 letters */
        snprintf(e->ext, sizeof e->ext, "%s",
                 cs_export_ext(json_string_value(json_object_get(it, "media_type"))));
        x->bytes_total += e->size;
        if ((rc = derivative_bytes(x, sha, &x->bytes_total)) != 0)
            goto out;
    }
    qsort(x->items, x->nitems, sizeof *x->items, cmp_item);
    qsort(x->withheld, x->nwithheld, sizeof *x->withheld, cmp_hex);
out:
    json_decref(list);
    return rc;
}

/* The whole export decided by the gate (with what was planned, when it was), its entry
 * appended with a synced commit: the gate's, with what the export counted. */
static int
decide(cs_export_t *x, cs_access_what_t *what, int planned, cs_access_decision_t *d)
{
    char profiles[64];
    cs_access_how_t h = how_of(x);
    json_t *e = NULL;
    cs_buf_t b;
    int rc;
    cs_buf_init(&b, profiles, sizeof profiles);
    for (int k = 0; k < x->o->nprofiles; k++)
        cs_buf_printf(&b, "%s%s", k ? "," : "", x->o->profiles[k]);
    if ((rc = cs_buf_done(&b)) != 0) {
        cs_diag_set("export: the profiles asked for are longer than %zu bytes together",
                    sizeof profiles - 1);
        return rc;
    }
    what->members = planned ? x->nitems + x->nwithheld : 0;
    what->readable = x->nitems;
    h.bytes = (int64_t)x->bytes_total;
    if ((rc = cs_access_read(&x->o->policy, x->o->who, what, &h, d, &e)) != 0)
        return rc;
    x->scope = d->ledger_scope;
    /* Asked first without a plan: only a refusal is recorded then; the final decision is. */
    if (!planned && d->allowed) {
        json_decref(e);
        return 0;
    }
    if (e == NULL ||
        (planned && d->allowed &&
         (json_object_set_new(e, "items", json_integer((json_int_t)x->nitems)) != 0 ||
          json_object_set_new(e, "withheld", json_integer((json_int_t)x->nwithheld)) != 0 ||
          (profiles[0] && json_object_set_new(e, "profiles", json_string(profiles)) != 0) ||
          /* the case archive's package: the entry names its 档号 (tools/cmd_archive.c) */
          (x->o->archive != NULL &&
           json_object_set(e, "archive", json_object_get((json_t *)x->o->archive, "reference")) !=
               0)))) {
        json_decref(e);
        return CS_ENOMEM;
    }
    rc = cs_ledger_append(x->cat, e, &x->res->seq);
    json_decref(e);
    return rc;
}

/* Signs a checkpoint that covers the export's entry and keeps it for the proofs. */
static int
checkpoint(cs_export_t *x)
{
    int64_t size = -1;
    int rc;
    if ((rc = cs_ledger_checkpoint(x->cat, x->home, NULL)) != 0 ||
        (rc = cs_catalog_checkpoint_latest(x->cat, &size, x->root, &x->note, NULL, NULL)) != 0)
        return rc;
    if (size <= x->res->seq || x->note == NULL) {
        cs_diag_set("the latest checkpoint does not cover the export's entry %lld",
                    (long long)x->res->seq);
        return CS_ECORRUPT;
    }
    x->tree_size = (uint64_t)size;
    return 0;
}

static int
mkdirs(cs_export_t *x)
{
    static const char *const dirs[] = {
        "", "/data", "/data/originals", "/data/derivatives", "/data/metadata", "/data/ledger"};
    char path[PATH_MAX];
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        if (i == 3 && x->o->nprofiles == 0)
            continue;
        if ((size_t)snprintf(path, sizeof path, "%s%s", x->dir, dirs[i]) >= sizeof path) {
            cs_diag_set("the output path %s is too long", x->o->out);
            return CS_ENAMETOOLONG;
        }
        if (mkdir(path, 0755) != 0) {
            int rc = cs_err_from_errno(errno);
            cs_diag_set("cannot make folder %s: %s", path, strerror(errno));
            return rc;
        }
    }
    return 0;
}

/* Flushes the bag to disk once, before it gets its final name. */
static int
sync_dir(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;
    if (fd < 0 || syncfs(fd) != 0) {
        rc = cs_err_from_errno(errno);
        cs_diag_set("cannot sync %s: %s", path, strerror(errno));
    }
    if (fd >= 0)
        close(fd);
    return rc;
}

/* Writes the bag under x->dir, then gives it its final name. */
static int
write_bag(cs_export_t *x, const char *final)
{
    char manifest[PATH_MAX], tar_tmp[PATH_MAX];
    const char *base = strrchr(x->o->out, '/');
    int rc;
    base = base ? base + 1 : x->o->out;
    tar_tmp[0] = '\0';
    if ((rc = mkdirs(x)) != 0)
        return rc;
    if ((size_t)snprintf(manifest, sizeof manifest, "%s/manifest-sha256.txt", x->dir) >=
        sizeof manifest)
        return CS_ENAMETOOLONG;
    if ((x->manifest = fopen(manifest, "wx")) == NULL) {
        rc = cs_err_from_errno(errno);
        cs_diag_set("cannot create %s: %s", manifest, strerror(errno));
        return rc;
    }
    rc = cs_export_payload(x);
    if (rc == 0)
        rc = cs_export_ledger(x);
    if (fclose(x->manifest) != 0 && rc == 0) {
        rc = cs_err_from_errno(errno);
        cs_diag_set("cannot write %s: %s", manifest, strerror(errno));
    }
    x->manifest = NULL;
    if (rc != 0 || (rc = cs_export_tags(x)) != 0)
        return rc;
    if (x->o->tar) {
        if ((size_t)snprintf(tar_tmp, sizeof tar_tmp, "%s.tar.partial-%ld", x->o->out,
                             (long)getpid()) >= sizeof tar_tmp)
            return CS_ENAMETOOLONG;
        if ((rc = cs_tar_write(x->dir, base, tar_tmp)) != 0 || (rc = sync_dir(tar_tmp)) != 0)
            goto fail_tar;
        if (rename(tar_tmp, final) != 0) {
            rc = cs_err_from_errno(errno);
            cs_diag_set("cannot rename %s to %s: %s", tar_tmp, final, strerror(errno));
            goto fail_tar;
        }
        cs_bag_rmrf(x->dir);
        return 0;
    }
    if ((rc = sync_dir(x->dir)) != 0)
        return rc;
    if (rename(x->dir, final) != 0) {
        rc = cs_err_from_errno(errno);
        cs_diag_set("cannot rename %s to %s: %s", x->dir, final, strerror(errno));
    }
    return rc;
fail_tar:
    unlink(tar_tmp);
    return rc;
}

int
cs_export_case(cs_catalog_t *cat, cs_store_t *store, const cs_home_t *home,
               const cs_export_opts_t *o, cs_export_result_t *res)
{
    cs_export_t x = {.cat = cat, .store = store, .home = home, .o = o, .res = res};
    cs_access_what_t what; /* the case's rows: loaded once, decided before and after the plan */
    cs_access_decision_t d;
    char *final = res->path;
    struct stat st;
    int rc;

    memset(res, 0, sizeof *res);
    res->seq = -1;
    x.actor = o->who->name;
    x.role = cs_access_role_name(o->who->role);
    cs_clock_site_date(o->tz, cs_clock_now_ms(), x.when); /* the site's today */
    if ((size_t)snprintf(final, sizeof res->path, "%s%s", o->out, o->tar ? ".tar" : "") >=
            sizeof res->path ||
        (size_t)snprintf(x.dir, sizeof x.dir, "%s.partial-%ld", o->out, (long)getpid()) >=
            sizeof x.dir) {
        cs_diag_set("the output path %s is too long", o->out);
        return CS_ENAMETOOLONG;
    }
    if (lstat(final, &st) == 0) {
        cs_diag_set("%s exists: an export never replaces anything", final);
        return CS_EEXIST;
    }
    /* Decided before the case is looked up, then again with what may be taken; durable before
     * the first byte is written: if it cannot be recorded, nothing leaves. */
    if ((rc = cs_access_load(cat, &o->policy, o->who, NULL, o->case_number, NULL, &what)) != 0 ||
        (rc = decide(&x, &what, 0, &d)) != 0)
        goto out;
    if (d.allowed && ((rc = plan(&x)) != 0 || (rc = decide(&x, &what, 1, &d)) != 0))
        goto out;
    if (!d.allowed) {
        snprintf(res->reason, sizeof res->reason, "%s", d.reason); /* fits: both 256 */
        res->status = d.status;
        goto out;
    }
    res->allowed = 1;
    res->items = x.nitems;
    res->withheld = x.nwithheld;
    if ((rc = checkpoint(&x)) != 0)
        goto out;
    res->tree_size = x.tree_size;
    if ((rc = write_bag(&x, final)) != 0)
        cs_bag_rmrf(x.dir);
out:
    if (x.manifest != NULL)
        fclose(x.manifest);
    free(x.items);
    free(x.withheld);
    free(x.note);
    return rc;
}
