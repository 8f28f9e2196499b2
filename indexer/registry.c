/* indexer/registry.c: the officers and devices registry, each change ledgered in the
 * transaction of its rows (registry.h). */
#include "indexer/registry.h"

#include "core/buf.h"
#include "core/error.h"
#include "indexer/catalog_int.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define REG_TEXT_MAX 256 /* bytes of a name, unit, serial, model or certificate number */

/* 1 when s is a calendar date YYYY-MM-DD. */
static int
is_date(const char *s)
{
    static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y, m, d;
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return 0;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return 0;
    y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    m = (s[5] - '0') * 10 + (s[6] - '0');
    d = (s[8] - '0') * 10 + (s[9] - '0');
    if (m < 1 || m > 12 || d < 1 || d > days[m - 1])
        return 0;
    return !(m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
}

/* 1 when s is UTF-8 without control characters. */
static int
text_ok(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t n = strlen(s), i = 0;
    while (i < n) {
        uint32_t cp = 0;
        size_t adv = cs_utf8_next(u + i, n - i, &cp, NULL);
        if (adv == 0 || cp < 0x20 || (cp >= 0x7F && cp <= 0x9F))
            return 0;
        i += adv;
    }
    return 1;
}

/* A text field: NULL (not given), "" (only where `clearable`) or 1..REG_TEXT_MAX-1 bytes of
 * UTF-8 without control characters. */
static int
check_text(const char *field, const char *v, int clearable)
{
    if (v == NULL || (clearable && v[0] == '\0'))
        return 0;
    if (v[0] == '\0' || strlen(v) >= REG_TEXT_MAX || !text_ok(v)) {
        cs_diag_set("%s must be 1 to %d bytes of UTF-8 text without control characters", field,
                    REG_TEXT_MAX - 1);
        return CS_EINVAL;
    }
    return 0;
}

static int
check_officer(const char *cert, const cs_officer_fields_t *f, int add)
{
    int err;
    if ((err = check_text("the certificate number", cert, 0)) != 0 || cert == NULL)
        return cert == NULL ? (cs_diag_set("a certificate number is required"), CS_EINVAL) : err;
    if (add && (f->name == NULL || f->name[0] == '\0')) {
        cs_diag_set("officer %s: --name is required", cert);
        return CS_EINVAL;
    }
    if ((err = check_text("--name", f->name, 0)) != 0 ||
        (err = check_text("--unit", f->unit, 1)) != 0 ||
        (err = check_text("--user", f->user, 1)) != 0)
        return err;
    const char *dates[][2] = {{"--valid-from", f->valid_from}, {"--valid-to", f->valid_to}};
    for (int i = 0; i < 2; i++)
        if (dates[i][1] != NULL && dates[i][1][0] != '\0' && !is_date(dates[i][1])) {
            cs_diag_set("%s \"%.40s\" is not a date YYYY-MM-DD", dates[i][0], dates[i][1]);
            return CS_EINVAL;
        }
    return 0;
}

/* The officer's row id (0: none). */
static int
officer_id(cs_catalog_t *cat, const char *cert, int64_t *id, const char *what)
{
    return cs_cat_int64(cat, "SELECT id FROM officers WHERE cert_no = ?1", cert, 0, id, what);
}

/* Checks what names other rows: the user exists; the dates are in order once applied. */
static int
check_refs(cs_catalog_t *cat, const char *cert, const cs_officer_fields_t *f, const char *what)
{
    int64_t n = 0;
    int err;
    if (f->user != NULL && f->user[0] != '\0') {
        if ((err = cs_cat_int64(cat, "SELECT id FROM users WHERE name = ?1", f->user, 0, &n,
                                what)) != 0)
            return err;
        if (n == 0) {
            cs_diag_set("no Custody user named %s (custody user list)", f->user);
            return CS_ENOTFOUND;
        }
    }
    const char *args[] = {cert, f->valid_from, f->valid_to};
    json_t *rows = NULL;
    err = cs_cat_select_json(cat,
                             "SELECT json_object('bad', coalesce(nullif(?2, ''), o.valid_from) >"
                             " coalesce(nullif(?3, ''), o.valid_to)) FROM (SELECT"
                             " (SELECT valid_from FROM officers WHERE cert_no = ?1) AS valid_from,"
                             " (SELECT valid_to FROM officers WHERE cert_no = ?1) AS valid_to) o",
                             args, 3, &rows, what);
    if (err == 0 && json_integer_value(json_object_get(json_array_get(rows, 0), "bad")) == 1) {
        cs_diag_set("officer %s: the certificate's validity would begin after it ends", cert);
        err = CS_EINVAL;
    }
    json_decref(rows);
    return err;
}

/* The fields given, for the ledger entry. */
static json_t *
officer_entry(const char *cert, const cs_officer_fields_t *f)
{
    return json_pack("{s:s, s:s?, s:s?, s:s?, s:s?, s:s?}", "cert", cert, "name", f->name, "unit",
                     f->unit, "valid_from", f->valid_from, "valid_to", f->valid_to, "user",
                     f->user);
}

static int
officer_write(cs_catalog_t *cat, const char *cert, const cs_officer_fields_t *f, const char *by,
              int add)
{
    const char *what = add ? "cannot add an officer" : "cannot change an officer";
    char now[CS_TIME_MAX];
    int64_t id = 0;
    int err;
    if ((err = check_officer(cert, f, add)) != 0)
        return err;
    cs_clock_now(now);
    if ((err = cs_cat_begin(cat, what)) != 0)
        return err;
    if ((err = officer_id(cat, cert, &id, what)) != 0 ||
        (err = check_refs(cat, cert, f, what)) != 0)
        goto out;
    if (add && id != 0) {
        cs_diag_set("officer %s is registered already; change it with custody officer set", cert);
        err = CS_EEXIST;
        goto out;
    }
    if (!add && id == 0) {
        cs_diag_set("no officer with certificate number %s (custody officer list)", cert);
        err = CS_ENOTFOUND;
        goto out;
    }
    const char *args[] = {cert, f->name, f->unit, f->valid_from, f->valid_to, f->user, by, now};
    if (add)
        err = cs_cat_run(cat,
                         "INSERT INTO officers (cert_no, name, unit, valid_from, valid_to, user_id,"
                         " created_by, created_at, updated_at) VALUES (?1, ?2, nullif(?3, ''),"
                         " nullif(?4, ''), nullif(?5, ''),"
                         " (SELECT id FROM users WHERE name = ?6), ?7, ?8, ?8)",
                         args, 8, NULL, what);
    else
        err = cs_cat_run(cat,
                         "UPDATE officers SET name = coalesce(?2, name),"
                         " unit = CASE WHEN ?3 IS NULL THEN unit ELSE nullif(?3, '') END,"
                         " valid_from = CASE WHEN ?4 IS NULL THEN valid_from"
                         "  ELSE nullif(?4, '') END,"
                         " valid_to = CASE WHEN ?5 IS NULL THEN valid_to ELSE nullif(?5, '') END,"
                         " user_id = CASE WHEN ?6 IS NULL THEN user_id"
                         "  ELSE (SELECT id FROM users WHERE name = ?6) END,"
                         " updated_at = ?8 WHERE cert_no = ?1 AND ?7 IS NOT NULL",
                         args, 8, NULL, what);
    if (err == 0)
        err = cs_cat_ledger_custody(cat, add ? "officer.add" : "officer.set", by,
                                    officer_entry(cert, f), what);
out:
    return cs_cat_finish(cat, err, what);
}

int
cs_catalog_officer_add(cs_catalog_t *cat, const char *cert, const cs_officer_fields_t *f,
                       const char *by)
{
    return officer_write(cat, cert, f, by, 1);
}

int
cs_catalog_officer_set(cs_catalog_t *cat, const char *cert, const cs_officer_fields_t *f,
                       const char *by)
{
    return officer_write(cat, cert, f, by, 0);
}

static int
check_device(const char *serial, const cs_device_fields_t *f, int add)
{
    int err;
    if (serial == NULL) {
        cs_diag_set("a serial number is required");
        return CS_EINVAL;
    }
    if ((err = check_text("the serial number", serial, 0)) != 0 ||
        (err = check_text("--model", f->model, 1)) != 0 ||
        (err = check_text("--holder", f->holder, 1)) != 0)
        return err;
    if (add && f->kind == NULL) {
        cs_diag_set("device %s: --kind is required (" CS_DEVICE_KINDS ")", serial);
        return CS_EINVAL;
    }
    if (f->kind != NULL && strcmp(f->kind, "body_camera") != 0 && strcmp(f->kind, "camera") != 0 &&
        strcmp(f->kind, "phone") != 0 && strcmp(f->kind, "recorder") != 0) {
        cs_diag_set("--kind \"%.40s\" is not a kind of device; write " CS_DEVICE_KINDS, f->kind);
        return CS_EINVAL;
    }
    return 0;
}

static int
device_write(cs_catalog_t *cat, const char *serial, const cs_device_fields_t *f, const char *by,
             int add)
{
    const char *what = add ? "cannot add a device" : "cannot change a device";
    char now[CS_TIME_MAX];
    int64_t id = 0, holder = 0;
    int err;
    if ((err = check_device(serial, f, add)) != 0)
        return err;
    cs_clock_now(now);
    if ((err = cs_cat_begin(cat, what)) != 0)
        return err;
    if ((err = cs_cat_int64(cat, "SELECT id FROM devices WHERE serial = ?1", serial, 0, &id,
                            what)) != 0)
        goto out;
    if (add && id != 0) {
        cs_diag_set("device %s is registered already; change it with custody device set", serial);
        err = CS_EEXIST;
        goto out;
    }
    if (!add && id == 0) {
        cs_diag_set("no device with serial number %s (custody device list)", serial);
        err = CS_ENOTFOUND;
        goto out;
    }
    if (f->holder != NULL && f->holder[0] != '\0') {
        if ((err = officer_id(cat, f->holder, &holder, what)) != 0)
            goto out;
        if (holder == 0) {
            cs_diag_set("--holder %s: no officer with that certificate number (custody officer "
                        "list)",
                        f->holder);
            err = CS_ENOTFOUND;
            goto out;
        }
    }
    const char *args[] = {serial, f->model, f->kind, f->holder, by, now};
    if (add)
        err = cs_cat_run(cat,
                         "INSERT INTO devices (serial, model, kind, holder_id, created_by,"
                         " created_at, updated_at) VALUES (?1, nullif(?2, ''), ?3,"
                         " (SELECT id FROM officers WHERE cert_no = ?4), ?5, ?6, ?6)",
                         args, 6, NULL, what);
    else
        err = cs_cat_run(cat,
                         "UPDATE devices SET"
                         " model = CASE WHEN ?2 IS NULL THEN model ELSE nullif(?2, '') END,"
                         " kind = coalesce(?3, kind),"
                         " holder_id = CASE WHEN ?4 IS NULL THEN holder_id"
                         "  ELSE (SELECT id FROM officers WHERE cert_no = ?4) END,"
                         " updated_at = ?6 WHERE serial = ?1 AND ?5 IS NOT NULL",
                         args, 6, NULL, what);
    if (err == 0)
        err = cs_cat_ledger_custody(cat, add ? "device.add" : "device.set", by,
                                    json_pack("{s:s, s:s?, s:s?, s:s?}", "serial", serial, "model",
                                              f->model, "kind", f->kind, "holder", f->holder),
                                    what);
out:
    return cs_cat_finish(cat, err, what);
}

int
cs_catalog_device_add(cs_catalog_t *cat, const char *serial, const cs_device_fields_t *f,
                      const char *by)
{
    return device_write(cat, serial, f, by, 1);
}

int
cs_catalog_device_set(cs_catalog_t *cat, const char *serial, const cs_device_fields_t *f,
                      const char *by)
{
    return device_write(cat, serial, f, by, 0);
}

/* Lists rows of `sql` (?1: the one key, or NULL for all); CS_ENOTFOUND for a key with none. */
static int
list(cs_catalog_t *cat, const char *sql, const char *key, const char *noun, json_t **out)
{
    const char *what = "cannot read the registry";
    const char *args[] = {key};
    int err = cs_cat_begin_read(cat, what);
    *out = NULL;
    if (err == 0)
        err = cs_cat_select_json(cat, sql, args, 1, out, what);
    cs_cat_rollback(cat);
    if (err == 0 && key != NULL && json_array_size(*out) == 0) {
        cs_diag_set("no %s %s (custody %s list)", noun, key,
                    strncmp(noun, "device", 6) == 0 ? "device" : "officer");
        json_decref(*out);
        *out = NULL;
        err = CS_ENOTFOUND;
    }
    return err;
}

int
cs_catalog_officers(cs_catalog_t *cat, const char *cert, json_t **out)
{
    return list(cat,
                "SELECT json_object('cert', o.cert_no, 'name', o.name, 'unit', o.unit,"
                " 'valid_from', o.valid_from, 'valid_to', o.valid_to, 'user', u.name,"
                " 'devices', (SELECT json_group_array(d.serial) FROM devices d"
                "  WHERE d.holder_id = o.id),"
                " 'items', (SELECT count(*) FROM item_registry r WHERE r.officer_id = o.id),"
                " 'created_by', o.created_by, 'created_at', o.created_at,"
                " 'updated_at', o.updated_at)"
                " FROM officers o LEFT JOIN users u ON u.id = o.user_id"
                " WHERE ?1 IS NULL OR o.cert_no = ?1 ORDER BY o.cert_no",
                cert, "officer with certificate number", out);
}

int
cs_catalog_devices(cs_catalog_t *cat, const char *serial, json_t **out)
{
    return list(cat,
                "SELECT json_object('serial', d.serial, 'model', d.model, 'kind', d.kind,"
                " 'holder', o.cert_no, 'holder_name', o.name,"
                " 'items', (SELECT count(*) FROM item_registry r WHERE r.device_id = d.id),"
                " 'created_by', d.created_by, 'created_at', d.created_at,"
                " 'updated_at', d.updated_at)"
                " FROM devices d LEFT JOIN officers o ON o.id = d.holder_id"
                " WHERE ?1 IS NULL OR d.serial = ?1 ORDER BY d.serial",
                serial, "device with serial number", out);
}

int
cs_catalog_registry_refused(cs_catalog_t *cat, const char *action, const char *key, const char *by,
                            const char *role, const char *reason)
{
    const char *what = "cannot record a refused registry change";
    int err = cs_cat_begin(cat, what);
    if (err != 0)
        return err;
    err = cs_cat_ledger_custody(cat, action, by,
                                json_pack("{s:s?, s:s?, s:s, s:s}", "key", key, "role", role,
                                          "result", "denied", "reason", reason),
                                what);
    return cs_cat_finish(cat, err, what);
}

int
cs_cat_item_important(cs_catalog_t *cat, const char *sha256, int *important)
{
    const char *what = "cannot read an item's important mark";
    sqlite3_int64 item_id = 0;
    int64_t v = 0;
    char sha[65];
    int err;
    *important = 0;
    if ((err = cs_cat_sha256_norm(sha256, sha)) != 0)
        return err;
    if ((err = cs_cat_begin_read(cat, what)) != 0)
        return err;
    if ((err = cs_cat_item_id(cat, sha, &item_id, what)) == 0) {
        char idtext[24];
        snprintf(idtext, sizeof idtext, "%lld", (long long)item_id); /* fits: 20 digits */
        err = cs_cat_int64(
            cat, "SELECT important FROM item_registry WHERE item_id = CAST(?1 AS INTEGER)", idtext,
            0, &v, what);
    }
    cs_cat_rollback(cat);
    *important = err == 0 && v == 1;
    return err;
}

int
cs_catalog_registry_flag_counts(cs_catalog_t *cat, json_t **out)
{
    const char *what = "cannot count the registry's flags";
    json_t *rows = NULL;
    int err = cs_cat_begin_read(cat, what);
    *out = NULL;
    if (err == 0)
        err = cs_cat_select_json(cat,
                                 /* running totals (indexer/schema_totals.c) */
                                 "SELECT json_object('code', substr(name, 6), 'n', n)"
                                 " FROM status_totals WHERE name >= 'flag.' AND name < 'flag/'"
                                 " AND n > 0 ORDER BY name",
                                 NULL, 0, &rows, what);
    cs_cat_rollback(cat);
    if (err != 0)
        return err;
    if ((*out = json_object()) == NULL) {
        json_decref(rows);
        return CS_ENOMEM;
    }
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r) json_object_set(
        *out, json_string_value(json_object_get(r, "code")), json_object_get(r, "n"));
    json_decref(rows);
    return 0;
}
