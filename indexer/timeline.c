/* indexer/timeline.c: a case's items for a timeline (timeline.h): one statement over links,
 * the metadata record, the `received` event and the current derivatives, rows built as JSON
 * by SQLite, in one read snapshot with the case's existence. */
#include "indexer/timeline.h"

#include "core/error.h"
#include "indexer/catalog_int.h"

static const char timeline_sql[] =
    "SELECT json_object('sha256', i.sha256, 'size', i.size, 'media_type', i.media_type,"
    " 'party', p.name, 'linked_at', l.linked_at,"
    " 'original_name', cs_text(" CS_CAT_LINK_NAME_SQL(
        "l") "),"
             " 'received_at', i.created_at,"
             " 'captured_at', m.record ->> '$.captured_at',"
             " 'captured_at_source', m.record ->> '$.captured_at_source',"
             " 'captured_at_utc', m.record ->> '$.captured_at_utc',"
             " 'captured_at_estimate', m.record ->> '$.captured_at_estimate',"
             " 'file_time', m.record ->> '$.file_time',"
             " 'offset', CASE WHEN m.record ->> '$.offset_known' THEN"
             "  CASE WHEN m.record ->> '$.captured_at' LIKE '%Z' THEN '+00:00'"
             "  ELSE substr(m.record ->> '$.captured_at', -6) END END,"
             " 'offset_known', json(CASE WHEN m.record ->> '$.offset_known' THEN 'true' ELSE "
             "'false' END),"
             " 'stage', r.detail ->> '$.stage', 'officer', r.detail ->> '$.officer',"
             " 'note', r.detail ->> '$.note', 'place', r.detail ->> '$.place',"
             " 'device', m.record -> '$.device', 'gps', m.record -> '$.gps',"
             " 'classification', (SELECT k.level FROM classifications k WHERE k.item_id = i.id AND"
             "  k.superseded_at IS NULL),"
             " 'derivatives', json(coalesce((SELECT json_group_object(d.profile, CASE d.status WHEN"
             "  'verified' THEN 'ok' ELSE d.status END) FROM derivatives d WHERE d.item_id = i.id "
             "AND"
             "  d.superseded_at IS NULL), '{}')))"
             " FROM links l JOIN cases c ON c.id = l.case_id JOIN items i ON i.id = l.item_id"
             " LEFT JOIN parties p ON p.id = l.party_id"
             " LEFT JOIN metadata m ON m.item_id = i.id"
             " LEFT JOIN item_index x ON x.item_id = i.id"
             " LEFT JOIN events r ON r.id = (SELECT e.id FROM events e WHERE e.item_id = i.id AND"
             "  e.kind = 'received' ORDER BY (e.detail ->> '$.case' IS ?1) DESC, e.id DESC LIMIT 1)"
             " WHERE c.number = ?1 AND l.superseded_at IS NULL"
             /* Dated items first, by time; then those whose time is unknown (a file time at most,
              * which is no capture time), by that file time, then by arrival. */
             " ORDER BY x.sort_time IS NULL, x.sort_time, m.record ->> '$.file_time' IS NULL,"
             " m.record ->> '$.file_time', l.linked_at, l.id";

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
