/* ingest/jobstep_finish.c: the job steps after storing (jobstep.h): the extraction's record
 * and the copies committed, each failure with its reason and code, the job moved to done. */
#include "ingest/jobstep.h"

#include "core/error.h"
#include "ingest/derive.h"

int
cs_job_finish(const cs_job_env_t *env, cs_job_t *job, json_t *record, const cs_reason_t *failure)
{
    int err = 0;
    cs_job_env_lock(env);
    /* Transcoding and search indexing fill the two slots after extracted in later work; with
     * nothing to do there yet, the job goes from stored to done in one commit. */
    if (job->state == CS_JOB_STORED)
        err = cs_jobs_extracted(env->cat, job, record, failure, CS_JOB_DONE);
    if (err == 0 && job->state == CS_JOB_EXTRACTED)
        err = cs_jobs_advance(env->cat, job, CS_JOB_TRANSCODED, NULL);
    if (err == 0 && job->state == CS_JOB_TRANSCODED)
        err = cs_jobs_advance(env->cat, job, CS_JOB_INDEXED, NULL);
    if (err == 0 && job->state == CS_JOB_INDEXED)
        err = cs_jobs_advance(env->cat, job, CS_JOB_DONE, NULL);
    cs_job_env_unlock(env);
    return err;
}

int
cs_job_extracted(const cs_job_env_t *env, cs_job_t *job, json_t *record, const cs_reason_t *failure)
{
    int err = 0;
    cs_job_env_lock(env);
    if (job->state == CS_JOB_STORED)
        err = cs_jobs_extracted(env->cat, job, record, failure, CS_JOB_EXTRACTED);
    cs_job_env_unlock(env);
    return err;
}

int
cs_job_derived(const cs_job_env_t *env, cs_job_t *job, json_t *request, json_t *result,
               const cs_reason_t *failure, int *failed)
{
    cs_job_t was = *job;
    int err = 0, own;
    cs_job_env_lock(env);
    own = !cs_catalog_in_batch(env->cat);
    if (own && (err = cs_catalog_batch_begin(env->cat)) != 0)
        goto out;
    if (job->state == CS_JOB_EXTRACTED)
        err = cs_derive_commit(env->cat, job->sha256, request, result, failure, env->actor, failed);
    for (cs_job_state_t to = CS_JOB_TRANSCODED; err == 0 && to <= CS_JOB_DONE; to++)
        if (job->state == to - 1)
            err = cs_jobs_advance(env->cat, job, to, NULL);
    if (own && err == 0)
        err = cs_catalog_batch_commit(env->cat);
    else if (own)
        cs_catalog_batch_rollback(env->cat);
out:
    if (err != 0)
        *job = was; /* nothing of it stands: the job is where it was */
    cs_job_env_unlock(env);
    return err;
}
