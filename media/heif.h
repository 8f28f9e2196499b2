/* media/heif.h: HEIF pictures (HEIC from phones, and other HEIF images libheif reads): their
 * metadata (the Exif item, through media/exif.c; XMP; the primary image's size and the
 * transforms it is shown with) and their pixels. Parses untrusted bytes: runs only inside a
 * `custody-worker`. */
#ifndef CS_MEDIA_HEIF_H
#define CS_MEDIA_HEIF_H

#include <jansson.h>

#include <stddef.h>

#define CS_HEIF_MAX_SIDE 16384                                         /* pixels, each side */
#define CS_HEIF_MAX_PIXELS ((long)CS_HEIF_MAX_SIDE * CS_HEIF_MAX_SIDE) /* per picture */
#define CS_HEIF_MAX_TRANSFORMS 8

/** 1 when the bytes `head` (len of them, the start of a file) are a HEIF file (ftyp brands
 * libheif knows, read or not), else 0. */
int cs_heif_sniff(const unsigned char *head, size_t len);

/** 1 when the sniffed `media_type` is a HEIF picture (image/heic, image/heif, image/avif and
 * their "-sequence" forms), else 0. */
int cs_heif_media_type(const char *media_type);

/** One transform of the primary image, in the order the file applies them. */
typedef struct cs_heif_transform {
    char type[5]; /* "irot", "imir" or "clap" */
    int angle;    /* irot: degrees anticlockwise, 0, 90, 180 or 270 */
    int mode;     /* imir: its bit, read as HEIF Amendment 2, iPhones and libheif read it:
                   * 0 top and bottom exchanged, 1 left and right exchanged */
} cs_heif_transform_t;

/** Reads the primary item's transformative properties (irot, imir, clap, as ipma lists them)
 * from the meta box of the HEIF file open at `fd`, `size` bytes long, into t[0..*n) (at most
 * CS_HEIF_MAX_TRANSFORMS). A structure that cannot be followed sets why (one line) and *n 0;
 * not an error. Returns 0, or CS_ENOMEM, or the CS_E* of a read error. */
int cs_heif_transforms(int fd, long long size, cs_heif_transform_t *t, int *n, char *why,
                       size_t why_size);

/** Adds what a HEIF file says about itself to the object `rec` (borrowed), as cs_exif_read
 * does for a JPEG (exif.h: device, gps, time_candidates, raw.exif, errors), and:
 *   "image": {"width", "height": the primary image as stored (its ispe, before turning; what
 *             ExifTool calls File:ImageWidth/ImageHeight, as a JPEG's frame size is),
 *             "orientation": EXIF's 1..8 (absent without; informative only, HEIF viewers turn
 *             the picture by its transforms instead),
 *             "display_width", "display_height": the size shown, after the transforms,
 *             "transforms": [{"type": "irot", "angle_ccw": 270}, {"type": "imir",
 *             "mode": 0 | 1, "flip": "top-bottom" | "left-right"}, {"type": "clap"}] in the
 *             order applied (imir read as HEIF Amendment 2, iPhones and libheif read it)}
 *   "raw": {"xmp": "<the XMP packet as UTF-8 text, at most 64 KiB>"} when there is one.
 * Reads the meta box (at most 4 MiB) and the metadata items' own bytes (Exif at most 1 MiB,
 * XMP 1 MiB), never the coded pictures. A structure that cannot be followed, an item past the
 * end of the file (a file cut short) or a primary image of more than CS_HEIF_MAX_SIDE a side
 * is an entry in errors; what could be read is still recorded. Returns 0, or CS_ENOMEM, or the
 * CS_E* of why the file cannot be opened (cs_diag set), or CS_EINVAL without a path or object. */
int cs_heif_read(const char *path, json_t *rec);

#endif
