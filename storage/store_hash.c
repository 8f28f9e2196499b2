/* storage/store_hash.c: SHA-256 on a helper thread, so hashing a chunk overlaps reading the
 * next one and writing this one. A put's time is then about the slower of hashing and I/O
 * rather than their sum.
 *
 * One chunk is in flight at a time; the caller keeps two buffers and refills the one the
 * thread is not reading. Without a thread (small files, or pthread_create failing) the same
 * calls hash inline.
 */
#include "storage/store_internal.h"

#include "core/error.h"

#include <errno.h>
#include <signal.h>
#include <string.h>

static void *
hasher_main(void *arg)
{
    cs_store_hasher_t *h = arg;
    for (;;) {
        while (sem_wait(&h->work) != 0 && errno == EINTR)
            ;
        if (h->stop)
            return NULL;
        if (EVP_DigestUpdate(h->md, h->buf, h->len) != 1)
            h->failed = 1;
        sem_post(&h->done);
    }
}

int
cs_store_hasher_start(cs_store_hasher_t *h, EVP_MD_CTX *md, int threaded)
{
    memset(h, 0, sizeof *h);
    h->md = md;
    if (EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
        cs_diag_set("OpenSSL could not start SHA-256; check the OpenSSL installation");
        return CS_ECRYPTO;
    }
    if (!threaded)
        return 0;
    if (sem_init(&h->work, 0, 0) != 0)
        return 0;
    if (sem_init(&h->done, 0, 0) != 0) {
        sem_destroy(&h->work);
        return 0;
    }
    /* The thread starts with every signal blocked: the application's handlers run on its own
     * threads, never in the middle of our hashing. No thread is no error: chunks are then
     * hashed inline, only slower. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int made = pthread_create(&h->thread, NULL, hasher_main, h) == 0;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (!made) {
        sem_destroy(&h->done);
        sem_destroy(&h->work);
        return 0;
    }
    h->threaded = 1;
    return 0;
}

/* Waits until the thread has finished the chunk in flight, if any. */
static void
wait_idle(cs_store_hasher_t *h)
{
    if (!h->busy)
        return;
    while (sem_wait(&h->done) != 0 && errno == EINTR)
        ;
    h->busy = 0;
}

int
cs_store_hasher_feed(cs_store_hasher_t *h, const unsigned char *buf, size_t len)
{
    /* `failed` is read only once the thread is idle: it writes it before posting `done`. */
    wait_idle(h);
    if (!h->failed && !h->threaded && EVP_DigestUpdate(h->md, buf, len) != 1)
        h->failed = 1;
    if (h->failed) {
        cs_diag_set("OpenSSL SHA-256 failed; check the OpenSSL installation");
        return CS_ECRYPTO;
    }
    if (h->threaded) {
        h->buf = buf;
        h->len = len;
        h->busy = 1;
        sem_post(&h->work);
    }
    return 0;
}

void
cs_store_hasher_stop(cs_store_hasher_t *h)
{
    if (!h->threaded)
        return;
    wait_idle(h);
    h->stop = 1;
    sem_post(&h->work);
    pthread_join(h->thread, NULL);
    sem_destroy(&h->done);
    sem_destroy(&h->work);
    h->threaded = 0;
}

int
cs_store_hasher_finish(cs_store_hasher_t *h, unsigned char digest[32])
{
    cs_store_hasher_stop(h);
    if (h->failed || EVP_DigestFinal_ex(h->md, digest, NULL) != 1) {
        cs_diag_set("OpenSSL SHA-256 failed; check the OpenSSL installation");
        return CS_ECRYPTO;
    }
    return 0;
}
