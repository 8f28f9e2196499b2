/* media/worker_int.h: the worker's steps, shared by worker_main.c and worker_probe.c. */
#ifndef CS_MEDIA_WORKER_INT_H
#define CS_MEDIA_WORKER_INT_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#define CS_WORKER_PROBE_THREADS_MAX 16

/** "extract" of req ({"path", "media_type", "hints"}): *result is the record, or *error
 * (size bytes) says why there is none. Safe to run on several threads at once. */
void cs_worker_extract(json_t *req, json_t **result, char *error, size_t size);

/** "probe" (ingest/worker.h): the raw lines of req's "files" written to out, in order, the
 * files extracted on req's "threads" threads (1 to CS_WORKER_PROBE_THREADS_MAX; default 1);
 * *result {"n": count}, or *error when the request is not one. Returns -1 when a line could
 * not be made or written: the lines before it are out, and the caller asks again for the
 * rest. */
int cs_worker_probe(json_t *req, FILE *out, json_t **result, char *error, size_t size);

#endif
