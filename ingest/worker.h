/* ingest/worker.h: media workers: `custody-worker` child processes that parse untrusted
 * media, so that a crash, a hang or a runaway allocation there ends one step, not the
 * service.
 *
 * Protocol (one JSON object per line): the service writes a request
 *   {"id":7,"step":"extract","path":"<object path>","media_type":"video/mp4", ...}
 * on the worker's stdin; the worker answers on its stdout
 *   {"id":7,"ok":true,"result":{...}}  or  {"id":7,"ok":false,"error":"<one line>"}.
 * The worker's stderr is passed through to the service's log. A worker serves one request
 * at a time, any number in a row. Steps: "extract" (media/extract.h; "path" and
 * "media_type"), "transcode" (media/transcode.h; see ingest/derive.h for its fields) and
 * "ping" (answers {"pid": N}). An answer line longer than 1 MiB, one that
 * is not JSON or names another id counts as a worker failure, like a crash or a timeout.
 * A long step ("transcode") may write progress lines {"id":7,"progress":{...}} before its
 * answer; each restarts the request's timeout, so the timeout bounds a silence, not a job.
 * "probe" (custody probe: "files", each {"file", "path", "media_type", "hints"}) writes one
 * raw line {"id":7,"raw":[i,{record}]} or {"id":7,"raw":[i,null,"why"]} per file before its
 * answer {"n": count}; raw lines restart the timeout too, and reach the caller unparsed
 * (cs_workers_submit_raw).
 * Resource limits are passed as `--rlimit-as-mb N --rlimit-cpu-s N` and the worker applies
 * them to itself (uv_spawn cannot limit a child). Test-only faults: worker_main.c.
 */
#ifndef CS_INGEST_WORKER_H
#define CS_INGEST_WORKER_H

#include "core/reason.h"

#include <jansson.h>
#include <stdint.h>
#include <uv.h>

typedef struct cs_workers cs_workers_t;

typedef struct cs_worker_opts {
    const char *exe;  /* path of the custody-worker program (tools/cli.h: CS_WORKER_EXE) */
    const char *home; /* passed as `custody-worker --home HOME` */
    int count;        /* worker processes (>= 1) */
    int timeout_ms;   /* a request silent this long (no answer, no progress) kills its worker */
    int retries;      /* a request whose worker died is tried this many more times */
    int rlimit_as_mb; /* RLIMIT_AS of each worker, MiB (0: none) */
    int rlimit_cpu_s; /* RLIMIT_CPU of each worker, seconds (0: none) */
} cs_worker_opts_t;

/** Called once per submitted request, on the loop thread. rc 0: `result` (borrowed; NULL
 * when the worker answered ok without one) is the worker's answer. rc CS_EWORKER: the worker
 * answered ok:false, or it crashed, hung past the timeout or hit a limit on every try;
 * `why` says so: one line a clerk can read ("worker killed by signal 11 (SIGSEGV) on 3
 * tries"), its code (worker-signal, worker-exit, timeout, worker-write, worker-protocol,
 * worker-unavailable, media-error: core/reason.h) and params (signal, name, status, ms, tries).
 * rc CS_ECANCELED: the pool stopped first. `why` is NULL for rc 0. */
typedef void (*cs_worker_cb)(void *arg, int rc, json_t *result, const cs_reason_t *why);

/** An answer kept for a caller that waits for it in line (custody ingest, custody probe). */
typedef struct cs_worker_answer {
    int done; /* set when the callback has run */
    int rc;
    json_t *result; /* a reference the caller drops, or NULL */
    char reason[512];
    cs_reason_t why; /* the reason whole, with its code */
} cs_worker_answer_t;

/** A cs_worker_cb that fills the cs_worker_answer_t passed as `arg`. */
void cs_worker_answer_cb(void *arg, int rc, json_t *result, const cs_reason_t *why);

/** Calls cb(arg, CS_EWORKER, NULL, why) at once, `why` being `text` as worker-unavailable: a
 * request that could not be handed to a worker. */
void cs_worker_fail_now(void *arg, cs_worker_cb cb, const char *text);

/** Starts `opts->count` workers on `loop`. Returns 0, or CS_EINVAL (bad opts), CS_ENOENT or
 * CS_EACCES (exe cannot be run), CS_ENOMEM, with *out NULL and a detail in cs_diag(); handles
 * opened before an error close as the loop runs. Ignores SIGPIPE in this process if it was
 * at its default, so that writing to a worker that just died cannot kill the service. */
int cs_workers_start(cs_workers_t **out, uv_loop_t *loop, const cs_worker_opts_t *opts);

/** Queues a request: `step` plus the members of `fields` (borrowed; may be NULL). Requests
 * run in the order submitted; one to be retried goes back to the front. `cb` is always
 * called exactly once, unless this returns an error: CS_EINVAL (no step or cb),
 * CS_ECANCELED (the pool is stopping) or CS_ENOMEM. */
int cs_workers_submit(cs_workers_t *w, const char *step, json_t *fields, cs_worker_cb cb,
                      void *arg);

/** Called on the loop thread for each progress line of a running request (`progress`
 * borrowed: {"percent": 0..100 | -1, "fps": N}). */
typedef void (*cs_worker_progress_cb)(void *arg, json_t *progress);

/** cs_workers_submit, with `progress` (may be NULL) called for the request's progress lines
 * until `cb` runs. */
int cs_workers_submit_progress(cs_workers_t *w, const char *step, json_t *fields, cs_worker_cb cb,
                               cs_worker_progress_cb progress, void *arg);

/** Called on the loop thread for each raw line {"id":N,"raw":[...]} of a running request,
 * with the bytes between "[" and "]" (not NUL-terminated, not parsed: a caller that wants a
 * great many records, custody probe, reads them without building a JSON tree). Returns 0, or
 * -1 to refuse the line: the worker is then failed as for a line that is not JSON. */
typedef int (*cs_worker_raw_cb)(void *arg, const char *bytes, size_t len);

/** cs_workers_submit_progress, with `raw` (may be NULL) called for the request's raw lines.
 * A request with `raw` is tried once: if its worker dies, hangs or answers garbage, `cb` gets
 * CS_EWORKER at once, and the caller asks again for what it did not get. */
int cs_workers_submit_raw(cs_workers_t *w, const char *step, json_t *fields, cs_worker_cb cb,
                          cs_worker_progress_cb progress, cs_worker_raw_cb raw, void *arg);

/** Requests waiting or running. */
size_t cs_workers_pending(const cs_workers_t *w);

/** Stops: queued requests get CS_ECANCELED (their callbacks run before this returns),
 * running ones finish (or time out), then the workers' stdin is closed and their exit
 * awaited; `done(arg)` (may be NULL) is called from the loop when every handle is closed,
 * after which the pool is freed. Until then submit returns CS_ECANCELED; a second stop is
 * ignored. */
void cs_workers_stop(cs_workers_t *w, void (*done)(void *arg), void *arg);

/** cs_workers_stop, but running requests are not waited for: their workers are killed and
 * their callbacks get CS_EWORKER (for steps that may run for hours, such as transcodes). */
void cs_workers_abort(cs_workers_t *w, void (*done)(void *arg), void *arg);

/** The worker side: `custody-worker` reads requests on stdin and answers on stdout until
 * stdin closes. Returns the process exit code. */
int cs_worker_main(const char *home);

#endif
