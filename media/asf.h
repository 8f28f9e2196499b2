/* media/asf.h: the creation date an ASF file (WMV, WMA) states in its File Properties
 * Object, which libavformat reads but does not hand over, and the duration and picture size
 * its header declares (for a file libavformat cannot open: media/declared.h). */
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

/** The play duration (less the preroll, as libavformat gives it, where ExifTool does not
 * subtract it; not for a broadcast file, whose
 * durations are unset) of the File Properties Object into *duration_s, and the encoded picture
 * size of the first video Stream Properties Object into *width, *height, from the `len` bytes
 * at `p`. What is not found is left as it was. Returns 0 when something was found, else -1. */
int cs_asf_declared(const uint8_t *p, size_t len, double *duration_s, int *width, int *height);

#endif
