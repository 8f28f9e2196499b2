/* ingest/ingest.c: one file through the pipeline, synchronously. */
#include "ingest/ingest.h"
#include "core/buf.h"

#include "core/error.h"
#include "media/extract.h"
#include "indexer/jobs.h"
#include "ingest/derive.h"
#include "ingest/jobstep.h"
#include "ingest/pipeline.h"
#include "ingest/prefix.h"
#include "ingest/route.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Jobs of `custody ingest` live under this root name: no upload folder has it. */
#define CLI_ROOT "(custody ingest)"

/* Asks a worker for the stored original's metadata and waits for the answer. */
static void
extract(cs_ingest_ctx_t *ctx, const cs_job_t *job, const char *media_type, cs_worker_answer_t *c)
{
    const char *sha256 = job->sha256;
    char obj[PATH_MAX];
    json_t *fields = NULL;
    memset(c, 0, sizeof *c);
    if (ctx->worker_opts == NULL) {
        c->done = 1;
        return;
    }
    if (!cs_extract_wanted(media_type)) { /* nothing a parser could read: no worker needed */
        c->done = 1;
        c->result = cs_extract_unrecognised();
        return;
    }
    if (ctx->workers == NULL && cs_workers_start(&ctx->workers, ctx->loop, ctx->worker_opts) != 0) {
        cs_worker_fail_now(c, cs_worker_answer_cb, cs_diag());
        return;
    }
    if (cs_store_local_path(ctx->store, sha256, obj, sizeof obj) == 0)
        fields = json_pack("{s:s, s:s, s:s?, s:o?}", "path", obj, "sha256", sha256, "media_type",
                           media_type, "hints", cs_job_hints(job, ctx->default_tz, ctx->site));
    if (fields == NULL ||
        cs_workers_submit(ctx->workers, "extract", fields, cs_worker_answer_cb, c) != 0)
        cs_worker_fail_now(c, cs_worker_answer_cb, "could not hand the file to a worker");
    json_decref(fields);
    while (!c->done)
        uv_run(ctx->loop, UV_RUN_ONCE);
}

/* The answer first: cs_worker_answer_cb fills it through the same pointer. */
typedef struct derive_call {
    cs_worker_answer_t answer;
    cs_ingest_ctx_t *ctx;
    const char *name;
} derive_call_t;

static void
on_progress(void *arg, json_t *progress)
{
    derive_call_t *d = arg;
    d->ctx->progress(d->ctx->progress_arg, d->name,
                     json_number_value(json_object_get(progress, "percent")),
                     json_number_value(json_object_get(progress, "fps")));
}

/* The transcode step: the worker writes the copies; its failure is recorded with them. */
static void
transcode(cs_ingest_ctx_t *ctx, const char *name, json_t *req, cs_worker_answer_t *c,
          cs_reason_t *failure)
{
    derive_call_t d = {.ctx = ctx, .name = name};
    if (cs_workers_submit_progress(ctx->workers, "transcode", req, cs_worker_answer_cb,
                                   ctx->progress ? on_progress : NULL, &d) != 0)
        cs_worker_fail_now(&d.answer, cs_worker_answer_cb, "could not hand the file to a worker");
    while (!d.answer.done)
        uv_run(ctx->loop, UV_RUN_ONCE);
    *c = d.answer;
    if (c->rc != 0)
        cs_reason_caused(failure, CS_R_TRANSCODE, "transcoding failed: ", &c->why);
}

/* A job an earlier run left at extracted (it stopped before the copies were stored): what
 * extraction found is in the catalog, and the copies are made again, as the service does. */
static void
resume_extracted(cs_ingest_ctx_t *ctx, cs_job_t *job, cs_worker_answer_t *c, cs_reason_t *failure)
{
    memset(c, 0, sizeof *c);
    c->done = 1;
    if (cs_catalog_metadata(ctx->cat, job->sha256, &c->result) != 0)
        c->result = NULL;
    if (ctx->worker_opts != NULL && ctx->workers == NULL &&
        cs_workers_start(&ctx->workers, ctx->loop, ctx->worker_opts) != 0)
        cs_reason_set(failure, CS_R_WORKER_UNAVAILABLE, NULL, "%s", cs_diag());
}

void
cs_ingest_finish(cs_ingest_ctx_t *ctx)
{
    if (ctx->workers == NULL)
        return;
    cs_workers_stop(ctx->workers, NULL, NULL);
    ctx->workers = NULL;
    uv_run(ctx->loop, UV_RUN_DEFAULT);
}

/* One file's job as it goes through the steps. */
typedef struct run {
    cs_ingest_ctx_t *ctx;
    cs_job_env_t env;
    cs_job_t *job;
    const char *path;
    cs_ingest_result_t *res;
    cs_step_out_t out;
    cs_worker_answer_t call;   /* extraction's answer: call.result is the metadata record */
    cs_worker_answer_t copies; /* the transcode's answer */
    json_t *req;               /* the "transcode" request; NULL: no copies */
    cs_reason_t failure;       /* why extraction failed (text ""/ when it did not) */
    cs_reason_t derive_fail;   /* why the transcode failed as a whole */
    int err;                   /* why the run ended short of done (environment) */
} run_t;

static cs_pipe_outcome_t
step_store(run_t *r)
{
    cs_ingest_ctx_t *ctx = r->ctx;
    char abs[PATH_MAX];
    if (realpath(r->path, abs) == NULL && cs_snprintf(abs, sizeof abs, "%s", r->path) != 0) {
        cs_diag_set("%.200s...: the path is longer than %zu bytes", r->path, sizeof abs - 1);
        r->err = CS_ENAMETOOLONG;
        return CS_PIPE_ENV;
    }
    /* A catalog that cannot take the arrival is found before the bytes are copied. */
    if ((r->err = cs_catalog_check_writable(ctx->cat)) != 0 ||
        (r->err = cs_jobs_find(ctx->cat, CLI_ROOT, abs, r->job)) != 0)
        return CS_PIPE_ENV;
    r->err = cs_job_store(&r->env, r->job, r->path, NULL, &r->out);
    if (r->err == 0)
        cs_prefix_after_store(&r->env, r->job, r->path, &r->out);
    cs_pipe_outcome_t oc = cs_pipeline_store_outcome(r->err, &r->out);
    if (oc != CS_PIPE_OK)
        return oc;
    /* fits: a sha256 of 64 hex digits, in 65 */
    snprintf(r->res->sha256, sizeof r->res->sha256, "%s", r->job->sha256);
    r->res->size = (uint64_t)r->job->size;
    r->res->media_type = r->out.media_type;
    r->res->item_created = r->out.item_created;
    /* A job an earlier run left stored or extracted: the store step that sniffed its media type
     * did not run now, and the copies it gets depend on it. */
    if (r->res->media_type == NULL &&
        (r->job->state == CS_JOB_STORED || r->job->state == CS_JOB_EXTRACTED) &&
        (r->err = cs_job_sniff_stored(ctx->store, r->job->sha256, &r->res->media_type)) != 0)
        return CS_PIPE_ENV;
    return CS_PIPE_OK;
}

/* Which copies the item gets: none without workers or a place for them to write. */
static cs_pipe_outcome_t
step_plan(run_t *r)
{
    cs_ingest_ctx_t *ctx = r->ctx;
    cs_ingest_result_t *res = r->res;
    char obj[PATH_MAX];
    if (r->job->state == CS_JOB_EXTRACTED)
        resume_extracted(ctx, r->job, &r->call, &r->failure);
    if (r->call.rc != 0)
        cs_reason_caused(&r->failure, CS_R_EXTRACT, "metadata extraction failed: ", &r->call.why);
    /* for people: cut, not refused */
    cs_snprintf_cut(res->failure, sizeof res->failure, "%s", r->failure.text);
    const char *damaged =
        json_string_value(json_object_get(json_object_get(r->call.result, "damaged"), "reason"));
    if (damaged != NULL) /* a sentence for people: cut, not refused */
        cs_snprintf_cut(res->damaged, sizeof res->damaged, "%s", damaged);
    if (ctx->derive_opts != NULL && ctx->derive_dir != NULL && ctx->workers != NULL &&
        (r->job->state == CS_JOB_STORED || r->job->state == CS_JOB_EXTRACTED) &&
        cs_store_local_path(ctx->store, r->job->sha256, obj, sizeof obj) == 0) {
        json_t *decision = cs_derive_decide(ctx->cat, res->media_type, r->call.result);
        r->req = cs_derive_request_decided(ctx->derive_opts, ctx->derive_dir, obj, r->job->sha256,
                                           res->media_type, r->call.result, decision, NULL, NULL);
        json_decref(decision);
    }
    return CS_PIPE_OK;
}

/* RECORD, FINISH: the catalog's part; copies stored but not recorded are taken back. */
static cs_pipe_outcome_t
step_commit(run_t *r, cs_pipe_step_t step)
{
    const cs_reason_t *failure = r->failure.text[0] ? &r->failure : NULL;
    r->err = cs_pipeline_commit(&r->env, step, r->job, r->call.result, failure, r->req,
                                r->copies.result, r->derive_fail.text[0] ? &r->derive_fail : NULL,
                                &r->res->derivatives_failed);
    if (r->err != 0 && step == CS_PIPE_FINISH && r->req != NULL)
        cs_derive_unstore(r->ctx->store, r->ctx->cat, r->copies.result);
    return r->err == 0 ? CS_PIPE_OK : CS_PIPE_ENV;
}

static cs_pipe_outcome_t
run_step(run_t *r, cs_pipe_step_t step)
{
    switch (step) {
    case CS_PIPE_STORE:
        return step_store(r);
    case CS_PIPE_EXTRACT:
        extract(r->ctx, r->job, r->res->media_type, &r->call);
        return CS_PIPE_OK;
    case CS_PIPE_PLAN:
        return step_plan(r);
    case CS_PIPE_TRANSCODE:
        r->res->derivatives = (int)json_array_size(json_object_get(r->req, "profiles"));
        transcode(r->ctx, r->path, r->req, &r->copies, &r->derive_fail);
        return CS_PIPE_OK;
    case CS_PIPE_DSTORE:
        if ((r->err = cs_derive_store(r->ctx->store, r->copies.result)) == 0)
            return CS_PIPE_OK;
        cs_derive_unstore(r->ctx->store, r->ctx->cat, r->copies.result);
        return CS_PIPE_ENV;
    case CS_PIPE_RECORD:
    case CS_PIPE_FINISH:
        return step_commit(r, step);
    default: /* RECOVER is the service's: a clerk's file is claimed afresh by STORE */
        r->err = CS_EINVAL;
        return CS_PIPE_ENV;
    }
}

int
cs_ingest_file(cs_ingest_ctx_t *ctx, const char *path, const char *case_number, const char *party,
               cs_ingest_result_t *res)
{
    cs_route_t route;
    run_t r = {.ctx = ctx, .path = path, .res = res};
    cs_pipe_step_t step = CS_PIPE_STORE;

    memset(res, 0, sizeof *res);
    memset(&route, 0, sizeof route);
    if (case_number != NULL &&
        cs_snprintf(route.case_number, sizeof route.case_number, "%s", case_number) != 0) {
        cs_diag_set("--case is longer than %zu bytes", sizeof route.case_number - 1);
        return CS_ENAMETOOLONG;
    }
    if (party != NULL &&
        (size_t)snprintf(route.party, sizeof route.party, "%s", party) >= sizeof route.party) {
        cs_diag_set("--party \"%s\" is longer than %zu bytes", party, sizeof route.party - 1);
        return CS_ENAMETOOLONG;
    }
    if (ctx->stage != NULL && cs_snprintf(route.stage, sizeof route.stage, "%s", ctx->stage) != 0) {
        cs_diag_set("stage \"%s\" is longer than %zu bytes", ctx->stage, sizeof route.stage - 1);
        return CS_ENAMETOOLONG;
    }
    r.env = (cs_job_env_t){
        .cat = ctx->cat,
        .store = ctx->store,
        .rule = ctx->rule,
        .mode = CS_MODE_COPY,
        .actor = ctx->actor,
        .user_id = ctx->user_id,
        .route = &route,
        .names = ctx->names,
        .relaxed = 1, /* the caller syncs before it reports (cs_catalog_sync) */
    };
    if ((r.job = calloc(1, sizeof *r.job)) == NULL)
        return CS_ENOMEM;
    /* The service's machine, run in line: cs_pipeline_next names each step after the last. */
    while (!cs_pipeline_is_end(step)) {
        cs_pipe_outcome_t oc = run_step(&r, step);
        step = cs_pipeline_next(step, oc, r.job->state, r.req != NULL);
    }
    if (step != CS_PIPE_DONE && r.err == 0) { /* the file's own fault: rejected */
        cs_diag_set("%s", r.out.message);
        r.err = r.out.code ? r.out.code : CS_EINVAL;
    }
    json_decref(r.req);
    json_decref(r.call.result);
    json_decref(r.copies.result);
    free(r.job);
    return r.err;
}

int
cs_ingest_error_is_fatal(int rc)
{
    return rc == CS_ENOSPC || rc == CS_EBUSY || rc == CS_ECORRUPT || rc == CS_EDB ||
           rc == CS_ENOMEM || rc == CS_ECONFIG || rc == CS_EIO;
}
