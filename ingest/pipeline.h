/* ingest/pipeline.h: how a file moves through the job states, written once.
 *
 * A job's durable state (indexer/jobs.h) goes
 *
 *   discovered -> claimed -> stored -> extracted -> transcoded -> indexed -> done
 *                    \-> rejected (moved aside with its reason)
 *
 * and these steps move it (each commits its state before it ends, so a crash at any moment
 * resumes from a state that is true on disk):
 *
 *   step       runs on            starts at    success commits   then
 *   STORE      a store slot       discovered   stored            EXTRACT (PLAN if past stored)
 *   RECOVER    a store slot       any active   (as it finds)     as STORE
 *   EXTRACT    a media worker     stored       (nothing yet)     PLAN
 *   PLAN       the caller         stored+      (nothing)         RECORD if copies are wanted and
 *                                                                the job is at stored, TRANSCODE
 *                                                                if wanted and extracted, else
 *                                                                FINISH
 *   RECORD     the catalog        stored       extracted         TRANSCODE
 *   TRANSCODE  a worker           extracted    (nothing yet)     DSTORE
 *   DSTORE     a store slot       extracted    (copies stored)   FINISH
 *   FINISH     the catalog        stored+      done (through     DONE
 *                                              transcoded, indexed)
 *
 * What a failure means (the outcome a step reports):
 *   - a worker that fails (EXTRACT, TRANSCODE) is no failure of the job: its reason is recorded
 *     with the item (the metadata, or each profile as failed) and the job goes on;
 *   - the disk or the catalog failing (CS_PIPE_ENV, any step) stalls the job at the state it
 *     reached; the service takes it up again later, `custody ingest` reports the error;
 *   - the file's own fault (STORE, RECOVER) rejects it; a file that moved lets it settle again
 *     (unsettled); an upload that already is a stored object is removed (already);
 *   - a driver that stops (CS_PIPE_STOPPED) leaves the job where it is, to resume next start.
 *
 * Two drivers run this machine and both ask cs_pipeline_next() for the step after each one:
 * `custody ingest` (ingest/ingest.c) runs the steps in a loop, waiting in line for each worker
 * answer; the service (ingest/service_jobs.c) starts each step on the thread pool, a worker or
 * the finish batch, and its completion calls svc_job_next(), which asks cs_pipeline_next(). */
#ifndef CS_INGEST_PIPELINE_H
#define CS_INGEST_PIPELINE_H

#include "indexer/jobs.h"
#include "ingest/jobstep.h"

#include <jansson.h>

typedef enum {
    CS_PIPE_STORE,     /* claim and store the upload */
    CS_PIPE_RECOVER,   /* bring a job found active at start-up back to a state to go on from */
    CS_PIPE_EXTRACT,   /* metadata, in a media worker */
    CS_PIPE_PLAN,      /* which copies the item gets (the "transcode" request, or none) */
    CS_PIPE_RECORD,    /* commit the metadata, stop at extracted */
    CS_PIPE_TRANSCODE, /* the copies, in a worker */
    CS_PIPE_DSTORE,    /* store what the worker wrote */
    CS_PIPE_FINISH,    /* commit the rest (copies, metadata) and done */
    /* Ends: nothing more runs. */
    CS_PIPE_DONE,      /* the job is done */
    CS_PIPE_STALLED,   /* the environment failed: the job keeps its state, to be taken up again */
    CS_PIPE_REJECTED,  /* the file cannot be accepted */
    CS_PIPE_UNSETTLED, /* the file moved: it settles again */
    CS_PIPE_ALREADY,   /* the upload already is a stored object: removed, nothing recorded */
    CS_PIPE_STOPPED,   /* the driver stopped: the job resumes at the next start */
} cs_pipe_step_t;

#define CS_PIPE_FIRST_END CS_PIPE_DONE

typedef enum {
    CS_PIPE_OK,        /* the step did its work (a worker's failure recorded counts as done) */
    CS_PIPE_ENV,       /* the disk or the catalog failed */
    CS_PIPE_REJECT,    /* the file's own fault */
    CS_PIPE_UNSETTLE,  /* the file moved */
    CS_PIPE_IS_STORED, /* the upload already is a stored object */
    CS_PIPE_STOP,      /* the driver is stopping */
} cs_pipe_outcome_t;

/** The step after `step` ended with `outcome`, for a job now at `state`; `derive`: PLAN found
 * copies to make. An end (>= CS_PIPE_FIRST_END) when nothing more runs. */
cs_pipe_step_t cs_pipeline_next(cs_pipe_step_t step, cs_pipe_outcome_t outcome,
                                cs_job_state_t state, int derive);

/** 1 if `step` is an end. */
int cs_pipeline_is_end(cs_pipe_step_t step);

/** The step's name ("store", ..., "done", "stalled"), for logs and tests. */
const char *cs_pipeline_step_name(cs_pipe_step_t step);

/** The outcome of a store or recover step that returned `err` with `out`. */
cs_pipe_outcome_t cs_pipeline_store_outcome(int err, const cs_step_out_t *out);

/** Runs the catalog part of RECORD or FINISH for `job` (the caller's batch, if one is open, takes
 * it): RECORD commits `record` (failure: why extraction failed) and stops at extracted; FINISH
 * commits the copies of `derive_req` (result, derive_fail, *failed as cs_job_derived) when there
 * is one, else the metadata, and moves the job to done. 0 or a CS_E* code (job unchanged). */
int cs_pipeline_commit(const cs_job_env_t *env, cs_pipe_step_t step, cs_job_t *job, json_t *record,
                       const cs_reason_t *failure, json_t *derive_req, json_t *derive_res,
                       const cs_reason_t *derive_fail, int *failed);

#endif
