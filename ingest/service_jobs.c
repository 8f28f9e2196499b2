/* ingest/service_jobs.c: the service's driver of the job pipeline (ingest/pipeline.h): each
 * step is started where it runs (store steps on the thread pool, at most ingest.parallel at
 * once, each with its own store handle; extraction and copies in workers; the catalog's part in
 * the finish batch), and its completion calls svc_job_next, which asks cs_pipeline_next for the
 * step after it. The catalog is one connection behind a mutex. */
#include "ingest/service_int.h"
#include "core/clock.h"
#include "core/buf.h"

#include "core/error.h"
#include "core/utf8.h"
#include "core/log.h"
#include "media/extract.h"
#include "ingest/derive.h"
#include "ingest/prefix.h"

#include <stdlib.h>
#include <string.h>

/* A job whose step failed on the disk or the catalog (an I/O error, a full disk) stays
 * durable at the state it reached and is taken up again from the catalog after a pause, so
 * a fault that clears needs no restart. The pause doubles while stalls go on. */
#define RETRY_FIRST_MS 1000u
#define RETRY_MAX_MS 60000u

static void job_start(svc_t *s, svc_job_t *j);
static void stalled(svc_t *s, svc_job_t *j);
static void job_run(svc_t *s, svc_job_t *j);

static cs_job_env_t
env_of(svc_t *s, int slot)
{
    cs_job_env_t env = {
        .cat = s->cat,
        .cat_lock = &s->cat_lock,
        .store = slot >= 0 ? s->stores[slot] : s->stores[0],
        .rule = s->rule,
        .receipts = s->receipts,
        .mode = s->cfg.ingest_after == CS_AFTER_ARCHIVE ? CS_MODE_ARCHIVE : CS_MODE_CONSUME,
        .actor = "uploads",
        .user_id = s->clerk_id,
        .tz = cs_clock_site_zone(s->cfg.site_tz),
        .names = s->names,
    };
    return env;
}

void
svc_job_free(svc_t *s, svc_job_t *j)
{
    if (j->aprev != NULL)
        j->aprev->anext = j->anext;
    else
        s->jobs = j->anext;
    if (j->anext != NULL)
        j->anext->aprev = j->aprev;
    json_decref(j->record);
    json_decref(j->derive_req);
    json_decref(j->derive_res);
    free(j);
    s->inflight--;
    svc_maybe_finish(s);
}

void
svc_log_job(const char *event, cs_log_level_t level, svc_job_t *j, const char *message)
{
    json_t *f =
        json_pack("{s:I, s:o, s:s}", "job", (json_int_t)j->job.id, "path",
                  cs_json_string_lossless(j->path), "state", cs_job_state_name(j->job.state));
    if (j->job.sha256[0] != '\0')
        json_object_set_new(f, "sha256", json_string(j->job.sha256));
    if (message != NULL && *message != '\0')
        json_object_set_new(f, "message", json_string(message));
    cs_log(level, event, f);
}

/* Takes queued jobs while store slots are free. */
static void
pump(svc_t *s)
{
    while (!s->stopping && s->queue_head != NULL && s->storing < s->nstores) {
        svc_job_t *j = s->queue_head;
        s->queue_head = j->next;
        if (s->queue_head == NULL)
            s->queue_tail = NULL;
        job_start(s, j);
    }
}

/* Finishing is batched: the jobs whose extraction answered while a batch was committing go
 * in the next one, each still whole or not at all, all made durable by one commit. Under load
 * the catalog then syncs once per batch rather than once per file. */
static void
finish_work(uv_work_t *req)
{
    svc_t *s = req->data;
    cs_job_env_t env = env_of(s, -1);
    int err;
    env.cat_lock = NULL; /* held for the whole batch, below */
    uv_mutex_lock(&s->cat_lock);
    cs_diag_clear();
    /* A finished job whose commit a power cut takes back is stored again and finishes again. */
    cs_catalog_relaxed(s->cat, 1);
    if ((err = cs_catalog_batch_begin(s->cat)) == 0) {
        for (svc_job_t *j = s->finishing; j != NULL; j = j->next) {
            j->was = j->job.state;
            j->err = cs_pipeline_commit(&env, j->phase, &j->job, j->record,
                                        j->failure.text[0] ? &j->failure : NULL, j->derive_req,
                                        j->derive_res,
                                        j->derive_fail.text[0] ? &j->derive_fail : NULL, NULL);
            if (j->err != 0)
                cs_snprintf_cut(j->out.message, sizeof j->out.message, "%s", cs_diag());
        }
        err = cs_catalog_batch_commit(s->cat);
    }
    cs_catalog_relaxed(s->cat, 0);
    for (svc_job_t *j = s->finishing; j != NULL; j = j->next) {
        if (err != 0) { /* none of them moved on */
            j->err = err;
            cs_snprintf_cut(j->out.message, sizeof j->out.message, "%s", cs_diag());
        }
        if (j->err == 0)
            continue;
        j->job.state = j->was; /* taken up again from where it was */
        if (j->phase == CS_PIPE_FINISH && j->derive_res != NULL)
            cs_derive_unstore(s->stores[0], s->cat, j->derive_res);
    }
    uv_mutex_unlock(&s->cat_lock);
}

static void finish_start(svc_t *s);

static void
finish_after(uv_work_t *req, int status)
{
    svc_t *s = req->data;
    svc_job_t *batch = s->finishing;
    s->finishing = NULL;
    while (batch != NULL) {
        svc_job_t *j = batch;
        batch = j->next;
        svc_job_next(s, j, status == 0 && j->err == 0 ? CS_PIPE_OK : CS_PIPE_ENV);
    }
    finish_start(s);
}

static void
finish_start(svc_t *s)
{
    if (s->finishing != NULL || s->finish_head == NULL)
        return;
    s->finishing = s->finish_head;
    s->finish_head = NULL;
    s->finish_work.data = s;
    if (uv_queue_work(s->loop, &s->finish_work, finish_work, finish_after) != 0) {
        while (s->finishing != NULL) {
            svc_job_t *j = s->finishing;
            s->finishing = j->next;
            svc_job_free(s, j);
        }
    }
}

static void
on_extracted(void *arg, int rc, json_t *result, const cs_reason_t *why)
{
    svc_job_t *j = arg;
    svc_t *s = j->svc;
    if (rc == CS_ECANCELED) { /* stopping: the job stays stored and resumes next start */
        svc_job_next(s, j, CS_PIPE_STOP);
        return;
    }
    if (rc == 0)
        j->record = result != NULL ? json_incref(result) : NULL;
    else
        cs_reason_caused(&j->failure, CS_R_EXTRACT, "metadata extraction failed: ", why);
    if (rc != 0)
        svc_log_job("job.step_failed", CS_LOG_WARN, j, j->failure.text);
    svc_job_next(s, j, CS_PIPE_OK); /* the failure is recorded with the item */
}

static void
to_finish(svc_t *s, svc_job_t *j)
{
    j->next = s->finish_head; /* order within a batch does not matter */
    s->finish_head = j;
    finish_start(s);
}

/* Hands the stored original to a media worker. */
static void
extract(svc_t *s, svc_job_t *j)
{
    char obj[PATH_MAX];
    if (!cs_extract_wanted(j->out.media_type)) { /* nothing a parser could read */
        json_t *rec = cs_extract_unrecognised();
        on_extracted(j, 0, rec, NULL);
        json_decref(rec);
        return;
    }
    json_t *fields = NULL;
    if (cs_store_local_path(s->stores[0], j->job.sha256, obj, sizeof obj) == 0)
        fields = json_pack(
            "{s:s, s:s, s:I, s:s?, s:o?}", "path", obj, "sha256", j->job.sha256, "job",
            (json_int_t)j->job.id, "media_type", j->out.media_type, "hints",
            cs_job_hints(&j->job, s->cfg.ingest_default_tz, cs_clock_site_zone(s->cfg.site_tz)));
    if (fields == NULL || cs_workers_submit(s->workers, "extract", fields, on_extracted, j) != 0)
        cs_worker_fail_now(j, on_extracted, "could not hand the file to a worker");
    json_decref(fields);
}

static void
store_work(uv_work_t *req)
{
    svc_job_t *j = req->data;
    svc_t *s = j->svc;
    cs_job_env_t env = env_of(s, j->store_slot);
    cs_diag_clear();
    if (j->phase == CS_PIPE_RECOVER) {
        j->err = cs_job_recover(&env, &j->job, NULL, &j->out);
    } else {
        char root[PATH_MAX], rel[PATH_MAX];
        /* fits: copies of the job's own fields, of the same size */
        snprintf(root, sizeof root, "%s", j->job.root);
        snprintf(rel, sizeof rel, "%s", j->job.rel);
        uv_mutex_lock(&s->cat_lock);
        j->err = cs_jobs_find(s->cat, root, rel, &j->job);
        uv_mutex_unlock(&s->cat_lock);
        if (j->err == 0)
            j->err = cs_job_store(&env, &j->job, j->path, &j->settled, &j->out);
        if (j->err == 0)
            cs_prefix_after_store(&env, &j->job, j->path, &j->out);
    }
    if (j->err != 0)
        cs_snprintf_cut(j->out.message, sizeof j->out.message, "%s",
                        *cs_diag() ? cs_diag() : cs_strerror(j->err));
}

static void
store_after(uv_work_t *req, int status)
{
    svc_job_t *j = req->data;
    svc_t *s = j->svc;
    s->store_busy[j->store_slot] = 0;
    s->storing--;
    /* Whatever happened, later scans may look at the path again; but a scan already running
     * may still list the file as it was before this job moved it: release the path only
     * after a scan that started from now on has finished. */
    cs_settle_tag(s->busy, j->path, s->scan_gen + 1);
    cs_pipe_outcome_t oc = status != 0 ? CS_PIPE_ENV : cs_pipeline_store_outcome(j->err, &j->out);
    if (oc == CS_PIPE_OK && j->phase == CS_PIPE_STORE)
        svc_log_job("job.stored", CS_LOG_INFO, j, j->out.item_created ? NULL : "already stored");
    if (oc == CS_PIPE_OK && s->stopping) /* stored: it goes on at the next start */
        oc = CS_PIPE_STOP;
    svc_job_next(s, j, oc);
    pump(s);
}

static void
dstore_work(uv_work_t *req)
{
    svc_derive_store_work(req->data);
}

static void
dstore_after(uv_work_t *req, int status)
{
    svc_job_t *j = req->data;
    svc_t *s = j->svc;
    s->store_busy[j->store_slot] = 0;
    s->storing--;
    /* The store cannot take the copies (disk full): the job stays extracted and is transcoded
     * again when it is taken up. */
    svc_job_next(s, j, status != 0 || j->err != 0 ? CS_PIPE_ENV : CS_PIPE_OK);
    pump(s);
}

static void
job_start(svc_t *s, svc_job_t *j)
{
    int slot = 0;
    while (slot < s->nstores && s->store_busy[slot])
        slot++;
    j->store_slot = slot;
    s->store_busy[slot] = 1;
    s->storing++;
    j->work.data = j;
    if (j->phase == CS_PIPE_DSTORE) {
        if (uv_queue_work(s->loop, &j->work, dstore_work, dstore_after) != 0) {
            s->store_busy[slot] = 0;
            s->storing--;
            svc_job_free(s, j);
        }
        return;
    }
    if (uv_queue_work(s->loop, &j->work, store_work, store_after) != 0) {
        s->store_busy[slot] = 0;
        s->storing--;
        cs_settle_forget(s->busy, j->path);
        svc_job_free(s, j);
    }
}

static svc_job_t *
job_new(svc_t *s, const char *root, const char *rel)
{
    svc_job_t *j = calloc(1, sizeof *j);
    if (j == NULL)
        return NULL;
    j->svc = s;
    /* A path that does not fit whole gets no job (the scan names only paths that fit). */
    if (cs_snprintf(j->job.root, sizeof j->job.root, "%s", root) != 0 ||
        cs_snprintf(j->job.rel, sizeof j->job.rel, "%s", rel) != 0 ||
        cs_snprintf(j->path, sizeof j->path, "%s/%s", root, rel) != 0) {
        free(j);
        return NULL;
    }
    j->anext = s->jobs;
    if (s->jobs != NULL)
        s->jobs->aprev = j;
    s->jobs = j;
    s->inflight++;
    return j;
}

/* A job further along goes first: its copies are waiting in the worker's folder. */
static void
requeue(svc_t *s, svc_job_t *j)
{
    j->next = s->queue_head;
    s->queue_head = j;
    if (s->queue_tail == NULL)
        s->queue_tail = j;
    pump(s);
}

static void
enqueue(svc_t *s, svc_job_t *j)
{
    if (s->queue_tail != NULL)
        s->queue_tail->next = j;
    else
        s->queue_head = j;
    s->queue_tail = j;
    pump(s);
}

/* A job whose step sent it to an end: say how, and let it go. */
static void
job_end(svc_t *s, svc_job_t *j)
{
    switch (j->phase) {
    case CS_PIPE_DONE:
        /* Kept either way; a damaged recording is said at warn, with what a clerk reads. */
        if (json_is_object(json_object_get(j->record, "damaged")))
            svc_log_job("job.damaged", CS_LOG_WARN, j,
                        json_string_value(
                            json_object_get(json_object_get(j->record, "damaged"), "reason")));
        else
            svc_log_job("job.done", CS_LOG_INFO, j, j->failure.text);
        s->retry_ms = RETRY_FIRST_MS;
        break;
    case CS_PIPE_STALLED:
        stalled(s, j);
        break;
    case CS_PIPE_REJECTED:
        svc_log_job("job.rejected", CS_LOG_WARN, j, j->out.message);
        break;
    case CS_PIPE_ALREADY:
        svc_log_job("job.already_stored", CS_LOG_WARN, j, j->out.message);
        break;
    case CS_PIPE_UNSETTLED: /* a recovery's is said at the next claim */
        if (j->last == CS_PIPE_STORE)
            svc_log_job("job.unsettled", CS_LOG_INFO, j, j->out.message);
        break;
    default: /* stopped: the job resumes at the next start */
        break;
    }
    svc_job_free(s, j);
}

/* Starts the job's step where it runs; its completion calls svc_job_next. */
static void
job_run(svc_t *s, svc_job_t *j)
{
    switch (j->phase) {
    case CS_PIPE_STORE:
    case CS_PIPE_RECOVER:
        enqueue(s, j);
        return;
    case CS_PIPE_EXTRACT:
        extract(s, j);
        return;
    case CS_PIPE_PLAN:
        svc_derive_wanted(s, j);
        svc_job_next(s, j, CS_PIPE_OK);
        return;
    case CS_PIPE_RECORD:
    case CS_PIPE_FINISH:
        to_finish(s, j);
        return;
    case CS_PIPE_TRANSCODE:
        if (s->stopping) {
            svc_job_next(s, j, CS_PIPE_STOP);
            return;
        }
        svc_derive_transcode(s, j);
        return;
    case CS_PIPE_DSTORE:
        requeue(s, j);
        return;
    default:
        job_end(s, j);
    }
}

void
svc_job_next(svc_t *s, svc_job_t *j, cs_pipe_outcome_t outcome)
{
    j->last = j->phase;
    j->phase = cs_pipeline_next(j->phase, outcome, j->job.state, j->derive_req != NULL);
    job_run(s, j);
}

void
svc_job_submit(svc_t *s, int root, const char *rel, const struct stat *settled)
{
    svc_job_t *j = job_new(s, s->roots[root], rel);
    if (j == NULL) {
        char key[PATH_MAX];
        if (cs_snprintf(key, sizeof key, "%s/%s", s->roots[root], rel) == 0)
            cs_settle_forget(s->busy, key);
        return;
    }
    j->phase = CS_PIPE_STORE;
    j->settled = *settled;
    job_run(s, j);
}

static int
collect_active(const cs_job_t *job, void *arg)
{
    svc_t *s = arg;
    svc_job_t *j = job_new(s, job->root, job->rel);
    if (j == NULL)
        return CS_ENOMEM;
    j->job = *job;
    j->phase = CS_PIPE_RECOVER;
    cs_settle_add(s->busy, j->path); /* the scan must not claim it while it recovers */
    job_run(s, j);
    return 0;
}

int
svc_jobs_resume(svc_t *s)
{
    uv_mutex_lock(&s->cat_lock);
    int err = cs_jobs_each_active(s->cat, collect_active, s);
    uv_mutex_unlock(&s->cat_lock);
    return err;
}

typedef struct retry {
    svc_t *s;
    int taken, waiting;
} retry_t;

/* Whether the job is in flight past its store step (a job storing has its path busy, and its
 * id is being written by the thread pool: not read here). */
static int
in_flight(svc_t *s, int64_t id)
{
    for (svc_job_t *j = s->jobs; j != NULL; j = j->anext)
        if (j->phase != CS_PIPE_STORE && j->job.id == id)
            return 1;
    return 0;
}

/* Whether the job came from one of the service's upload roots (not a `custody ingest` that
 * may be running beside it, whose jobs are its own). */
static int
ours(svc_t *s, const cs_job_t *job)
{
    for (size_t i = 0; i < s->nroots; i++)
        if (strcmp(s->roots[i], job->root) == 0)
            return 1;
    return 0;
}

/* A job of ours past its store step that nothing is moving on stalled: take it up again. A
 * job not stored yet is the scan's to claim again. */
static int
collect_stalled(const cs_job_t *job, void *arg)
{
    retry_t *r = arg;
    char path[PATH_MAX];
    if (job->state < CS_JOB_STORED || !ours(r->s, job) || in_flight(r->s, job->id))
        return 0;
    if ((size_t)snprintf(path, sizeof path, "%s/%s", job->root, job->rel) >= sizeof path)
        return 0;                          /* no such path was ever claimed */
    if (cs_settle_has(r->s->busy, path)) { /* a new upload there is storing: next time */
        r->waiting++;
        return 0;
    }
    r->taken++;
    return collect_active(job, r->s);
}

static void
on_retry(uv_timer_t *t)
{
    svc_t *s = t->data;
    retry_t r = {.s = s};
    if (s->stopping)
        return;
    uv_mutex_lock(&s->cat_lock);
    cs_diag_clear();
    int err = cs_jobs_each_active(s->cat, collect_stalled, &r);
    uv_mutex_unlock(&s->cat_lock);
    if (err != 0 || r.taken > 0 || r.waiting > 0)
        cs_log(err != 0 ? CS_LOG_ERROR : CS_LOG_INFO, "job.retry",
               json_pack("{s:i, s:i, s:s?}", "taken", r.taken, "waiting", r.waiting, "message",
                         err != 0 ? cs_diag() : NULL));
    if (err != 0 || r.waiting > 0)
        stalled(s, NULL);
}

/* Logs a stalled job (j may be NULL: a retry that could not look) and sets the retry. */
static void
stalled(svc_t *s, svc_job_t *j)
{
    if (j != NULL)
        svc_log_job("job.stalled", CS_LOG_ERROR, j, j->out.message);
    if (s->stopping || uv_is_active((uv_handle_t *)&s->retry_timer))
        return;
    uv_timer_start(&s->retry_timer, on_retry, s->retry_ms, 0);
    s->retry_ms = s->retry_ms * 2 < RETRY_MAX_MS ? s->retry_ms * 2 : RETRY_MAX_MS;
}

void
svc_jobs_init(svc_t *s)
{
    uv_timer_init(s->loop, &s->retry_timer);
    s->retry_timer.data = s;
    s->retry_ms = RETRY_FIRST_MS;
}

void
svc_jobs_drop_queue(svc_t *s)
{
    while (s->queue_head != NULL) {
        svc_job_t *j = s->queue_head;
        s->queue_head = j->next;
        svc_job_free(s, j);
    }
    s->queue_tail = NULL;
}
