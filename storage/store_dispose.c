/* storage/store_dispose.c: removing an object for an approved disposal (store.h,
 * cs_store_dispose): the object store's copy first, unless its retention keeps it, then the
 * local copy, its folder fsynced. */
#include "storage/store_internal.h"
#include "storage/store_remote.h"

#include "core/clock.h"
#include "core/error.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Removes the local copy and makes the removal durable: the folder that named it fsynced. */
static int
unlink_durably(const cs_store_t *s, const char *sha256)
{
    char rel[80], dir[8];
    int rc = cs_store_relpath(sha256, rel, sizeof rel), fd;
    if (rc != 0)
        return rc;
    if (unlinkat(s->objects_fd, rel, 0) != 0) {
        if (errno == ENOENT)
            return 0; /* gone already: a run cut short, or never stored here */
        rc = cs_err_from_errno(errno);
        cs_diag_set("store %s: cannot remove object %s (%s)", s->root, sha256, strerror(errno));
        return rc;
    }
    memcpy(dir, rel, 5); /* "aa/bb" */
    dir[5] = '\0';
    if ((fd = openat(s->objects_fd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
        fsync(fd) != 0) {
        rc = cs_err_from_errno(errno);
        cs_diag_set("store %s: cannot sync folder %s after removing %s (%s)", s->root, dir, sha256,
                    strerror(errno));
    }
    if (fd >= 0)
        close(fd);
    return rc;
}

int
cs_store_dispose(cs_store_t *s, const char *sha256, char retain_until[40])
{
    cs_store_info_t info;
    char now[CS_TIME_MAX];
    int rc;
    retain_until[0] = '\0';
    if (!cs_sha256_hex_valid(sha256)) {
        cs_diag_set("\"%.70s\" is not an object's hash", sha256);
        return CS_EINVAL;
    }
    if (s->remote != NULL) {
        memset(&info, 0, sizeof info);
        rc = cs_remote_head(s->remote, sha256, &info);
        cs_clock_now(now);
        if (rc == 0 && info.lock_mode[0] != '\0' && strcmp(info.retain_until, now) > 0) {
            snprintf(retain_until, 40, "%s", info.retain_until); /* fits: the same size */
            cs_diag_set("object %s is kept by the object store's %s retention until %s", sha256,
                        info.lock_mode, info.retain_until);
            return CS_EACCES;
        }
        if (rc != 0 && rc != CS_ENOTFOUND)
            return rc;
        if (rc == 0 && (rc = cs_remote_delete(s->remote, sha256)) != 0) {
            if (rc == CS_EACCES)
                snprintf(retain_until, 40, "%s", info.retain_until); /* fits: the same size */
            return rc;
        }
    }
    return unlink_durably(s, sha256);
}
