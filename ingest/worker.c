/* ingest/worker.c: the supervisor of the media workers, on the caller's uv loop (the worker
 * side is worker_main.c). A worker runs one request at a time under a uv timer; one that
 * crashes, hangs or answers garbage is killed and replaced, and its request goes back to the
 * front of the queue. A worker is freed when its last handle has closed, the pool when its
 * last worker and its backoff timer are gone. */
#include "ingest/worker.h"
#include "core/buf.h"

#include "core/error.h"
#include "core/log.h"
#include "core/reason.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WORKER_LINE_MAX (1024 * 1024) /* a longer answer is a worker failure */
#define WORKER_IDLE_DEATHS 5          /* deaths in a row without an answer before backing off */
#define WORKER_BACKOFF_MS 1000

typedef struct req {
    struct req *next;
    uint64_t id;
    char *line; /* the request as one JSON line of `len` bytes, '\n' included */
    size_t len;
    int tries;
    cs_worker_cb cb;
    cs_worker_progress_cb progress; /* may be NULL */
    cs_worker_raw_cb raw;           /* may be NULL; a raw request is tried once */
    void *arg;
} req_t;

typedef struct worker {
    struct worker *next;
    cs_workers_t *pool;
    uv_process_t proc;
    uv_pipe_t in;  /* the worker's stdin: requests */
    uv_pipe_t out; /* the worker's stdout: answers */
    uv_timer_t timer;
    int nopen, retired, exited; /* retired: failed or told to stop, takes no requests */
    uint64_t served;
    req_t *req; /* the running request */
    char *acc;  /* WORKER_LINE_MAX + 1 bytes (touched only as used): answer so far */
    size_t len;
} worker_t;

struct cs_workers {
    uv_loop_t *loop;
    cs_worker_opts_t opts; /* exe and home point into strings below */
    char as_mb[16], cpu_s[16];
    char *argv[9];
    worker_t *workers; /* every worker not yet freed */
    int live;          /* workers that take requests */
    req_t *head, *tail;
    size_t pending;
    uint64_t next_id;
    int idle_deaths, backoff_open, stopping;
    uv_timer_t backoff;
    void (*done)(void *arg);
    void *done_arg;
    char strings[]; /* exe '\0' home '\0' */
};

static void pool_fill(cs_workers_t *p, int after_backoff);
static void pool_dispatch(cs_workers_t *p);

static void
req_finish(cs_workers_t *p, req_t *r, int rc, json_t *result, const cs_reason_t *why)
{
    p->pending--;
    r->cb(r->arg, rc, result, why);
    free(r->line);
    free(r);
}

static void
queue_push(cs_workers_t *p, req_t *r, int front)
{
    r->next = front ? p->head : NULL;
    if (p->head == NULL)
        p->head = p->tail = r;
    else if (front)
        p->head = r;
    else
        p->tail = p->tail->next = r;
}

/* Finishes every queued request; those submitted meanwhile by a callback stay queued. */
static void
queue_fail(cs_workers_t *p, int rc, const cs_reason_t *why)
{
    req_t *r = p->head, *next;
    p->head = p->tail = NULL;
    for (; r != NULL; r = next) {
        next = r->next;
        req_finish(p, r, rc, NULL, why);
    }
}

static void
pool_maybe_done(cs_workers_t *p)
{
    if (!p->stopping || p->workers != NULL || p->backoff_open)
        return;
    if (p->done != NULL)
        p->done(p->done_arg);
    free(p);
}

static void
on_worker_close(uv_handle_t *h)
{
    worker_t *w = h->data;
    cs_workers_t *p = w->pool;
    if (--w->nopen > 0)
        return;
    worker_t **pp = &p->workers;
    while (*pp != w)
        pp = &(*pp)->next;
    *pp = w->next;
    free(w->acc);
    free(w);
    pool_maybe_done(p);
}

/* The process handle stays open until the child is reaped, or it would be left a zombie. */
static void
worker_close(worker_t *w)
{
    uv_handle_t *hs[] = {(uv_handle_t *)&w->in, (uv_handle_t *)&w->out, (uv_handle_t *)&w->timer,
                         (uv_handle_t *)&w->proc};
    for (size_t i = 0; i < sizeof hs / sizeof hs[0]; i++)
        if (!uv_is_closing(hs[i]) && (hs[i] != (uv_handle_t *)&w->proc || w->exited))
            uv_close(hs[i], on_worker_close);
}

/* The worker is beyond use: kill it, replace it, and retry or fail its request. */
static void
worker_fail(worker_t *w, const cs_reason_t *why)
{
    cs_workers_t *p = w->pool;
    req_t *r = w->req;
    cs_reason_t final;
    if (!w->retired) {
        w->retired = 1;
        p->live--;
        p->idle_deaths = w->served == 0 ? p->idle_deaths + 1 : 0;
    }
    w->req = NULL;
    cs_log(CS_LOG_WARN, "worker.failed",
           json_pack("{s:i, s:s}", "pid", w->proc.pid, "reason", why->text));
    if (!w->exited)
        uv_process_kill(&w->proc, SIGKILL);
    uv_read_stop((uv_stream_t *)&w->out);
    uv_timer_stop(&w->timer);
    if (r != NULL && r->raw == NULL && r->tries <= p->opts.retries && !p->stopping) {
        queue_push(p, r, 1);
    } else if (r != NULL) {
        cs_reason_set(&final, why->code, cs_reason_params_json(why), "%s on %d tr%s", why->text,
                      r->tries, r->tries == 1 ? "y" : "ies");
        cs_reason_param(&final, "tries", json_integer(r->tries));
        req_finish(p, r, CS_EWORKER, NULL, &final);
    }
    pool_fill(p, 0);
}

static void
on_worker_exit(uv_process_t *proc, int64_t status, int signo)
{
    worker_t *w = proc->data;
    cs_reason_t why;
    const char *abbrev = signo ? sigabbrev_np(signo) : NULL;
    char name[32];
    w->exited = 1;
    cs_snprintf_cut(name, sizeof name, "SIG%s", abbrev ? abbrev : "?");
    if (signo)
        cs_reason_set(&why, CS_R_WORKER_SIGNAL,
                      json_pack("{s:i, s:s}", "signal", signo, "name", name),
                      "worker killed by signal %d (%s)", signo, name);
    else
        cs_reason_set(&why, CS_R_WORKER_EXIT, json_pack("{s:I}", "status", (json_int_t)status),
                      "worker exited with status %" PRId64, status);
    if (!w->retired)
        worker_fail(w, &why);
    worker_close(w);
}

static void
on_worker_timer(uv_timer_t *t)
{
    worker_t *w = t->data;
    cs_reason_t why;
    if (w->req != NULL) {
        cs_reason_set(&why, CS_R_TIMEOUT, json_pack("{s:i}", "ms", w->pool->opts.timeout_ms),
                      "timed out after %d ms", w->pool->opts.timeout_ms);
        worker_fail(w, &why);
    } else if (!w->exited) {
        uv_process_kill(&w->proc, SIGKILL); /* told to stop, it did not exit in time */
    }
}

static void
worker_answer(worker_t *w, const char *line, size_t len)
{
    cs_workers_t *p = w->pool;
    req_t *r = w->req;
    json_t *ans, *id, *progress;
    const char *error;
    char prefix[48];
    size_t plen;
    cs_reason_t why;
    /* {"id":N,"raw":[...]}: handed on as bytes, unparsed (worker.h). */
    if (r != NULL && r->raw != NULL &&
        (plen = (size_t)snprintf(prefix, sizeof prefix, "{\"id\":%" PRIu64 ",\"raw\":[", r->id)) <
            sizeof prefix &&
        len > plen + 2 && memcmp(line, prefix, plen) == 0) {
        if (memcmp(line + len - 2, "]}", 2) != 0 ||
            r->raw(r->arg, line + plen, len - plen - 2) != 0) {
            cs_reason_set(&why, CS_R_WORKER_PROTOCOL, NULL, "worker answered a raw line not taken");
            worker_fail(w, &why);
            return;
        }
        uv_timer_start(&w->timer, on_worker_timer, (uint64_t)p->opts.timeout_ms, 0);
        return;
    }
    ans = json_loadb(line, len, 0, NULL);
    id = json_object_get(ans, "id");
    error = json_string_value(json_object_get(ans, "error"));
    progress = json_object_get(ans, "progress");
    if (r == NULL || !json_is_integer(id) || (uint64_t)json_integer_value(id) != r->id) {
        cs_reason_set(&why, CS_R_WORKER_PROTOCOL, NULL,
                      "worker answered out of turn or not in JSON");
        worker_fail(w, &why);
    } else if (json_is_object(progress) && json_object_get(ans, "ok") == NULL) {
        /* Still working: the timeout counts from the last sign of progress. */
        uv_timer_start(&w->timer, on_worker_timer, (uint64_t)p->opts.timeout_ms, 0);
        if (r->progress != NULL)
            r->progress(r->arg, progress);
    } else {
        /* Idle again before the callback, which may submit or stop. */
        w->req = NULL;
        w->served++;
        p->idle_deaths = 0;
        uv_timer_stop(&w->timer);
        if (json_is_true(json_object_get(ans, "ok")))
            req_finish(p, r, 0, json_object_get(ans, "result"), NULL);
        else {
            /* The worker's own account of the media step, in its words. */
            cs_reason_set(&why, CS_R_MEDIA_ERROR, NULL, "%s",
                          error ? error : "worker failed without a reason");
            req_finish(p, r, CS_EWORKER, NULL, &why);
        }
        pool_dispatch(p);
    }
    json_decref(ans);
}

static void
on_worker_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    worker_t *w = h->data;
    (void)suggested;
    if (w->acc == NULL)
        w->acc = malloc(WORKER_LINE_MAX + 1);
    /* No room (or no memory) makes libuv report UV_ENOBUFS to on_worker_read. */
    *buf = w->acc ? uv_buf_init(w->acc + w->len, (unsigned)(WORKER_LINE_MAX + 1 - w->len))
                  : uv_buf_init(NULL, 0);
}

static void
on_worker_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    worker_t *w = s->data;
    cs_reason_t why;
    char *nl;
    (void)buf;
    if (nread == UV_ENOBUFS) {
        cs_reason_set(&why, CS_R_WORKER_PROTOCOL, NULL, "%s",
                      w->acc ? "worker answered a line longer than 1 MiB"
                             : "out of memory reading the worker's answer");
        worker_fail(w, &why);
        return;
    }
    if (nread < 0) {
        uv_read_stop(s); /* EOF or error: the exit callback (or the timer) tells why */
        return;
    }
    w->len += (size_t)nread;
    while (!w->retired && (nl = memchr(w->acc, '\n', w->len)) != NULL) {
        worker_answer(w, w->acc, (size_t)(nl - w->acc));
        w->len -= (size_t)(nl + 1 - w->acc);
        memmove(w->acc, nl + 1, w->len);
    }
    if (!w->retired && w->len > WORKER_LINE_MAX) {
        cs_reason_set(&why, CS_R_WORKER_PROTOCOL, NULL, "worker answered a line longer than 1 MiB");
        worker_fail(w, &why);
    }
}

static void
on_write(uv_write_t *req, int status)
{
    (void)status; /* a worker that cannot be written to has died: its exit tells why */
    free(req);
}

static void
worker_run(worker_t *w, req_t *r)
{
    cs_reason_t why;
    /* The write owns a copy: the request may be retried or finished before it completes. */
    uv_write_t *wr = malloc(sizeof *wr + r->len);
    uv_buf_t buf;
    int rc = UV_ENOMEM;
    w->req = r;
    r->tries++;
    uv_timer_start(&w->timer, on_worker_timer, (uint64_t)w->pool->opts.timeout_ms, 0);
    if (wr != NULL) {
        buf = uv_buf_init(memcpy(wr + 1, r->line, r->len), (unsigned)r->len);
        rc = uv_write(wr, (uv_stream_t *)&w->in, &buf, 1, on_write);
    }
    if (rc != 0) {
        free(wr);
        cs_reason_set(&why, CS_R_WORKER_WRITE, NULL, "could not write to the worker: %s",
                      uv_strerror(rc));
        worker_fail(w, &why);
    }
}

static int
worker_spawn(cs_workers_t *p)
{
    worker_t *w = calloc(1, sizeof *w);
    int rc;
    if (w == NULL) {
        cs_diag_set("out of memory starting a media worker");
        return CS_ENOMEM;
    }
    /* Pipe flags are from the child's side; its stderr is the service's log. */
    uv_stdio_container_t stdio[3] = {
        {.flags = UV_CREATE_PIPE | UV_READABLE_PIPE, .data.stream = (uv_stream_t *)&w->in},
        {.flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE, .data.stream = (uv_stream_t *)&w->out},
        {.flags = UV_INHERIT_FD, .data.fd = 2},
    };
    uv_process_options_t po = {.exit_cb = on_worker_exit, .file = p->opts.exe, .args = p->argv};
    po.stdio = stdio;
    po.stdio_count = 3;
    w->pool = p;
    w->in.data = w->out.data = w->timer.data = w->proc.data = w;
    uv_pipe_init(p->loop, &w->in, 0);
    uv_pipe_init(p->loop, &w->out, 0);
    uv_timer_init(p->loop, &w->timer);
    w->nopen = 4; /* the process handle is initialised even when uv_spawn fails */
    w->next = p->workers;
    p->workers = w;
    if ((rc = uv_spawn(p->loop, &w->proc, &po)) != 0 ||
        (rc = uv_read_start((uv_stream_t *)&w->out, on_worker_alloc, on_worker_read)) != 0) {
        w->retired = 1;
        /* A child that did start is closed by on_worker_exit. */
        if ((w->exited = w->proc.pid <= 0 || uv_process_kill(&w->proc, SIGKILL) != 0))
            worker_close(w);
        cs_diag_set("cannot start the media worker %s: %s", p->opts.exe, uv_strerror(rc));
        return cs_err_from_errno(-rc); /* libuv codes are negated errno values on Unix */
    }
    p->live++;
    return 0;
}

static void
on_backoff(uv_timer_t *t)
{
    pool_fill(t->data, 1);
}

/* Keeps `count` workers; but when workers keep dying before they answer anything, one
 * more try a second instead of a tight respawn loop. */
static void
pool_fill(cs_workers_t *p, int after_backoff)
{
    cs_reason_t why;
    while (!p->stopping && p->live < p->opts.count &&
           (after_backoff || p->idle_deaths < WORKER_IDLE_DEATHS)) {
        if (worker_spawn(p) != 0) {
            /* callbacks may set another diagnostic */
            cs_reason_set(&why, CS_R_WORKER_UNAVAILABLE, NULL, "%s", cs_diag());
            cs_log(CS_LOG_ERROR, "worker.spawn_failed", json_pack("{s:s}", "reason", why.text));
            if (p->live == 0) /* then waiting requests have nobody to run them */
                queue_fail(p, CS_EWORKER, &why);
            break;
        }
    }
    if (!p->stopping && p->live < p->opts.count && !uv_is_active((uv_handle_t *)&p->backoff))
        uv_timer_start(&p->backoff, on_backoff, WORKER_BACKOFF_MS, 0);
    pool_dispatch(p);
}

static void
pool_dispatch(cs_workers_t *p)
{
    worker_t *w;
    req_t *r;
    /* Rescan from the head after each start: a start that fails changes the list. */
    for (;;) {
        for (w = p->workers; w != NULL; w = w->next)
            if (!w->retired && w->req == NULL && (p->stopping || p->head != NULL))
                break;
        if (w == NULL)
            return;
        if (!p->stopping) {
            r = p->head;
            if ((p->head = r->next) == NULL)
                p->tail = NULL;
            worker_run(w, r);
            continue;
        }
        /* Idle and told to stop: closing its stdin ends it; the timer makes sure. */
        w->retired = 1;
        p->live--;
        uv_close((uv_handle_t *)&w->in, on_worker_close);
        uv_timer_start(&w->timer, on_worker_timer, (uint64_t)p->opts.timeout_ms, 0);
    }
}

static void
on_backoff_close(uv_handle_t *h)
{
    cs_workers_t *p = h->data;
    p->backoff_open = 0;
    pool_maybe_done(p);
}

int
cs_workers_start(cs_workers_t **out, uv_loop_t *loop, const cs_worker_opts_t *opts)
{
    cs_workers_t *p;
    struct sigaction sa;
    int rc;

    *out = NULL;
    if (opts->exe == NULL || opts->home == NULL || opts->count < 1 || opts->timeout_ms < 1 ||
        opts->retries < 0 || opts->rlimit_as_mb < 0 || opts->rlimit_cpu_s < 0) {
        cs_diag_set("media workers need an exe, a home, count >= 1 and timeout_ms >= 1");
        return CS_EINVAL;
    }
    /* The usual failure is caught here, before any handle exists that must be closed. */
    if (access(opts->exe, X_OK) != 0) {
        rc = cs_err_from_errno(errno);
        cs_diag_set("cannot run the media worker %s: %s", opts->exe, strerror(errno));
        return rc;
    }
    size_t exe_len = strlen(opts->exe) + 1, home_len = strlen(opts->home) + 1;
    if ((p = calloc(1, sizeof *p + exe_len + home_len)) == NULL) {
        cs_diag_set("out of memory starting the media workers");
        return CS_ENOMEM;
    }
    p->loop = loop;
    p->opts = *opts;
    p->opts.exe = memcpy(p->strings, opts->exe, exe_len);
    p->opts.home = memcpy(p->strings + exe_len, opts->home, home_len);
    p->next_id = 1;
    /* uv_spawn cannot set limits on the child alone: the worker applies them itself. */
    /* fits: an int's digits in each */
    snprintf(p->as_mb, sizeof p->as_mb, "%d", opts->rlimit_as_mb);
    snprintf(p->cpu_s, sizeof p->cpu_s, "%d", opts->rlimit_cpu_s);
    char *argv[] = {p->strings,       "--home", p->strings + exe_len,
                    "--rlimit-as-mb", p->as_mb, "--rlimit-cpu-s",
                    p->cpu_s,         NULL};
    memcpy(p->argv, argv, sizeof argv);
    /* A write to a worker that just died must not kill the service with SIGPIPE. */
    if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL)
        signal(SIGPIPE, SIG_IGN);
    p->backoff.data = p;
    uv_timer_init(loop, &p->backoff);
    p->backoff_open = 1;
    while (p->live < opts->count) {
        if ((rc = worker_spawn(p)) != 0) {
            /* Handles close as the loop runs; the pool then frees itself, calling nobody. */
            p->stopping = 1;
            uv_close((uv_handle_t *)&p->backoff, on_backoff_close);
            pool_dispatch(p);
            return rc;
        }
    }
    *out = p;
    return 0;
}

int
cs_workers_submit(cs_workers_t *w, const char *step, json_t *fields, cs_worker_cb cb, void *arg)
{
    return cs_workers_submit_progress(w, step, fields, cb, NULL, arg);
}

int
cs_workers_submit_progress(cs_workers_t *w, const char *step, json_t *fields, cs_worker_cb cb,
                           cs_worker_progress_cb progress, void *arg)
{
    return cs_workers_submit_raw(w, step, fields, cb, progress, NULL, arg);
}

int
cs_workers_submit_raw(cs_workers_t *w, const char *step, json_t *fields, cs_worker_cb cb,
                      cs_worker_progress_cb progress, cs_worker_raw_cb raw, void *arg)
{
    req_t *r = NULL;
    json_t *msg = NULL;
    char *text = NULL;
    int rc = CS_ENOMEM;
    if (step == NULL || cb == NULL || w->stopping) {
        cs_diag_set("%s", w->stopping ? "the media workers are stopping" : "no step or callback");
        return w->stopping ? CS_ECANCELED : CS_EINVAL;
    }
    if ((r = calloc(1, sizeof *r)) == NULL || (msg = json_object()) == NULL ||
        (fields != NULL && json_object_update(msg, fields) != 0) ||
        json_object_set_new(msg, "id", json_integer((json_int_t)w->next_id)) != 0 ||
        json_object_set_new(msg, "step", json_string(step)) != 0 ||
        (text = json_dumps(msg, JSON_COMPACT)) == NULL) {
        cs_diag_set("out of memory queuing a media worker request");
        goto out;
    }
    r->len = strlen(text);
    text[r->len++] = '\n'; /* json_dumps leaves room: the NUL becomes the newline */
    r->line = text;
    text = NULL;
    r->id = w->next_id++;
    r->cb = cb;
    r->progress = progress;
    r->raw = raw;
    r->arg = arg;
    queue_push(w, r, 0);
    r = NULL;
    w->pending++;
    pool_dispatch(w);
    rc = 0;
out:
    free(text);
    free(r);
    json_decref(msg);
    return rc;
}

size_t
cs_workers_pending(const cs_workers_t *w)
{
    return w->pending;
}

void
cs_workers_stop(cs_workers_t *w, void (*done)(void *arg), void *arg)
{
    if (w->stopping)
        return;
    w->stopping = 1;
    w->done = done;
    w->done_arg = arg;
    cs_reason_t why;
    cs_reason_set(&why, CS_R_WORKER_UNAVAILABLE, NULL, "the media workers were stopped");
    queue_fail(w, CS_ECANCELED, &why);
    uv_close((uv_handle_t *)&w->backoff, on_backoff_close);
    pool_dispatch(w); /* idle workers get their stdin closed; busy ones when they finish */
}

void
cs_workers_abort(cs_workers_t *w, void (*done)(void *arg), void *arg)
{
    if (w->stopping)
        return;
    cs_workers_stop(w, done, arg);
    cs_reason_t why;
    cs_reason_set(&why, CS_R_WORKER_UNAVAILABLE, NULL, "the media workers were stopped");
    for (worker_t *k = w->workers; k != NULL; k = k->next)
        if (k->req != NULL && !k->retired)
            worker_fail(k, &why);
}

void
cs_worker_answer_cb(void *arg, int rc, json_t *result, const cs_reason_t *why)
{
    cs_worker_answer_t *a = arg;
    a->done = 1;
    a->rc = rc;
    a->result = result != NULL ? json_incref(result) : NULL;
    if (why != NULL)
        a->why = *why;
    else
        memset(&a->why, 0, sizeof a->why);
    cs_snprintf_cut(a->reason, sizeof a->reason, "%s", why ? why->text : "");
}

void
cs_worker_fail_now(void *arg, cs_worker_cb cb, const char *text)
{
    cs_reason_t why;
    cs_reason_set(&why, CS_R_WORKER_UNAVAILABLE, NULL, "%s", text);
    cb(arg, CS_EWORKER, NULL, &why);
}
