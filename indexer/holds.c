/* indexer/holds.c: holds and explicit retention classes (holds.h). */
#include "indexer/holds.h"

#include "core/error.h"
#include "indexer/catalog_int.h"

#include <stdio.h>
#include <string.h>

static int
reason_ok(const char *reason)
{
    if (reason == NULL || reason[0] == '\0') {
        cs_diag_set("state the reason (--reason TEXT)");
        return CS_EINVAL;
    }
    if (strlen(reason) >= CS_HOLD_REASON_MAX) {
        cs_diag_set("the reason is %zu bytes long; at most %d", strlen(reason),
                    CS_HOLD_REASON_MAX - 1);
        return CS_ENAMETOOLONG;
    }
    return 0;
}

/* The row id of item `sha256` or of case `number` into idtext; CS_ENOTFOUND with a detail. */
static int
target_id(cs_catalog_t *cat, const char *sha256, const char *number, char *sha, char idtext[24],
          const char *what)
{
    int64_t id = 0;
    int err;
    if (sha256 != NULL) {
        sqlite3_int64 iid = 0;
        if ((err = cs_cat_sha256_norm(sha256, sha)) != 0 ||
            (err = cs_cat_item_id(cat, sha, &iid, what)) != 0)
            return err;
        id = iid;
    } else {
        if ((err = cs_cat_int64(cat, "SELECT id FROM cases WHERE number = ?1", number, 0, &id,
                                what)) != 0)
            return err;
        if (id == 0)
            return cs_cat_no_case(number, NULL);
    }
    snprintf(idtext, 24, "%lld", (long long)id); /* fits: 20 digits and a sign */
    return 0;
}

int
cs_catalog_hold_add(cs_catalog_t *cat, const char *sha256, const char *case_number,
                    const char *reason, const char *by, int64_t *id)
{
    const char *what = "cannot place a hold";
    char now[CS_TIME_MAX], idtext[24], sha[65] = "";
    int err;
    if ((err = reason_ok(reason)) != 0)
        return err;
    cs_clock_now(now);
    if ((err = cs_cat_begin(cat, what)) != 0)
        return err;
    if ((err = target_id(cat, sha256, case_number, sha, idtext, what)) != 0)
        goto out;
    const char *args[] = {sha256 ? idtext : NULL, sha256 ? NULL : idtext, reason, by, now};
    err = cs_cat_run(cat,
                     "INSERT INTO holds (item_id, case_id, reason, held_by, held_at)"
                     " VALUES (CAST(?1 AS INTEGER), CAST(?2 AS INTEGER), ?3, ?4, ?5)",
                     args, 5, NULL, what);
    int64_t hid = sqlite3_last_insert_rowid(cat->db);
    if (err == 0)
        err = cs_cat_ledger_custody(cat, "hold.add", by,
                                    json_pack("{s:I, s:s?, s:s?, s:s}", "hold", (json_int_t)hid,
                                              "item", sha256 ? sha : NULL, "case",
                                              sha256 ? NULL : case_number, "reason", reason),
                                    what);
    if (err == 0 && id != NULL)
        *id = hid;
out:
    return cs_cat_finish(cat, err, what);
}

int
cs_catalog_hold_release(cs_catalog_t *cat, int64_t id, const char *sha256, const char *case_number,
                        const char *reason, const char *by, int *count)
{
    const char *what = "cannot release a hold";
    char now[CS_TIME_MAX], idtext[24], sha[65] = "";
    json_t *rows = NULL, *row;
    size_t i;
    int err;
    *count = 0;
    if ((err = reason_ok(reason)) != 0)
        return err;
    cs_clock_now(now);
    if ((err = cs_cat_begin(cat, what)) != 0)
        return err;
    if (id > 0)
        snprintf(idtext, sizeof idtext, "%lld", (long long)id); /* fits: 20 digits */
    else if ((err = target_id(cat, sha256, case_number, sha, idtext, what)) != 0)
        goto out;
    const char *sel[] = {id > 0 ? idtext : NULL, id <= 0 && sha256 ? idtext : NULL,
                         id <= 0 && !sha256 ? idtext : NULL};
    err = cs_cat_select_json(cat,
                             "SELECT json_object('id', h.id, 'item', i.sha256, 'case', c.number,"
                             " 'released', h.released_at IS NOT NULL) FROM holds h LEFT JOIN"
                             " items i ON i.id = h.item_id LEFT JOIN cases c ON c.id = h.case_id"
                             " WHERE (h.id = CAST(?1 AS INTEGER) OR h.item_id = CAST(?2 AS"
                             " INTEGER) OR h.case_id = CAST(?3 AS INTEGER)) AND (?1 IS NOT NULL"
                             " OR h.released_at IS NULL) ORDER BY h.id",
                             sel, 3, &rows, what);
    if (err == 0 &&
        (json_array_size(rows) == 0 ||
         json_integer_value(json_object_get(json_array_get(rows, 0), "released")) != 0)) {
        if (id > 0)
            cs_diag_set("hold %lld is %s (custody hold list)", (long long)id,
                        json_array_size(rows) ? "released already" : "not there");
        else
            cs_diag_set("no hold on %s %s to release (custody hold list)", sha256 ? "item" : "case",
                        sha256 ? sha : case_number);
        err = CS_ENOTFOUND;
    }
    json_array_foreach(rows, i, row)
    {
        json_int_t hid = json_integer_value(json_object_get(row, "id"));
        char htext[24];
        if (err != 0)
            break;
        snprintf(htext, sizeof htext, "%lld", (long long)hid); /* fits: 20 digits */
        const char *args[] = {htext, by, now, reason};
        err = cs_cat_run(cat,
                         "UPDATE holds SET released_by = ?2, released_at = ?3, release_reason = ?4"
                         " WHERE id = CAST(?1 AS INTEGER) AND released_at IS NULL",
                         args, 4, NULL, what);
        if (err == 0)
            err = cs_cat_ledger_custody(cat, "hold.release", by,
                                        json_pack("{s:I, s:O?, s:O?, s:s}", "hold", hid, "item",
                                                  json_is_string(json_object_get(row, "item"))
                                                      ? json_object_get(row, "item")
                                                      : NULL,
                                                  "case",
                                                  json_is_string(json_object_get(row, "case"))
                                                      ? json_object_get(row, "case")
                                                      : NULL,
                                                  "reason", reason),
                                        what);
        if (err == 0)
            (*count)++;
    }
out:
    json_decref(rows);
    return cs_cat_finish(cat, err, what);
}

int
cs_catalog_hold_refused(cs_catalog_t *cat, const char *action, int64_t hold, const char *sha256,
                        const char *case_number, const char *by, const char *role, const char *why)
{
    const char *what = "cannot record a refused hold";
    int err = cs_cat_begin(cat, what);
    if (err != 0)
        return err;
    json_t *fields = json_pack("{s:s?, s:s?, s:s?, s:s, s:s}", "item", sha256, "case", case_number,
                               "role", role, "result", "denied", "reason", why);
    if (fields != NULL && hold > 0)
        json_object_set_new(fields, "hold", json_integer(hold));
    err = cs_cat_ledger_custody(cat, action, by, fields, what);
    return cs_cat_finish(cat, err, what);
}

int
cs_catalog_holds(cs_catalog_t *cat, int active, json_t **out)
{
    const char *what = "cannot list holds";
    const char *args[] = {active ? "1" : NULL};
    return cs_cat_select_json(cat,
                              "SELECT json_object('id', h.id, 'item', i.sha256, 'case', c.number,"
                              " 'reason', h.reason, 'by', h.held_by, 'at', h.held_at,"
                              " 'released_by', h.released_by, 'released_at', h.released_at,"
                              " 'release_reason', h.release_reason) FROM holds h"
                              " LEFT JOIN items i ON i.id = h.item_id LEFT JOIN cases c ON c.id ="
                              " h.case_id WHERE ?1 IS NULL OR h.released_at IS NULL"
                              " ORDER BY h.id DESC",
                              args, 1, out, what);
}

int
cs_catalog_retention_set(cs_catalog_t *cat, const char *sha256, const char *klass,
                         const char *reason, const char *by)
{
    const char *what = "cannot set an item's retention class";
    char now[CS_TIME_MAX], idtext[24], sha[65] = "";
    int err;
    if (klass == NULL || (strcmp(klass, "evidence") != 0 && strcmp(klass, "non_evidence") != 0 &&
                          strcmp(klass, "permanent") != 0)) {
        cs_diag_set("a retention class is evidence, non_evidence or permanent, not \"%s\"",
                    klass ? klass : "");
        return CS_EINVAL;
    }
    if ((err = reason_ok(reason)) != 0)
        return err;
    cs_clock_now(now);
    if ((err = cs_cat_begin(cat, what)) != 0)
        return err;
    if ((err = target_id(cat, sha256, NULL, sha, idtext, what)) != 0)
        goto out;
    const char *args[] = {idtext, klass, reason, by, now};
    err = cs_cat_run(cat,
                     "UPDATE retention_classes SET superseded_at = ?5"
                     " WHERE item_id = CAST(?1 AS INTEGER) AND superseded_at IS NULL",
                     args, 5, NULL, what);
    if (err == 0)
        err = cs_cat_run(cat,
                         "INSERT INTO retention_classes (item_id, class, reason, set_by, set_at)"
                         " VALUES (CAST(?1 AS INTEGER), ?2, ?3, ?4, ?5)",
                         args, 5, NULL, what);
    if (err == 0)
        err = cs_cat_ledger_custody(
            cat, "retention.set", by,
            json_pack("{s:s, s:s, s:s}", "item", sha, "class", klass, "reason", reason), what);
out:
    return cs_cat_finish(cat, err, what);
}
