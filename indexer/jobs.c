/* indexer/jobs.c: durable ingest jobs. Every change is one transaction. */
#include "indexer/jobs.h"

#include "core/buf.h"
#include "core/error.h"
#include "core/reason.h"
#include "indexer/catalog_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const state_names[] = {"discovered", "claimed", "stored", "extracted",
                                          "transcoded", "indexed", "done",   "rejected"};

const char *
cs_job_state_name(cs_job_state_t s)
{
    return (unsigned)s < sizeof state_names / sizeof state_names[0] ? state_names[s] : "?";
}

static cs_job_state_t
state_from(const char *name)
{
    for (size_t i = 0; i < sizeof state_names / sizeof state_names[0]; i++)
        if (name != NULL && strcmp(name, state_names[i]) == 0)
            return (cs_job_state_t)i;
    return CS_JOB_REJECTED;
}

#define JOB_COLUMNS "id, state, root, rel_path, size, mtime_ns, dev, ino, sha256, claims, route"

static int
job_from_row(sqlite3_stmt *st, cs_job_t *job)
{
    int err;
    memset(job, 0, sizeof *job);
    job->id = sqlite3_column_int64(st, 0);
    job->state = state_from((const char *)sqlite3_column_text(st, 1));
    if ((err = cs_cat_column_copy(st, 2, job->root, sizeof job->root, "job root")) != 0 ||
        (err = cs_cat_column_copy(st, 3, job->rel, sizeof job->rel, "job path")) != 0 ||
        (err = cs_cat_column_copy(st, 8, job->sha256, sizeof job->sha256, "job hash")) != 0 ||
        (err = cs_cat_column_copy(st, 10, job->route, sizeof job->route, "job route")) != 0)
        return err;
    job->size = sqlite3_column_int64(st, 4);
    job->mtime_ns = sqlite3_column_int64(st, 5);
    job->dev = sqlite3_column_int64(st, 6);
    job->ino = sqlite3_column_int64(st, 7);
    job->claims = sqlite3_column_int(st, 9);
    return 0;
}

/* Looks up the active job of (root, rel); *found says whether there is one. */
static int
find_active(cs_catalog_t *cat, const char *root, const char *rel, cs_job_t *job, int *found,
            const char *what)
{
    sqlite3_stmt *st = NULL;
    int err, rc;
    *found = 0;
    err = cs_cat_prepare(cat,
                         "SELECT " JOB_COLUMNS " FROM jobs WHERE root = ?1 AND rel_path = ?2"
                         " AND state NOT IN ('done', 'rejected')",
                         &st, what);
    if (err != 0)
        return err;
    sqlite3_bind_text(st, 1, root, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, rel, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        err = job_from_row(st, job);
        *found = err == 0;
    } else if (rc != SQLITE_DONE) {
        err = cs_cat_err(cat, rc, what);
    }
    cs_cat_finalize(cat, st);
    return err;
}

/* Names a job not yet recorded by its folder and path, whole. */
static int
job_paths(cs_job_t *job, const char *root, const char *rel)
{
    if (cs_snprintf(job->root, sizeof job->root, "%s", root) != 0 ||
        cs_snprintf(job->rel, sizeof job->rel, "%s", rel) != 0) {
        cs_diag_set("%.200s/%.200s...: the path is longer than %zu bytes", root, rel,
                    sizeof job->rel - 1);
        return CS_ENAMETOOLONG;
    }
    return 0;
}

int
cs_jobs_find(cs_catalog_t *cat, const char *root, const char *rel, cs_job_t *job)
{
    int found = 0;
    int err = find_active(cat, root, rel, job, &found, "cannot look up a job");
    if (err == 0 && !found) {
        memset(job, 0, sizeof *job);
        job->state = CS_JOB_DISCOVERED;
        snprintf(job->route, sizeof job->route, "{}"); /* fits: 3 bytes */
        err = job_paths(job, root, rel);
    }
    return err;
}

int
cs_jobs_discover_many(cs_catalog_t *cat, const char *const *roots, const char *const *rels,
                      size_t n)
{
    sqlite3_stmt *st = NULL;
    char now[CS_TIME_MAX];
    const char *what = "cannot record discovered uploads";
    int err;

    if (n == 0)
        return 0;
    cs_clock_now(now);
    /* A discovery lost in a power cut is found again by the next scan. */
    cs_cat_relaxed(cat, 1);
    if ((err = cs_cat_begin(cat, what)) != 0) {
        cs_cat_relaxed(cat, 0);
        return err;
    }
    err =
        cs_cat_prepare(cat,
                       "INSERT INTO jobs (root, rel_path, state, created_at, updated_at)"
                       " SELECT ?1, ?2, 'discovered', ?3, ?3 WHERE NOT EXISTS (SELECT 1 FROM jobs"
                       "  WHERE root = ?1 AND rel_path = ?2 AND state NOT IN ('done', 'rejected'))",
                       &st, what);
    for (size_t i = 0; err == 0 && i < n; i++) {
        sqlite3_bind_text(st, 1, roots[i], -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, rels[i], -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
        err = cs_cat_step_done(cat, st, what);
        sqlite3_reset(st);
    }
    cs_cat_finalize(cat, st);
    if (err != 0)
        cs_cat_rollback(cat);
    else
        err = cs_cat_commit(cat, what);
    cs_cat_relaxed(cat, 0);
    return err;
}

/* Runs one UPDATE on a job inside its own transaction, checking that the job was in state
 * `from` (-1: any active state) so that no transition is ever applied twice. */
static int
update_job(cs_catalog_t *cat, cs_job_t *job, int from, const char *sql,
           void (*bind)(sqlite3_stmt *st, const void *arg), const void *arg, const char *what)
{
    sqlite3_stmt *st = NULL;
    int err;
    if ((err = cs_cat_begin(cat, what)) != 0)
        return err;
    if ((err = cs_cat_prepare(cat, sql, &st, what)) != 0)
        goto out;
    bind(st, arg);
    sqlite3_bind_int64(st, 1, job->id);
    if (from >= 0)
        sqlite3_bind_text(st, 2, cs_job_state_name((cs_job_state_t)from), -1, SQLITE_STATIC);
    if ((err = cs_cat_step_done(cat, st, what)) != 0)
        goto out;
    if (sqlite3_changes(cat->db) != 1) {
        cs_diag_set("catalog %s: job %" PRId64 " (%s) is no longer %s; %s", cat->path, job->id,
                    job->rel, from >= 0 ? cs_job_state_name((cs_job_state_t)from) : "active", what);
        err = CS_ENOTFOUND;
    }
out:
    cs_cat_finalize(cat, st);
    if (err != 0) {
        cs_cat_rollback(cat);
        return err;
    }
    return cs_cat_commit(cat, what);
}

typedef struct bind_args {
    const char *s1, *s2, *s3;
    int64_t i1, i2, i3, i4;
} bind_args_t;

/* A reason as s1 (sentence), s2 (code), s3 (params): ?4, ?5, ?6 of bind_text3. */
#define REASON_ARGS(r)                                                                             \
    {                                                                                              \
        .s1 = (r) ? (r)->text : NULL, .s2 = (r) ? cs_reason_slug((r)->code) : NULL,                \
        .s3 = (r) ? cs_reason_params_or_null(r) : NULL                                             \
    }

static void
bind_now(sqlite3_stmt *st, char now[CS_TIME_MAX], int col)
{
    cs_clock_now(now);
    sqlite3_bind_text(st, col, now, -1, SQLITE_TRANSIENT);
}

static void
bind_claim(sqlite3_stmt *st, const void *arg)
{
    const bind_args_t *a = arg;
    char now[CS_TIME_MAX];
    bind_now(st, now, 3);
    sqlite3_bind_int64(st, 4, a->i1);
    sqlite3_bind_int64(st, 5, a->i2);
    sqlite3_bind_int64(st, 6, a->i3);
    sqlite3_bind_int64(st, 7, a->i4);
    sqlite3_bind_text(st, 8, a->s1, -1, SQLITE_STATIC);
}

int
cs_jobs_claim(cs_catalog_t *cat, cs_job_t *job, json_t *route)
{
    char *text = route ? json_dumps(route, JSON_COMPACT) : strdup("{}");
    bind_args_t a = {
        .s1 = text, .i1 = job->size, .i2 = job->mtime_ns, .i3 = job->dev, .i4 = job->ino};
    int err;
    if (text == NULL)
        return CS_ENOMEM;
    if (strlen(text) >= sizeof job->route) { /* refused before it is written, never cut */
        cs_diag_set("%s/%s: its route is longer than %zu bytes as JSON; shorten its sidecar",
                    job->root, job->rel, sizeof job->route - 1);
        free(text);
        return CS_ENAMETOOLONG;
    }
    /* A claim that a power cut takes back leaves the job discovered: its file is claimed
     * again, and the store already holding the bytes changes nothing. The stored commit that
     * follows syncs the log, this claim with it. */
    cs_cat_relaxed(cat, 1);
    if (job->id == 0) {
        /* Never recorded as discovered: it is found and claimed in one commit. */
        sqlite3_stmt *st = NULL;
        const char *what = "cannot record a claim";
        if ((err = cs_cat_begin(cat, what)) == 0 &&
            (err = cs_cat_prepare(cat,
                                  "INSERT INTO jobs (root, rel_path, state, size, mtime_ns, dev,"
                                  " ino, route, created_at, updated_at)"
                                  " VALUES (?1, ?2, 'claimed', ?4, ?5, ?6, ?7, ?8, ?3, ?3)",
                                  &st, what)) == 0) {
            sqlite3_bind_text(st, 1, job->root, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 2, job->rel, -1, SQLITE_STATIC);
            bind_claim(st, &a);
            err = cs_cat_step_done(cat, st, what);
        }
        cs_cat_finalize(cat, st);
        if (err == 0) {
            job->id = sqlite3_last_insert_rowid(cat->db);
            err = cs_cat_commit(cat, what);
        } else {
            cs_cat_rollback(cat);
        }
    } else {
        err = update_job(cat, job, CS_JOB_DISCOVERED,
                         "UPDATE jobs SET state = 'claimed', updated_at = ?3, size = ?4,"
                         " mtime_ns = ?5, dev = ?6, ino = ?7, route = ?8, sha256 = NULL"
                         " WHERE id = ?1 AND state = ?2",
                         bind_claim, &a, "cannot record a claim");
    }
    cs_cat_relaxed(cat, 0);
    if (err == 0) {
        job->state = CS_JOB_CLAIMED;
        job->sha256[0] = '\0';
        memcpy(job->route, text, strlen(text) + 1); /* fits: checked above */
    }
    free(text);
    return err;
}

static void
bind_text3(sqlite3_stmt *st, const void *arg)
{
    const bind_args_t *a = arg;
    char now[CS_TIME_MAX];
    bind_now(st, now, 3);
    if (a->s1 != NULL)
        sqlite3_bind_text(st, 4, a->s1, -1, SQLITE_STATIC);
    if (a->s2 != NULL)
        sqlite3_bind_text(st, 5, a->s2, -1, SQLITE_STATIC);
    if (a->s3 != NULL)
        sqlite3_bind_text(st, 6, a->s3, -1, SQLITE_STATIC);
}

int
cs_jobs_unclaim(cs_catalog_t *cat, cs_job_t *job, const cs_reason_t *reason)
{
    bind_args_t a = REASON_ARGS(reason);
    int err = update_job(cat, job, CS_JOB_CLAIMED,
                         "UPDATE jobs SET state = 'discovered', updated_at = ?3, reason = ?4,"
                         " reason_code = ?5, reason_params = ?6, claims = claims + 1, sha256 = "
                         "NULL WHERE id = ?1 AND state = ?2",
                         bind_text3, &a, "cannot release a claim");
    if (err == 0) {
        job->state = CS_JOB_DISCOVERED;
        job->claims++;
        job->sha256[0] = '\0';
    }
    return err;
}

int
cs_jobs_already(cs_catalog_t *cat, cs_job_t *job, const char *sha256, const cs_reason_t *reason)
{
    sqlite3_stmt *st = NULL;
    char now[CS_TIME_MAX];
    const char *what = "cannot record an upload stored before";
    int err;
    cs_clock_now(now);
    if ((err = cs_cat_begin(cat, what)) != 0)
        return err;
    err = cs_cat_prepare(
        cat,
        job->id == 0
            ? "INSERT INTO jobs (root, rel_path, state, sha256, item_id, reason, created_at,"
              " updated_at, done_at, reason_code, reason_params) VALUES (?2, ?3, 'done', ?4,"
              " (SELECT id FROM items WHERE sha256 = ?4), ?5, ?6, ?6, ?6, ?7, ?8)"
            : "UPDATE jobs SET state = 'done', sha256 = ?4, item_id = (SELECT id FROM items WHERE"
              " sha256 = ?4), reason = ?5, updated_at = ?6, done_at = ?6, reason_code = ?7,"
              " reason_params = ?8"
              " WHERE id = ?1 AND state NOT IN ('done', 'rejected')",
        &st, what);
    if (err == 0) {
        sqlite3_bind_int64(st, 1, job->id);
        sqlite3_bind_text(st, 2, job->root, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, job->rel, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, sha256, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, reason->text, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 6, now, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 7, cs_reason_slug(reason->code), -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 8, cs_reason_params_or_null(reason), -1, SQLITE_STATIC);
        err = cs_cat_step_done(cat, st, what);
        if (err == 0 && job->id == 0)
            job->id = sqlite3_last_insert_rowid(cat->db);
    }
    cs_cat_finalize(cat, st);
    if (err != 0) {
        cs_cat_rollback(cat);
        return err;
    }
    if ((err = cs_cat_commit(cat, what)) == 0)
        job->state = CS_JOB_DONE;
    return err;
}

int
cs_jobs_reject(cs_catalog_t *cat, cs_job_t *job, const cs_reason_t *reason)
{
    bind_args_t a = REASON_ARGS(reason);
    int err;
    if (job->id == 0) {
        /* Never recorded: the refusal itself is the record. */
        sqlite3_stmt *st = NULL;
        char now[CS_TIME_MAX];
        const char *what = "cannot record a rejection";
        cs_clock_now(now);
        if ((err = cs_cat_begin(cat, what)) != 0)
            return err;
        err = cs_cat_prepare(cat,
                             "INSERT INTO jobs (root, rel_path, state, reason, created_at,"
                             " updated_at, done_at, reason_code, reason_params)"
                             " VALUES (?1, ?2, 'rejected', ?3, ?4, ?4, ?4, ?5, ?6)",
                             &st, what);
        if (err == 0) {
            sqlite3_bind_text(st, 1, job->root, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 2, job->rel, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 3, a.s1, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 4, now, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 5, a.s2, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 6, a.s3, -1, SQLITE_STATIC);
            err = cs_cat_step_done(cat, st, what);
        }
        if (err == 0)
            job->id = sqlite3_last_insert_rowid(cat->db);
        cs_cat_finalize(cat, st);
        if (err != 0)
            cs_cat_rollback(cat);
        else
            err = cs_cat_commit(cat, what);
    } else {
        err = update_job(cat, job, -1,
                         "UPDATE jobs SET state = 'rejected', updated_at = ?3, done_at = ?3,"
                         " reason = ?4, reason_code = ?5, reason_params = ?6"
                         " WHERE id = ?1 AND state NOT IN ('done', 'rejected')",
                         bind_text3, &a, "cannot record a rejection");
    }
    if (err == 0)
        job->state = CS_JOB_REJECTED;
    return err;
}

int
cs_jobs_advance(cs_catalog_t *cat, cs_job_t *job, cs_job_state_t to, const cs_reason_t *failure)
{
    char sql[320];
    bind_args_t a = REASON_ARGS(failure);
    if (to <= CS_JOB_STORED || to == CS_JOB_REJECTED)
        return CS_EINVAL;
    /* fits: 15 + 10 + 16 + 84 + 39 + a state name of 11 bytes < 320 */
    snprintf(sql, sizeof sql,
             "UPDATE jobs SET state = '%s', updated_at = ?3%s%s WHERE id = ?1 AND state = ?2",
             cs_job_state_name(to), to == CS_JOB_DONE ? ", done_at = ?3" : "",
             failure != NULL
                 ? ", reason = ?4, reason_code = ?5, reason_params = ?6, failures = failures + 1"
                 : "");
    int err = update_job(cat, job, (int)to - 1, sql, bind_text3, &a, "cannot advance a job");
    if (err == 0)
        job->state = to;
    return err;
}

int
cs_jobs_stored(cs_catalog_t *cat, cs_job_t *job, const cs_arrival_t *a, cs_arrival_result_t *res)
{
    sqlite3_stmt *st = NULL;
    sqlite3_int64 item_id = 0;
    char now[CS_TIME_MAX];
    const char *what = "cannot record a stored upload";
    int err;

    if (strlen(a->sha256) >= sizeof job->sha256) { /* the job keeps the hash whole */
        cs_diag_set("%s: \"%.80s\" is not a SHA-256", what, a->sha256);
        return CS_EINVAL;
    }
    cs_clock_now(now);
    if ((err = cs_cat_begin(cat, what)) != 0)
        return err;
    if ((err = cs_cat_arrival_rows(cat, a, now, res, &item_id, what)) != 0)
        goto out;
    /* A job never recorded (id 0: a claim nothing would resume) is inserted as stored. */
    err = cs_cat_prepare(cat,
                         job->id == 0
                             ? "INSERT INTO jobs (root, rel_path, state, size, mtime_ns, dev, ino,"
                               " route, item_id, sha256, created_at, updated_at) VALUES (?5, ?6,"
                               " 'stored', ?7, ?8, ?9, ?10, ?11, ?3, ?4, ?2, ?2)"
                             : "UPDATE jobs SET state = 'stored', updated_at = ?2, item_id = ?3,"
                               " sha256 = ?4 WHERE id = ?1 AND state = 'claimed'",
                         &st, what);
    if (err != 0)
        goto out;
    sqlite3_bind_int64(st, 1, job->id);
    sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, item_id);
    sqlite3_bind_text(st, 4, a->sha256, -1, SQLITE_STATIC);
    if (job->id == 0) {
        sqlite3_bind_text(st, 5, job->root, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 6, job->rel, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 7, job->size);
        sqlite3_bind_int64(st, 8, job->mtime_ns);
        sqlite3_bind_int64(st, 9, job->dev);
        sqlite3_bind_int64(st, 10, job->ino);
        sqlite3_bind_text(st, 11, job->route, -1, SQLITE_STATIC);
    }
    if ((err = cs_cat_step_done(cat, st, what)) == 0 && job->id == 0)
        job->id = sqlite3_last_insert_rowid(cat->db);
    else if (err == 0 && sqlite3_changes(cat->db) != 1) {
        cs_diag_set("catalog %s: job %" PRId64 " is no longer claimed", cat->path, job->id);
        err = CS_ENOTFOUND;
    }
out:
    cs_cat_finalize(cat, st);
    if (err != 0) {
        cs_cat_rollback(cat);
        return err;
    }
    if ((err = cs_cat_commit(cat, what)) == 0) {
        job->state = CS_JOB_STORED;
        if (a->sha256 != job->sha256)
            snprintf(job->sha256, sizeof job->sha256, "%s", a->sha256); /* fits: checked above */
    }
    return err;
}

/* Sets *same to 1 if the latest job of (root, rel) is rejected with `reason`. */
static int
refused_already(cs_catalog_t *cat, const char *root, const char *rel, const char *reason, int *same)
{
    sqlite3_stmt *st = NULL;
    const char *what = "cannot look up a refused upload";
    int err, rc;
    *same = 0;
    err = cs_cat_prepare(cat,
                         "SELECT state = 'rejected' AND reason IS ?3 FROM jobs"
                         " WHERE root = ?1 AND rel_path = ?2 ORDER BY id DESC LIMIT 1",
                         &st, what);
    if (err != 0)
        return err;
    sqlite3_bind_text(st, 1, root, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, rel, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, reason, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *same = sqlite3_column_int(st, 0);
    else if (rc != SQLITE_DONE)
        err = cs_cat_err(cat, rc, what);
    cs_cat_finalize(cat, st);
    return err;
}

int
cs_jobs_refuse(cs_catalog_t *cat, const char *root, const char *rel, const cs_reason_t *reason,
               int *fresh)
{
    cs_job_t job;
    int err, same = 0, found = 0;
    *fresh = 0;
    if ((err = refused_already(cat, root, rel, reason->text, &same)) != 0 || same)
        return err;
    if ((err = find_active(cat, root, rel, &job, &found, "cannot look up a job")) != 0)
        return err;
    if (found && job.state != CS_JOB_DISCOVERED)
        return 0; /* its store step opens it without following and rejects it itself */
    if (!found) {
        memset(&job, 0, sizeof job);
        if ((err = job_paths(&job, root, rel)) != 0)
            return err;
    }
    if ((err = cs_jobs_reject(cat, &job, reason)) == 0)
        *fresh = 1;
    return err;
}

int
cs_jobs_each_active(cs_catalog_t *cat, int (*fn)(const cs_job_t *job, void *arg), void *arg)
{
    sqlite3_stmt *st = NULL;
    cs_job_t job;
    int err, rc;
    /* The active states by name, so that jobs_state finds them: `NOT IN ('done', 'rejected')`
     * read every job ever done (the service's start and every retry of a stalled job, under
     * the catalog's lock; a job is kept for every file ever filed). */
    err = cs_cat_prepare(cat,
                         "SELECT " JOB_COLUMNS " FROM jobs WHERE state IN ('discovered', 'claimed',"
                         " 'stored', 'extracted', 'transcoded', 'indexed') ORDER BY id",
                         &st, "cannot list active jobs");
    if (err != 0)
        return err;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if ((err = job_from_row(st, &job)) != 0 || (err = fn(&job, arg)) != 0)
            break;
    }
    if (err == 0 && rc != SQLITE_DONE)
        err = cs_cat_err(cat, rc, "cannot list active jobs");
    cs_cat_finalize(cat, st);
    return err;
}
