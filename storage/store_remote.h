/* storage/store_remote.h: the object-store backend as the tier sees it (store_s3.c).
 *
 * One `cs_remote_t` per open store: its configuration, a small pool of S3 clients (one per
 * thread at a time: each keeps its connection) and the counters /metrics shows. Every call
 * is safe from any thread. Objects are keyed by their SHA-256 under the configured prefix.
 */
#ifndef CS_STORAGE_STORE_REMOTE_H
#define CS_STORAGE_STORE_REMOTE_H

#include "storage/store.h"

#include <stddef.h>
#include <stdint.h>

struct cs_config;
typedef struct cs_remote cs_remote_t;

/* Receives the next bytes of a GET; non-zero stops it and is returned. */
typedef int (*cs_remote_sink_fn)(void *arg, const void *buf, size_t len);

/** Opens the backend the configuration names (store.s3_*), reading the credentials file.
 * `tmp_fd` is the store's tmp/ folder, where uploads in progress are recorded. CS_ECONFIG
 * (detail names the key), CS_EACCES (a credentials file others may read). */
int cs_remote_open(cs_remote_t **out, const struct cs_config *cfg, int tmp_fd);

void cs_remote_close(cs_remote_t **r);

/** Sends `size` bytes of `fd` (from offset 0) as object `sha256`, with the configured lock
 * when `lock`, checked as store.s3_put_check says: by the object store against the hash
 * (signed) or a Content-MD5 (md5), or (readback, 8 MiB to 1 GiB) noted for a read-back
 * before it goes and its size and hash metadata checked by a HEAD after. Returns once the
 * store has it whole. */
int cs_remote_put(cs_remote_t *r, const char *sha256, int fd, uint64_t size, int lock);

/** Notes, durably, that object sha256 is sent unchecked and waits for its read-back
 * (store.s3_put_check = readback; cs_remote_put does it for the objects it sends so). */
int cs_remote_readback_note(cs_remote_t *r, const char *sha256);

/** 1 when object sha256 waits for its read-back (its local copy stays until it is done). */
int cs_remote_readback_waits(cs_remote_t *r, const char *sha256);

/** Its read-back is done: the note goes, or with `mismatched` becomes a mismatch note (the
 * object store's bytes differ and could not be sent again; `custody store status` counts
 * them). A mismatch note goes once a later check of the object passes. */
void cs_remote_readback_clear(cs_remote_t *r, const char *sha256, int mismatched);

/** Up to cap objects waiting for their read-back into out (NULL: only counted), and how many
 * wait and how many were found mismatched. */
int cs_remote_readback_list(cs_remote_t *r, char (*out)[65], size_t cap, size_t *n,
                            uint64_t *waiting, uint64_t *mismatched);

/** Fills size, lock and version of *info (remote = 1). CS_ENOTFOUND when absent. */
int cs_remote_head(cs_remote_t *r, const char *sha256, cs_store_info_t *info);

/** Streams [off, off + len) of the object to sink (len 0: to the end). */
int cs_remote_get(cs_remote_t *r, const char *sha256, uint64_t off, uint64_t len,
                  cs_remote_sink_fn sink, void *arg);

/** Deletes the object (its current version). The object store refuses a locked one. */
int cs_remote_delete(cs_remote_t *r, const char *sha256);

/** Calls fn for each object the store holds under the prefix, in key order. */
int cs_remote_each(cs_remote_t *r, int (*fn)(void *arg, const char *sha256, uint64_t size),
                   void *arg);

/** Makes the bucket when absent (with Object Lock when configured); 0 when it exists. */
int cs_remote_ensure_bucket(cs_remote_t *r);

/** Probes the object store (HEAD of the bucket) and fills *h. */
void cs_remote_health(cs_remote_t *r, cs_store_health_t *h);

#endif
