/* storage/store_s3.c: the object-store backend on the S3 client (s3.h).
 *
 * A pool of clients, each used by one thread at a time, keeps connections open across calls.
 * Every object is keyed by its SHA-256 under store.s3_prefix and, with store.s3_object_lock,
 * written under Object Lock until store.s3_retain_days from now. A multipart upload in
 * progress is recorded as tmp/mpu.<pid>.<sha256> (its upload id inside) and aborted at the
 * next start when its writer is gone: the put failed as a whole and is made again.
 */
#include "storage/s3.h"
#include "storage/store_remote.h"

#include "core/buf.h"
#include "core/config.h"
#include "core/error.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define POOL_MAX 8 /* idle clients kept; more threads make more, closed when given back */
/* store.s3_put_check = readback: objects this size and above go up unsigned and wait for a
 * read-back; smaller ones are signed (the gateway's hash of them costs little). */
#define READBACK_MIN ((uint64_t)8 << 20)
#define CS_REMOTE_PROBE_S 3 /* the health probe's limit, in seconds */

struct cs_remote {
    char endpoint[CS_CONFIG_STR_MAX], bucket[64], region[64], prefix[128];
    char access_key[256], secret_key[256];
    cs_s3_config_t cfg; /* points into the strings above */
    int lock;           /* cs_store_lock_t */
    int retain_days;
    int check;  /* store.s3_put_check: cs_s3_check_t (2: readback) */
    int tmp_fd; /* the store's tmp/, where uploads in progress and read-backs due are noted */
    pthread_mutex_t mu;
    cs_s3_t *idle[POOL_MAX];
    int nidle;
    uint64_t requests, failures; /* atomics */
};

int
cs_remote_open(cs_remote_t **out, const cs_config_t *cfg, int tmp_fd)
{
    cs_remote_t *r = NULL;
    int rc;
    *out = NULL;
    if (cfg->store_s3_endpoint[0] == '\0' || cfg->store_s3_credentials[0] == '\0') {
        cs_diag_set("store.backend = s3 needs store.s3_endpoint and store.s3_credentials in "
                    "custody.conf");
        return CS_ECONFIG;
    }
    if ((r = calloc(1, sizeof *r)) == NULL)
        return CS_ENOMEM;
    snprintf(r->endpoint, sizeof r->endpoint, "%s", cfg->store_s3_endpoint);
    /* No trailing slash: the client puts one between the endpoint and the bucket. */
    for (size_t n = strlen(r->endpoint); n > 0 && r->endpoint[n - 1] == '/'; n--)
        r->endpoint[n - 1] = '\0';
    snprintf(r->bucket, sizeof r->bucket, "%s", cfg->store_s3_bucket);
    snprintf(r->region, sizeof r->region, "%s", cfg->store_s3_region);
    snprintf(r->prefix, sizeof r->prefix, "%s", cfg->store_s3_prefix);
    if ((rc = cs_s3_credentials_read(cfg->store_s3_credentials, r->access_key, sizeof r->access_key,
                                     r->secret_key, sizeof r->secret_key)) != 0) {
        free(r);
        return rc;
    }
    r->cfg = (cs_s3_config_t){.endpoint = r->endpoint,
                              .bucket = r->bucket,
                              .region = r->region,
                              .access_key = r->access_key,
                              .secret_key = r->secret_key,
                              .path_style = cfg->store_s3_addressing == 0,
                              .prefix = r->prefix,
                              .timeout_s = cfg->store_s3_timeout_s,
                              .retries = 3,
                              .part_size = (uint64_t)cfg->store_s3_part_mb << 20,
                              /* One streamed PUT, signed with the hash the object is named
                               * by, reads it once; parts are each hashed first (bench/s3.sh:
                               * 100 MB went up 35-40% faster as one PUT). */
                              .single_max = (uint64_t)1 << 30};
    r->lock = cfg->store_s3_object_lock;
    r->retain_days = cfg->store_s3_retain_days;
    r->check = cfg->store_s3_put_check;
    r->tmp_fd = tmp_fd;
    pthread_mutex_init(&r->mu, NULL);
    /* A client now, so that a bad endpoint or bucket name fails the opening, not a put. */
    cs_s3_t *c = NULL;
    if ((rc = cs_s3_open(&c, &r->cfg)) != 0) {
        cs_remote_close(&r);
        return rc;
    }
    r->idle[r->nidle++] = c;
    *out = r;
    return 0;
}

void
cs_remote_close(cs_remote_t **rp)
{
    if (rp == NULL || *rp == NULL)
        return;
    cs_remote_t *r = *rp;
    for (int i = 0; i < r->nidle; i++)
        cs_s3_close(&r->idle[i]);
    pthread_mutex_destroy(&r->mu);
    explicit_bzero(r->secret_key, sizeof r->secret_key);
    free(r);
    *rp = NULL;
}

/* A client for this thread's call: an idle one, or a new one. */
static int
take(cs_remote_t *r, cs_s3_t **c)
{
    *c = NULL;
    __atomic_add_fetch(&r->requests, 1, __ATOMIC_RELAXED);
    pthread_mutex_lock(&r->mu);
    if (r->nidle > 0)
        *c = r->idle[--r->nidle];
    pthread_mutex_unlock(&r->mu);
    return *c != NULL ? 0 : cs_s3_open(c, &r->cfg);
}

/* Gives the client back and counts a failure the object store is to blame for. */
static int
give(cs_remote_t *r, cs_s3_t *c, int rc)
{
    if (rc == CS_EUNAVAILABLE || rc == CS_EIO)
        __atomic_add_fetch(&r->failures, 1, __ATOMIC_RELAXED);
    pthread_mutex_lock(&r->mu);
    if (r->nidle < POOL_MAX) {
        r->idle[r->nidle++] = c;
        c = NULL;
    }
    pthread_mutex_unlock(&r->mu);
    cs_s3_close(&c);
    return rc;
}

/* ---- uploads in progress -------------------------------------------------------------- */

struct upload_note {
    cs_remote_t *r;
    char name[96]; /* mpu.<pid>.<sha256>, "" until written */
};

/* The client has made a multipart upload: its id is written down before any part goes. */
static int
note_upload(void *arg, const char *key, const char *upload_id)
{
    struct upload_note *n = arg;
    const char *sha = strrchr(key, '/') != NULL ? strrchr(key, '/') + 1 : key;
    if (cs_snprintf(n->name, sizeof n->name, "mpu.%ld.%.64s", (long)getpid(), sha) != 0)
        return CS_ENAMETOOLONG;
    int fd = openat(n->r->tmp_fd, n->name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        n->name[0] = '\0';
        return cs_err_from_errno(errno);
    }
    size_t len = strlen(upload_id);
    int ok = write(fd, upload_id, len) == (ssize_t)len && fsync(fd) == 0;
    close(fd);
    return ok ? 0 : CS_EIO;
}

/* Aborts the uploads recorded by processes that are gone. Best effort: an upload left in
 * progress costs only space in the object store until this runs again. */
static void
abort_dead_uploads(cs_remote_t *r, cs_s3_t *c)
{
    int fd = openat(r->tmp_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    struct dirent *e;
    if (d == NULL) {
        if (fd >= 0)
            close(fd);
        return;
    }
    while ((e = readdir(d)) != NULL) {
        long pid;
        char sha[65], id[CS_S3_ID_MAX];
        if (sscanf(e->d_name, "mpu.%ld.%64[0-9a-f]", &pid, sha) != 2 || pid <= 0 ||
            pid == (long)getpid() || (kill((pid_t)pid, 0) == 0 || errno != ESRCH))
            continue;
        int f = openat(r->tmp_fd, e->d_name, O_RDONLY | O_CLOEXEC);
        ssize_t n = f >= 0 ? read(f, id, sizeof id - 1) : -1;
        if (f >= 0)
            close(f);
        if (n > 0) {
            id[n] = '\0';
            if (cs_s3_upload_abort(c, sha, id) != 0)
                continue; /* the object store is away: next time */
        }
        unlinkat(r->tmp_fd, e->d_name, 0);
    }
    closedir(d);
}

/* ---- the calls ------------------------------------------------------------------------ */

/* ---- read-backs due ------------------------------------------------------------------- */

/* An object sent unchecked (store.s3_put_check = readback) is noted as tmp/readback.<sha256>
 * before its PUT, durably, and the note goes only once the object store's bytes have been
 * re-hashed (cs_store_readback, cs_store_verify_remote). One whose bytes differed and could
 * not be sent again is noted as tmp/mismatch.<sha256> instead. */
static int
note_name(char *dst, size_t cap, const char *what, const char *sha256)
{
    if (!cs_sha256_hex_valid(sha256))
        return CS_EINVAL;
    return cs_snprintf(dst, cap, "%s.%s", what, sha256) == 0 ? 0 : CS_ENAMETOOLONG;
}

int
cs_remote_readback_note(cs_remote_t *r, const char *sha256)
{
    char name[96];
    int rc, fd;
    if ((rc = note_name(name, sizeof name, "readback", sha256)) != 0)
        return rc;
    fd = openat(r->tmp_fd, name, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0 || close(fd) != 0 || fsync(r->tmp_fd) != 0) {
        rc = cs_err_from_errno(errno);
        cs_diag_set("store: cannot note object %.12s for its read-back in the store's tmp/ "
                    "(%s); check the folder's permissions and free space",
                    sha256, strerror(errno));
        return rc;
    }
    return 0;
}

int
cs_remote_readback_waits(cs_remote_t *r, const char *sha256)
{
    char name[96];
    struct stat st;
    return note_name(name, sizeof name, "readback", sha256) == 0 &&
           fstatat(r->tmp_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

void
cs_remote_readback_clear(cs_remote_t *r, const char *sha256, int mismatched)
{
    char name[96], bad[96];
    if (note_name(name, sizeof name, "readback", sha256) != 0 ||
        note_name(bad, sizeof bad, "mismatch", sha256) != 0)
        return;
    if (mismatched)
        renameat(r->tmp_fd, name, r->tmp_fd, bad);
    else if (unlinkat(r->tmp_fd, name, 0) != 0 && unlinkat(r->tmp_fd, bad, 0) != 0)
        return;
    fsync(r->tmp_fd); /* best effort: a note that comes back costs one more read-back */
}

int
cs_remote_readback_list(cs_remote_t *r, char (*out)[65], size_t cap, size_t *n, uint64_t *waiting,
                        uint64_t *mismatched)
{
    int fd = openat(r->tmp_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    struct dirent *e;
    *n = 0;
    *waiting = *mismatched = 0;
    if (d == NULL) {
        int rc = cs_err_from_errno(errno);
        if (fd >= 0)
            close(fd);
        return rc;
    }
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, "mismatch.", 9) == 0 && cs_sha256_hex_valid(e->d_name + 9))
            ++*mismatched;
        if (strncmp(e->d_name, "readback.", 9) != 0 || !cs_sha256_hex_valid(e->d_name + 9))
            continue;
        if (out != NULL && *n < cap)
            memcpy(out[(*n)++], e->d_name + 9, 65);
        ++*waiting;
    }
    closedir(d);
    return 0;
}

/* Right after an unchecked PUT: the object store's current version has the size sent and
 * carries the hash it was sent under. */
static int
head_check(cs_s3_t *c, const char *sha256, uint64_t size)
{
    cs_s3_head_t h;
    int rc = cs_s3_head(c, sha256, &h);
    if (rc != 0)
        return rc;
    if (h.size != size || strcmp(h.sha256, sha256) != 0) {
        cs_diag_set("the object store holds %llu bytes (hash %.64s) for object %s just sent "
                    "with %llu; the put failed and is made again",
                    (unsigned long long)h.size, h.sha256[0] ? h.sha256 : "none", sha256,
                    (unsigned long long)size);
        return CS_EMISMATCH;
    }
    return 0;
}

/* ---- the calls ------------------------------------------------------------------------ */

int
cs_remote_put(cs_remote_t *r, const char *sha256, int fd, uint64_t size, int locked)
{
    cs_s3_lock_t lock = {.mode = !locked                         ? CS_S3_LOCK_NONE
                                 : r->lock == CS_LOCK_COMPLIANCE ? CS_S3_LOCK_COMPLIANCE
                                 : r->lock == CS_LOCK_GOVERNANCE ? CS_S3_LOCK_GOVERNANCE
                                                                 : CS_S3_LOCK_NONE,
                         .retain_until = time(NULL) + (time_t)r->retain_days * 86400};
    struct upload_note note = {.r = r};
    /* readback only where it saves the gateway a pass worth having; parts are signed. */
    int readback =
        r->check == CS_S3_CHECK_NONE && size >= READBACK_MIN && size <= r->cfg.single_max;
    cs_s3_put_opts_t o = {.lock = &lock,
                          .on_upload = note_upload,
                          .arg = &note,
                          .check = readback                      ? CS_S3_CHECK_NONE
                                   : r->check == CS_S3_CHECK_MD5 ? CS_S3_CHECK_MD5
                                                                 : CS_S3_CHECK_SIGNED};
    cs_s3_t *c;
    int rc;
    /* Noted first: an object that reached the store unchecked is never without its note,
     * even if this process dies before it hears the answer. */
    if (readback && (rc = cs_remote_readback_note(r, sha256)) != 0)
        return rc;
    if ((rc = take(r, &c)) != 0)
        return rc;
    rc = cs_s3_put_fd(c, sha256, fd, size, sha256, &o, NULL);
    if (rc == CS_ENOTFOUND) {
        /* No bucket yet (a new home on s3): made, with Object Lock when asked, then again. */
        if (note.name[0] != '\0')
            unlinkat(r->tmp_fd, note.name, 0);
        note.name[0] = '\0';
        if ((rc = cs_s3_bucket_create(c, r->lock != CS_LOCK_OFF)) == 0)
            rc = cs_s3_put_fd(c, sha256, fd, size, sha256, &o, NULL);
    }
    if (rc == 0 && readback)
        rc = head_check(c, sha256, size);
    /* Completed or aborted by the client: the note has done its work either way. */
    if (note.name[0] != '\0')
        unlinkat(r->tmp_fd, note.name, 0);
    return give(r, c, rc);
}

static void
lock_text(const cs_s3_head_t *h, cs_store_info_t *info)
{
    struct tm tm;
    if (h->lock.mode == CS_S3_LOCK_NONE)
        return;
    snprintf(info->lock_mode, sizeof info->lock_mode, "%s",
             h->lock.mode == CS_S3_LOCK_COMPLIANCE ? "COMPLIANCE" : "GOVERNANCE");
    if (gmtime_r(&h->lock.retain_until, &tm) != NULL)
        strftime(info->retain_until, sizeof info->retain_until, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int
cs_remote_head(cs_remote_t *r, const char *sha256, cs_store_info_t *info)
{
    cs_s3_head_t h;
    cs_s3_t *c;
    int rc;
    if ((rc = take(r, &c)) != 0)
        return rc;
    if ((rc = cs_s3_head(c, sha256, &h)) == 0) {
        info->remote = 1;
        info->size = h.size;
        snprintf(info->version, sizeof info->version, "%s", h.version_id);
        lock_text(&h, info);
    }
    return give(r, c, rc);
}

int
cs_remote_get(cs_remote_t *r, const char *sha256, uint64_t off, uint64_t len,
              cs_remote_sink_fn sink, void *arg)
{
    cs_s3_t *c;
    int rc;
    if ((rc = take(r, &c)) != 0)
        return rc;
    rc = cs_s3_get(c, sha256, off, len, sink, arg);
    if (rc == CS_ENOTFOUND)
        cs_diag_set("object %s is not in bucket %s", sha256, r->bucket);
    return give(r, c, rc);
}

int
cs_remote_delete(cs_remote_t *r, const char *sha256)
{
    cs_s3_head_t h;
    cs_s3_t *c;
    int rc;
    if ((rc = take(r, &c)) != 0)
        return rc;
    /* Its version, never a delete marker: in a locked (versioned) bucket a marker would hide
     * the object without removing it, and the lock decides instead. */
    rc = cs_s3_head(c, sha256, &h);
    if (rc == 0)
        rc = cs_s3_delete(c, sha256, h.version_id[0] != '\0' ? h.version_id : NULL);
    else if (rc == CS_ENOTFOUND)
        rc = 0;
    return give(r, c, rc);
}

struct each {
    int (*fn)(void *arg, const char *sha256, uint64_t size);
    void *arg;
};

static int
each_key(void *arg, const char *key, uint64_t size)
{
    struct each *e = arg;
    return cs_sha256_hex_valid(key) ? e->fn(e->arg, key, size) : 0; /* others are not ours */
}

int
cs_remote_each(cs_remote_t *r, int (*fn)(void *arg, const char *sha256, uint64_t size), void *arg)
{
    struct each e = {fn, arg};
    cs_s3_t *c;
    int rc;
    if ((rc = take(r, &c)) != 0)
        return rc;
    return give(r, c, cs_s3_list(c, "", each_key, &e));
}

int
cs_remote_ensure_bucket(cs_remote_t *r)
{
    cs_s3_t *c;
    int rc;
    if ((rc = take(r, &c)) != 0)
        return rc;
    rc = cs_s3_bucket_head(c);
    if (rc == CS_ENOTFOUND)
        rc = cs_s3_bucket_create(c, r->lock != CS_LOCK_OFF);
    if (rc == 0)
        abort_dead_uploads(r, c);
    return give(r, c, rc);
}

void
cs_remote_health(cs_remote_t *r, cs_store_health_t *h)
{
    struct timespec a, b;
    cs_s3_t *c = NULL;
    /* A probe of its own: one try, a few seconds at most, so that `status` and /metrics say
     * "not answering" at once instead of waiting out the requests' timeout and retries. */
    cs_s3_config_t probe = r->cfg;
    probe.retries = 0;
    if (probe.timeout_s > CS_REMOTE_PROBE_S)
        probe.timeout_s = CS_REMOTE_PROBE_S;
    int rc;
    clock_gettime(CLOCK_MONOTONIC, &a);
    __atomic_add_fetch(&r->requests, 1, __ATOMIC_RELAXED);
    if ((rc = cs_s3_open(&c, &probe)) == 0)
        rc = cs_s3_bucket_head(c);
    cs_s3_close(&c);
    clock_gettime(CLOCK_MONOTONIC, &b);
    h->latency_ms = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
    h->ok = rc == 0 || rc == CS_ENOTFOUND; /* it answers; the first put makes the bucket */
    if (rc == CS_ENOTFOUND)
        snprintf(h->detail, sizeof h->detail,
                 "%.120s bucket %.60s (not made yet: the first put "
                 "makes it)",
                 r->endpoint, r->bucket);
    else if (h->ok)
        snprintf(h->detail, sizeof h->detail, "%.180s bucket %.60s", r->endpoint, r->bucket);
    else
        snprintf(h->detail, sizeof h->detail, "%.120s bucket %.60s: %.60s", r->endpoint, r->bucket,
                 cs_strerror(rc));
    size_t n;
    cs_remote_readback_list(r, NULL, 0, &n, &h->readback_waiting, &h->readback_mismatched);
    h->requests = __atomic_load_n(&r->requests, __ATOMIC_RELAXED);
    h->failures = __atomic_load_n(&r->failures, __ATOMIC_RELAXED);
}
