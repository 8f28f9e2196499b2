/* ledger/verify_walk.c: the ledger read on this thread, checked on another (verify_walk.h).
 *
 * A verify is about half reading (SQLite's steps and the scan for each entry's own seq) and
 * half hashing (bench/RESULTS.md, "Scale"): on two cores the two halves overlap. The checker
 * sees the entries exactly as one thread saw them before: every entry, in seq order, one at a
 * time, so its checks and the first problem it reports are the same. The reader gets ahead by
 * at most CS_WALK_SLOTS batches, and stops at the next batch once the checker has stopped.
 */
#include "ledger/verify_walk.h"

#include "core/error.h"
#include "core/jsoncheck.h"
#include "indexer/ledger.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STOPPED 2 /* the reader's return when the checker has stopped: not an error */

typedef struct batch {
    cs_walk_entry_t e[CS_WALK_BATCH];
    size_t n;
    char *bytes; /* the entries' text, each NUL-terminated */
    size_t used, cap;
    int scanned; /* the reader scanned each entry's own seq; else the checker does */
} batch_t;

typedef struct walk {
    cs_walk_fn fn;
    void *arg;
    batch_t *slot[CS_WALK_SLOTS];
    uint64_t filled;  /* batches handed over */
    uint64_t checked; /* batches the checker is done with */
    int eof;          /* the reader has handed over its last batch */
    int rc;           /* the checker's first non-zero return */
    char diag[CS_DIAG_MAX];
    int threaded;
    int reader_scans; /* for the batch being filled: the checker has a backlog */
    pthread_mutex_t mu;
    pthread_cond_t cv;
} walk_t;

/* Checks every entry of b in order; the first non-zero return. */
static int
check_batch(walk_t *w, batch_t *b)
{
    int rc = 0;
    for (size_t i = 0; i < b->n && rc == 0; i++) {
        cs_walk_entry_t *e = &b->e[i];
        if (!b->scanned)
            e->own_sure = cs_json_check_entry(e->text, e->len, &e->own) == 0;
        rc = w->fn(w->arg, e);
    }
    return rc;
}

static void *
checker_main(void *arg)
{
    walk_t *w = arg;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (w->checked == w->filled && !w->eof)
            pthread_cond_wait(&w->cv, &w->mu);
        if (w->checked == w->filled)
            break; /* the reader is done, and so is every batch */
        batch_t *b = w->slot[w->checked % CS_WALK_SLOTS];
        pthread_mutex_unlock(&w->mu);
        int rc = check_batch(w, b);
        pthread_mutex_lock(&w->mu);
        w->checked++;
        if (rc != 0) {
            w->rc = rc;
            if (rc < 0) /* the detail is this thread's */
                snprintf(w->diag, sizeof w->diag, "%s", cs_diag()); /* cut: a diag's bound */
            pthread_cond_broadcast(&w->cv);
            break;
        }
        pthread_cond_broadcast(&w->cv);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

/* Hands the batch being filled to the checker and waits for the next slot to be free.
 * STOPPED when the checker has stopped. */
static int
hand_over(walk_t *w)
{
    int rc = 0;
    if (!w->threaded) {
        batch_t *b = w->slot[w->filled % CS_WALK_SLOTS];
        w->filled++;
        if ((rc = check_batch(w, b)) != 0) {
            w->rc = rc;
            return STOPPED;
        }
        b->n = b->used = 0;
        return 0;
    }
    pthread_mutex_lock(&w->mu);
    w->filled++;
    pthread_cond_broadcast(&w->cv);
    while (w->rc == 0 && w->filled - w->checked >= CS_WALK_SLOTS)
        pthread_cond_wait(&w->cv, &w->mu);
    if (w->rc != 0)
        rc = STOPPED;
    /* The scan for own seqs goes to whichever thread is ahead: the reader takes it while the
     * checker has batches waiting, and leaves it to the checker when it would soon wait. */
    w->reader_scans = w->filled - w->checked >= 2;
    pthread_mutex_unlock(&w->mu);
    batch_t *b = w->slot[w->filled % CS_WALK_SLOTS];
    b->n = b->used = 0;
    b->scanned = w->reader_scans;
    return rc;
}

static int
on_row(void *arg, int64_t seq, const char *text, size_t len, const uint8_t *leaf, size_t leaf_len)
{
    walk_t *w = arg;
    batch_t *b = w->slot[w->filled % CS_WALK_SLOTS];
    int rc;
    if (b->n == CS_WALK_BATCH || (b->n > 0 && b->used + len + 1 > b->cap)) {
        if ((rc = hand_over(w)) != 0)
            return rc;
        b = w->slot[w->filled % CS_WALK_SLOTS];
    }
    if (len + 1 > b->cap) { /* one entry longer than a batch: this batch holds it alone */
        char *p = realloc(b->bytes, len + 1);
        if (p == NULL) {
            cs_diag_set("no memory for a ledger entry of %zu bytes", len);
            return CS_ENOMEM;
        }
        b->bytes = p;
        b->cap = len + 1;
    }
    cs_walk_entry_t *e = &b->e[b->n++];
    e->seq = seq;
    e->text = b->bytes + b->used; /* bytes only moves while its batch is empty */
    e->len = len;
    e->leaf_len = leaf_len;
    memcpy(e->leaf, leaf, leaf_len < 32 ? leaf_len : 32);
    memcpy(b->bytes + b->used, text, len);
    b->bytes[b->used + len] = '\0';
    if (b->scanned)
        e->own_sure = cs_json_check_entry(b->bytes + b->used, len, &e->own) == 0;
    b->used += len + 1;
    return 0;
}

/* The reader's last batch, handed over; then waits for the checker to finish. */
static void
finish(walk_t *w)
{
    batch_t *b = w->slot[w->filled % CS_WALK_SLOTS];
    if (!w->threaded) {
        if (w->rc == 0 && b->n > 0)
            w->rc = check_batch(w, b);
        return;
    }
    pthread_mutex_lock(&w->mu);
    if (w->rc == 0 && b->n > 0)
        w->filled++;
    w->eof = 1;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

int
cs_ledger_walk(cs_catalog_t *cat, cs_walk_fn fn, void *arg)
{
    walk_t *w = calloc(1, sizeof *w);
    pthread_t checker;
    int rc = 0;
    if (w == NULL)
        return CS_ENOMEM;
    w->fn = fn;
    w->arg = arg;
    for (int i = 0; i < CS_WALK_SLOTS; i++) {
        if ((w->slot[i] = calloc(1, sizeof *w->slot[i])) == NULL ||
            (w->slot[i]->bytes = malloc(CS_WALK_BYTES)) == NULL) {
            rc = CS_ENOMEM;
            goto out;
        }
        w->slot[i]->cap = CS_WALK_BYTES;
    }
    if (pthread_mutex_init(&w->mu, NULL) == 0) {
        if (pthread_cond_init(&w->cv, NULL) == 0) {
            /* Signals stay with the application's threads. No thread is no error: the
             * checks then run in line, only slower. */
            sigset_t all, old;
            sigfillset(&all);
            pthread_sigmask(SIG_SETMASK, &all, &old);
            w->threaded = pthread_create(&checker, NULL, checker_main, w) == 0;
            pthread_sigmask(SIG_SETMASK, &old, NULL);
            if (!w->threaded)
                pthread_cond_destroy(&w->cv);
        }
        if (!w->threaded)
            pthread_mutex_destroy(&w->mu);
    }
    rc = cs_catalog_ledger_each(cat, 0, on_row, w);
    /* Even when the reader failed, the entries it read are checked first, as one thread
     * would have: a problem among them is the answer. */
    finish(w);
    if (w->threaded) {
        pthread_join(checker, NULL);
        pthread_cond_destroy(&w->cv);
        pthread_mutex_destroy(&w->mu);
    }
    if (w->rc != 0) { /* what the checker found comes first in seq order */
        rc = w->rc;
        if (rc < 0 && w->threaded) /* in line, the detail is this thread's already */
            cs_diag_set("%s", w->diag);
    } else if (rc == STOPPED) {
        rc = 0;
    }
out:
    for (int i = 0; i < CS_WALK_SLOTS; i++) {
        if (w->slot[i] != NULL)
            free(w->slot[i]->bytes);
        free(w->slot[i]);
    }
    free(w);
    return rc;
}
