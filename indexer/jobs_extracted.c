/* indexer/jobs_extracted.c: stored → extracted (jobs.h): the metadata record, its search index
 * and provenance event, and the failure of the step with its reason code. */
#include "indexer/jobs.h"

#include "core/clock.h"
#include "core/error.h"
#include "core/reason.h"
#include "indexer/catalog_int.h"
#include "indexer/registry.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* 1 if `src` is an arrival's claim (its sidecar, file time or body-camera name), not the
 * content's. */
static int
arrival_claim(const char *src)
{
    return strncmp(src, "sidecar", 7) == 0 || strcmp(src, "file:mtime") == 0 ||
           strncmp(src, "name:", 5) == 0;
}

/* 1 if the record's capture time comes from the content, not from an arrival's claim. */
static int
content_dated(json_t *rec)
{
    const char *src = json_string_value(json_object_get(rec, "captured_at_source"));
    return json_is_string(json_object_get(rec, "captured_at")) && src != NULL &&
           !arrival_claim(src);
}

/* The same content arriving again never rewrites the first: the arrival's claims (sidecar,
 * file time) in the record stay those of the first extraction, and so does the capture time,
 * unless only the new one comes from the content itself (a reader that learnt a format).
 * Sets *kept when the earlier capture time was kept. */
static int
keep_first_time(cs_catalog_t *cat, sqlite3_int64 item_id, json_t *rec, int *kept, const char *what)
{
    static const char *const keys[] = {"captured_at",  "captured_at_source",   "captured_at_utc",
                                       "offset_known", "captured_at_estimate", "file_time"};
    sqlite3_stmt *st = NULL;
    json_t *old = NULL, *c, *mine;
    size_t i;
    int err, rc;
    *kept = 0;
    if ((err = cs_cat_prepare(cat, "SELECT record FROM metadata WHERE item_id = ?1", &st, what)))
        return err;
    sqlite3_bind_int64(st, 1, item_id);
    if ((rc = sqlite3_step(st)) == SQLITE_ROW)
        old = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);
    else if (rc != SQLITE_DONE)
        err = cs_cat_err(cat, rc, what);
    cs_cat_finalize(cat, st);
    /* No earlier record, or one whose extraction failed before any time was chosen. */
    if (err != 0 || !json_is_object(old) || json_object_get(old, "captured_at") == NULL)
        goto out;
    /* The record's arrival candidates: the first arrival's, as the first extraction had them. */
    if ((mine = json_array()) == NULL) {
        err = cs_cat_no_memory(cat, what);
        goto out;
    }
    json_array_foreach(json_object_get(rec, "time_candidates"), i, c)
    {
        const char *src = json_string_value(json_object_get(c, "source"));
        if (src == NULL || !arrival_claim(src))
            json_array_append(mine, c);
    }
    json_array_foreach(json_object_get(old, "time_candidates"), i, c)
    {
        const char *src = json_string_value(json_object_get(c, "source"));
        if (src != NULL && arrival_claim(src))
            json_array_append(mine, c);
    }
    if (json_object_get(rec, "time_candidates") != NULL || json_array_size(mine) > 0)
        json_object_set(rec, "time_candidates", mine);
    json_decref(mine);
    if (content_dated(rec) && !content_dated(old))
        goto out;
    for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        if ((c = json_object_get(old, keys[i])) != NULL)
            json_object_set(rec, keys[i], c);
        else
            json_object_del(rec, keys[i]);
    }
    *kept = 1;
out:
    json_decref(old);
    return err;
}

int
cs_jobs_extracted(cs_catalog_t *cat, cs_job_t *job, json_t *record, const cs_reason_t *failure,
                  cs_job_state_t to)
{
    sqlite3_stmt *st = NULL;
    sqlite3_int64 item_id = 0;
    char now[CS_TIME_MAX];
    const char *what = "cannot record extracted metadata";
    json_t *rec = record != NULL ? json_incref(record) : json_object();
    json_t *detail = NULL;
    char *text = NULL;
    int err, kept = 0;

    if (failure != NULL) {
        json_t *errors = json_object_get(rec, "errors");
        if (!json_is_array(errors))
            json_object_set_new(rec, "errors", errors = json_array());
        json_array_append_new(errors, json_string(failure->text));
    }
    cs_clock_now(now);
    /* The record is kept whole either way; if a power cut takes this commit back, the job is
     * stored again and its extraction simply runs again. */
    cs_cat_relaxed(cat, 1);
    if ((err = cs_cat_begin(cat, what)) != 0)
        goto done;
    if ((err = cs_cat_item_id(cat, job->sha256, &item_id, what)) != 0 ||
        (err = keep_first_time(cat, item_id, rec, &kept, what)) != 0)
        goto out;
    if ((text = json_dumps(rec, JSON_COMPACT)) == NULL) {
        err = cs_cat_no_memory(cat, what);
        goto out;
    }
    err = cs_cat_prepare(cat,
                         "INSERT INTO metadata (item_id, record, extracted_at) VALUES (?1, ?2, ?3)"
                         " ON CONFLICT (item_id) DO UPDATE SET record = excluded.record,"
                         " extracted_at = excluded.extracted_at",
                         &st, what);
    if (err != 0)
        goto out;
    sqlite3_bind_int64(st, 1, item_id);
    sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
    if ((err = cs_cat_step_done(cat, st, what)) != 0)
        goto out;
    cs_cat_finalize(cat, st);
    st = NULL;
    if ((err = cs_cat_index_item(cat, item_id, rec, what)) != 0 ||
        (err = cs_cat_registry_resolve(cat, item_id, job->route, rec, now, what)) != 0)
        goto out;
    /* The provenance of the capture time: which rule chose it, recorded with the event. */
    detail = failure ? json_pack("{s:s, s:s, s:o}", "failure", failure->text, "failure_code",
                                 cs_reason_slug(failure->code), "failure_params",
                                 cs_reason_params_json(failure))
                     : json_pack("{s:s}", "result", "ok");
    if (detail != NULL && json_object_get(rec, "captured_at") != NULL) {
        json_object_set(detail, "captured_at", json_object_get(rec, "captured_at"));
        json_object_set(detail, "captured_at_source", json_object_get(rec, "captured_at_source"));
        if (kept) /* said where a later arrival's extraction left the first time as it was */
            json_object_set_new(detail, "captured_at_kept", json_string("first arrival"));
    }
    if ((err = cs_cat_insert_event(cat, item_id, 0, "extracted", "custody", now, detail, what)) !=
        0)
        goto out;
    if (to < CS_JOB_EXTRACTED || to > CS_JOB_DONE)
        to = CS_JOB_EXTRACTED;
    err = cs_cat_prepare(cat,
                         "UPDATE jobs SET state = ?4, updated_at = ?2,"
                         " done_at = CASE WHEN ?4 = 'done' THEN ?2 END,"
                         " reason = coalesce(?3, reason), failures = failures + (?3 IS NOT NULL),"
                         " reason_code = coalesce(?5, reason_code),"
                         " reason_params = CASE WHEN ?3 IS NULL THEN reason_params ELSE ?6 END"
                         " WHERE id = ?1 AND state = 'stored'",
                         &st, what);
    if (err != 0)
        goto out;
    sqlite3_bind_int64(st, 1, job->id);
    sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
    if (failure) {
        sqlite3_bind_text(st, 3, failure->text, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, cs_reason_slug(failure->code), -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 6, cs_reason_params_or_null(failure), -1, SQLITE_STATIC);
    }
    sqlite3_bind_text(st, 4, cs_job_state_name(to), -1, SQLITE_STATIC);
    if ((err = cs_cat_step_done(cat, st, what)) == 0 && sqlite3_changes(cat->db) != 1) {
        cs_diag_set("catalog %s: job %" PRId64 " is no longer stored", cat->path, job->id);
        err = CS_ENOTFOUND;
    }
out:
    cs_cat_finalize(cat, st);
    if (err != 0)
        cs_cat_rollback(cat);
    else if ((err = cs_cat_commit(cat, what)) == 0)
        job->state = to;
done:
    cs_cat_relaxed(cat, 0);
    json_decref(detail);
    json_decref(rec);
    free(text);
    return err;
}
