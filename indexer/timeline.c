/* indexer/timeline.c: a case's items for a timeline (timeline.h): one statement over links,
 * the metadata record, the `received` event and the current derivatives, rows built as JSON
 * by SQLite, in one read snapshot with the case's existence. */
#include "indexer/timeline.h"

#include "core/error.h"
#include "indexer/catalog_int.h"

#include <stdio.h>

/* A row: the JSON object of an item of the case (l, c, i and the joins of FROM_SQL). */
#define ROW_SQL                                                                                    \
    "json_object('sha256', i.sha256, 'size', i.size, 'media_type', i.media_type,"                  \
    " 'party', p.name, 'linked_at', l.linked_at,"                                                  \
    " 'original_name', cs_text(" CS_CAT_LINK_NAME_SQL(                                             \
        "l") "),"                                                                                  \
             " 'received_at', i.created_at,"                                                       \
             " 'captured_at', m.record ->> '$.captured_at',"                                       \
             " 'captured_at_source', m.record ->> '$.captured_at_source',"                         \
             " 'captured_at_utc', m.record ->> '$.captured_at_utc',"                               \
             " 'captured_at_estimate', m.record ->> '$.captured_at_estimate',"                     \
             " 'file_time', m.record ->> '$.file_time',"                                           \
             " 'offset', CASE WHEN m.record ->> '$.offset_known' THEN"                             \
             "  CASE WHEN m.record ->> '$.captured_at' LIKE '%Z' THEN '+00:00'"                    \
             "  ELSE substr(m.record ->> '$.captured_at', -6) END END,"                            \
             " 'offset_known', json(CASE WHEN m.record ->> '$.offset_known' THEN 'true' ELSE "     \
             "'false' END),"                                                                       \
             " 'stage', r.detail ->> '$.stage', 'officer', r.detail ->> '$.officer',"              \
             " 'note', r.detail ->> '$.note', 'place', r.detail ->> '$.place',"                    \
             " 'device', m.record -> '$.device', 'gps', m.record -> '$.gps',"                      \
             " 'classification', (SELECT k.level FROM classifications k WHERE k.item_id = i.id "   \
             "AND"                                                                                 \
             "  k.superseded_at IS NULL),"                                                         \
             " 'derivatives', json(coalesce((SELECT json_group_object(d.profile, CASE d.status "   \
             "WHEN"                                                                                \
             "  'verified' THEN 'ok' ELSE d.status END) FROM derivatives d WHERE d.item_id = "     \
             "i.id AND"                                                                            \
             "  d.superseded_at IS NULL), '{}')))"

#define FROM_SQL                                                                                   \
    " FROM links l JOIN cases c ON c.id = l.case_id JOIN items i ON i.id = l.item_id"              \
    " LEFT JOIN parties p ON p.id = l.party_id"                                                    \
    " LEFT JOIN metadata m ON m.item_id = i.id"                                                    \
    " LEFT JOIN item_index x ON x.item_id = i.id"                                                  \
    " LEFT JOIN events r ON r.id = (SELECT e.id FROM events e WHERE e.item_id = i.id AND"          \
    "  e.kind = 'received' ORDER BY (e.detail ->> '$.case' IS ?1) DESC, e.id DESC LIMIT 1)"

static const char timeline_sql[] =
    "SELECT " ROW_SQL FROM_SQL " WHERE c.number = ?1 AND l.superseded_at IS NULL"
    /* Dated items first, by time; then those whose time is unknown (a file time at most,
     * which is no capture time), by that file time, then by arrival. */
    " ORDER BY x.sort_time IS NULL, x.sort_time, m.record ->> '$.file_time' IS NULL,"
    " m.record ->> '$.file_time', l.linked_at, l.id";

/* A page: the rows after the link ?2 in the order links were made, which the index
 * links_case_order(case_id, id) reads as a range; each row carries its key in "_link". */
static const char page_sql[] = "SELECT json_set(" ROW_SQL ", '$._link', l.id)" FROM_SQL
                               " WHERE c.number = ?1 AND l.superseded_at IS NULL"
                               " AND l.id > CAST(?2 AS INTEGER)"
                               " ORDER BY l.id LIMIT CAST(?3 AS INTEGER)";

int
cs_catalog_case_timeline(cs_catalog_t *cat, const char *case_number, json_t **out)
{
    const char *what = "cannot list the items of a case";
    const char *args[] = {case_number};
    json_t *found = NULL;
    int err;
    *out = NULL;
    if (case_number == NULL || *case_number == '\0') {
        cs_diag_set("catalog: no case number given");
        return CS_EINVAL;
    }
    if ((err = cs_cat_begin_read(cat, what)) != 0)
        return err;
    if ((err = cs_cat_select_json(cat, "SELECT json_object('id', id) FROM cases WHERE number = ?1",
                                  args, 1, &found, what)) != 0)
        goto out;
    if (json_array_size(found) == 0) {
        cs_diag_set("case %.200s: not found", case_number);
        err = CS_ENOTFOUND;
        goto out;
    }
    err = cs_cat_select_json(cat, timeline_sql, args, 1, out, what);
out:
    cs_cat_rollback(cat);
    json_decref(found);
    return err;
}

/* Rows read per query while filtering with q->keep. */
#define SCAN_CHUNK 128

/* Reads up to `want` rows after *from into *chunk (each with its "_link"). */
static int
read_chunk(cs_catalog_t *cat, const char *number, const cs_search_key_t *from, int want,
           json_t **chunk, const char *what)
{
    char id[24], n[16];
    snprintf(id, sizeof id, "%lld", (long long)from->id); /* fits: an int64 */
    snprintf(n, sizeof n, "%d", want);                    /* fits: an int */
    const char *args[] = {number, id, n};
    return cs_cat_select_json(cat, page_sql, args, 3, chunk, what);
}

int
cs_catalog_case_timeline_page(cs_catalog_t *cat, const cs_timeline_q_t *q, json_t **out,
                              cs_search_key_t *next, int *more)
{
    const char *what = "cannot list the items of a case";
    const char *args[] = {q->case_number};
    cs_search_key_t from = {.timed = 0, .time = "", .id = 0};
    json_t *found = NULL, *page = NULL, *chunk = NULL, *row;
    int err, want = q->keep ? SCAN_CHUNK : q->limit + 1;
    *out = NULL;
    *more = 0;
    if (q->case_number == NULL || *q->case_number == '\0' || q->limit < 1 ||
        q->limit > CS_TIMELINE_MAX_LIMIT) {
        cs_diag_set("catalog: a case number and a page of 1..%d items", CS_TIMELINE_MAX_LIMIT);
        return CS_EINVAL;
    }
    if (q->after != NULL)
        from = *q->after;
    if ((page = json_array()) == NULL)
        return cs_cat_no_memory(cat, what);
    if ((err = cs_cat_begin_read(cat, what)) != 0)
        goto out;
    if ((err = cs_cat_select_json(cat, "SELECT json_object('id', id) FROM cases WHERE number = ?1",
                                  args, 1, &found, what)) != 0)
        goto out;
    if (json_array_size(found) == 0) {
        cs_diag_set("case %.200s: not found", q->case_number);
        err = CS_ENOTFOUND;
        goto out;
    }
    /* In chunks, each decided row by row, until the page is full and one more row is kept
     * (then more follow) or the case ends; only a page's rows are held at a time. */
    for (;;) {
        size_t i, got;
        if ((err = read_chunk(cat, q->case_number, &from, want, &chunk, what)) != 0)
            goto out;
        got = json_array_size(chunk);
        json_array_foreach(chunk, i, row)
        {
            int ok = 1;
            from.id = (int64_t)json_integer_value(json_object_get(row, "_link"));
            json_object_del(row, "_link");
            if (q->keep != NULL &&
                (err = q->keep(q->keep_arg, json_string_value(json_object_get(row, "sha256")),
                               &ok)) != 0)
                goto out;
            if (!ok)
                continue;
            if (json_array_size(page) == (size_t)q->limit) {
                *more = 1;
                goto out;
            }
            if (json_array_append(page, row) != 0) {
                err = cs_cat_no_memory(cat, what);
                goto out;
            }
            *next = from;
        }
        json_decref(chunk);
        chunk = NULL;
        if (got < (size_t)want)
            break;
    }
out:
    cs_cat_rollback(cat);
    json_decref(found);
    json_decref(chunk);
    if (err != 0)
        json_decref(page);
    else
        *out = page;
    return err;
}
