/* tools/serve_dispose.c: the service's disposal step (serve_dispose.h). */
#include "tools/serve_dispose.h"

#include "core/clock.h"
#include "core/error.h"
#include "core/log.h"
#include "export/dispose.h"
#include "indexer/catalog.h"
#include "storage/store.h"

#include <stdlib.h>

struct cs_serve_dispose {
    uv_loop_t *loop;
    uv_timer_t timer;
    uv_work_t work;
    const cs_home_t *home;
    const cs_config_t *cfg;
    uint64_t period_ms;
    int running;  /* a run is on the thread pool */
    int stopping; /* no run starts again */
    int closed;   /* the timer is closed */
    void (*done)(void *);
    void *done_arg;
};

static void
run_work(uv_work_t *w)
{
    cs_serve_dispose_t *d = w->data;
    cs_catalog_opts_t copts = {.busy_timeout_ms = d->cfg->catalog_busy_timeout_ms};
    cs_store_opts_t sopts;
    cs_catalog_t *cat = NULL;
    cs_store_t *store = NULL;
    cs_dispose_report_t rep = {0};
    cs_store_opts_from_config(&sopts, d->cfg);
    int rc = cs_catalog_open(&cat, d->home->catalog, 0, &copts);
    if (rc == 0)
        rc = cs_store_open(&store, d->home->store, 0, &sopts);
    if (rc == 0)
        rc = cs_dispose_run(cat, store, d->cfg, d->home->root, "custody", cs_clock_now_ms(), 0,
                            &rep);
    if (rc != 0)
        cs_log(CS_LOG_ERROR, "dispose.run_failed",
               json_pack("{s:s, s:s}", "error", cs_strerror(rc), "detail", cs_diag()));
    else if (rep.batches > 0)
        cs_log(CS_LOG_INFO, "dispose.run",
               json_pack("{s:i, s:i, s:i, s:i, s:i}", "batches", rep.batches, "disposed",
                         rep.disposed, "skipped", rep.skipped, "locked", rep.locked, "failed",
                         rep.failed));
    cs_store_close(&store);
    cs_catalog_close(&cat);
}

static void
finish(cs_serve_dispose_t *d)
{
    if (!d->stopping || d->running || !d->closed)
        return;
    void (*done)(void *) = d->done;
    void *arg = d->done_arg;
    free(d);
    if (done != NULL)
        done(arg);
}

static void
after_work(uv_work_t *w, int status)
{
    cs_serve_dispose_t *d = w->data;
    (void)status;
    d->running = 0;
    finish(d);
}

static void
on_timer(uv_timer_t *t)
{
    cs_serve_dispose_t *d = t->data;
    if (d->running || d->stopping)
        return;
    d->work.data = d;
    if (uv_queue_work(d->loop, &d->work, run_work, after_work) == 0)
        d->running = 1;
}

int
cs_serve_dispose_start(cs_serve_dispose_t **out, uv_loop_t *loop, const cs_home_t *home,
                       const cs_config_t *cfg, uint64_t period_ms)
{
    cs_serve_dispose_t *d = calloc(1, sizeof *d);
    *out = NULL;
    if (d == NULL) {
        cs_diag_set("out of memory starting the disposal step");
        return CS_ENOMEM;
    }
    d->loop = loop;
    d->home = home;
    d->cfg = cfg;
    d->period_ms = period_ms;
    uv_timer_init(loop, &d->timer);
    d->timer.data = d;
    uv_timer_start(&d->timer, on_timer, 1000, period_ms);
    uv_unref((uv_handle_t *)&d->timer); /* it never keeps the loop alive by itself */
    *out = d;
    return 0;
}

static void
on_closed(uv_handle_t *h)
{
    cs_serve_dispose_t *d = h->data;
    d->closed = 1;
    finish(d);
}

void
cs_serve_dispose_stop(cs_serve_dispose_t *d, void (*done)(void *), void *arg)
{
    if (d == NULL) {
        if (done != NULL)
            done(arg);
        return;
    }
    d->stopping = 1;
    d->done = done;
    d->done_arg = arg;
    uv_timer_stop(&d->timer);
    uv_close((uv_handle_t *)&d->timer, on_closed);
}
