/* indexer/extract.h: what a media file says about itself (container, duration, streams,
 * image size), read with libavformat. Runs inside a `custody worker` process: it parses
 * untrusted bytes, so the service never calls it in-process. */
#ifndef CS_INDEXER_EXTRACT_H
#define CS_INDEXER_EXTRACT_H

#include <jansson.h>

/** Reads the metadata of the regular file at `path`; `media_type` (sniffed, may be NULL)
 * only decides whether an "image" member is added. On success *record is a new object:
 *
 *   {"media": {"container": "mov,mp4,m4a,3gp,3g2,mj2", "duration_s": 4.97 | null,
 *              "bit_rate": 395011 | null,
 *              "streams": [{"type": "video", "codec": "h264", "width": 1920,
 *                           "height": 1080, "frame_rate": 29.97 | null,
 *                           "bit_rate": ... | null, "attached_pic": true (only if so)},
 *                          {"type": "audio", "codec": "aac", "sample_rate": 48000,
 *                           "channels": 2, "bit_rate": ... | null}, ...]} | null,
 *    "image": {"width": 4032, "height": 3024}      (photos only),
 *    "errors": ["libavformat could not open the file: Invalid data found ...", ...]}
 *
 * Unreadable media is not an error: it returns 0 with "media": null (or what could be
 * read) and the reasons in "errors". Returns a negative CS_E* code (and *record NULL)
 * only when the file itself cannot be opened (CS_ENOENT, CS_EACCES, CS_ENOTREG) or
 * memory runs out (CS_ENOMEM). The caller owns *record. */
int cs_extract_file(const char *path, const char *media_type, json_t **record);

/** 1 when content of `media_type` is worth handing to a parser (a worker); 0 for content the
 * sniffer did not recognise, whose record is cs_extract_unrecognised(): no parser runs. */
int cs_extract_wanted(const char *media_type);

/** The record of unrecognised content, {"media": null, "errors": ["..."]}; new reference. */
json_t *cs_extract_unrecognised(void);

#endif
