/* media/heif_meta.h: the HEIF meta box read by the project's own bounded reader (heif_boxes.c:
 * the boxes and the primary item's properties; heif_meta.c: the items, where their bytes lie,
 * and the Exif and XMP items read from there). Only the top-level box headers, the meta box
 * (at most 4 MiB) and the metadata items' own bytes are read: never the coded pictures.
 * Internal to media/heif*.c. Parses untrusted bytes: runs only inside a `custody-worker`. */
#ifndef CS_MEDIA_HEIF_META_H
#define CS_MEDIA_HEIF_META_H

#include "media/heif.h"

#include <stddef.h>
#include <stdint.h>

#define CS_HEIF_META_MAX (4 << 20) /* bytes of a meta box read */

typedef struct cs_heif_box {
    const unsigned char *p; /* payload */
    size_t len;
    char type[5];
} cs_heif_box_t;

/** The box at b[*off] (of len bytes): its payload in *out, *off moved past it. 0 at the end,
 * -1 when the box does not fit. */
int cs_heif_box_next(const unsigned char *b, size_t len, size_t *off, cs_heif_box_t *out);

/** Reads the payload of the file's top-level meta box into *meta (malloc'd, *len bytes).
 * *meta NULL with why set when there is none or it is larger than CS_HEIF_META_MAX. Returns
 * 0, or CS_ENOMEM, or the CS_E* of a read error. */
int cs_heif_meta_load(int fd, long long size, unsigned char **meta, size_t *len, char *why,
                      size_t why_size);

/** What the primary item's properties say. */
typedef struct cs_heif_props {
    cs_heif_transform_t t[CS_HEIF_MAX_TRANSFORMS];
    int nt;
    long width, height;                 /* its ispe, 0 without or past 2^31 */
    int huge;                           /* its ispe is more than CS_HEIF_MAX_SIDE a side */
    long display_width, display_height; /* after clap and irot, as libheif shows it */
} cs_heif_props_t;

/** Reads pitm, iprp/ipco and iprp/ipma of the meta payload m into *p. Returns 0, or -1 with
 * why set (then *p holds nothing). */
int cs_heif_props_parse(const unsigned char *m, size_t len, cs_heif_props_t *p, char *why,
                        size_t why_size);

#define CS_HEIF_MAX_EXTENTS 64 /* extents of one metadata item followed */

/** Where a metadata item's bytes lie: in the file (method 0) or in the meta box's idat
 * (method 1), in extents read one after the other. */
typedef struct cs_heif_loc {
    int found, method;
    int n;
    uint64_t off[CS_HEIF_MAX_EXTENTS], len[CS_HEIF_MAX_EXTENTS];
    uint64_t total;
} cs_heif_loc_t;

/** The metadata items of a HEIF file, as its meta box lists them. */
typedef struct cs_heif_items {
    uint32_t primary;
    int has_primary;
    int has_exif, has_xmp;     /* an 'Exif' item; a 'mime' item of application/rdf+xml */
    cs_heif_loc_t exif, xmp;   /* their iloc entries */
    const unsigned char *idat; /* the idat payload, inside the meta buffer, or NULL */
    size_t idat_len;
    uint32_t cut_item; /* an item whose bytes run past the end of the file, 0 when none */
} cs_heif_items_t;

/** Reads pitm, iinf/infe and iloc of the meta payload m (len bytes) of a file of file_size
 * bytes into *it. Returns 0, or -1 with why set (one line). */
int cs_heif_items_parse(const unsigned char *m, size_t len, long long file_size,
                        cs_heif_items_t *it, char *why, size_t why_size);

/** Reads the item at loc (of a file open at fd, file_size bytes) into *out (malloc'd, *n
 * bytes), when it holds 1..max bytes. Returns 0; or 1 with why set when it is empty, larger
 * than max, or not where it says (*out NULL); or CS_ENOMEM or a read error. */
int cs_heif_item_read(int fd, long long file_size, const cs_heif_items_t *it,
                      const cs_heif_loc_t *loc, size_t max, unsigned char **out, size_t *n,
                      char *why, size_t why_size);

#endif
