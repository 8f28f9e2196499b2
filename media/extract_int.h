/* media/extract_int.h: what extract.c, extract_streams.c and extract_tags.c share. Private
 * to indexer/: nothing outside this folder includes it (the interface is extract.h). */
#ifndef CS_MEDIA_EXTRACT_INT_H
#define CS_MEDIA_EXTRACT_INT_H

#include <jansson.h>
#include <libavformat/avformat.h>

/** Sets obj[key] = v (stolen); returns CS_ENOMEM if v is NULL or the set fails. */
int cs_extract_put(json_t *obj, const char *key, json_t *v);

/** Whether `f` is one of FFmpeg's image demuxers (gif, *_pipe): they report a nominal 25 fps
 * and no duration, and neither means anything. */
int cs_extract_is_image_demuxer(const AVInputFormat *f);

/** Sets *out to a new "media" object: container, duration, bit rate and every stream of fmt.
 * Returns 0 or CS_ENOMEM (*out untouched). */
int cs_extract_describe_media(AVFormatContext *fmt, json_t **out);

/** The decoded size of a photo's picture, from the first video stream that has one; 0x0 when
 * none does. */
void cs_extract_frame_size(AVFormatContext *fmt, int *width, int *height);

/** For images (by media_type or is_image), sets rec.image.width/height, beside what EXIF says
 * (orientation). The decoded frame wins over EXIF's pixel dimensions, which editors often
 * leave stale; with neither, says so in errors. Returns 0 or CS_ENOMEM. */
int cs_extract_describe_image(const char *media_type, int is_image, int width, int height,
                              json_t *rec, json_t *errors);

/** Copies every container and stream tag of fmt into rec.raw (as bounded UTF-8), and adds
 * what they say about time (rec.time_candidates), place (rec.gps) and device (rec.device).
 * Returns 0 or CS_ENOMEM. */
int cs_extract_describe_tags(AVFormatContext *fmt, json_t *rec, json_t *errors);

/** Appends the time candidate {"source", "local"+"offset" | "utc"} read from `value`
 * ("YYYY-MM-DD[T ]HH:MM:SS[.fff][Z|+HH:MM]") to cands; text that is not a time goes in as it
 * is, for cs_captime_choose to reject in words. With zone_means_utc, "+00:00" is taken for
 * UTC. Returns 0 or CS_ENOMEM. */
int cs_extract_add_time(json_t *cands, const char *source, const char *value, int zone_means_utc);

/** What Custody reads itself beside libavformat (fd: the open file of `size` bytes): in
 * MPEG-TS, the MDPM camera metadata of the H.264 stream (reads the first video packets); in
 * DV, the first frame's recording time; in ASF, the creation date; in
 * MP4/MOV, the 3GPP loci box at full precision and the XMP packet. Adds time candidates,
 * and gps, device and raw members. Returns 0 or CS_ENOMEM. */
int cs_extract_describe_camera(AVFormatContext *fmt, int fd, int64_t size, json_t *rec,
                               json_t *errors);

/** What an XMP packet (`len` bytes, untrusted) says: exif:DateTimeOriginal,
 * photoshop:DateCreated and xmp:CreateDate as time candidates ("xmp-exif:DateTimeOriginal"...),
 * tiff:Make and tiff:Model into rec.device where nothing else said, each in rec.raw.xmp.
 * Returns 0 or CS_ENOMEM. */
int cs_extract_describe_xmp(const char *xmp, size_t len, json_t *rec);

/** Adds the times the caller knows (hints, borrowed, may be NULL): the clerk's sidecar
 * ("recorded_at") and the upload's mtime ("source_mtime") to rec.time_candidates; a hint that
 * is not text is noted in errors and ignored. Returns 0 or CS_ENOMEM. */
int cs_extract_add_hints(json_t *hints, json_t *rec, json_t *errors);

#endif
