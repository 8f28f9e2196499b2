/* tools/serve_dispose.h: the service's own disposal step (`custody serve`): once a minute, on
 * the thread pool with a catalog connection and store handle of its own, it carries out the
 * approved disposal batches whose grace has passed (export/dispose.h), as `custody dispose
 * run` does. It starts beside the API (tools/cmd_serve.c's faces): ingest/ cannot reach
 * export/, which writes the batch's records first. */
#ifndef CS_TOOLS_SERVE_DISPOSE_H
#define CS_TOOLS_SERVE_DISPOSE_H

#include "core/config.h"
#include "core/home.h"

#include <uv.h>

typedef struct cs_serve_dispose cs_serve_dispose_t;

/** Starts the step on `loop` for the home `home` under `cfg` (both borrowed for its life);
 * its first run is a second after the start, then every `period_ms`. CS_ENOMEM. */
int cs_serve_dispose_start(cs_serve_dispose_t **out, uv_loop_t *loop, const cs_home_t *home,
                           const cs_config_t *cfg, uint64_t period_ms);

/** Stops it: no run starts again; once the run in flight (if any) has finished and the timer
 * is closed, frees it and calls done(arg). Accepts NULL (done is called at once). */
void cs_serve_dispose_stop(cs_serve_dispose_t *d, void (*done)(void *), void *arg);

#endif
