/* storage/store_write.c: a put's writes into its temporary file, on the ring's writer thread.
 *
 * With the local backend the temp is written with O_DIRECT: the slot goes from our buffer to
 * the disk, with no copy into the page cache, no dirty pages for the kernel to write back and
 * nothing to drop afterwards, so the CPU is left to the hash (bench/ingest.sh: a put then
 * takes about as long as hashing alone). The final fsync still follows (the device's cache,
 * the file's extents). Where O_DIRECT is refused (a filesystem without it, an unaligned
 * buffer, or the s3 backend, whose PUT reads the temp's pages again), writes go through the
 * page cache, with writeback started every KICK bytes and awaited LAG bytes later, so the disk
 * writes while we hash, dirty pages stay under LAG + KICK and the final fsync is short.
 */
#include "storage/store_internal.h"

#include "core/error.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* On ext4 here, KICK 1 MiB / LAG 2 MiB ingested ~600 MB in 50 files 30% faster than 8 / 8
 * (bench/ingest.sh); -D overrides are for such measurements. */
#ifndef CS_STORE_KICK
#define CS_STORE_KICK ((off_t)1 << 20)
#endif
#ifndef CS_STORE_LAG
#define CS_STORE_LAG ((off_t)2 << 20)
#endif
/* All-zero runs of this size are skipped, not written, so sparse sources stay sparse. */
#define CS_STORE_ZERO_BLOCK ((size_t)64 << 10)
/* What O_DIRECT asks of offsets, lengths and buffers on the disks we meet (512 or 4096). */
#define CS_STORE_DIO_ALIGN ((size_t)4096)

int
cs_store_error(const cs_store_t *s, const char *src, const char *what, int e)
{
    int rc = cs_err_from_errno(e);
    if (rc == CS_ENOSPC)
        cs_diag_set("store %s: disk full while storing %s; free space and try again", s->root, src);
    else
        cs_diag_set("store %s: %s failed while storing %s (%s); check the disk and its "
                    "permissions",
                    s->root, what, src, strerror(e));
    return rc;
}

static int
set_direct(int fd, int on)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl == -1)
        return -1;
    return fcntl(fd, F_SETFL, on ? fl | O_DIRECT : fl & ~O_DIRECT);
}

void
cs_store_writer_init(cs_store_writer_t *w, cs_store_t *s, const char *src, int fd, int keep_cache,
                     size_t slot_size)
{
    memset(w, 0, sizeof *w);
    w->s = s;
    w->src = src;
    w->fd = fd;
    w->keep_cache = keep_cache;
    if (!keep_cache && !s->direct_off && (uintptr_t)s->buf % CS_STORE_DIO_ALIGN == 0 &&
        slot_size % CS_STORE_DIO_ALIGN == 0) {
        if (set_direct(fd, 1) == 0)
            w->direct = 1;
        else
            s->direct_off = 1; /* this filesystem has none: stop asking */
    }
}

static int
pwrite_all(int fd, const unsigned char *b, size_t n, off_t off, size_t *done)
{
    *done = 0;
    while (n > 0) {
        ssize_t w = pwrite(fd, b, n, off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            if (w == 0)
                errno = EIO;
            return -1;
        }
        b += w;
        n -= (size_t)w;
        off += w;
        *done += (size_t)w;
    }
    return 0;
}

/* Writes b[0..n) at off: the aligned part straight to the disk while O_DIRECT is on, the rest
 * (the file's unaligned end, or everything once O_DIRECT was refused) through the cache. */
static int
write_run(cs_store_writer_t *w, const unsigned char *b, size_t n, off_t off)
{
    size_t done = 0;
    if (w->direct && (uintptr_t)b % CS_STORE_DIO_ALIGN == 0 &&
        (size_t)off % CS_STORE_DIO_ALIGN == 0) {
        size_t aligned = n - n % CS_STORE_DIO_ALIGN;
        if (aligned > 0 && pwrite_all(w->fd, b, aligned, off, &done) != 0 && errno != EINVAL)
            return cs_store_error(w->s, w->src, "write", errno);
        if (done == n)
            return 0;
    }
    if (w->direct) { /* the end of the file, or refused after all: the cache from here on */
        if (set_direct(w->fd, 0) != 0)
            return cs_store_error(w->s, w->src, "write", errno);
        w->direct = 0;
        w->direct_refused = done < n - n % CS_STORE_DIO_ALIGN;
        w->kicked = w->settled = off + (off_t)done;
    }
    size_t rest;
    if (pwrite_all(w->fd, b + done, n - done, off + (off_t)done, &rest) != 0)
        return cs_store_error(w->s, w->src, "write", errno);
    return 0;
}

static int
is_zero(const unsigned char *b, size_t n)
{
    /* Each byte equals the next and the first is zero: memcmp's speed, no second buffer. */
    return n == 0 || (b[0] == 0 && memcmp(b, b + 1, n - 1) == 0);
}

/* sync_file_range is a hint: a filesystem without it only costs a longer final fsync. */
static int
range_error(const cs_store_writer_t *w, int e)
{
    if (e == EIO || e == ENOSPC || e == EDQUOT)
        return cs_store_error(w->s, w->src, "writeback", e);
    return 0;
}

/* Through the cache: starts writeback of what was written since the last kick, then waits for
 * what is LAG behind `end` and drops it from the page cache: a large put does not flush
 * everyone's cache. */
static int
pace_writeback(cs_store_writer_t *w, off_t end)
{
    if (w->direct || end - w->kicked < CS_STORE_KICK)
        return 0;
    if (sync_file_range(w->fd, w->kicked, end - w->kicked, SYNC_FILE_RANGE_WRITE) != 0)
        return range_error(w, errno);
    w->kicked = end;
    off_t upto = end - CS_STORE_LAG;
    if (upto - w->settled < CS_STORE_KICK)
        return 0;
    unsigned fl = SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER;
    if (sync_file_range(w->fd, w->settled, upto - w->settled, fl) != 0)
        return range_error(w, errno);
    if (!w->keep_cache)
        posix_fadvise(w->fd, w->settled, upto - w->settled, POSIX_FADV_DONTNEED);
    w->settled = upto;
    return 0;
}

int
cs_store_write(void *arg, const unsigned char *b, size_t n, off_t off)
{
    cs_store_writer_t *w = arg;
    size_t i = 0;
    int rc;
    /* Whole zero blocks become holes; the runs between them are written in one call each. */
    while (i < n) {
        size_t blk = n - i < CS_STORE_ZERO_BLOCK ? n - i : CS_STORE_ZERO_BLOCK;
        if (is_zero(b + i, blk)) {
            i += blk;
            continue;
        }
        size_t j = i + blk;
        while (j < n) {
            size_t nb = n - j < CS_STORE_ZERO_BLOCK ? n - j : CS_STORE_ZERO_BLOCK;
            if (is_zero(b + j, nb))
                break;
            j += nb;
        }
        if ((rc = write_run(w, b + i, j - i, off + (off_t)i)) != 0)
            return rc;
        w->data_end = off + (off_t)j;
        i = j;
    }
    return pace_writeback(w, off + (off_t)n);
}
