/* export/export_write.c: the payload of an export: each original and chosen derivative
 * copied from the store and hashed as it is copied (one fixed buffer, whatever the size),
 * each item's record, data/case.json written item by item, and the evidence list; every file
 * goes into the manifest as it is made. */
#include "export/export_int.h"

#include "core/buf.h"
#include "core/error.h"
#include "indexer/derivatives.h"
#include "indexer/jobs.h"
#include "export/bag_int.h"

#include <errno.h>
#include <openssl/evp.h>
#include <string.h>
#include <unistd.h>

int
cs_export_manifest_add(cs_export_t *x, const char *rel, const char *hex, uint64_t size)
{
    if (fprintf(x->manifest, "%s  %s\n", hex, rel) < 0) {
        cs_diag_set("cannot write the manifest of %s", x->dir);
        return CS_EIO;
    }
    x->res->files++;
    x->res->bytes += size;
    return 0;
}

int
cs_export_put(cs_export_t *x, const char *rel, const void *data, size_t len)
{
    char path[PATH_MAX], hex[65];
    uint8_t digest[32];
    int rc;
    if ((size_t)snprintf(path, sizeof path, "%s/%s", x->dir, rel) >= sizeof path)
        return CS_ENAMETOOLONG;
    if (EVP_Digest(data, len, digest, NULL, EVP_sha256(), NULL) != 1)
        return CS_ECRYPTO;
    cs_hex(digest, 32, hex);
    if ((rc = cs_bag_write_file(path, data, len)) != 0)
        return rc;
    return cs_export_manifest_add(x, rel, hex, len);
}

/* Copies the stored object `sha` to rel, checking on the way that it still hashes to its
 * name: a bag never carries a damaged original as if it were whole. */
static int
copy_object(cs_export_t *x, const char *sha, const char *rel)
{
    char path[PATH_MAX], hex[65];
    uint64_t size = 0;
    int fd = -1, rc;
    if ((size_t)snprintf(path, sizeof path, "%s/%s", x->dir, rel) >= sizeof path)
        return CS_ENAMETOOLONG;
    if ((rc = cs_store_open_object(x->store, sha, &fd)) != 0)
        return rc;
    rc = cs_bag_copy_fd(fd, path, hex, &size);
    close(fd);
    if (rc != 0)
        return rc;
    if (strcmp(hex, sha) != 0) {
        cs_diag_set("stored object %s no longer matches its hash (it hashes to %s): nothing "
                    "exported; run custody verify",
                    sha, hex);
        return CS_EMISMATCH;
    }
    x->bytes_done += size;
    return cs_export_manifest_add(x, rel, hex, size);
}

/* Copies the chosen verified derivatives; *out gets [{profile, sha256, media_type, path}]. */
static int
copy_derivatives(cs_export_t *x, const char *sha, json_t *derivs, json_t *out)
{
    char rel[256];
    json_t *d;
    size_t i;
    int rc;
    json_array_foreach(derivs, i, d)
    {
        const char *p = json_string_value(json_object_get(d, "profile"));
        const char *st = json_string_value(json_object_get(d, "status"));
        const char *obj = json_string_value(json_object_get(d, "sha256"));
        const char *mt = json_string_value(json_object_get(d, "media_type"));
        int chosen = 0;
        for (int k = 0; k < x->o->nprofiles; k++)
            chosen |= p != NULL && strcmp(p, x->o->profiles[k]) == 0;
        if (!chosen || st == NULL || strcmp(st, "verified") != 0 || obj == NULL)
            continue;
        if ((size_t)snprintf(rel, sizeof rel, "data/derivatives/%s.%s.%s", sha, p,
                             cs_export_ext(mt)) >= sizeof rel)
            return CS_ENAMETOOLONG;
        if ((rc = copy_object(x, obj, rel)) != 0)
            return rc;
        if (json_array_append_new(out, json_pack("{s:s, s:s, s:s?, s:s}", "profile", p, "sha256",
                                                 obj, "media_type", mt, "path", rel)) != 0)
            return CS_ENOMEM;
    }
    return 0;
}

/* Writes a JSON value to f as one compact text. */
static int
dump(FILE *f, json_t *v)
{
    return json_dumpf(v, f, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER) == 0 ? 0 : CS_EIO;
}

/* One item: its original, derivatives, record (data/metadata) and its entry in case.json. */
static int
export_item(cs_export_t *x, const cs_export_item_t *it, FILE *case_f, int first)
{
    json_t *rec = NULL, *meta = NULL, *derivs = NULL, *copied = json_array(), *entry = NULL;
    char rel[256];
    char *text = NULL;
    int rc;
    if (copied == NULL)
        return CS_ENOMEM;
    if ((size_t)snprintf(rel, sizeof rel, "data/originals/%s.%s", it->sha256, it->ext) >=
        sizeof rel) {
        rc = CS_ENAMETOOLONG;
        goto out;
    }
    if ((rc = copy_object(x, it->sha256, rel)) != 0 ||
        (rc = cs_catalog_item(x->cat, it->sha256, &rec)) != 0 ||
        (rc = cs_catalog_metadata(x->cat, it->sha256, &meta)) != 0 ||
        (rc = cs_catalog_derivatives(x->cat, it->sha256, &derivs)) != 0 ||
        (rc = copy_derivatives(x, it->sha256, derivs, copied)) != 0)
        goto out;
    entry =
        json_pack("{s:s, s:O?, s:O?, s:s, s:s, s:O, s:O?, s:O?}", "sha256", it->sha256, "size",
                  json_object_get(rec, "size"), "media_type", json_object_get(rec, "media_type"),
                  "original", rel, "metadata", "", "derivatives", copied, "links",
                  json_object_get(rec, "links"), "events", json_object_get(rec, "events"));
    /* The record as `custody show --json` prints it. */
    json_object_set_new(rec, "metadata", meta);
    json_object_set_new(rec, "derivatives", derivs);
    meta = derivs = NULL;
    text = json_dumps(rec, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (entry == NULL || text == NULL) {
        rc = CS_ENOMEM;
        goto out;
    }
    snprintf(rel, sizeof rel, "data/metadata/%s.json", it->sha256); /* fits: 83 bytes < 256 */
    json_object_set_new(entry, "metadata", json_string(rel));
    if ((rc = cs_export_put(x, rel, text, strlen(text))) != 0)
        goto out;
    if (fputs(first ? "\n" : ",\n", case_f) < 0 || dump(case_f, entry) != 0) {
        cs_diag_set("cannot write %s/data/case.json", x->dir);
        rc = CS_EIO;
    }
out:
    free(text);
    json_decref(rec);
    json_decref(meta);
    json_decref(derivs);
    json_decref(copied);
    json_decref(entry);
    return rc;
}

/* The case's parties, from the list of cases. */
static json_t *
parties_of(cs_export_t *x)
{
    json_t *cases = NULL, *c, *out = NULL;
    size_t i;
    if (cs_catalog_cases(x->cat, &cases) != 0)
        return NULL;
    json_array_foreach(cases, i, c)
    {
        const char *n = json_string_value(json_object_get(c, "case"));
        if (n != NULL && strcmp(n, x->o->case_number) == 0)
            out = json_incref(json_object_get(c, "parties"));
    }
    json_decref(cases);
    return out ? out : json_array();
}

/* The head of case.json: who exported which case when and why. */
static int
case_head(cs_export_t *x, FILE *f)
{
    int all = x->scope == CS_LEDGER_SCOPE_ALL;
    json_t *head = json_pack(
        "{s:s, s:o, s:s, s:s, s:s?, s:s, s:I, s:I, s:s, s:I}", "case", x->o->case_number, "parties",
        parties_of(x), "exported_by", x->actor, "role", x->role, "purpose", x->o->purpose,
        "bagging_date", x->when, "ledger_entry", (json_int_t)x->res->seq, "checkpoint_size",
        (json_int_t)x->tree_size, "ledger_scope",
        all ? "all: every entry about the case and its exported items"
            : "custody: the custody events of the exported items and this export's own entry; "
              "no one's reads",
        "withheld_count", (json_int_t)x->nwithheld);
    char *text = head ? json_dumps(head, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    int rc = 0;
    /* Drop the closing brace: "items" and "withheld" follow, written as they are made. */
    if (text == NULL)
        rc = CS_ENOMEM;
    else if (fprintf(f, "%.*s,\"items\":[", (int)strlen(text) - 1, text) < 0)
        rc = CS_EIO;
    free(text);
    json_decref(head);
    return rc;
}

int
cs_export_payload(cs_export_t *x)
{
    char path[PATH_MAX], hex[65];
    uint64_t size = 0;
    FILE *f = NULL;
    int rc;
    if ((size_t)snprintf(path, sizeof path, "%s/data/case.json", x->dir) >= sizeof path)
        return CS_ENAMETOOLONG;
    if ((f = fopen(path, "wx")) == NULL) {
        rc = cs_err_from_errno(errno);
        cs_diag_set("cannot create %s: %s", path, strerror(errno));
        return rc;
    }
    if ((rc = case_head(x, f)) != 0)
        goto out;
    for (size_t i = 0; i < x->nitems; i++) {
        if ((rc = export_item(x, &x->items[i], f, i == 0)) != 0)
            goto out;
        if (x->o->progress != NULL)
            x->o->progress(x->o->progress_arg, i + 1, x->nitems, x->bytes_done, x->bytes_total);
    }
    if (fputs("\n],\"withheld\":[", f) < 0)
        rc = CS_EIO;
    /* The hashes of withheld items only for a reader who may read every record. */
    for (size_t i = 0; rc == 0 && x->scope == CS_LEDGER_SCOPE_ALL && i < x->nwithheld; i++)
        if (fprintf(f, "%s\"%s\"", i ? "," : "", x->withheld[i]) < 0)
            rc = CS_EIO;
    if (rc == 0 && fputs("]}\n", f) < 0)
        rc = CS_EIO;
out:
    if (fclose(f) != 0 && rc == 0)
        rc = CS_EIO;
    if (rc == CS_EIO && !*cs_diag())
        cs_diag_set("cannot write %s: %s", path, strerror(errno));
    if (rc == 0 && (rc = cs_bag_hash_file(path, hex, &size)) == 0)
        rc = cs_export_manifest_add(x, "data/case.json", hex, size);
    if (rc == 0)
        rc = cs_export_evidence_list(x);
    if (rc == 0)
        rc = cs_export_opinions(x);
    if (rc == 0 && x->o->archive != NULL)
        rc = cs_export_archive_payload(x);
    return rc;
}
