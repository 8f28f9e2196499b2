/* media/dv.h: the recording date and time a DV camcorder writes into the VAUX packs of each
 * frame's header DIF blocks (IEC 61834), as ExifTool reads it from a raw DV file. */
#ifndef CS_MEDIA_DV_H
#define CS_MEDIA_DV_H

#include <stddef.h>
#include <stdint.h>

#define CS_DV_HEAD 12000 /* bytes at the start of a file the reader looks at */

/** Reads the first frame's recording date (pack 0x62) and time (pack 0x63 after it) in
 * the `len` bytes at `p` (the start of the file) into "YYYY-MM-DDTHH:MM:SS" in out (20 bytes
 * at least): a wall time, no zone (DV's zone byte is not read). Returns 0, or -1 when there
 * is none or it is not BCD. */
int cs_dv_rec_time(const uint8_t *p, size_t len, char *out, size_t size);

#endif
