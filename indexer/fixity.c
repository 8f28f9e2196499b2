/* indexer/fixity.c: the fixity and fixity_state tables (schema v6): which object is due for a
 * check, each check's record, and the figures of `custody status` and /metrics. */
#include "indexer/fixity.h"

#include "core/buf.h"
#include "core/error.h"
#include "indexer/catalog_int.h"

#include <stdio.h>
#include <string.h>

/* The time `window_s` seconds ago, in the catalog's RFC 3339 form, as SQL over ?1. */
#define CUTOFF "strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-' || ?1 || ' seconds')"

const char *
cs_fixity_name(cs_fixity_t f)
{
    static const char *const names[] = {"ok", "mismatch", "missing", "unreadable"};
    return f >= CS_FIXITY_OK && f <= CS_FIXITY_UNREADABLE ? names[f] : "unknown";
}

int
cs_catalog_fixity_due(cs_catalog_t *cat, int64_t window_s, cs_fixity_obj_t *out, int max, int *n)
{
    const char *what = "cannot list the objects due for a fixity check";
    sqlite3_stmt *st = NULL;
    int err, rc = SQLITE_DONE;

    *n = 0;
    err = cs_cat_prepare(cat,
                         "SELECT f.sha256, i.sha256, coalesce(f.profile, '') FROM fixity f"
                         " JOIN items i ON i.id = f.item_id WHERE f.checked_at < " CUTOFF
                         " ORDER BY f.checked_at, f.sha256 LIMIT ?2",
                         &st, what);
    if (err != 0)
        return err;
    sqlite3_bind_int64(st, 1, window_s);
    sqlite3_bind_int(st, 2, max);
    while (*n < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        cs_fixity_obj_t *o = &out[*n];
        const char *profile = (const char *)sqlite3_column_text(st, 2);
        if ((size_t)snprintf(o->profile, sizeof o->profile, "%s", profile) >= sizeof o->profile) {
            cs_diag_set("catalog %s: derivative profile \"%.40s...\" is too long", cat->path,
                        profile);
            err = CS_ENAMETOOLONG;
            break;
        }
        if ((err = cs_cat_column_copy(st, 0, o->sha256, sizeof o->sha256, "object hash")) != 0 ||
            (err = cs_cat_column_copy(st, 1, o->item, sizeof o->item, "item hash")) != 0)
            break;
        (*n)++;
    }
    if (err == 0 && rc != SQLITE_ROW && rc != SQLITE_DONE)
        err = cs_cat_err(cat, rc, what);
    cs_cat_finalize(cat, st);
    return err;
}

int
cs_catalog_fixity_next(cs_catalog_t *cat, int64_t window_s, int64_t *next_s)
{
    const char *what = "cannot read when the next fixity check is due";
    sqlite3_stmt *st = NULL;
    int err, rc;

    err = cs_cat_prepare(cat,
                         "SELECT (julianday(min(checked_at)) - julianday('now')) * 86400.0 + ?1"
                         " FROM fixity",
                         &st, what);
    if (err != 0)
        return err;
    sqlite3_bind_int64(st, 1, window_s);
    if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
        err = cs_cat_err(cat, rc, what);
    } else if (sqlite3_column_type(st, 0) == SQLITE_NULL) {
        *next_s = -1;
    } else {
        double s = sqlite3_column_double(st, 0);
        *next_s = s <= 0 ? 0 : (int64_t)s + 1;
    }
    cs_cat_finalize(cat, st);
    return err;
}

/* The object's item and profile; CS_ENOTFOUND if the catalog holds no such object. */
static int
object_row(cs_catalog_t *cat, const char *sha256, sqlite3_int64 *item_id, char *profile,
           size_t size, const char *what)
{
    sqlite3_stmt *st = NULL;
    int err =
            cs_cat_prepare(cat, "SELECT item_id, profile FROM fixity WHERE sha256 = ?1", &st, what),
        rc;
    if (err != 0)
        return err;
    sqlite3_bind_text(st, 1, sha256, -1, SQLITE_STATIC);
    if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *p = (const char *)sqlite3_column_text(st, 1);
        *item_id = sqlite3_column_int64(st, 0);
        if ((size_t)snprintf(profile, size, "%s", p ? p : "") >= size) {
            cs_diag_set("catalog %s: derivative profile of %s is too long", cat->path, sha256);
            err = CS_ENAMETOOLONG;
        }
    } else if (rc == SQLITE_DONE) {
        cs_diag_set("object %s: not found in catalog %s", sha256, cat->path);
        err = CS_ENOTFOUND;
    } else {
        err = cs_cat_err(cat, rc, what);
    }
    cs_cat_finalize(cat, st);
    return err;
}

/* The event's detail; NULL when out of memory. */
static json_t *
check_detail(const cs_fixity_check_t *c, const char *profile)
{
    int copy = profile[0] != '\0', altered = c->result == CS_FIXITY_MISMATCH && c->actual;
    return json_pack("{s:s, s:s*, s:s*, s:s*, s:s*}", "result", cs_fixity_name(c->result), "object",
                     copy ? c->sha256 : NULL, "profile", copy ? profile : NULL, "actual_sha256",
                     altered ? c->actual : NULL, "error",
                     c->result == CS_FIXITY_UNREADABLE ? c->error : NULL);
}

static int
record_rows(cs_catalog_t *cat, const cs_fixity_check_t *c, const char *now, const char *what)
{
    sqlite3_stmt *st = NULL;
    sqlite3_int64 item_id = 0;
    char profile[32];
    json_t *detail = NULL;
    int err, bad = c->result != CS_FIXITY_OK;

    if ((err = object_row(cat, c->sha256, &item_id, profile, sizeof profile, what)) != 0)
        return err;
    if ((detail = check_detail(c, profile)) == NULL)
        return cs_cat_no_memory(cat, what);
    err = cs_cat_insert_event(cat, item_id, 0, "verified", c->actor, now, detail, what);
    json_decref(detail);
    if (err != 0 || (err = cs_cat_prepare(cat,
                                          "UPDATE fixity SET checked_at = ?2, result = ?3,"
                                          " actual_sha256 = ?4, checks = checks + 1"
                                          " WHERE sha256 = ?1",
                                          &st, what)) != 0)
        return err;
    sqlite3_bind_text(st, 1, c->sha256, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, cs_fixity_name(c->result), -1, SQLITE_STATIC);
    if (c->result == CS_FIXITY_MISMATCH && c->actual != NULL)
        sqlite3_bind_text(st, 4, c->actual, -1, SQLITE_STATIC);
    err = cs_cat_step_done(cat, st, what);
    cs_cat_finalize(cat, st);
    st = NULL;
    if (err != 0 || (err = cs_cat_prepare(cat,
                                          "UPDATE fixity_state SET checks = checks + 1,"
                                          " mismatches = mismatches + ?1,"
                                          " pass_objects = pass_objects + ?2,"
                                          " pass_bytes = pass_bytes + ?3 WHERE id = 1",
                                          &st, what)) != 0)
        return err;
    /* A check outside the pass (custody verify) counts in the totals only. */
    sqlite3_bind_int(st, 1, bad);
    sqlite3_bind_int(st, 2, c->in_pass ? 1 : 0);
    sqlite3_bind_int64(st, 3, c->in_pass ? (sqlite3_int64)c->bytes : 0);
    err = cs_cat_step_done(cat, st, what);
    cs_cat_finalize(cat, st);
    return err;
}

int
cs_catalog_fixity_record(cs_catalog_t *cat, const cs_fixity_check_t *c)
{
    char what[128], now[CS_TIME_MAX];
    int err;

    /* what only begins a message: cut there when too long */
    cs_snprintf_cut(what, sizeof what, "cannot record the fixity check of object %.64s", c->sha256);
    if (c->actor == NULL || c->actor[0] == '\0') {
        cs_diag_set("object %s: a fixity check needs an actor", c->sha256);
        return CS_EINVAL;
    }
    cs_clock_now(now);
    if ((err = cs_cat_begin(cat, what)) != 0)
        return err;
    if ((err = record_rows(cat, c, now, what)) != 0) {
        cs_cat_rollback(cat);
        return err;
    }
    return cs_cat_commit(cat, what);
}

/* One statement over ?1 = now: atomic by itself, no transaction around it. */
static int
write_now(cs_catalog_t *cat, const char *sql, const char *what)
{
    sqlite3_stmt *st = NULL;
    char now[CS_TIME_MAX];
    int err;

    cs_clock_now(now);
    if ((err = cs_cat_prepare(cat, sql, &st, what)) == 0) {
        sqlite3_bind_text(st, 1, now, -1, SQLITE_STATIC);
        err = cs_cat_step_done(cat, st, what);
    }
    cs_cat_finalize(cat, st);
    return err;
}

int
cs_catalog_fixity_pass_begin(cs_catalog_t *cat)
{
    return write_now(cat,
                     "UPDATE fixity_state SET pass_started_at = ?1, pass_objects = 0,"
                     " pass_bytes = 0 WHERE id = 1 AND pass_started_at IS NULL",
                     "cannot start a fixity pass");
}

int
cs_catalog_fixity_pass_end(cs_catalog_t *cat)
{
    return write_now(cat,
                     "UPDATE fixity_state SET last_started_at = pass_started_at,"
                     " last_ended_at = ?1, last_objects = pass_objects, last_bytes = pass_bytes,"
                     " pass_started_at = NULL, pass_objects = 0, pass_bytes = 0"
                     " WHERE id = 1 AND pass_started_at IS NOT NULL",
                     "cannot end a fixity pass");
}

int
cs_catalog_fixity_status(cs_catalog_t *cat, int64_t window_s, int limit, json_t **out)
{
    const char *what = "cannot read the fixity figures";
    json_t *state = NULL, *failures = NULL, *o = NULL;
    int64_t failing = 0, objects = 0, due = 0;
    char lim[24], win[24];
    const char *args[1] = {lim};
    int err;

    *out = NULL;
    snprintf(lim, sizeof lim, "%d", limit);                 /* fits: an int in 24 */
    snprintf(win, sizeof win, "%lld", (long long)window_s); /* fits: 20 digits and a sign */
    if ((err = cs_cat_begin_read(cat, what)) != 0)
        return err;
    if ((err = cs_cat_select_json(
             cat,
             "SELECT json_object('checks', checks, 'mismatches', mismatches, 'pass',"
             " json(CASE WHEN pass_started_at IS NULL THEN NULL ELSE json_object('started_at',"
             " pass_started_at, 'objects', pass_objects, 'bytes', pass_bytes) END), 'last_pass',"
             " json(CASE WHEN last_ended_at IS NULL THEN NULL ELSE json_object('started_at',"
             " last_started_at, 'ended_at', last_ended_at, 'ended_unix', CAST(strftime('%s',"
             " last_ended_at) AS INTEGER), 'seconds', round((julianday(last_ended_at) -"
             " julianday(last_started_at)) * 86400.0, 3), 'objects',"
             " last_objects, 'bytes', last_bytes) END)) FROM fixity_state WHERE id = 1",
             NULL, 0, &state, what)) != 0 ||
        (err = cs_cat_select_json(
             cat,
             "SELECT json_object('sha256', f.sha256, 'item', i.sha256, 'profile', f.profile,"
             " 'result', f.result, 'actual_sha256', f.actual_sha256, 'checked_at', f.checked_at)"
             " FROM fixity f JOIN items i ON i.id = f.item_id"
             " WHERE f.result <> 'ok'" /* from fixity_failing: not every row in time order */
             " ORDER BY +f.checked_at DESC LIMIT CAST(?1 AS INTEGER)",
             args, 1, &failures, what)) != 0 ||
        (err = cs_cat_int64(cat,
                            "SELECT coalesce((SELECT n FROM status_totals"
                            " WHERE name = 'fixity.failing'), 0)",
                            NULL, 0, &failing, what)) != 0)
        goto out;
    /* The totals are kept by triggers (indexer/schema_totals.c); the objects due are counted
     * from their index, as many rows as are due. */
    if (window_s > 0 &&
        ((err = cs_cat_int64(cat,
                             "SELECT coalesce((SELECT n FROM status_totals"
                             " WHERE name = 'fixity.objects'), 0)",
                             NULL, 0, &objects, what)) != 0 ||
         (err = cs_cat_int64(cat, "SELECT count(*) FROM fixity WHERE checked_at < " CUTOFF, win, 0,
                             &due, what)) != 0))
        goto out;
    o = json_incref(json_array_get(state, 0));
    if (o == NULL || json_object_set_new(o, "failing", json_integer(failing)) != 0 ||
        json_object_set(o, "failures", failures) != 0 ||
        (window_s > 0 && (json_object_set_new(o, "objects", json_integer(objects)) != 0 ||
                          json_object_set_new(o, "due", json_integer(due)) != 0))) {
        err = o == NULL ? CS_ECORRUPT : cs_cat_no_memory(cat, what);
        if (o == NULL)
            cs_diag_set("catalog %s: the fixity_state row is missing", cat->path);
        goto out;
    }
    *out = o;
    o = NULL;
out:
    cs_cat_rollback(cat);
    json_decref(o);
    json_decref(state);
    json_decref(failures);
    return err;
}

int
cs_catalog_object_owners(cs_catalog_t *cat, const char *sha256, json_t **out)
{
    const char *args[1] = {sha256};
    return cs_cat_select_json(
        cat,
        "SELECT json_object('item', i.sha256, 'profile', o.profile, 'cases', json((SELECT"
        " json_group_array(c.number) FROM links l JOIN cases c ON c.id = l.case_id"
        " WHERE l.item_id = i.id AND l.superseded_at IS NULL)))"
        " FROM (SELECT id AS item_id, NULL AS profile FROM items WHERE sha256 = ?1"
        " UNION SELECT item_id, profile FROM derivatives WHERE sha256 = ?1) o"
        " JOIN items i ON i.id = o.item_id ORDER BY o.profile IS NOT NULL, i.sha256",
        args, 1, out, "cannot find what an object belongs to");
}
