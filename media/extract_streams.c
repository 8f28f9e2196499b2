/* media/extract_streams.c: the record's "media" member (container, duration, and each
 * stream's codec, profile, size, rate and rotation) and the picture size of images, from what
 * libavformat found in the file. */
#include "media/extract_int.h"

#include "core/error.h"

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/avutil.h>
#include <libavutil/display.h>

#include <math.h>
#include <stdint.h>
#include <string.h>

static json_t *
int_or_null(int64_t v)
{
    return v > 0 ? json_integer((json_int_t)v) : json_null();
}

/* Degrees clockwise to turn the picture for display (0, 90, 180 or 270), from the display
 * matrix; av_display_rotation_get counts counterclockwise. */
static int
rotation(const AVStream *st)
{
    size_t size = 0;
    const uint8_t *m = av_stream_get_side_data(st, AV_PKT_DATA_DISPLAYMATRIX, &size);
    int32_t matrix[9];
    double deg;
    if (m == NULL || size < sizeof matrix)
        return 0;
    memcpy(matrix, m, sizeof matrix); /* side data need not be aligned for int32_t */
    deg = -av_display_rotation_get(matrix);
    if (!isfinite(deg))
        return 0;
    long quarter = lround(deg / 90.0) % 4;
    return (int)((quarter + 4) % 4) * 90;
}

static int
describe_stream(AVFormatContext *fmt, AVStream *st, json_t **out)
{
    const AVCodecParameters *par = st->codecpar;
    const char *type = av_get_media_type_string(par->codec_type);
    json_t *s = json_object();
    int rc = CS_ENOMEM;
    if (s == NULL)
        goto out;
    if (cs_extract_put(s, "type", json_string(type ? type : "unknown")) ||
        cs_extract_put(s, "codec", json_string(avcodec_get_name(par->codec_id))))
        goto out;
    /* The codec's profile as libavcodec names it ("High", "Main", "Constrained Baseline",
     * "LC"), when the stream declares one: the format policy matches on it. */
    const char *profile = avcodec_profile_name(par->codec_id, par->profile);
    if (profile != NULL && cs_extract_put(s, "profile", json_string(profile)))
        goto out;
    if (par->codec_type == AVMEDIA_TYPE_VIDEO) {
        AVRational r = av_guess_frame_rate(fmt, st, NULL);
        if (cs_extract_put(s, "width", int_or_null(par->width)) ||
            cs_extract_put(s, "height", int_or_null(par->height)) ||
            cs_extract_put(s, "frame_rate",
                           r.num > 0 && r.den > 0 && !cs_extract_is_image_demuxer(fmt->iformat) &&
                                   !(st->disposition & AV_DISPOSITION_ATTACHED_PIC)
                               ? json_real(av_q2d(r))
                               : json_null()))
            goto out;
        if ((st->disposition & AV_DISPOSITION_ATTACHED_PIC) &&
            cs_extract_put(s, "attached_pic", json_true()))
            goto out;
        if (cs_extract_put(s, "rotation", json_integer(rotation(st))))
            goto out;
    } else if (par->codec_type == AVMEDIA_TYPE_AUDIO) {
        if (cs_extract_put(s, "sample_rate", int_or_null(par->sample_rate)) ||
            cs_extract_put(s, "channels", int_or_null(par->ch_layout.nb_channels)))
            goto out;
    }
    if (cs_extract_put(s, "bit_rate", int_or_null(par->bit_rate)))
        goto out;
    *out = s;
    s = NULL;
    rc = 0;
out:
    json_decref(s);
    return rc;
}

/* The recording's length in seconds (JSON null when unknown). An AVI's is its video's, as its
 * header declares it (frames over rate, as ExifTool and players give it): the sound of a
 * camera's AVI often runs on a little past the last picture. Elsewhere, the container's. */
static json_t *
duration_of(AVFormatContext *fmt)
{
    if (strcmp(fmt->iformat->name, "avi") == 0)
        for (unsigned i = 0; i < fmt->nb_streams; i++) {
            const AVStream *st = fmt->streams[i];
            if (st->codecpar->codec_type == AVMEDIA_TYPE_VIDEO &&
                !(st->disposition & AV_DISPOSITION_ATTACHED_PIC) &&
                st->duration != AV_NOPTS_VALUE && st->duration > 0)
                return json_real((double)st->duration * av_q2d(st->time_base));
        }
    if (fmt->duration != AV_NOPTS_VALUE && fmt->duration >= 0)
        return json_real((double)fmt->duration / AV_TIME_BASE);
    return json_null();
}

int
cs_extract_describe_media(AVFormatContext *fmt, json_t **out)
{
    json_t *media = json_object(), *streams = json_array(), *s;
    int rc = CS_ENOMEM;
    if (media == NULL || streams == NULL)
        goto out;
    if (cs_extract_put(media, "container", json_string(fmt->iformat->name)) ||
        cs_extract_put(media, "duration_s", duration_of(fmt)) ||
        cs_extract_put(media, "bit_rate", int_or_null(fmt->bit_rate)))
        goto out;
    for (unsigned i = 0; i < fmt->nb_streams; i++) {
        if ((rc = describe_stream(fmt, fmt->streams[i], &s)) != 0)
            goto out;
        if (json_array_append_new(streams, s) != 0) {
            rc = CS_ENOMEM;
            goto out;
        }
    }
    rc = cs_extract_put(media, "streams", streams);
    streams = NULL;
    if (rc == 0) {
        *out = media;
        media = NULL;
    }
out:
    json_decref(streams);
    json_decref(media);
    return rc;
}

void
cs_extract_frame_size(AVFormatContext *fmt, int *width, int *height)
{
    *width = *height = 0;
    for (unsigned i = 0; i < fmt->nb_streams; i++) {
        const AVCodecParameters *par = fmt->streams[i]->codecpar;
        if (par->codec_type == AVMEDIA_TYPE_VIDEO && par->width > 0 && par->height > 0) {
            *width = par->width;
            *height = par->height;
            return;
        }
    }
}

int
cs_extract_describe_image(const char *media_type, int is_image, int width, int height, json_t *rec,
                          json_t *errors)
{
    json_t *img = json_object_get(rec, "image");
    if ((media_type == NULL || strncmp(media_type, "image/", 6) != 0) && !is_image)
        return 0;
    if (width > 0 && height > 0) {
        if (!json_is_object(img) && cs_extract_put(rec, "image", img = json_object()))
            return CS_ENOMEM;
        return cs_extract_put(img, "width", json_integer(width)) ||
                       cs_extract_put(img, "height", json_integer(height))
                   ? CS_ENOMEM
                   : 0;
    }
    if (json_is_integer(json_object_get(img, "width")))
        return 0;
    return json_array_append_new(errors, json_string("no picture size found in the image")) == 0
               ? 0
               : CS_ENOMEM;
}