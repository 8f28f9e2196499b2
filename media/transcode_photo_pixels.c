/* media/transcode_photo_pixels.c: a decoded picture made into an upright JPEG: scaled with
 * swscale (area filter), flattened on white when it has alpha, turned by its EXIF orientation
 * and encoded by the mjpeg encoder at a fixed qscale.
 *
 * The turn is done after scaling, on the small picture, plane by plane: for 4:2:0 the chroma
 * planes of a transposed picture are the transposed chroma planes. */
#include "media/transcode_photo_int.h"

#include "core/error.h"

#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>

#include <stdint.h>
#include <string.h>

#define PHOTO_SWS_FLAGS SWS_AREA

/* The yuv* twin of a deprecated yuvj* format (swscale warns about those; the range is then
 * given as an option). Sets *full for a yuvj format. */
static enum AVPixelFormat
unj(enum AVPixelFormat f, int *full)
{
    static const enum AVPixelFormat twins[][2] = {
        {AV_PIX_FMT_YUVJ420P, AV_PIX_FMT_YUV420P}, {AV_PIX_FMT_YUVJ422P, AV_PIX_FMT_YUV422P},
        {AV_PIX_FMT_YUVJ444P, AV_PIX_FMT_YUV444P}, {AV_PIX_FMT_YUVJ440P, AV_PIX_FMT_YUV440P},
        {AV_PIX_FMT_YUVJ411P, AV_PIX_FMT_YUV411P},
    };

    for (size_t i = 0; i < sizeof twins / sizeof twins[0]; i++) {
        if (twins[i][0] == f) {
            *full = 1;
            return twins[i][1];
        }
    }
    return f;
}

/* Whether the samples of f span 0..255: as the frame says, else RGB, grey and palette
 * pictures do (PNG says nothing) and YUV ones do not. */
static int
full_range(const AVFrame *f)
{
    const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(f->format);

    if (f->color_range == AVCOL_RANGE_JPEG)
        return 1;
    if (f->color_range == AVCOL_RANGE_MPEG || d == NULL)
        return 0;
    return (d->flags & (AV_PIX_FMT_FLAG_RGB | AV_PIX_FMT_FLAG_PAL)) || d->nb_components < 3;
}

static int
new_frame(enum AVPixelFormat format, int width, int height, AVFrame **out)
{
    AVFrame *f = av_frame_alloc();

    if (f == NULL)
        return AVERROR(ENOMEM);
    f->format = format;
    f->width = width;
    f->height = height;
    f->color_range = AVCOL_RANGE_JPEG;
    *out = f;
    return av_frame_get_buffer(f, 0);
}

/* Scales src into dst (its size; dst->format RGBA or YUVJ420P, full range). Returns 0 or an
 * FFmpeg error. */
static int
scale_into(const AVFrame *src, AVFrame *dst)
{
    struct SwsContext *sws = NULL;
    int src_full = full_range(src), dst_full = 1, averr;
    enum AVPixelFormat in = unj(src->format, &src_full), out = unj(dst->format, &dst_full);

    if ((sws = sws_alloc_context()) == NULL)
        return AVERROR(ENOMEM);
    if ((averr = av_opt_set_int(sws, "srcw", src->width, 0)) < 0 ||
        (averr = av_opt_set_int(sws, "srch", src->height, 0)) < 0 ||
        (averr = av_opt_set_int(sws, "src_format", in, 0)) < 0 ||
        (averr = av_opt_set_int(sws, "src_range", src_full, 0)) < 0 ||
        (averr = av_opt_set_int(sws, "dstw", dst->width, 0)) < 0 ||
        (averr = av_opt_set_int(sws, "dsth", dst->height, 0)) < 0 ||
        (averr = av_opt_set_int(sws, "dst_format", out, 0)) < 0 ||
        (averr = av_opt_set_int(sws, "dst_range", dst_full, 0)) < 0 ||
        (averr = av_opt_set_int(sws, "sws_flags", PHOTO_SWS_FLAGS, 0)) < 0 ||
        (averr = sws_init_context(sws, NULL, NULL)) < 0)
        goto out;
    averr = sws_scale(sws, (const uint8_t *const *)src->data, src->linesize, 0, src->height,
                      dst->data, dst->linesize);
    averr = averr < 0 ? averr : averr == dst->height ? 0 : AVERROR_EXTERNAL;
out:
    sws_freeContext(sws);
    return averr;
}

/* Puts the RGBA picture f on a white ground (what a viewer shows behind transparency). */
static void
flatten_on_white(AVFrame *f)
{
    for (int y = 0; y < f->height; y++) {
        uint8_t *p = f->data[0] + (ptrdiff_t)y * f->linesize[0];
        for (int x = 0; x < f->width; x++, p += 4) {
            unsigned a = p[3];
            for (int c = 0; c < 3; c++)
                p[c] = (uint8_t)((p[c] * a + 255 * (255 - a) + 127) / 255);
            p[3] = 255;
        }
    }
}

/* The 4:2:0 picture src as EXIF orientation o (2..8) says it is seen: 5..8 transpose it,
 * then the flips: 2, 3, 7, 8 mirror left-right, 3, 4, 6, 7 top-bottom (of src's axes). */
static int
orient(const AVFrame *src, int o, AVFrame **out)
{
    int transpose = o >= 5, flip_x = o == 2 || o == 3 || o == 7 || o == 8;
    int flip_y = o == 3 || o == 4 || o == 6 || o == 7, averr;

    if ((averr = new_frame(src->format, transpose ? src->height : src->width,
                           transpose ? src->width : src->height, out)) < 0)
        return averr;
    for (int p = 0; p < 3; p++) {
        int sw = p ? AV_CEIL_RSHIFT(src->width, 1) : src->width;
        int sh = p ? AV_CEIL_RSHIFT(src->height, 1) : src->height;
        int dw = transpose ? sh : sw, dh = transpose ? sw : sh;
        for (int y = 0; y < dh; y++) {
            uint8_t *d = (*out)->data[p] + (ptrdiff_t)y * (*out)->linesize[p];
            for (int x = 0; x < dw; x++) {
                int sx = transpose ? y : x, sy = transpose ? x : y;
                sx = flip_x ? sw - 1 - sx : sx;
                sy = flip_y ? sh - 1 - sy : sy;
                d[x] = src->data[p][(ptrdiff_t)sy * src->linesize[p] + sx];
            }
        }
    }
    return 0;
}

int
cs_transcode_photo_render(const AVFrame *src, int orientation, int width, int height, AVFrame **out,
                          int *flattened, char *reason, size_t size)
{
    const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(src->format);
    AVFrame *rgba = NULL, *yuv = NULL;
    int transpose = orientation >= 5 && orientation <= 8, err = 0, averr = 0;
    int sw = transpose ? height : width, sh = transpose ? width : height; /* as stored */

    *out = NULL;
    *flattened = 0;
    if (d == NULL || !sws_isSupportedInput(src->format)) {
        cs_transcode_photo_reason(reason, size,
                                  "the picture's pixel format (%s) cannot be converted",
                                  d != NULL ? d->name : "unknown");
        goto out;
    }
    if ((averr = new_frame(AV_PIX_FMT_YUVJ420P, sw, sh, &yuv)) < 0)
        goto fail;
    if (d->flags & AV_PIX_FMT_FLAG_ALPHA) {
        if ((averr = new_frame(AV_PIX_FMT_RGBA, sw, sh, &rgba)) < 0 ||
            (averr = scale_into(src, rgba)) < 0)
            goto fail;
        flatten_on_white(rgba);
        *flattened = 1;
        averr = scale_into(rgba, yuv);
    } else {
        averr = scale_into(src, yuv);
    }
    if (averr < 0)
        goto fail;
    if (orientation >= 2 && orientation <= 8) {
        if ((averr = orient(yuv, orientation, out)) < 0)
            goto fail;
    } else {
        *out = yuv;
        yuv = NULL;
    }
    goto out;
fail:
    err = cs_transcode_photo_averr(averr, "the picture could not be scaled", reason, size);
    av_frame_free(out);
out:
    av_frame_free(&rgba);
    av_frame_free(&yuv);
    return err;
}

int
cs_transcode_photo_encode(AVFrame *pic, int q, int threads, int bare, AVPacket **pkt, char *reason,
                          size_t size)
{
    const AVCodec *codec = avcodec_find_encoder(AV_CODEC_ID_MJPEG);
    AVCodecContext *enc = NULL;
    int err = 0, averr = AVERROR_ENCODER_NOT_FOUND;

    if (codec == NULL)
        goto fail;
    if ((enc = avcodec_alloc_context3(codec)) == NULL || (*pkt = av_packet_alloc()) == NULL) {
        averr = AVERROR(ENOMEM);
        goto fail;
    }
    enc->width = pic->width;
    enc->height = pic->height;
    enc->pix_fmt = AV_PIX_FMT_YUVJ420P;
    enc->color_range = AVCOL_RANGE_JPEG;
    enc->sample_aspect_ratio = (AVRational){1, 1};
    enc->time_base = (AVRational){1, 25};
    enc->flags |= AV_CODEC_FLAG_QSCALE;
    enc->global_quality = FF_QP2LAMBDA * q;
    enc->thread_count = threads;
    if (bare) /* no comment naming the encoder: nothing but the picture (and its ICC) */
        enc->flags |= AV_CODEC_FLAG_BITEXACT;
    /* With QSCALE the encoder takes each frame's own quality. */
    pic->quality = enc->global_quality;
    pic->pts = 0;
    if ((averr = avcodec_open2(enc, codec, NULL)) < 0 ||
        (averr = avcodec_send_frame(enc, pic)) < 0 || (averr = avcodec_send_frame(enc, NULL)) < 0 ||
        (averr = avcodec_receive_packet(enc, *pkt)) < 0)
        goto fail;
    goto out;
fail:
    err = cs_transcode_photo_averr(averr, "the JPEG could not be encoded", reason, size);
    av_packet_free(pkt);
out:
    avcodec_free_context(&enc);
    return err;
}
