/* storage/store_prefetch.c: the next puts made ahead, on helper threads, while the caller
 * still works on the file before (custody ingest: with the s3 backend, files i+1 and i+2 are
 * hashed, copied and sent to the object store while file i is recorded in the catalog).
 *
 * Each helper stores with a handle of its own (its own put buffers and digest; the folders and
 * the object store's client pool are shared, and safe from any thread). cs_store_put_file
 * takes a result made ahead for the same file (same device and inode, size, mtime and ctime
 * before the put, after it and when taken), else it stores the file itself; a put made ahead
 * that failed on the same unchanged file is the put's failure, with its message (the disk said
 * EIO or ENOSPC once: trying again would hide it). Nothing of the
 * catalog's is touched here: a put made ahead is only a put, and its record still follows it
 * (the rule "nothing committed before the store says the object is durable" holds per file).
 * Puts asked ahead start only once the caller's first put has read and hashed its file
 * (cs_store_prefetch_go from cs_store_put_file), and from then on as soon as they are asked:
 * a caller that fails before storing anything (a locked catalog) stores nothing ahead either,
 * and the files after the first are hashed and copied while the first goes up. A result never taken
 * (the file changed meanwhile, or the caller stopped) leaves its object in the object store
 * unrecorded, as a crash between a put and its record would (its local copy is taken back at
 * cs_store_close); a later put of the same bytes finds it there and sends nothing again.
 */
#include "storage/store.h"
#include "storage/store_internal.h"

#include "core/error.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Puts made ahead at once, each with a connection of its own: the three next files of
 * `custody ingest` (its LOOKAHEAD) are hashed, copied and sent while the one before goes up
 * and is recorded (bench/s3.sh, 4 x 100 MB: the last file no longer waits for the first). */
#define HELPERS 3
#define AHEAD 4 /* puts queued or made ahead, at most */

struct pf_job {
    char *path;   /* NULL: a free slot */
    int state;    /* 1 queued, 2 being stored, 3 done */
    uint64_t seq; /* the order of the calls */
    struct stat before, after;
    int rc;
    char diag[CS_DIAG_MAX]; /* what a failed put said, on its helper's thread */
    cs_put_result_t res;
};

struct cs_store_prefetch;

struct helper {
    struct cs_store_prefetch *pf;
    cs_store_t own; /* its handle: a copy of the caller's with buffers of its own */
    pthread_t thread;
    int running;
};

struct cs_store_prefetch {
    struct helper helpers[HELPERS];
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct pf_job jobs[AHEAD];
    uint64_t seq;
    int stop;
    int going; /* the caller's first put got under way: puts asked ahead start at once */
};

static int
same_file(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
           a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

static void *
helper_run(void *arg)
{
    struct helper *me = arg;
    struct cs_store_prefetch *pf = me->pf;
    pthread_mutex_lock(&pf->mu);
    for (;;) {
        struct pf_job *j = NULL;
        for (int i = 0; i < AHEAD; i++)
            if (pf->jobs[i].state == 4 && (j == NULL || pf->jobs[i].seq < j->seq))
                j = &pf->jobs[i];
        if (pf->stop)
            break;
        if (j == NULL) {
            pthread_cond_wait(&pf->cv, &pf->mu);
            continue;
        }
        j->state = 2;
        pthread_mutex_unlock(&pf->mu);
        if (stat(j->path, &j->before) != 0)
            j->rc = cs_err_from_errno(errno);
        else if ((j->rc = cs_store_put_file(&me->own, j->path, &j->res)) == 0 &&
                 (stat(j->path, &j->after) != 0 || !same_file(&j->before, &j->after)))
            j->rc = CS_ECHANGED;
        if (j->rc != 0)
            snprintf(j->diag, sizeof j->diag, "%s", cs_diag());
        pthread_mutex_lock(&pf->mu);
        j->state = 3;
        pthread_cond_broadcast(&pf->cv);
    }
    pthread_mutex_unlock(&pf->mu);
    return NULL;
}

static void
stop_all(struct cs_store_prefetch *pf)
{
    pthread_mutex_lock(&pf->mu);
    pf->stop = 1;
    pthread_cond_broadcast(&pf->cv);
    pthread_mutex_unlock(&pf->mu);
    for (int i = 0; i < HELPERS; i++) {
        struct helper *h = &pf->helpers[i];
        if (h->running)
            pthread_join(h->thread, NULL); /* after its put in progress, if any */
        free(h->own.buf);
        EVP_MD_CTX_free(h->own.md);
    }
    pthread_cond_destroy(&pf->cv);
    pthread_mutex_destroy(&pf->mu);
}

static int
start(cs_store_t *s)
{
    struct cs_store_prefetch *pf = calloc(1, sizeof *pf);
    int rc = 0;
    if (pf == NULL)
        return CS_ENOMEM;
    pthread_mutex_init(&pf->mu, NULL);
    pthread_cond_init(&pf->cv, NULL);
    for (int i = 0; i < HELPERS && rc == 0; i++) {
        struct helper *h = &pf->helpers[i];
        h->pf = pf;
        h->own = *s;
        h->own.pf = NULL;
        h->own.unlocked = 0; /* originals: under the configured lock */
        h->own.buf = malloc(2 * s->buf_size);
        h->own.md = EVP_MD_CTX_new();
        if (h->own.buf == NULL || h->own.md == NULL)
            rc = CS_ENOMEM;
        else if (pthread_create(&h->thread, NULL, helper_run, h) != 0)
            rc = CS_ENOMEM;
        else
            h->running = 1;
    }
    if (rc != 0) {
        stop_all(pf);
        free(pf);
        return rc;
    }
    s->pf = pf;
    return 0;
}

int
cs_store_prefetch(cs_store_t *s, const char *path)
{
    int rc;
    if (s->pf == NULL && (rc = start(s)) != 0)
        return rc;
    struct cs_store_prefetch *pf = s->pf;
    char *copy = strdup(path);
    if (copy == NULL)
        return CS_ENOMEM;
    pthread_mutex_lock(&pf->mu);
    /* A free slot; else the oldest result never taken (a file the caller did not store after
     * all, or one that failed): dropped. Two queued or being stored: nothing made ahead. */
    struct pf_job *slot = NULL;
    for (int i = 0; i < AHEAD; i++) {
        struct pf_job *j = &pf->jobs[i];
        if (j->path == NULL) {
            slot = j;
            break;
        }
        if (j->state == 3 && (slot == NULL || j->seq < slot->seq))
            slot = j;
    }
    if (slot != NULL) {
        free(slot->path);
        *slot = (struct pf_job){.path = copy, .state = pf->going ? 4 : 1, .seq = pf->seq++};
        copy = NULL;
        pthread_cond_broadcast(&pf->cv);
    }
    pthread_mutex_unlock(&pf->mu);
    free(copy); /* not made ahead: stored when its turn comes */
    return 0;
}

int
cs_store_prefetch_take(cs_store_t *s, const char *path, cs_put_result_t *res)
{
    struct cs_store_prefetch *pf = s->pf;
    struct stat now;
    int rc = CS_ENOTFOUND;
    /* Made ahead under the lock: not for a caller that puts unlocked copies now. */
    if (pf == NULL || s->unlocked || stat(path, &now) != 0)
        return CS_ENOTFOUND;
    pthread_mutex_lock(&pf->mu);
    for (int i = 0; i < AHEAD; i++) {
        struct pf_job *j = &pf->jobs[i];
        if (j->path == NULL)
            continue;
        /* The same file by its identity (the caller may spell its path otherwise). */
        if (j->state == 3 && (j->before.st_dev != now.st_dev || j->before.st_ino != now.st_ino))
            continue;
        if (j->state != 3) {
            struct stat st;
            if (stat(j->path, &st) != 0 || st.st_dev != now.st_dev || st.st_ino != now.st_ino)
                continue;
            while (j->state == 4 || j->state == 2)
                pthread_cond_wait(&pf->cv, &pf->mu);
        }
        /* Made ahead of this very file, unchanged since: its answer is the put's. A failure
         * too (the disk or the object store): a second try would hide a failing disk, whose
         * failed sync may already have dropped the pages it could not write. */
        if (j->state == 3 && j->rc != CS_ECHANGED && same_file(&j->before, &now)) {
            if (j->rc == 0)
                *res = j->res;
            else
                cs_diag_set("%s", j->diag);
            rc = j->rc;
        }
        free(j->path);
        j->path = NULL;
        j->state = 0;
        break;
    }
    pthread_mutex_unlock(&pf->mu);
    return rc; /* CS_ENOTFOUND: not made ahead or changed since; the caller stores it itself */
}

void
cs_store_prefetch_go(cs_store_t *s)
{
    struct cs_store_prefetch *pf = s->pf;
    if (pf == NULL)
        return;
    pthread_mutex_lock(&pf->mu);
    pf->going = 1;
    for (int i = 0; i < AHEAD; i++)
        if (pf->jobs[i].state == 1)
            pf->jobs[i].state = 4;
    pthread_cond_broadcast(&pf->cv);
    pthread_mutex_unlock(&pf->mu);
}

void
cs_store_prefetch_stop(cs_store_t *s)
{
    struct cs_store_prefetch *pf = s->pf;
    if (pf == NULL)
        return;
    stop_all(pf);
    for (int i = 0; i < AHEAD; i++) {
        /* Stored and never recorded (the caller stopped first): the local copy it made goes;
         * the object store's stays (under its lock), unnamed by the catalog, as after a
         * crash. */
        if (pf->jobs[i].state == 3 && pf->jobs[i].rc == 0 && pf->jobs[i].res.created &&
            s->remote != NULL)
            cs_store_unlink_local(s, pf->jobs[i].res.sha256);
        free(pf->jobs[i].path);
    }
    free(pf);
    s->pf = NULL;
}
