/* media/xmp.h: single values out of an XMP packet (RDF/XML), without an XML parser: the
 * few simple properties the record takes (dates, make, model), written either as attributes
 * (xmp:CreateDate="...") or as elements (<tiff:Make>...</tiff:Make>). */
#ifndef CS_MEDIA_XMP_H
#define CS_MEDIA_XMP_H

#include <stddef.h>

/** Copies the value of the first property `name` (prefixed, e.g. "exif:DateTimeOriginal") in
 * the `len` bytes of `xmp` into out (`size` bytes, NUL-terminated), the five XML entities
 * and numeric references below 0x80 decoded, surrounding white space trimmed. Returns 0, or
 * -1 when the property is absent, empty, not simple text, or does not fit in out. */
int cs_xmp_get(const char *xmp, size_t len, const char *name, char *out, size_t size);

#endif
