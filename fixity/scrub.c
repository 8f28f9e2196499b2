/* fixity/scrub.c: the fixity scrub's thread and its pacing (scrub.h; the meaning of each
 * outcome is fixity.c's). A pass begins when objects fall due
 * and ends when none is left; the rate is one byte budget over the whole pass, so many small
 * objects are held to it as well as one large one. */
#include "fixity/scrub.h"
#include "core/buf.h"

#include "core/error.h"
#include "core/log.h"
#include "fixity/fixity.h"
#include "indexer/fixity.h"
#include "storage/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#define SCRUB_ACTOR "fixity-scrub"
#define SCRUB_BATCH 64
#define SCRUB_SEC 1000000000ull
#define SCRUB_IDLE_MAX_S 60    /* how long an idle scrub sleeps before looking again */
#define SCRUB_RETRY_S 5        /* after a failure to read or write the catalog */
#define SCRUB_TRIM_GRACE_S 600 /* a local copy used this recently is not trimmed */

struct cs_scrub {
    uv_thread_t thread;
    uv_mutex_t mu;
    uv_cond_t cond;
    int stop;             /* under mu */
    int changed;          /* under mu: window_s or rate changed */
    int64_t window_s;     /* under mu */
    uint64_t rate;        /* under mu */
    int running, in_pass; /* the scrub's thread only */
    int closed_old;       /* a pass a restart left open has been closed */
    cs_catalog_t *cat;
    cs_store_t *store;
    cs_store_pace_t pace;
};

/* Sleeps up to ns (0: not at all) unless asked to stop (or, with `on_change`, given new
 * settings); 1 when stopping. */
static int
sleep_for(cs_scrub_t *s, uint64_t ns, int on_change)
{
    int stop;
    uv_mutex_lock(&s->mu);
    if (!s->stop && !(on_change && s->changed) && ns > 0)
        uv_cond_timedwait(&s->cond, &s->mu, ns);
    stop = s->stop;
    uv_mutex_unlock(&s->mu);
    return stop;
}

static int
nap(cs_scrub_t *s, uint64_t ns)
{
    return sleep_for(s, ns, 1);
}

/* The pace's wait between chunks: new settings apply from the next batch. */
static int
pace_wait(void *arg, uint64_t ns)
{
    return sleep_for(arg, ns, 0);
}

/* The window now in force; a new rate starts a new budget. */
static int64_t
settings(cs_scrub_t *s)
{
    int64_t window;
    uv_mutex_lock(&s->mu);
    if (s->changed) {
        s->pace.bytes_per_s = s->rate;
        s->pace.start_ns = 0;
        s->pace.bytes = 0;
        s->changed = 0;
    }
    window = s->window_s;
    uv_mutex_unlock(&s->mu);
    return window;
}

static void
log_failure(const char *doing, int rc)
{
    cs_log(CS_LOG_WARN, "fixity.scrub_failed",
           json_pack("{s:s, s:s, s:i}", "doing", doing, "error",
                     *cs_diag() ? cs_diag() : cs_strerror(rc), "retry_s", SCRUB_RETRY_S));
}

/* An object found bad: an error line naming it, its file and every item it belongs to. */
static void
report(cs_scrub_t *s, const cs_fixity_check_t *c)
{
    char path[4096] = "";
    json_t *owners = NULL;
    if (cs_catalog_object_owners(s->cat, c->sha256, &owners) != 0)
        owners = json_array();
    cs_store_path(s->store, c->sha256, path, sizeof path);
    cs_log(CS_LOG_ERROR, "store.fixity_mismatch",
           json_pack("{s:s, s:s, s:s*, s:s*, s:s, s:o, s:s}", "sha256", c->sha256, "result",
                     cs_fixity_name(c->result), "actual_sha256",
                     c->result == CS_FIXITY_MISMATCH ? c->actual : NULL, "error", c->error, "path",
                     path, "items", owners ? owners : json_array(), "message",
                     "the stored object is no longer what was stored; restore it from a backup "
                     "(see docs/OPERATIONS.md) and run custody verify on its items"));
}

/* Re-hashes one object and records the check; non-zero when it could not be recorded. */
static int
check(cs_scrub_t *s, const cs_fixity_obj_t *o)
{
    char actual[CS_SHA256_HEX] = "", why[256] = "";
    uint64_t bytes = 0;
    int rc = cs_store_verify_paced(s->store, o->sha256, actual, &s->pace, &bytes);
    cs_fixity_check_t c = {
        .sha256 = o->sha256, .actual = actual, .actor = SCRUB_ACTOR, .bytes = bytes, .in_pass = 1};
    if (rc == CS_ECANCELED)
        return 0; /* stopping: checked again next time */
    /* An unreadable object is recorded, not retried at once: it would otherwise stay the
     * oldest forever and stall the scrub. */
    if (cs_fixity_judge(rc, 1, &c.result) != 0) {
        log_failure("re-hashing an object", rc);
        return rc;
    }
    if (c.result == CS_FIXITY_UNREADABLE) {
        cs_snprintf_cut(why, sizeof why, "%s", *cs_diag() ? cs_diag() : cs_strerror(rc));
        c.error = why;
    }
    if ((rc = cs_catalog_fixity_record(s->cat, &c)) != 0) {
        log_failure("recording a fixity check", rc);
        return rc;
    }
    if (c.result != CS_FIXITY_OK)
        report(s, &c);
    return 0;
}

/* Closes the open pass (one a restart left open too) and logs it if it was ours. */
static void
end_pass(cs_scrub_t *s)
{
    json_t *st = NULL;
    int rc;
    if (!s->in_pass && s->closed_old)
        return; /* idle, and nothing open: no write */
    s->closed_old = 1;
    rc = cs_catalog_fixity_pass_end(s->cat);
    if (rc != 0) {
        log_failure("ending a pass", rc);
        return;
    }
    if (s->in_pass && cs_catalog_fixity_status(s->cat, 0, 0, &st) == 0)
        cs_log(CS_LOG_INFO, "fixity.pass_done",
               json_pack("{s:O, s:O, s:O}", "last_pass", json_object_get(st, "last_pass"),
                         "failing", json_object_get(st, "failing"), "checks",
                         json_object_get(st, "checks")));
    json_decref(st);
    s->in_pass = 0;
}

/* Nothing due: wait until the next object is (one stored now is due in a window), a minute
 * at most. */
static void
idle(cs_scrub_t *s, int64_t window)
{
    int64_t next = SCRUB_IDLE_MAX_S;
    uint64_t removed = 0;
    int rc;
    end_pass(s);
    /* Idle time is when the local copies of an s3 store are trimmed (a no-op for local). */
    if ((rc = cs_store_trim(s->store, CS_STORE_TRIM_CONFIGURED, SCRUB_TRIM_GRACE_S, &removed)) != 0)
        log_failure("trimming the local copies", rc);
    else if (removed > 0)
        cs_log(CS_LOG_INFO, "store.trimmed", json_pack("{s:I}", "bytes", (json_int_t)removed));
    if ((rc = cs_catalog_fixity_next(s->cat, window, &next)) != 0)
        log_failure("reading when the next check is due", rc);
    if (next < 0 || next > window)
        next = window;
    next = next < 1 ? 1 : next > SCRUB_IDLE_MAX_S ? SCRUB_IDLE_MAX_S : next;
    nap(s, (uint64_t)next * SCRUB_SEC);
    s->pace.start_ns = 0; /* idle time earns no burst */
    s->pace.bytes = 0;
}

static void
scrub_main(void *arg)
{
    cs_scrub_t *s = arg;
    cs_fixity_obj_t batch[SCRUB_BATCH];
    uint64_t sent = 0;
    int pushed = 0;
    while (!nap(s, 0)) {
        /* An s3 store: local copies the object store lacks go up first (a put a crash or a
         * lost gateway cut short); tried again after a pause until it works. */
        if (!pushed) {
            int rc = cs_store_push_all(s->store, &sent);
            if (rc != 0) {
                log_failure("sending local copies to the object store", rc);
                nap(s, SCRUB_RETRY_S * SCRUB_SEC);
                continue;
            }
            pushed = 1;
            if (sent > 0)
                cs_log(CS_LOG_INFO, "store.pushed",
                       json_pack("{s:I}", "objects", (json_int_t)sent));
        }
        /* An s3 store: objects sent unchecked (store.s3_put_check = readback) are read back
         * and re-hashed first, whatever the window: soon after their put. */
        cs_store_readback_t rb;
        int rbrc = cs_store_readback(s->store, &s->pace, &rb);
        if (rbrc != 0 && rbrc != CS_ECANCELED) {
            log_failure("reading back objects sent unchecked", rbrc);
            nap(s, SCRUB_RETRY_S * SCRUB_SEC);
            continue;
        }
        if (rb.checked > 0)
            cs_log(CS_LOG_INFO, "store.read_back",
                   json_pack("{s:I, s:I, s:I}", "objects", (json_int_t)rb.checked, "mismatched",
                             (json_int_t)rb.mismatched, "sent_again", (json_int_t)rb.resent));
        int64_t window = settings(s);
        int n = 0, rc;
        if (window <= 0) {
            nap(s, SCRUB_IDLE_MAX_S * SCRUB_SEC);
            continue;
        }
        if ((rc = cs_catalog_fixity_due(s->cat, window, batch, SCRUB_BATCH, &n)) != 0) {
            log_failure("listing the objects due", rc);
            nap(s, SCRUB_RETRY_S * SCRUB_SEC);
            continue;
        }
        if (n == 0) {
            idle(s, window);
            continue;
        }
        if (!s->in_pass) {
            if ((rc = cs_catalog_fixity_pass_begin(s->cat)) != 0) {
                log_failure("starting a pass", rc);
                nap(s, SCRUB_RETRY_S * SCRUB_SEC);
                continue;
            }
            s->in_pass = 1;
            cs_log(CS_LOG_INFO, "fixity.pass_started",
                   json_pack("{s:I, s:I}", "window_s", (json_int_t)window, "bytes_per_s",
                             (json_int_t)s->pace.bytes_per_s));
        }
        for (int i = 0; i < n && !nap(s, 0); i++) {
            if (check(s, &batch[i]) != 0) {
                nap(s, SCRUB_RETRY_S * SCRUB_SEC);
                break;
            }
        }
    }
}

int64_t
cs_scrub_window_s(const cs_config_t *cfg)
{
    if (cfg->store_scrub_days == 0)
        return 0;
    return cfg->store_scrub_window_s > 0 ? cfg->store_scrub_window_s
                                         : (int64_t)cfg->store_scrub_days * 86400;
}

static void
scrub_free(cs_scrub_t *s)
{
    cs_catalog_close(&s->cat);
    cs_store_close(&s->store);
    uv_cond_destroy(&s->cond);
    uv_mutex_destroy(&s->mu);
    free(s);
}

int
cs_scrub_start(cs_scrub_t **out, const cs_scrub_opts_t *o)
{
    cs_catalog_opts_t copts = {.busy_timeout_ms = o->busy_timeout_ms};
    cs_store_opts_t sopts = {.buffer_size = o->buffer_size};
    if (o->cfg != NULL) {
        cs_store_opts_from_config(&sopts, o->cfg);
        sopts.buffer_size = o->buffer_size;
    }
    cs_scrub_t *s;
    int rc;

    *out = NULL;
    if (o->window_s <= 0)
        return 0;
    if ((s = calloc(1, sizeof *s)) == NULL)
        return CS_ENOMEM;
    if (uv_mutex_init(&s->mu) != 0 || uv_cond_init(&s->cond) != 0) {
        free(s);
        return CS_ENOMEM;
    }
    s->window_s = o->window_s;
    s->rate = o->bytes_per_s;
    s->changed = 1;
    s->pace.wait = pace_wait;
    s->pace.arg = s;
    if ((rc = cs_catalog_open(&s->cat, o->catalog, 0, &copts)) != 0 ||
        (rc = cs_store_open(&s->store, o->store, 0, &sopts)) != 0)
        goto fail;
    /* A check lost to a power cut is only made again; the next synced commit (a checkpoint's)
     * makes the ones before it durable. */
    cs_catalog_relaxed(s->cat, 1);
    if (uv_thread_create(&s->thread, scrub_main, s) != 0) {
        cs_diag_set("cannot start the fixity scrub's thread");
        rc = CS_ENOMEM;
        goto fail;
    }
    s->running = 1;
    *out = s;
    return 0;
fail:
    scrub_free(s);
    return rc;
}

void
cs_scrub_configure(cs_scrub_t *s, int64_t window_s, uint64_t bytes_per_s)
{
    if (s == NULL)
        return;
    uv_mutex_lock(&s->mu);
    s->window_s = window_s;
    s->rate = bytes_per_s;
    s->changed = 1;
    uv_cond_signal(&s->cond);
    uv_mutex_unlock(&s->mu);
}

void
cs_scrub_cancel(cs_scrub_t *s)
{
    if (s == NULL)
        return;
    uv_mutex_lock(&s->mu);
    s->stop = 1;
    uv_cond_signal(&s->cond);
    uv_mutex_unlock(&s->mu);
}

void
cs_scrub_stop(cs_scrub_t **s)
{
    if (s == NULL || *s == NULL)
        return;
    cs_scrub_cancel(*s);
    if ((*s)->running)
        uv_thread_join(&(*s)->thread);
    scrub_free(*s);
    *s = NULL;
}
