/* media/jpeg_xmp.c: the XMP packet of a JPEG. Every length comes from the file and is checked
 * against what was read; a broken marker ends the walk (no XMP), never a read past it. The
 * file's first 64 KiB are read at once and walked in memory: a JPEG's APPn segments almost
 * always lie there, and the EXIF reader has just read the same bytes. */
#include "media/jpeg_xmp.h"

#include "core/error.h"
#include "core/io.h"

#include <stdlib.h>
#include <string.h>

#define HEAD_BYTES (64 * 1024)

static const char xmp_ns[] = "http://ns.adobe.com/xap/1.0/"; /* followed by its NUL */

typedef struct reader {
    int fd;
    int64_t size;
    size_t head_len;
    uint8_t head[HEAD_BYTES]; /* the file's first bytes, one read */
} reader_t;

/* Exactly n bytes at off: from the head when they lie in it, else read. 0, or -1. */
static int
get(const reader_t *r, void *buf, size_t n, int64_t off)
{
    if (off >= 0 && (uint64_t)off + n <= r->head_len) {
        memcpy(buf, r->head + off, n);
        return 0;
    }
    return cs_pread_exact(r->fd, buf, n, off);
}

/* The marker walk from the first segment after SOI; see cs_jpeg_xmp_read. */
static int
walk(const reader_t *r, char **xmp, size_t *len)
{
    uint8_t h[4 + sizeof xmp_ns];
    int64_t off = 2, stop = r->size < CS_JPEG_XMP_SCAN ? r->size : CS_JPEG_XMP_SCAN;

    if (get(r, h, 2, 0) != 0 || h[0] != 0xff || h[1] != 0xd8)
        return 1;
    while (off + 4 <= stop) {
        if (get(r, h, 4, off) != 0 || h[0] != 0xff)
            return 1;
        uint8_t marker = h[1];
        if (marker == 0xff) { /* fill byte */
            off++;
            continue;
        }
        if (marker == 0xda || marker == 0xd9) /* start of scan, end of image: no more APPn */
            return 1;
        size_t seg = (size_t)h[2] << 8 | h[3]; /* counts its own two bytes */
        if (seg < 2 || off + 2 + (int64_t)seg > r->size)
            return 1;
        size_t body = seg - 2;
        if (marker == 0xe1 && body > sizeof xmp_ns && get(r, h, sizeof xmp_ns, off + 4) == 0 &&
            memcmp(h, xmp_ns, sizeof xmp_ns) == 0) {
            size_t n = body - sizeof xmp_ns;
            char *p = malloc(n + 1);
            if (p == NULL)
                return CS_ENOMEM;
            if (get(r, p, n, off + 4 + (int64_t)sizeof xmp_ns) != 0) {
                free(p);
                return CS_EIO;
            }
            p[n] = '\0';
            *xmp = p;
            *len = n;
            return 0;
        }
        off += 2 + (int64_t)seg;
    }
    return 1;
}

int
cs_jpeg_xmp_read(int fd, int64_t size, char **xmp, size_t *len)
{
    reader_t *r;
    ssize_t got;
    int rc;

    *xmp = NULL;
    *len = 0;
    if (size < 4)
        return 1;
    if ((r = malloc(sizeof *r)) == NULL)
        return CS_ENOMEM;
    r->fd = fd;
    r->size = size;
    got = cs_pread_upto(fd, r->head, sizeof r->head, 0);
    r->head_len = got > 0 ? (size_t)got : 0;
    rc = walk(r, xmp, len);
    free(r);
    return rc;
}
