/* media/heif_meta.c: a HEIF file's metadata items (Exif, XMP), found and read by the bytes
 * they take and no more.
 *
 * libheif 1.15 reads the whole file to give one Exif item (a 1 MB photo costs 50 reads), so
 * the record's metadata is read here instead: iinf names the items, iloc says where their
 * bytes lie, and only those bytes are read. Every count and offset is checked against its box
 * and the file size before use, in 64 bits without overflow; counts are bounded. */
#include "media/heif_meta.h"

#include "core/buf.h"
#include "core/error.h"
#include "core/io.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ITEMS_MAX 65536 /* item entries (iinf, iloc, iref) looked at */
#define CANDIDATES 16   /* Exif or XMP items of one kind weighed */

/* The metadata items iinf lists, before iref says which describe the primary image. */
typedef struct candidates {
    uint32_t id[CANDIDATES];
    int n, linked[CANDIDATES];
} candidates_t;

static uint32_t
be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* An unsigned of n bytes (0, 4 or 8; 2 for counts) at p[*at] of a payload len long. */
static int
take(const unsigned char *p, size_t len, size_t *at, unsigned n, uint64_t *v)
{
    *v = 0;
    if (len - *at < n)
        return -1;
    for (unsigned i = 0; i < n; i++)
        *v = *v << 8 | p[*at + i];
    *at += n;
    return 0;
}

/* One infe: when it is an Exif item, or a mime item of XMP, its id into exif or xmp. */
static void
infe(const cs_heif_box_t *b, candidates_t *exif, candidates_t *xmp)
{
    static const char rdf[] = "application/rdf+xml";
    const unsigned char *p = b->p;
    size_t at = 4, end, k = sizeof rdf - 1;
    unsigned version;
    uint64_t id;

    if (b->len < 4 || (version = p[0]) < 2)
        return; /* versions 0 and 1 name no item type */
    if (take(p, b->len, &at, version == 2 ? 2 : 4, &id) != 0 || b->len - at < 6)
        return;
    at += 2; /* protection index */
    const unsigned char *type = p + at;
    at += 4;
    end = at;
    while (end < b->len && p[end] != '\0') /* item_name */
        end++;
    at = end + 1; /* past its end when the name runs to the box's end */
    if (memcmp(type, "Exif", 4) == 0 && exif->n < CANDIDATES)
        exif->id[exif->n++] = (uint32_t)id;
    else if (memcmp(type, "mime", 4) == 0 && xmp->n < CANDIDATES && at <= b->len &&
             b->len - at >= k && memcmp(p + at, rdf, k) == 0 &&
             (b->len - at == k || p[at + k] == 0))
        xmp->id[xmp->n++] = (uint32_t)id;
}

static int
iinf(const cs_heif_box_t *b, candidates_t *exif, candidates_t *xmp)
{
    size_t at = 4, off;
    uint64_t count;
    cs_heif_box_t e;
    int r = 1;

    if (b->len < 4 || take(b->p, b->len, &at, b->p[0] == 0 ? 2 : 4, &count) != 0)
        return -1;
    off = at;
    for (uint64_t i = 0;
         i < count && i < ITEMS_MAX && (r = cs_heif_box_next(b->p, b->len, &off, &e)) > 0; i++)
        if (strcmp(e.type, "infe") == 0)
            infe(&e, exif, xmp);
    return r < 0 ? -1 : 0;
}

/* Marks the candidates in c that a cdsc reference links to the primary item. */
static void
link(candidates_t *c, uint32_t from, const unsigned char *to, uint64_t count, unsigned w,
     uint32_t primary)
{
    for (int i = 0; i < c->n; i++)
        if (c->id[i] == from && !c->linked[i])
            for (uint64_t k = 0; k < count && !c->linked[i]; k++) {
                size_t at = (size_t)k * w;
                uint64_t v;
                if (take(to, (size_t)count * w, &at, w, &v) == 0 && v == primary)
                    c->linked[i] = 1;
            }
}

/* iref: which metadata items describe (cdsc) the primary item: libheif shows only those. */
static int
iref(const cs_heif_box_t *b, uint32_t primary, candidates_t *exif, candidates_t *xmp)
{
    size_t off = 4;
    unsigned w;
    cs_heif_box_t r;
    int n = 0, rr = 0;

    if (b->len < 4 || b->p[0] > 1)
        return -1;
    w = b->p[0] == 0 ? 2 : 4;
    while (n++ < ITEMS_MAX && (rr = cs_heif_box_next(b->p, b->len, &off, &r)) > 0) {
        size_t at = 0;
        uint64_t from, count;
        if (take(r.p, r.len, &at, w, &from) != 0 || take(r.p, r.len, &at, 2, &count) != 0 ||
            (r.len - at) / w < count)
            return -1;
        if (strcmp(r.type, "cdsc") == 0) {
            link(exif, (uint32_t)from, r.p + at, count, w, primary);
            link(xmp, (uint32_t)from, r.p + at, count, w, primary);
        }
    }
    return rr < 0 ? -1 : 0;
}

/* The linked candidate of the lowest id (libheif's order) into *id; 0 when none. */
static int
choose(const candidates_t *c, uint32_t *id)
{
    int found = 0;
    for (int i = 0; i < c->n; i++)
        if (c->linked[i] && (!found || c->id[i] < *id)) {
            *id = c->id[i];
            found = 1;
        }
    return found;
}

/* One iloc entry's extents into *loc, checked against the file or the idat. */
static int
extents(const unsigned char *p, size_t len, size_t *at, unsigned version, unsigned osz,
        unsigned lsz, unsigned isz, uint64_t base, int method, cs_heif_loc_t *loc,
        long long file_size, size_t idat_len)
{
    uint64_t count, v, o, l, limit = method == 1 ? idat_len : (uint64_t)file_size;
    int st = 0; /* -2 past the end, -3 too many pieces; every extent is still stepped over */

    if (take(p, len, at, 2, &count) != 0)
        return -1;
    loc->found = 1;
    loc->method = method;
    loc->n = 0;
    loc->total = 0;
    for (uint64_t e = 0; e < count; e++) {
        if ((version >= 1 && isz > 0 && take(p, len, at, isz, &v) != 0) ||
            take(p, len, at, osz, &o) != 0 || take(p, len, at, lsz, &l) != 0)
            return -1;
        if (st != 0)
            continue;
        if (o > UINT64_MAX - base || (o += base) > limit) {
            st = -2;
            continue;
        }
        if (l == 0) /* the rest of the file */
            l = limit - o;
        if (l > limit - o)
            st = -2;
        else if (loc->n >= CS_HEIF_MAX_EXTENTS || l > UINT64_MAX - loc->total)
            st = -3;
        else {
            loc->off[loc->n] = o;
            loc->len[loc->n++] = l;
            loc->total += l;
        }
    }
    return st;
}

/* iloc: the extents of the items exif and xmp; the first item that runs past the end of the
 * file (a file cut short) into it->cut_item. */
static int
iloc(const cs_heif_box_t *b, cs_heif_items_t *it, long long file_size, uint32_t exif, uint32_t xmp,
     char *why, size_t why_size)
{
    const unsigned char *p = b->p;
    size_t len = b->len, at = 6;
    unsigned version, osz, lsz, bsz, isz;
    uint64_t count;

    if (len < 6 || (version = p[0]) > 2)
        goto broken;
    osz = p[4] >> 4;
    lsz = p[4] & 15;
    bsz = p[5] >> 4;
    isz = version >= 1 ? p[5] & 15u : 0;
    if ((osz != 0 && osz != 4 && osz != 8) || (lsz != 0 && lsz != 4 && lsz != 8) ||
        (bsz != 0 && bsz != 4 && bsz != 8) || (isz != 0 && isz != 4 && isz != 8))
        goto broken;
    if (take(p, len, &at, version < 2 ? 2 : 4, &count) != 0)
        goto broken;
    for (uint64_t i = 0; i < count; i++) {
        uint64_t id, method = 0, dref, base;
        cs_heif_loc_t scratch, *loc;
        if (i >= ITEMS_MAX) {
            cs_snprintf_cut(why, why_size, "the item locations (iloc) list more than %d items",
                            ITEMS_MAX);
            return -1;
        }
        if (take(p, len, &at, version < 2 ? 2 : 4, &id) != 0 ||
            (version >= 1 && take(p, len, &at, 2, &method) != 0) ||
            take(p, len, &at, 2, &dref) != 0 || take(p, len, &at, bsz, &base) != 0)
            goto broken;
        method &= 15;
        loc = it->has_exif && id == exif && !it->exif.found ? &it->exif
              : it->has_xmp && id == xmp && !it->xmp.found  ? &it->xmp
                                                            : &scratch;
        int r = extents(p, len, &at, version, osz, lsz, isz, base, (int)method, loc, file_size,
                        it->idat_len);
        if (r == -1)
            goto broken;
        if (r == -2 && method == 0 && dref == 0 && it->cut_item == 0)
            it->cut_item = (uint32_t)id;
        if (loc != &scratch && (r != 0 || dref != 0 || method > 1)) {
            cs_snprintf_cut(why, why_size, "the %s item (%u) is %s",
                            loc == &it->exif ? "Exif" : "XMP", (unsigned)id,
                            dref != 0 || method > 1 ? "in another file or made of other items"
                            : r == -3               ? "in too many pieces"
                                      : "said to lie past the end of the file or its idat");
            return -1;
        }
    }
    return 0;
broken:
    cs_snprintf_cut(why, why_size, "the item locations (iloc) are cut short or malformed");
    return -1;
}

int
cs_heif_items_parse(const unsigned char *m, size_t len, long long file_size, cs_heif_items_t *it,
                    char *why, size_t why_size)
{
    cs_heif_box_t b, binf = {0}, bloc = {0}, bref = {0};
    candidates_t exifs = {0}, xmps = {0};
    size_t off = 4;
    uint32_t exif = 0, xmp = 0;
    int r;

    memset(it, 0, sizeof *it);
    while ((r = cs_heif_box_next(m, len, &off, &b)) > 0) {
        if (strcmp(b.type, "pitm") == 0 && b.len >= 6) { /* the last, as heif_boxes.c */
            it->primary =
                b.p[0] == 0 ? (uint32_t)b.p[4] << 8 | b.p[5] : (b.len >= 8 ? be32(b.p + 4) : 0);
            it->has_primary = 1;
        } else if (strcmp(b.type, "iinf") == 0 && binf.p == NULL) {
            binf = b;
        } else if (strcmp(b.type, "iloc") == 0 && bloc.p == NULL) {
            bloc = b;
        } else if (strcmp(b.type, "iref") == 0 && bref.p == NULL) {
            bref = b;
        } else if (strcmp(b.type, "idat") == 0 && it->idat == NULL) {
            it->idat = b.p;
            it->idat_len = b.len;
        }
    }
    if (r < 0 || binf.p == NULL || bloc.p == NULL) {
        cs_snprintf_cut(why, why_size, "the meta box has no %s",
                        r < 0            ? "readable structure"
                        : binf.p == NULL ? "item list (iinf)"
                                         : "item locations (iloc)");
        return -1;
    }
    if (iinf(&binf, &exifs, &xmps) != 0) {
        cs_snprintf_cut(why, why_size, "the item list (iinf) is cut short or malformed");
        return -1;
    }
    if (bref.p != NULL && it->has_primary && iref(&bref, it->primary, &exifs, &xmps) != 0) {
        cs_snprintf_cut(why, why_size, "the item references (iref) are cut short or malformed");
        return -1;
    }
    it->has_exif = choose(&exifs, &exif);
    it->has_xmp = choose(&xmps, &xmp);
    return iloc(&bloc, it, file_size, exif, xmp, why, why_size);
}

int
cs_heif_item_read(int fd, long long file_size, const cs_heif_items_t *it, const cs_heif_loc_t *loc,
                  size_t max, unsigned char **out, size_t *n, char *why, size_t why_size)
{
    unsigned char *data;
    size_t at = 0;

    (void)file_size; /* the extents were checked against it in cs_heif_items_parse */
    *out = NULL;
    *n = 0;
    if (!loc->found || loc->total == 0 || loc->total > max) {
        cs_snprintf_cut(why, why_size, "%llu bytes", (unsigned long long)loc->total);
        return 1;
    }
    if ((data = malloc((size_t)loc->total)) == NULL)
        return CS_ENOMEM;
    for (int e = 0; e < loc->n; e++) {
        size_t l = (size_t)loc->len[e];
        if (loc->method == 1) {
            memcpy(data + at, it->idat + loc->off[e], l);
        } else {
            ssize_t got = cs_pread_upto(fd, data + at, l, (int64_t)loc->off[e]);
            if (got < 0) {
                free(data);
                return (int)got;
            }
            if ((size_t)got != l) { /* the file changed since it was measured */
                free(data);
                cs_snprintf_cut(why, why_size, "the item ends before its %zu bytes", l);
                return 1;
            }
        }
        at += l;
    }
    *out = data;
    *n = at;
    return 0;
}
