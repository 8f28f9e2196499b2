/* media/heif_boxes.c: the transforms of a HEIF file's primary image, read from its meta box.
 *
 * libheif 1.15 applies irot, imir and clap when it decodes, but does not say which it found;
 * the record names them, so that a clerk can tell a picture turned by its file from one turned
 * by us. Only the boxes on the way are read: the top-level box headers, then the meta box
 * (bounded) in memory: pitm, iprp/ipco, iprp/ipma. */
#include "media/heif_meta.h"

#include "core/buf.h"
#include "core/error.h"
#include "core/io.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TOP_MAX_BOXES 64    /* top-level boxes looked at for meta */
#define IPCO_MAX_PROPS 4096 /* properties indexed */

typedef cs_heif_box_t box_t;

static uint32_t
be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t
be64(const unsigned char *p)
{
    return (uint64_t)be32(p) << 32 | be32(p + 4);
}

int
cs_heif_box_next(const unsigned char *b, size_t len, size_t *off, box_t *out)
{
    size_t at = *off, hdr = 8;
    uint64_t size;

    if (at >= len)
        return 0;
    if (len - at < 8)
        return -1;
    size = be32(b + at);
    if (size == 1) {
        if (len - at < 16)
            return -1;
        size = be64(b + at + 8);
        hdr = 16;
    } else if (size == 0) {
        size = len - at;
    }
    if (size < hdr || size > len - at)
        return -1;
    memcpy(out->type, b + at + 4, 4);
    out->type[4] = '\0';
    out->p = b + at + hdr;
    out->len = (size_t)size - hdr;
    *off = at + (size_t)size;
    return 1;
}

int
cs_heif_meta_load(int fd, long long size, unsigned char **meta, size_t *meta_len, char *why,
                  size_t why_size)
{
    unsigned char h[16];
    long long off = 0;

    for (int i = 0; i < TOP_MAX_BOXES && off < size; i++) {
        ssize_t n = cs_pread_upto(fd, h, sizeof h, (off_t)off);
        uint64_t bsize;
        size_t hdr = 8;
        if (n < 0)
            return (int)n;
        if (n < 8)
            break;
        bsize = be32(h);
        if (bsize == 1 && n == 16) {
            bsize = be64(h + 8);
            hdr = 16;
        } else if (bsize == 0) {
            bsize = (uint64_t)(size - off);
        }
        if (bsize < hdr || bsize > (uint64_t)(size - off))
            break;
        if (memcmp(h + 4, "meta", 4) == 0) {
            size_t plen = (size_t)bsize - hdr;
            if (plen > CS_HEIF_META_MAX) {
                cs_snprintf_cut(why, why_size, "the meta box holds %zu bytes, more than %d", plen,
                                CS_HEIF_META_MAX);
                return 0;
            }
            if ((*meta = malloc(plen > 0 ? plen : 1)) == NULL)
                return CS_ENOMEM;
            if ((n = cs_pread_upto(fd, *meta, plen, (off_t)(off + (long long)hdr))) < 0)
                return (int)n;
            *meta_len = (size_t)n;
            return 0;
        }
        off += (long long)bsize;
    }
    cs_snprintf_cut(why, why_size, "no meta box among the file's top-level boxes");
    return 0;
}

/* The primary item's property indices (1-based, in ipma order) into idx[0..*n). */
static int
primary_props(const box_t *ipma, uint32_t item, unsigned *idx, int *n, int max)
{
    const unsigned char *p = ipma->p;
    size_t len = ipma->len, at = 4;
    unsigned version, flags;
    uint32_t count;

    if (len < 8)
        return -1;
    version = p[0];
    flags = be32(p) & 0xffffff;
    count = be32(p + 4);
    at = 8;
    for (uint32_t e = 0; e < count; e++) {
        uint32_t id;
        unsigned assoc;
        size_t w = flags & 1 ? 2 : 1;
        if (len - at < (version < 1 ? 3u : 5u))
            return -1;
        id = version < 1 ? (uint32_t)p[at] << 8 | p[at + 1] : be32(p + at);
        at += version < 1 ? 2 : 4;
        assoc = p[at++];
        if (len - at < assoc * w)
            return -1;
        for (unsigned a = 0; a < assoc && id == item; a++) {
            unsigned v = w == 2 ? ((unsigned)p[at + a * 2] << 8 | p[at + a * 2 + 1]) & 0x7fff
                                : p[at + a] & 0x7fu;
            if (*n < max)
                idx[(*n)++] = v;
        }
        at += assoc * w;
    }
    return 0;
}

/* A clap fraction rounded as libheif 1.15 rounds it; `keep` when it has no denominator. */
static long
clap_round(const unsigned char *p, long keep)
{
    int64_t n = (int32_t)be32(p), d = (int32_t)be32(p + 4);
    return d > 0 && n >= 0 ? (long)((n + d / 2) / d) : keep;
}

/* The ipco child at 1-based index k, into *p: 0, or -1 when there is none. */
static int
property(const box_t *ipco, unsigned k, box_t *p)
{
    size_t poff = 0;
    unsigned i = 0;

    if (k == 0 || k > IPCO_MAX_PROPS)
        return -1;
    while (i < k && cs_heif_box_next(ipco->p, ipco->len, &poff, p) > 0)
        i++;
    return i == k ? 0 : -1;
}

int
cs_heif_props_parse(const unsigned char *m, size_t len, cs_heif_props_t *out, char *why,
                    size_t why_size)
{
    box_t b, ipco = {0}, ipmas[4];
    unsigned idx[64];
    size_t off = 4; /* meta is a full box: version and flags */
    int have_pitm = 0, nipma = 0, nidx = 0, r;
    uint32_t primary = 0;

    memset(out, 0, sizeof *out);
    while ((r = cs_heif_box_next(m, len, &off, &b)) > 0) {
        if (strcmp(b.type, "pitm") == 0 && b.len >= 6) {
            primary =
                b.p[0] == 0 ? (uint32_t)b.p[4] << 8 | b.p[5] : (b.len >= 8 ? be32(b.p + 4) : 0);
            have_pitm = 1;
        } else if (strcmp(b.type, "iprp") == 0) {
            box_t c;
            size_t coff = 0;
            int cr;
            while ((cr = cs_heif_box_next(b.p, b.len, &coff, &c)) > 0) {
                if (strcmp(c.type, "ipco") == 0 && ipco.p == NULL)
                    ipco = c;
                else if (strcmp(c.type, "ipma") == 0 && nipma < 4)
                    ipmas[nipma++] = c;
            }
            if (cr < 0)
                goto broken;
        }
    }
    if (r < 0 || !have_pitm || ipco.p == NULL) {
        cs_snprintf_cut(why, why_size, "the meta box has no %s",
                        r < 0        ? "readable structure"
                        : !have_pitm ? "primary item"
                                     : "ipco");
        return -1;
    }
    for (int i = 0; i < nipma; i++)
        if (primary_props(&ipmas[i], primary, idx, &nidx, (int)(sizeof idx / sizeof idx[0])) < 0)
            goto broken;
    /* the size as stored: the (last) ispe */
    for (int i = 0; i < nidx; i++) {
        box_t p;
        if (property(&ipco, idx[i], &p) != 0 || strcmp(p.type, "ispe") != 0 || p.len < 12)
            continue;
        if (be32(p.p + 4) > INT32_MAX || be32(p.p + 8) > INT32_MAX) {
            out->width = out->height = 0;
            out->huge = 1;
        } else {
            out->width = (long)be32(p.p + 4);
            out->height = (long)be32(p.p + 8);
            out->huge = out->width > CS_HEIF_MAX_SIDE || out->height > CS_HEIF_MAX_SIDE;
        }
    }
    out->display_width = out->width;
    out->display_height = out->height;
    /* the transforms, in order; the size shown after them, as libheif 1.15 sets it */
    for (int i = 0; i < nidx; i++) {
        box_t p = {0};
        if (property(&ipco, idx[i], &p) != 0)
            continue; /* a missing property: the pixels' decoder says what is wrong */
        cs_heif_transform_t tr, *t = &tr;
        if (strcmp(p.type, "irot") == 0 && p.len >= 1) {
            *t = (cs_heif_transform_t){.type = "irot", .angle = (p.p[0] & 3) * 90};
            if (t->angle == 90 || t->angle == 270) {
                long w = out->display_width;
                out->display_width = out->display_height;
                out->display_height = w;
            }
        } else if (strcmp(p.type, "imir") == 0 && p.len >= 1) {
            *t = (cs_heif_transform_t){.type = "imir", .mode = p.p[0] & 1};
        } else if (strcmp(p.type, "clap") == 0) {
            *t = (cs_heif_transform_t){.type = "clap"};
            if (p.len >= 16) {
                out->display_width = clap_round(p.p, out->display_width);
                out->display_height = clap_round(p.p + 8, out->display_height);
            }
        } else {
            continue;
        }
        if (out->nt < CS_HEIF_MAX_TRANSFORMS)
            out->t[out->nt++] = tr;
    }
    return 0;
broken:
    cs_snprintf_cut(why, why_size, "the item properties (iprp) are cut short or malformed");
    memset(out, 0, sizeof *out);
    return -1;
}

int
cs_heif_transforms(int fd, long long size, cs_heif_transform_t *t, int *n, char *why,
                   size_t why_size)
{
    unsigned char *meta = NULL;
    size_t meta_len = 0;
    cs_heif_props_t p;
    int err;

    *n = 0;
    if (why_size > 0)
        why[0] = '\0';
    if ((err = cs_heif_meta_load(fd, size, &meta, &meta_len, why, why_size)) == 0 && meta != NULL &&
        cs_heif_props_parse(meta, meta_len, &p, why, why_size) == 0) {
        memcpy(t, p.t, sizeof p.t[0] * (size_t)p.nt);
        *n = p.nt;
    }
    free(meta);
    return err;
}
