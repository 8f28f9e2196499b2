/* storage/store_tier.c: the folder and the object store as one store.
 *
 * With store.backend = s3 the object store holds every object and the folder only local
 * copies: a put sends each object before it returns (store_put.c), a read uses the local copy
 * or fetches one (hashed on the way, named only when it matches), verify re-hashes the object
 * store's bytes, and trim keeps the local copies under store.s3_cache_mb. With the local
 * backend each call here is the folder's own, or nothing.
 */
#include "storage/store.h"
#include "storage/store_internal.h"
#include "storage/store_remote.h"

#include "core/config.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/io.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void
cs_store_opts_from_config(cs_store_opts_t *o, const cs_config_t *cfg)
{
    memset(o, 0, sizeof *o);
    o->buffer_size = (size_t)cfg->store_buffer_kb * 1024;
    o->cfg = cfg;
}

const char *
cs_store_backend(const cs_store_t *s)
{
    return s->remote != NULL ? "s3" : "local";
}

static int
local_size(const cs_store_t *s, const char *sha256, uint64_t *size)
{
    char rel[80];
    struct stat st;
    int rc = cs_store_relpath(sha256, rel, sizeof rel);
    if (rc != 0)
        return rc;
    if (fstatat(s->objects_fd, rel, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
        return CS_ENOTFOUND;
    *size = (uint64_t)st.st_size;
    return 0;
}

/* ---- fetching a local copy ------------------------------------------------------------ */

struct fetch {
    int fd;
    EVP_MD_CTX *md;
    uint64_t size;
};

static int
fetch_sink(void *arg, const void *buf, size_t len)
{
    struct fetch *f = arg;
    const unsigned char *p = buf;
    if (EVP_DigestUpdate(f->md, buf, len) != 1)
        return CS_ECRYPTO;
    for (size_t done = 0; done < len;) {
        ssize_t n = write(f->fd, p + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return cs_err_from_errno(errno);
        done += (size_t)n;
    }
    f->size += len;
    return 0;
}

int
cs_store_fetch(const cs_store_t *s, const char *sha256)
{
    struct fetch f = {.fd = -1};
    unsigned char digest[32];
    char hex[CS_SHA256_HEX];
    uint64_t size;
    int rc, created;

    if ((rc = local_size(s, sha256, &size)) != CS_ENOTFOUND)
        return rc;
    if (s->remote == NULL) {
        cs_diag_set("object %s is not in store %s; check the hash", sha256, s->root);
        return CS_ENOTFOUND;
    }
    /* Unnamed until whole and checked: a crash leaves nothing behind. */
    f.fd = openat(s->tmp_fd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0444);
    f.md = EVP_MD_CTX_new();
    if (f.fd < 0 || f.md == NULL || EVP_DigestInit_ex(f.md, EVP_sha256(), NULL) != 1) {
        rc = f.fd < 0 ? cs_err_from_errno(errno) : CS_ENOMEM;
        cs_diag_set("store %s: cannot make a temporary file for object %.12s (%s); check the "
                    "folder's permissions and free space",
                    s->root, sha256, f.fd < 0 ? strerror(errno) : "out of memory");
        goto out;
    }
    if ((rc = cs_remote_get(s->remote, sha256, 0, 0, fetch_sink, &f)) != 0)
        goto out;
    if (EVP_DigestFinal_ex(f.md, digest, NULL) != 1) {
        rc = CS_ECRYPTO;
        goto out;
    }
    cs_hex(digest, 32, hex);
    if (strcmp(hex, sha256) != 0) {
        cs_diag_set("the object store's copy of %s does not match its hash (it hashes to %s); "
                    "restore it from a backup",
                    sha256, hex);
        rc = CS_EMISMATCH;
        goto out;
    }
    if (fsync(f.fd) != 0) {
        rc = cs_err_from_errno(errno);
        cs_diag_set("store %s: cannot fsync object %.12s (%s)", s->root, sha256, strerror(errno));
        goto out;
    }
    /* The folder changes, not the handle: publish only needs its folder fds. */
    rc = cs_store_publish_fd((cs_store_t *)s, f.fd, sha256, f.size, &created);
out:
    if (f.fd >= 0)
        close(f.fd);
    EVP_MD_CTX_free(f.md);
    return rc;
}

int
cs_store_local_path(const cs_store_t *s, const char *sha256, char *buf, size_t len)
{
    int rc = cs_store_fetch(s, sha256);
    return rc != 0 ? rc : cs_store_path(s, sha256, buf, len);
}

/* ---- reading a range ------------------------------------------------------------------ */

struct span {
    unsigned char *buf;
    size_t len, got;
};

static int
span_sink(void *arg, const void *buf, size_t len)
{
    struct span *sp = arg;
    if (len > sp->len - sp->got) /* more than asked for: keep what fits */
        len = sp->len - sp->got;
    memcpy(sp->buf + sp->got, buf, len);
    sp->got += len;
    return 0;
}

int
cs_store_read_at(const cs_store_t *s, const char *sha256, uint64_t off, void *buf, size_t len,
                 size_t *got)
{
    int fd = -1, rc;
    *got = 0;
    if (len == 0)
        return cs_sha256_hex_valid(sha256) ? 0 : CS_EINVAL;
    if ((rc = cs_store_open_local(s, sha256, &fd)) == 0) {
        ssize_t n = cs_pread_upto(fd, buf, len, (int64_t)off);
        close(fd);
        if (n < 0) {
            cs_diag_set("store %s: cannot read object %.12s; check the disk", s->root, sha256);
            return (int)n;
        }
        *got = (size_t)n;
        return 0;
    }
    if (rc != CS_ENOTFOUND || s->remote == NULL)
        return rc;
    cs_diag_clear();
    struct span sp = {.buf = buf, .len = len};
    if ((rc = cs_remote_get(s->remote, sha256, off, len, span_sink, &sp)) == 0)
        *got = sp.got;
    return rc;
}

int
cs_store_get_remote(const cs_store_t *s, const char *sha256, uint64_t off, uint64_t len,
                    int (*sink)(void *arg, const void *buf, size_t len), void *arg)
{
    if (!cs_sha256_hex_valid(sha256))
        return CS_EINVAL;
    if (s->remote == NULL) {
        cs_diag_set("store %s has no object store to read %.12s from", s->root, sha256);
        return CS_ENOTFOUND;
    }
    return cs_remote_get(s->remote, sha256, off, len, sink, arg);
}

/* ---- sending to the object store ------------------------------------------------------ */

void
cs_store_lock_puts(cs_store_t *s, int lock)
{
    s->unlocked = !lock;
}

int
cs_store_push_fd(cs_store_t *s, const char *sha256, int fd, uint64_t size, int lock, int *sent)
{
    cs_store_info_t info;
    int rc;
    *sent = 0;
    if (s->remote == NULL)
        return 0;
    rc = cs_remote_head(s->remote, sha256, &info);
    if (rc == 0 && info.size == size)
        return 0; /* named by its hash and whole: the same bytes */
    if (rc != 0 && rc != CS_ENOTFOUND)
        return rc;
    if ((rc = cs_remote_put(s->remote, sha256, fd, size, lock)) == 0)
        *sent = 1;
    return rc;
}

int
cs_store_push(cs_store_t *s, const char *sha256, int *sent)
{
    return cs_store_push_obj(s, sha256, 1, sent);
}

int
cs_store_push_obj(cs_store_t *s, const char *sha256, int lock, int *sent)
{
    char rel[80];
    struct stat st;
    int rc = cs_store_relpath(sha256, rel, sizeof rel);
    *sent = 0;
    if (rc != 0 || s->remote == NULL)
        return rc;
    int fd = openat(s->objects_fd, rel, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        rc = cs_err_from_errno(errno);
        cs_diag_set("object %s has no local copy in store %s to send", sha256, s->root);
        return rc == CS_ENOENT ? CS_ENOTFOUND : rc;
    }
    if (fstat(fd, &st) != 0)
        rc = cs_err_from_errno(errno);
    else
        rc = cs_store_push_fd(s, sha256, fd, (uint64_t)st.st_size, lock, sent);
    close(fd);
    return rc;
}

int
cs_store_prepare(cs_store_t *s)
{
    return s->remote != NULL ? cs_remote_ensure_bucket(s->remote) : 0;
}

int
cs_store_each_remote(cs_store_t *s, int (*fn)(void *arg, const char *sha256, uint64_t size),
                     void *arg)
{
    return s->remote != NULL ? cs_remote_each(s->remote, fn, arg) : 0;
}

static int
push_one(void *arg, const char *sha256, uint64_t size)
{
    void **a = arg;
    int sent = 0, rc = cs_store_push(a[0], sha256, &sent);
    (void)size;
    if (rc == 0 && sent)
        ++*(uint64_t *)a[1];
    return rc;
}

int
cs_store_push_all(cs_store_t *s, uint64_t *sent)
{
    uint64_t n = 0;
    void *a[2] = {s, &n};
    /* The bucket first (made when absent); uploads a crash left in progress are aborted. */
    int rc = cs_store_prepare(s);
    if (rc == 0 && s->remote != NULL)
        rc = cs_store_each_local(s, push_one, a);
    if (sent != NULL)
        *sent = n;
    return rc;
}

int
cs_store_remove_remote(const cs_store_t *s, const char *sha256)
{
    return s->remote != NULL ? cs_remote_delete(s->remote, sha256) : 0;
}

/* ---- verifying the object store's copy ------------------------------------------------ */

struct rehash {
    EVP_MD_CTX *md;
    cs_store_pace_t *pace;
    uint64_t bytes;
};

static int
rehash_sink(void *arg, const void *buf, size_t len)
{
    struct rehash *h = arg;
    if (EVP_DigestUpdate(h->md, buf, len) != 1)
        return CS_ECRYPTO;
    h->bytes += len;
    return cs_store_pace(h->pace, len);
}

int
cs_store_verify_remote(const cs_store_t *s, const char *sha256, char actual[CS_SHA256_HEX],
                       cs_store_pace_t *pace, uint64_t *bytes)
{
    struct rehash h = {.pace = pace};
    unsigned char digest[32];
    char hex[CS_SHA256_HEX];
    int rc;

    if (!cs_sha256_hex_valid(sha256))
        return CS_EINVAL;
    h.md = EVP_MD_CTX_new();
    if (h.md == NULL || EVP_DigestInit_ex(h.md, EVP_sha256(), NULL) != 1) {
        rc = CS_ECRYPTO;
        goto out;
    }
    if ((rc = cs_remote_get(s->remote, sha256, 0, 0, rehash_sink, &h)) != 0)
        goto out;
    if (EVP_DigestFinal_ex(h.md, digest, NULL) != 1) {
        rc = CS_ECRYPTO;
        goto out;
    }
    cs_hex(digest, 32, hex);
    if (actual != NULL)
        memcpy(actual, hex, CS_SHA256_HEX);
    if (strcmp(hex, sha256) != 0) {
        cs_diag_set("the object store's copy of %s does not match its hash (actual %s); "
                    "restore it from a backup",
                    sha256, hex);
        rc = CS_EMISMATCH;
        goto out;
    }
    cs_remote_readback_clear(s->remote, sha256, 0); /* read back: it waits no longer */
    /* A local copy is served to readers: one that no longer matches goes (it is only a copy;
     * the next read fetches a good one). */
    uint64_t size;
    if (local_size(s, sha256, &size) == 0) {
        cs_store_t local = *s;
        local.remote = NULL;
        char lhex[CS_SHA256_HEX];
        if (cs_store_verify_paced(&local, sha256, lhex, pace, NULL) == CS_EMISMATCH)
            cs_store_unlink_local(s, sha256);
        cs_diag_clear();
    }
out:
    if (bytes != NULL)
        *bytes = h.bytes;
    EVP_MD_CTX_free(h.md);
    return rc;
}

/* ---- what the store knows ------------------------------------------------------------- */

int
cs_store_info(cs_store_t *s, const char *sha256, cs_store_info_t *info)
{
    uint64_t size;
    int rc;
    memset(info, 0, sizeof *info);
    info->backend = cs_store_backend(s);
    if (!cs_sha256_hex_valid(sha256))
        return CS_EINVAL;
    info->local = local_size(s, sha256, &size) == 0;
    if (info->local)
        info->size = size;
    if (s->remote == NULL) {
        if (!info->local) {
            cs_diag_set("object %s is not in store %s", sha256, s->root);
            return CS_ENOTFOUND;
        }
        return 0;
    }
    int local = info->local;
    rc = cs_remote_head(s->remote, sha256, info);
    info->backend = "s3";
    info->local = local;
    return rc;
}

int
cs_store_health(cs_store_t *s, cs_store_health_t *h)
{
    memset(h, 0, sizeof *h);
    h->backend = cs_store_backend(s);
    if (s->remote == NULL) {
        h->ok = 1;
        snprintf(h->detail, sizeof h->detail, "%.200s", s->root);
        return 0;
    }
    cs_remote_health(s->remote, h);
    h->backend = "s3";
    return 0;
}

/* ---- the local copies ----------------------------------------------------------------- */

int
cs_store_each_local(cs_store_t *s, int (*fn)(void *arg, const char *sha256, uint64_t size),
                    void *arg)
{
    int rc = 0;
    for (int a = 0; a < 256 && rc == 0; a++) {
        char aa[3] = {"0123456789abcdef"[a >> 4], "0123456789abcdef"[a & 15], '\0'};
        int afd = openat(s->objects_fd, aa, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (afd < 0)
            continue;
        DIR *ad = fdopendir(afd);
        if (ad == NULL) {
            close(afd);
            continue;
        }
        struct dirent *be;
        while (rc == 0 && (be = readdir(ad)) != NULL) {
            if (strlen(be->d_name) != 2 || be->d_name[0] == '.')
                continue;
            int bfd = openat(dirfd(ad), be->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            if (bfd < 0)
                continue;
            DIR *bd = fdopendir(bfd);
            if (bd == NULL) {
                close(bfd);
                continue;
            }
            struct dirent *oe;
            struct stat st;
            while (rc == 0 && (oe = readdir(bd)) != NULL) {
                if (!cs_sha256_hex_valid(oe->d_name) ||
                    fstatat(dirfd(bd), oe->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
                    !S_ISREG(st.st_mode))
                    continue;
                rc = fn(arg, oe->d_name, (uint64_t)st.st_size);
            }
            closedir(bd);
        }
        closedir(ad);
    }
    return rc;
}

struct copy_row {
    char sha256[CS_SHA256_HEX];
    uint64_t size;
    int64_t used; /* the latest of atime, mtime and ctime, in seconds */
};

struct copies {
    cs_store_t *s;
    struct copy_row *rows;
    size_t n, cap;
    uint64_t total;
};

static int
collect(void *arg, const char *sha256, uint64_t size)
{
    struct copies *c = arg;
    char rel[80];
    struct stat st;
    if (cs_store_relpath(sha256, rel, sizeof rel) != 0 ||
        fstatat(c->s->objects_fd, rel, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return 0;
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 256;
        struct copy_row *r = realloc(c->rows, cap * sizeof *r);
        if (r == NULL)
            return CS_ENOMEM;
        c->rows = r;
        c->cap = cap;
    }
    struct copy_row *r = &c->rows[c->n++];
    memcpy(r->sha256, sha256, CS_SHA256_HEX);
    r->size = size;
    r->used = st.st_atime;
    if (st.st_mtime > r->used)
        r->used = st.st_mtime;
    if (st.st_ctime > r->used)
        r->used = st.st_ctime;
    c->total += size;
    return 0;
}

static int
by_use(const void *a, const void *b)
{
    const struct copy_row *x = a, *y = b;
    return (x->used > y->used) - (x->used < y->used);
}

int
cs_store_trim(cs_store_t *s, uint64_t max_bytes, unsigned grace_s, uint64_t *removed)
{
    struct copies c = {.s = s};
    uint64_t gone = 0;
    int rc = 0;
    if (removed != NULL)
        *removed = 0;
    if (s->remote == NULL)
        return 0;
    if (max_bytes == CS_STORE_TRIM_CONFIGURED)
        max_bytes = s->cache_bytes;
    if ((rc = cs_store_each_local(s, collect, &c)) != 0 || c.total <= max_bytes)
        goto out;
    qsort(c.rows, c.n, sizeof *c.rows, by_use);
    int64_t now = (int64_t)time(NULL);
    for (size_t i = 0; i < c.n && c.total - gone > max_bytes; i++) {
        cs_store_info_t info;
        if (c.rows[i].used > now - (int64_t)grace_s)
            break; /* in use: a worker may be about to read it */
        /* Sent unchecked (store.s3_put_check = readback): read back now; the local copy is
         * the only one known good until the object store's bytes match. */
        if (cs_remote_readback_waits(s->remote, c.rows[i].sha256) &&
            cs_store_verify_remote(s, c.rows[i].sha256, NULL, NULL, NULL) != 0) {
            cs_diag_clear();
            continue; /* differs (the scrub's read-back sends it again) or no answer: kept */
        }
        rc = cs_remote_head(s->remote, c.rows[i].sha256, &info);
        if (rc == CS_ENOTFOUND || (rc == 0 && info.size != c.rows[i].size)) {
            rc = 0; /* not in the object store whole: the only copy stays */
            continue;
        }
        if (rc != 0)
            goto out; /* the object store does not answer: keep everything */
        if (cs_store_unlink_local(s, c.rows[i].sha256) == 0)
            gone += c.rows[i].size;
    }
out:
    if (removed != NULL)
        *removed = gone;
    free(c.rows);
    return rc;
}
