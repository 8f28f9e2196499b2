/* storage/store_put.c: cs_store_put_file, the one way bytes enter the store.
 *
 * The source is read once, into the ring's slots (store_hash.c); each slot is hashed and
 * written to a temporary file inside the store at once (store_write.c), so the name we give
 * the object is the hash of exactly the bytes we wrote.
 */
#include "storage/store.h"
#include "storage/store_internal.h"

#include "core/buf.h"
#include "core/error.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/fs.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* One put in progress; every fd is -1 until opened, so `out:` knows what to undo. */
struct put {
    cs_store_t *s;
    const char *src;
    int src_fd;
    int tmp_fd;
    char tmp_name[48]; /* named temp under tmp/; "" for an O_TMPFILE or once renamed away */
    struct stat before;
    uint64_t total;      /* bytes read from the source */
    cs_store_writer_t w; /* the temp's writes (store_write.c) */
    int cloned;          /* the temp is a reflink of the source: hash only, write nothing */
    int keep_cache;      /* s3: the temp's pages stay cached until its PUT has read them */
};

/* Sets the detail for a failed open or read of the source; returns the code. */
static int
source_error(const struct put *p, int e)
{
    int rc = cs_err_from_errno(e);
    if (rc == CS_ENOENT)
        cs_diag_set("%s: no such file; check the path (it may have been moved or deleted)", p->src);
    else if (rc == CS_EACCES)
        cs_diag_set("%s: permission denied; let the custody service user read it", p->src);
    else if (rc == CS_ELOOP)
        cs_diag_set("%s: too many levels of symbolic links; point the link at the file itself",
                    p->src);
    else
        cs_diag_set("cannot read %s (%s); check the disk it is on", p->src, strerror(e));
    return rc;
}

/* Sets the detail for a failed write, sync or link inside the store; returns the code. */
static int
store_error(const struct put *p, const char *what, int e)
{
    return cs_store_error(p->s, p->src, what, e);
}

/* Says how the source differs from what we saw at open; returns CS_ECHANGED. */
static int
changed(const struct put *p, const struct stat *now)
{
    char how[96];
    int n;
    if (now->st_size != p->before.st_size)
        n = snprintf(how, sizeof how, "size %jd -> %jd", (intmax_t)p->before.st_size,
                     (intmax_t)now->st_size);
    else if (p->total != (uint64_t)p->before.st_size)
        n = snprintf(how, sizeof how, "read %" PRIu64 " of %jd bytes", p->total,
                     (intmax_t)p->before.st_size);
    else
        n = snprintf(how, sizeof how, "modified, size %jd unchanged", (intmax_t)now->st_size);
    if (n < 0 || (size_t)n >= sizeof how)
        how[0] = '\0';
    cs_diag_set("%s changed while it was being stored (%s); wait until it is fully written and "
                "try again",
                p->src, how);
    return CS_ECHANGED;
}

static int
same_time(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

/* Compares the source now with the source at open; the bytes we hashed must be all of it. */
static int
check_unchanged(const struct put *p)
{
    struct stat now;
    if (fstat(p->src_fd, &now) != 0)
        return source_error(p, errno);
    if (now.st_size != p->before.st_size || p->total != (uint64_t)p->before.st_size ||
        !same_time(&now.st_mtim, &p->before.st_mtim) ||
        !same_time(&now.st_ctim, &p->before.st_ctim))
        return changed(p, &now);
    return 0;
}

static int
open_source(struct put *p)
{
    /* O_NONBLOCK: opening a FIFO must not wait for a writer (it is cleared below for files).
     * O_NOATIME: reading evidence should not even touch its access time; only its owner or
     * root may ask for that, so retry without it. */
    int flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOATIME;
    p->src_fd = open(p->src, flags);
    if (p->src_fd < 0 && errno == EPERM)
        p->src_fd = open(p->src, flags & ~O_NOATIME);
    if (p->src_fd < 0 || fstat(p->src_fd, &p->before) != 0)
        return source_error(p, errno);
    if (S_ISDIR(p->before.st_mode)) {
        cs_diag_set("%s is a folder; store the files inside it one by one", p->src);
        return CS_EISDIR;
    }
    if (!S_ISREG(p->before.st_mode)) {
        cs_diag_set("%s is not a regular file (a pipe, socket or device); copy it into a file "
                    "first",
                    p->src);
        return CS_ENOTREG;
    }
    if (p->before.st_size == 0) {
        cs_diag_set("%s is empty; wait until it is fully written, or remove it", p->src);
        return CS_EEMPTY;
    }
    int fl = fcntl(p->src_fd, F_GETFL);
    if (fl == -1 || fcntl(p->src_fd, F_SETFL, fl & ~O_NONBLOCK) == -1)
        return source_error(p, errno);
    return 0;
}

/* Makes the temp inside the store: an O_TMPFILE has no name until it is whole, so a crash
 * leaves nothing behind; where that is not supported, a named temp that open() cleans up. */
static int
open_temp(struct put *p)
{
    cs_store_t *s = p->s;
    if (s->tmpfile_ok) {
        /* Read as well as written: an s3 put sends the object from it. */
        p->tmp_fd = openat(s->tmp_fd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
        if (p->tmp_fd >= 0)
            return 0;
        if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
            return store_error(p, "creating a temporary file", errno);
        s->tmpfile_ok = 0; /* this kernel or filesystem has none: stop asking */
    }
    for (int tries = 0; tries < 16; tries++) {
        uint64_t r = 0;
        if (getrandom(&r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r)
            r = ((uint64_t)time(NULL) << 20) ^ (uint64_t)(uintptr_t)p ^ (uint64_t)tries;
        int n = snprintf(p->tmp_name, sizeof p->tmp_name, "put.%ld.%016" PRIx64, (long)getpid(), r);
        if (n < 0 || (size_t)n >= sizeof p->tmp_name) {
            p->tmp_name[0] = '\0';
            return CS_ENAMETOOLONG;
        }
        p->tmp_fd = openat(s->tmp_fd, p->tmp_name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (p->tmp_fd >= 0)
            return 0;
        p->tmp_name[0] = '\0'; /* not ours: `out:` must not unlink it */
        if (errno != EEXIST)
            return store_error(p, "creating a temporary file", errno);
    }
    return store_error(p, "creating a temporary file", EEXIST);
}

/* Reads until buf is full or the source ends; EINTR is retried. Returns 0 or -1 with errno. */
static int
read_full(int fd, unsigned char *buf, size_t len, size_t *got)
{
    *got = 0;
    while (*got < len) {
        ssize_t n = read(fd, buf + *got, len - *got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        *got += (size_t)n;
    }
    return 0;
}

/* Reads the source once, slot by slot, into the ring: the hasher and the writer take each
 * slot while the next ones are read. */
static int
copy_and_hash(struct put *p, cs_store_ring_t *r, cs_put_result_t *res)
{
    int rc;

    posix_fadvise(p->src_fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    for (;;) {
        unsigned char *buf = cs_store_ring_slot(r, &rc);
        size_t n;
        if (buf == NULL)
            return rc;
        if (read_full(p->src_fd, buf, r->slot_size, &n) != 0)
            return source_error(p, errno);
        if (n == 0)
            return 0;
        if (p->total + n > (uint64_t)p->before.st_size) {
            /* Growing while we read: stop now rather than chase a writer. */
            struct stat now;
            if (fstat(p->src_fd, &now) != 0)
                return source_error(p, errno);
            return changed(p, &now);
        }
        if (res->head_len < sizeof res->head) {
            size_t want = sizeof res->head - res->head_len;
            want = want < n ? want : n;
            memcpy(res->head + res->head_len, buf, want);
            res->head_len += want;
        }
        if ((rc = cs_store_ring_push(r, n, (off_t)p->total)) != 0)
            return rc;
        p->total += n;
    }
}

/* fsync, retried when a signal interrupts it (EINTR: nothing was reported about the data). */
static int
fsync_retry(int fd)
{
    int r;
    while ((r = fsync(fd)) != 0 && errno == EINTR)
        ;
    return r;
}

/* Gives the temp its full length (trailing zeros were skipped), mode 0444, and makes it
 * durable before it gets a name. */
static int
finish_temp(struct put *p)
{
    if (p->w.data_end < (off_t)p->total && ftruncate(p->tmp_fd, (off_t)p->total) != 0)
        return store_error(p, "ftruncate", errno);
    if (fchmod(p->tmp_fd, 0444) != 0)
        return store_error(p, "fchmod", errno);
    if (fsync_retry(p->tmp_fd) != 0)
        return store_error(p, "fsync", errno);
    /* Clean now: dropping the pages keeps a large ingest from flushing everyone's cache. */
    if (!p->keep_cache)
        posix_fadvise(p->tmp_fd, 0, 0, POSIX_FADV_DONTNEED);
    return 0;
}

/* The object's two fan-out folders, <aa> and <bb>, and whether this put made each. */
struct fanout {
    int dir[2];
    int made[2];
};

/* Opens objects/sha256/<aa>/<bb>, making either folder if needed. */
static int
open_fanout(const struct put *p, const char *hex, struct fanout *f)
{
    int parent = p->s->objects_fd;
    for (int level = 0; level < 2; level++) {
        char name[3] = {hex[2 * level], hex[2 * level + 1], '\0'};
        f->made[level] = mkdirat(parent, name, CS_STORE_DIR_MODE) == 0;
        if (!f->made[level] && errno != EEXIST)
            return store_error(p, "making a folder", errno);
        f->dir[level] = openat(parent, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (f->dir[level] < 0)
            return store_error(p, "opening a folder", errno);
        parent = f->dir[level];
    }
    return 0;
}

/* Links or renames the temp to <bb>/<hex>; *created is 0 if that name was already taken. */
static int
link_object(struct put *p, int bb_fd, const char *hex, int *created)
{
    struct stat st;
    if (p->tmp_name[0] == '\0') {
        char proc[64];
        int n = snprintf(proc, sizeof proc, "/proc/self/fd/%d", p->tmp_fd);
        if (n < 0 || (size_t)n >= sizeof proc)
            return CS_ENAMETOOLONG;
        if (linkat(AT_FDCWD, proc, bb_fd, hex, AT_SYMLINK_FOLLOW) == 0)
            *created = 1;
        else if (errno != EEXIST)
            return store_error(p, "linkat", errno);
        return 0;
    }
    if (fstatat(bb_fd, hex, &st, AT_SYMLINK_NOFOLLOW) == 0)
        return 0;
    if (errno != ENOENT)
        return store_error(p, "stat of the object", errno);
    /* NOREPLACE: a put racing us must not have its object swapped under a reader. */
    int r = renameat2(p->s->tmp_fd, p->tmp_name, bb_fd, hex, RENAME_NOREPLACE);
    if (r != 0 && (errno == EINVAL || errno == ENOSYS))
        r = renameat(p->s->tmp_fd, p->tmp_name, bb_fd, hex);
    if (r == 0) {
        *created = 1;
        p->tmp_name[0] = '\0';
    } else if (errno != EEXIST) {
        return store_error(p, "rename", errno);
    }
    return 0;
}

/* Gives the temp its final name and makes the name durable. An object already there has the
 * same bytes (it is named by them): keep it, and let `out:` discard the temp. */
static int
publish(struct put *p, const char *hex, int *created)
{
    struct fanout f = {.dir = {-1, -1}};
    struct stat st;
    int rc;

    *created = 0;
    if ((rc = open_fanout(p, hex, &f)) != 0 || (rc = link_object(p, f.dir[1], hex, created)) != 0)
        goto out;
    if (!*created && (fstatat(f.dir[1], hex, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
                      !S_ISREG(st.st_mode) || (uint64_t)st.st_size != p->total)) {
        cs_diag_set("store %s: object %s exists but is not %" PRIu64 " bytes; run a fixity "
                    "check",
                    p->s->root, hex, p->total);
        rc = CS_ECORRUPT;
        goto out;
    }
    /* The object's folder even when the object was there: its put may not have synced yet.
     * Innermost first: on a journalling filesystem that one commit carries the new folders
     * too, and their parents' fsyncs find nothing left to write. */
    if (fsync_retry(f.dir[1]) != 0 || (f.made[1] && fsync_retry(f.dir[0]) != 0) ||
        (f.made[0] && fsync_retry(p->s->objects_fd) != 0))
        rc = store_error(p, "fsync of a folder", errno);
out:
    if (rc != 0 && *created) { /* an object we cannot vouch for must not stay visible */
        unlinkat(f.dir[1], hex, 0);
        *created = 0;
    }
    for (int level = 0; level < 2; level++)
        if (f.dir[level] != -1)
            close(f.dir[level]);
    return rc;
}

int
cs_store_publish_fd(cs_store_t *s, int fd, const char *sha256, uint64_t size, int *created)
{
    char what[80];
    snprintf(what, sizeof what, "object %.64s", sha256); /* fits: 7 + 64 < 80 */
    struct put p = {.s = s, .src = what, .src_fd = -1, .tmp_fd = fd, .total = size};
    return publish(&p, sha256, created);
}

/* With the s3 backend: the object just published locally goes to the object store before the
 * put returns, so nothing is recorded that only this machine holds. If it cannot, a local
 * object this put made is taken back: the put failed as a whole. *created becomes whether
 * the object store's copy is new. */
static int
push_published(struct put *p, const char *hex, int *created)
{
    int sent = 0, rc;
    if (p->s->remote == NULL)
        return 0;
    rc = cs_store_push_obj(p->s, hex, !p->s->unlocked, &sent); /* from the object as named */
    if (rc != 0) {
        if (*created)
            cs_store_unlink_local(p->s, hex);
        *created = 0;
        return rc;
    }
    *created = sent;
    return 0;
}

/* s3, the local half of a put: the temp made durable and named, on a thread of its own while
 * the object goes up. */
struct local_half {
    struct put *p;
    const char *hex;
    int created, rc;
    char diag[1024]; /* its detail (cs_diag is per thread) */
};

static void *
local_half_run(void *arg)
{
    struct local_half *l = arg;
    if ((l->rc = finish_temp(l->p)) == 0)
        l->rc = publish(l->p, l->hex, &l->created);
    if (l->rc != 0)
        snprintf(l->diag, sizeof l->diag, "%s", cs_diag());
    return NULL;
}

/* s3: the object goes to the object store from the temp (its pages still cached: the bytes
 * hashed, read once from the source) while the local copy is fsynced and named beside; the
 * put returns once both are done, so the catalog commit that follows finds the object durable
 * in the object store and a local copy on disk. A PUT that fails takes back a local object
 * this put made; a PUT that succeeded beside a local copy that failed leaves an object the
 * catalog does not name, which a new put of the same bytes finds whole and does not send
 * again. *created becomes whether the object store's copy is new. */
static int
publish_and_push(struct put *p, const char *hex, int *created)
{
    struct local_half l = {.p = p, .hex = hex};
    pthread_t t;
    int sent = 0, rc, threaded = pthread_create(&t, NULL, local_half_run, &l) == 0;
    char diag[1024] = "";

    if (!threaded)
        local_half_run(&l);
    if (threaded || l.rc == 0) {
        rc = cs_store_push_fd(p->s, hex, p->tmp_fd, p->total, !p->s->unlocked, &sent);
        if (rc != 0)
            snprintf(diag, sizeof diag, "%s", cs_diag());
    } else {
        rc = l.rc;
    }
    if (threaded)
        pthread_join(t, NULL);
    posix_fadvise(p->tmp_fd, 0, 0, POSIX_FADV_DONTNEED); /* sent: let the pages go */
    *created = 0;
    if (l.rc != 0) {
        cs_diag_set("%s", l.diag);
        return l.rc; /* publish took back what it made */
    }
    if (rc != 0) {
        if (l.created)
            cs_store_unlink_local(p->s, hex);
        cs_diag_set("%s", diag);
        return rc;
    }
    *created = sent;
    return 0;
}

/* The ring's writes go O_DIRECT only from memory aligned to the disk's blocks. cs_store_open
 * allocates it so; a handle that brought its own buffer (a put made ahead: store_prefetch.c)
 * gets an aligned one of the same size here, freed the same way. */
static void
align_buffer(cs_store_t *s)
{
    void *b = NULL;
    if (s->remote != NULL || (uintptr_t)s->buf % 4096 == 0)
        return;
    if (posix_memalign(&b, 4096, 2 * s->buf_size) != 0)
        return; /* through the page cache, as before */
    free(s->buf);
    s->buf = b;
}

int
cs_store_put_file(cs_store_t *s, const char *src_path, cs_put_result_t *res)
{
    struct put p = {
        .s = s, .src = src_path, .src_fd = -1, .tmp_fd = -1, .keep_cache = s->remote != NULL};
    cs_store_ring_t ring = {0};
    unsigned char digest[32];
    char hex[CS_SHA256_HEX];
    int rc, created = 0;

    memset(res, 0, sizeof *res);
    if (s->pf != NULL && (rc = cs_store_prefetch_take(s, src_path, res)) != CS_ENOTFOUND) {
        cs_store_prefetch_go(s); /* made ahead (store_prefetch.c): the next one may start */
        return rc;
    }
    if ((rc = open_source(&p)) != 0 || (rc = open_temp(&p)) != 0)
        goto out;
    /* A reflink shares the source's blocks copy-on-write: no bytes to write, and the source is
     * still unchanged. We hash by reading the source, as without one. */
    p.cloned = ioctl(p.tmp_fd, FICLONE, p.src_fd) == 0;
    size_t slot = 2 * s->buf_size / CS_STORE_SLOTS;
    align_buffer(s);
    /* A file of one slot has nothing to overlap: no threads, and its few pages go through
     * the cache to the one fsync (O_DIRECT would cost it a round trip to the disk more). The
     * temp is made durable while the hasher may still be on the last slots (with s3, while the
     * object goes up: publish_and_push). */
    int several = (uint64_t)p.before.st_size > slot;
    cs_store_writer_init(&p.w, s, src_path, p.tmp_fd, p.keep_cache || p.cloned || !several, slot);
    if ((rc = cs_store_ring_start(&ring, s->md, s->buf, slot, p.cloned ? NULL : cs_store_write,
                                  &p.w, several)) != 0 ||
        (rc = copy_and_hash(&p, &ring, res)) != 0 || (rc = cs_store_ring_written(&ring)) != 0 ||
        (rc = check_unchanged(&p)) != 0 || (s->remote == NULL && (rc = finish_temp(&p)) != 0) ||
        (rc = cs_store_ring_finish(&ring, digest)) != 0)
        goto out;
    cs_hex(digest, 32, hex);
    cs_store_prefetch_go(s); /* read and hashed: the puts asked ahead may start beside this one */
    rc = s->remote != NULL ? publish_and_push(&p, hex, &created) : publish(&p, hex, &created);
    if (rc != 0)
        goto out;
    memcpy(res->sha256, hex, sizeof hex);
    res->size = p.total;
    res->created = created;
    res->mtime_ns = (int64_t)p.before.st_mtim.tv_sec * 1000000000 + p.before.st_mtim.tv_nsec;
out:
    cs_store_ring_abort(&ring); /* before the buffers and the temp it uses are let go */
    if (p.w.direct_refused)
        s->direct_off = 1;
    if (rc != 0)
        memset(res, 0, sizeof *res);
    if (p.tmp_name[0] != '\0')
        unlinkat(s->tmp_fd, p.tmp_name, 0);
    if (p.tmp_fd != -1)
        close(p.tmp_fd);
    if (p.src_fd != -1)
        close(p.src_fd);
    return rc;
}

int
cs_store_hash_fd(cs_store_t *s, int fd, const char *name, cs_put_result_t *res)
{
    /* `cloned` makes copy_and_hash read and hash only: the bytes stay where they are. */
    struct put p = {.s = s, .src = name, .src_fd = fd, .tmp_fd = -1, .cloned = 1};
    cs_store_ring_t ring = {0};
    size_t slot = 2 * s->buf_size / CS_STORE_SLOTS;
    unsigned char digest[32];
    int rc;

    memset(res, 0, sizeof *res);
    if (fstat(fd, &p.before) != 0)
        return source_error(&p, errno);
    if (!S_ISREG(p.before.st_mode)) {
        cs_diag_set("%s is not a regular file", name);
        return CS_ENOTREG;
    }
    if (p.before.st_size == 0) {
        cs_diag_set("%s is empty; wait until it is fully written, or remove it", name);
        return CS_EEMPTY;
    }
    if (lseek(fd, 0, SEEK_SET) != 0)
        return source_error(&p, errno);
    if ((rc = cs_store_ring_start(&ring, s->md, s->buf, slot, NULL, NULL,
                                  (uint64_t)p.before.st_size > slot)) != 0 ||
        (rc = copy_and_hash(&p, &ring, res)) != 0 || (rc = check_unchanged(&p)) != 0 ||
        (rc = cs_store_ring_finish(&ring, digest)) != 0)
        goto out;
    cs_hex(digest, 32, res->sha256);
    res->size = p.total;
    res->mtime_ns = (int64_t)p.before.st_mtim.tv_sec * 1000000000 + p.before.st_mtim.tv_nsec;
out:
    cs_store_ring_abort(&ring);
    if (rc != 0)
        memset(res, 0, sizeof *res);
    return rc;
}

/* Only a file that is the service's alone may become evidence as it is: with another name
 * (a hard link from elsewhere) or another owner, someone else could make it writable again
 * and change the stored bytes. Such a file is copied instead. */
static int
adoptable(const struct stat *st)
{
    return S_ISREG(st->st_mode) && st->st_nlink <= 1 && st->st_uid == geteuid();
}

int
cs_store_adopt_fd(cs_store_t *s, int fd, const char *sha256, int leased, int *created)
{
    /* Named by its hash in messages: it may be an upload or a derivative copy. */
    char what[80];
    struct put p = {.s = s, .src = what, .src_fd = -1, .tmp_fd = fd};
    struct stat st, now;
    int rc;

    *created = 0;
    if (!cs_sha256_hex_valid(sha256))
        return CS_EINVAL;
    snprintf(what, sizeof what, "object %s", sha256); /* fits: 7 + 64 checked hex < 80 */
    if (fstat(fd, &st) != 0)
        return store_error(&p, "fstat", errno);
    if (!adoptable(&st))
        return CS_EXDEV; /* not ours alone: its mode is not touched, the caller copies */
    p.total = (uint64_t)st.st_size;
    /* The upload becomes the object: read-only and durable before it is named by its hash. */
    if (fchmod(fd, 0444) != 0 || fsync_retry(fd) != 0 || fstat(fd, &now) != 0) {
        rc = store_error(&p, "making it read-only and durable", errno);
        goto out;
    }
    /* Read-only now, so no new writer gets in; look again for one that came before. A second
     * name made meanwhile: copy. A broken lease: a writer is waiting to open it, and would
     * write into the object once the lease is gone. */
    if (!adoptable(&now)) {
        rc = CS_EXDEV;
        goto out;
    }
    if (leased && fcntl(fd, F_GETLEASE) != F_RDLCK) {
        cs_diag_set("%s: opened for writing while it was being stored; it was not stored", what);
        rc = CS_ECHANGED;
        goto out;
    }
    rc = publish(&p, sha256, created);
    if (rc == CS_EXDEV || rc == CS_EACCES) {
        /* Another file system, or a kernel that refuses to link another user's file
         * (protected_hardlinks): the caller copies instead. */
        cs_diag_clear();
        rc = CS_EXDEV;
    }
    if (rc == 0)
        rc = push_published(&p, sha256, created);
out:
    if (rc != 0)
        fchmod(fd, st.st_mode & 07777); /* not the object: the file is as it was */
    return rc;
}
