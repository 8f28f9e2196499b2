/* media/bmff.h: what Custody reads of an ISO base media file (MP4, MOV, 3GP) itself, beside
 * libavformat: the 3GPP location box at its full precision and the XMP packet, which
 * libavformat rounds (loci to 4 decimals) or leaves out (XMP). */
#ifndef CS_MEDIA_BMFF_H
#define CS_MEDIA_BMFF_H

#include <stddef.h>
#include <stdint.h>

#define CS_BMFF_MAX_XMP (1024 * 1024) /* bytes of XMP read; a longer packet is skipped */

typedef struct cs_bmff_meta {
    int has_loci;          /* a 3GPP `loci` box with a position on Earth */
    double lat, lon, alt;  /* degrees and metres, from 16.16 fixed point */
    const char *loci_path; /* "moov/udta/loci" or "moov/trak/udta/loci" (static) */
    char *xmp;             /* the XMP packet (NUL-terminated), or NULL; owned */
    size_t xmp_len;
    const char *xmp_path; /* "uuid" (top level) or "moov/udta/XMP_" (static) */
    char *xml; /* the XML of a meta/'xml ' box (Sony's NonRealTimeMeta), or NULL; owned */
    size_t xml_len;
    int text_too_long; /* an XMP or XML box above CS_BMFF_MAX_XMP was skipped */
} cs_bmff_meta_t;

/** Walks the boxes of the `size`-byte file open at `fd` (read with pread, offset untouched):
 * the top level, moov, moov/udta, moov/trak, moov/trak/udta and meta (top level or in moov),
 * at most a few thousand boxes, and fills *out (zeroed first) with the first `loci`
 * (moov/udta before a track's), the first XMP packet (the top-level uuid
 * BE7ACFCB-97A9-42E8-9C71-999491E3AFAC box, or moov/udta/XMP_) and the first meta/'xml '. A box
 * that is cut or lies about its size ends the walk of its level, not the whole. Returns 0, or
 * CS_ENOMEM; free with cs_bmff_meta_free() either way. */
int cs_bmff_read_meta(int fd, int64_t size, cs_bmff_meta_t *out);

/** Frees what *m holds (the XMP and XML copies); m stays valid and empty. */
void cs_bmff_meta_free(cs_bmff_meta_t *m);

/** Reads a `loci` box's payload (after its 8-byte header): version and flags, language, name,
 * role, then longitude, latitude and altitude in signed 16.16 fixed point. Returns 0 with the
 * position, or -1 when the payload is cut or the position is off the Earth. */
int cs_bmff_parse_loci(const uint8_t *p, size_t len, double *lat, double *lon, double *alt);

#endif
