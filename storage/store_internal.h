/* storage/store_internal.h: what the files of storage/ share; not part of the API.
 *
 * Tests may include it to reach paths a healthy machine never takes (the named-temp fallback).
 */
#ifndef CS_STORAGE_STORE_INTERNAL_H
#define CS_STORAGE_STORE_INTERNAL_H

#include "storage/store.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <semaphore.h>
#include <stddef.h>

#define CS_STORE_DIR_MODE 0750

struct cs_remote;

struct cs_store {
    char *root;         /* as given: for cs_store_path and details */
    int root_fd;        /* <root> */
    int objects_fd;     /* <root>/objects/sha256 */
    int tmp_fd;         /* <root>/tmp: on the objects' filesystem, so link and rename work */
    unsigned char *buf; /* put's two copy buffers of buf_size, allocated once per store */
    size_t buf_size;
    EVP_MD_CTX *md; /* put's digest context, re-initialised per put */
    int tmpfile_ok; /* 0 once O_TMPFILE or /proc/self/fd proved unusable: use named temps */
    struct cs_remote *remote;     /* store.backend = s3: the object store; NULL: local alone */
    uint64_t cache_bytes;         /* s3: the most the local copies may take (store.s3_cache_mb) */
    int unlocked;                 /* s3: this handle's puts go without Object Lock */
    struct cs_store_prefetch *pf; /* puts made ahead (store_prefetch.c), NULL: none */
};

/* SHA-256 fed chunk by chunk, on a helper thread when asked; see store_hash.c. */
typedef struct cs_store_hasher {
    EVP_MD_CTX *md;
    pthread_t thread;
    sem_t work; /* posted by the caller: a chunk (or stop) is ready */
    sem_t done; /* posted by the thread: the chunk is hashed */
    const unsigned char *buf;
    size_t len;
    int threaded; /* the thread runs */
    int busy;     /* a chunk is in flight: its buffer must not be reused yet */
    int stop;
    int failed;
} cs_store_hasher_t;

/** Starts a digest in md, with a helper thread if `threaded` and one can be made. CS_ECRYPTO. */
int cs_store_hasher_start(cs_store_hasher_t *h, EVP_MD_CTX *md, int threaded);

/** Hashes buf[0..len) next. With a thread it returns at once and buf stays in use until the next
 * feed, stop or finish returns. CS_ECRYPTO if an earlier chunk failed. */
int cs_store_hasher_feed(cs_store_hasher_t *h, const unsigned char *buf, size_t len);

/** Writes the digest; stops the thread. CS_ECRYPTO. */
int cs_store_hasher_finish(cs_store_hasher_t *h, unsigned char digest[32]);

/** Stops the thread, if any, after its chunk in flight; for error paths. Idempotent. */
void cs_store_hasher_stop(cs_store_hasher_t *h);

/** Writes "aa/bb/<hex>", the object's path relative to objects_fd. CS_EINVAL for a malformed
 * hash, CS_ENAMETOOLONG if buf is too small. */
int cs_store_relpath(const char *sha256, char *buf, size_t len);

/** Links the finished (fsynced, 0444) unnamed file `fd` of `size` bytes into place as object
 * `sha256`, fsyncing its folder; *created is 0 if the object was there already. */
int cs_store_publish_fd(cs_store_t *s, int fd, const char *sha256, uint64_t size, int *created);

/** With a remote: sends `size` bytes of fd as object `sha256` unless the object store holds
 * it whole already; *sent says whether it was sent. 0 at once without a remote. */
int cs_store_push_fd(cs_store_t *s, const char *sha256, int fd, uint64_t size, int lock, int *sent);

/** cs_store_push with the lock given (1: the configured lock; 0: none). */
int cs_store_push_obj(cs_store_t *s, const char *sha256, int lock, int *sent);

/** A put of the file at path made ahead by cs_store_prefetch, into *res: 0, or CS_ENOTFOUND
 * when there is none (none asked, it failed, or the file changed since): store it now. */
int cs_store_prefetch_take(cs_store_t *s, const char *path, cs_put_result_t *res);

/** Lets the puts asked ahead start (after a put of the caller's succeeded). */
void cs_store_prefetch_go(cs_store_t *s);

/** Stops the helper after its put in progress; drops what was not taken (cs_store_close). */
void cs_store_prefetch_stop(cs_store_t *s);

/** Removes the local copy of `sha256` (gone already is no error). */
int cs_store_unlink_local(const cs_store_t *s, const char *sha256);

/** Re-hashes the object in the object store, paced; see cs_store_verify_paced. */
int cs_store_verify_remote(const cs_store_t *s, const char *sha256, char actual[CS_SHA256_HEX],
                           cs_store_pace_t *pace, uint64_t *bytes);

/** Sleeps as `pace` asks after n more bytes; CS_ECANCELED when told to stop. */
int cs_store_pace(cs_store_pace_t *pace, size_t n);

#endif
