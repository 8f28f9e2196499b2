/* media/transcode_photo_read.c: decoding the first picture of an image file, once, and no
 * larger than its outputs need.
 *
 * The demuxer is chosen by the file's content through our own AVIOContext, never by its name
 * (image2 reads a '%' in a name as a pattern), and only image demuxers are let in: none of them
 * opens another file. The mjpeg decoder is told to refuse damaged data (AV_EF_EXPLODE):
 * otherwise it conceals the damage and hands out a picture nobody took (a grey or green lower
 * half). The other image decoders fail on damage anyway, and with AV_EF_EXPLODE the TIFF one
 * also refuses tags it does not know, which every TIFF has. */
#include "media/transcode_photo_int.h"
#include "core/buf.h"

#include "core/error.h"

#include <libavformat/avformat.h>

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define PHOTO_MAX_PIXELS (16384 * 16384) /* larger pictures are refused: memory */
#define PHOTO_MAX_LOWRES 3               /* the mjpeg decoder's 1/8 */
#define PHOTO_MAX_PACKETS 64             /* packets read looking for the first picture */

void
cs_transcode_photo_reason(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (size == 0)
        return;
    va_start(ap, fmt);
    n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    if (n < 0)
        cs_snprintf_cut(buf, size, "%s", "the reason could not be formatted");
    else if ((size_t)n >= size && size > 4)
        memcpy(buf + size - 4, "...", 4);
}

int
cs_transcode_photo_averr(int averr, const char *what, char *buf, size_t size)
{
    char msg[AV_ERROR_MAX_STRING_SIZE];

    if (averr == AVERROR(ENOMEM)) {
        cs_diag_set("out of memory while %s", what);
        return CS_ENOMEM;
    }
    if (av_strerror(averr, msg, sizeof msg) < 0)
        cs_snprintf_cut(msg, sizeof msg, "FFmpeg error %d", averr);
    cs_transcode_photo_reason(buf, size, "%s: %s", what, msg);
    return 0;
}

/* Image demuxers, by name: the "*_pipe" family, GIF and APNG. SVG stays out: its decoder
 * (librsvg) may load what the drawing refers to. */
static int
is_image_format(const AVInputFormat *f)
{
    size_t n = strlen(f->name);

    if (strcmp(f->name, "gif") == 0 || strcmp(f->name, "apng") == 0)
        return 1;
    return n > 5 && strcmp(f->name + n - 5, "_pipe") == 0 && strcmp(f->name, "svg_pipe") != 0;
}

static void
close_picture(AVFormatContext **fmt)
{
    AVIOContext *pb = *fmt != NULL ? (*fmt)->pb : NULL;

    avformat_close_input(fmt); /* leaves our own pb open */
    avio_closep(&pb);
}

/* Opens the file at path with the image demuxer its content calls for. *fmt stays NULL, with
 * pic->reason set, when it is no picture. Returns 0 or CS_ENOMEM. */
static int
open_picture(const char *path, cs_transcode_picture_t *pic, AVFormatContext **fmt)
{
    const AVInputFormat *ifmt = NULL;
    AVIOContext *pb = NULL;
    AVFormatContext *f = NULL;
    char url[PATH_MAX + 8];
    int err = 0, averr, n;

    /* "file:" keeps a name such as "http:x.jpg" a file name. */
    n = snprintf(url, sizeof url, "file:%s", path);
    if (n < 0 || (size_t)n >= sizeof url) {
        cs_transcode_photo_reason(pic->reason, sizeof pic->reason, "the file name is too long");
        goto out;
    }
    if ((averr = avio_open(&pb, url, AVIO_FLAG_READ)) < 0) {
        err = cs_transcode_photo_averr(averr, "the file could not be read", pic->reason,
                                       sizeof pic->reason);
        goto out;
    }
    if (avio_size(pb) == 0) {
        cs_transcode_photo_reason(pic->reason, sizeof pic->reason, "the file is empty");
        goto out;
    }
    if ((averr = av_probe_input_buffer2(pb, &ifmt, "", NULL, 0, 0)) < 0) {
        err = cs_transcode_photo_averr(averr, "the picture could not be decoded", pic->reason,
                                       sizeof pic->reason);
        goto out;
    }
    if (!is_image_format(ifmt)) {
        cs_transcode_photo_reason(pic->reason, sizeof pic->reason,
                                  "the file is not a picture FFmpeg can read (it looks like %s)",
                                  ifmt->long_name != NULL ? ifmt->long_name : ifmt->name);
        goto out;
    }
    if ((f = avformat_alloc_context()) == NULL) {
        err = cs_transcode_photo_averr(AVERROR(ENOMEM), "opening the picture", NULL, 0);
        goto out;
    }
    f->pb = pb;
    f->flags |= AVFMT_FLAG_CUSTOM_IO;
    if ((averr = avformat_open_input(&f, "", ifmt, NULL)) < 0) { /* frees f, not pb */
        err = cs_transcode_photo_averr(averr, "the picture could not be decoded", pic->reason,
                                       sizeof pic->reason);
        goto out;
    }
    *fmt = f;
    pb = NULL;
out:
    avio_closep(&pb);
    return err;
}

/* The largest lowres (a halving each, up to 1/8) that keeps the longest side >= need. */
static int
choose_lowres(int width, int height, int need)
{
    int longest = width > height ? width : height, lowres = 0;

    while (need > 0 && lowres < PHOTO_MAX_LOWRES && AV_CEIL_RSHIFT(longest, lowres + 1) >= need)
        lowres++;
    return lowres;
}

/* Reads packets of stream idx into dec until it gives its first picture. Returns 0, or the
 * FFmpeg error that ended the search: AVERROR_EOF when the file held no packet of the picture,
 * AVERROR_INVALIDDATA when its packets gave none (a picture cut short). */
static int
first_frame(AVFormatContext *fmt, int idx, AVCodecContext *dec, AVPacket *pkt, AVFrame *frame)
{
    int averr = AVERROR(EAGAIN), sent = 0;

    for (int n = 0; n < PHOTO_MAX_PACKETS && averr == AVERROR(EAGAIN); n++) {
        if ((averr = av_read_frame(fmt, pkt)) == AVERROR_EOF) {
            if ((averr = avcodec_send_packet(dec, NULL)) == 0)
                averr = avcodec_receive_frame(dec, frame);
            if (averr == AVERROR_EOF && sent > 0)
                averr = AVERROR_INVALIDDATA;
            break;
        }
        if (averr < 0)
            break;
        if (pkt->stream_index != idx) {
            av_packet_unref(pkt);
            averr = AVERROR(EAGAIN);
            continue;
        }
        averr = avcodec_send_packet(dec, pkt);
        av_packet_unref(pkt);
        sent++;
        if (averr == 0)
            averr = avcodec_receive_frame(dec, frame);
    }
    return averr;
}

/* Decodes the first picture of fmt at `lowres` into pic->frame. Returns 0 (pic->reason set
 * when there is none) or CS_ENOMEM. */
static int
decode_at(AVFormatContext *fmt, int lowres, cs_transcode_picture_t *pic)
{
    const AVCodec *codec = NULL;
    AVCodecContext *dec = NULL;
    AVPacket *pkt = NULL;
    int err = 0, averr, idx;

    idx = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
    if (idx == AVERROR_DECODER_NOT_FOUND && fmt->nb_streams > 0) {
        cs_transcode_photo_reason(pic->reason, sizeof pic->reason,
                                  "FFmpeg has no decoder for this picture (%s)",
                                  avcodec_get_name(fmt->streams[0]->codecpar->codec_id));
        goto out;
    }
    if (idx < 0) {
        cs_transcode_photo_reason(pic->reason, sizeof pic->reason, "the file holds no picture");
        goto out;
    }
    pic->codec = codec->id;
    if ((dec = avcodec_alloc_context3(codec)) == NULL || (pkt = av_packet_alloc()) == NULL ||
        (pic->frame = av_frame_alloc()) == NULL) {
        err = cs_transcode_photo_averr(AVERROR(ENOMEM), "decoding the picture", NULL, 0);
        goto out;
    }
    if ((averr = avcodec_parameters_to_context(dec, fmt->streams[idx]->codecpar)) < 0)
        goto fail;
    dec->lowres = lowres;
    if (codec->id == AV_CODEC_ID_MJPEG)
        dec->err_recognition |= AV_EF_EXPLODE;
    dec->max_pixels = PHOTO_MAX_PIXELS;
    dec->thread_count = pic->threads;
    dec->thread_type = FF_THREAD_SLICE; /* frame threads only delay a single picture */
    if ((averr = avcodec_open2(dec, codec, NULL)) < 0 ||
        (averr = first_frame(fmt, idx, dec, pkt, pic->frame)) < 0)
        goto fail;
    if (pic->frame->width < 1 || pic->frame->height < 1) {
        cs_transcode_photo_reason(pic->reason, sizeof pic->reason,
                                  "the picture has no pixels (%dx%d)", pic->frame->width,
                                  pic->frame->height);
        goto out;
    }
    goto out;
fail:
    if (averr == AVERROR_EOF)
        cs_transcode_photo_reason(pic->reason, sizeof pic->reason, "the file holds no picture");
    else if (averr == AVERROR(EAGAIN))
        cs_transcode_photo_reason(pic->reason, sizeof pic->reason,
                                  "no picture in the first %d packets of the file",
                                  PHOTO_MAX_PACKETS);
    else
        err = cs_transcode_photo_averr(averr, "the picture could not be decoded", pic->reason,
                                       sizeof pic->reason);
out:
    if (err != 0 || pic->reason[0] != '\0')
        av_frame_free(&pic->frame);
    av_packet_free(&pkt);
    avcodec_free_context(&dec);
    return err;
}

/* Whether the picture decoded at lowres has the hinted size, reduced. */
static int
hint_holds(const cs_transcode_picture_t *pic, int lowres)
{
    return pic->frame != NULL && AV_CEIL_RSHIFT(pic->hint_width, lowres) == pic->frame->width &&
           AV_CEIL_RSHIFT(pic->hint_height, lowres) == pic->frame->height;
}

int
cs_transcode_photo_decode(const char *path, cs_transcode_picture_t *pic)
{
    AVFormatContext *fmt = NULL;
    int err = 0, lowres = -1;

    pic->frame = NULL;
    pic->codec = AV_CODEC_ID_NONE;
    pic->width = pic->height = pic->lowres = 0;
    pic->reason[0] = '\0';
    for (;;) {
        if ((err = open_picture(path, pic, &fmt)) != 0 || fmt == NULL)
            goto out;
        /* The hint is the size of a JPEG frame: only mjpeg may use it. */
        if (lowres < 0 && fmt->nb_streams > 0 && pic->hint_width > 0 && pic->hint_height > 0 &&
            fmt->streams[0]->codecpar->codec_id == AV_CODEC_ID_MJPEG)
            lowres = choose_lowres(pic->hint_width, pic->hint_height, pic->need);
        if (lowres < 0)
            lowres = 0;
        if ((err = decode_at(fmt, lowres, pic)) != 0 || lowres == 0 || hint_holds(pic, lowres))
            break;
        /* Lossless JPEG has no lowres, and a wrong hint gives a picture of the wrong size:
         * once more at full size. */
        av_frame_free(&pic->frame);
        close_picture(&fmt);
        pic->reason[0] = '\0';
        lowres = 0;
    }
    if (err == 0 && pic->frame != NULL) {
        pic->lowres = lowres;
        /* The size before lowres, for the aspect ratio of the outputs. */
        pic->width = lowres > 0 ? pic->hint_width : pic->frame->width;
        pic->height = lowres > 0 ? pic->hint_height : pic->frame->height;
    }
out:
    close_picture(&fmt);
    return err;
}
