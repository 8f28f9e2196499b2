/* ingest/pipeline.c: the job state machine's transitions (see pipeline.h). */
#include "ingest/pipeline.h"

#include "core/error.h"

#define BY_STATE (-1) /* the successor depends on the job's state (and PLAN's answer) */

/* Each step's successor when it succeeds. A failure's meaning is the same for every step
 * (the outcome names its end), so it needs no column. */
static const struct {
    const char *name;
    int ok;
} steps[] = {
    [CS_PIPE_STORE] = {"store", BY_STATE},
    [CS_PIPE_RECOVER] = {"recover", BY_STATE},
    [CS_PIPE_EXTRACT] = {"extract", CS_PIPE_PLAN},
    [CS_PIPE_PLAN] = {"plan", BY_STATE},
    [CS_PIPE_RECORD] = {"record", CS_PIPE_TRANSCODE},
    [CS_PIPE_TRANSCODE] = {"transcode", CS_PIPE_DSTORE},
    [CS_PIPE_DSTORE] = {"dstore", CS_PIPE_FINISH},
    [CS_PIPE_FINISH] = {"finish", CS_PIPE_DONE},
    [CS_PIPE_DONE] = {"done", CS_PIPE_DONE},
    [CS_PIPE_STALLED] = {"stalled", CS_PIPE_STALLED},
    [CS_PIPE_REJECTED] = {"rejected", CS_PIPE_REJECTED},
    [CS_PIPE_UNSETTLED] = {"unsettled", CS_PIPE_UNSETTLED},
    [CS_PIPE_ALREADY] = {"already", CS_PIPE_ALREADY},
    [CS_PIPE_STOPPED] = {"stopped", CS_PIPE_STOPPED},
};

#define NSTEPS (sizeof steps / sizeof steps[0])

int
cs_pipeline_is_end(cs_pipe_step_t step)
{
    return step >= CS_PIPE_FIRST_END;
}

const char *
cs_pipeline_step_name(cs_pipe_step_t step)
{
    return (unsigned)step < NSTEPS ? steps[step].name : "?";
}

/* After a store or a recovery: extraction if the job is at stored; past it (an earlier run got
 * further), straight to the plan, which finds what extraction recorded. Short of stored nothing
 * can go on: the job waits to be taken up again. */
static cs_pipe_step_t
after_store(cs_job_state_t state)
{
    if (state == CS_JOB_STORED)
        return CS_PIPE_EXTRACT;
    if (state > CS_JOB_STORED && state < CS_JOB_REJECTED)
        return CS_PIPE_PLAN;
    return CS_PIPE_STALLED;
}

/* After the plan: the metadata is committed first when copies follow (a crash then transcodes
 * again from extracted); without copies, one commit takes the job to done. */
static cs_pipe_step_t
after_plan(cs_job_state_t state, int derive)
{
    if (!derive || state > CS_JOB_EXTRACTED)
        return CS_PIPE_FINISH;
    return state == CS_JOB_STORED ? CS_PIPE_RECORD : CS_PIPE_TRANSCODE;
}

cs_pipe_step_t
cs_pipeline_next(cs_pipe_step_t step, cs_pipe_outcome_t outcome, cs_job_state_t state, int derive)
{
    if ((unsigned)step >= NSTEPS)
        return CS_PIPE_STALLED;
    if (cs_pipeline_is_end(step))
        return step;
    switch (outcome) {
    case CS_PIPE_OK:
        break;
    case CS_PIPE_ENV:
        return CS_PIPE_STALLED;
    case CS_PIPE_REJECT:
        return CS_PIPE_REJECTED;
    case CS_PIPE_UNSETTLE:
        return CS_PIPE_UNSETTLED;
    case CS_PIPE_IS_STORED:
        return CS_PIPE_ALREADY;
    case CS_PIPE_STOP:
    default:
        return CS_PIPE_STOPPED;
    }
    if (steps[step].ok != BY_STATE)
        return (cs_pipe_step_t)steps[step].ok;
    if (step == CS_PIPE_PLAN)
        return after_plan(state, derive);
    return after_store(state);
}

cs_pipe_outcome_t
cs_pipeline_store_outcome(int err, const cs_step_out_t *out)
{
    if (err != 0)
        return CS_PIPE_ENV;
    switch (out->step) {
    case CS_STEP_NEXT:
        return CS_PIPE_OK;
    case CS_STEP_REJECTED:
        return CS_PIPE_REJECT;
    case CS_STEP_ALREADY:
        return CS_PIPE_IS_STORED;
    case CS_STEP_UNSETTLED:
    default:
        return CS_PIPE_UNSETTLE;
    }
}

int
cs_pipeline_commit(const cs_job_env_t *env, cs_pipe_step_t step, cs_job_t *job, json_t *record,
                   const cs_reason_t *failure, json_t *derive_req, json_t *derive_res,
                   const cs_reason_t *derive_fail, int *failed)
{
    if (step == CS_PIPE_RECORD)
        return cs_job_extracted(env, job, record, failure);
    if (step != CS_PIPE_FINISH)
        return CS_EINVAL;
    if (derive_req != NULL)
        return cs_job_derived(env, job, derive_req, derive_res, derive_fail, failed);
    return cs_job_finish(env, job, record, failure);
}
