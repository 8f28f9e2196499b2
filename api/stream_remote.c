/* api/stream_remote.c: a download from the object store (an s3 store without a local copy).
 *
 * One GET for the whole answer (with a Range when the client asked for one) runs on a thread
 * of its own; its bytes reach h2o through two slots of CS_API_REMOTE_SLOT bytes: the thread
 * fills one while h2o sends the other, and waits while both are taken (the client's pace
 * holds the GET back: never the object in memory). The answer starts with the first bytes:
 * a GET that fails before them answers 503 (or 500) with nothing served; one that fails after
 * ends the response as failed (the connection closes short of its Content-Length, never a
 * truncated answer that looks complete). The gate decided and ledgered the read before this
 * starts (h_media.c, record.c).
 *
 * Ownership: the stream is h2o shared memory in the request's pool; the thread holds a
 * reference from its start until its wake-up handle is closed on the loop. */
#include "api/api_int.h"

#include "core/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct rstream {
    h2o_generator_t super;
    cs_api_t *api;
    h2o_req_t *req; /* NULL once the client went away */
    void **guard;   /* in req's pool until the answer starts: notices a client that leaves */
    cs_api_dl_head_t head;
    char obj[65];
    uint64_t off; /* the object's first byte asked */
    uv_async_t wake;
    uv_thread_t thread;
    int route; /* for the metrics, counted when the answer starts */
    uint64_t started_ns;
    /* Shared with the thread, under mu. */
    uv_mutex_t mu;
    uv_cond_t cv;
    unsigned char *slot[2];
    size_t fill[2]; /* bytes in each slot */
    int full[2];    /* handed to the loop, until h2o has sent it */
    int cancel;     /* loop -> thread: stop */
    int done, rc;   /* thread -> loop: the GET is over, and how */
    char detail[256];
    /* The thread's. */
    int w;             /* the slot being filled */
    uint64_t received; /* bytes the GET gave */
    /* The loop's. */
    int r;         /* the next slot to send */
    int sending;   /* slot r is with h2o */
    int started;   /* the answer has started (headers, or a problem) */
    int finished;  /* the last bytes, an error or a problem were sent */
    int closing;   /* the wake-up handle is closing */
    uint64_t sent; /* bytes handed to h2o */
} rstream_t;

static void pump(rstream_t *s);

/* Thread: the GET's bytes, copied into the slot being filled; a slot is handed to the loop
 * when full, or at once when the loop has nothing to send. */
static int
sink(void *arg, const void *buf, size_t len)
{
    rstream_t *s = arg;
    const unsigned char *p = buf;
    if (len > s->head.len - s->received)
        return CS_EIO; /* more than asked: not the bytes we named */
    s->received += len;
    while (len > 0) {
        int wake = 0;
        uv_mutex_lock(&s->mu);
        while (s->full[s->w] && !s->cancel)
            uv_cond_wait(&s->cv, &s->mu);
        if (s->cancel) {
            uv_mutex_unlock(&s->mu);
            return CS_ECANCELED;
        }
        uv_mutex_unlock(&s->mu);
        size_t n = CS_API_REMOTE_SLOT - s->fill[s->w];
        if (n > len)
            n = len;
        memcpy(s->slot[s->w] + s->fill[s->w], p, n);
        p += n;
        len -= n;
        uv_mutex_lock(&s->mu);
        s->fill[s->w] += n;
        if (s->fill[s->w] == CS_API_REMOTE_SLOT || !s->full[s->w ^ 1]) {
            s->full[s->w] = 1;
            s->w ^= 1;
            wake = 1;
        }
        uv_mutex_unlock(&s->mu);
        if (wake)
            uv_async_send(&s->wake);
    }
    return 0;
}

static void
get_thread(void *arg)
{
    rstream_t *s = arg;
    /* The whole object without a Range; else the bytes asked. */
    uint64_t len = s->head.status == 200 ? 0 : s->head.len;
    int rc = cs_store_get_remote(s->api->store, s->obj, s->off, len, sink, s);
    if (rc == 0 && s->received != s->head.len) {
        cs_diag_set("the object store gave %llu of the %llu bytes asked of object %.12s",
                    (unsigned long long)s->received, (unsigned long long)s->head.len, s->obj);
        rc = CS_EIO;
    }
    uv_mutex_lock(&s->mu);
    if (rc == 0 && s->fill[s->w] > 0) /* the last bytes, in a slot not handed yet */
        s->full[s->w] = 1;
    s->rc = rc;
    if (rc != 0)
        snprintf(s->detail, sizeof s->detail, "%s", cs_diag());
    s->done = 1;
    uv_mutex_unlock(&s->mu);
    uv_async_send(&s->wake);
}

static void
on_closed(uv_handle_t *h)
{
    rstream_t *s = h->data;
    uv_cond_destroy(&s->cv);
    uv_mutex_destroy(&s->mu);
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
    uv_mutex_lock(&s->mu);
    s->cancel = 1;
    uv_cond_signal(&s->cv);
    uv_mutex_unlock(&s->mu);
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
    (void)req;
    uv_mutex_lock(&s->mu);
    s->full[s->r] = 0;
    s->fill[s->r] = 0;
    s->r ^= 1;
    s->sending = 0;
    uv_cond_signal(&s->cv);
    uv_mutex_unlock(&s->mu);
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

/* Loop: sends what the thread handed over, ends the answer, or cleans up once the GET is
 * over. */
static void
pump(rstream_t *s)
{
    if (s->closing)
        return;
    uv_mutex_lock(&s->mu);
    int have = s->full[s->r], done = s->done, rc = s->rc;
    size_t n = s->fill[s->r];
    uv_mutex_unlock(&s->mu);
    if (s->req == NULL) {
        s->finished = 1;
        s->sending = 0; /* h2o calls no proceed any more */
    } else if (!s->finished && !s->sending && have) {
        if (!s->started)
            start_answer(s, s->head.status);
        h2o_iovec_t v = h2o_iovec_init(s->slot[s->r], n);
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
        uv_thread_join(&s->thread);
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
    free(s->slot[0]);
    free(s->slot[1]);
    s->api->streams--;
    cs_api_maybe_finish(s->api);
}

int
cs_api_stream_remote(cs_api_call_t *c, const cs_api_dl_head_t *head)
{
    h2o_req_t *req = c->req;
    rstream_t *s = h2o_mem_alloc_shared(&req->pool, sizeof *s, dispose);
    memset(s, 0, sizeof *s);
    s->super.proceed = on_proceed;
    s->super.stop = on_stop;
    s->api = c->api;
    s->req = req;
    s->head = *head;
    memcpy(s->obj, c->remote, sizeof s->obj);
    s->off = c->off;
    s->route = c->route;
    s->started_ns = c->started_ns;
    c->api->streams++; /* dispose counts it down */
    s->slot[0] = malloc(CS_API_REMOTE_SLOT);
    s->slot[1] = malloc(CS_API_REMOTE_SLOT);
    if (s->slot[0] == NULL || s->slot[1] == NULL)
        return CS_ENOMEM; /* dispose frees them */
    uv_mutex_init(&s->mu);
    uv_cond_init(&s->cv);
    s->wake.data = s;
    uv_async_init(c->api->loop, &s->wake, on_wake);
    s->guard = h2o_mem_alloc_shared(&req->pool, sizeof *s->guard, on_guard);
    *s->guard = s;
    h2o_mem_addref_shared(s); /* the thread's, until the wake-up handle is closed */
    if (uv_thread_create(&s->thread, get_thread, s) != 0) {
        *s->guard = NULL;
        s->guard = NULL;
        s->done = s->finished = s->closing = 1;
        uv_close((uv_handle_t *)&s->wake, on_closed);
        return CS_EIO;
    }
    return 0;
}
