/* storage/store_internal.h: what the files of storage/ share; not part of the API.
 *
 * Tests may include it to reach paths a healthy machine never takes (the named-temp fallback).
 */
#ifndef CS_STORAGE_STORE_INTERNAL_H
#define CS_STORAGE_STORE_INTERNAL_H

#include "storage/store.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define CS_STORE_DIR_MODE 0750

struct cs_remote;

struct cs_store {
    char *root;         /* as given: for cs_store_path and details */
    int root_fd;        /* <root> */
    int objects_fd;     /* <root>/objects/sha256 */
    int tmp_fd;         /* <root>/tmp: on the objects' filesystem, so link and rename work */
    unsigned char *buf; /* put's ring, 2 * buf_size bytes (4 KiB aligned), once per store */
    size_t buf_size;
    EVP_MD_CTX *md; /* put's digest context, re-initialised per put */
    int tmpfile_ok; /* 0 once O_TMPFILE or /proc/self/fd proved unusable: use named temps */
    int direct_off; /* 1 once O_DIRECT proved unusable here: write through the page cache */
    struct cs_remote *remote;     /* store.backend = s3: the object store; NULL: local alone */
    uint64_t cache_bytes;         /* s3: the most the local copies may take (store.s3_cache_mb) */
    int unlocked;                 /* s3: this handle's puts go without Object Lock */
    struct cs_store_prefetch *pf; /* puts made ahead (store_prefetch.c), NULL: none */
};

/* A put's ring (store_hash.c): the caller reads the source into CS_STORE_SLOTS slots of
 * slot_size bytes in turn; a hasher thread hashes each slot and a writer thread writes it
 * (`write`, which returns 0 or a CS_E* with the detail set), in order, at once. The slots are
 * the store's put buffer (s->buf, 2 * buf_size bytes), so slot_size is buf_size / 2. */
#define CS_STORE_SLOTS 4

typedef int (*cs_store_write_fn)(void *arg, const unsigned char *buf, size_t len, off_t off);

typedef struct cs_store_ring {
    EVP_MD_CTX *md;
    unsigned char *base;
    size_t slot_size;
    cs_store_write_fn write; /* NULL: hash only */
    void *write_arg;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    size_t len[CS_STORE_SLOTS];
    off_t off[CS_STORE_SLOTS];
    uint64_t filled, hashed, written; /* slots read, hashed, written since the start */
    int eof;                          /* no slot will be read any more */
    int sync;                         /* threads may run: mu and cv are in use */
    int hasher_on, writer_on;         /* which stages have their thread */
    pthread_t hasher, writer;
    int rc;          /* the first failure */
    char diag[1024]; /* its detail (cs_diag is per thread) */
} cs_store_ring_t;

/** Starts a digest in md and, if `threaded`, the stages' threads (a thread that cannot be
 * made leaves its stage in line: slower, no error). CS_ECRYPTO. */
int cs_store_ring_start(cs_store_ring_t *r, EVP_MD_CTX *md, unsigned char *base, size_t slot_size,
                        cs_store_write_fn write, void *write_arg, int threaded);

/** The next slot to read into, once the stages are done with it; NULL with *rc (and the
 * detail set) if the ring failed. */
unsigned char *cs_store_ring_slot(cs_store_ring_t *r, int *rc);

/** Hands the slot just given by cs_store_ring_slot, holding len bytes of the source from
 * `off`, to the stages. The ring's failure, if any. */
int cs_store_ring_push(cs_store_ring_t *r, size_t len, off_t off);

/** Waits until every slot pushed is hashed and written, stops the threads and writes the
 * digest; else the first failure, with its detail. */
int cs_store_ring_finish(cs_store_ring_t *r, unsigned char digest[32]);

/** No slot will follow: waits until every slot pushed is written (the hasher may still be on
 * the last ones), so that the temp can be made durable meanwhile. The ring's failure, if any. */
int cs_store_ring_written(cs_store_ring_t *r);

/** Stops the threads after the slot in hand, for error paths (the buffers may then be
 * reused). Idempotent. */
void cs_store_ring_abort(cs_store_ring_t *r);

/** Stops the threads once every slot pushed is done. Idempotent. */
void cs_store_ring_stop(cs_store_ring_t *r);

/* A put's writes into its temp (store_write.c), made on the ring's writer thread. */
typedef struct cs_store_writer {
    cs_store_t *s;
    const char *src; /* for details */
    int fd;
    int keep_cache;     /* s3: the temp's pages stay cached until its PUT has read them */
    int direct;         /* O_DIRECT is on: writes go straight to the disk */
    int direct_refused; /* O_DIRECT failed midway (EINVAL): the put after sets s->direct_off */
    off_t data_end;     /* end of the last byte written */
    off_t kicked;       /* through the cache: writeback started up to here */
    off_t settled;      /* through the cache: on disk and dropped from the cache up to here */
} cs_store_writer_t;

/** Prepares writes to the temp `fd`: O_DIRECT when the filesystem and the slots allow it,
 * unless `keep_cache` (the pages are wanted: s3's PUT reads them again; or the caller prefers
 * the cache, for a file of one slot), else through the page cache; `src` names the source in
 * details. */
void cs_store_writer_init(cs_store_writer_t *w, cs_store_t *s, const char *src, int fd,
                          int keep_cache, size_t slot_size);

/** A cs_store_write_fn over a cs_store_writer_t: writes len bytes at off, leaving holes where
 * whole zero blocks are. CS_ENOSPC, CS_EIO... with the detail naming the store and source. */
int cs_store_write(void *w, const unsigned char *buf, size_t len, off_t off);

/** Sets the detail for a failed write, sync or link inside store s while storing src (disk
 * full: free space; else the call `what` and the error); returns the code. */
int cs_store_error(const cs_store_t *s, const char *src, const char *what, int e);

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
