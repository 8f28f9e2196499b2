/* media/extract.c: the normalised metadata record of a media file: container and stream
 * metadata and tags with libavformat, EXIF through media/exif.c, the capture time through
 * media/captime.c. This file opens and probes the file and puts the record together; the
 * streams are described in extract_streams.c, the tags (time, place, device) read in
 * extract_tags.c.
 *
 * FFmpeg reads the file through our own AVIOContext on a descriptor we opened, never by
 * name: a hostile playlist or reference movie cannot make it open other files or URLs,
 * and names with '%', '*' or '[' are never taken for image-sequence patterns. Probing is
 * bounded in bytes, in media time and in wall time. FFmpeg's own error messages are kept
 * in the record's "errors" instead of going to stderr. Tags are untrusted bytes: they reach
 * the record as valid UTF-8, and bounded. */
#include "media/extract.h"
#include "core/buf.h"

#include "core/error.h"
#include "media/captime.h"
#include "media/damage.h"
#include "media/declared.h"
#include "media/exif.h"
#include "media/extract_int.h"
#include "media/extract_io.h"
#include "media/jpeg_xmp.h"
#include "media/heif.h"

#include <libavformat/avformat.h>
#include <libavutil/avutil.h>
#include <libavutil/mem.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define EXTRACT_IO_BUF (64 * 1024)
#define EXTRACT_PROBESIZE "5000000"       /* bytes read to find and describe streams */
#define EXTRACT_ANALYZEDURATION "5000000" /* microseconds of media looked at */
#define EXTRACT_MAX_STREAMS "100"
#define EXTRACT_DEADLINE_S 30 /* wall time: the worker's timeout is the outer bound */
#define EXTRACT_MAX_MESSAGES 16

typedef cs_avio_file_t source_t;

/* Where FFmpeg's messages go while cs_extract_file runs on this thread (NULL: dropped). */
static _Thread_local json_t *log_sink;
static _Thread_local int log_count;

static void
on_av_log(void *avcl, int level, const char *fmt, va_list ap)
{
    char msg[256];
    char line[320];
    const char *who = NULL;
    size_t len;
    int n;
    if (log_sink == NULL || level > AV_LOG_ERROR)
        return;
    if (log_count++ >= EXTRACT_MAX_MESSAGES) {
        if (log_count == EXTRACT_MAX_MESSAGES + 1)
            json_array_append_new(log_sink, json_string("further libavformat messages dropped"));
        return;
    }
    if ((n = vsnprintf(msg, sizeof msg, fmt, ap)) < 0)
        return;
    if ((size_t)n >= sizeof msg)
        memcpy(msg + sizeof msg - 4, "...", 4); /* marked, not silently cut */
    /* Messages may quote bytes of the file: keep them printable ASCII, valid JSON text. */
    for (char *p = msg; *p != '\0'; p++)
        if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
            *p = ' ';
    len = strlen(msg);
    while (len > 0 && msg[len - 1] == ' ')
        msg[--len] = '\0';
    if (len == 0)
        return;
    if (avcl != NULL && *(AVClass **)avcl != NULL && (*(AVClass **)avcl)->item_name != NULL)
        who = (*(AVClass **)avcl)->item_name(avcl);
    cs_snprintf_cut(line, sizeof line, "%s%s%s", who ? who : "", who ? ": " : "", msg);
    const char *last = json_string_value(json_array_get(log_sink, json_array_size(log_sink) - 1));
    if (last != NULL && strcmp(last, line) == 0)
        return; /* FFmpeg repeats itself for every packet it skips */
    json_array_append_new(log_sink, json_string(line));
}

/* Photos whose type the sniffer has already established are read with the matching image
 * demuxer: content probing misses JPEGs that start with long or unusual APP segments. So is
 * MPEG-TS: probing takes a transport stream of a few packets for MPEG-PS. */
static const struct {
    const char *media_type;
    const char *demuxer;
} image_demuxers[] = {
    {"image/jpeg", "jpeg_pipe"}, {"image/png", "png_pipe"},   {"image/gif", "gif"},
    {"image/webp", "webp_pipe"}, {"image/tiff", "tiff_pipe"}, {"image/bmp", "bmp_pipe"},
    {"video/mp2t", "mpegts"},
};

static const AVInputFormat *
forced_demuxer(const char *media_type)
{
    if (media_type == NULL)
        return NULL;
    for (size_t i = 0; i < sizeof image_demuxers / sizeof image_demuxers[0]; i++)
        if (strcmp(media_type, image_demuxers[i].media_type) == 0)
            return av_find_input_format(image_demuxers[i].demuxer);
    return NULL;
}

int
cs_extract_is_image_demuxer(const AVInputFormat *f)
{
    size_t len = strlen(f->name);
    return strcmp(f->name, "gif") == 0 || (len > 5 && strcmp(f->name + len - 5, "_pipe") == 0);
}

int
cs_extract_put(json_t *obj, const char *key, json_t *v)
{
    if (v == NULL || json_object_set_new(obj, key, v) != 0)
        return CS_ENOMEM;
    return 0;
}

static int
add_error(json_t *errors, const char *what, int averr)
{
    char buf[AV_ERROR_MAX_STRING_SIZE] = "";
    char line[256];
    av_strerror(averr, buf, sizeof buf);
    cs_snprintf_cut(line, sizeof line, "%s: %s", what, buf);
    return json_array_append_new(errors, json_string(line)) == 0 ? 0 : CS_ENOMEM;
}

/* Says in words why reading stopped early, if it did ("Immediate exit requested" does not). */
static int
note_deadline(const source_t *src, json_t *errors)
{
    char line[64];
    if (!cs_avio_file_expired((void *)src))
        return 0;
    cs_snprintf_cut(line, sizeof line, "gave up reading after %d s", EXTRACT_DEADLINE_S);
    return json_array_append_new(errors, json_string(line)) == 0 ? 0 : CS_ENOMEM;
}

/* What libavformat reads: "media", and for recordings "raw" tags and what they say. */
static int
probe(source_t *src, const char *path, const char *media_type, int photo, json_t *rec,
      json_t *errors, int *width, int *height, int *is_image)
{
    AVDictionary *opts = NULL;
    json_t *media = NULL;
    int rc = CS_ENOMEM, err;

    *width = *height = *is_image = 0;
    if (src->fmt == NULL && cs_avio_file_attach(src, path, EXTRACT_IO_BUF) != 0)
        goto out;
    if (av_dict_set(&opts, "probesize", EXTRACT_PROBESIZE, 0) < 0 ||
        av_dict_set(&opts, "analyzeduration", EXTRACT_ANALYZEDURATION, 0) < 0 ||
        av_dict_set(&opts, "max_streams", EXTRACT_MAX_STREAMS, 0) < 0)
        goto out;

    av_log_set_callback(on_av_log);
    log_sink = errors;
    log_count = 0;
    /* The empty URL keeps name-based guessing (extensions, patterns) out of probing. */
    if ((err = avformat_open_input(&src->fmt, "", forced_demuxer(media_type), &opts)) < 0) {
        log_sink = NULL;
        if (add_error(errors, "libavformat could not open the file", err) ||
            cs_extract_put(rec, "media", json_null()) || note_deadline(src, errors))
            goto out;
        rc = 0;
        goto out;
    }
    AVFormatContext *fmt = src->fmt;
    err = avformat_find_stream_info(fmt, NULL);
    log_sink = NULL;
    if ((err < 0 && add_error(errors, "libavformat could not read the stream information", err)) ||
        note_deadline(src, errors))
        goto out;
    if (fmt->nb_streams == 0 &&
        json_array_append_new(errors, json_string("no audio, video or picture stream found")))
        goto out;
    if ((rc = cs_extract_describe_media(fmt, &media)) != 0 ||
        (rc = cs_extract_put(rec, "media", media)) != 0)
        goto out;
    *is_image = cs_extract_is_image_demuxer(fmt->iformat);
    cs_extract_frame_size(fmt, width, height);
    /* A photo's metadata is its EXIF; its demuxer has no tags worth a "raw" member. */
    rc = photo ? 0 : cs_extract_describe_tags(fmt, rec, errors);
    if (rc == 0 && !photo)
        rc = cs_extract_describe_camera(fmt, src->fd, src->size, rec, errors);
out:
    log_sink = NULL;
    av_dict_free(&opts);
    return rc;
}

/* A JPEG's XMP packet: dates and device that some photos carry only there. */
static int
describe_jpeg_xmp(const source_t *src, const char *media_type, json_t *rec)
{
    char *xmp = NULL;
    size_t len = 0;
    int rc;
    if (strcmp(media_type, "image/jpeg") != 0)
        return 0;
    if ((rc = cs_jpeg_xmp_read(src->fd, src->size, &xmp, &len)) != 0)
        return rc == CS_ENOMEM ? rc : 0; /* none, or unreadable: EXIF and the rest still speak */
    rc = cs_extract_describe_xmp(xmp, len, rec);
    free(xmp);
    return rc;
}

static int
is_photo(const char *media_type)
{
    return media_type != NULL &&
           (strcmp(media_type, "image/jpeg") == 0 || strcmp(media_type, "image/tiff") == 0 ||
            cs_heif_media_type(media_type));
}

/* The "media" of a photo whose own reader gave its size: a JPEG's frame header, a HEIF's
 * primary image (libavformat 5.1 cannot read HEIF items, and decoding a JPEG to learn the same
 * numbers would cost more than all the rest). *out stays NULL when there is no size to
 * describe. Returns 0 or CS_ENOMEM. */
static int
sized_media(const char *media_type, json_t *img, json_t **out)
{
    int heif = cs_heif_media_type(media_type);
    const char *codec = !heif                                        ? "mjpeg"
                        : strcmp(media_type, "image/avif") == 0      ? "av1"
                        : strncmp(media_type, "image/heic", 10) == 0 ? "hevc"
                                                                     : NULL;

    *out = NULL;
    if (media_type == NULL || (!heif && strcmp(media_type, "image/jpeg") != 0) ||
        json_integer_value(json_object_get(img, "width")) <= 0 ||
        json_integer_value(json_object_get(img, "height")) <= 0)
        return 0;
    *out = json_pack("{s:s, s:n, s:[{s:s, s:s?, s:O, s:O}]}", "container", heif ? "heif" : "jpeg",
                     "duration_s", "streams", "type", "video", "codec", codec, "width",
                     json_object_get(img, "width"), "height", json_object_get(img, "height"));
    return *out != NULL ? 0 : CS_ENOMEM;
}

int
cs_extract_file(const char *path, const char *media_type, json_t *hints, json_t **record)
{
    source_t src = {.fd = -1};
    json_t *rec = NULL, *errors = NULL;
    const char *default_tz = json_string_value(json_object_get(hints, "default_tz"));
    int rc, width = 0, height = 0, is_image = 0, photo = is_photo(media_type);

    *record = NULL;
    /* libavformat's context is made only if probe() needs it: most photos do not. */
    if ((rc = cs_avio_file_open_fd(&src, path, EXTRACT_DEADLINE_S)) != 0)
        goto out;

    rc = CS_ENOMEM;
    if ((rec = json_object()) == NULL || (errors = json_array()) == NULL ||
        json_object_set(rec, "errors", errors) != 0 ||
        cs_extract_put(rec, "time_candidates", json_array()))
        goto out;
    if (src.size == 0) {
        if (cs_extract_put(rec, "media", json_null()) ||
            json_array_append_new(errors, json_string("the file is empty")) != 0)
            goto out;
    } else if (media_type != NULL && !cs_extract_wanted(media_type)) {
        /* The sniffer knows every container a recorder writes; probing unknown bytes with
         * every demuxer FFmpeg has costs tens of milliseconds and finds nothing. The service
         * writes this same record without a worker, so it stays exactly that. */
        json_decref(rec);
        rec = cs_extract_unrecognised();
        rc = rec != NULL ? 0 : CS_ENOMEM;
        goto out;
    } else {
        if (photo) {
            /* libexif reads the file on its own: a broken picture may still have its EXIF. */
            int heif = cs_heif_media_type(media_type);
            if ((rc = heif ? cs_heif_read(path, rec) : cs_exif_read(path, rec)) == CS_ENOMEM)
                goto out;
            if (rc != 0 &&
                json_array_append_new(errors, json_sprintf("%s could not read the file: %s",
                                                           heif ? "libheif" : "libexif",
                                                           cs_strerror(rc))) != 0) {
                rc = CS_ENOMEM;
                goto out;
            }
            if (!heif && (rc = describe_jpeg_xmp(&src, media_type, rec)) != 0)
                goto out;
        }
        json_t *media = NULL;
        if ((rc = sized_media(media_type, json_object_get(rec, "image"), &media)) != 0)
            goto out;
        if (media != NULL) {
            if (cs_extract_put(rec, "media", media)) {
                rc = CS_ENOMEM;
                goto out;
            }
        } else if ((rc = probe(&src, path, media_type, photo, rec, errors, &width, &height,
                               &is_image)) != 0) {
            goto out;
        }
        if ((rc = cs_extract_describe_image(media_type, is_image, width, height, rec, errors)) !=
                0 ||
            (rc = cs_damage_check(&src, media_type, rec)) != 0 ||
            (rc = cs_extract_declared(src.fd, src.size, media_type, rec)) != 0)
            goto out;
    }
    if ((rc = cs_extract_add_hints(hints, rec, errors)) != 0 ||
        (rc = cs_captime_choose(rec, default_tz)) != 0)
        goto out;
out:
    if (rc == CS_ENOMEM)
        cs_diag_set("out of memory while describing %s", path);
    if (rc == 0) {
        *record = rec;
        rec = NULL;
    }
    json_decref(errors);
    json_decref(rec);
    cs_avio_file_close(&src);
    return rc;
}

void
cs_extract_limits(void)
{
    av_max_alloc(CS_EXTRACT_MAX_ALLOC);
}
