/* media/jpeg_xmp.h: the XMP packet of a JPEG (its APP1 "http://ns.adobe.com/xap/1.0/"
 * segment), which libexif does not read: photos that editors, scanners and phones' galleries
 * saved with their dates only in XMP. */
#ifndef CS_MEDIA_JPEG_XMP_H
#define CS_MEDIA_JPEG_XMP_H

#include <stddef.h>
#include <stdint.h>

#define CS_JPEG_XMP_SCAN (1024 * 1024) /* bytes of markers walked before the picture data */

/** Walks the JPEG's marker segments in the open file `fd` of `size` bytes up to the first
 * scan (at most CS_JPEG_XMP_SCAN bytes) and copies the first standard XMP packet into a new
 * NUL-terminated buffer (*xmp, *len; the caller frees it). Returns 0 with *xmp set, 1 when the
 * file has none (or is not a JPEG, or its markers are broken before one), or CS_ENOMEM /
 * CS_EIO. */
int cs_jpeg_xmp_read(int fd, int64_t size, char **xmp, size_t *len);

#endif
