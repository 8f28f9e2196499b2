/* indexer/registry_resolve.c: an item's officer and device, how each was found, and the flags
 * a clerk sees (registry.h), worked out when its metadata is recorded. */
#include "indexer/registry.h"

#include "core/buf.h"
#include "core/error.h"
#include "core/reason.h"
#include "indexer/catalog_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void
cs_catalog_set_upload_delay(cs_catalog_t *cat, int hours)
{
    if (cat != NULL)
        cat->upload_delay_h = hours < 0 ? 0 : hours;
}

/* The first row of `sql` (one text parameter) as an object, or NULL for none. */
static int
row(cs_catalog_t *cat, const char *sql, const char *arg, json_t **out, const char *what)
{
    const char *args[] = {arg};
    json_t *rows = NULL;
    int err = cs_cat_select_json(cat, sql, args, 1, &rows, what);
    *out = err == 0 ? json_incref(json_array_get(rows, 0)) : NULL;
    json_decref(rows);
    return err;
}

static const char officer_sql[] =
    "SELECT json_object('id', id, 'cert', cert_no, 'name', name, 'valid_from', valid_from,"
    " 'valid_to', valid_to) FROM officers WHERE cert_no = ?1";
static const char device_sql[] =
    "SELECT json_object('id', id, 'serial', serial, 'model', model, 'holder', holder_id)"
    " FROM devices WHERE serial = ?1";

typedef struct found {
    json_t *officer, *device; /* the rows found, or NULL */
    const char *officer_how, *device_how;
    json_t *flags;
} found_t;

static int
flag(found_t *f, cs_reason_code_t code, json_t *params)
{
    json_t *o = json_pack("{s:s, s:o}", "code", cs_reason_slug(code), "params", params);
    return o != NULL && json_array_append_new(f->flags, o) == 0 ? 0 : CS_ENOMEM;
}

/* A claim of the officer: registered, else noted as the claim that names nobody. */
static int
claim_officer(cs_catalog_t *cat, found_t *f, const char *claim, const char *how,
              const char **unresolved, const char *what)
{
    int err;
    if (claim == NULL || f->officer != NULL)
        return 0;
    if ((err = row(cat, officer_sql, claim, &f->officer, what)) != 0)
        return err;
    if (f->officer != NULL)
        f->officer_how = how;
    else if (*unresolved == NULL)
        *unresolved = claim;
    return 0;
}

/* A claim of the device by its serial (and, from the metadata, its model: a registered
 * model that differs is another device). */
static int
claim_device(cs_catalog_t *cat, found_t *f, const char *serial, const char *model, const char *how,
             const char **unresolved, const char **from, const char *what)
{
    int err;
    if (serial == NULL || f->device != NULL)
        return 0;
    if ((err = row(cat, device_sql, serial, &f->device, what)) != 0)
        return err;
    const char *reg = json_string_value(json_object_get(f->device, "model"));
    if (f->device != NULL && model != NULL && reg != NULL && strcasecmp(model, reg) != 0) {
        json_decref(f->device);
        f->device = NULL;
    }
    if (f->device != NULL)
        f->device_how = how;
    else if (*unresolved == NULL) {
        *unresolved = serial;
        *from = how;
    }
    return 0;
}

/* The certificate's validity on the capture's own date. */
static int
check_certificate(found_t *f, json_t *rec)
{
    const char *at = json_string_value(json_object_get(rec, "captured_at"));
    const char *from = json_string_value(json_object_get(f->officer, "valid_from"));
    const char *to = json_string_value(json_object_get(f->officer, "valid_to"));
    const char *cert = json_string_value(json_object_get(f->officer, "cert"));
    char on[11];
    if (at == NULL || strlen(at) < 10)
        return 0;
    memcpy(on, at, 10);
    on[10] = '\0';
    if (to != NULL && strcmp(on, to) > 0)
        return flag(f, CS_R_CERT_EXPIRED,
                    json_pack("{s:s, s:s, s:s}", "cert", cert, "valid_to", to, "on", on));
    if (from != NULL && strcmp(on, from) < 0)
        return flag(f, CS_R_CERT_NOT_YET_VALID,
                    json_pack("{s:s, s:s, s:s}", "cert", cert, "valid_from", from, "on", on));
    return 0;
}

/* Late: the first arrival more than cat->upload_delay_h hours after the capture (UTC). */
static int
check_delay(cs_catalog_t *cat, found_t *f, int64_t item_id, json_t *rec, const char *what)
{
    const char *utc = json_string_value(json_object_get(rec, "captured_at_utc"));
    char idtext[24], limit[24];
    json_t *r = NULL;
    int err;
    if (utc == NULL || cat->upload_delay_h <= 0)
        return 0;
    snprintf(idtext, sizeof idtext, "%lld", (long long)item_id); /* fits: 20 digits */
    snprintf(limit, sizeof limit, "%d", cat->upload_delay_h);
    const char *args[] = {idtext, utc, limit};
    json_t *rows = NULL;
    err = cs_cat_select_json(cat,
                             "SELECT json_object('hours', h) FROM (SELECT"
                             " (julianday(min(received_at)) - julianday(?2)) * 24 AS h"
                             " FROM item_sources WHERE item_id = CAST(?1 AS INTEGER))"
                             " WHERE h > CAST(?3 AS INTEGER)",
                             args, 3, &rows, what);
    r = json_array_get(rows, 0);
    if (err == 0 && r != NULL)
        err = flag(f, CS_R_LATE_UPLOAD,
                   json_pack("{s:I, s:i}", "hours",
                             (json_int_t)json_number_value(json_object_get(r, "hours")),
                             "max_hours", cat->upload_delay_h));
    json_decref(rows);
    return err;
}

int
cs_cat_registry_resolve(cs_catalog_t *cat, int64_t item_id, const char *route, json_t *rec,
                        const char *now, const char *what)
{
    found_t f = {0};
    json_t *rt = route != NULL ? json_loads(route, 0, NULL) : NULL;
    json_t *name = json_object_get(rt, "from_name"), *dev = json_object_get(rec, "device");
    const char *folder = json_string_value(json_object_get(rt, "officer"));
    const char *no_officer = NULL, *no_device = NULL, *device_from = NULL, *officer_from = NULL;
    const char *serial = json_string_value(json_object_get(dev, "serial"));
    int64_t officers = 0, devices = 0;
    char *flags = NULL, *name_text = NULL, idtext[24];
    int err, important = json_is_true(json_object_get(name, "important"));

    if ((f.flags = json_array()) == NULL) {
        json_decref(rt);
        return cs_cat_no_memory(cat, what);
    }
    /* The officer folder names an officer, or else a device (its holder is the officer). */
    const char *folder_how =
        json_is_string(json_object_get(rt, "officer_from")) ? "sidecar" : "folder";
    if ((err = claim_officer(cat, &f, folder, folder_how, &no_officer, what)) != 0)
        goto out;
    if (f.officer == NULL && folder != NULL) {
        const char *ignore = NULL, *ignore_from = NULL;
        if ((err = claim_device(cat, &f, folder, NULL, folder_how, &ignore, &ignore_from, what)) !=
            0)
            goto out;
        if (f.device != NULL)
            no_officer = NULL; /* a device's folder: its holder is asked below */
    }
    if (no_officer != NULL)
        officer_from = folder_how;
    const char *before = no_officer;
    if ((err = claim_officer(cat, &f, json_string_value(json_object_get(name, "officer")), "name",
                             &no_officer, what)) != 0 ||
        (err = claim_device(cat, &f, json_string_value(json_object_get(name, "device")), NULL,
                            "name", &no_device, &device_from, what)) != 0 ||
        (err = claim_device(cat, &f, serial, json_string_value(json_object_get(dev, "model")),
                            "metadata", &no_device, &device_from, what)) != 0)
        goto out;
    if (before == NULL && no_officer != NULL)
        officer_from = "name";
    if (f.officer == NULL && f.device != NULL &&
        json_integer_value(json_object_get(f.device, "holder")) != 0) {
        char holder[24];
        snprintf(holder, sizeof holder, "%lld",
                 (long long)json_integer_value(json_object_get(f.device, "holder")));
        if ((err = row(cat,
                       "SELECT json_object('id', id, 'cert', cert_no, 'name', name,"
                       " 'valid_from', valid_from, 'valid_to', valid_to) FROM officers"
                       " WHERE id = CAST(?1 AS INTEGER)",
                       holder, &f.officer, what)) != 0)
            goto out;
        if (f.officer != NULL)
            f.officer_how = "holder";
    }
    if ((err = cs_cat_int64(cat, "SELECT count(*) FROM officers", NULL, 0, &officers, what)) != 0 ||
        (err = cs_cat_int64(cat, "SELECT count(*) FROM devices", NULL, 0, &devices, what)) != 0)
        goto out;
    /* A site that keeps no registry is told nothing about it. */
    /* A claim that names nobody registered, when none names someone: the device's holder is
     * shown, but the folder or name still said somebody else. */
    if ((f.officer == NULL || strcmp(f.officer_how, "holder") == 0) && no_officer != NULL &&
        officers > 0 &&
        (err = flag(&f, CS_R_UNREGISTERED_OFFICER,
                    json_pack("{s:s, s:s}", "officer", no_officer, "from", officer_from))) != 0)
        goto out;
    if (f.device == NULL && no_device != NULL && devices > 0 &&
        (err = flag(&f, CS_R_UNREGISTERED_DEVICE,
                    json_pack("{s:s, s:s}", "device", no_device, "from", device_from))) != 0)
        goto out;
    if (f.officer != NULL && (err = check_certificate(&f, rec)) != 0)
        goto out;
    if ((err = check_delay(cat, &f, item_id, rec, what)) != 0)
        goto out;
    if (f.officer == NULL && f.device == NULL && name == NULL && json_array_size(f.flags) == 0)
        goto out; /* nothing to say */
    if ((flags = json_dumps(f.flags, JSON_COMPACT)) == NULL ||
        (name != NULL && (name_text = json_dumps(name, JSON_COMPACT)) == NULL)) {
        err = cs_cat_no_memory(cat, what);
        goto out;
    }
    char oid[24] = "", did[24] = "";
    if (f.officer != NULL)
        snprintf(oid, sizeof oid, "%lld",
                 (long long)json_integer_value(json_object_get(f.officer, "id")));
    if (f.device != NULL)
        snprintf(did, sizeof did, "%lld",
                 (long long)json_integer_value(json_object_get(f.device, "id")));
    snprintf(idtext, sizeof idtext, "%lld", (long long)item_id);
    const char *args[] = {idtext,       oid[0] ? oid : NULL,   f.officer_how, did[0] ? did : NULL,
                          f.device_how, important ? "1" : "0", name_text,     flags,
                          now};
    /* A mark once made stays: a later arrival under a plainer name does not undo it. */
    err = cs_cat_run(cat,
                     "INSERT INTO item_registry (item_id, officer_id, officer_how, device_id,"
                     " device_how, important, name, flags, resolved_at) VALUES"
                     " (CAST(?1 AS INTEGER), CAST(?2 AS INTEGER), ?3, CAST(?4 AS INTEGER), ?5,"
                     " CAST(?6 AS INTEGER), ?7, ?8, ?9)"
                     " ON CONFLICT (item_id) DO UPDATE SET officer_id = excluded.officer_id,"
                     " officer_how = excluded.officer_how, device_id = excluded.device_id,"
                     " device_how = excluded.device_how,"
                     " important = max(important, excluded.important),"
                     " name = coalesce(excluded.name, name), flags = excluded.flags,"
                     " resolved_at = excluded.resolved_at",
                     args, 9, NULL, what);
out:
    json_decref(f.officer);
    json_decref(f.device);
    json_decref(f.flags);
    json_decref(rt);
    free(flags);
    free(name_text);
    return err;
}

/* The flag's sentence, for the CLI and the log; the web interface words it from its code. */
static json_t *
flag_text(json_t *flag)
{
    const char *code = json_string_value(json_object_get(flag, "code"));
    json_t *p = json_object_get(flag, "params");
#define P(k)                                                                                       \
    (json_is_string(json_object_get(p, k)) ? json_string_value(json_object_get(p, k)) : "?")
    char t[512];
    if (code == NULL)
        return json_string("");
    if (strcmp(code, "unregistered-officer") == 0)
        cs_snprintf_cut(t, sizeof t,
                        "officer %s (from the %s) is not registered; register them (custody "
                        "officer add) or correct the %s",
                        P("officer"), P("from"), P("from"));
    else if (strcmp(code, "unregistered-device") == 0)
        cs_snprintf_cut(t, sizeof t,
                        "device %s (from the %s) is not registered; register it (custody device "
                        "add)",
                        P("device"), P("from"));
    else if (strcmp(code, "certificate-expired") == 0)
        cs_snprintf_cut(t, sizeof t,
                        "the officer's certificate %s had expired on the capture date %s (valid "
                        "to %s)",
                        P("cert"), P("on"), P("valid_to"));
    else if (strcmp(code, "certificate-not-yet-valid") == 0)
        cs_snprintf_cut(t, sizeof t,
                        "the officer's certificate %s was not yet valid on the capture date %s "
                        "(valid from %s)",
                        P("cert"), P("on"), P("valid_from"));
    else if (strcmp(code, "late-upload") == 0)
        cs_snprintf_cut(t, sizeof t,
                        "uploaded %lld hours after capture, later than ingest.max_upload_delay_h "
                        "(%lld)",
                        (long long)json_integer_value(json_object_get(p, "hours")),
                        (long long)json_integer_value(json_object_get(p, "max_hours")));
    else
        cs_snprintf_cut(t, sizeof t, "%s", code);
#undef P
    return json_string(t);
}

int
cs_cat_registry_item(cs_catalog_t *cat, int64_t item_id, json_t *item, const char *what)
{
    char idtext[24];
    json_t *rows = NULL;
    snprintf(idtext, sizeof idtext, "%lld", (long long)item_id); /* fits: 20 digits */
    const char *args[] = {idtext};
    int err = cs_cat_select_json(
        cat,
        "SELECT json_object('officer', CASE WHEN o.id IS NULL THEN NULL ELSE json_object("
        "  'cert', o.cert_no, 'name', o.name, 'unit', o.unit, 'valid_from', o.valid_from,"
        "  'valid_to', o.valid_to, 'how', r.officer_how) END,"
        " 'device', CASE WHEN d.id IS NULL THEN NULL ELSE json_object('serial', d.serial,"
        "  'model', d.model, 'kind', d.kind, 'how', r.device_how) END,"
        " 'important', json(CASE r.important WHEN 1 THEN 'true' ELSE 'false' END),"
        " 'name', json(r.name), 'flags', json(r.flags), 'resolved_at', r.resolved_at)"
        " FROM item_registry r LEFT JOIN officers o ON o.id = r.officer_id"
        " LEFT JOIN devices d ON d.id = r.device_id WHERE r.item_id = CAST(?1 AS INTEGER)",
        args, 1, &rows, what);
    size_t i;
    json_t *fl;
    json_array_foreach(json_object_get(json_array_get(rows, 0), "flags"), i, fl)
        json_object_set_new(fl, "text", flag_text(fl));
    if (err == 0 && json_array_size(rows) == 1)
        err = json_object_set(item, "registry", json_array_get(rows, 0)) == 0
                  ? 0
                  : cs_cat_no_memory(cat, what);
    json_decref(rows);
    return err;
}
