/* export/bag_io.c: copying and hashing files with one fixed buffer, and walking folders. */
#include "export/bag_int.h"

#include "core/buf.h"
#include "core/error.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
cs_bag_write_all(int fd, const void *p, size_t n, const char *path)
{
    const char *buf = p;
    while (n > 0) {
        ssize_t w = write(fd, buf, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            int rc = cs_err_from_errno(errno);
            cs_diag_set("cannot write %s: %s", path, strerror(errno));
            return rc;
        }
        buf += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Reads `in` to its end, hashing, and writes each block to out (-1: none). */
static int
pump(int in, int out, const char *name, char hex[65], uint64_t *size)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    uint8_t digest[32];
    char *buf = malloc(CS_BAG_BUF);
    uint64_t total = 0;
    ssize_t n;
    int rc = 0;
    if (md == NULL || buf == NULL || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
        rc = md == NULL || buf == NULL ? CS_ENOMEM : CS_ECRYPTO;
        goto out;
    }
    while ((n = read(in, buf, CS_BAG_BUF)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = cs_err_from_errno(errno);
            cs_diag_set("cannot read %s: %s", name, strerror(errno));
            goto out;
        }
        if (EVP_DigestUpdate(md, buf, (size_t)n) != 1) {
            rc = CS_ECRYPTO;
            goto out;
        }
        if (out != -1 && (rc = cs_bag_write_all(out, buf, (size_t)n, name)) != 0)
            goto out;
        total += (uint64_t)n;
    }
    if (EVP_DigestFinal_ex(md, digest, NULL) != 1) {
        rc = CS_ECRYPTO;
        goto out;
    }
    cs_hex(digest, 32, hex);
    *size = total;
out:
    free(buf);
    EVP_MD_CTX_free(md);
    return rc;
}

static int
create(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) {
        int rc = cs_err_from_errno(errno);
        cs_diag_set("cannot create %s: %s", path, strerror(errno));
        return rc;
    }
    return fd;
}

int
cs_bag_copy_fd(int in, const char *dst, char hex[65], uint64_t *size)
{
    int out, rc;
    if (lseek(in, 0, SEEK_SET) < 0) {
        cs_diag_set("cannot read the object for %s: %s", dst, strerror(errno));
        return cs_err_from_errno(errno);
    }
    if ((out = create(dst)) < 0)
        return out;
    rc = pump(in, out, dst, hex, size);
    if (close(out) != 0 && rc == 0) {
        rc = cs_err_from_errno(errno);
        cs_diag_set("cannot write %s: %s", dst, strerror(errno));
    }
    return rc;
}

int
cs_bag_hash_file(const char *path, char hex[65], uint64_t *size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), rc;
    if (fd < 0) {
        rc = cs_err_from_errno(errno);
        cs_diag_set("cannot open %s: %s", path, strerror(errno));
        return rc;
    }
    rc = pump(fd, -1, path, hex, size);
    close(fd);
    return rc;
}

int
cs_bag_write_file(const char *path, const void *data, size_t len)
{
    int fd = create(path), rc;
    if (fd < 0)
        return fd;
    rc = cs_bag_write_all(fd, data, len, path);
    if (close(fd) != 0 && rc == 0) {
        rc = cs_err_from_errno(errno);
        cs_diag_set("cannot write %s: %s", path, strerror(errno));
    }
    return rc;
}

int
cs_bag_walk(const char *root, const char *rel,
            int (*fn)(void *arg, const char *rel, const struct stat *st), void *arg)
{
    char dir[PATH_MAX], sub[PATH_MAX], full[PATH_MAX];
    struct dirent *d;
    struct stat st;
    DIR *dp = NULL;
    int rc = 0;
    if ((size_t)snprintf(dir, sizeof dir, "%s%s%s", root, *rel ? "/" : "", rel) >= sizeof dir) {
        cs_diag_set("path too long under %s", root);
        return CS_ENAMETOOLONG;
    }
    if ((dp = opendir(dir)) == NULL) {
        rc = cs_err_from_errno(errno);
        cs_diag_set("cannot read folder %s: %s", dir, strerror(errno));
        return rc;
    }
    while ((d = readdir(dp)) != NULL) {
        if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
            continue;
        if ((size_t)snprintf(sub, sizeof sub, "%s%s%s", rel, *rel ? "/" : "", d->d_name) >=
                sizeof sub ||
            (size_t)snprintf(full, sizeof full, "%s/%s", root, sub) >= sizeof full) {
            rc = CS_ENAMETOOLONG;
            cs_diag_set("path too long under %s", root);
            break;
        }
        if (lstat(full, &st) != 0) {
            rc = cs_err_from_errno(errno);
            cs_diag_set("cannot stat %s: %s", full, strerror(errno));
            break;
        }
        if ((rc = fn(arg, sub, &st)) != 0)
            break;
        if (S_ISDIR(st.st_mode) && (rc = cs_bag_walk(root, sub, fn, arg)) != 0)
            break;
    }
    closedir(dp);
    return rc;
}

/* Depth first, so each folder is empty when it is removed. */
void
cs_bag_rmrf(const char *path)
{
    char sub[PATH_MAX];
    struct dirent *d;
    struct stat st;
    DIR *dp;
    if (lstat(path, &st) != 0)
        return;
    if (!S_ISDIR(st.st_mode)) {
        unlink(path);
        return;
    }
    if ((dp = opendir(path)) != NULL) {
        while ((d = readdir(dp)) != NULL) {
            if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
                continue;
            if ((size_t)snprintf(sub, sizeof sub, "%s/%s", path, d->d_name) < sizeof sub)
                cs_bag_rmrf(sub);
        }
        closedir(dp);
    }
    rmdir(path);
}
