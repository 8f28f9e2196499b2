/* indexer/jobs_status.c: what `custody status` and `custody items --unassigned` read. */
#include "indexer/jobs.h"

#include "core/error.h"
#include "indexer/catalog_int.h"
#include "indexer/damaged.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* The states of a job not yet done or rejected (the CHECK of jobs.state, schema.c). */
#define PENDING_STATES "'discovered', 'claimed', 'stored', 'extracted', 'transcoded', 'indexed'"

/* 1 when the column holds text from outside: always escaped (cs_cat_jname). */
static int
outside_text(const char *name)
{
    static const char *const names[] = {"root", "path", "original_name", "source_path"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(name, names[i]) == 0)
            return 1;
    return 0;
}

/* Runs `sql` and appends each row as an object with the given column names. */
static int
rows_json(cs_catalog_t *cat, const char *sql, const char *param, const char *const *names,
          int ncols, json_t *out, const char *what)
{
    sqlite3_stmt *st = NULL;
    int err, rc;
    if ((err = cs_cat_prepare(cat, sql, &st, what)) != 0)
        return err;
    if (param != NULL)
        sqlite3_bind_text(st, 1, param, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *o = json_object();
        for (int i = 0; i < ncols; i++) {
            json_t *v;
            switch (sqlite3_column_type(st, i)) {
            case SQLITE_INTEGER:
                v = json_integer(sqlite3_column_int64(st, i));
                break;
            case SQLITE_FLOAT:
                v = json_real(sqlite3_column_double(st, i));
                break;
            case SQLITE_NULL:
                v = json_null();
                break;
            default:
                /* A reason's params are a JSON object (schema v11), sent as one. */
                if (strcmp(names[i], "reason_params") == 0)
                    v = json_loads((const char *)sqlite3_column_text(st, i), 0, NULL);
                else if (outside_text(names[i]))
                    v = cs_cat_jname((const char *)sqlite3_column_text(st, i));
                else
                    v = cs_cat_jstr((const char *)sqlite3_column_text(st, i));
            }
            json_object_set_new(o, names[i], v);
        }
        json_array_append_new(out, o);
    }
    if (rc != SQLITE_DONE)
        err = cs_cat_err(cat, rc, what);
    cs_cat_finalize(cat, st);
    return err;
}

int
cs_jobs_status(cs_catalog_t *cat, json_t **out)
{
    static const char *const count_cols[] = {"state", "count"};
    static const char *const minute_cols[] = {"files", "bytes"};
    static const char *const oldest_cols[] = {"root", "path", "state", "since"};
    static const char *const rej_cols[] = {"root",        "path",          "reason",
                                           "reason_code", "reason_params", "at"};
    static const char *const tot_cols[] = {"rejected", "failed"};
    const char *what = "cannot read the job status";
    json_t *counts = json_array(), *minute = json_array(), *oldest = json_array();
    json_t *rejected = json_array(), *totals = json_array(), *jobs = json_object();
    json_t *damaged = NULL;
    char since[CS_TIME_MAX];
    time_t t = time(NULL) - 60;
    struct tm tm;
    int err;

    gmtime_r(&t, &tm);
    strftime(since, sizeof since, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
    *out = NULL;
    if ((err = cs_cat_begin_read(cat, what)) != 0)
        goto out;
    /* Every count is read from its running total or from an index, a few rows each, whatever
     * the catalog's size (indexer/schema_totals.c; tests/indexer/test_status_totals.c). */
    if ((err = rows_json(cat,
                         "SELECT substr(name, 6), n FROM status_totals WHERE name IN"
                         " ('jobs.discovered', 'jobs.claimed', 'jobs.stored', 'jobs.extracted',"
                         " 'jobs.transcoded', 'jobs.indexed', 'jobs.done', 'jobs.rejected')",
                         NULL, count_cols, 2, counts, what)) != 0 ||
        (err = rows_json(cat,
                         "SELECT count(*), coalesce(sum(size), 0) FROM jobs"
                         " WHERE +state = 'done' AND done_at >= ?1",
                         since, minute_cols, 2, minute, what)) != 0 ||
        (err = rows_json(cat,
                         "SELECT root, rel_path, state, created_at FROM jobs WHERE id ="
                         " (SELECT min(id) FROM jobs WHERE state IN (" PENDING_STATES "))",
                         NULL, oldest_cols, 4, oldest, what)) != 0 ||
        (err = rows_json(cat,
                         "SELECT root, rel_path, reason, reason_code, reason_params, done_at"
                         " FROM jobs WHERE state = 'rejected' ORDER BY id DESC LIMIT 10",
                         NULL, rej_cols, 6, rejected, what)) != 0 ||
        (err = rows_json(cat,
                         "SELECT (SELECT n FROM status_totals WHERE name = 'jobs.rejected'),"
                         " (SELECT n FROM status_totals WHERE name = 'jobs.failed')",
                         NULL, tot_cols, 2, totals, what)) != 0 ||
        (err = cs_catalog_damaged(cat, 10, &damaged)) != 0)
        goto out;
    for (int s = CS_JOB_DISCOVERED; s <= CS_JOB_REJECTED; s++)
        json_object_set_new(jobs, cs_job_state_name((cs_job_state_t)s), json_integer(0));
    size_t i;
    json_t *row;
    json_array_foreach(counts, i, row) json_object_set(
        jobs, json_string_value(json_object_get(row, "state")), json_object_get(row, "count"));
    json_t *m = json_array_get(minute, 0), *tot = json_array_get(totals, 0);
    json_int_t files = json_integer_value(json_object_get(m, "files"));
    json_int_t bytes = json_integer_value(json_object_get(m, "bytes"));
    *out = json_pack("{s:O, s:{s:I, s:I, s:f, s:f}, s:I, s:I, s:O, s:O}", "jobs", jobs,
                     "last_minute", "files", files, "bytes", bytes, "files_per_s", files / 60.0,
                     "mb_per_s", bytes / 60.0 / 1e6, "rejected",
                     json_integer_value(json_object_get(tot, "rejected")), "failed",
                     json_integer_value(json_object_get(tot, "failed")), "oldest_pending",
                     json_array_size(oldest) ? json_array_get(oldest, 0) : json_null(),
                     "recent_rejections", rejected);
    if (*out == NULL || json_object_set(*out, "damaged", damaged) != 0) {
        json_decref(*out);
        *out = NULL;
        err = cs_cat_no_memory(cat, what);
    }
out:
    cs_cat_rollback(cat);
    json_decref(counts);
    json_decref(minute);
    json_decref(oldest);
    json_decref(rejected);
    json_decref(totals);
    json_decref(jobs);
    json_decref(damaged);
    return err;
}

int
cs_catalog_unassigned(cs_catalog_t *cat, json_t **out)
{
    static const char *const cols[] = {"sha256",      "size",          "media_type",
                                       "received_at", "original_name", "source_path"};
    *out = json_array();
    int err = rows_json(cat,
                        "SELECT i.sha256, i.size, i.media_type, i.created_at,"
                        " (SELECT original_name FROM item_sources s WHERE s.item_id = i.id"
                        "  ORDER BY s.id LIMIT 1),"
                        " (SELECT source_path FROM item_sources s WHERE s.item_id = i.id"
                        "  ORDER BY s.id LIMIT 1)"
                        " FROM items i WHERE NOT EXISTS (SELECT 1 FROM links l"
                        "  WHERE l.item_id = i.id AND l.superseded_at IS NULL)"
                        " ORDER BY i.id",
                        NULL, cols, 6, *out, "cannot list unassigned items");
    if (err != 0) {
        json_decref(*out);
        *out = NULL;
    }
    return err;
}

int
cs_catalog_metadata(cs_catalog_t *cat, const char *sha256, json_t **out)
{
    sqlite3_stmt *st = NULL;
    const char *what = "cannot read metadata";
    int err, rc;
    *out = NULL;
    err = cs_cat_prepare(cat,
                         "SELECT m.record FROM metadata m JOIN items i ON i.id = m.item_id"
                         " WHERE i.sha256 = ?1",
                         &st, what);
    if (err != 0)
        return err;
    sqlite3_bind_text(st, 1, sha256, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);
    else if (rc != SQLITE_DONE)
        err = cs_cat_err(cat, rc, what);
    if (err == 0 && *out == NULL)
        *out = json_null();
    cs_cat_finalize(cat, st);
    return err;
}
