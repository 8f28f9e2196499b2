/* ingest/service_scan.c: watching and scanning the upload roots, and settling what they hold.
 *
 * Every trigger (start-up, an inotify event, the rescan timer, a file due to settle) asks for
 * one scan of every root on the thread pool; one runs at a time, and a request during a scan
 * runs another after it. Upload folders are emptied as files are stored, so a scan stays
 * small. Watches follow folders: one uv_fs_event per folder, never per file.
 */
#include "ingest/service_int.h"

#include "core/error.h"
#include "core/utf8.h"
#include "core/log.h"

#include <stdlib.h>
#include <string.h>

/* A burst of events (a copy writes many times; the service removes what it stored) is one
 * scan this long after the first: fewer scans of a busy folder, a little later. */
#define SCAN_DEBOUNCE_MS 20

/* A copy stalled this long with its file open is given up on: claimed once settled, as the
 * fragment it is (flagged damaged; linked to the whole if that comes again: ingest/prefix.h). */
#define WRITER_GIVE_UP_MS (15u * 60u * 1000u)
#define WRITER_RECHECK_MS 10000u

static void scan_request(svc_t *s);
static void on_timer(uv_timer_t *t);

/* Writes and closes in the upload folders: a close may make a file ready at once. */
static void
on_writers(uv_poll_t *h, int status, int events)
{
    svc_t *s = h->data;
    (void)events;
    if (status == 0 && cs_writers_read(s->writers, uv_now(s->loop)) > 0 && !s->stopping &&
        !uv_is_active((uv_handle_t *)&s->event_timer))
        uv_timer_start(&s->event_timer, on_timer, SCAN_DEBOUNCE_MS, 0);
}

/* 1 when the settled file at `key` is still open for writing (writers.h): not claimed yet. */
static int
still_written(svc_t *s, const char *key, uint64_t now)
{
    int first = 0;
    if (s->writers == NULL || !cs_writers_busy(s->writers, key, now, WRITER_GIVE_UP_MS, &first))
        return 0;
    if (first)
        cs_log(CS_LOG_INFO, "upload.still_open",
               json_pack("{s:o, s:s}", "path", cs_json_string_lossless(key), "message",
                         "written to and not closed since: a copy still going on; it is claimed "
                         "once its writer closes it"));
    return 1;
}

static void
on_watch_closed(uv_handle_t *h)
{
    free(h->data);
}

static void
on_fs_event(uv_fs_event_t *h, const char *name, int events, int status)
{
    svc_t *s = h->loop->data;
    (void)name;
    (void)events;
    (void)status;
    /* Coalesce a burst of events (a copy writes many times) into one scan soon after. */
    if (!s->stopping && !uv_is_active((uv_handle_t *)&s->event_timer))
        uv_timer_start(&s->event_timer, on_timer, SCAN_DEBOUNCE_MS, 0);
}

static void
watch_add(svc_t *s, const char *path)
{
    size_t len = strlen(path);
    svc_watch_t *w = calloc(1, sizeof *w + len + 1);
    if (w == NULL)
        return;
    memcpy(w->path, path, len + 1);
    uv_fs_event_init(s->loop, &w->handle);
    w->handle.data = w;
    int rc = uv_fs_event_start(&w->handle, on_fs_event, w->path, 0);
    if (rc != 0) {
        /* Out of inotify watches, or a file system without them: the rescan still sees it. */
        cs_log(CS_LOG_WARN, "watch.failed",
               json_pack("{s:o, s:s}", "path", cs_json_string_lossless(path), "error",
                         uv_strerror(rc)));
        uv_close((uv_handle_t *)&w->handle, on_watch_closed);
        return;
    }
    if (s->writers != NULL && cs_writers_watch(s->writers, path) != 0)
        cs_log(CS_LOG_WARN, "watch.writers_failed",
               json_pack("{s:o, s:s}", "path", cs_json_string_lossless(path), "message",
                         "files here are claimed once settled, open for writing or not"));
    w->seen = 1;
    w->next = s->watches;
    s->watches = w;
    s->nwatches++;
}

/* Adds watches for new folders and drops those of folders that are gone. */
static void
watches_sync(svc_t *s)
{
    size_t before = s->nwatches;
    for (svc_watch_t *w = s->watches; w != NULL; w = w->next)
        w->seen = 0;
    for (size_t i = 0; i < s->scan.ndirs; i++) {
        svc_watch_t *w = s->watches;
        while (w != NULL && strcmp(w->path, s->scan.dirs[i]) != 0)
            w = w->next;
        if (w != NULL)
            w->seen = 1;
        else
            watch_add(s, s->scan.dirs[i]);
    }
    for (svc_watch_t **p = &s->watches; *p != NULL;) {
        svc_watch_t *w = *p;
        if (w->seen) {
            p = &w->next;
            continue;
        }
        *p = w->next;
        s->nwatches--;
        uv_close((uv_handle_t *)&w->handle, on_watch_closed);
    }
    if (s->nwatches != before) /* one watch per folder: the count follows folders, not files */
        cs_log(CS_LOG_INFO, "watch.count",
               json_pack("{s:I, s:I}", "watches", (json_int_t)s->nwatches, "folders",
                         (json_int_t)s->scan.ndirs));
}

void
svc_watches_close(svc_t *s)
{
    while (s->watches != NULL) {
        svc_watch_t *w = s->watches;
        s->watches = w->next;
        uv_close((uv_handle_t *)&w->handle, on_watch_closed);
    }
    s->nwatches = 0;
    if (s->writers != NULL && !uv_is_closing((uv_handle_t *)&s->writers_poll))
        uv_close((uv_handle_t *)&s->writers_poll, NULL);
}

static void
scan_work(uv_work_t *req)
{
    svc_t *s = req->data; /* the scan's generation is s->scan_gen, fixed while it runs */
    s->scan_err = cs_scan_roots((const char *const *)s->roots, s->nroots, &s->scan);
}

/* Paths found by a scan, with (refused) why each is. */
typedef struct paths {
    size_t n, cap;
    char **roots; /* copies: a reload may replace the service's roots meanwhile */
    char **rels;
    const char **why; /* static phrases (cs_scan_refusal), NULL for fresh files */
} paths_t;

/* Files first seen by a scan become discovered jobs, in one transaction per scan: visible in
 * `custody status` while they settle, without a commit per file on the loop thread. Links,
 * FIFOs, devices and sockets become rejections, recorded and logged once. */
typedef struct discover {
    uv_work_t work;
    svc_t *svc;
    paths_t fresh, refused;
} discover_t;

static void
refuse_all(svc_t *s, const paths_t *p)
{
    char reason[PATH_MAX + 256];
    cs_reason_t why;
    for (size_t i = 0; i < p->n; i++) {
        int fresh = 0, err;
        if ((size_t)snprintf(reason, sizeof reason, "%s/%s %s", p->roots[i], p->rels[i],
                             p->why[i]) >= sizeof reason ||
            strlen(reason) >= sizeof why.text) /* refused again by the same words: never cut */
            continue;
        cs_reason_set(&why, CS_R_NOT_A_FILE,
                      json_pack("{s:o, s:o}", "root", cs_json_string_lossless(p->roots[i]), "path",
                                cs_json_string_lossless(p->rels[i])),
                      "%s", reason);
        uv_mutex_lock(&s->cat_lock);
        err = cs_jobs_refuse(s->cat, p->roots[i], p->rels[i], &why, &fresh);
        uv_mutex_unlock(&s->cat_lock);
        if (err != 0)
            cs_log(CS_LOG_WARN, "scan.discover_failed", json_pack("{s:s}", "error", cs_diag()));
        else if (fresh)
            cs_log(CS_LOG_WARN, "scan.refused",
                   json_pack("{s:s, s:s, s:s}", "root", p->roots[i], "path", p->rels[i], "reason",
                             reason));
    }
}

static void
discover_work(uv_work_t *req)
{
    discover_t *d = req->data;
    int err = 0;
    if (d->fresh.n > 0) {
        uv_mutex_lock(&d->svc->cat_lock);
        err = cs_jobs_discover_many(d->svc->cat, (const char *const *)d->fresh.roots,
                                    (const char *const *)d->fresh.rels, d->fresh.n);
        uv_mutex_unlock(&d->svc->cat_lock);
    }
    if (err != 0)
        cs_log(CS_LOG_WARN, "scan.discover_failed", json_pack("{s:s}", "error", cs_diag()));
    refuse_all(d->svc, &d->refused);
}

static void
paths_free(paths_t *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free(p->rels[i]);
        free(p->roots[i]);
    }
    free(p->rels);
    free(p->roots);
    free(p->why);
}

static void
discover_free(discover_t *d)
{
    paths_free(&d->fresh);
    paths_free(&d->refused);
    free(d);
}

static void
discover_after(uv_work_t *req, int status)
{
    discover_t *d = req->data;
    svc_t *s = d->svc;
    (void)status;
    discover_free(d);
    s->discovering--;
    svc_maybe_finish(s);
}

/* Adds (root, rel) to the fresh files (why NULL) or the refused ones. */
static void
discover_add(discover_t **dp, svc_t *s, const char *root, const char *rel, const char *why)
{
    discover_t *d = *dp;
    if (d == NULL && (d = *dp = calloc(1, sizeof *d)) == NULL)
        return;
    d->svc = s;
    paths_t *p = why ? &d->refused : &d->fresh;
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 32;
        char **r = realloc(p->roots, cap * sizeof *r);
        if (r != NULL)
            p->roots = r;
        char **l = realloc(p->rels, cap * sizeof *l);
        if (l != NULL)
            p->rels = l;
        const char **w = realloc(p->why, cap * sizeof *w);
        if (w != NULL)
            p->why = w;
        if (r == NULL || l == NULL || w == NULL)
            return;
        p->cap = cap;
    }
    if ((p->rels[p->n] = strdup(rel)) == NULL)
        return;
    if ((p->roots[p->n] = strdup(root)) == NULL) {
        free(p->rels[p->n]);
        return;
    }
    p->why[p->n] = why;
    p->n++;
}

static void
discover_start(svc_t *s, discover_t *d)
{
    if (d == NULL)
        return;
    d->work.data = d;
    if (uv_queue_work(s->loop, &d->work, discover_work, discover_after) != 0) {
        discover_free(d);
        return;
    }
    s->discovering++;
}

static void
scan_after(uv_work_t *req, int status)
{
    svc_t *s = req->data;
    uint64_t now = uv_now(s->loop), next = UINT64_MAX, at;
    size_t settling = 0;
    char key[PATH_MAX];
    discover_t *fresh = NULL;

    s->scanning = 0;
    if (status != 0 || s->stopping) {
        cs_scan_free(&s->scan);
        svc_maybe_finish(s);
        return;
    }
    if (s->scan_err != 0)
        cs_log(CS_LOG_ERROR, "scan.failed", json_pack("{s:s}", "error", cs_strerror(s->scan_err)));
    watches_sync(s);
    /* Paths released by jobs before this scan started are free again. */
    cs_settle_sweep(s->busy, s->scan_gen + 1);
    cs_settle_begin(s->settle);
    for (size_t i = 0; i < s->scan.nfiles; i++) {
        cs_scan_file_t *f = &s->scan.files[i];
        if ((size_t)snprintf(key, sizeof key, "%s/%s", s->roots[f->root], f->rel) >= sizeof key ||
            cs_settle_has(s->busy, key))
            continue;
        int seen = cs_settle_has(s->settle, key);
        int ready = cs_settle_observe(s->settle, key, &f->st, f->done, now,
                                      (uint64_t)s->cfg.ingest_settle_ms, &at);
        if (ready == 1 && !f->done && still_written(s, key, now)) {
            /* Its close starts a scan; meanwhile looked at now and then, for the give-up. */
            ready = 0;
            at = now + ((uint64_t)s->cfg.ingest_settle_ms > WRITER_RECHECK_MS
                            ? (uint64_t)s->cfg.ingest_settle_ms
                            : WRITER_RECHECK_MS);
        }
        if (!seen && ready == 0)
            discover_add(&fresh, s, s->roots[f->root], f->rel, NULL);
        if (ready == 1) {
            cs_settle_forget(s->settle, key);
            if (cs_settle_add(s->busy, key) == 0)
                svc_job_submit(s, f->root, f->rel, &f->st);
        } else if (ready == 0) {
            settling++;
            if (at < next)
                next = at;
        }
    }
    cs_settle_end(s->settle);
    for (size_t i = 0; i < s->scan.nrefused; i++) {
        cs_scan_file_t *f = &s->scan.refused[i];
        discover_add(&fresh, s, s->roots[f->root], f->rel, cs_scan_refusal(f->st.st_mode));
    }
    discover_start(s, fresh);
    if (s->scan.errors > 0)
        cs_log(CS_LOG_WARN, "scan.unreadable", json_pack("{s:i}", "folders", s->scan.errors));
    cs_scan_free(&s->scan);
    if (next != UINT64_MAX)
        uv_timer_start(&s->settle_timer, on_timer, next - now + 5, 0);
    if (s->scan_again) {
        s->scan_again = 0;
        scan_request(s);
    }
}

static void
scan_request(svc_t *s)
{
    if (s->stopping)
        return;
    if (s->scanning) {
        s->scan_again = 1;
        return;
    }
    s->scanning = 1;
    s->scan_gen++;
    s->scan_work.data = s;
    if (uv_queue_work(s->loop, &s->scan_work, scan_work, scan_after) != 0)
        s->scanning = 0;
}

/* Timers pass the timer handle; their data points at the service. */
static void
on_timer(uv_timer_t *t)
{
    scan_request(t->data);
}

void
svc_scan_init(svc_t *s)
{
    s->loop->data = s;
    uv_timer_init(s->loop, &s->rescan_timer);
    uv_timer_init(s->loop, &s->settle_timer);
    uv_timer_init(s->loop, &s->event_timer);
    s->rescan_timer.data = s->settle_timer.data = s->event_timer.data = s;
    /* Without it (out of inotify instances), settling alone decides, as before. */
    int err = cs_writers_open(&s->writers);
    if (err == 0 && uv_poll_init(s->loop, &s->writers_poll, cs_writers_fd(s->writers)) != 0) {
        cs_writers_free(&s->writers); /* no handle made: nothing to close */
        err = CS_EIO;
    } else if (err == 0) {
        s->writers_poll.data = s;
        if (uv_poll_start(&s->writers_poll, UV_READABLE, on_writers) != 0)
            err = CS_EIO; /* the table stays empty; the handle is closed at the stop */
    }
    if (err != 0)
        cs_log(CS_LOG_WARN, "watch.writers_failed",
               json_pack("{s:s, s:s}", "error", cs_strerror(err), "message",
                         "uploads are claimed once settled, open for writing or not"));
}

void
svc_scan_start(svc_t *s)
{
    uv_timer_start(&s->rescan_timer, on_timer, 0, (uint64_t)s->cfg.ingest_rescan_ms);
}
