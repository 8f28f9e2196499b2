/* ingest/ingest.c: one file through the pipeline, synchronously. */
#include "ingest/ingest.h"

#include "core/error.h"
#include "media/extract.h"
#include "indexer/jobs.h"
#include "ingest/derive.h"
#include "ingest/jobstep.h"
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
        cs_worker_answer_cb(c, CS_EWORKER, NULL, cs_diag());
        return;
    }
    if (cs_store_path(ctx->store, sha256, obj, sizeof obj) == 0)
        fields = json_pack("{s:s, s:s, s:s?, s:o?}", "path", obj, "sha256", sha256, "media_type",
                           media_type, "hints", cs_job_hints(job, ctx->default_tz));
    if (fields == NULL ||
        cs_workers_submit(ctx->workers, "extract", fields, cs_worker_answer_cb, c) != 0)
        cs_worker_answer_cb(c, CS_EWORKER, NULL, "could not hand the file to a worker");
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

/* Makes, stores and records the derivatives of a job left at extracted. */
static int
derive(cs_ingest_ctx_t *ctx, const cs_job_env_t *env, cs_job_t *job, const char *name, json_t *req,
       cs_ingest_result_t *res)
{
    derive_call_t d = {.ctx = ctx, .name = name};
    cs_worker_answer_t *c = &d.answer;
    char failure[600] = "";
    int err;
    if (cs_workers_submit_progress(ctx->workers, "transcode", req, cs_worker_answer_cb,
                                   ctx->progress ? on_progress : NULL, &d) != 0)
        cs_worker_answer_cb(c, CS_EWORKER, NULL, "could not hand the file to a worker");
    while (!c->done)
        uv_run(ctx->loop, UV_RUN_ONCE);
    if (c->rc != 0)
        snprintf(failure, sizeof failure, "transcoding failed: %.500s", c->reason);
    if ((err = cs_derive_store(ctx->store, c->result)) == 0)
        err = cs_job_derived(env, job, req, c->result, failure[0] ? failure : NULL,
                             &res->derivatives_failed);
    if (err != 0) {
        cs_job_env_lock(env);
        cs_derive_unstore(ctx->store, env->cat, c->result);
        cs_job_env_unlock(env);
    }
    res->derivatives = (int)json_array_size(json_object_get(req, "profiles"));
    json_decref(c->result);
    return err;
}

/* A job an earlier run left at extracted (it stopped before the copies were stored): what
 * extraction found is in the catalog, and the copies are made again, as the service does. */
static void
resume_extracted(cs_ingest_ctx_t *ctx, cs_job_t *job, cs_worker_answer_t *c,
                 cs_ingest_result_t *res)
{
    memset(c, 0, sizeof *c);
    c->done = 1;
    if (cs_catalog_metadata(ctx->cat, job->sha256, &c->result) != 0)
        c->result = NULL;
    if (ctx->worker_opts != NULL && ctx->workers == NULL &&
        cs_workers_start(&ctx->workers, ctx->loop, ctx->worker_opts) != 0)
        snprintf(res->failure, sizeof res->failure, "%s", cs_diag());
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

int
cs_ingest_file(cs_ingest_ctx_t *ctx, const char *path, const char *case_number, const char *party,
               cs_ingest_result_t *res)
{
    cs_route_t route;
    cs_job_t *job = NULL;
    cs_step_out_t out;
    cs_worker_answer_t call = {0};
    json_t *req = NULL;
    char abs[PATH_MAX];
    int err;

    memset(res, 0, sizeof *res);
    memset(&route, 0, sizeof route);
    if (case_number != NULL)
        snprintf(route.case_number, sizeof route.case_number, "%s", case_number);
    if (party != NULL &&
        (size_t)snprintf(route.party, sizeof route.party, "%s", party) >= sizeof route.party) {
        cs_diag_set("--party \"%s\" is longer than %zu bytes", party, sizeof route.party - 1);
        return CS_ENAMETOOLONG;
    }
    cs_job_env_t env = {
        .cat = ctx->cat,
        .store = ctx->store,
        .rule = ctx->rule,
        .mode = CS_MODE_COPY,
        .actor = ctx->actor,
        .user_id = ctx->user_id,
        .route = &route,
        .relaxed = 1, /* the caller syncs before it reports (cs_catalog_sync) */
    };
    if ((job = calloc(1, sizeof *job)) == NULL)
        return CS_ENOMEM;
    if (realpath(path, abs) == NULL)
        snprintf(abs, sizeof abs, "%s", path);
    /* A catalog that cannot take the arrival is found before the bytes are copied. */
    if ((err = cs_catalog_check_writable(ctx->cat)) != 0 ||
        (err = cs_jobs_find(ctx->cat, CLI_ROOT, abs, job)) != 0 ||
        (err = cs_job_store(&env, job, path, NULL, &out)) != 0)
        goto out;
    if (out.step != CS_STEP_NEXT) {
        cs_diag_set("%s", out.message);
        err = out.code ? out.code : CS_EINVAL;
        goto out;
    }
    snprintf(res->sha256, sizeof res->sha256, "%s", job->sha256);
    res->size = (uint64_t)job->size;
    res->media_type = out.media_type;
    res->item_created = out.item_created;
    /* A job an earlier run left stored or extracted: the store step that sniffed its media type
     * did not run now, and the copies it gets depend on it. */
    if (res->media_type == NULL &&
        (job->state == CS_JOB_STORED || job->state == CS_JOB_EXTRACTED) &&
        (err = cs_job_sniff_stored(ctx->store, job->sha256, &res->media_type)) != 0)
        goto out;
    if (job->state == CS_JOB_EXTRACTED)
        resume_extracted(ctx, job, &call, res);
    if (job->state == CS_JOB_STORED)
        extract(ctx, job, res->media_type, &call);
    if (call.rc != 0 &&
        (size_t)snprintf(res->failure, sizeof res->failure, "metadata extraction failed: %.400s",
                         call.reason) >= sizeof res->failure)
        res->failure[sizeof res->failure - 1] = '\0';
    if (ctx->derive_opts != NULL && ctx->derive_dir != NULL && ctx->workers != NULL &&
        (job->state == CS_JOB_STORED || job->state == CS_JOB_EXTRACTED) &&
        cs_store_path(ctx->store, job->sha256, abs, sizeof abs) == 0)
        req = cs_derive_request(ctx->derive_opts, ctx->derive_dir, abs, job->sha256, res->media_type,
                                call.result, NULL, NULL);
    if (req == NULL) {
        err = cs_job_finish(&env, job, call.result, res->failure[0] ? res->failure : NULL);
        goto out;
    }
    if (job->state == CS_JOB_STORED)
        err = cs_job_extracted(&env, job, call.result, res->failure[0] ? res->failure : NULL);
    if (err == 0)
        err = derive(ctx, &env, job, path, req, res);
out:
    json_decref(req);
    json_decref(call.result);
    free(job);
    return err;
}

int
cs_ingest_error_is_fatal(int rc)
{
    return rc == CS_ENOSPC || rc == CS_EBUSY || rc == CS_ECORRUPT || rc == CS_EDB ||
           rc == CS_ENOMEM || rc == CS_ECONFIG || rc == CS_EIO;
}
