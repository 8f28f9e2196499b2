/* storage/store.h: the content-addressed, write-once object store.
 *
 * Objects live at <root>/objects/sha256/<aa>/<bb>/<64 hex>, mode 0444, named by the SHA-256
 * of their bytes. A put reads its source once, hashing while it writes a temporary file
 * inside the store, fsyncs, links or renames it into place and fsyncs the folder: an object
 * is either whole and named by its hash or not there at all. The source is never changed.
 *
 * Two backends sit behind these calls (store.backend): `local`, the folder alone, and `s3`,
 * an S3 object store (Ceph's RADOS Gateway) that holds every object, with the folder as a
 * bounded set of local copies (store_tier.c). With s3, a put returns only once the object
 * store has the object whole (its SHA-256 checked by the store), under Object Lock when
 * configured; reads use the local copy when there is one and fetch it (verified) when not;
 * stat, verify and info ask the object store. Callers do not know which backend they have.
 */
#ifndef CS_STORAGE_STORE_H
#define CS_STORAGE_STORE_H

#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#define CS_SHA256_HEX 65 /* 64 hex digits and a NUL */

typedef struct cs_store cs_store_t;

typedef struct cs_put_result {
    char sha256[CS_SHA256_HEX]; /* lower-case hex */
    uint64_t size;              /* bytes */
    int created;                /* 1: a new object; 0: the same content was already stored */
    int64_t mtime_ns;           /* the source's mtime as it was when stored */
    unsigned char head[512];    /* the first bytes of the content, for sniffing */
    size_t head_len;
} cs_put_result_t;

struct cs_config;

typedef struct cs_store_opts {
    size_t buffer_size; /* bytes per read/write; 0: 1 MiB */
    /* The home's configuration: its store.backend and store.s3_* keys choose the backend.
     * NULL: the local folder alone (a backup's or a bag's own store). */
    const struct cs_config *cfg;
} cs_store_opts_t;

/** Fills *o for the home's store from its configuration (buffer size and backend). */
void cs_store_opts_from_config(cs_store_opts_t *o, const struct cs_config *cfg);

/** Opens the store rooted at `root`; with `create`, makes its folders (0750) first.
 * Removes temporary files left by dead processes. CS_ENOENT if absent and !create; CS_EINVAL
 * for a buffer_size outside 4 KiB..256 MiB. A handle serves one put at a time (it owns the
 * put buffers); the calls that only read objects may run beside it from other threads. */
int cs_store_open(cs_store_t **out, const char *root, int create, const cs_store_opts_t *opts);

/** Closes the store and sets *s to NULL; accepts NULL. */
void cs_store_close(cs_store_t **s);

/** Stores the regular file at `src_path` (symlinks followed) and fills *res; the same content
 * twice is one object (created 0). Errors, each with a detail naming the file: CS_ENOENT,
 * CS_EACCES, CS_EISDIR, CS_ENOTREG, CS_EEMPTY, CS_ECHANGED (size, mtime or ctime changed while
 * reading: nothing stored), CS_ENOSPC, CS_EIO, CS_ECORRUPT (an object of that name exists
 * with another size). On any error nothing new is visible in the store and no temporary file
 * is left. */
int cs_store_put_file(cs_store_t *s, const char *src_path, cs_put_result_t *res);

/** Hashes the regular file open at `fd` from its start, reading it once, without storing it;
 * `name` is for details. Fills sha256, size, mtime_ns and head. CS_ECHANGED if it changed
 * while read, CS_EEMPTY, CS_ENOTREG, CS_EIO. The fd's offset is left at the end. */
int cs_store_hash_fd(cs_store_t *s, int fd, const char *name, cs_put_result_t *res);

/** Makes the file open at `fd`, whose hash is `sha256`, the object itself: mode 0444,
 * fsynced, hard-linked into place, folder fsynced. The caller owns the file (a consumed
 * upload) and removes its old name afterwards. *created is 0 if the object existed.
 * Only a regular file with one name, owned by this process's effective user, is taken: any
 * other (a hard link from elsewhere, another user's file, who could make it writable and
 * change the evidence) is left as it was, mode included, with CS_EXDEV. CS_EXDEV too when it
 * cannot be linked (another file system, or not allowed): the caller copies instead. With
 * `leased`, the fd holds a read lease (F_SETLEASE) that must still be whole once the file is
 * read-only: a writer that broke it would get the object when the lease goes; CS_ECHANGED,
 * nothing stored. On any error the file's mode is restored. */
int cs_store_adopt_fd(cs_store_t *s, int fd, const char *sha256, int leased, int *created);

/** Removes the object `sha256` (gone already is no error). Only for an object this process
 * just made whose record then failed (a copy no row names): evidence is never removed. */
int cs_store_remove(cs_store_t *s, const char *sha256);

/** Removes object `sha256` for an approved disposal (indexer/dispose.h): the object store's
 * copy (its version, with s3) and the local copy, whose folder is then fsynced. An object gone
 * already is no error (a run cut short is run again). When the object store's retention
 * (Object Lock) keeps it, nothing is removed: CS_EACCES with `retain_until` (RFC 3339, or ""
 * when the store refused without saying) filled. CS_EUNAVAILABLE when it does not answer. */
int cs_store_dispose(cs_store_t *s, const char *sha256, char retain_until[40]);

/** 1 if the object `sha256` is the very file described by `st` (same device and inode: an
 * upload adopted earlier whose removal a power cut took back), else 0. */
int cs_store_is_file(const cs_store_t *s, const char *sha256, const struct stat *st);

/** Writes the object's path into buf. CS_EINVAL for a malformed hash, CS_ENAMETOOLONG. */
int cs_store_path(const cs_store_t *s, const char *sha256, char *buf, size_t len);

/** Opens an object read-only; *fd is the caller's. CS_ENOTFOUND if absent. */
int cs_store_open_object(const cs_store_t *s, const char *sha256, int *fd);

/** Opens the object's local copy only, never fetching one: CS_ENOTFOUND without one. */
int cs_store_open_local(const cs_store_t *s, const char *sha256, int *fd);

/** Sets *size to the object's size. CS_ENOTFOUND if absent. */
int cs_store_stat(const cs_store_t *s, const char *sha256, uint64_t *size);

/** Re-hashes an object. 0 if it matches its name; CS_EMISMATCH (actual hash in `actual` if
 * not NULL) or CS_ENOTFOUND otherwise. */
int cs_store_verify(const cs_store_t *s, const char *sha256, char actual[CS_SHA256_HEX]);

/* A bounded reading rate shared by a run of re-hashes (a fixity scrub), and a way to stop. */
typedef struct cs_store_pace {
    uint64_t bytes_per_s; /* 0: as fast as the disk goes */
    uint64_t start_ns;    /* CLOCK_MONOTONIC when the budget began; 0: at the next read */
    uint64_t bytes;       /* read since start_ns */
    /* Called after every chunk with how long to wait before the next (0: none due); sleeps
     * that long unless told to stop, and returns non-zero to stop. May be NULL. */
    int (*wait)(void *arg, uint64_t ns);
    void *arg;
} cs_store_pace_t;

/** cs_store_verify, reading no faster than `pace` allows (NULL: unpaced); *bytes (may be NULL)
 * gets the bytes read. CS_ECANCELED when pace->wait asked to stop. */
int cs_store_verify_paced(const cs_store_t *s, const char *sha256, char actual[CS_SHA256_HEX],
                          cs_store_pace_t *pace, uint64_t *bytes);

/** Copies object `sha256` of store `from` into `s` (a put: hashed while written, fsynced,
 * linked into place, 0444) and fills *res. CS_ENOTFOUND if `from` lacks it; CS_EMISMATCH (with
 * a detail naming the hash found) if its bytes no longer match its name, and then nothing
 * new is left in `s`. */
int cs_store_copy_in(cs_store_t *s, const cs_store_t *from, const char *sha256,
                     cs_put_result_t *res);

/* ---- Backends (store_tier.c) ---------------------------------------------------------- */

/* What the store knows of one object. */
typedef struct cs_store_info {
    const char *backend;   /* "local" or "s3" */
    int local;             /* a local copy is in the folder */
    int remote;            /* the object store holds it (s3 only) */
    uint64_t size;         /* bytes */
    char lock_mode[16];    /* "COMPLIANCE", "GOVERNANCE" or "" (s3 only) */
    char retain_until[40]; /* RFC 3339, "" without a lock */
    char version[256];     /* the object store's version id, "" when unversioned */
} cs_store_info_t;

/** Fills *info for object `sha256`. CS_ENOTFOUND if no backend has it; with s3,
 * CS_EUNAVAILABLE (detail set) when the object store does not answer. */
int cs_store_info(cs_store_t *s, const char *sha256, cs_store_info_t *info);

/* The backend's health, for `custody status` and /metrics. */
typedef struct cs_store_health {
    const char *backend;          /* "local" or "s3" */
    int ok;                       /* 1: it answered */
    double latency_ms;            /* of this probe (s3: a HEAD of the bucket) */
    char detail[256];             /* why not, when !ok; the endpoint and bucket when ok */
    uint64_t requests;            /* to the object store since opened */
    uint64_t failures;            /* of them, failed after every retry */
    uint64_t readback_waiting;    /* s3: objects sent unchecked, not yet read back */
    uint64_t readback_mismatched; /* s3: read back, found to differ, not sent again */
} cs_store_health_t;

/** Probes the backend and fills *h; 0 even when the probe failed (h->ok says). */
int cs_store_health(cs_store_t *s, cs_store_health_t *h);

/** The backend's name: "local" or "s3". */
const char *cs_store_backend(const cs_store_t *s);

/** Makes sure the folder holds a local copy of `sha256`, fetching it from the object store
 * (written to a temporary file, hashed on the way, named only if it matches) when it does
 * not. 0 at once with the local backend when the object is there. CS_ENOTFOUND,
 * CS_EMISMATCH (the object store's bytes do not match), CS_EUNAVAILABLE. */
int cs_store_fetch(const cs_store_t *s, const char *sha256);

/** cs_store_fetch, then cs_store_path: the path of a local copy that a process may read. */
int cs_store_local_path(const cs_store_t *s, const char *sha256, char *buf, size_t len);

/** Reads up to `len` bytes of the object from `off` into buf; *got gets how many (0 at the
 * end). The local copy when there is one, else a ranged GET: a download is streamed without
 * the whole object on disk or in memory. Safe beside puts, from any thread. */
int cs_store_read_at(const cs_store_t *s, const char *sha256, uint64_t off, void *buf, size_t len,
                     size_t *got);

/** Starts storing the file at `path` ahead, on helper threads with put buffers of their own,
 * for the next cs_store_put_file of the same file (its device, inode, size and times
 * unchanged) to take, so that its hashing, copy and object-store round trips overlap the
 * caller's work on the files before (an original's: stored under the configured lock, and taken
 * only while the handle's puts are locked). Three at most are asked ahead, two stored at once; a
 * call beyond is ignored (the put is then made when asked). A put made ahead and never taken leaves
 * its object stored and unrecorded, as a crash between a put and its record would. 0, CS_ENOMEM. */
int cs_store_prefetch(cs_store_t *s, const char *path);

/** Streams [off, off + len) of the object store's copy to sink (len 0: to the end) in one
 * GET (with a Range unless the whole object is asked), never holding it in memory; sink's
 * nonzero result stops the transfer and is returned. CS_ENOTFOUND without an object store.
 * From any thread. */
int cs_store_get_remote(const cs_store_t *s, const char *sha256, uint64_t off, uint64_t len,
                        int (*sink)(void *arg, const void *buf, size_t len), void *arg);

/** Whether this handle's next puts go under the configured Object Lock (1, the default) or
 * not (0: a copy that can be made again from its original, like an access copy or a
 * preview, which a re-made copy may replace). Objects sent by push, push_all and migration
 * are always locked. */
void cs_store_lock_puts(cs_store_t *s, int lock);

/** With s3: sends the local object `sha256` to the object store unless it holds it whole
 * already (same size), with the configured lock; *sent says whether it was sent. A no-op for
 * local. Puts do this themselves; migration and recovery call it. */
int cs_store_push(cs_store_t *s, const char *sha256, int *sent);

/** With s3: sends every local copy the object store lacks (a put cut short by a crash or
 * a gateway that went away, a home being migrated); *sent (may be NULL) counts them. Stops
 * at the first failure. A no-op for local. */
int cs_store_push_all(cs_store_t *s, uint64_t *sent);

/* What one round of read-backs did (cs_store_readback). */
typedef struct cs_store_readback {
    uint64_t checked;    /* objects re-hashed from the object store */
    uint64_t mismatched; /* of them, bytes that differ from their SHA-256 */
    uint64_t resent;     /* of those, sent again from a local copy that matches */
} cs_store_readback_t;

/** With s3 and store.s3_put_check = readback: re-hashes, at `pace`, the object store's bytes
 * of up to 64 objects sent unchecked and not yet read back (the scrub calls it each round).
 * A match ends the wait; a difference is logged (store.readback_mismatch) and the object sent
 * again from its local copy when that matches, else counted as mismatched by `custody store
 * status`. 0, or the object store's failure (CS_EUNAVAILABLE) or CS_ECANCELED. */
int cs_store_readback(cs_store_t *s, cs_store_pace_t *pace, cs_store_readback_t *out);

/** With s3: removes local copies, least recently used first, until they take at most
 * `max_bytes`, keeping any the object store does not hold whole and any used in the last
 * `grace_s` seconds. *removed (may be NULL) gets the bytes removed. A no-op for local. */
int cs_store_trim(cs_store_t *s, uint64_t max_bytes, unsigned grace_s, uint64_t *removed);
#define CS_STORE_TRIM_CONFIGURED UINT64_MAX /* max_bytes: store.s3_cache_mb */

/** With s3: makes the bucket when absent (with Object Lock when store.s3_object_lock is set).
 * 0 at once for local. */
int cs_store_prepare(cs_store_t *s);

/** With s3: calls fn for every object the object store holds, in key order. */
int cs_store_each_remote(cs_store_t *s, int (*fn)(void *arg, const char *sha256, uint64_t size),
                         void *arg);

/** With s3: deletes the object store's copy alone (the object store refuses a locked one:
 * CS_EACCES); the local copy stays. */
int cs_store_remove_remote(const cs_store_t *s, const char *sha256);

/** Calls fn for every object with a local copy in the folder (any backend), in no order;
 * a non-zero return stops the walk and is returned. */
int cs_store_each_local(cs_store_t *s, int (*fn)(void *arg, const char *sha256, uint64_t size),
                        void *arg);

/** 1 if `hex` is 64 lower-case hex digits, else 0. */
int cs_sha256_hex_valid(const char *hex);

#endif
