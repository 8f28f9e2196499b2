/* indexer/items.c: what writes to the catalog: arrivals, links and events. Each write is one
 * BEGIN IMMEDIATE transaction, rolled back on any error: it happens whole or not at all. */
#include "indexer/catalog_int.h"

#include "core/buf.h"
#include "core/error.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* The same content arriving after its item was disposed of (indexer/dispose.h) is a new
 * arrival: the item is no longer disposed of (its tombstone stays), its original is checked
 * by the scrub again, and *created says so. */
static int
revive(cs_catalog_t *cat, sqlite3_int64 id, const char *now, int *created, const char *what)
{
    char idtext[24];
    int changes = 0;
    snprintf(idtext, sizeof idtext, "%lld", (long long)id); /* fits: 20 digits and a sign */
    const char *args[] = {idtext, now};
    int err = cs_cat_run(cat, "DELETE FROM item_disposed WHERE item_id = CAST(?1 AS INTEGER)", args,
                         1, &changes, what);
    if (err == 0 && changes > 0)
        err = cs_cat_run(cat,
                         "INSERT OR IGNORE INTO fixity (sha256, item_id, checked_at)"
                         " SELECT sha256, id, ?2 FROM items WHERE id = CAST(?1 AS INTEGER)",
                         args, 2, NULL, what);
    *created = err == 0 && changes > 0;
    return err;
}

/* Inserts the item unless its sha256 is known; a known one must have the same size. */
static int
ensure_item(cs_catalog_t *cat, const char *sha, const cs_arrival_t *a, const char *now,
            sqlite3_int64 *id, int *created, const char *what)
{
    sqlite3_stmt *st = NULL;
    int err, rc;

    *created = 0;
    err = cs_cat_prepare(cat, "SELECT id, size FROM items WHERE sha256 = ?1", &st, what);
    if (err != 0)
        goto out;
    sqlite3_bind_text(st, 1, sha, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *id = sqlite3_column_int64(st, 0);
        if ((uint64_t)sqlite3_column_int64(st, 1) != a->size) {
            cs_diag_set("catalog %s: item %s is cataloged with %" PRId64 " bytes, but %" PRIu64
                        " arrived; check the store",
                        cat->path, sha, (int64_t)sqlite3_column_int64(st, 1), a->size);
            err = CS_EMISMATCH;
        }
        if (err == 0)
            err = revive(cat, *id, now, created, what);
        goto out;
    }
    if (rc != SQLITE_DONE) {
        err = cs_cat_err(cat, rc, what);
        goto out;
    }
    cs_cat_finalize(cat, st);
    err = cs_cat_prepare(cat,
                         "INSERT INTO items (sha256, size, media_type, created_at)"
                         " VALUES (?1, ?2, ?3, ?4)",
                         &st, what);
    if (err != 0)
        goto out;
    sqlite3_bind_text(st, 1, sha, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)a->size);
    sqlite3_bind_text(st, 3, a->media_type, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, now, -1, SQLITE_STATIC);
    err = cs_cat_step_done(cat, st, what);
    if (err == 0) {
        *id = sqlite3_last_insert_rowid(cat->db);
        *created = 1;
    }
out:
    cs_cat_finalize(cat, st);
    return err;
}

/* The arrival's row with its own claims: its file time and the sidecar's recorded_at (as the
 * clerk wrote it), and the case it came into. */
static int
insert_source(cs_catalog_t *cat, sqlite3_int64 item_id, sqlite3_int64 case_id,
              const cs_arrival_t *a, const char *now, const char *what)
{
    const char *recorded_at = json_string_value(json_object_get(a->detail, "recorded_at"));
    sqlite3_stmt *st = NULL;
    char mtime[CS_TIME_MAX];
    int err;

    err = cs_cat_prepare(cat,
                         "INSERT INTO item_sources (item_id, original_name, source_path,"
                         " received_by, received_at, source_mtime, received_user_id,"
                         " recorded_at, case_id)"
                         " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                         &st, what);
    if (err != 0)
        return err;
    sqlite3_bind_int64(st, 1, item_id);
    sqlite3_bind_text(st, 2, a->original_name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, a->source_path, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, a->actor, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, now, -1, SQLITE_STATIC);
    if (a->source_mtime_ns != 0) {
        cs_clock_format_ns(a->source_mtime_ns, mtime);
        sqlite3_bind_text(st, 6, mtime, -1, SQLITE_TRANSIENT);
    } else {
        sqlite3_bind_null(st, 6);
    }
    if (a->user_id > 0)
        sqlite3_bind_int64(st, 7, a->user_id);
    if (recorded_at != NULL && *recorded_at != '\0')
        sqlite3_bind_text(st, 8, recorded_at, -1, SQLITE_STATIC);
    if (case_id > 0)
        sqlite3_bind_int64(st, 9, case_id);
    err = cs_cat_step_done(cat, st, what);
    cs_cat_finalize(cat, st);
    return err;
}

static int
nonempty(const char *s)
{
    return s != NULL && *s != '\0';
}

static int
check_arrival(const cs_arrival_t *a, char sha[65])
{
    int err = cs_cat_sha256_norm(a->sha256, sha);
    if (err != 0)
        return err;
    if (a->size == 0 || a->size > INT64_MAX) {
        cs_diag_set("item %s: size %" PRIu64 " is not a stored object's size", sha, a->size);
        return CS_EINVAL;
    }
    if (!nonempty(a->media_type) || !nonempty(a->original_name) || !nonempty(a->source_path) ||
        !nonempty(a->actor)) {
        cs_diag_set("item %s: an arrival needs a media type, original name, source path and "
                    "actor",
                    sha);
        return CS_EINVAL;
    }
    if ((a->case_number != NULL && *a->case_number == '\0') ||
        (a->party != NULL && (*a->party == '\0' || a->case_number == NULL))) {
        cs_diag_set("item %s: a case number or party may be absent but not empty, and a party "
                    "needs a case",
                    sha);
        return CS_EINVAL;
    }
    return 0;
}

/* Events of an arrival: `received` always, `stored` the first time, `linked` with a link. */
static int
arrival_events(cs_catalog_t *cat, const cs_arrival_t *a, sqlite3_int64 item_id,
               sqlite3_int64 case_id, const cs_arrival_result_t *r, const char *now,
               const char *what)
{
    json_t *d = NULL;
    int err;

    d = json_pack("{s:o, s:o}", "original_name", cs_cat_jname(a->original_name), "source_path",
                  cs_cat_jname(a->source_path));
    if (d != NULL && a->detail != NULL)
        json_object_update_missing(d, a->detail);
    err = d != NULL ? cs_cat_insert_event(cat, item_id, case_id, "received", a->actor, now, d, what)
                    : cs_cat_no_memory(cat, what);
    json_decref(d);
    if (err == 0 && r->item_created) {
        d = json_pack("{s:I, s:o}", "size", (json_int_t)a->size, "media_type",
                      cs_cat_jstr(a->media_type));
        err = d != NULL
                  ? cs_cat_insert_event(cat, item_id, case_id, "stored", a->actor, now, d, what)
                  : cs_cat_no_memory(cat, what);
        json_decref(d);
    }
    if (err == 0 && r->link_created) {
        d = json_pack("{s:o, s:o}", "case", cs_cat_jstr(a->case_number), "party",
                      cs_cat_jstr(a->party));
        err = d != NULL
                  ? cs_cat_insert_event(cat, item_id, case_id, "linked", a->actor, now, d, what)
                  : cs_cat_no_memory(cat, what);
        json_decref(d);
    }
    return err;
}

int
cs_cat_arrival_rows(cs_catalog_t *cat, const cs_arrival_t *a, const char *now,
                    cs_arrival_result_t *r, sqlite3_int64 *item_id_out, const char *what)
{
    sqlite3_int64 case_id = 0, party_id = 0, item_id = 0;
    char sha[65];
    int err, found = 0;

    r->item_created = r->link_created = 0;
    if ((err = check_arrival(a, sha)) != 0)
        return err;
    if (a->case_number != NULL) {
        err = cs_cat_upsert_case(cat, a->case_number, now, &case_id, what);
        if (err == 0 && a->party != NULL)
            err = cs_cat_upsert_party(cat, case_id, a->party, now, &party_id, what);
        if (err != 0)
            return err;
    }
    err = ensure_item(cat, sha, a, now, &item_id, &r->item_created, what);
    if (err == 0)
        err = insert_source(cat, item_id, case_id, a, now, what);
    if (err == 0 && case_id > 0) {
        err = cs_cat_active_link(cat, item_id, case_id, party_id, &found, what);
        if (err == 0 && !found) {
            err = cs_cat_insert_link(cat, item_id, case_id, party_id, a->actor, now, "arrival",
                                     NULL, what);
            r->link_created = err == 0;
        }
    }
    if (err == 0)
        err = arrival_events(cat, a, item_id, case_id, r, now, what);
    /* A sidecar's classification (checked by ingest/sidecar.c) is set with the arrival. */
    const char *level = json_string_value(json_object_get(a->detail, "classification"));
    if (err == 0 && level != NULL && level[0] != '\0') {
        char reason[512];
        if ((err = cs_snprintf(reason, sizeof reason, "sidecar of %s", a->original_name)) != 0)
            cs_diag_set("%s: the name \"%.80s...\" is too long for a classification's reason", what,
                        a->original_name);
        else
            err = cs_cat_classify_rows(cat, item_id, level, reason, a->actor, now, what);
    }
    if (err == 0 && item_id_out != NULL)
        *item_id_out = item_id;
    return err;
}

int
cs_catalog_record_arrival(cs_catalog_t *cat, const cs_arrival_t *a, cs_arrival_result_t *res)
{
    cs_arrival_result_t r = {0, 0};
    char sha[65], now[CS_TIME_MAX], what[128];
    int err;

    if (res != NULL)
        *res = r;
    if ((err = check_arrival(a, sha)) != 0)
        return err;
    /* what only begins a message: cut there when too long */
    cs_snprintf_cut(what, sizeof what, "cannot record the arrival of item %s", sha);
    cs_clock_now(now);
    if ((err = cs_cat_begin(cat, what)) != 0)
        return err;
    if ((err = cs_cat_arrival_rows(cat, a, now, &r, NULL, what)) != 0) {
        cs_cat_rollback(cat);
        return err;
    }
    err = cs_cat_commit(cat, what);
    if (err == 0 && res != NULL)
        *res = r;
    return err;
}

/* The case numbers of the item's active links, oldest link first. */
static int
active_cases(cs_catalog_t *cat, sqlite3_int64 item_id, json_t *out, int *n_links, const char *what)
{
    sqlite3_stmt *st = NULL;
    int err, rc;

    *n_links = 0;
    err = cs_cat_prepare(cat,
                         "SELECT c.number, count(*) FROM links l JOIN cases c ON c.id = l.case_id"
                         " WHERE l.item_id = ?1 AND l.superseded_at IS NULL"
                         " GROUP BY c.id ORDER BY min(l.id)",
                         &st, what);
    if (err != 0)
        return err;
    sqlite3_bind_int64(st, 1, item_id);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        json_array_append_new(out, cs_cat_jstr((const char *)sqlite3_column_text(st, 0)));
        *n_links += sqlite3_column_int(st, 1);
    }
    if (rc != SQLITE_DONE)
        err = cs_cat_err(cat, rc, what);
    cs_cat_finalize(cat, st);
    return err;
}

/* Supersedes every active link of the item by `new_id`, in two steps so that the one-active
 * unique index never sees the old and the new link active together. */
static int
supersede(cs_catalog_t *cat, sqlite3_int64 item_id, sqlite3_int64 new_id, const char *now, int step,
          const char *what)
{
    static const char *const sql[] = {
        "UPDATE links SET superseded_at = ?1 WHERE item_id = ?2 AND superseded_at IS NULL",
        /* Every earlier supersession set superseded_by in its own transaction, so the links
         * superseded but not yet pointed anywhere are exactly those of step 0. */
        "UPDATE links SET superseded_by = ?1 WHERE item_id = ?2"
        " AND superseded_at IS NOT NULL AND superseded_by IS NULL",
    };
    sqlite3_stmt *st = NULL;
    int err;

    err = cs_cat_prepare(cat, sql[step], &st, what);
    if (err != 0)
        return err;
    if (step == 0)
        sqlite3_bind_text(st, 1, now, -1, SQLITE_STATIC);
    else
        sqlite3_bind_int64(st, 1, new_id);
    sqlite3_bind_int64(st, 2, item_id);
    err = cs_cat_step_done(cat, st, what);
    cs_cat_finalize(cat, st);
    return err;
}

static int
check_link_args(const char *sha256, const char *case_number, const char *party, const char *actor,
                const char *reason, char sha[65])
{
    int err = cs_cat_sha256_norm(sha256, sha);
    if (err != 0)
        return err;
    if (!nonempty(case_number) || (party != NULL && *party == '\0') || !nonempty(actor)) {
        cs_diag_set("item %s: a link needs a case number, an actor and a non-empty party if any",
                    sha);
        return CS_EINVAL;
    }
    if (!nonempty(reason)) {
        cs_diag_set("item %s: give a reason for linking it to case %s", sha, case_number);
        return CS_EINVAL;
    }
    return 0;
}

int
cs_catalog_link(cs_catalog_t *cat, const char *sha256, const char *case_number, const char *party,
                const char *actor, const char *reason, int replace)
{
    sqlite3_int64 item_id = 0, case_id = 0, party_id = 0, link_id = 0;
    json_t *from = NULL, *d = NULL;
    char sha[65], now[CS_TIME_MAX], what[128];
    int err, found = 0, n_active = 0;

    err = check_link_args(sha256, case_number, party, actor, reason, sha);
    if (err != 0)
        return err;
    /* what only begins a message: cut there when too long */
    cs_snprintf_cut(what, sizeof what, "cannot link item %s", sha);
    cs_clock_now(now);
    if ((from = json_array()) == NULL)
        return cs_cat_no_memory(cat, what);

    err = cs_cat_begin(cat, what);
    if (err != 0)
        goto out;
    err = cs_cat_item_id(cat, sha, &item_id, what);
    if (err == 0)
        err = cs_cat_upsert_case(cat, case_number, now, &case_id, what);
    if (err == 0 && party != NULL)
        err = cs_cat_upsert_party(cat, case_id, party, now, &party_id, what);
    if (err == 0)
        err = cs_cat_active_link(cat, item_id, case_id, party_id, &found, what);
    if (err == 0)
        err = active_cases(cat, item_id, from, &n_active, what);
    if (err != 0)
        goto out;
    /* With replace, an identical link among others still moves: the others are superseded. */
    if (found && (!replace || n_active == 1)) {
        cs_diag_set("item %s is already linked to case %s%s%s; nothing changed", sha, case_number,
                    party != NULL ? ", party " : "", party != NULL ? party : "");
        err = CS_EEXIST;
        goto out;
    }
    replace = replace && n_active > 0;
    if (replace)
        err = supersede(cat, item_id, 0, now, 0, what);
    if (err == 0)
        err =
            cs_cat_insert_link(cat, item_id, case_id, party_id, actor, now, reason, &link_id, what);
    if (err == 0 && replace)
        err = supersede(cat, item_id, link_id, now, 1, what);
    if (err != 0)
        goto out;
    if (replace)
        d = json_pack("{s:O, s:o, s:o, s:o}", "from", from, "to", cs_cat_jstr(case_number), "party",
                      cs_cat_jstr(party), "reason", cs_cat_jstr(reason));
    else
        d = json_pack("{s:o, s:o, s:o}", "case", cs_cat_jstr(case_number), "party",
                      cs_cat_jstr(party), "reason", cs_cat_jstr(reason));
    err = d != NULL ? cs_cat_insert_event(cat, item_id, case_id, replace ? "relinked" : "linked",
                                          actor, now, d, what)
                    : cs_cat_no_memory(cat, what);
out:
    json_decref(from);
    json_decref(d);
    if (err != 0) {
        cs_cat_rollback(cat);
        return err;
    }
    return cs_cat_commit(cat, what);
}

int
cs_catalog_add_event(cs_catalog_t *cat, const char *sha256, const char *kind, const char *actor,
                     json_t *detail)
{
    sqlite3_int64 item_id = 0;
    char sha[65], now[CS_TIME_MAX], what[128];
    int err;

    err = cs_cat_sha256_norm(sha256, sha);
    if (err != 0)
        return err;
    if (!nonempty(kind) || !nonempty(actor) || (detail != NULL && !json_is_object(detail))) {
        cs_diag_set("item %s: an event needs a kind, an actor and a detail that is an object", sha);
        return CS_EINVAL;
    }
    /* what only begins a message: cut there when too long */
    cs_snprintf_cut(what, sizeof what, "cannot add a %.32s event to item %s", kind, sha);
    cs_clock_now(now);
    err = cs_cat_begin(cat, what);
    if (err != 0)
        return err;
    err = cs_cat_item_id(cat, sha, &item_id, what);
    if (err == 0)
        err = cs_cat_insert_event(cat, item_id, 0, kind, actor, now, detail, what);
    if (err != 0) {
        cs_cat_rollback(cat);
        return err;
    }
    return cs_cat_commit(cat, what);
}
