/* ingest/service.c: starting, reloading and stopping `custody serve`. */
#include "ingest/service_int.h"
#include "core/namepat.h"
#include "indexer/registry.h"

#include "indexer/access.h"

#include "core/error.h"
#include "core/log.h"
#include "core/notify.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

/* One service per home: an flock on <home>/serve.lock, held for the life of the process. */
static int
take_lock(svc_t *s)
{
    char path[PATH_MAX], pid[32] = "";
    if ((size_t)snprintf(path, sizeof path, "%s/serve.lock", s->opts->home->root) >= sizeof path)
        return CS_ENAMETOOLONG;
    s->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
    if (s->lock_fd < 0) {
        cs_diag_set("cannot open %s: %s", path, strerror(errno));
        return cs_err_from_errno(errno);
    }
    if (flock(s->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        ssize_t n = pread(s->lock_fd, pid, sizeof pid - 1, 0);
        pid[n > 0 ? n : 0] = '\0';
        pid[strcspn(pid, "\n")] = '\0';
        cs_diag_set("home %s is already served by another custody serve (pid %s); stop it "
                    "first",
                    s->opts->home->root, *pid ? pid : "unknown");
        return CS_EBUSY;
    }
    int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(s->lock_fd, 0) != 0 || pwrite(s->lock_fd, pid, (size_t)n, 0) != n)
        return cs_err_from_errno(errno);
    return 0;
}

static void
roots_free(svc_t *s)
{
    for (size_t i = 0; i < s->nroots; i++)
        free(s->roots[i]);
    s->nroots = 0;
}

/* ingest.roots, comma-separated; empty means <home>/uploads. */
static int
roots_parse(svc_t *s, const cs_config_t *cfg)
{
    char buf[CS_CONFIG_STR_MAX], *save = NULL;
    roots_free(s);
    if (cfg->ingest_roots[0] == '\0')
        return (s->roots[s->nroots++] = strdup(s->opts->home->uploads)) ? 0 : CS_ENOMEM;
    /* fits: the same size as the setting it copies */
    snprintf(buf, sizeof buf, "%s", cfg->ingest_roots);
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ')
            tok++;
        size_t n = strlen(tok);
        while (n > 1 && (tok[n - 1] == '/' || tok[n - 1] == ' '))
            tok[--n] = '\0';
        if (n == 0)
            continue;
        if (s->nroots == SVC_MAX_ROOTS) {
            cs_diag_set("ingest.roots: at most %d roots", SVC_MAX_ROOTS);
            return CS_ECONFIG;
        }
        if ((s->roots[s->nroots++] = strdup(tok)) == NULL)
            return CS_ENOMEM;
    }
    return 0;
}

static json_t *
roots_json(const svc_t *s)
{
    json_t *a = json_array();
    for (size_t i = 0; i < s->nroots; i++)
        json_array_append_new(a, json_string(s->roots[i]));
    return a;
}

static void
periodic_work(uv_work_t *req)
{
    svc_t *s = req->data;
    uv_mutex_lock(&s->cat_lock);
    s->opts->periodic(s->opts->periodic_arg, s->cat);
    uv_mutex_unlock(&s->cat_lock);
}

static void
periodic_after(uv_work_t *req, int status)
{
    svc_t *s = req->data;
    (void)status;
    s->periodic_running = 0;
    svc_maybe_finish(s);
}

static void
periodic_start(svc_t *s)
{
    if (s->opts->periodic == NULL || s->periodic_running || s->cat == NULL)
        return;
    s->periodic_work.data = s;
    if (uv_queue_work(s->loop, &s->periodic_work, periodic_work, periodic_after) == 0)
        s->periodic_running = 1;
}

static void
on_periodic(uv_timer_t *t)
{
    periodic_start(t->data);
}

/* What cs_notify returned when telling the service manager (systemd, Type=notify) the
 * state: a failure is logged, and the service goes on. */
static void
notified(int rc)
{
    if (rc != 0)
        cs_log(CS_LOG_WARN, "service.notify_failed",
               json_pack("{s:s}", "error", *cs_diag() ? cs_diag() : cs_strerror(rc)));
}

static void
on_watchdog(uv_timer_t *t)
{
    (void)t;
    notified(cs_notify("WATCHDOG=1"));
}

static void
on_transcoders_stopped(void *arg)
{
    svc_t *s = arg;
    s->transcoders = NULL;
    s->transcoders_stopped = 1;
    svc_maybe_finish(s);
}

static void
on_workers_stopped(void *arg)
{
    svc_t *s = arg;
    s->workers = NULL;
    s->workers_stopped = 1;
    svc_maybe_finish(s);
}

/* Closes the loop's handles once nothing is in flight: every step that started has finished
 * and committed, so the next start resumes each job from a true state. */
void
svc_maybe_finish(svc_t *s)
{
    if (!s->stopping || s->inflight > 0 || s->scanning || s->discovering > 0 ||
        !s->workers_stopped || !s->transcoders_stopped || s->periodic_running ||
        (s->faces_started && !s->faces_stopped))
        return;
    if (!s->periodic_final) { /* what the last jobs wrote is covered before the exit */
        s->periodic_final = 1;
        periodic_start(s);
        if (s->periodic_running)
            return;
    }
    if (!uv_is_closing((uv_handle_t *)&s->rescan_timer)) {
        uv_close((uv_handle_t *)&s->rescan_timer, NULL);
        uv_close((uv_handle_t *)&s->settle_timer, NULL);
        uv_close((uv_handle_t *)&s->event_timer, NULL);
        uv_close((uv_handle_t *)&s->sig_term, NULL);
        uv_close((uv_handle_t *)&s->sig_int, NULL);
        uv_close((uv_handle_t *)&s->sig_hup, NULL);
        uv_close((uv_handle_t *)&s->periodic_timer, NULL);
        uv_close((uv_handle_t *)&s->watchdog_timer, NULL);
        uv_close((uv_handle_t *)&s->retry_timer, NULL);
        svc_watches_close(s);
    }
}

static void
on_faces_stopped(void *arg)
{
    svc_t *s = arg;
    s->faces_stopped = 1;
    svc_maybe_finish(s);
}

static void
stop(svc_t *s, const char *why)
{
    if (s->stopping)
        return;
    s->stopping = 1;
    cs_log(CS_LOG_INFO, "service.stopping",
           json_pack("{s:s, s:i}", "signal", why, "in_flight", s->inflight));
    notified(cs_notifyf("STOPPING=1\nSTATUS=stopping (%s): finishing the steps in flight", why));
    uv_timer_stop(&s->rescan_timer);
    uv_timer_stop(&s->settle_timer);
    uv_timer_stop(&s->event_timer);
    uv_timer_stop(&s->periodic_timer);
    uv_timer_stop(&s->retry_timer);
    svc_jobs_drop_queue(s); /* not started: they resume from the catalog next time */
    if (s->workers != NULL)
        cs_workers_stop(s->workers, on_workers_stopped, s);
    if (s->transcoders != NULL)
        cs_workers_abort(s->transcoders, on_transcoders_stopped, s); /* resumed next start */
    if (s->faces_started)
        s->opts->stop_faces(s->opts->faces_arg, on_faces_stopped, s);
    cs_scrub_cancel(s->scrub); /* joined in close_parts */
    svc_maybe_finish(s);
}

/* Starts the fixity scrub (store.scrub_*), or gives the running one the config's settings. */
static int
scrub_start(svc_t *s)
{
    cs_scrub_opts_t o = {.catalog = s->opts->home->catalog,
                         .store = s->opts->home->store,
                         .busy_timeout_ms = s->cfg.catalog_busy_timeout_ms,
                         .buffer_size = (size_t)s->cfg.store_buffer_kb * 1024,
                         .window_s = cs_scrub_window_s(&s->cfg),
                         .bytes_per_s = (uint64_t)s->cfg.store_scrub_mb_s * 1000000u,
                         .cfg = &s->cfg};
    if (s->scrub != NULL) {
        cs_scrub_configure(s->scrub, o.window_s, o.bytes_per_s);
        return 0;
    }
    return cs_scrub_start(&s->scrub, &o);
}

static void
reload(svc_t *s)
{
    cs_config_t cfg;
    int err;
    cs_config_defaults(&cfg);
    cs_diag_clear();
    err = cs_config_load(&cfg, s->opts->home->conf);
    for (int i = 0; err == 0 && i < s->opts->nsets; i++)
        err = cs_config_override(&cfg, s->opts->sets[i]);
    if (err == 0)
        err = roots_parse(s, &cfg);
    if (err != 0) {
        cs_log(CS_LOG_ERROR, "config.reload_failed",
               json_pack("{s:s}", "error", *cs_diag() ? cs_diag() : cs_strerror(err)));
        roots_parse(s, &s->cfg);
        return;
    }
    s->cfg = cfg;
    s->derive_opts = cs_derive_opts_of(&s->cfg);
    uv_mutex_lock(&s->cat_lock);
    cs_catalog_set_upload_delay(s->cat, cfg.ingest_max_upload_delay_h);
    uv_mutex_unlock(&s->cat_lock);
    if ((err = scrub_start(s)) != 0)
        cs_log(CS_LOG_ERROR, "fixity.scrub_failed",
               json_pack("{s:s}", "error", *cs_diag() ? cs_diag() : cs_strerror(err)));
    uv_timer_set_repeat(&s->rescan_timer, (uint64_t)cfg.ingest_rescan_ms);
    uv_timer_again(&s->rescan_timer);
    cs_log(CS_LOG_INFO, "config.reloaded",
           json_pack("{s:o, s:i, s:i}", "roots", roots_json(s), "settle_ms", cfg.ingest_settle_ms,
                     "rescan_ms", cfg.ingest_rescan_ms));
}

static void
on_signal(uv_signal_t *h, int signum)
{
    svc_t *s = h->data;
    if (signum == SIGHUP)
        reload(s);
    else
        stop(s, signum == SIGTERM ? "SIGTERM" : "SIGINT");
}

static int
open_parts(svc_t *s)
{
    const cs_home_t *home = s->opts->home;
    cs_catalog_opts_t copts = {.busy_timeout_ms = s->cfg.catalog_busy_timeout_ms};
    cs_store_opts_t sopts;
    cs_store_opts_from_config(&sopts, &s->cfg);
    int err;
    if ((err = cs_catalog_open(&s->cat, home->catalog, 0, &copts)) != 0 ||
        (err = cs_casenum_rule_new(&s->rule, s->cfg.case_pattern)) != 0 ||
        (err = cs_namepat_new("ingest.name_pattern", s->cfg.ingest_name_pattern, &s->names)) != 0 ||
        (err = cs_settle_new(&s->settle)) != 0 || (err = cs_settle_new(&s->busy)) != 0 ||
        (err = roots_parse(s, &s->cfg)) != 0)
        return err;
    if (s->cfg.ingest_clerk[0] != '\0') {
        cs_user_t u;
        if ((err = cs_catalog_user_by_name(s->cat, s->cfg.ingest_clerk, &u)) != 0 || u.disabled) {
            cs_diag_set("ingest.clerk = %s: no enabled Custody user of that name; add them "
                        "(custody user add %s --role clerk) or empty the setting",
                        s->cfg.ingest_clerk, s->cfg.ingest_clerk);
            return err == 0 || err == CS_ENOTFOUND ? CS_ECONFIG : err;
        }
        s->clerk_id = u.id;
    }
    cs_catalog_set_upload_delay(s->cat, s->cfg.ingest_max_upload_delay_h);
    s->nstores = s->cfg.ingest_parallel < SVC_MAX_STORES ? s->cfg.ingest_parallel : SVC_MAX_STORES;
    for (int i = 0; i < s->nstores; i++)
        if ((err = cs_store_open(&s->stores[i], home->store, 0, &sopts)) != 0)
            return err;
    if ((size_t)snprintf(s->receipts, sizeof s->receipts, "%s/receipts", home->root) >=
        sizeof s->receipts)
        return CS_ENAMETOOLONG;
    cs_worker_opts_t wopts = {
        .exe = s->opts->exe,
        .home = home->root,
        .count = s->cfg.worker_count > 0 ? s->cfg.worker_count : (int)uv_available_parallelism(),
        .timeout_ms = s->cfg.worker_timeout_ms,
        .retries = s->cfg.worker_retries,
        .rlimit_as_mb = s->cfg.worker_rlimit_as_mb,
        .rlimit_cpu_s = s->cfg.worker_rlimit_cpu_s,
    };
    if ((err = cs_workers_start(&s->workers, s->loop, &wopts)) != 0 ||
        (err = svc_derive_open(s)) != 0)
        return err;
    return scrub_start(s);
}

static void
close_parts(svc_t *s)
{
    cs_scrub_stop(&s->scrub);
    for (int i = 0; i < s->nstores; i++)
        cs_store_close(&s->stores[i]);
    cs_catalog_close(&s->cat);
    cs_casenum_rule_free(&s->rule);
    cs_namepat_free(&s->names);
    cs_settle_free(&s->settle);
    cs_settle_free(&s->busy);
    cs_writers_free(&s->writers);
    roots_free(s);
    if (s->lock_fd >= 0)
        close(s->lock_fd);
}

int
cs_service_run(const cs_service_opts_t *opts)
{
    svc_t *s = calloc(1, sizeof *s);
    uv_loop_t loop;
    int err;
    if (s == NULL)
        return CS_ENOMEM;
    s->opts = opts;
    s->cfg = *opts->cfg;
    s->lock_fd = -1;
    s->loop = &loop;
    uv_loop_init(&loop);
    uv_mutex_init(&s->cat_lock);
    svc_scan_init(s);
    svc_jobs_init(s);
    uv_timer_init(&loop, &s->periodic_timer);
    s->periodic_timer.data = s;
    uv_timer_init(&loop, &s->watchdog_timer);
    uv_signal_init(&loop, &s->sig_term);
    uv_signal_init(&loop, &s->sig_int);
    uv_signal_init(&loop, &s->sig_hup);
    s->sig_term.data = s->sig_int.data = s->sig_hup.data = s;
    if ((err = take_lock(s)) != 0 || (err = open_parts(s)) != 0)
        goto out;
    if (opts->start_faces != NULL) {
        if ((err = opts->start_faces(opts->faces_arg, &loop)) != 0)
            goto out;
        s->faces_started = opts->stop_faces != NULL;
    }
    uv_signal_start(&s->sig_term, on_signal, SIGTERM);
    uv_signal_start(&s->sig_int, on_signal, SIGINT);
    uv_signal_start(&s->sig_hup, on_signal, SIGHUP);
    signal(SIGPIPE, SIG_IGN);
    if ((err = svc_jobs_resume(s)) != 0)
        goto out;
    svc_scan_start(s);
    if (opts->periodic != NULL && opts->periodic_ms > 0)
        uv_timer_start(&s->periodic_timer, on_periodic, (uint64_t)opts->periodic_ms,
                       (uint64_t)opts->periodic_ms);
    cs_log(CS_LOG_INFO, "service.started",
           json_pack("{s:s, s:o, s:i, s:i, s:s, s:i}", "home", opts->home->root, "roots",
                     roots_json(s), "settle_ms", s->cfg.ingest_settle_ms, "rescan_ms",
                     s->cfg.ingest_rescan_ms, "after",
                     s->cfg.ingest_after == CS_AFTER_ARCHIVE ? "archive" : "consume", "pid",
                     (int)getpid()));
    /* Ready: the API listens and every root is being scanned; a file dropped from now on is
     * found by this scan or by a watch. */
    notified(cs_notifyf("READY=1\nSTATUS=serving %.900s", opts->home->root));
    uint64_t watchdog_ms = cs_notify_watchdog_usec() / 2000; /* twice per interval */
    if (watchdog_ms > 0)
        uv_timer_start(&s->watchdog_timer, on_watchdog, 0, watchdog_ms);
    uv_run(&loop, UV_RUN_DEFAULT);
    cs_log(CS_LOG_INFO, "service.stopped", NULL);
out:
    if (err != 0) {
        /* Failed half-way: stop what started, then drain the loop. */
        if (s->workers == NULL)
            s->workers_stopped = 1;
        if (s->transcoders == NULL)
            s->transcoders_stopped = 1;
        stop(s, "start-up failed");
        uv_run(&loop, UV_RUN_DEFAULT);
    }
    close_parts(s);
    uv_loop_close(&loop);
    uv_mutex_destroy(&s->cat_lock);
    free(s);
    return err;
}
