/* ingest/service_int.h: what service.c, service_scan.c and service_jobs.c share. */
#ifndef CS_INGEST_SERVICE_INT_H
#define CS_INGEST_SERVICE_INT_H

#include "core/casenum.h"
#include "core/log.h"
#include "indexer/jobs.h"
#include "ingest/derive.h"
#include "ingest/jobstep.h"
#include "ingest/pipeline.h"
#include "ingest/scan.h"
#include "fixity/scrub.h"
#include "ingest/service.h"
#include "ingest/settle.h"
#include "ingest/worker.h"
#include "ingest/writers.h"

#include <uv.h>

#define SVC_MAX_ROOTS 16
#define SVC_MAX_STORES 64

typedef struct svc svc_t;

typedef struct svc_watch {
    uv_fs_event_t handle;
    struct svc_watch *next;
    int seen;
    char path[]; /* the folder */
} svc_watch_t;

typedef struct svc_job {
    uv_work_t work;
    svc_t *svc;
    struct svc_job *next;
    cs_pipe_step_t phase; /* the step it is at (ingest/pipeline.h), or how it ended */
    cs_pipe_step_t last;  /* the step before: the one whose outcome led here */
    cs_job_t job;
    char path[PATH_MAX]; /* root/rel: also the key in the busy set */
    struct stat settled;
    int store_slot;
    int err;
    cs_job_state_t was; /* its state before the finish batch: again when the batch fails */
    cs_step_out_t out;
    json_t *record;
    cs_reason_t failure;           /* why extraction failed; text "" when it did not */
    json_t *derive_req;            /* the "transcode" request, NULL when the item gets no copies */
    json_t *derive_res;            /* the worker's result, NULL when it failed */
    cs_reason_t derive_fail;       /* why the worker failed as a whole; text "" when it did not */
    struct svc_job *tnext;         /* in svc.transcoding while its transcode runs */
    struct svc_job *anext, *aprev; /* in svc.jobs from job_new to svc_job_free */
    double percent, fps;           /* its progress */
} svc_job_t;

struct svc {
    uv_loop_t *loop;
    const cs_service_opts_t *opts;
    cs_config_t cfg;
    cs_derive_opts_t derive_opts; /* cfg's transcode.*, refilled when cfg is */
    char *roots[SVC_MAX_ROOTS];
    size_t nroots;
    char receipts[PATH_MAX];
    cs_catalog_t *cat;
    uv_mutex_t cat_lock;
    cs_store_t *stores[SVC_MAX_STORES];
    int store_busy[SVC_MAX_STORES];
    int nstores;
    cs_casenum_rule_t *rule;
    struct cs_namepat *names;  /* ingest.name_pattern, read at start; NULL: none */
    int64_t clerk_id;          /* ingest.clerk's user id, credited with uploads; 0: nobody */
    cs_workers_t *workers;     /* extraction and photo copies */
    cs_workers_t *transcoders; /* recordings' copies: long steps, reporting progress */
    int transcoders_stopped;
    char derive_dir[PATH_MAX];  /* <home>/tmp/derive: workers write copies here */
    char status_path[PATH_MAX]; /* <home>/tmp/status.json: running transcodes */
    svc_job_t *transcoding;
    uv_timer_t periodic_timer;
    uv_timer_t watchdog_timer; /* WATCHDOG=1 to the service manager, when it asks */
    uv_work_t periodic_work;
    int periodic_running, periodic_final;
    uint64_t status_written_ms;
    cs_settle_t *settle; /* files settling */
    cs_settle_t *busy;   /* paths whose job is storing: not to be claimed twice */
    uv_timer_t rescan_timer, settle_timer, event_timer;
    uv_signal_t sig_term, sig_int, sig_hup;
    svc_watch_t *watches;
    size_t nwatches;
    cs_writers_t *writers; /* uploads still open for writing (writers.h); NULL: settling only */
    uv_poll_t writers_poll;
    uv_work_t scan_work;
    cs_scan_t scan;
    int scanning, scan_again, scan_err;
    int discovering;                    /* discover works in flight */
    uint64_t scan_gen;                  /* scans started so far */
    svc_job_t *queue_head, *queue_tail; /* waiting for a store slot */
    svc_job_t *finish_head;             /* extracted, waiting for the next finish batch */
    uv_work_t finish_work;
    svc_job_t *finishing;   /* the batch being committed, NULL when none */
    svc_job_t *jobs;        /* every job in flight, whatever its phase */
    uv_timer_t retry_timer; /* takes stalled jobs up again from the catalog */
    uint64_t retry_ms;      /* the next pause before that, doubling while stalls go on */
    int storing;            /* store-slot works running (STORE, RECOVER, DSTORE) */
    int inflight;           /* jobs between store and done */
    int stopping;
    int workers_stopped;
    int faces_started, faces_stopped; /* opts->start_faces succeeded; its stop is done */
    int lock_fd;
    cs_scrub_t *scrub; /* the fixity scrub's thread; NULL when store.scrub_days is 0 */
};

/* service_scan.c */
void svc_scan_init(svc_t *s);
void svc_scan_start(svc_t *s);
void svc_watches_close(svc_t *s);

/* service_jobs.c: the service's driver of the job pipeline (ingest/pipeline.h) */
void svc_job_submit(svc_t *s, int root, const char *rel, const struct stat *settled);
int svc_jobs_resume(svc_t *s);
void svc_jobs_init(svc_t *s);
void svc_jobs_drop_queue(svc_t *s);
void svc_maybe_finish(svc_t *s);
/* Every step's completion: the pipeline names the next step, which is started (or the job
 * ends: logged and freed). */
void svc_job_next(svc_t *s, svc_job_t *j, cs_pipe_outcome_t outcome);
void svc_job_free(svc_t *s, svc_job_t *j);
void svc_log_job(const char *event, cs_log_level_t level, svc_job_t *j, const char *message);

/* service_derive.c */
int svc_derive_open(svc_t *s);
int svc_derive_wanted(svc_t *s, svc_job_t *j);
void svc_derive_transcode(svc_t *s, svc_job_t *j);
void svc_derive_store_work(svc_job_t *j);
void svc_derive_status(svc_t *s, int force);

#endif
