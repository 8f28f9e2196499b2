/* storage/store.c: opening the store, finding objects and re-hashing them.
 *
 * Putting a file is in store_put.c; what both share is in store_internal.h.
 */
#include "storage/store.h"
#include "storage/store_internal.h"
#include "storage/store_remote.h"

#include "core/config.h"

#include "core/error.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CS_STORE_DEFAULT_BUF ((size_t)1 << 20)
#define CS_STORE_MIN_BUF ((size_t)4096)
#define CS_STORE_MAX_BUF ((size_t)256 << 20)

static const char hexdigits[] = "0123456789abcdef";

int
cs_sha256_hex_valid(const char *hex)
{
    if (hex == NULL)
        return 0;
    /* The NUL of a short string is not a hex digit, so the loop never reads past it. */
    for (size_t i = 0; i < 64; i++)
        if (!((hex[i] >= '0' && hex[i] <= '9') || (hex[i] >= 'a' && hex[i] <= 'f')))
            return 0;
    return hex[64] == '\0';
}

int
cs_store_relpath(const char *sha256, char *buf, size_t len)
{
    if (!cs_sha256_hex_valid(sha256)) {
        cs_diag_set("'%.80s' is not a SHA-256 (64 lower-case hex digits); check the hash", sha256);
        return CS_EINVAL;
    }
    int n = snprintf(buf, len, "%.2s/%.2s/%s", sha256, sha256 + 2, sha256);
    if (n < 0 || (size_t)n >= len)
        return CS_ENAMETOOLONG;
    return 0;
}

int
cs_store_path(const cs_store_t *s, const char *sha256, char *buf, size_t len)
{
    if (!cs_sha256_hex_valid(sha256)) {
        cs_diag_set("'%.80s' is not a SHA-256 (64 lower-case hex digits); check the hash", sha256);
        return CS_EINVAL;
    }
    int n =
        snprintf(buf, len, "%s/objects/sha256/%.2s/%.2s/%s", s->root, sha256, sha256 + 2, sha256);
    if (n < 0 || (size_t)n >= len) {
        cs_diag_set("store %s: the object path does not fit in %zu bytes; use a shorter root",
                    s->root, len);
        return CS_ENAMETOOLONG;
    }
    return 0;
}

/* Makes dirfd/name unless it exists; *made says whether this call made it, so that only a
 * new folder costs its parent an fsync. Returns 0 or -1 with errno. */
static int
make_dir(int dirfd, const char *name, int *made)
{
    *made = 0;
    if (mkdirat(dirfd, name, CS_STORE_DIR_MODE) == 0) {
        *made = 1;
        return 0;
    }
    return errno == EEXIST ? 0 : -1;
}

/* fsyncs the folder holding `path`, so that a folder just made there survives a crash. */
static int
fsync_parent(const char *path)
{
    char parent[PATH_MAX];
    int n = snprintf(parent, sizeof parent, "%s", path);
    if (n < 0 || (size_t)n >= sizeof parent) {
        errno = ENAMETOOLONG;
        return -1;
    }
    /* "a/b/" names b, whose parent is a. */
    while (n > 1 && parent[n - 1] == '/')
        parent[--n] = '\0';
    char *slash = strrchr(parent, '/');
    if (slash == NULL)
        snprintf(parent, sizeof parent, "."); /* fits: 2 bytes in PATH_MAX */
    else if (slash == parent)
        parent[1] = '\0';
    else
        *slash = '\0';
    int fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    int e = errno;
    close(fd);
    errno = e;
    return rc;
}

/* Makes objects/, objects/sha256/ and tmp/ under the root, fsyncing each parent that gained
 * a folder. Returns 0 or -1 with errno; *what names the step for the detail. */
static int
make_layout(int root_fd, const char **what)
{
    int made, root_dirty = 0, objdir = -1, rc = -1;

    *what = "objects";
    if (make_dir(root_fd, "objects", &made) != 0)
        goto out;
    root_dirty |= made;
    objdir = openat(root_fd, "objects", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (objdir < 0)
        goto out;
    *what = "objects/sha256";
    if (make_dir(objdir, "sha256", &made) != 0 || (made && fsync(objdir) != 0))
        goto out;
    /* The 256 first-level fan-out folders up front: a put then makes at most one folder, and
     * syncs one parent fewer. */
    int shadir = openat(objdir, "sha256", O_RDONLY | O_DIRECTORY | O_CLOEXEC), fan_dirty = 0;
    if (shadir < 0)
        goto out;
    for (int i = 0; i < 256; i++) {
        char name[3] = {"0123456789abcdef"[i >> 4], "0123456789abcdef"[i & 15], '\0'};
        if (make_dir(shadir, name, &made) != 0) {
            close(shadir);
            goto out;
        }
        fan_dirty |= made;
    }
    if (fan_dirty && fsync(shadir) != 0) {
        close(shadir);
        goto out;
    }
    close(shadir);
    *what = "tmp";
    if (make_dir(root_fd, "tmp", &made) != 0)
        goto out;
    root_dirty |= made;
    if (root_dirty && fsync(root_fd) != 0)
        goto out;
    rc = 0;
out:
    if (objdir != -1) {
        int e = errno;
        close(objdir);
        errno = e;
    }
    return rc;
}

/* Returns the pid in a named temp "put.<pid>.<16 hex>", or 0 if the name is not one. */
static pid_t
temp_owner(const char *name)
{
    if (strncmp(name, "put.", 4) != 0 || name[4] < '0' || name[4] > '9')
        return 0;
    char *end = NULL;
    errno = 0;
    long pid = strtol(name + 4, &end, 10);
    if (errno != 0 || *end != '.' || pid <= 0 || pid > INT_MAX)
        return 0;
    if (strspn(end + 1, hexdigits) != 16 || end[17] != '\0')
        return 0;
    return (pid_t)pid;
}

/* Removes named temps whose writer has died. Best effort: a temp left here costs only space,
 * and a store that cannot list tmp/ still fails visibly at its first put. */
static void
remove_stale_temps(cs_store_t *s)
{
    int fd = openat(s->tmp_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return;
    DIR *d = fdopendir(fd);
    if (d == NULL) {
        close(fd);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        pid_t pid = temp_owner(e->d_name);
        /* Only ESRCH proves the writer is gone; EPERM means alive under another user. */
        if (pid > 0 && pid != getpid() && kill(pid, 0) == -1 && errno == ESRCH)
            unlinkat(s->tmp_fd, e->d_name, 0);
    }
    closedir(d);
}

int
cs_store_open(cs_store_t **out, const char *root, int create, const cs_store_opts_t *opts)
{
    cs_store_t *s = NULL;
    int rc = 0, made_root = 0;

    *out = NULL;
    size_t bufsz =
        opts != NULL && opts->buffer_size != 0 ? opts->buffer_size : CS_STORE_DEFAULT_BUF;
    if (root == NULL || *root == '\0' || bufsz < CS_STORE_MIN_BUF || bufsz > CS_STORE_MAX_BUF) {
        cs_diag_set("store: need a root folder and a buffer of %zu to %zu bytes (got %zu)",
                    CS_STORE_MIN_BUF, CS_STORE_MAX_BUF, bufsz);
        return CS_EINVAL;
    }
    s = calloc(1, sizeof *s);
    if (s == NULL)
        return CS_ENOMEM;
    s->root_fd = s->objects_fd = s->tmp_fd = -1;
    s->root = strdup(root);
    /* The put's ring (CS_STORE_SLOTS slots); aligned, so that its writes can go O_DIRECT. */
    void *ring = NULL;
    if (posix_memalign(&ring, 4096, 2 * bufsz) != 0)
        ring = NULL;
    s->buf = ring;
    s->md = EVP_MD_CTX_new();
    if (s->root == NULL || s->buf == NULL || s->md == NULL) {
        rc = CS_ENOMEM;
        goto out;
    }
    s->buf_size = bufsz;

    if (create) {
        if (mkdir(root, CS_STORE_DIR_MODE) == 0)
            made_root = 1;
        else if (errno != EEXIST) {
            rc = cs_err_from_errno(errno);
            cs_diag_set("store %s: cannot make the folder (%s); check that its parent exists "
                        "and is writable",
                        root, strerror(errno));
            goto out;
        }
        if (made_root && fsync_parent(root) != 0) {
            rc = cs_err_from_errno(errno);
            cs_diag_set("store %s: cannot fsync its parent folder (%s); check the disk", root,
                        strerror(errno));
            goto out;
        }
    }
    s->root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (s->root_fd < 0) {
        rc = cs_err_from_errno(errno);
        if (rc == CS_ENOENT)
            cs_diag_set("store %s does not exist; run `custody init` or check the path", root);
        else
            cs_diag_set("store %s: cannot open (%s); check the path and its permissions", root,
                        strerror(errno));
        goto out;
    }
    const char *what = "";
    if (create && make_layout(s->root_fd, &what) != 0) {
        rc = cs_err_from_errno(errno);
        cs_diag_set("store %s: cannot make %s (%s); check permissions and free space", root, what,
                    strerror(errno));
        goto out;
    }
    s->objects_fd = openat(s->root_fd, "objects/sha256", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    what = "objects/sha256";
    if (s->objects_fd >= 0) {
        s->tmp_fd = openat(s->root_fd, "tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        what = "tmp";
    }
    if (s->objects_fd < 0 || s->tmp_fd < 0) {
        rc = cs_err_from_errno(errno);
        cs_diag_set("store %s: cannot open %s (%s); is this a Custody store? run `custody init`",
                    root, what, strerror(errno));
        goto out;
    }
    /* linkat() of an O_TMPFILE goes through /proc/self/fd; without /proc use named temps. */
    s->tmpfile_ok = access("/proc/self/fd", X_OK) == 0;
    remove_stale_temps(s);
    /* The object store is not asked anything here: a gateway that is down fails the calls
     * that need it, not the opening (the service starts, and ingest waits). */
    if (opts != NULL && opts->cfg != NULL && opts->cfg->store_backend == CS_BACKEND_S3) {
        if ((rc = cs_remote_open(&s->remote, opts->cfg, s->tmp_fd)) != 0)
            goto out;
        s->cache_bytes = (uint64_t)opts->cfg->store_s3_cache_mb << 20;
    }
    *out = s;
    s = NULL;
out:
    cs_store_close(&s);
    return rc;
}

void
cs_store_close(cs_store_t **s)
{
    if (s == NULL || *s == NULL)
        return;
    cs_store_t *p = *s;
    cs_store_prefetch_stop(p); /* its helper uses the folders and the object store */
    cs_remote_close(&p->remote);
    if (p->tmp_fd != -1)
        close(p->tmp_fd);
    if (p->objects_fd != -1)
        close(p->objects_fd);
    if (p->root_fd != -1)
        close(p->root_fd);
    EVP_MD_CTX_free(p->md);
    free(p->buf);
    free(p->root);
    free(p);
    *s = NULL;
}

/* Sets the detail for an object that is not there or cannot be opened; returns the code. */
static int
object_error(const cs_store_t *s, const char *sha256, int e)
{
    if (e == ENOENT) {
        cs_diag_set("object %s is not in store %s; check the hash", sha256, s->root);
        return CS_ENOTFOUND;
    }
    cs_diag_set("store %s: cannot open object %s (%s); check the store's permissions", s->root,
                sha256, strerror(e));
    return cs_err_from_errno(e);
}

int
cs_store_open_local(const cs_store_t *s, const char *sha256, int *fd)
{
    char rel[80];
    int rc = cs_store_relpath(sha256, rel, sizeof rel);
    if (rc != 0)
        return rc;
    /* O_NOFOLLOW: an object is a file the store wrote, never a link planted beside it. */
    *fd = openat(s->objects_fd, rel, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    return *fd < 0 ? object_error(s, sha256, errno) : 0;
}

int
cs_store_open_object(const cs_store_t *s, const char *sha256, int *fd)
{
    int rc = cs_store_open_local(s, sha256, fd);
    /* Not here: a local copy from the object store, then open that. */
    if (rc == CS_ENOTFOUND && s->remote != NULL && (rc = cs_store_fetch(s, sha256)) == 0)
        rc = cs_store_open_local(s, sha256, fd);
    return rc;
}

int
cs_store_stat(const cs_store_t *s, const char *sha256, uint64_t *size)
{
    char rel[80];
    struct stat st;
    int rc = cs_store_relpath(sha256, rel, sizeof rel);
    if (rc != 0)
        return rc;
    if (fstatat(s->objects_fd, rel, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno == ENOENT && s->remote != NULL) { /* the object store's size */
            cs_store_info_t info;
            if ((rc = cs_remote_head(s->remote, sha256, &info)) == 0)
                *size = info.size;
            return rc;
        }
        return object_error(s, sha256, errno);
    }
    if (!S_ISREG(st.st_mode)) {
        cs_diag_set("store %s: object %s is not a regular file; run a fixity check", s->root,
                    sha256);
        return CS_ECORRUPT;
    }
    *size = (uint64_t)st.st_size;
    return 0;
}

int
cs_store_is_file(const cs_store_t *s, const char *sha256, const struct stat *st)
{
    char rel[80];
    struct stat ost;
    if (cs_store_relpath(sha256, rel, sizeof rel) != 0 ||
        fstatat(s->objects_fd, rel, &ost, AT_SYMLINK_NOFOLLOW) != 0)
        return 0;
    return ost.st_dev == st->st_dev && ost.st_ino == st->st_ino;
}
