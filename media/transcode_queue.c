/* media/transcode_queue.c: the queues between the threads of a recording (the decode loop to
 * each output, each output to its verifier). A queue holds references to frames or packets, at
 * most max_items of them and, past the first, max_bytes: the producer waits when it is full,
 * so memory stays bounded however far one thread runs ahead of another. */
#include "media/transcode_int.h"

#include "core/error.h"

#include <string.h>

void
cs_tc_item_free(cs_tc_item_t *item)
{
    av_frame_free(&item->frame);
    av_packet_free(&item->pkt);
    item->bytes = 0;
}

int
cs_tc_queue_init(cs_tc_queue_t *q, unsigned max_items, size_t max_bytes)
{
    memset(q, 0, sizeof *q);
    q->max_items = max_items < 1 ? 1 : max_items > CS_TC_QUEUE_MAX ? CS_TC_QUEUE_MAX : max_items;
    q->max_bytes = max_bytes;
    if (pthread_mutex_init(&q->lock, NULL) != 0)
        goto fail;
    if (pthread_cond_init(&q->can_put, NULL) != 0) {
        pthread_mutex_destroy(&q->lock);
        goto fail;
    }
    if (pthread_cond_init(&q->can_take, NULL) != 0) {
        pthread_cond_destroy(&q->can_put);
        pthread_mutex_destroy(&q->lock);
        goto fail;
    }
    q->ready = 1;
    return 0;
fail:
    cs_diag_set("out of memory setting up a queue between threads");
    return CS_ENOMEM;
}

static int
full(const cs_tc_queue_t *q, size_t bytes)
{
    return q->count == q->max_items || (q->count > 0 && q->bytes + bytes > q->max_bytes);
}

int
cs_tc_queue_put(cs_tc_queue_t *q, cs_tc_item_t *item)
{
    int rc;

    pthread_mutex_lock(&q->lock);
    while (!q->stopped && full(q, item->bytes))
        pthread_cond_wait(&q->can_put, &q->lock);
    if (q->stopped || q->closed) {
        rc = q->why != 0 ? q->why : CS_ECANCELED;
    } else {
        q->items[(q->head + q->count++) % CS_TC_QUEUE_MAX] = *item;
        q->bytes += item->bytes;
        memset(item, 0, sizeof *item);
        pthread_cond_signal(&q->can_take);
        rc = 0;
    }
    pthread_mutex_unlock(&q->lock);
    return rc;
}

int
cs_tc_queue_take(cs_tc_queue_t *q, cs_tc_item_t *item)
{
    int got = 0;

    pthread_mutex_lock(&q->lock);
    while (!q->stopped && !q->closed && q->count == 0)
        pthread_cond_wait(&q->can_take, &q->lock);
    if (!q->stopped && q->count > 0) {
        *item = q->items[q->head];
        q->head = (q->head + 1) % CS_TC_QUEUE_MAX;
        q->count--;
        q->bytes -= item->bytes;
        pthread_cond_signal(&q->can_put);
        got = 1;
    }
    pthread_mutex_unlock(&q->lock);
    return got;
}

void
cs_tc_queue_close(cs_tc_queue_t *q)
{
    if (!q->ready)
        return;
    pthread_mutex_lock(&q->lock);
    q->closed = 1;
    pthread_cond_broadcast(&q->can_take);
    pthread_mutex_unlock(&q->lock);
}

/* Frees what is queued; the caller holds the lock or is the last thread to use q. */
static void
drop_all(cs_tc_queue_t *q)
{
    for (; q->count > 0; q->count--, q->head = (q->head + 1) % CS_TC_QUEUE_MAX)
        cs_tc_item_free(&q->items[q->head]);
    q->bytes = 0;
}

void
cs_tc_queue_stop(cs_tc_queue_t *q, int why)
{
    if (!q->ready)
        return;
    pthread_mutex_lock(&q->lock);
    q->stopped = 1;
    q->why = why;
    drop_all(q);
    pthread_cond_broadcast(&q->can_put);
    pthread_cond_broadcast(&q->can_take);
    pthread_mutex_unlock(&q->lock);
}

void
cs_tc_queue_destroy(cs_tc_queue_t *q)
{
    if (!q->ready)
        return;
    drop_all(q);
    pthread_cond_destroy(&q->can_take);
    pthread_cond_destroy(&q->can_put);
    pthread_mutex_destroy(&q->lock);
    q->ready = 0;
}
