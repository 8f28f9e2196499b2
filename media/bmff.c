/* media/bmff.c: a small, bounded walker over ISO base media boxes (see bmff.h). Every box
 * header is untrusted: sizes are checked against their parent before anything is read, the
 * depth is fixed by the paths we look for, and the number of boxes is capped. */
#include "media/bmff.h"

#include "core/io.h"

#include "core/error.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BMFF_MAX_BOXES 4096 /* boxes looked at in one file */
#define BMFF_MAX_LOCI 4096  /* bytes of a loci payload read */

static const uint8_t xmp_uuid[16] = {0xbe, 0x7a, 0xcf, 0xcb, 0x97, 0xa9, 0x42, 0xe8,
                                     0x9c, 0x71, 0x99, 0x94, 0x91, 0xe3, 0xaf, 0xac};

typedef struct walk {
    int fd;
    int boxes;
    cs_bmff_meta_t *out;
} walk_t;

static uint32_t
be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Skips a NUL-ended name: UTF-8 ending in one 0 byte, or UTF-16 (BOM FE FF) ending in 0 0. */
static size_t
skip_string(const uint8_t *p, size_t len, size_t pos)
{
    if (pos + 2 <= len && p[pos] == 0xfe && p[pos + 1] == 0xff) {
        for (pos += 2; pos + 2 <= len; pos += 2)
            if (p[pos] == 0 && p[pos + 1] == 0)
                return pos + 2;
        return len + 1;
    }
    for (; pos < len; pos++)
        if (p[pos] == 0)
            return pos + 1;
    return len + 1;
}

static double
fixed16(const uint8_t *p)
{
    return (double)(int32_t)be32(p) / 65536.0;
}

int
cs_bmff_parse_loci(const uint8_t *p, size_t len, double *lat, double *lon, double *alt)
{
    size_t pos = skip_string(p, len, 6); /* after version, flags and language */
    if (pos > len || len - pos < 13)
        return -1;
    *lon = fixed16(p + pos + 1); /* after the role byte: longitude first */
    *lat = fixed16(p + pos + 5);
    *alt = fixed16(p + pos + 9);
    return *lat >= -90 && *lat <= 90 && *lon >= -180 && *lon <= 180 ? 0 : -1;
}

static int
read_loci(walk_t *w, int64_t off, int64_t len, const char *path)
{
    uint8_t buf[BMFF_MAX_LOCI];
    size_t n = len > BMFF_MAX_LOCI ? BMFF_MAX_LOCI : (size_t)len;
    double lat, lon, alt;
    /* The movie's own place wins over a track's, wherever the track comes. */
    int better = !w->out->has_loci ||
                 (strcmp(path, "moov/udta/loci") == 0 && strcmp(w->out->loci_path, path) != 0);
    if (!better || cs_pread_exact(w->fd, buf, n, off) != 0 ||
        cs_bmff_parse_loci(buf, n, &lat, &lon, &alt) != 0)
        return 0;
    w->out->has_loci = 1;
    w->out->lat = lat;
    w->out->lon = lon;
    w->out->alt = alt;
    w->out->loci_path = path;
    return 0;
}

/* Copies a text payload (XMP, XML) into *dst, NUL-terminated; the first one found stays. */
static int
read_text(walk_t *w, int64_t off, int64_t len, char **dst, size_t *dst_len)
{
    char *x;
    if (*dst != NULL || len <= 0)
        return 0;
    if (len > CS_BMFF_MAX_XMP) {
        w->out->text_too_long = 1;
        return 0;
    }
    if ((x = malloc((size_t)len + 1)) == NULL)
        return CS_ENOMEM;
    if (cs_pread_exact(w->fd, x, (size_t)len, off) != 0) {
        free(x);
        return 0;
    }
    x[len] = '\0';
    *dst = x;
    *dst_len = (size_t)len;
    return 0;
}

static int
read_xmp(walk_t *w, int64_t off, int64_t len, const char *path)
{
    int had = w->out->xmp != NULL, rc = read_text(w, off, len, &w->out->xmp, &w->out->xmp_len);
    if (!had && w->out->xmp != NULL)
        w->out->xmp_path = path;
    return rc;
}

enum level { TOP, MOOV, MOOV_UDTA, TRAK, TRAK_UDTA, META };

/* Walks the boxes in [start, end) at `level`, descending only where bmff.h says. */
static int
walk(walk_t *w, int64_t start, int64_t end, enum level level)
{
    int64_t pos = start;
    int rc = 0;
    while (rc == 0 && end - pos >= 8 && w->boxes++ < BMFF_MAX_BOXES) {
        uint8_t h[16];
        int64_t size, hdr = 8;
        if (cs_pread_exact(w->fd, h, 8, pos) != 0)
            break;
        size = be32(h);
        if (size == 1) { /* a 64-bit size follows the type */
            if (end - pos < 16 || cs_pread_exact(w->fd, h + 8, 8, pos + 8) != 0)
                break;
            uint64_t big = (uint64_t)be32(h + 8) << 32 | be32(h + 12);
            if (big > (uint64_t)(end - pos))
                break;
            size = (int64_t)big;
            hdr = 16;
        } else if (size == 0) { /* to the end of the parent */
            size = end - pos;
        }
        if (size < hdr || size > end - pos)
            break;
        int64_t body = pos + hdr, len = size - hdr;
        const char *type = (const char *)h + 4;
        if (level == TOP && memcmp(type, "moov", 4) == 0)
            rc = walk(w, body, body + len, MOOV);
        else if (level == TOP && memcmp(type, "uuid", 4) == 0 && len >= 16) {
            uint8_t id[16];
            if (cs_pread_exact(w->fd, id, 16, body) == 0 && memcmp(id, xmp_uuid, 16) == 0)
                rc = read_xmp(w, body + 16, len - 16, "uuid");
        } else if ((level == TOP || level == MOOV) && memcmp(type, "meta", 4) == 0 && len >= 4) {
            /* ISO's meta is a full box (4 bytes of version and flags), QuickTime's is not */
            uint8_t vf[4];
            int full = cs_pread_exact(w->fd, vf, 4, body) == 0 && be32(vf) == 0;
            rc = walk(w, body + (full ? 4 : 0), body + len, META);
        } else if (level == META && memcmp(type, "xml ", 4) == 0 && len >= 4)
            rc = read_text(w, body + 4, len - 4, &w->out->xml, &w->out->xml_len);
        else if (level == MOOV && memcmp(type, "udta", 4) == 0)
            rc = walk(w, body, body + len, MOOV_UDTA);
        else if (level == MOOV && memcmp(type, "trak", 4) == 0)
            rc = walk(w, body, body + len, TRAK);
        else if (level == TRAK && memcmp(type, "udta", 4) == 0)
            rc = walk(w, body, body + len, TRAK_UDTA);
        else if (level == MOOV_UDTA && memcmp(type, "XMP_", 4) == 0)
            rc = read_xmp(w, body, len, "moov/udta/XMP_");
        else if ((level == MOOV_UDTA || level == TRAK_UDTA) && memcmp(type, "loci", 4) == 0)
            rc = read_loci(w, body, len,
                           level == MOOV_UDTA ? "moov/udta/loci" : "moov/trak/udta/loci");
        pos += size;
    }
    return rc;
}

int
cs_bmff_read_meta(int fd, int64_t size, cs_bmff_meta_t *out)
{
    walk_t w = {.fd = fd, .out = out};
    memset(out, 0, sizeof *out);
    return walk(&w, 0, size, TOP);
}

void
cs_bmff_meta_free(cs_bmff_meta_t *m)
{
    free(m->xmp);
    free(m->xml);
    m->xmp = m->xml = NULL;
    m->xmp_len = m->xml_len = 0;
}
