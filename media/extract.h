/* media/extract.h: the normalised metadata record of a media file: what it says about
 * itself (container, duration, streams, tags, EXIF, place, device) and when it was captured,
 * with how that is known. Runs inside a `custody-worker` process: it parses untrusted bytes,
 * so the service never calls it in-process. */
#ifndef CS_MEDIA_EXTRACT_H
#define CS_MEDIA_EXTRACT_H

#include <jansson.h>

/** Reads the metadata of the regular file at `path`. `media_type` (sniffed, may be NULL)
 * chooses the readers: photos (image/jpeg, image/tiff) also go through cs_exif_read, HEIF
 * photos (image/heic, image/heif, image/avif) through cs_heif_read (heif.h) instead of
 * libavformat, other
 * images get an "image" member, and application/octet-stream is not parsed at all (the
 * record is cs_extract_unrecognised()). `hints` (borrowed, may be NULL) is what the caller
 * knows: {"recorded_at": sidecar RFC 3339 time, "source_mtime": RFC 3339 UTC time,
 * "default_tz": "+08:00"}, each optional. On success *record is a new object:
 *
 *   {"captured_at": "2019-07-24T11:25:40+03:00" | "...Z" | "2019-07-24T11:25:40" | null,
 *    "captured_at_source": "quicktime:com.apple.quicktime.creationdate" | ... | null,
 *    "captured_at_utc": "2019-07-24T08:25:40Z" | null, "offset_known": true | false,
 *    "time_candidates": [{"source": "quicktime:creation_time", "utc": "...Z"},
 *                        {"source": "quicktime:com.apple.quicktime.creationdate",
 *                         "local": "2019-07-24T11:25:40", "offset": "+03:00" | null},
 *                        ... "container:creation_time", "exif:*", "sidecar", "file:mtime"],
 *                       (rules and precedence: media/captime.h)
 *    "media": {"container": "mov,mp4,m4a,3gp,3g2,mj2", "duration_s": 4.97 | null,
 *              "bit_rate": 395011 | null,
 *              "streams": [{"type": "video", "codec": "h264",
 *                           "profile": "High" (libavcodec's name; only if declared), "width": 1920,
 *                           "height": 1080, "frame_rate": 29.97 | null,
 *                           "rotation": 0 | 90 | 180 | 270 (clockwise, for display),
 *                           "bit_rate": ... | null, "attached_pic": true (only if so)},
 *                          {"type": "audio", "codec": "aac", "sample_rate": 48000,
 *                           "channels": 2, "bit_rate": ... | null}, ...]} | null,
 *    "image": {"width": 4032, "height": 3024, "orientation": 1..8}  (images only; the size
 *              is the decoded frame's, orientation comes from EXIF; a HEIF's size is its
 *              primary image as stored, with "display_width", "display_height" and
 *              "transforms" beside it: heif.h),
 *    "gps": {"lat": 32.0929, "lon": 34.862, "alt": 28.516 | null,
 *            "source": "quicktime:com.apple.quicktime.location.ISO6709" | "exif:GPS" | ...,
 *            "suspect": true (only at 0,0)}                       (absent when unknown),
 *    "device": {"make", "model", "serial", "software"}            (each absent when unknown),
 *    "raw": {"exif": {...}} (photos) | {"container": {tag: value}, "streams": [{tag: value}]},
 *    "errors": ["libavformat could not open the file: Invalid data found ...", ...]}
 *
 * Every string is valid UTF-8 (bytes that are not become U+FFFD); a tag longer than 8 KiB
 * is cut, and errors says so. Unreadable media is not an error: it returns 0 with
 * "media": null (or what could be read) and the reasons in "errors". Returns a negative
 * CS_E* code (and *record NULL) only when the file itself cannot be opened (CS_ENOENT,
 * CS_EACCES, CS_ENOTREG) or memory runs out (CS_ENOMEM). The caller owns *record. */
int cs_extract_file(const char *path, const char *media_type, json_t *hints, json_t **record);

/** The most FFmpeg may allocate at once in a process that reads media: above what any real
 * file needs (an 8K FFV1 frame's packet buffer is about 400 MB) and far below what a hostile
 * header can claim (a WAV's INFO list that names a 1.7 GB tag: FFmpeg zeroes all of it before
 * it finds the file short). */
#define CS_EXTRACT_MAX_ALLOC ((size_t)512 << 20)

/** Bounds FFmpeg's allocations in this process to CS_EXTRACT_MAX_ALLOC (av_max_alloc): what a
 * media worker does at start, before it reads any file. */
void cs_extract_limits(void);

/** 1 when content of `media_type` is worth handing to a parser (a worker); 0 for content the
 * sniffer did not recognise, whose record is cs_extract_unrecognised(): no parser runs. */
int cs_extract_wanted(const char *media_type);

/** The record of unrecognised content, {"media": null, "errors": ["..."]}; new reference. */
json_t *cs_extract_unrecognised(void);

#endif
