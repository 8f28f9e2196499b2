/* backup/backup_io.c: the files of a backup and of a restored home, each written whole
 * (temporary name, fsync, rename) or not at all. */
#include "backup/backup_int.h"

#include "core/error.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int
fail_errno(const char *doing, const char *path)
{
    int e = errno, rc = cs_err_from_errno(e);
    cs_diag_set("cannot %s %s: %s", doing, path, strerror(e));
    return rc;
}

int
cs_backup_join(char *buf, size_t size, const char *dir, const char *name)
{
    if ((size_t)snprintf(buf, size, "%s/%s", dir, name) >= size) {
        cs_diag_set("path %.200s/%s is too long", dir, name);
        return CS_ENAMETOOLONG;
    }
    return 0;
}

int
cs_backup_write(const char *path, const void *data, size_t len, int mode)
{
    char tmp[PATH_MAX];
    const char *p = data;
    int fd, rc = 0;
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.partial-%ld", path, (long)getpid()) >= sizeof tmp) {
        cs_diag_set("path %.200s... is too long", path);
        return CS_ENAMETOOLONG;
    }
    if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode)) < 0)
        return fail_errno("create", tmp);
    while (rc == 0 && len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            rc = fail_errno("write", tmp);
        } else {
            p += w;
            len -= (size_t)w;
        }
    }
    /* The mode asked for, whatever the umask took away. */
    if (rc == 0 && (fchmod(fd, (mode_t)mode) != 0 || fsync(fd) != 0))
        rc = fail_errno("sync", tmp);
    if (close(fd) != 0 && rc == 0)
        rc = fail_errno("write", tmp);
    if (rc == 0 && rename(tmp, path) != 0)
        rc = fail_errno("rename into place", path);
    if (rc != 0)
        unlink(tmp);
    return rc;
}

int
cs_backup_copy_small(const char *src, const char *dst, int mode)
{
    struct stat st;
    char *buf = NULL;
    size_t got = 0;
    int fd, rc = 0;
    if ((fd = open(src, O_RDONLY | O_CLOEXEC)) < 0)
        return fail_errno("read", src);
    if (fstat(fd, &st) != 0) {
        rc = fail_errno("read", src);
        goto out;
    }
    if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > CS_BACKUP_SMALL_MAX) {
        cs_diag_set("%s is not a file of at most %u bytes", src, CS_BACKUP_SMALL_MAX);
        rc = CS_ENAMETOOLONG;
        goto out;
    }
    if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
        rc = CS_ENOMEM;
        goto out;
    }
    while (got < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            rc = n < 0 ? fail_errno("read", src) : CS_ECHANGED;
            if (n == 0)
                cs_diag_set("%s shrank while it was read; try again", src);
            goto out;
        }
        got += (size_t)n;
    }
    rc = cs_backup_write(dst, buf, got, mode);
out:
    free(buf);
    close(fd);
    return rc;
}

int
cs_backup_sync_dir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = 0;
    if (fd < 0 || fsync(fd) != 0)
        rc = fail_errno("sync the folder", path);
    if (fd >= 0)
        close(fd);
    return rc;
}

void
cs_backup_name(const cs_catalog_object_t *o, char *buf, size_t size)
{
    const char *cases = o->cases != NULL && o->cases[0] != '\0' ? o->cases : NULL;
    int n;
    if (o->profile != NULL)
        n = snprintf(buf, size, "object %s (%s copy of item %s, %s%s)", o->sha256, o->profile,
                     o->item, cases ? "case " : "no case", cases ? cases : "");
    else
        n = snprintf(buf, size, "object %s (item %s, %s%s)", o->sha256, o->item,
                     cases ? "case " : "no case", cases ? cases : "");
    if (n >= 0 && (size_t)n >= size && size > 4)
        memcpy(buf + size - 4, "...", 4);
}
