/* media/asf.h: the creation date an ASF file (WMV, WMA) states in its File Properties
 * Object, which libavformat reads but does not hand over. */
#ifndef CS_MEDIA_ASF_H
#define CS_MEDIA_ASF_H

#include <stddef.h>
#include <stdint.h>

#define CS_ASF_HEAD 65536 /* bytes at the start of a file the reader looks at */

/** Reads the File Properties Object's creation date from the `len` bytes at `p` (the start of
 * the file) into "YYYY-MM-DDTHH:MM:SSZ" in out (21 bytes at least), whole seconds as
 * ExifTool gives them. Returns 0, or -1 when the header or the object is not there (or cut),
 * or the date is 0 (unset). */
int cs_asf_creation_time(const uint8_t *p, size_t len, char *out, size_t size);

#endif
