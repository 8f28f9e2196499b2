/* media/transcode_public.h: the redaction of a "public" copy (transcode.h), inside the worker.
 *
 * The redaction spec is JSON the service checked (ingest/redact.h says its fields and limits):
 *   {"regions": [{"x", "y", "w", "h", "start"?, "end"?, "mode": "blur" | "black"}],
 *    "blur_frames": [{"start", "end"}], "audio": [{"start", "end", "mode": "mute" | "bleep"}]}
 * Rectangles are in the source's pixels as decoded (before display rotation or scaling);
 * times in seconds from the copy's start (0 = the source's first picture or sound); a region
 * without times covers the whole recording. The worker still bounds everything it reads: a
 * member of the wrong type is left out, never guessed. */
#ifndef CS_MEDIA_TRANSCODE_PUBLIC_H
#define CS_MEDIA_TRANSCODE_PUBLIC_H

#include <jansson.h>
#include <libavutil/frame.h>

#include <stddef.h>
#include <stdint.h>

#define CS_PUBLIC_FILTERS_MAX 16384 /* bytes of a redaction chain, NUL included */

/** Writes into buf the libavfilter chain that redacts pictures of width x height by `spec`
 * (NULL: nothing; buf gets ""), the spec's times moved by origin_s (the source time of the
 * copy's 0); `timed` 0 for a photo (no enable=). The chain takes one unlabelled input and gives
 * one unlabelled output, so that more filters can follow after a ','. Returns 0 or
 * CS_ENAMETOOLONG. */
int cs_tc_public_filters(const json_t *spec, int width, int height, double origin_s, int timed,
                         char *buf, size_t size);

/** Mutes (silence) or bleeps (a 1 kHz tone at -12 dBFS) the samples of `f` (planar float, as
 * the AAC encoder takes them; f->pts its first sample, 1/rate) that fall in the spec's audio
 * ranges. Frames of another format are left alone. */
void cs_tc_public_audio(const json_t *spec, AVFrame *f, int rate);

/** Makes *out: the photo `src` with the spec's regions blacked out or blurred, its rectangles
 * given in pixels of a picture full_width wide (src may be decoded smaller, at a lowres).
 * *out is NULL when the spec has no regions (the picture is used as it is). A graph that
 * cannot be built sets reason. Returns 0 or CS_ENOMEM. */
int cs_tc_public_photo(const AVFrame *src, int full_width, const json_t *spec, AVFrame **out,
                       char *reason, size_t size);

/** 1 when the ICC profile `icc` (len bytes) describes sRGB (its description tag names it):
 * such a profile adds nothing a JPEG viewer does not assume, and is left out. */
int cs_tc_icc_is_srgb(const uint8_t *icc, size_t len);

#endif
