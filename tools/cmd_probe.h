/* tools/cmd_probe.h: `custody probe` inside: the files named, and their requests to the media
 * workers, sent in batches (cmd_probe_batch.c) and printed in order (cmd_probe.c). */
#ifndef CS_TOOLS_CMD_PROBE_H
#define CS_TOOLS_CMD_PROBE_H

#include "ingest/worker.h"
#include "tools/cli.h"

#include <jansson.h>
#include <stddef.h>

#define PROBE_BATCH 16          /* files a "probe" request asks for */
#define PROBE_BATCHES 2         /* requests waiting or running per thread */
#define CS_PROBE_THREADS_MAX 16 /* media/worker_int.h: CS_WORKER_PROBE_THREADS_MAX */

typedef struct probe_job {
    cs_worker_answer_t a; /* done once the record (or the reason there is none) is in */
    json_t *req;          /* {"path", "media_type", "hints", "file"} */
    const char *type;     /* the sniffed media type, in req */
    char *text;           /* the record as the worker wrote it, checked (batched files) */
    size_t len;
} probe_job_t;

/* Files are collected first, then handed to the workers a batch at a time, several batches
 * in flight, so that every core parses; records are printed in the order the files were
 * named. */
typedef struct probe_run {
    cs_cli_t *cli;
    uv_loop_t *loop;
    cs_workers_t *workers;
    char **paths;
    probe_job_t *jobs;
    size_t n, cap;
    int threads; /* of the one worker's "probe" requests */
    int failed;
    size_t printed; /* records written so far */
} probe_run_t;

/** Starts the files from `next` on: those that need a worker (at most PROBE_BATCH) in one
 * "probe" request, the others answered at once. Returns the index after the last one taken. */
size_t cs_probe_start_batch(probe_run_t *run, size_t next);

#endif
