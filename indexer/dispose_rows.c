/* indexer/dispose_rows.c: the steps of carrying out a disposal batch (dispose.h): its export's
 * rows, each item's skip, wait, tombstone and removal, and what disposed items are. */
#include "indexer/dispose.h"

#include "core/clock.h"
#include "core/error.h"
#include "indexer/catalog_int.h"
#include "indexer/ledger_pack.h"

#include <stdio.h>
#include <string.h>

static void
id_text(int64_t id, char out[24])
{
    snprintf(out, 24, "%lld", (long long)id); /* fits: 20 digits and a sign */
}

int
cs_catalog_dispose_export_rows(cs_catalog_t *cat, int64_t id, json_t **out)
{
    const char *what = "cannot read what a disposal's export holds";
    json_t *batch = NULL, *items = NULL, *ledger = NULL;
    char idtext[24];
    id_text(id, idtext);
    const char *args[] = {idtext};
    int err = cs_catalog_disposal(cat, id, &batch);
    *out = NULL;
    if (err == 0)
        err = cs_cat_select_json(
            cat,
            "SELECT json_object('sha256', i.sha256, 'class', x.class, 'keep_until', x.keep_until,"
            " 'reason_code', x.reason_code, 'reason', x.reason, 'state', x.state,"
            " 'metadata', json((SELECT m.record FROM metadata m WHERE m.item_id = i.id)),"
            " 'classification', (SELECT c.level FROM classifications c WHERE c.item_id = i.id"
            "   AND c.superseded_at IS NULL),"
            " 'events', json((SELECT json_group_array(json_object('kind', e.kind, 'actor',"
            "   e.actor, 'at', e.at, 'detail', json(e.detail))) FROM events e"
            "   WHERE e.item_id = i.id)))"
            " FROM disposal_items x JOIN items i ON i.id = x.item_id"
            " WHERE x.disposal_id = CAST(?1 AS INTEGER) ORDER BY i.sha256",
            args, 1, &items, what);
    for (size_t k = 0; err == 0 && k < json_array_size(items); k++) {
        json_t *it = json_array_get(items, k), *rec = NULL;
        if ((err = cs_catalog_item(cat, json_string_value(json_object_get(it, "sha256")), &rec)) ==
            0)
            json_object_set_new(it, "record", rec);
    }
    if (err == 0)
        err = cs_cat_select_json(
            cat,
            "SELECT json_object('seq', seq, 'entry', e) FROM (SELECT seq, " CS_LEDGER_TEXT
            " AS e FROM ledger)"
            " WHERE e ->> '$.disposal' = CAST(?1 AS INTEGER)"
            " OR e ->> '$.detail.disposal' = CAST(?1 AS INTEGER)"
            " ORDER BY seq",
            args, 1, &ledger, what);
    if (err == 0 && (*out = json_pack("{s:O, s:O, s:O}", "batch", batch, "items", items, "ledger",
                                      ledger)) == NULL)
        err = cs_cat_no_memory(cat, what);
    json_decref(batch);
    json_decref(items);
    json_decref(ledger);
    return err;
}

int
cs_catalog_dispose_set_export(cs_catalog_t *cat, int64_t id, const char *path)
{
    const char *what = "cannot record a disposal's export";
    char idtext[24];
    id_text(id, idtext);
    const char *args[] = {idtext, path};
    int err = cs_cat_begin(cat, what);
    if (err != 0)
        return err;
    err = cs_cat_run(cat, "UPDATE disposals SET export_path = ?2 WHERE id = CAST(?1 AS INTEGER)",
                     args, 2, NULL, what);
    return cs_cat_finish(cat, err, what);
}

int
cs_catalog_dispose_open_items(cs_catalog_t *cat, int64_t id, json_t **out)
{
    char idtext[24];
    id_text(id, idtext);
    const char *args[] = {idtext};
    return cs_cat_select_json(cat,
                              "SELECT json_object('sha256', i.sha256, 'state', x.state)"
                              " FROM disposal_items x JOIN items i ON i.id = x.item_id"
                              " WHERE x.disposal_id = CAST(?1 AS INTEGER)"
                              " AND x.state IN ('pending', 'locked', 'removing') ORDER BY i.sha256",
                              args, 1, out, "cannot list a disposal's items");
}

/* The batch's row of item `sha`: its id and state. CS_ENOTFOUND when it is not in the batch. */
static int
entry_of(cs_catalog_t *cat, int64_t id, const char *sha, sqlite3_int64 *item_id, char state[16],
         const char *what)
{
    sqlite3_stmt *st = NULL;
    int err = cs_cat_prepare(cat,
                             "SELECT i.id, x.state FROM disposal_items x JOIN items i ON"
                             " i.id = x.item_id WHERE x.disposal_id = ?1 AND i.sha256 = ?2",
                             &st, what),
        rc;
    if (err != 0)
        return err;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, sha, -1, SQLITE_STATIC);
    if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        *item_id = sqlite3_column_int64(st, 0);
        err = cs_cat_column_copy(st, 1, state, 16, "state");
    } else if (rc == SQLITE_DONE) {
        cs_diag_set("item %s is not in disposal batch %lld", sha, (long long)id);
        err = CS_ENOTFOUND;
    } else {
        err = cs_cat_err(cat, rc, what);
    }
    cs_cat_finalize(cat, st);
    return err;
}

/* Sets the state (and note, retain_until) of the batch's item. */
static int
set_state(cs_catalog_t *cat, int64_t id, sqlite3_int64 item_id, const char *state, const char *note,
          const char *retain_until, const char *what)
{
    sqlite3_stmt *st = NULL;
    int err = cs_cat_prepare(cat,
                             "UPDATE disposal_items SET state = ?3, note = coalesce(?4, note),"
                             " retain_until = ?5 WHERE disposal_id = ?1 AND item_id = ?2",
                             &st, what);
    if (err != 0)
        return err;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, item_id);
    sqlite3_bind_text(st, 3, state, -1, SQLITE_STATIC);
    if (note != NULL)
        sqlite3_bind_text(st, 4, note, -1, SQLITE_STATIC);
    if (retain_until != NULL)
        sqlite3_bind_text(st, 5, retain_until, -1, SQLITE_STATIC);
    err = cs_cat_step_done(cat, st, what);
    cs_cat_finalize(cat, st);
    return err;
}

/* The batch is done when none of its items is left to carry out. */
static int
maybe_done(cs_catalog_t *cat, int64_t id, const char *now, const char *what)
{
    char idtext[24];
    id_text(id, idtext);
    const char *args[] = {idtext, now};
    return cs_cat_run(cat,
                      "UPDATE disposals SET status = 'done', done_at = ?2"
                      " WHERE id = CAST(?1 AS INTEGER) AND status = 'approved' AND NOT EXISTS"
                      " (SELECT 1 FROM disposal_items x WHERE x.disposal_id = disposals.id"
                      " AND x.state IN ('pending', 'locked', 'removing'))",
                      args, 2, NULL, what);
}

int
cs_catalog_dispose_skip(cs_catalog_t *cat, int64_t id, const char *sha256, const char *actor,
                        const char *code, const char *why, int64_t now_ms)
{
    const char *what = "cannot record a disposal's skipped item";
    sqlite3_int64 item_id = 0;
    char now[CS_TIME_MAX], state[16];
    int err;
    cs_clock_format_ms(now_ms, now);
    if ((err = cs_cat_begin(cat, what)) != 0)
        return err;
    if ((err = entry_of(cat, id, sha256, &item_id, state, what)) != 0 ||
        strcmp(state, "skipped") == 0 || strcmp(state, "disposed") == 0)
        goto out;
    json_t *d = json_pack("{s:I, s:s, s:s}", "disposal", (json_int_t)id, "reason_code", code,
                          "reason", why);
    if ((err = set_state(cat, id, item_id, "skipped", why, NULL, what)) == 0)
        err = d != NULL ? cs_cat_insert_event(cat, item_id, 0, "dispose.skip", actor, now, d, what)
                        : cs_cat_no_memory(cat, what);
    json_decref(d);
    if (err == 0)
        err = maybe_done(cat, id, now, what);
out:
    return cs_cat_finish(cat, err, what);
}

int
cs_catalog_dispose_locked(cs_catalog_t *cat, int64_t id, const char *sha256,
                          const char *retain_until)
{
    const char *what = "cannot record a disposal's locked item";
    sqlite3_int64 item_id = 0;
    char state[16];
    int err = cs_cat_begin(cat, what);
    if (err != 0)
        return err;
    if ((err = entry_of(cat, id, sha256, &item_id, state, what)) == 0 &&
        (strcmp(state, "pending") == 0 || strcmp(state, "locked") == 0))
        err = set_state(cat, id, item_id, "locked",
                        "the object store's retention (Object Lock) keeps its bytes", retain_until,
                        what);
    return cs_cat_finish(cat, err, what);
}

/* No item that is not disposed of holds the object `<tab>.sha256` (as original or copy). */
#define LIVE(tab)                                                                                  \
    " AND NOT EXISTS (SELECT 1 FROM items k WHERE k.sha256 = " tab ".sha256 AND k.id NOT IN"       \
    " (SELECT item_id FROM item_disposed)) AND NOT EXISTS (SELECT 1 FROM derivatives w"            \
    " WHERE w.sha256 = " tab ".sha256 AND w.item_id NOT IN (SELECT item_id FROM item_disposed))"

/* The tombstone's record of the batch's item, as SQLite builds it. */
static const char tombstone_sql[] =
    "INSERT INTO tombstones (item_id, disposal_id, sha256, size, media_type, record,"
    " disposed_at, ledger_seq)"
    " SELECT i.id, d.id, i.sha256, i.size, i.media_type, json_object("
    "  'sha256', i.sha256, 'size', i.size, 'media_type', i.media_type, 'created_at',"
    "  i.created_at, 'names', json((SELECT json_group_array(json_object('name',"
    "  cs_text(s.original_name), 'source_path', cs_text(s.source_path), 'received_by',"
    "  s.received_by, 'received_at', s.received_at)) FROM item_sources s WHERE s.item_id = i.id)),"
    "  'cases', json((SELECT json_group_array(json_object('case', c.number, 'party', p.name,"
    "  'linked_at', l.linked_at)) FROM links l JOIN cases c ON c.id = l.case_id LEFT JOIN"
    "  parties p ON p.id = l.party_id WHERE l.item_id = i.id AND l.superseded_at IS NULL)),"
    "  'class', x.class, 'keep_until', x.keep_until, 'reason_code', x.reason_code, 'reason',"
    "  x.reason, 'disposal', d.id, 'proposed_by', (SELECT name FROM users WHERE"
    "  id = d.proposed_by), 'proposed_at', d.proposed_at, 'approved_by', (SELECT name FROM"
    "  users WHERE id = d.approved_by), 'approved_at', d.approved_at, 'disposed_at', ?3,"
    "  'objects', json((SELECT json_group_array(json_object('profile', v.profile, 'sha256',"
    "  v.sha256, 'size', v.size)) FROM derivatives v WHERE v.item_id = i.id"
    "  AND v.sha256 IS NOT NULL))), ?3, ?4"
    " FROM disposal_items x JOIN items i ON i.id = x.item_id JOIN disposals d ON"
    " d.id = x.disposal_id WHERE x.disposal_id = ?1 AND x.item_id = ?2";

/* The tombstone row, the item disposed of, its copies superseded, its objects out of the
 * scrub: every row but the event. */
static int
tombstone_rows(cs_catalog_t *cat, int64_t id, sqlite3_int64 item_id, const char *now, int64_t seq,
               const char *what)
{
    sqlite3_stmt *st = NULL;
    char item[24];
    int err = cs_cat_prepare(cat, tombstone_sql, &st, what);
    if (err != 0)
        return err;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, item_id);
    sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, seq);
    err = cs_cat_step_done(cat, st, what);
    cs_cat_finalize(cat, st);
    id_text(item_id, item);
    const char *args[] = {item, now};
    if (err == 0)
        err = cs_cat_run(cat,
                         "INSERT INTO item_disposed (item_id, tombstone_id)"
                         " VALUES (CAST(?1 AS INTEGER), last_insert_rowid())",
                         args, 1, NULL, what);
    if (err == 0)
        err = cs_cat_run(cat,
                         "UPDATE derivatives SET superseded_at = ?2"
                         " WHERE item_id = CAST(?1 AS INTEGER) AND superseded_at IS NULL",
                         args, 2, NULL, what);
    if (err == 0)
        err =
            cs_cat_run(cat, "DELETE FROM fixity WHERE item_id = CAST(?1 AS INTEGER)" LIVE("fixity"),
                       args, 1, NULL, what);
    /* What another item holds stays in the scrub, as that item's. */
    if (err == 0)
        err = cs_cat_run(
            cat,
            "UPDATE fixity SET (item_id, profile) = (SELECT h.id, h.profile FROM (SELECT k.id,"
            " NULL AS profile, 0 AS o FROM items k WHERE k.sha256 = fixity.sha256 AND k.id NOT IN"
            " (SELECT item_id FROM item_disposed) UNION ALL SELECT w.item_id, w.profile, 1 FROM"
            " derivatives w WHERE w.sha256 = fixity.sha256 AND w.item_id NOT IN (SELECT item_id"
            " FROM item_disposed)) h ORDER BY h.o LIMIT 1) WHERE item_id = CAST(?1 AS INTEGER)",
            args, 1, NULL, what);
    return err;
}

int
cs_catalog_dispose_tombstone(cs_catalog_t *cat, int64_t id, const char *sha256, const char *actor,
                             int64_t now_ms, int64_t *seq)
{
    const char *what = "cannot write a disposed item's tombstone";
    sqlite3_int64 item_id = 0;
    char now[CS_TIME_MAX], state[16], idtext[24];
    int err;
    *seq = -1;
    cs_clock_format_ms(now_ms, now);
    id_text(id, idtext);
    if ((err = cs_cat_begin(cat, what)) != 0)
        return err;
    if ((err = entry_of(cat, id, sha256, &item_id, state, what)) != 0)
        goto out;
    if (strcmp(state, "removing") == 0 || strcmp(state, "disposed") == 0) {
        err = cs_cat_int64(cat,
                           "SELECT ledger_seq FROM tombstones WHERE disposal_id ="
                           " CAST(?1 AS INTEGER) AND sha256 = ?2",
                           idtext, -1, seq, what);
        goto out;
    }
    if (strcmp(state, "skipped") == 0) {
        cs_diag_set("item %s of disposal batch %lld was skipped: it is kept", sha256,
                    (long long)id);
        err = CS_EINVAL;
        goto out;
    }
    json_t *d = json_pack("{s:I}", "disposal", (json_int_t)id);
    err = d != NULL ? cs_cat_insert_event(cat, item_id, 0, "disposed", actor, now, d, what)
                    : cs_cat_no_memory(cat, what);
    json_decref(d);
    if (err == 0)
        err = cs_cat_int64(cat, "SELECT max(seq) FROM ledger", NULL, -1, seq, what);
    if (err == 0)
        err = tombstone_rows(cat, id, item_id, now, *seq, what);
    if (err == 0)
        err = set_state(cat, id, item_id, "removing", NULL, NULL, what);
out:
    return cs_cat_finish(cat, err, what);
}

int
cs_catalog_dispose_objects(cs_catalog_t *cat, const char *sha256, json_t **out)
{
    const char *args[] = {sha256};
    json_t *rows = NULL;
    int err = cs_cat_select_json(
        cat,
        "SELECT json_object('sha256', o.sha256) FROM (SELECT i.sha256 FROM items i"
        "  WHERE i.sha256 = ?1 UNION SELECT v.sha256 FROM derivatives v JOIN items i ON"
        "  i.id = v.item_id WHERE i.sha256 = ?1 AND v.sha256 IS NOT NULL) o"
        /* Held by another item not disposed of: kept (the item itself, before its tombstone,
         * is not another). */
        " WHERE NOT EXISTS (SELECT 1 FROM items k WHERE k.sha256 = o.sha256 AND k.sha256 <> ?1"
        "  AND k.id NOT IN (SELECT item_id FROM item_disposed))"
        " AND NOT EXISTS (SELECT 1 FROM derivatives w JOIN items k ON k.id = w.item_id"
        "  WHERE w.sha256 = o.sha256 AND k.sha256 <> ?1"
        "  AND w.item_id NOT IN (SELECT item_id FROM item_disposed))"
        " ORDER BY o.sha256",
        args, 1, &rows, "cannot list a disposed item's objects");
    *out = NULL;
    if (err != 0)
        return err;
    *out = json_array();
    for (size_t i = 0; *out != NULL && i < json_array_size(rows); i++)
        json_array_append(*out, json_object_get(json_array_get(rows, i), "sha256"));
    json_decref(rows);
    return *out != NULL ? 0 : cs_cat_no_memory(cat, "cannot list a disposed item's objects");
}

int
cs_catalog_dispose_removed(cs_catalog_t *cat, int64_t id, const char *sha256, int64_t now_ms)
{
    const char *what = "cannot record a disposed item's removal";
    sqlite3_int64 item_id = 0;
    char now[CS_TIME_MAX], state[16];
    int err;
    cs_clock_format_ms(now_ms, now);
    if ((err = cs_cat_begin(cat, what)) != 0)
        return err;
    if ((err = entry_of(cat, id, sha256, &item_id, state, what)) == 0 &&
        strcmp(state, "removing") == 0)
        err = set_state(cat, id, item_id, "disposed", NULL, NULL, what);
    if (err == 0)
        err = maybe_done(cat, id, now, what);
    return cs_cat_finish(cat, err, what);
}

int
cs_catalog_item_disposed(cs_catalog_t *cat, const char *sha256, int *disposed, int64_t *seq)
{
    int64_t s = -1;
    int err = cs_cat_int64(cat,
                           "SELECT t.ledger_seq FROM items i JOIN item_disposed x ON x.item_id ="
                           " i.id JOIN tombstones t ON t.id = x.tombstone_id WHERE i.sha256 = ?1",
                           sha256, -1, &s, "cannot read whether an item was disposed of");
    *disposed = err == 0 && s >= 0;
    *seq = s;
    return err;
}

int
cs_catalog_disposed_count(cs_catalog_t *cat, int64_t *n)
{
    return cs_cat_int64(cat, "SELECT count(*) FROM item_disposed", NULL, 0, n,
                        "cannot count the disposed items");
}
