/* api/record.c: every decision's ledger entry is durable before its answer. The work
 * function builds the entry; here it joins the appender's next group commit (one fsync for
 * the calls that arrive together), posted from the pool thread as soon as the work ends, and
 * the call is answered on the loop once both the work's end and the commit came back: with
 * what the work prepared, or with 503 and nothing served if it failed. */
#include "api/api_int.h"

#include "core/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The committer thread: hand the call back to the loop. */
static void
on_appended(void *arg, int rc, int64_t seq)
{
    cs_api_call_t *c = arg;
    cs_api_t *a = c->api;
    c->entry_rc = rc;
    c->entry_seq = seq;
    uv_mutex_lock(&a->recorded_lock);
    c->recorded_next = a->recorded_head;
    a->recorded_head = c;
    uv_mutex_unlock(&a->recorded_lock);
    uv_async_send(a->recorded);
}

/* Not on record: whatever the work prepared is dropped and nothing is served. */
static void
unrecorded(cs_api_call_t *c, int rc)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    free(c->text);
    c->text = NULL;
    c->content_range[0] = '\0';
    c->seq_in_detail = 0;
    cs_api_fail(c, "unavailable",
                "the ledger could not record this read (%s); nothing was served: try again",
                cs_strerror(rc));
}

static void
answer(cs_api_call_t *c)
{
    if (c->entry_rc != 0) {
        unrecorded(c, c->entry_rc);
    } else if (c->seq_in_detail) {
        size_t n = strlen(c->detail);
        int w = snprintf(c->detail + n, sizeof c->detail - n, " (ledger entry %lld)",
                         (long long)c->entry_seq);
        if (w < 0 || (size_t)w >= sizeof c->detail - n)
            c->detail[n] = '\0'; /* the number is in the ledger either way */
    }
    cs_api_call_done(c);
}

static void
on_recorded(uv_async_t *h)
{
    cs_api_t *a = h->data;
    cs_api_call_t *list, *c, *next, *ordered = NULL;
    uv_mutex_lock(&a->recorded_lock);
    list = a->recorded_head;
    a->recorded_head = NULL;
    uv_mutex_unlock(&a->recorded_lock);
    for (c = list; c != NULL; c = next) { /* oldest first */
        next = c->recorded_next;
        c->recorded_next = ordered;
        ordered = c;
    }
    for (c = ordered; c != NULL; c = next) {
        next = c->recorded_next;
        if (c->posted && !c->work_done)
            c->recorded = 1; /* answered when the work's end comes back (call_after) */
        else
            answer(c);
    }
}

void
cs_api_record(cs_api_call_t *c)
{
    json_t *e = c->entry;
    int rc;
    c->entry = NULL;
    if ((rc = cs_ledger_appender_post(c->api->appender, e, on_appended, c)) != 0) {
        c->entry_rc = rc;
        answer(c);
    }
}

void
cs_api_record_post(cs_api_call_t *c)
{
    json_t *e = c->entry;
    int rc;
    c->entry = NULL;
    c->posted = 1;
    if ((rc = cs_ledger_appender_post(c->api->appender, e, on_appended, c)) != 0) {
        c->entry_rc = rc; /* on_appended never comes: answered with this when the work ends */
        c->recorded = 1;
    }
}

void
cs_api_record_work_ended(cs_api_call_t *c)
{
    c->work_done = 1;
    if (c->posted) {
        if (c->recorded)
            answer(c);
    } else if (c->entry != NULL) {
        cs_api_record(c); /* answered once the entry is durable */
    } else {
        cs_api_call_done(c);
    }
}

static void
recorded_closed(uv_handle_t *h)
{
    free(h);
}

int
cs_api_record_start(cs_api_t *a)
{
    cs_catalog_opts_t copts = {.busy_timeout_ms = a->opts.cfg->catalog_busy_timeout_ms};
    int err;
    if ((a->recorded = calloc(1, sizeof *a->recorded)) == NULL)
        return CS_ENOMEM;
    if ((err = uv_async_init(a->loop, a->recorded, on_recorded)) != 0) {
        free(a->recorded);
        a->recorded = NULL;
        cs_diag_set("api: cannot make the ledger's wake-up handle: %s", uv_strerror(err));
        return CS_EIO;
    }
    a->recorded->data = a;
    if ((err = cs_catalog_open(&a->ledger_cat, a->opts.home->catalog, 0, &copts)) != 0 ||
        (err = cs_ledger_appender_start(&a->appender, a->ledger_cat, NULL)) != 0)
        return err;
    return 0;
}

void
cs_api_record_stop(cs_api_t *a)
{
    cs_ledger_appender_stop(&a->appender);
    cs_catalog_close(&a->ledger_cat);
    if (a->recorded != NULL)
        uv_close((uv_handle_t *)a->recorded, recorded_closed);
    a->recorded = NULL;
}
