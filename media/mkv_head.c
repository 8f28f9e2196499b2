/* media/mkv_head.c: the duration, picture size and date a Matroska or WebM file declares
 * (see declared.h). The walk reads the EBML header, then the Segment's children one by one
 * (each skipped by its size, Clusters among them) until Info and Tracks are read, at most
 * MKV_MAX_TOP of them; Info and Tracks are read whole (at most MKV_MAX_BODY bytes, clipped to
 * the file) and parsed in memory. Element IDs are 1 to 4 bytes, sizes 1 to 8 (the EBML
 * variable-length integers); an unknown size (all ones) runs to the end of the parent. Every
 * child must lie inside its parent's declared size; a parent cut by the end of the file keeps
 * the children it has. */
#include "media/declared.h"

#include "core/error.h"
#include "core/io.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MKV_MAX_TOP 128        /* Segment children looked at */
#define MKV_MAX_BODY 65536     /* bytes of Info or Tracks read */
#define MKV_MAX_ELEMENTS 4096  /* elements parsed in memory, in all */
#define MKV_UNKNOWN UINT64_MAX /* an element of unknown size */
#define MKV_EPOCH 978307200LL  /* 2001-01-01T00:00:00Z, DateUTC's origin, in Unix seconds */

#define ID_EBML 0x1A45DFA3u
#define ID_SEGMENT 0x18538067u
#define ID_INFO 0x1549A966u
#define ID_TRACKS 0x1654AE6Bu
#define ID_TIMECODE_SCALE 0x2AD7B1u
#define ID_DURATION 0x4489u
#define ID_DATE_UTC 0x4461u
#define ID_TRACK_ENTRY 0xAEu
#define ID_TRACK_TYPE 0x83u
#define ID_VIDEO 0xE0u
#define ID_PIXEL_WIDTH 0xB0u
#define ID_PIXEL_HEIGHT 0xBAu

/* One EBML variable-length integer of at most `max` bytes at p (avail bytes there). Returns
 * its length, or 0 when it is invalid or cut. With keep_marker (IDs) the length bits stay. */
static size_t
vint(const uint8_t *p, size_t avail, size_t max, int keep_marker, uint64_t *v)
{
    size_t len = 1;
    uint64_t all_ones;
    if (avail == 0 || p[0] == 0)
        return 0;
    while (!(p[0] & (0x80 >> (len - 1))))
        len++;
    if (len > max || len > avail)
        return 0;
    *v = keep_marker ? p[0] : p[0] & (0xFF >> len);
    for (size_t i = 1; i < len; i++)
        *v = *v << 8 | p[i];
    all_ones = (1ULL << (7 * len)) - 1;
    if (!keep_marker && *v == all_ones)
        *v = MKV_UNKNOWN;
    return len;
}

/* An element header at p: its id, the size of its body (MKV_UNKNOWN allowed). Returns the
 * header's length, or 0. */
static size_t
element(const uint8_t *p, size_t avail, uint32_t *id, uint64_t *size)
{
    uint64_t v;
    size_t a = vint(p, avail, 4, 1, &v), b;
    if (a == 0 || (b = vint(p + a, avail - a, 8, 0, size)) == 0)
        return 0;
    *id = (uint32_t)v;
    return a + b;
}

typedef struct view {
    const uint8_t *p;
    size_t pos, end;       /* end: within the bytes held */
    uint64_t declared_end; /* the parent's declared end, may be past the bytes held */
    int *budget;
} view_t;

/* The next child of v: its id, and its body as a view. Returns 1, or 0 at the end, when the
 * header is cut, or when the child claims more than its parent declares. */
static int
next_child(view_t *v, uint32_t *id, view_t *child)
{
    uint64_t size;
    size_t h;
    if (--*v->budget < 0 || v->pos >= v->end ||
        (h = element(v->p + v->pos, v->end - v->pos, id, &size)) == 0)
        return 0;
    uint64_t body = (uint64_t)v->pos + h;
    if (size == MKV_UNKNOWN)
        size = v->declared_end - body; /* runs to the end of the parent */
    if (size > v->declared_end - body)
        return 0;
    *child = (view_t){v->p, (size_t)body, body + size < v->end ? (size_t)(body + size) : v->end,
                      body + size, v->budget};
    v->pos = body + size < v->end ? (size_t)(body + size) : v->end;
    return 1;
}

/* An unsigned integer element of 1 to 8 bytes, whole within the bytes held. */
static int
uint_of(const view_t *v, uint64_t *out)
{
    size_t n = v->end - v->pos;
    if (n == 0 || n > 8 || v->declared_end != v->end)
        return -1;
    *out = 0;
    for (size_t i = 0; i < n; i++)
        *out = *out << 8 | v->p[v->pos + i];
    return 0;
}

static int
float_of(const view_t *v, double *out)
{
    uint64_t bits;
    size_t n = v->end - v->pos;
    if ((n != 4 && n != 8) || uint_of(v, &bits) != 0)
        return -1;
    if (n == 4) {
        uint32_t b32 = (uint32_t)bits;
        float f;
        memcpy(&f, &b32, sizeof f);
        *out = f;
    } else {
        memcpy(out, &bits, sizeof *out);
    }
    return isfinite(*out) ? 0 : -1;
}

static void
info(view_t v, cs_declared_t *d)
{
    uint64_t scale = 1000000, u;
    double duration = -1;
    int64_t date_ns = 0;
    int has_date = 0;
    uint32_t id;
    view_t c;
    while (next_child(&v, &id, &c)) {
        if (id == ID_TIMECODE_SCALE && uint_of(&c, &u) == 0 && u > 0)
            scale = u;
        else if (id == ID_DURATION && float_of(&c, &duration) != 0)
            duration = -1;
        else if (id == ID_DATE_UTC && c.end - c.pos == 8 && uint_of(&c, &u) == 0) {
            date_ns = (int64_t)u; /* signed nanoseconds from 2001-01-01 */
            has_date = 1;
        }
    }
    if (duration >= 0 && duration * (double)scale / 1e9 < 1e9)
        d->duration_s = duration * (double)scale / 1e9;
    if (has_date) {
        /* whole seconds, as ExifTool gives them; floor for times before 2001 */
        int64_t s = date_ns / 1000000000LL - (date_ns % 1000000000LL < 0);
        time_t t = (time_t)(s + MKV_EPOCH);
        struct tm tm;
        if (gmtime_r(&t, &tm) != NULL && tm.tm_year + 1900 >= 1 && tm.tm_year + 1900 <= 9999) {
            int n = snprintf(d->date_utc, sizeof d->date_utc, "%04d-%02d-%02dT%02d:%02d:%02dZ",
                             tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                             tm.tm_sec);
            if (n < 0 || (size_t)n >= sizeof d->date_utc)
                d->date_utc[0] = '\0';
        }
    }
}

/* The first video track's PixelWidth and PixelHeight. */
static void
tracks(view_t v, cs_declared_t *d)
{
    uint32_t id;
    view_t entry, c, pix;
    while (d->width == 0 && next_child(&v, &id, &entry)) {
        uint64_t type = 0, w = 0, h = 0;
        if (id != ID_TRACK_ENTRY)
            continue;
        while (next_child(&entry, &id, &c)) {
            if (id == ID_TRACK_TYPE && uint_of(&c, &type) != 0)
                type = 0;
            else if (id == ID_VIDEO) {
                while (next_child(&c, &id, &pix)) {
                    if (id == ID_PIXEL_WIDTH && uint_of(&pix, &w) != 0)
                        w = 0;
                    else if (id == ID_PIXEL_HEIGHT && uint_of(&pix, &h) != 0)
                        h = 0;
                }
            }
        }
        if (type == 1 && w > 0 && h > 0 && w <= INT32_MAX && h <= INT32_MAX) {
            d->width = (int)w;
            d->height = (int)h;
        }
    }
}

/* Reads the element header at off (12 bytes at most). Returns its length, or 0. */
static size_t
header_at(int fd, int64_t off, int64_t size, uint32_t *id, uint64_t *body_size)
{
    uint8_t h[12];
    ssize_t n;
    if (off >= size || (n = cs_pread_upto(fd, h, sizeof h, off)) <= 0)
        return 0;
    return element(h, (size_t)n, id, body_size);
}

int
cs_mkv_head(int fd, int64_t size, cs_declared_t *d)
{
    uint32_t id;
    uint64_t len, seg_end;
    int64_t off;
    size_t h;
    int budget = MKV_MAX_ELEMENTS, done_info = 0, done_tracks = 0, found = -1;

    if ((h = header_at(fd, 0, size, &id, &len)) == 0 || id != ID_EBML || len == MKV_UNKNOWN ||
        len > (uint64_t)size - h)
        return -1;
    off = (int64_t)(h + len);
    if ((h = header_at(fd, off, size, &id, &len)) == 0 || id != ID_SEGMENT)
        return -1;
    off += (int64_t)h;
    /* A Segment of unknown size, or one past the end of a cut file, runs to the end. */
    seg_end = len == MKV_UNKNOWN || len > (uint64_t)(size - off) ? (uint64_t)size : off + len;
    for (int i = 0; i < MKV_MAX_TOP && !(done_info && done_tracks); i++) {
        if ((uint64_t)off >= seg_end || (h = header_at(fd, off, size, &id, &len)) == 0)
            break;
        uint64_t body = (uint64_t)off + h;
        if (len == MKV_UNKNOWN) {
            if (id != ID_INFO && id != ID_TRACKS)
                break; /* a Cluster of unknown size: nothing after it can be found by size */
            len = seg_end - body;
        }
        if (body > seg_end || len > seg_end - body)
            break; /* a child longer than the Segment */
        if ((id == ID_INFO && !done_info) || (id == ID_TRACKS && !done_tracks)) {
            size_t want = len < MKV_MAX_BODY ? (size_t)len : MKV_MAX_BODY;
            uint8_t *buf = malloc(want > 0 ? want : 1);
            ssize_t n;
            if (buf == NULL)
                return CS_ENOMEM;
            n = cs_pread_upto(fd, buf, want, (int64_t)body);
            if (n > 0) {
                view_t v = {buf, 0, (size_t)n, len, &budget};
                if (id == ID_INFO)
                    info(v, d);
                else
                    tracks(v, d);
            }
            free(buf);
            *(id == ID_INFO ? &done_info : &done_tracks) = 1;
        }
        off = (int64_t)(body + len);
    }
    if (d->duration_s >= 0 || d->width > 0 || d->date_utc[0] != '\0')
        found = 0;
    return found;
}
