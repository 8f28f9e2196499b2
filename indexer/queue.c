/* indexer/queue.c: the clerk's view of the ingest (queue.h). Each list is one statement whose
 * rows SQLite builds as JSON (cs_cat_select_json), in one read snapshot; names and paths go
 * through cs_text(), so one that is not UTF-8 shows escaped instead of failing the list. */
#include "indexer/queue.h"

#include "core/error.h"
#include "indexer/catalog_int.h"

#include <stdio.h>

static const char jobs_sql[] =
    "SELECT json_object('id', id, 'root', cs_text(root), 'path', cs_text(rel_path), 'case', route "
    "->> '$.case',"
    " 'officer', route ->> '$.officer', 'state', state, 'reason', reason, 'reason_code',"
    " reason_code, 'reason_params', json(reason_params), 'problem', route ->> '$.problem',"
    " 'problem_code', route ->> '$.problem_code', 'problem_params', json(route -> "
    "'$.problem_params'),"
    " 'failures', failures, 'size', size, 'sha256', sha256, 'created_at',"
    " created_at, 'updated_at', updated_at, 'done_at', done_at, 'damaged', (SELECT m.record ->"
    " '$.damaged' FROM items i JOIN metadata m ON m.item_id = i.id WHERE i.sha256 = jobs.sha256))"
    " FROM jobs ORDER BY id DESC LIMIT CAST(?1 AS INTEGER)";

static const char rejected_sql[] =
    "SELECT json_object('job', id, 'root', cs_text(root), 'path', cs_text(rel_path), 'case', route "
    "->> '$.case',"
    " 'reason', reason, 'reason_code', reason_code, 'reason_params', json(reason_params),"
    " 'at', coalesce(done_at, updated_at))"
    " FROM jobs WHERE state = 'rejected' ORDER BY id DESC LIMIT CAST(?1 AS INTEGER)";

/* Items are never deleted and copies only superseded: every flag stays until made good (a
 * copy made again, a relink does not clear a route's word: it is history). */
static const char flagged_sql[] =
    "SELECT json_object('kind', kind, 'sha256', sha256, 'job', job, 'path', cs_text(path), "
    "'profile',"
    " profile, 'code', code, 'reason', reason, 'reason_code', coalesce(reason_code, code),"
    " 'reason_params', json(reason_params), 'whole', whole, 'at', at) FROM ("
    " SELECT 'derivative' AS kind, i.sha256, NULL AS job, NULL AS path, d.profile, NULL AS code,"
    "  d.reason, d.reason_code, d.reason_params, NULL AS whole,"
    "  d.made_at AS at FROM derivatives d JOIN items i ON i.id = d.item_id"
    "  WHERE d.status = 'failed' AND d.superseded_at IS NULL"
    " UNION ALL"
    " SELECT 'damaged', i.sha256, NULL, (SELECT original_name FROM item_sources s"
    "  WHERE s.item_id = i.id ORDER BY s.id LIMIT 1), NULL, m.record ->> '$.damaged.code',"
    "  m.record ->> '$.damaged.reason', NULL, NULL, (SELECT e.detail ->> '$.other' FROM events e"
    "  WHERE e.item_id = i.id AND e.kind = 'stalled_copy' ORDER BY e.id DESC LIMIT 1),"
    "  m.extracted_at FROM metadata m"
    "  JOIN items i ON i.id = m.item_id WHERE m.record -> '$.damaged' IS NOT NULL"
    " UNION ALL"
    " SELECT 'unrecognised', i.sha256, NULL, NULL, NULL, NULL, coalesce(m.record ->> '$.errors[0]',"
    "  'the content is not a format Custody recognises; it is stored as it is'),"
    "  'unrecognised', NULL, NULL, i.created_at"
    "  FROM items i LEFT JOIN metadata m ON m.item_id = i.id"
    "  WHERE i.media_type = 'application/octet-stream'"
    " UNION ALL" /* an item's officer, device, certificate or upload delay (registry.h) */
    " SELECT 'registry', i.sha256, NULL, (SELECT original_name FROM item_sources s"
    "  WHERE s.item_id = i.id ORDER BY s.id LIMIT 1), NULL, f.value ->> '$.code',"
    "  f.value ->> '$.code', f.value ->> '$.code', f.value -> '$.params', NULL, r.resolved_at"
    "  FROM item_registry r JOIN items i ON i.id = r.item_id, json_each(r.flags) f"
    " UNION ALL"
    " SELECT CASE WHEN failures > 0 THEN 'step' ELSE 'route' END, sha256, id, rel_path, NULL,"
    "  NULL,"
    "  CASE WHEN failures > 0 THEN reason ELSE route ->> '$.problem' END,"
    "  CASE WHEN failures > 0 THEN reason_code ELSE route ->> '$.problem_code' END,"
    "  CASE WHEN failures > 0 THEN reason_params ELSE route -> '$.problem_params' END,"
    "  NULL, updated_at"
    "  FROM jobs WHERE state <> 'rejected' AND (failures > 0 OR route ->> '$.problem' IS NOT NULL)"
    ") ORDER BY at DESC LIMIT CAST(?1 AS INTEGER)";

int
cs_catalog_queue(cs_catalog_t *cat, int limit, json_t **out)
{
    const char *what = "cannot read the ingest queue";
    json_t *jobs = NULL, *rejected = NULL, *flagged = NULL;
    char lim[16];
    int err;
    *out = NULL;
    snprintf(lim, sizeof lim, "%d", limit); /* fits: an int in 16 */
    const char *args[] = {lim};
    if ((err = cs_cat_begin_read(cat, what)) != 0)
        return err;
    if ((err = cs_cat_select_json(cat, jobs_sql, args, 1, &jobs, what)) != 0 ||
        (err = cs_cat_select_json(cat, rejected_sql, args, 1, &rejected, what)) != 0 ||
        (err = cs_cat_select_json(cat, flagged_sql, args, 1, &flagged, what)) != 0)
        goto out;
    if ((*out = json_pack("{s:O, s:O, s:O}", "jobs", jobs, "rejected", rejected, "flagged",
                          flagged)) == NULL)
        err = cs_cat_no_memory(cat, what);
out:
    cs_cat_rollback(cat);
    json_decref(jobs);
    json_decref(rejected);
    json_decref(flagged);
    return err;
}

int
cs_catalog_unassigned_recent(cs_catalog_t *cat, int limit, json_t **out)
{
    char lim[16];
    snprintf(lim, sizeof lim, "%d", limit); /* fits: an int in 16 */
    const char *args[] = {lim};
    /* The first arrival names it; its `received` event keeps what routing said of it. */
    return cs_cat_select_json(
        cat,
        "SELECT json_object('sha256', i.sha256, 'media_type', i.media_type, 'size', i.size,"
        " 'original_name', cs_text(s.original_name), 'received_at', i.created_at, 'received_by',"
        " s.received_by, 'reason', (SELECT e.detail ->> '$.problem' FROM events e"
        "  WHERE e.item_id = i.id AND e.kind = 'received' ORDER BY e.id LIMIT 1),"
        /* the code of that problem: the event's (v11 on), else its job's route (coded by v11) */
        " 'reason_code', coalesce((SELECT e.detail ->> '$.problem_code' FROM events e"
        "  WHERE e.item_id = i.id AND e.kind = 'received' ORDER BY e.id LIMIT 1),"
        "  (SELECT j.route ->> '$.problem_code' FROM jobs j WHERE j.sha256 = i.sha256"
        "  ORDER BY j.id LIMIT 1)),"
        " 'reason_params', json(coalesce((SELECT e.detail -> '$.problem_params' FROM events e"
        "  WHERE e.item_id = i.id AND e.kind = 'received' ORDER BY e.id LIMIT 1),"
        "  (SELECT j.route -> '$.problem_params' FROM jobs j WHERE j.sha256 = i.sha256"
        "  ORDER BY j.id LIMIT 1))))"
        " FROM items i JOIN item_sources s ON s.id = (SELECT min(id) FROM item_sources"
        "  WHERE item_id = i.id)"
        " WHERE NOT EXISTS (SELECT 1 FROM links l WHERE l.item_id = i.id AND"
        "  l.superseded_at IS NULL)"
        " ORDER BY i.id DESC LIMIT CAST(?1 AS INTEGER)",
        args, 1, out, "cannot list unassigned items");
}
