/* indexer/rows.c: the row-level steps that arrivals, links and events are made of. Each runs
 * inside the caller's transaction and leaves rollback to it. */
#include "indexer/catalog_int.h"

#include "core/error.h"
#include "core/utf8.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int
cs_cat_no_memory(cs_catalog_t *cat, const char *what)
{
    cs_diag_set("catalog %s: %s: out of memory", cat->path, what);
    return CS_ENOMEM;
}

int
cs_cat_sha256_norm(const char *sha256, char out[65])
{
    size_t i;

    for (i = 0; sha256 != NULL && i < 64 && sha256[i] != '\0'; i++) {
        char c = sha256[i];
        if (c >= 'A' && c <= 'F')
            c = (char)(c - 'A' + 'a');
        else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            break;
        out[i] = c;
    }
    if (sha256 == NULL || i != 64 || sha256[64] != '\0') {
        cs_diag_set("item \"%.80s\": not a sha256 (64 hex digits)", sha256 ? sha256 : "(null)");
        return CS_EINVAL;
    }
    out[64] = '\0';
    return 0;
}

int
cs_cat_step_done(cs_catalog_t *cat, sqlite3_stmt *st, const char *what)
{
    int rc = sqlite3_step(st);
    return rc == SQLITE_DONE ? 0 : cs_cat_err(cat, rc, what);
}

/* Row ids start at 1, so 0 stands for SQL NULL. */
void
cs_cat_bind_id(sqlite3_stmt *st, int col, sqlite3_int64 id)
{
    if (id > 0)
        sqlite3_bind_int64(st, col, id);
    else
        sqlite3_bind_null(st, col);
}

int
cs_cat_item_id(cs_catalog_t *cat, const char *sha256, sqlite3_int64 *id, const char *what)
{
    sqlite3_stmt *st = NULL;
    int err, rc;

    err = cs_cat_prepare(cat, "SELECT id FROM items WHERE sha256 = ?1", &st, what);
    if (err != 0)
        return err;
    sqlite3_bind_text(st, 1, sha256, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *id = sqlite3_column_int64(st, 0);
    } else if (rc == SQLITE_DONE) {
        cs_diag_set("item %s: not found in catalog %s", sha256, cat->path);
        err = CS_ENOTFOUND;
    } else {
        err = cs_cat_err(cat, rc, what);
    }
    cs_cat_finalize(cat, st);
    return err;
}

/* Looks a row up with `sel`; if absent inserts it with `ins`. Both take ?1 = key text and,
 * when parent > 0, ?2 = parent id; `ins` takes the time as its last parameter. */
static int
upsert(cs_catalog_t *cat, const char *sel, const char *ins, sqlite3_int64 parent, const char *key,
       const char *now, sqlite3_int64 *id, const char *what)
{
    sqlite3_stmt *st = NULL;
    int err, rc;

    err = cs_cat_prepare(cat, sel, &st, what);
    if (err != 0)
        goto out;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    if (parent > 0)
        sqlite3_bind_int64(st, 2, parent);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *id = sqlite3_column_int64(st, 0);
        goto out;
    }
    if (rc != SQLITE_DONE) {
        err = cs_cat_err(cat, rc, what);
        goto out;
    }
    cs_cat_finalize(cat, st);
    err = cs_cat_prepare(cat, ins, &st, what);
    if (err != 0)
        goto out;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    if (parent > 0)
        sqlite3_bind_int64(st, 2, parent);
    sqlite3_bind_text(st, parent > 0 ? 3 : 2, now, -1, SQLITE_STATIC);
    err = cs_cat_step_done(cat, st, what);
    if (err == 0)
        *id = sqlite3_last_insert_rowid(cat->db);
out:
    cs_cat_finalize(cat, st);
    return err;
}

int
cs_cat_upsert_case(cs_catalog_t *cat, const char *number, const char *now, sqlite3_int64 *id,
                   const char *what)
{
    return upsert(cat, "SELECT id FROM cases WHERE number = ?1",
                  "INSERT INTO cases (number, created_at) VALUES (?1, ?2)", 0, number, now, id,
                  what);
}

int
cs_cat_upsert_party(cs_catalog_t *cat, sqlite3_int64 case_id, const char *name, const char *now,
                    sqlite3_int64 *id, const char *what)
{
    return upsert(cat, "SELECT id FROM parties WHERE name = ?1 AND case_id = ?2",
                  "INSERT INTO parties (name, case_id, created_at) VALUES (?1, ?2, ?3)", case_id,
                  name, now, id, what);
}

/* Appends an event; `detail` (NULL: {}) is borrowed. */
/* The custody event just recorded, as a ledger entry in the same transaction. */
static int
ledger_event(cs_catalog_t *cat, sqlite3_int64 event_id, sqlite3_int64 item_id,
             sqlite3_int64 case_id, const char *kind, const char *actor, const char *at,
             json_t *detail, const char *what)
{
    sqlite3_stmt *st = NULL;
    json_t *e = NULL;
    int err, rc;
    err = cs_cat_prepare(cat,
                         "SELECT (SELECT sha256 FROM items WHERE id = ?1),"
                         " (SELECT number FROM cases WHERE id = ?2)",
                         &st, what);
    if (err != 0)
        return err;
    cs_cat_bind_id(st, 1, item_id);
    cs_cat_bind_id(st, 2, case_id);
    if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
        err = cs_cat_err(cat, rc, what);
        goto out;
    }
    e = json_pack("{s:s, s:s, s:s, s:s, s:I, s:o, s:o, s:o}", "kind", "custody", "action", kind,
                  "actor", actor, "at", at, "event", (json_int_t)event_id, "item",
                  cs_cat_jstr((const char *)sqlite3_column_text(st, 0)), "case",
                  cs_cat_jstr((const char *)sqlite3_column_text(st, 1)), "detail",
                  detail != NULL ? json_incref(detail) : json_object());
    err = e != NULL ? cs_cat_ledger_append(cat, e, NULL, what) : cs_cat_no_memory(cat, what);
out:
    cs_cat_finalize(cat, st);
    json_decref(e);
    return err;
}

int
cs_cat_insert_event(cs_catalog_t *cat, sqlite3_int64 item_id, sqlite3_int64 case_id,
                    const char *kind, const char *actor, const char *at, json_t *detail,
                    const char *what)
{
    sqlite3_stmt *st = NULL;
    char *text = NULL;
    int err;

    text = detail != NULL ? json_dumps(detail, JSON_COMPACT) : strdup("{}");
    if (text == NULL) {
        cs_diag_set("catalog %s: %s: out of memory", cat->path, what);
        return CS_ENOMEM;
    }
    err = cs_cat_prepare(cat,
                         "INSERT INTO events (item_id, case_id, kind, actor, at, detail)"
                         " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                         &st, what);
    if (err != 0)
        goto out;
    cs_cat_bind_id(st, 1, item_id);
    cs_cat_bind_id(st, 2, case_id);
    sqlite3_bind_text(st, 3, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, actor, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, at, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, text, -1, SQLITE_STATIC);
    if ((err = cs_cat_step_done(cat, st, what)) != 0)
        goto out;
    err = ledger_event(cat, sqlite3_last_insert_rowid(cat->db), item_id, case_id, kind, actor, at,
                       detail, what);
out:
    cs_cat_finalize(cat, st);
    free(text);
    return err;
}

/* Sets *found to 1 if the item has an active link to exactly (case, party-or-none). */
int
cs_cat_active_link(cs_catalog_t *cat, sqlite3_int64 item_id, sqlite3_int64 case_id,
                   sqlite3_int64 party_id, int *found, const char *what)
{
    sqlite3_stmt *st = NULL;
    int err, rc;

    err = cs_cat_prepare(cat,
                         "SELECT 1 FROM links WHERE item_id = ?1 AND case_id = ?2"
                         " AND party_id IS ?3 AND superseded_at IS NULL",
                         &st, what);
    if (err != 0)
        return err;
    sqlite3_bind_int64(st, 1, item_id);
    sqlite3_bind_int64(st, 2, case_id);
    cs_cat_bind_id(st, 3, party_id);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW || rc == SQLITE_DONE)
        *found = rc == SQLITE_ROW;
    else
        err = cs_cat_err(cat, rc, what);
    cs_cat_finalize(cat, st);
    return err;
}

int
cs_cat_insert_link(cs_catalog_t *cat, sqlite3_int64 item_id, sqlite3_int64 case_id,
                   sqlite3_int64 party_id, const char *by, const char *at, const char *reason,
                   sqlite3_int64 *id, const char *what)
{
    sqlite3_stmt *st = NULL;
    int err;

    err = cs_cat_prepare(cat,
                         "INSERT INTO links (item_id, case_id, party_id, linked_by, linked_at,"
                         " reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                         &st, what);
    if (err != 0)
        return err;
    sqlite3_bind_int64(st, 1, item_id);
    sqlite3_bind_int64(st, 2, case_id);
    cs_cat_bind_id(st, 3, party_id);
    sqlite3_bind_text(st, 4, by, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, at, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, reason, -1, SQLITE_STATIC);
    err = cs_cat_step_done(cat, st, what);
    if (err == 0 && id != NULL)
        *id = sqlite3_last_insert_rowid(cat->db);
    cs_cat_finalize(cat, st);
    return err;
}

int
cs_cat_int64(cs_catalog_t *cat, const char *sql, const char *arg, int64_t none, int64_t *out,
             const char *what)
{
    sqlite3_stmt *st = NULL;
    int err = cs_cat_prepare(cat, sql, &st, what), rc;
    if (err != 0)
        return err;
    if (arg != NULL)
        sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
    if ((rc = sqlite3_step(st)) == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    else if (rc == SQLITE_DONE)
        *out = none;
    else
        err = cs_cat_err(cat, rc, what);
    cs_cat_finalize(cat, st);
    return err;
}

void
cs_cat_sql_text(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    const char *text;
    size_t len;
    char *esc;
    (void)argc;
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL)
        return; /* NULL stays NULL */
    text = (const char *)sqlite3_value_text(argv[0]);
    if (text == NULL ||
        (esc = cs_utf8_escape(text, (size_t)sqlite3_value_bytes(argv[0]), &len)) == NULL) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    sqlite3_result_text64(ctx, esc, len, free, SQLITE_UTF8);
}

/* A row SQLite built as JSON, read. A text column that did not go through cs_text() may hold
 * bytes that are not UTF-8, which jansson refuses: those become "\\xhh" inside their string
 * (they can only be inside one), so one odd row never fails a whole list. */
static json_t *
load_row(const char *text)
{
    static const char hex[] = "0123456789abcdef";
    json_t *row = json_loads(text, 0, NULL);
    size_t n, o = 0;
    char *fixed;
    if (row != NULL || text == NULL)
        return row;
    n = strlen(text);
    if (n > (SIZE_MAX - 1) / 5 || (fixed = malloc(n * 5 + 1)) == NULL)
        return NULL;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t adv = cs_utf8_next((const unsigned char *)text + i, n - i, &cp, NULL);
        if (adv == 0) {
            unsigned char b = (unsigned char)text[i++];
            memcpy(fixed + o, "\\\\x", 3);
            fixed[o + 3] = hex[b >> 4];
            fixed[o + 4] = hex[b & 0xF];
            o += 5;
        } else {
            memcpy(fixed + o, text + i, adv);
            o += adv;
            i += adv;
        }
    }
    row = json_loadb(fixed, o, 0, NULL);
    free(fixed);
    return row;
}

/* Runs a SELECT whose first column is a JSON object built by SQLite; *out = the array. */
int
cs_cat_select_json(cs_catalog_t *cat, const char *sql, const char *const *args, int nargs,
                   json_t **out, const char *what)
{
    sqlite3_stmt *st = NULL;
    json_t *arr = json_array();
    int err = arr ? cs_cat_prepare(cat, sql, &st, what) : cs_cat_no_memory(cat, what), rc;
    *out = NULL;
    if (err != 0)
        goto out;
    for (int i = 0; i < nargs; i++)
        if (args[i] != NULL)
            sqlite3_bind_text(st, i + 1, args[i], -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *o = load_row((const char *)sqlite3_column_text(st, 0));
        if (o == NULL || json_array_append_new(arr, o) != 0) {
            err = cs_cat_no_memory(cat, what);
            goto out;
        }
    }
    if (rc != SQLITE_DONE) {
        err = cs_cat_err(cat, rc, what);
        goto out;
    }
    *out = arr;
    arr = NULL;
out:
    cs_cat_finalize(cat, st);
    json_decref(arr);
    return err;
}

int
cs_cat_count_and_recent(cs_catalog_t *cat, const char *count_sql, const char *recent_sql, int limit,
                        json_t **out, const char *what)
{
    json_t *count = NULL, *recent = NULL;
    char lim[16];
    int err;
    *out = NULL;
    snprintf(lim, sizeof lim, "%d", limit); /* fits: an int in 16 */
    const char *args[] = {lim};
    if ((err = cs_cat_select_json(cat, count_sql, NULL, 0, &count, what)) != 0 ||
        (err = cs_cat_select_json(cat, recent_sql, args, 1, &recent, what)) != 0)
        goto out;
    *out = json_incref(json_array_get(count, 0));
    if (*out == NULL || json_object_set(*out, "recent", recent) != 0) {
        json_decref(*out);
        *out = NULL;
        err = cs_cat_no_memory(cat, what);
    }
out:
    json_decref(count);
    json_decref(recent);
    return err;
}

int
cs_cat_run(cs_catalog_t *cat, const char *sql, const char *const *args, int nargs, int *changes,
           const char *what)
{
    sqlite3_stmt *st = NULL;
    int err = cs_cat_prepare(cat, sql, &st, what);
    if (err != 0)
        return err;
    for (int i = 0; i < nargs; i++)
        if (args[i] != NULL)
            sqlite3_bind_text(st, i + 1, args[i], -1, SQLITE_STATIC);
    err = cs_cat_step_done(cat, st, what);
    if (err == 0 && changes != NULL)
        *changes = sqlite3_changes(cat->db);
    cs_cat_finalize(cat, st);
    return err;
}

int
cs_cat_no_case(const char *case_number, const char *party)
{
    if (party != NULL)
        cs_diag_set("no case %s with a party %s (custody cases)", case_number, party);
    else
        cs_diag_set("no case %s (custody cases)", case_number);
    return CS_ENOTFOUND;
}

int
cs_cat_ledger_custody(cs_catalog_t *cat, const char *action, const char *by, json_t *fields,
                      const char *what)
{
    int err;
    if (fields == NULL)
        return cs_cat_no_memory(cat, what);
    json_object_set_new(fields, "kind", json_string("custody"));
    json_object_set_new(fields, "action", json_string(action));
    json_object_set_new(fields, "actor", json_string(by));
    err = cs_cat_ledger_append(cat, fields, NULL, what);
    json_decref(fields);
    return err;
}

int
cs_cat_finish(cs_catalog_t *cat, int err, const char *what)
{
    if (err != 0) {
        cs_cat_rollback(cat);
        return err;
    }
    return cs_cat_commit(cat, what);
}
