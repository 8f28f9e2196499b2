/* api/stream_remote.c: a download from the object store (an s3 store without a local copy).
 *
 * One GET for the whole answer (with a Range when the client asked for one) runs on a thread
 * of its own, the fetch; its bytes reach h2o through two slots of CS_API_REMOTE_SLOT bytes:
 * the thread fills one while h2o sends the other, and waits while both are taken (the
 * client's pace holds the GET back: never the object in memory; 2 MiB a download at most,
 * beside libcurl's receive buffer and the sockets' own). Few wake-ups between the two: a
 * slot goes to the loop when full, or when the loop has sent all before it and the slot
 * holds CS_API_REMOTE_MIN bytes or the GET's last ones (libcurl gives 16 KiB at a time; a
 * slot of each would be a send and a wake-up each), and the thread wakes the loop only when
 * the loop waits for bytes (while h2o sends, the send's end takes the next slot itself).
 * The fetch starts as soon as the gate has allowed the read (h_media.c), so that the object
 * store's first bytes come while the read's ledger entry is made durable; none reaches the
 * client before the answer starts, after that entry (record.c, then cs_api_stream_remote).
 * The answer starts with the first bytes: a GET that fails before them answers 503 (or 500)
 * with nothing served; one that fails after
 * ends the response as failed (the connection closes short of its Content-Length, never a
 * truncated answer that looks complete). The gate decided and ledgered the read before this
 * starts (h_media.c, record.c).
 *
 * Ownership: the fetch is the call's until the answer takes it (a call answered otherwise
 * drops it: cancelled, it frees itself when its thread ends); then the stream's, h2o shared
 * memory in the request's pool, of which the thread holds a reference until the stream's
 * wake-up handle is closed on the loop. */
#include "api/api_int.h"

#include "core/error.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cs_api_fetch {
    cs_store_t *store;
    char obj[65];
    uint64_t off, len; /* the bytes asked */
    int whole;         /* the whole object: a GET without a Range */
    uv_thread_t thread;
    /* Shared with the thread, under mu. */
    uv_mutex_t mu;
    uv_cond_t cv;
    unsigned char *slot[CS_API_REMOTE_SLOTS];
    size_t fill[CS_API_REMOTE_SLOTS]; /* bytes in each slot */
    int full[CS_API_REMOTE_SLOTS];    /* handed to the loop, until h2o has sent it */
    int cancel;                       /* -> thread: stop */
    int orphan;       /* nobody takes the bytes: the thread frees the fetch when it ends */
    uv_async_t *wake; /* the stream's, once it took the fetch: told of a slot and the end */
    int idle;         /* loop ->: it waits for a slot (the next one handed over wakes it) */
    int done, rc;     /* thread ->: the GET is over, and how */
    /* The thread's. */
    int w;             /* the slot being filled */
    uint64_t received; /* bytes the GET gave */
};

typedef struct rstream {
    h2o_generator_t super;
    cs_api_t *api;
    h2o_req_t *req; /* NULL once the client went away */
    void **guard;   /* in req's pool until the answer starts: notices a client that leaves */
    cs_api_dl_head_t head;
    struct cs_api_fetch *f;
    uv_async_t wake;
    int route; /* for the metrics, counted when the answer starts */
    uint64_t started_ns;
    /* The loop's. */
    int r;         /* the next slot to send */
    int sending;   /* slot r is with h2o */
    int started;   /* the answer has started (headers, or a problem) */
    int finished;  /* the last bytes, an error or a problem were sent */
    int closing;   /* the wake-up handle is closing */
    uint64_t sent; /* bytes handed to h2o */
} rstream_t;

static void pump(rstream_t *s);

static void
fetch_free(struct cs_api_fetch *f)
{
    uv_cond_destroy(&f->cv);
    uv_mutex_destroy(&f->mu);
    for (int i = 0; i < CS_API_REMOTE_SLOTS; i++)
        free(f->slot[i]);
    free(f);
}

/* Thread: the GET's bytes, copied into the slot being filled; a slot is handed over when
 * full, or when the one before it is free (the loop has nothing to send) and it holds
 * CS_API_REMOTE_MIN bytes or the last. The loop is woken only if it waits for it. */
static int
sink(void *arg, const void *buf, size_t len)
{
    struct cs_api_fetch *f = arg;
    const unsigned char *p = buf;
    if (len > f->len - f->received)
        return CS_EIO; /* more than asked: not the bytes we named */
    f->received += len;
    while (len > 0) {
        uv_mutex_lock(&f->mu);
        while (f->full[f->w] && !f->cancel)
            uv_cond_wait(&f->cv, &f->mu);
        if (f->cancel) {
            uv_mutex_unlock(&f->mu);
            return CS_ECANCELED;
        }
        uv_mutex_unlock(&f->mu);
        size_t n = CS_API_REMOTE_SLOT - f->fill[f->w];
        if (n > len)
            n = len;
        memcpy(f->slot[f->w] + f->fill[f->w], p, n);
        p += n;
        len -= n;
        uv_mutex_lock(&f->mu);
        f->fill[f->w] += n;
        /* Full, or the loop has sent all before it and this is enough: hand it over. */
        if (f->fill[f->w] == CS_API_REMOTE_SLOT ||
            (!f->full[(f->w + CS_API_REMOTE_SLOTS - 1) % CS_API_REMOTE_SLOTS] &&
             (f->fill[f->w] >= CS_API_REMOTE_MIN || f->received == f->len))) {
            f->full[f->w] = 1;
            f->w = (f->w + 1) % CS_API_REMOTE_SLOTS;
            if (f->wake != NULL && f->idle) {
                f->idle = 0;
                uv_async_send(f->wake);
            }
        }
        uv_mutex_unlock(&f->mu);
    }
    return 0;
}

static void
fetch_run(void *arg)
{
    struct cs_api_fetch *f = arg;
    int rc = cs_store_get_remote(f->store, f->obj, f->off, f->whole ? 0 : f->len, sink, f);
    if (rc == 0 && f->received != f->len) {
        cs_diag_set("the object store gave %llu of the %llu bytes asked of object %.12s",
                    (unsigned long long)f->received, (unsigned long long)f->len, f->obj);
        rc = CS_EIO;
    }
    uv_mutex_lock(&f->mu);
    if (rc == 0 && f->fill[f->w] > 0) /* the last bytes, in a slot not handed over yet */
        f->full[f->w] = 1;
    f->rc = rc;
    f->done = 1;
    int orphan = f->orphan;
    if (!orphan && f->wake != NULL)
        uv_async_send(f->wake);
    uv_mutex_unlock(&f->mu);
    if (orphan)
        fetch_free(f); /* dropped: its thread was detached */
}

int
cs_api_fetch_start(cs_api_call_t *c)
{
    struct cs_api_fetch *f = calloc(1, sizeof *f);
    if (f == NULL)
        return CS_ENOMEM;
    f->store = c->api->store;
    memcpy(f->obj, c->remote, sizeof f->obj);
    f->off = c->off;
    f->len = c->len;
    f->whole = c->status == 200;
    int ok = 1;
    for (int i = 0; i < CS_API_REMOTE_SLOTS; i++)
        ok &= (f->slot[i] = malloc(CS_API_REMOTE_SLOT)) != NULL;
    uv_mutex_init(&f->mu);
    uv_cond_init(&f->cv);
    if (!ok) {
        fetch_free(f);
        return CS_ENOMEM;
    }
    if (uv_thread_create(&f->thread, fetch_run, f) != 0) {
        fetch_free(f);
        return CS_EIO;
    }
    c->fetch = f;
    return 0;
}

void
cs_api_fetch_drop(struct cs_api_fetch *f)
{
    if (f == NULL)
        return;
    uv_mutex_lock(&f->mu);
    f->cancel = 1;
    uv_cond_signal(&f->cv);
    int done = f->done;
    f->orphan = !done;
    uv_mutex_unlock(&f->mu);
    if (done) {
        uv_thread_join(&f->thread);
        fetch_free(f);
    } else {
        pthread_detach(f->thread); /* it frees the fetch when its GET ends */
    }
}

static void
on_closed(uv_handle_t *h)
{
    rstream_t *s = h->data;
    h2o_mem_release_shared(s); /* the thread's reference */
}

/* The client went away (h2o stops the generator, or disposes of a request not yet
 * answered): nothing more is sent, and the GET stops. */
static void
client_gone(rstream_t *s)
{
    s->req = NULL;
    if (s->guard != NULL)
        *s->guard = NULL;
    s->guard = NULL;
    uv_mutex_lock(&s->f->mu);
    s->f->cancel = 1;
    uv_cond_signal(&s->f->cv);
    uv_mutex_unlock(&s->f->mu);
    pump(s);
}

static void
on_guard(void *p)
{
    rstream_t *s = *(rstream_t **)p;
    if (s != NULL) {
        s->guard = NULL; /* going with the pool */
        client_gone(s);
    }
}

static void
on_stop(h2o_generator_t *g, h2o_req_t *req)
{
    (void)req;
    client_gone((rstream_t *)g);
}

static void
on_proceed(h2o_generator_t *g, h2o_req_t *req)
{
    rstream_t *s = (rstream_t *)g;
    struct cs_api_fetch *f = s->f;
    (void)req;
    uv_mutex_lock(&f->mu);
    f->full[s->r] = 0;
    f->fill[s->r] = 0;
    s->r = (s->r + 1) % CS_API_REMOTE_SLOTS;
    s->sending = 0;
    uv_cond_signal(&f->cv);
    uv_mutex_unlock(&f->mu);
    pump(s);
}

/* The answer starts: counted now (its status is known), and from now on h2o's stop says
 * when the client leaves. A success's head is sent with its first bytes. */
static void
start_answer(rstream_t *s, int status)
{
    s->started = 1;
    if (s->guard != NULL)
        *s->guard = NULL;
    s->guard = NULL;
    cs_api_metrics_count(s->api, s->route, status, s->started_ns);
    if (status == s->head.status) {
        cs_api_stream_head(s->req, &s->head);
        h2o_start_response(s->req, &s->super);
    }
}

/* Loop: sends what the fetch handed over, ends the answer, or cleans up once the GET is
 * over. */
static void
pump(rstream_t *s)
{
    struct cs_api_fetch *f = s->f;
    if (s->closing)
        return;
    uv_mutex_lock(&f->mu);
    int have = f->full[s->r], done = f->done, rc = f->rc;
    size_t n = f->fill[s->r];
    if (!have && !s->sending)
        f->idle = 1; /* the next slot handed over wakes the loop */
    uv_mutex_unlock(&f->mu);
    if (s->req == NULL) {
        s->finished = 1;
        s->sending = 0; /* h2o calls no proceed any more */
    } else if (!s->finished && !s->sending && have) {
        if (!s->started)
            start_answer(s, s->head.status);
        h2o_iovec_t v = h2o_iovec_init(f->slot[s->r], n);
        s->sending = 1;
        s->sent += n;
        s->finished = s->sent >= s->head.len;
        h2o_send(s->req, &v, 1, s->finished ? H2O_SEND_STATE_FINAL : H2O_SEND_STATE_IN_PROGRESS);
        if (!s->finished)
            return;     /* on_proceed comes back here */
        s->sending = 0; /* the last bytes: no proceed follows */
    } else if (!s->finished && !s->sending && done) {
        s->finished = 1;
        if (!s->started) {
            /* Nothing was served: the answer can still say why. */
            int unavailable = rc == CS_EUNAVAILABLE;
            start_answer(s, unavailable ? 503 : 500);
            cs_api_send_problem(s->req, unavailable ? "unavailable" : "internal",
                                unavailable ? "the object store does not answer; try again later"
                                            : "the object store could not give the object; the "
                                              "operator runs custody verify");
        } else {
            h2o_send(s->req, NULL, 0, H2O_SEND_STATE_ERROR);
        }
    }
    if (done && s->finished && !s->sending) {
        s->closing = 1;
        uv_thread_join(&f->thread);
        uv_close((uv_handle_t *)&s->wake, on_closed);
    }
}

static void
on_wake(uv_async_t *h)
{
    pump(h->data);
}

static void
dispose(void *p)
{
    rstream_t *s = p;
    /* Only now: h2o may write from a slot until it has disposed of the request. */
    if (s->f != NULL)
        fetch_free(s->f);
    s->api->ls.streams--;
    cs_api_maybe_finish(s->api);
}

int
cs_api_stream_remote(cs_api_call_t *c, const cs_api_dl_head_t *head)
{
    h2o_req_t *req = c->req;
    int rc;
    if (c->fetch == NULL && (rc = cs_api_fetch_start(c)) != 0)
        return rc;
    rstream_t *s = h2o_mem_alloc_shared(&req->pool, sizeof *s, dispose);
    memset(s, 0, sizeof *s);
    s->super.proceed = on_proceed;
    s->super.stop = on_stop;
    s->api = c->api;
    s->req = req;
    s->head = *head;
    s->route = c->route;
    s->started_ns = c->started_ns;
    s->f = c->fetch;
    c->fetch = NULL;      /* the stream's now */
    c->api->ls.streams++; /* dispose counts it down */
    s->wake.data = s;
    uv_async_init(c->api->loop, &s->wake, on_wake);
    s->guard = h2o_mem_alloc_shared(&req->pool, sizeof *s->guard, on_guard);
    *s->guard = s;
    h2o_mem_addref_shared(s); /* the thread's, until the wake-up handle is closed */
    uv_mutex_lock(&s->f->mu);
    s->f->wake = &s->wake; /* from now on the fetch tells the loop */
    uv_mutex_unlock(&s->f->mu);
    pump(s); /* what came before the answer could start */
    return 0;
}
