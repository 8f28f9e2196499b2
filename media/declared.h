/* media/declared.h: what a recording's own header declares (its duration, its picture size,
 * for Matroska its date), read without libavformat, so that a file FFmpeg cannot read whole
 * (cut, its index missing) still says how long it was meant to be. AVI: the 'avih' main
 * header and the first video stream's 'strh'/'strf' in 'hdrl' (media/avi_head.c); Matroska /
 * WebM: the EBML walk to Segment Info and Tracks (media/mkv_head.c); ASF: the header object
 * (media/asf.c). Every reader is bounded: AVI and ASF in the first CS_DECLARED_HEAD bytes,
 * Matroska in a fixed number of elements. The record member is written by
 * media/declared.c. */
#ifndef CS_MEDIA_DECLARED_H
#define CS_MEDIA_DECLARED_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define CS_DECLARED_HEAD 65536 /* bytes at the start of an AVI or ASF file looked at */

typedef struct cs_declared {
    double duration_s; /* < 0: not declared */
    int width, height; /* of the first video stream; 0: not declared */
    char date_utc[32]; /* Matroska DateUTC, "YYYY-MM-DDTHH:MM:SSZ"; "": not declared */
} cs_declared_t;

/** Resets d to "nothing declared". */
void cs_declared_init(cs_declared_t *d);

/** Reads an AVI's 'hdrl' from the `len` bytes at `p` (the start of the file). Returns 0 when
 * a duration or a size was found, -1 otherwise (not AVI, cut before 'avih', or sizes that lie
 * about their parents). */
int cs_avi_head(const uint8_t *p, size_t len, cs_declared_t *d);

/** Walks the Matroska/WebM file of `size` bytes open on fd: EBML header, Segment, and the
 * Segment's Info and Tracks (other elements, Clusters among them, skipped by their size).
 * Returns 0 when something was found, -1 otherwise, CS_ENOMEM. */
int cs_mkv_head(int fd, int64_t size, cs_declared_t *d);

/** For an AVI, Matroska/WebM or ASF recording (by media_type; others: nothing), sets
 * rec.declared = {"source", "duration_s"?, "width"?, "height"?, "note"} to what the header
 * declares, and, when libavformat could not open the file (rec.media null), adds the header's
 * date as a time candidate ("matroska:DateUTC", "asf:CreationDate"). rec.media is left as
 * libavformat read it. Call after cs_damage_check (the note says whether the file holds what
 * the header declares). Returns 0 or CS_ENOMEM. */
int cs_extract_declared(int fd, int64_t size, const char *media_type, json_t *rec);

#endif
