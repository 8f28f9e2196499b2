/* media/damage.h: whether a recording is damaged (cut short, its index missing or pointing past
 * its end, its container unreadable, its first packets undecodable), said as one line a clerk
 * can read. Runs in the worker, from cs_extract_file; the original is kept either way. */
#ifndef CS_MEDIA_DAMAGE_H
#define CS_MEDIA_DAMAGE_H

#include "media/extract_io.h"

#include <jansson.h>

/** The codes of rec.damaged.code, one per kind of damage. */
#define CS_DAMAGE_TRUNCATED "truncated"   /* a box or packet runs past the end of the file */
#define CS_DAMAGE_NO_INDEX "no_index"     /* an MP4/MOV without its 'moov' box */
#define CS_DAMAGE_INDEX "index_past_end"  /* the index points to bytes the file lacks */
#define CS_DAMAGE_UNREADABLE "unreadable" /* sniffed as a recording, the container won't open */
#define CS_DAMAGE_DECODE "decode_errors"  /* the first packets decode with errors, no frame */

/** Looks at the recording open in `src` (audio/ and video/ media types only; src->fmt opened or
 * not, as probing left it) and, when it is damaged, sets rec.damaged = {"code": CS_DAMAGE_*,
 * "reason": "one line"}. Reads at most a few hundred bytes of boxes and a few packets. Returns
 * 0 (damaged or not) or CS_ENOMEM. */
int cs_damage_check(cs_avio_file_t *src, const char *media_type, json_t *rec);

#endif
