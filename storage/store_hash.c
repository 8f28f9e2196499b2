/* storage/store_hash.c: a put's ring, so that reading, hashing and writing go at once.
 *
 * The caller reads the source into the ring's slots in turn; a hasher thread feeds each slot
 * to SHA-256 and a writer thread writes it to the temporary file, each in the order read. A
 * slot is read into again only once both have finished with it. On two cores a put then takes
 * about the longest of the three (hashing, here) rather than their sum; the writer waits on
 * the disk without holding the hasher up. The bytes hashed are exactly the bytes written:
 * both read the same slot, which nobody changes until both are done.
 *
 * Without threads (a file of one slot, or pthread_create failing) the same calls hash and
 * write in line. The first failure stops the ring: the caller's next call returns it, with
 * the failing thread's detail.
 */
#include "storage/store_internal.h"

#include "core/error.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

/* Records the first failure (the detail is this thread's) and wakes everyone. Locked. */
static void
fail_locked(cs_store_ring_t *r, int rc)
{
    if (r->rc == 0) {
        r->rc = rc;
        snprintf(r->diag, sizeof r->diag, "%s", cs_diag());
    }
    pthread_cond_broadcast(&r->cv);
}

static int
hash_slot(cs_store_ring_t *r, const unsigned char *buf, size_t len)
{
    if (EVP_DigestUpdate(r->md, buf, len) == 1)
        return 0;
    cs_diag_set("OpenSSL SHA-256 failed; check the OpenSSL installation");
    return CS_ECRYPTO;
}

/* One stage's thread: hashes (which 0) or writes (which 1) each slot read, in order, until
 * the source ends or the ring fails. */
static void
stage_run(cs_store_ring_t *r, int which)
{
    uint64_t *done = which == 0 ? &r->hashed : &r->written;
    pthread_mutex_lock(&r->mu);
    for (;;) {
        while (r->rc == 0 && *done == r->filled && !r->eof)
            pthread_cond_wait(&r->cv, &r->mu);
        if (r->rc != 0 || *done == r->filled)
            break;
        size_t k = (size_t)(*done % CS_STORE_SLOTS);
        const unsigned char *buf = r->base + k * r->slot_size;
        size_t len = r->len[k];
        off_t off = r->off[k];
        pthread_mutex_unlock(&r->mu);
        int rc = which == 0 ? hash_slot(r, buf, len) : r->write(r->write_arg, buf, len, off);
        pthread_mutex_lock(&r->mu);
        if (rc != 0) {
            fail_locked(r, rc);
            break;
        }
        (*done)++;
        pthread_cond_broadcast(&r->cv);
    }
    pthread_mutex_unlock(&r->mu);
}

static void *
hasher_main(void *arg)
{
    stage_run(arg, 0);
    return NULL;
}

static void *
writer_main(void *arg)
{
    stage_run(arg, 1);
    return NULL;
}

int
cs_store_ring_start(cs_store_ring_t *r, EVP_MD_CTX *md, unsigned char *base, size_t slot_size,
                    cs_store_write_fn write, void *write_arg, int threaded)
{
    memset(r, 0, sizeof *r);
    r->md = md;
    r->base = base;
    r->slot_size = slot_size;
    r->write = write;
    r->write_arg = write_arg;
    if (EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
        cs_diag_set("OpenSSL could not start SHA-256; check the OpenSSL installation");
        return CS_ECRYPTO;
    }
    if (!threaded)
        return 0;
    if (pthread_mutex_init(&r->mu, NULL) != 0)
        return 0;
    if (pthread_cond_init(&r->cv, NULL) != 0) {
        pthread_mutex_destroy(&r->mu);
        return 0;
    }
    r->sync = 1;
    /* The threads start with every signal blocked: the application's handlers run on its own
     * threads, never in the middle of a put. No thread is no error: that stage then runs in
     * line, only slower. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    r->hasher_on = pthread_create(&r->hasher, NULL, hasher_main, r) == 0;
    r->writer_on = write != NULL && pthread_create(&r->writer, NULL, writer_main, r) == 0;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return 0;
}

/* The failure recorded, with its detail set on this thread. Locked or single-threaded. */
static int
failure(cs_store_ring_t *r)
{
    cs_diag_set("%s", r->diag);
    return r->rc;
}

unsigned char *
cs_store_ring_slot(cs_store_ring_t *r, int *rc)
{
    size_t k = (size_t)(r->filled % CS_STORE_SLOTS);
    *rc = 0;
    if (r->sync) {
        pthread_mutex_lock(&r->mu);
        /* Free once the stages that run have finished its last use. */
        while (r->rc == 0 && ((r->hasher_on && r->filled - r->hashed >= CS_STORE_SLOTS) ||
                              (r->writer_on && r->filled - r->written >= CS_STORE_SLOTS)))
            pthread_cond_wait(&r->cv, &r->mu);
        if (r->rc != 0)
            *rc = failure(r);
        pthread_mutex_unlock(&r->mu);
    } else if (r->rc != 0) {
        *rc = failure(r);
    }
    return *rc == 0 ? r->base + k * r->slot_size : NULL;
}

int
cs_store_ring_push(cs_store_ring_t *r, size_t len, off_t off)
{
    size_t k = (size_t)(r->filled % CS_STORE_SLOTS);
    const unsigned char *buf = r->base + k * r->slot_size;
    int rc = 0;
    r->len[k] = len;
    r->off[k] = off;
    /* A stage without its thread runs here, on the slot just read. */
    if (!r->hasher_on)
        rc = hash_slot(r, buf, len);
    if (rc == 0 && r->write != NULL && !r->writer_on)
        rc = r->write(r->write_arg, buf, len, off);
    if (!r->sync) {
        if (rc != 0)
            return rc;
        r->filled++;
        return 0;
    }
    pthread_mutex_lock(&r->mu);
    if (rc != 0)
        fail_locked(r, rc);
    else if (r->rc != 0)
        rc = failure(r);
    else
        r->filled++;
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
    return rc;
}

void
cs_store_ring_stop(cs_store_ring_t *r)
{
    if (!r->sync)
        return;
    pthread_mutex_lock(&r->mu);
    r->eof = 1; /* the stages finish the slots read, unless failed, then return */
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
    if (r->hasher_on)
        pthread_join(r->hasher, NULL);
    if (r->writer_on)
        pthread_join(r->writer, NULL);
    r->hasher_on = r->writer_on = 0;
    pthread_cond_destroy(&r->cv);
    pthread_mutex_destroy(&r->mu);
    r->sync = 0;
}

int
cs_store_ring_written(cs_store_ring_t *r)
{
    int rc = 0;
    if (!r->sync)
        return r->rc != 0 ? failure(r) : 0;
    pthread_mutex_lock(&r->mu);
    r->eof = 1;
    pthread_cond_broadcast(&r->cv);
    while (r->rc == 0 && r->writer_on && r->written != r->filled)
        pthread_cond_wait(&r->cv, &r->mu);
    if (r->rc != 0)
        rc = failure(r);
    pthread_mutex_unlock(&r->mu);
    return rc;
}

void
cs_store_ring_abort(cs_store_ring_t *r)
{
    if (r->sync) {
        pthread_mutex_lock(&r->mu);
        if (r->rc == 0)
            r->rc = CS_ECANCELED; /* the stages stop after the slot in hand */
        pthread_cond_broadcast(&r->cv);
        pthread_mutex_unlock(&r->mu);
    }
    cs_store_ring_stop(r);
}

int
cs_store_ring_finish(cs_store_ring_t *r, unsigned char digest[32])
{
    cs_store_ring_stop(r); /* every slot read is hashed and written, or the ring failed */
    if (r->rc != 0)
        return failure(r);
    if (EVP_DigestFinal_ex(r->md, digest, NULL) != 1) {
        cs_diag_set("OpenSSL SHA-256 failed; check the OpenSSL installation");
        return CS_ECRYPTO;
    }
    return 0;
}
