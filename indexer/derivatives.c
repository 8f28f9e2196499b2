/* indexer/derivatives.c: derivatives rows (schema v4) and their "derived" events. */
#include "indexer/derivatives.h"

#include "core/buf.h"
#include "core/error.h"
#include "indexer/catalog_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
valid(const cs_derivative_t *d)
{
    int verified = d->status != NULL && strcmp(d->status, "verified") == 0;
    int failed = d->status != NULL && strcmp(d->status, "failed") == 0;
    return d->profile != NULL && d->profile[0] != '\0' && (verified || failed) &&
           (!verified || (d->sha256 != NULL && d->size >= 0)) &&
           (!failed || (d->reason != NULL && d->reason[0] != '\0' && d->reason_code != NULL &&
                        d->reason_code[0] != '\0')) &&
           (d->detail == NULL || json_is_object(d->detail));
}

/* One derivative: supersede the current one of the profile, insert, add the event. */
static int
add_one(cs_catalog_t *cat, sqlite3_int64 item_id, const cs_derivative_t *d, const char *actor,
        const char *now, const char *what)
{
    sqlite3_stmt *st = NULL;
    char sha[65] = "";
    char *detail = NULL;
    json_t *ev = NULL, *params = NULL;
    int err;

    if (d->sha256 != NULL && (err = cs_cat_sha256_norm(d->sha256, sha)) != 0)
        return err;
    detail = d->detail != NULL ? json_dumps(d->detail, JSON_COMPACT) : strdup("{}");
    if (detail == NULL) {
        err = cs_cat_no_memory(cat, what);
        goto out;
    }
    err = cs_cat_prepare(cat,
                         "UPDATE derivatives SET superseded_at = ?3 WHERE item_id = ?1 AND"
                         " profile = ?2 AND superseded_at IS NULL",
                         &st, what);
    if (err != 0)
        goto out;
    sqlite3_bind_int64(st, 1, item_id);
    sqlite3_bind_text(st, 2, d->profile, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
    if ((err = cs_cat_step_done(cat, st, what)) != 0)
        goto out;
    cs_cat_finalize(cat, st);
    st = NULL;
    err =
        cs_cat_prepare(cat,
                       "INSERT INTO derivatives (item_id, profile, status, sha256, size,"
                       " media_type, reason, detail, made_by, made_at, reason_code, reason_params)"
                       " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                       &st, what);
    if (err != 0)
        goto out;
    sqlite3_bind_int64(st, 1, item_id);
    sqlite3_bind_text(st, 2, d->profile, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, d->status, -1, SQLITE_STATIC);
    if (sha[0] != '\0')
        sqlite3_bind_text(st, 4, sha, -1, SQLITE_STATIC);
    if (d->size >= 0 && sha[0] != '\0')
        sqlite3_bind_int64(st, 5, d->size);
    if (d->media_type != NULL)
        sqlite3_bind_text(st, 6, d->media_type, -1, SQLITE_STATIC);
    if (d->reason != NULL) {
        sqlite3_bind_text(st, 7, d->reason, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 11, d->reason_code, -1, SQLITE_STATIC);
        if (d->reason_params != NULL)
            sqlite3_bind_text(st, 12, d->reason_params, -1, SQLITE_STATIC);
    }
    sqlite3_bind_text(st, 8, detail, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 9, actor, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 10, now, -1, SQLITE_STATIC);
    if ((err = cs_cat_step_done(cat, st, what)) != 0)
        goto out;
    /* A failed copy's event says why as the row does: sentence, code and params. */
    if (d->reason != NULL && d->reason_params != NULL)
        params = json_loads(d->reason_params, 0, NULL);
    ev = json_pack("{s:s, s:s, s:s?, s:s?, s:s?, s:O?}", "profile", d->profile, "status", d->status,
                   "sha256", sha[0] ? sha : NULL, "reason", d->reason, "reason_code",
                   d->reason != NULL ? d->reason_code : NULL, "reason_params", params);
    if (ev == NULL) {
        err = cs_cat_no_memory(cat, what);
        goto out;
    }
    err = cs_cat_insert_event(cat, item_id, 0, "derived", actor, now, ev, what);
out:
    cs_cat_finalize(cat, st);
    json_decref(ev);
    json_decref(params);
    free(detail);
    return err;
}

int
cs_catalog_add_derivatives(cs_catalog_t *cat, const char *sha256, const cs_derivative_t *d,
                           size_t n, const char *actor)
{
    sqlite3_int64 item_id = 0;
    char sha[65], now[CS_TIME_MAX], what[128];
    int err;

    if ((err = cs_cat_sha256_norm(sha256, sha)) != 0)
        return err;
    for (size_t i = 0; i < n; i++) {
        if (!valid(&d[i])) {
            cs_diag_set("item %s: derivative %s: a verified one needs its object, a failed one "
                        "its reason and reason code",
                        sha, d[i].profile ? d[i].profile : "(no profile)");
            return CS_EINVAL;
        }
    }
    if (actor == NULL || actor[0] == '\0') {
        cs_diag_set("item %s: derivatives need an actor", sha);
        return CS_EINVAL;
    }
    /* what only begins a message: cut there when too long */
    cs_snprintf_cut(what, sizeof what, "cannot record the derivatives of item %s", sha);
    cs_clock_now(now);
    if ((err = cs_cat_begin(cat, what)) != 0)
        return err;
    err = cs_cat_item_id(cat, sha, &item_id, what);
    for (size_t i = 0; err == 0 && i < n; i++)
        err = add_one(cat, item_id, &d[i], actor, now, what);
    if (err != 0) {
        cs_cat_rollback(cat);
        return err;
    }
    return cs_cat_commit(cat, what);
}

int
cs_catalog_derivatives(cs_catalog_t *cat, const char *sha256, json_t **out)
{
    sqlite3_int64 item_id = 0;
    const char *what = "cannot read derivatives";
    char sha[65];
    int err;

    *out = NULL;
    if ((err = cs_cat_sha256_norm(sha256, sha)) != 0 ||
        (err = cs_cat_item_id(cat, sha, &item_id, what)) != 0)
        return err;
    /* The row's columns over its detail's members; "reason" only when it failed. */
    const char *args[] = {sha};
    return cs_cat_select_json(
        cat,
        "SELECT json_set(CASE WHEN reason IS NULL THEN detail ELSE json_set(detail, '$.reason',"
        " reason, '$.reason_code', reason_code, '$.reason_params', json(reason_params)) END,"
        " '$.profile', profile, '$.status', status, '$.sha256', sha256, '$.size',"
        " size, '$.media_type', media_type, '$.made_by', made_by, '$.made_at', made_at)"
        " FROM derivatives WHERE item_id = (SELECT id FROM items WHERE sha256 = ?1) AND"
        " superseded_at IS NULL ORDER BY profile",
        args, 1, out, what);
}

int
cs_catalog_derivative_failures(cs_catalog_t *cat, int limit, json_t **out)
{
    return cs_cat_count_and_recent(
        cat,
        "SELECT json_object('count', count(DISTINCT item_id))"
        " FROM derivatives WHERE status = 'failed' AND superseded_at IS NULL",
        "SELECT json_object('sha256', i.sha256, 'profile', d.profile, 'reason', d.reason,"
        " 'reason_code', d.reason_code, 'reason_params', json(d.reason_params),"
        " 'made_at', d.made_at) FROM derivatives d JOIN items i ON i.id = d.item_id"
        " WHERE d.status = 'failed' AND d.superseded_at IS NULL" /* from derivatives_failed */
        " ORDER BY +d.id DESC"
        " LIMIT CAST(?1 AS INTEGER)",
        limit, out, "cannot read failed derivatives");
}

int
cs_catalog_is_derivative(cs_catalog_t *cat, const char *sha256)
{
    sqlite3_stmt *st = NULL;
    int found = 0;
    if (cs_cat_prepare(cat, "SELECT 1 FROM derivatives WHERE sha256 = ?1 LIMIT 1", &st,
                       "cannot look up a derivative") != 0)
        return 0;
    sqlite3_bind_text(st, 1, sha256, -1, SQLITE_STATIC);
    found = sqlite3_step(st) == SQLITE_ROW;
    cs_cat_finalize(cat, st);
    return found;
}

int
cs_catalog_object_named(cs_catalog_t *cat, const char *sha256, int *named)
{
    sqlite3_stmt *st = NULL;
    int err, rc;
    *named = 0;
    err = cs_cat_prepare(cat,
                         "SELECT EXISTS (SELECT 1 FROM items WHERE sha256 = ?1) OR EXISTS "
                         "(SELECT 1 FROM derivatives WHERE sha256 = ?1)",
                         &st, "cannot look up an object");
    if (err != 0)
        return err;
    sqlite3_bind_text(st, 1, sha256, -1, SQLITE_STATIC);
    if ((rc = sqlite3_step(st)) == SQLITE_ROW)
        *named = sqlite3_column_int(st, 0) != 0;
    else
        err = cs_cat_err(cat, rc, "cannot look up an object");
    cs_cat_finalize(cat, st);
    return err;
}

int
cs_catalog_copy_verified(cs_catalog_t *cat, const char *sha256, const char *profile, int *verified)
{
    const char *what = "cannot read derivatives";
    sqlite3_stmt *st = NULL;
    int err = cs_cat_prepare(cat,
                             "SELECT EXISTS (SELECT 1 FROM derivatives d JOIN items i ON"
                             " i.id = d.item_id WHERE i.sha256 = ?1 AND d.profile = ?2 AND"
                             " d.status = 'verified' AND d.superseded_at IS NULL)",
                             &st, what),
        rc;
    *verified = 0;
    if (err != 0)
        return err;
    sqlite3_bind_text(st, 1, sha256, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, profile, -1, SQLITE_STATIC);
    if ((rc = sqlite3_step(st)) == SQLITE_ROW)
        *verified = sqlite3_column_int(st, 0);
    else
        err = cs_cat_err(cat, rc, what);
    cs_cat_finalize(cat, st);
    return err;
}
