/* storage/s3.h: an S3 client through libcurl, for the object store's S3 backend (Ceph's RADOS
 * Gateway in the tests).
 *
 * One handle per thread: it keeps one curl easy handle, so connections are reused (a
 * multipart upload sends `parallel` parts at once, each sender thread with a handle of its own
 * kept in the handle). Requests
 * are signed with SigV4 by curl (CURLOPT_AWS_SIGV4). Keys given to these functions are
 * relative to the configured prefix. Every function returns 0 or a negative CS_E* code and
 * leaves a one-line detail (cs_diag_set) that never contains the secret key:
 *   CS_ENOTFOUND (404), CS_EACCES (403: refused, e.g. a locked version), CS_EMISMATCH (the
 *   store or this client found the bytes differ from their SHA-256), CS_EUNAVAILABLE (no
 *   answer, timeout or 502/503/504 after the retries), CS_EIO (any other answer).
 * Transient failures (network errors, timeouts, 5xx) are retried `retries` times with a
 * doubling back-off from 100 ms, capped at 2 s.
 */
#ifndef CS_STORAGE_S3_H
#define CS_STORAGE_S3_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define CS_S3_MIN_PART (5u * 1024 * 1024)    /* S3's smallest part but the last */
#define CS_S3_SINGLE_MAX ((uint64_t)5 << 30) /* S3's largest single PUT */
#define CS_S3_KEY_MAX 1024
#define CS_S3_ID_MAX 256 /* version and upload ids */
#define CS_S3_PARALLEL_MAX 8

typedef struct cs_s3_config {
    const char *endpoint;   /* "http://127.0.0.1:7480", no trailing slash */
    const char *bucket;     /* 3 to 63 characters */
    const char *region;     /* the SigV4 scope ("default" for Ceph, "us-east-1") */
    const char *access_key; /* never logged */
    const char *secret_key; /* never logged, never in a detail */
    int path_style;         /* 1: endpoint/bucket/key; 0: bucket.host/key */
    const char *prefix;     /* put before every key ("custody/"), or NULL */
    long timeout_s;         /* connect timeout, and the longest wait with no byte moving */
    int retries;            /* attempts after the first on transient failures */
    uint64_t part_size;     /* the parts of a multipart upload; at least CS_S3_MIN_PART */
    /* one streamed PUT up to this size, multipart above (0: part_size; at most 5 GiB): one
     * PUT reads the file once, a multipart upload twice (each part is hashed first) */
    uint64_t single_max;
    int parallel; /* parts in flight in a multipart upload, 1..8; 0 means 2 */
} cs_s3_config_t;

typedef struct cs_s3 cs_s3_t;

typedef enum { CS_S3_LOCK_NONE = 0, CS_S3_LOCK_GOVERNANCE, CS_S3_LOCK_COMPLIANCE } cs_s3_mode_t;

typedef struct cs_s3_lock {
    cs_s3_mode_t mode;
    time_t retain_until; /* UTC */
} cs_s3_lock_t;

/** Makes a handle with copies of cfg's strings. CS_ECONFIG with a detail naming the field
 * when cfg is incomplete; CS_ENOMEM. Use it from one thread at a time. */
int cs_s3_open(cs_s3_t **out, const cs_s3_config_t *cfg);

/** Closes the handle and its connections; NULL is fine; leaves *s3 NULL. */
void cs_s3_close(cs_s3_t **s3);

/** Creates the bucket, with Object Lock enabled (and so versioning) when object_lock is set.
 * A bucket this user owns already is no error. */
int cs_s3_bucket_create(cs_s3_t *s3, int object_lock);

/** 0 when the bucket exists and answers, CS_ENOTFOUND, CS_EACCES or CS_EUNAVAILABLE. */
int cs_s3_bucket_head(cs_s3_t *s3);

/** Called once a multipart upload exists, before its first part is sent, so that the caller
 * can record (key, upload_id) and complete or abort it after a crash. Nonzero (a CS_E* code)
 * aborts the upload and becomes the put's result. */
typedef int (*cs_s3_upload_fn)(void *arg, const char *key, const char *upload_id);

/* How the bytes of a single PUT are checked in transit (store.s3_put_check, same order). A
 * multipart upload's parts are always signed with their SHA-256. */
typedef enum {
    CS_S3_CHECK_SIGNED = 0, /* x-amz-content-sha256 is the object's hash: the store re-hashes */
    CS_S3_CHECK_MD5 = 1,    /* UNSIGNED-PAYLOAD and a Content-MD5 the store checks */
    CS_S3_CHECK_NONE = 2    /* UNSIGNED-PAYLOAD: only TCP's checksum; the caller reads back */
} cs_s3_check_t;

typedef struct cs_s3_put_opts {
    const cs_s3_lock_t *lock;  /* NULL or mode NONE: no Object Lock headers */
    int check;                 /* cs_s3_check_t, single PUTs only; 0 (signed) by default */
    const char *content_md5;   /* CS_S3_CHECK_MD5: the base64 MD5 when known, NULL: computed */
    cs_s3_upload_fn on_upload; /* may be NULL */
    void *arg;
    /* Multipart only. An upload of this key left by a crash or a failure (its id as given to
     * on_upload): its parts whose size and MD5 (the part's ETag) match the file are kept, the
     * others sent, then it is completed. An id the store no longer knows starts afresh. Only
     * for the same key and SHA-256 the upload was started with. */
    const char *resume_upload_id;
    int keep_on_failure; /* multipart only: a failed upload is left for a resume, not aborted */
} cs_s3_put_opts_t;

typedef struct cs_s3_put_result {
    char version_id[CS_S3_ID_MAX]; /* "" when the bucket is not versioned */
    char etag[80];                 /* without quotes */
    int multipart;                 /* 1 when sent in parts */
    int parts_kept;                /* parts of a resumed upload found stored, not sent again */
} cs_s3_put_result_t;

/** Stores size bytes of fd (read with pread from offset 0) as `key`, whose SHA-256 is
 * sha256_hex (64 lower-case hex digits): one PUT up to single_max, multipart above. The store
 * checks a single PUT as opts->check says (the SHA-256 signed as x-amz-content-sha256, or a
 * Content-MD5 computed here by reading fd, or nothing: the caller reads the object back), and
 * against x-amz-checksum-sha256 where that is supported; each part is checked against its own hash
 * and the whole against sha256_hex before the upload is completed, so a wrong hash stores nothing
 * (CS_EMISMATCH). The object carries x-amz-meta-sha256. A failed multipart upload is aborted
 * (unless opts->keep_on_failure). opts and res may be NULL. On 0 the store has the object durably.
 */
int cs_s3_put_fd(cs_s3_t *s3, const char *key, int fd, uint64_t size, const char *sha256_hex,
                 const cs_s3_put_opts_t *opts, cs_s3_put_result_t *res);

/** cs_s3_put_fd of the regular file at path (its size from fstat). */
int cs_s3_put_file(cs_s3_t *s3, const char *key, const char *path, const char *sha256_hex,
                   const cs_s3_put_opts_t *opts, cs_s3_put_result_t *res);

typedef struct cs_s3_upload {
    char key[CS_S3_KEY_MAX]; /* relative to the prefix */
    char upload_id[CS_S3_ID_MAX];
} cs_s3_upload_t;

/** Lists the multipart uploads in progress whose keys start with key_prefix (relative to the
 * configured prefix; "" for all). *out is a malloc'd array of *n entries (NULL when none),
 * freed by the caller with free(). */
int cs_s3_uploads_list(cs_s3_t *s3, const char *key_prefix, cs_s3_upload_t **out, size_t *n);

/** Aborts the multipart upload upload_id of key; one gone already (404) is no error. */
int cs_s3_upload_abort(cs_s3_t *s3, const char *key, const char *upload_id);

typedef struct cs_s3_head {
    uint64_t size;
    char version_id[CS_S3_ID_MAX];
    char etag[80];     /* without quotes */
    char sha256[65];   /* from x-amz-meta-sha256, "" when absent */
    cs_s3_lock_t lock; /* mode NONE when not locked */
} cs_s3_head_t;

/** Describes the object `key` (its current version). CS_ENOTFOUND when there is none. */
int cs_s3_head(cs_s3_t *s3, const char *key, cs_s3_head_t *out);

/** Receives the bytes of a GET in order; nonzero (a CS_E* code) stops the transfer and
 * becomes the result. */
typedef int (*cs_s3_sink_fn)(void *arg, const void *data, size_t len);

/** Streams bytes [off, off + len) of `key` to sink (len 0: to the end), never holding the
 * object in memory. A transfer cut short is retried from the first byte not yet delivered.
 * CS_ENOTFOUND; CS_EINVAL when off is beyond the end (416). */
int cs_s3_get(cs_s3_t *s3, const char *key, uint64_t off, uint64_t len, cs_s3_sink_fn sink,
              void *arg);

/** Deletes `key`, or only its version version_id when that is not NULL. CS_EACCES when the
 * store refuses (a version under Object Lock). In a versioned bucket, without a version id
 * this only adds a delete marker. */
int cs_s3_delete(cs_s3_t *s3, const char *key, const char *version_id);

/** Called for each key (relative to the prefix) listed; nonzero stops and is returned. */
typedef int (*cs_s3_list_fn)(void *arg, const char *key, uint64_t size);

/** Lists the keys starting with key_prefix (relative to the configured prefix), page by page
 * (ListObjectsV2, 1000 a page), in the store's order (UTF-8 binary order). */
int cs_s3_list(cs_s3_t *s3, const char *key_prefix, cs_s3_list_fn fn, void *arg);

/** Reads a credentials file of `access_key = ...` and `secret_key = ...` lines (blank lines
 * and lines starting with '#' are skipped). CS_EACCES when group or others may read it
 * (the detail says chmod 600); CS_ECONFIG when a key is missing or a line is not understood;
 * CS_ENAMETOOLONG when a value does not fit. */
int cs_s3_credentials_read(const char *path, char *access_key, size_t access_cap, char *secret_key,
                           size_t secret_cap);

#endif
