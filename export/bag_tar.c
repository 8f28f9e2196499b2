/* export/bag_tar.c: a small ustar (POSIX.1-1988) writer and a strict reader for bags.
 *
 * Written: folders and regular files only, names split into the prefix field when longer
 * than 100 bytes, sizes in octal (or the base-256 form for 8 GiB and more). Read back: the
 * same and nothing else; no links, no absolute names, no "..", one top folder. */
#include "export/bag.h"

#include "core/error.h"
#include "export/bag_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BLOCK 512

typedef struct writer {
    int fd;
    const char *dir, *name, *path;
    char *buf;
} writer_t;

static int
header(char h[BLOCK], const char *name, uint64_t size, int dir, int64_t mtime)
{
    size_t len = strlen(name), split = 0;
    unsigned sum = 0;
    memset(h, 0, BLOCK);
    if (len > 100) {
        /* The last '/' that leaves at most 100 bytes of name and 155 of prefix. */
        for (size_t i = len - 1; i > 0; i--)
            if (name[i] == '/' && len - i - 1 <= 100 && len - i - 1 > 0 && i <= 155) {
                split = i;
                break;
            }
        if (split == 0) {
            cs_diag_set("the name %s is too long for a ustar file", name);
            return CS_ENAMETOOLONG;
        }
        memcpy(h + 345, name, split);
        memcpy(h, name + split + 1, len - split - 1);
    } else {
        memcpy(h, name, len);
    }
    /* fits, each: a tar field's 7 octal digits and a NUL in its 8 bytes */
    snprintf(h + 100, 8, "%07o", dir ? 0755 : 0644);
    snprintf(h + 108, 8, "%07o", 0);
    snprintf(h + 116, 8, "%07o", 0);
    if (size < 077777777777ULL) {
        snprintf(h + 124, 12, "%011llo", (unsigned long long)size); /* fits: < 8^11 */
    } else { /* base-256: the high bit of the first byte, then big-endian */
        h[124] = (char)0x80;
        for (int i = 11; i >= 4; i--, size >>= 8)
            h[124 + i] = (char)(size & 0xff);
    }
    mtime = mtime < 0 ? 0 : mtime > 077777777777LL ? 077777777777LL : mtime;
    snprintf(h + 136, 12, "%011llo", (unsigned long long)mtime & 077777777777ULL); /* fits */
    h[156] = dir ? '5' : '0';
    memcpy(h + 257, "ustar", 6);
    memcpy(h + 263, "00", 2);
    memcpy(h + 265, "custody", 8);
    memcpy(h + 297, "custody", 8);
    memset(h + 148, ' ', 8);
    for (int i = 0; i < BLOCK; i++)
        sum += (unsigned char)h[i];
    snprintf(h + 148, 8, "%06o", sum); /* fits: a sum of 512 bytes < 8^6 */
    h[155] = ' ';
    return 0;
}

static int
add(void *arg, const char *rel, const struct stat *st)
{
    writer_t *w = arg;
    char h[BLOCK], name[PATH_MAX], full[PATH_MAX];
    static const char zero[BLOCK];
    int fd = -1, rc, dir = S_ISDIR(st->st_mode);
    uint64_t left = (uint64_t)st->st_size;
    if (!dir && !S_ISREG(st->st_mode)) {
        cs_diag_set("%s/%s is neither a file nor a folder", w->dir, rel);
        return CS_ENOTREG;
    }
    if ((size_t)snprintf(name, sizeof name, "%s%s%s%s", w->name, *rel ? "/" : "", rel,
                         dir ? "/" : "") >= sizeof name ||
        (size_t)snprintf(full, sizeof full, "%s/%s", w->dir, rel) >= sizeof full)
        return CS_ENAMETOOLONG;
    if ((rc = header(h, name, dir ? 0 : left, dir, (int64_t)st->st_mtime)) != 0 ||
        (rc = cs_bag_write_all(w->fd, h, BLOCK, w->path)) != 0 || dir)
        return rc;
    if ((fd = open(full, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0) {
        rc = cs_err_from_errno(errno);
        cs_diag_set("cannot open %s: %s", full, strerror(errno));
        return rc;
    }
    while (left > 0) {
        ssize_t n = read(fd, w->buf, left < CS_BAG_BUF ? (size_t)left : CS_BAG_BUF);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            rc = n < 0 ? cs_err_from_errno(errno) : CS_ECHANGED;
            cs_diag_set("cannot read %s: %s", full, n < 0 ? strerror(errno) : "it shrank");
            goto out;
        }
        if ((rc = cs_bag_write_all(w->fd, w->buf, (size_t)n, w->path)) != 0)
            goto out;
        left -= (uint64_t)n;
    }
    if (st->st_size % BLOCK)
        rc = cs_bag_write_all(w->fd, zero, BLOCK - (size_t)(st->st_size % BLOCK), w->path);
out:
    close(fd);
    return rc;
}

int
cs_tar_write(const char *dir, const char *name, const char *tar_path)
{
    static const char zero[2 * BLOCK];
    writer_t w = {.fd = -1, .dir = dir, .name = name, .path = tar_path};
    struct stat st;
    int rc;
    if ((w.buf = malloc(CS_BAG_BUF)) == NULL)
        return CS_ENOMEM;
    if ((w.fd = open(tar_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) < 0) {
        rc = cs_err_from_errno(errno);
        cs_diag_set("cannot create %s: %s", tar_path, strerror(errno));
        goto out;
    }
    if (stat(dir, &st) != 0) {
        rc = cs_err_from_errno(errno);
        goto out;
    }
    if ((rc = add(&w, "", &st)) != 0 || (rc = cs_bag_walk(dir, "", add, &w)) != 0 ||
        (rc = cs_bag_write_all(w.fd, zero, sizeof zero, tar_path)) != 0)
        goto out;
    if (close(w.fd) != 0) {
        rc = cs_err_from_errno(errno);
        cs_diag_set("cannot write %s: %s", tar_path, strerror(errno));
    }
    w.fd = -1;
out:
    if (w.fd >= 0)
        close(w.fd);
    if (rc != 0)
        unlink(tar_path);
    free(w.buf);
    return rc;
}

static int
bad(const char *tar_path, const char *what)
{
    cs_diag_set("%s is not a bag's ustar file: %s", tar_path, what);
    return CS_ECORRUPT;
}

static uint64_t
octal(const char *f, size_t n, int *ok)
{
    uint64_t v = 0;
    size_t i = 0;
    if ((unsigned char)f[0] == 0x80) { /* base-256 */
        for (i = 4; i < n; i++)
            v = (v << 8) | (unsigned char)f[i];
        return v;
    }
    while (i < n && f[i] == ' ')
        i++;
    for (; i < n && f[i] >= '0' && f[i] <= '7'; i++)
        v = v * 8 + (uint64_t)(f[i] - '0');
    if (i < n && f[i] != '\0' && f[i] != ' ')
        *ok = 0;
    return v;
}

/* A name we accept: relative, no "." or ".." parts, no empty parts but a final '/'. */
static int
safe(const char *name)
{
    const char *p = name;
    if (*p == '\0' || *p == '/')
        return 0;
    while (*p) {
        const char *e = strchr(p, '/');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == 0 || (len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.'))
            return 0;
        if (e == NULL)
            break;
        p = e + 1;
    }
    return 1;
}

static int
read_full(int fd, void *buf, size_t n)
{
    char *c = buf;
    while (n > 0) {
        ssize_t r = read(fd, c, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return r < 0 ? cs_err_from_errno(errno) : CS_ECORRUPT;
        c += r;
        n -= (size_t)r;
    }
    return 0;
}

static int
extract_file(int in, const char *path, uint64_t size, char *buf, const char *tar_path)
{
    int out = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644), rc = 0;
    uint64_t padded = (size + BLOCK - 1) / BLOCK * BLOCK, left = padded;
    if (out < 0)
        return bad(tar_path, "a file appears twice or before its folder");
    while (left > 0 && rc == 0) {
        size_t n = left < CS_BAG_BUF ? (size_t)left : CS_BAG_BUF;
        uint64_t done = padded - left;
        if ((rc = read_full(in, buf, n)) != 0) {
            rc = bad(tar_path, "it ends inside a file");
            break;
        }
        if (done < size)
            rc = cs_bag_write_all(out, buf, size - done < n ? (size_t)(size - done) : n, path);
        left -= n;
    }
    if (close(out) != 0 && rc == 0)
        rc = cs_err_from_errno(errno);
    return rc;
}

int
cs_tar_extract(const char *tar_path, const char *dir, char *top, size_t size)
{
    char h[BLOCK], name[512], full[PATH_MAX], *buf = malloc(CS_BAG_BUF);
    int in = open(tar_path, O_RDONLY | O_CLOEXEC), rc = 0;
    top[0] = '\0';
    if (buf == NULL || in < 0) {
        rc = buf == NULL ? CS_ENOMEM : cs_err_from_errno(errno);
        if (in < 0)
            cs_diag_set("cannot open %s: %s", tar_path, strerror(errno));
        goto out;
    }
    for (;;) {
        unsigned sum = 0;
        int ok = 1;
        if ((rc = read_full(in, h, BLOCK)) != 0) {
            rc = bad(tar_path, "it ends without its end blocks");
            break;
        }
        for (int i = 0; i < BLOCK; i++)
            sum += i >= 148 && i < 156 ? ' ' : (unsigned char)h[i];
        if (sum == 8 * ' ')
            break; /* a zero block: the end */
        if (octal(h + 148, 8, &ok) != sum || !ok || memcmp(h + 257, "ustar", 5) != 0) {
            rc = bad(tar_path, "a header's checksum or magic is wrong");
            break;
        }
        uint64_t fsize = octal(h + 124, 12, &ok);
        char type = h[156];
        /* fits: 155 + 1 + 100 bytes < 512 (ustar's fields, not NUL-terminated when full) */
        snprintf(name, sizeof name, "%.155s%s%.100s", h + 345, h[345] ? "/" : "", h);
        size_t len = strlen(name);
        int is_dir = type == '5';
        if (is_dir && len > 0 && name[len - 1] == '/')
            name[--len] = '\0';
        if (!ok || (type != '0' && type != '\0' && type != '5') || !safe(name)) {
            rc = bad(tar_path, "an entry that is not a plain file or folder, or an unsafe name");
            break;
        }
        /* No file is larger (off_t), and the padding of a larger size would wrap to 0. */
        if (fsize > (uint64_t)INT64_MAX) {
            rc = bad(tar_path, "an entry's size is larger than any file can be");
            break;
        }
        size_t tl = strcspn(name, "/");
        if (top[0] == '\0') {
            if (tl + 1 > size || !is_dir || name[tl] != '\0') {
                rc = bad(tar_path, "it does not start with the bag's folder");
                break;
            }
            memcpy(top, name, tl);
            top[tl] = '\0';
        } else if (strncmp(name, top, tl) != 0 || strlen(top) != tl) {
            rc = bad(tar_path, "it holds more than one top folder");
            break;
        }
        if ((size_t)snprintf(full, sizeof full, "%s/%s", dir, name) >= sizeof full) {
            rc = CS_ENAMETOOLONG;
            break;
        }
        if (is_dir) {
            if (mkdir(full, 0755) != 0) {
                rc = bad(tar_path, "a folder appears twice or before its parent");
                break;
            }
        } else if ((rc = extract_file(in, full, fsize, buf, tar_path)) != 0) {
            break;
        }
    }
out:
    if (in >= 0)
        close(in);
    free(buf);
    return rc;
}
