/* media/exif.h: EXIF of photos (JPEG, and TIFF where libexif can), read with libexif, into
 * the normalised metadata record. Parses untrusted bytes: runs only inside a `custody-worker`.
 */
#ifndef CS_MEDIA_EXIF_H
#define CS_MEDIA_EXIF_H

#include <jansson.h>

/** Reads the EXIF of the file at `path` (at most CS_EXIF_MAX_READ bytes of it are read) and
 * adds what it finds to the object `rec` (borrowed), creating members as needed:
 *   "device": {"make", "model", "serial", "software"}          (strings; absent when unknown)
 *   "image":  {"width", "height", "orientation"}               (integers; the JPEG frame
 *             size from its SOFn header, as decoders and ExifTool see it, or EXIF
 *             PixelX/YDimension when there is no frame header (TIFF); orientation 1..8)
 *   "gps":    {"lat", "lon", "alt", "source": "exif:GPS"}      (signed decimal degrees,
 *             metres; "suspect": true and a note in errors when lat = lon = 0; absent
 *             when the GPS IFD has no usable position)
 *   "time_candidates": [ {"source": "exif:DateTimeOriginal", "local": "2023-11-03T10:15:00",
 *             "offset": "+08:00" | null, "subsec": "123" | null}, ... ] appended, one per
 *             EXIF date found: DateTimeOriginal (offset from OffsetTimeOriginal), CreateDate =
 *             DateTimeDigitized (OffsetTimeDigitized), ModifyDate = DateTime (OffsetTime);
 *             "local" is exactly the EXIF wall time in RFC 3339 form, never shifted
 *   "raw": {"exif": {"<IFD>:<TagName>": "<value as libexif formats it>", ...}}
 *             (IFD as ExifTool names it: IFD0, IFD1, ExifIFD, GPS, InteropIFD; 0xTAG for tags
 *             libexif cannot name; no MakerNote; blobs over 256 bytes as "<N bytes>")
 *   "errors": [ "...", ... ] appended: what could not be read, in words (no EXIF at all, a
 *             date that is not a date, a GPS IFD without coordinates, ...)
 * Every string is valid UTF-8 (EXIF text is untrusted bytes: invalid sequences become
 * U+FFFD, control characters are dropped). Returns 0 (also when there is no EXIF: that is an
 * entry in errors), or CS_ENOMEM, or the code of why the file cannot be opened or read
 * (CS_ENOENT, CS_EACCES, CS_EIO, CS_ENOTREG, ...) with cs_diag set, or CS_EINVAL without a
 * path or object. Never crashes on hostile input. */
int cs_exif_read(const char *path, json_t *rec);

/** As cs_exif_read, for EXIF already in memory: `tiff` (len bytes, borrowed) is the TIFF
 * structure itself, from its "II*\0" or "MM\0*" header (as in a HEIF Exif item, after its
 * offset). `width` x `height` is the picture size the container states (used as
 * image.width/height instead of EXIF's PixelX/YDimension), or -1 x -1 when it states none.
 * Bytes that are no TIFF structure are an entry in errors. Returns 0, CS_ENOMEM, or
 * CS_EINVAL without an object. Never crashes on hostile input. */
int cs_exif_read_tiff(const void *tiff, size_t len, long width, long height, json_t *rec);

#define CS_EXIF_MAX_READ (64 * 1024 * 1024)

#endif
