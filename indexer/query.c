/* indexer/query.c: what reads the catalog: one item's record, the cases, a case's items, every
 * item, and resolving a sha256 prefix. A read of several statements runs in one read
 * transaction, so it sees one snapshot. */
#include "indexer/catalog_int.h"
#include "indexer/registry.h"

#include "core/buf.h"
#include "core/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EACH_BATCH 256

/* One column as JSON, by its type letter: s text (or null), t text from outside (a name, a
 * path: always escaped, cs_cat_jname), i integer, b boolean, j JSON text (an event's detail;
 * {} if absent or unreadable). */
static json_t *
column_json(sqlite3_stmt *st, int col, char type)
{
    const char *text = (const char *)sqlite3_column_text(st, col);
    json_t *v;

    switch (type) {
    case 'i':
        return json_integer(sqlite3_column_int64(st, col));
    case 'b':
        return json_boolean(sqlite3_column_int(st, col) != 0);
    case 't':
        return cs_cat_jname(text);
    case 'j':
        v = text != NULL ? json_loads(text, JSON_REJECT_DUPLICATES, NULL) : NULL;
        return v != NULL ? v : json_object();
    default:
        return cs_cat_jstr(text);
    }
}

/* Runs `sql` with ?1 bound to `key` (text) or else to `id` (if > 0), and appends one object
 * per row to `arr`, keyed by the column names, typed by `types` (see column_json). */
static int
query_rows(cs_catalog_t *cat, const char *sql, const char *types, const char *key, sqlite3_int64 id,
           json_t *arr, const char *what)
{
    sqlite3_stmt *st = NULL;
    json_t *row = NULL;
    int err, rc;

    err = cs_cat_prepare(cat, sql, &st, what);
    if (err != 0)
        return err;
    if (key != NULL)
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    else if (id > 0)
        sqlite3_bind_int64(st, 1, id);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if ((row = json_object()) == NULL) {
            err = cs_cat_no_memory(cat, what);
            goto out;
        }
        for (int c = 0; types[c] != '\0'; c++) {
            if (json_object_set_new(row, sqlite3_column_name(st, c),
                                    column_json(st, c, types[c])) != 0) {
                err = cs_cat_no_memory(cat, what);
                goto out;
            }
        }
        if (json_array_append_new(arr, row) != 0) {
            row = NULL;
            err = cs_cat_no_memory(cat, what);
            goto out;
        }
        row = NULL;
    }
    if (rc != SQLITE_DONE)
        err = cs_cat_err(cat, rc, what);
out:
    json_decref(row);
    cs_cat_finalize(cat, st);
    return err;
}

/* Adds array `key` to `obj`, filled by query_rows; with `flat`, each row's one value instead
 * of the row object. */
static int
add_rows(cs_catalog_t *cat, json_t *obj, const char *key, const char *sql, const char *types,
         sqlite3_int64 id, int flat, const char *what)
{
    json_t *arr = json_array(), *row;
    size_t i;
    int err;

    if (arr == NULL || json_object_set_new(obj, key, arr) != 0)
        return cs_cat_no_memory(cat, what);
    err = query_rows(cat, sql, types, NULL, id, arr, what);
    if (err != 0 || !flat)
        return err;
    json_array_foreach(arr, i, row)
    {
        json_array_set(arr, i, json_object_iter_value(json_object_iter(row)));
    }
    return 0;
}

int
cs_catalog_item(cs_catalog_t *cat, const char *sha256, json_t **out)
{
    sqlite3_int64 item_id = 0;
    json_t *rows = NULL, *item = NULL;
    char sha[65], what[128];
    int err;

    *out = NULL;
    err = cs_cat_sha256_norm(sha256, sha);
    if (err != 0)
        return err;
    /* what only begins a message: cut there when too long */
    cs_snprintf_cut(what, sizeof what, "cannot read item %s", sha);
    if ((rows = json_array()) == NULL)
        return cs_cat_no_memory(cat, what);
    err = cs_cat_begin_read(cat, what);
    if (err != 0)
        goto out;
    err = cs_cat_item_id(cat, sha, &item_id, what);
    if (err == 0)
        err =
            query_rows(cat, "SELECT sha256, size, media_type, created_at FROM items WHERE id = ?1",
                       "siss", NULL, item_id, rows, what);
    if (err != 0)
        goto out;
    /* Found by id a statement ago in the same snapshot: absent only in a damaged file. */
    item = json_incref(json_array_get(rows, 0));
    if (item == NULL) {
        err = cs_cat_err(cat, SQLITE_CORRUPT, what);
        goto out;
    }
    err = add_rows(cat, item, "cases",
                   "SELECT c.number AS \"case\" FROM links l JOIN cases c ON c.id = l.case_id"
                   " WHERE l.item_id = ?1 AND l.superseded_at IS NULL"
                   " GROUP BY c.id ORDER BY min(l.id)",
                   "s", item_id, 1, what);
    if (err == 0)
        err = add_rows(cat, item, "sources",
                       "SELECT s.original_name, s.source_path, s.received_by, s.received_at,"
                       " s.source_mtime, s.recorded_at, c.number AS \"case\""
                       " FROM item_sources s LEFT JOIN cases c ON c.id = s.case_id"
                       " WHERE s.item_id = ?1 ORDER BY s.id",
                       "ttsssss", item_id, 0, what);
    if (err == 0)
        err =
            add_rows(cat, item, "links",
                     "SELECT c.number AS \"case\", p.name AS party, l.linked_by, l.linked_at,"
                     " l.reason, l.superseded_at IS NULL AS active, l.superseded_at,"
                     " " CS_CAT_LINK_NAME_SQL("l") " AS original_name"
                                                   " FROM links l JOIN cases c ON c.id = l.case_id"
                                                   " LEFT JOIN parties p ON p.id = l.party_id"
                                                   " WHERE l.item_id = ?1 ORDER BY l.id",
                     "sssssbst", item_id, 0, what);
    if (err == 0)
        err = add_rows(cat, item, "events",
                       "SELECT kind, actor, at, detail FROM events WHERE item_id = ?1 ORDER BY id",
                       "sssj", item_id, 0, what);
    if (err == 0)
        err = cs_cat_registry_item(cat, item_id, item, what);
out:
    cs_cat_rollback(cat); /* ends the read transaction; nothing was written */
    json_decref(rows);
    if (err != 0) {
        json_decref(item);
        return err;
    }
    *out = item;
    return 0;
}

/* Fills each case's "parties" with its party names, by its hidden "id", which it removes. */
static int
add_parties(cs_catalog_t *cat, json_t *cases, const char *what)
{
    sqlite3_stmt *st = NULL;
    json_t *c, *names;
    size_t i;
    int err, rc = SQLITE_DONE;

    err =
        cs_cat_prepare(cat, "SELECT name FROM parties WHERE case_id = ?1 ORDER BY name", &st, what);
    if (err != 0)
        return err;
    json_array_foreach(cases, i, c)
    {
        if ((names = json_array()) == NULL || json_object_set_new(c, "parties", names) != 0) {
            err = cs_cat_no_memory(cat, what);
            break;
        }
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, json_integer_value(json_object_get(c, "id")));
        json_object_del(c, "id");
        while ((rc = sqlite3_step(st)) == SQLITE_ROW)
            json_array_append_new(names, cs_cat_jstr((const char *)sqlite3_column_text(st, 0)));
        if (rc != SQLITE_DONE) {
            err = cs_cat_err(cat, rc, what);
            break;
        }
    }
    cs_cat_finalize(cat, st);
    return err;
}

int
cs_catalog_cases(cs_catalog_t *cat, json_t **out)
{
    const char *what = "cannot list the cases";
    json_t *cases = NULL;
    int err;

    *out = NULL;
    if ((cases = json_array()) == NULL)
        return cs_cat_no_memory(cat, what);
    err = cs_cat_begin_read(cat, what);
    if (err == 0)
        err = query_rows(cat,
                         "SELECT c.id, c.number AS \"case\", c.created_at,"
                         " (SELECT count(DISTINCT l.item_id) FROM links l"
                         "  WHERE l.case_id = c.id AND l.superseded_at IS NULL) AS items,"
                         " (SELECT a.reference FROM case_archives a WHERE a.case_id = c.id)"
                         " AS reference" /* 档号, once archived (indexer/archive.h) */
                         " FROM cases c ORDER BY c.number",
                         "issis", NULL, 0, cases, what);
    if (err == 0)
        err = add_parties(cat, cases, what);
    cs_cat_rollback(cat);
    if (err != 0) {
        json_decref(cases);
        return err;
    }
    *out = cases;
    return 0;
}

int
cs_catalog_case_items(cs_catalog_t *cat, const char *case_number, json_t **out)
{
    const char *what = "cannot list the items of a case";
    json_t *found = NULL, *items = NULL;
    int err;

    *out = NULL;
    if (case_number == NULL || *case_number == '\0') {
        cs_diag_set("catalog %s: no case number given", cat->path);
        return CS_EINVAL;
    }
    if ((found = json_array()) == NULL || (items = json_array()) == NULL) {
        err = cs_cat_no_memory(cat, what);
        goto out;
    }
    err = cs_cat_begin_read(cat, what);
    if (err == 0)
        err = query_rows(cat, "SELECT id FROM cases WHERE number = ?1", "i", case_number, 0, found,
                         what);
    if (err != 0)
        goto out;
    if (json_array_size(found) == 0) {
        cs_diag_set("case %.200s: not found in catalog %s", case_number, cat->path);
        err = CS_ENOTFOUND;
        goto out;
    }
    err =
        query_rows(cat,
                   "SELECT i.sha256, i.size, i.media_type, p.name AS party, l.linked_at,"
                   " " CS_CAT_LINK_NAME_SQL("l") " AS original_name"
                                                 " FROM links l JOIN cases c ON c.id = l.case_id"
                                                 " JOIN items i ON i.id = l.item_id"
                                                 " LEFT JOIN parties p ON p.id = l.party_id"
                                                 " WHERE c.number = ?1 AND l.superseded_at IS NULL"
                                                 " ORDER BY l.linked_at, l.id",
                   "sissst", case_number, 0, items, what);
out:
    cs_cat_rollback(cat);
    json_decref(found);
    if (err != 0) {
        json_decref(items);
        return err;
    }
    *out = items;
    return 0;
}

typedef struct each_row {
    char sha256[65];
    uint64_t size;
} each_row_t;

/* In batches, each read in its own short snapshot: a long walk (a fixity scrub hashing every
 * object) never pins the write-ahead log, and fn may itself use the catalog. */
int
cs_catalog_each_item(cs_catalog_t *cat, int (*fn)(const char *sha256, uint64_t size, void *arg),
                     void *arg)
{
    const char *what = "cannot list the items";
    sqlite3_stmt *st = NULL;
    each_row_t *rows = NULL;
    char last[65] = "";
    int err, rc = SQLITE_DONE, n;

    rows = calloc(EACH_BATCH, sizeof *rows);
    if (rows == NULL)
        return cs_cat_no_memory(cat, what);
    err = cs_cat_prepare(cat,
                         "SELECT sha256, size FROM items WHERE sha256 > ?1 AND id NOT IN"
                         " (SELECT item_id FROM item_disposed) ORDER BY sha256 LIMIT ?2",
                         &st, what);
    if (err != 0)
        goto out;
    do {
        sqlite3_reset(st);
        sqlite3_bind_text(st, 1, last, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(st, 2, EACH_BATCH);
        for (n = 0; n < EACH_BATCH && (rc = sqlite3_step(st)) == SQLITE_ROW; n++) {
            if ((err = cs_cat_column_copy(st, 0, rows[n].sha256, sizeof rows[n].sha256,
                                          "object hash")) != 0)
                goto out;
            rows[n].size = (uint64_t)sqlite3_column_int64(st, 1);
        }
        if (n < EACH_BATCH && rc != SQLITE_DONE) {
            err = cs_cat_err(cat, rc, what);
            goto out;
        }
        sqlite3_reset(st); /* ends this batch's snapshot before fn runs */
        for (int i = 0; i < n; i++) {
            if ((err = fn(rows[i].sha256, rows[i].size, arg)) != 0)
                goto out;
        }
        if (n > 0)
            memcpy(last, rows[n - 1].sha256, sizeof last);
    } while (n == EACH_BATCH);
out:
    cs_cat_finalize(cat, st);
    free(rows);
    return err;
}

int
cs_catalog_resolve(cs_catalog_t *cat, const char *prefix, char sha256[65])
{
    sqlite3_stmt *st = NULL;
    char lo[65], hi[66];
    size_t n = 0;
    int err, rc;

    while (prefix != NULL && n < 65 && prefix[n] != '\0') {
        char c = prefix[n];
        if (c >= 'A' && c <= 'F')
            c = (char)(c - 'A' + 'a');
        else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            break;
        lo[n++] = c;
    }
    if (prefix == NULL || n < 8 || n > 64 || prefix[n] != '\0') {
        cs_diag_set("item \"%.80s\": give the full sha256 or at least 8 hex digits",
                    prefix != NULL ? prefix : "");
        return CS_EINVAL;
    }
    lo[n] = '\0';
    /* Every hash starting with the prefix sorts in [prefix, prefix "g"): 'g' follows 'f'. */
    memcpy(hi, lo, n);
    hi[n] = 'g';
    hi[n + 1] = '\0';

    err = cs_cat_prepare(cat,
                         "SELECT min(sha256), count(*) FROM items WHERE sha256 >= ?1"
                         " AND sha256 < ?2",
                         &st, "cannot resolve an item");
    if (err != 0)
        return err;
    sqlite3_bind_text(st, 1, lo, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, hi, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        err = cs_cat_err(cat, rc, "cannot resolve an item");
        goto out;
    }
    sqlite3_int64 count = sqlite3_column_int64(st, 1);
    if (count == 0) {
        cs_diag_set("item \"%s\": not found in catalog %s", lo, cat->path);
        err = CS_ENOTFOUND;
    } else if (count > 1) {
        cs_diag_set("item \"%s\": %lld items start with it; give more digits", lo,
                    (long long)count);
        err = CS_EAMBIGUOUS;
    } else if (sqlite3_column_bytes(st, 0) == 64) {
        memcpy(sha256, sqlite3_column_text(st, 0), 65);
    } else {
        err = cs_cat_err(cat, SQLITE_CORRUPT, "cannot resolve an item");
    }
out:
    cs_cat_finalize(cat, st);
    return err;
}
