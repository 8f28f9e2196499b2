/* media/transcode_video.c: the video streams of the outputs. Archival: FFV1 level 3, every
 * frame a keyframe with slice CRCs, at the decoded size and pixel format, each frame with the
 * pts it was decoded with. Access: libx264 after the access filter graph (transcode_filter.c).
 * Both encoders take the source stream's time base, so timestamps pass through as they are. */
#include "media/transcode_int.h"

#include "core/error.h"
#include "media/transcode_public.h"

#include <libavfilter/buffersink.h>
#include <libavfilter/buffersrc.h>
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>

#include <stdio.h>
#include <string.h>

/* yuvj* is yuv* at full range: the same samples, labelled the way FFV1 and Matroska know. */
static enum AVPixelFormat
unjpeg(enum AVPixelFormat f)
{
    switch (f) {
    case AV_PIX_FMT_YUVJ420P:
        return AV_PIX_FMT_YUV420P;
    case AV_PIX_FMT_YUVJ422P:
        return AV_PIX_FMT_YUV422P;
    case AV_PIX_FMT_YUVJ444P:
        return AV_PIX_FMT_YUV444P;
    case AV_PIX_FMT_YUVJ440P:
        return AV_PIX_FMT_YUV440P;
    case AV_PIX_FMT_YUVJ411P:
        return AV_PIX_FMT_YUV411P;
    default:
        return f;
    }
}

static int
takes(const AVCodec *codec, enum AVPixelFormat f)
{
    for (const enum AVPixelFormat *p = codec->pix_fmts; p != NULL && *p != AV_PIX_FMT_NONE; p++)
        if (*p == f)
            return 1;
    return 0;
}

/* A frame rate for x264's rate control only: the timestamps stay the source's own. */
static AVRational
rate_hint(AVFormatContext *fmt, AVStream *st)
{
    AVRational r = st->avg_frame_rate;
    if (r.num <= 0 || r.den <= 0 || av_q2d(r) < 1 || av_q2d(r) > 240)
        r = av_guess_frame_rate(fmt, st, NULL);
    if (r.num <= 0 || r.den <= 0 || av_q2d(r) < 1 || av_q2d(r) > 240)
        r = (AVRational){30, 1};
    return r;
}

static int
put(json_t *obj, const char *key, json_t *v)
{
    if (v != NULL && json_object_set_new(obj, key, v) == 0)
        return 0;
    cs_diag_set("out of memory describing the encoder's \"%s\"", key);
    return CS_ENOMEM;
}

/* FFV1 at the source's size and pixel format (converted only if FFV1 has no such format). */
static int
open_ffv1(cs_tc_out_t *out, cs_tc_ost_t *os, AVStream *ist, const AVCodecContext *dec,
          const cs_transcode_opts_t *o, json_t *params)
{
    const AVCodec *codec = avcodec_find_encoder(AV_CODEC_ID_FFV1);
    AVCodecContext *enc;
    enum AVPixelFormat f = unjpeg(dec->pix_fmt);
    char desc[64] = "";
    int err, slices = o->archival_slices < 4 ? 4 : o->archival_slices; /* level 3's least */

    if (codec == NULL)
        return cs_tc_out_fail(out, 0, "this libavcodec has no FFV1 encoder");
    if (!takes(codec, f)) {
        f = avcodec_find_best_pix_fmt_of_list(codec->pix_fmts, dec->pix_fmt, 0, NULL);
        if (f == AV_PIX_FMT_NONE ||
            snprintf(desc, sizeof desc, "format=%s", av_get_pix_fmt_name(f)) >= (int)sizeof desc)
            return cs_tc_out_fail(out, 0, "no FFV1 pixel format for %s",
                                  av_get_pix_fmt_name(dec->pix_fmt));
        if ((err = cs_tc_filter_graph(os, ist, dec, desc, o->threads)) < 0)
            return cs_tc_out_fail(out, err, "converting %s for FFV1",
                                  av_get_pix_fmt_name(dec->pix_fmt));
    }
    if ((enc = os->enc = avcodec_alloc_context3(codec)) == NULL)
        return cs_tc_out_fail(out, AVERROR(ENOMEM), "the FFV1 encoder");
    enc->width = dec->width;
    enc->height = dec->height;
    enc->pix_fmt = f;
    enc->time_base = ist->time_base;
    enc->sample_aspect_ratio =
        ist->sample_aspect_ratio.num > 0 ? ist->sample_aspect_ratio : dec->sample_aspect_ratio;
    enc->color_range = f != dec->pix_fmt && desc[0] == '\0' ? AVCOL_RANGE_JPEG : dec->color_range;
    enc->color_primaries = dec->color_primaries;
    enc->color_trc = dec->color_trc;
    enc->colorspace = dec->colorspace;
    enc->chroma_sample_location = dec->chroma_sample_location;
    enc->field_order = dec->field_order;
    enc->level = 3;
    enc->gop_size = 1;
    enc->slices = slices;
    enc->thread_count = o->threads;
    enc->thread_type = FF_THREAD_SLICE;
    if (out->mux->oformat->flags & AVFMT_GLOBALHEADER)
        enc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    if ((err = av_opt_set_int(enc->priv_data, "slicecrc", 1, 0)) < 0 ||
        (err = avcodec_open2(enc, codec, NULL)) < 0)
        return cs_tc_out_fail(out, err, "FFV1 cannot encode %dx%d %s with %d slices", enc->width,
                              enc->height, av_get_pix_fmt_name(f), enc->slices);
    if (params != NULL &&
        (put(params, "level", json_integer(3)) || put(params, "g", json_integer(1)) ||
         put(params, "slicecrc", json_integer(1)) || put(params, "slices", json_integer(slices)) ||
         put(params, "threads", json_integer(o->threads)) ||
         put(params, "pix_fmt", json_string(av_get_pix_fmt_name(f))) ||
         (desc[0] != '\0' && put(out->params, "filters", json_string(desc)))))
        return CS_ENOMEM;
    return 0;
}

/* libx264 behind the access graph, in the source stream's time base. */
static int
open_x264(cs_tc_out_t *out, cs_tc_ost_t *os, AVFormatContext *fmt, AVStream *ist,
          const AVCodecContext *dec, const cs_transcode_opts_t *o, json_t *params)
{
    const AVCodec *codec = avcodec_find_encoder_by_name("libx264");
    AVCodecContext *enc;
    char desc[CS_PUBLIC_FILTERS_MAX + 256], *tail;
    size_t len = 0;
    int err, rc;

    if (codec == NULL)
        return cs_tc_out_fail(out, 0, "this libavcodec has no libx264 encoder");
    /* The public copy's redaction first, on the source's own pixels and clock. */
    if (out->redact != NULL) {
        double origin_s = out->has_origin ? out->origin * av_q2d(out->origin_tb) : 0;
        if ((rc = cs_tc_public_filters(out->redact, dec->width, dec->height, origin_s, 1, desc,
                                       CS_PUBLIC_FILTERS_MAX)) != 0)
            return rc == CS_ENAMETOOLONG ? cs_tc_out_fail(out, 0, "%s", cs_diag()) : rc;
        len = strlen(desc);
        if (len > 0)
            desc[len++] = ',';
    }
    tail = desc + len;
    /* The H.264 archival copy: the source's pictures as they are, in 8-bit 4:2:0 (High). */
    if (out->lossy &&
        snprintf(tail, sizeof desc - len, "format=yuv420p") >= (int)(sizeof desc - len))
        return CS_ENAMETOOLONG;
    if (!out->lossy &&
        (rc = cs_tc_filter_access(ist, dec, o->access_max_lines, tail, sizeof desc - len)) != 0)
        return rc;
    if ((err = cs_tc_filter_graph(os, ist, dec, desc, o->threads)) < 0)
        return cs_tc_out_fail(out, err, "the access filter graph \"%s\"", desc);
    if ((enc = os->enc = avcodec_alloc_context3(codec)) == NULL)
        return cs_tc_out_fail(out, AVERROR(ENOMEM), "the libx264 encoder");
    enc->width = av_buffersink_get_w(os->bsink);
    enc->height = av_buffersink_get_h(os->bsink);
    enc->pix_fmt = av_buffersink_get_format(os->bsink);
    enc->sample_aspect_ratio = (AVRational){1, 1};
    enc->time_base = av_buffersink_get_time_base(os->bsink);
    enc->framerate = rate_hint(fmt, ist);
    enc->thread_count = o->threads;
    if (out->mux->oformat->flags & AVFMT_GLOBALHEADER)
        enc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    const char *preset = out->lossy ? o->archival_preset : o->access_preset;
    int crf = out->lossy ? o->archival_crf : o->access_crf;
    if (out->lossy) { /* the source's pixel aspect and fields, High profile */
        AVRational sar = av_buffersink_get_sample_aspect_ratio(os->bsink);
        enc->sample_aspect_ratio = sar.num > 0 && sar.den > 0 ? sar : (AVRational){1, 1};
        enc->color_primaries = dec->color_primaries;
        enc->color_trc = dec->color_trc;
        enc->colorspace = dec->colorspace;
        enc->field_order = dec->field_order;
        if (dec->field_order != AV_FIELD_PROGRESSIVE && dec->field_order != AV_FIELD_UNKNOWN)
            enc->flags |= AV_CODEC_FLAG_INTERLACED_DCT | AV_CODEC_FLAG_INTERLACED_ME;
        if ((err = av_opt_set(enc->priv_data, "profile", "high", 0)) < 0)
            return cs_tc_out_fail(out, err, "libx264's High profile");
    }
    if ((err = av_opt_set(enc->priv_data, "preset", preset, 0)) < 0 ||
        (err = av_opt_set_double(enc->priv_data, "crf", crf, 0)) < 0 ||
        (err = avcodec_open2(enc, codec, NULL)) < 0)
        return cs_tc_out_fail(out, err, "libx264 cannot encode %dx%d (preset %s, crf %d)",
                              enc->width, enc->height, preset, crf);
    if (params != NULL &&
        (put(params, "preset", json_string(preset)) || put(params, "crf", json_integer(crf)) ||
         (out->lossy && put(params, "profile", json_string("high"))) ||
         (out->lossy &&
          put(params, "interlaced", json_boolean(enc->flags & AV_CODEC_FLAG_INTERLACED_DCT))) ||
         put(params, "pix_fmt", json_string(av_get_pix_fmt_name(enc->pix_fmt))) ||
         put(params, "width", json_integer(enc->width)) ||
         put(params, "height", json_integer(enc->height)) ||
         put(params, "framerate", json_sprintf("%d/%d", enc->framerate.num, enc->framerate.den)) ||
         put(params, "threads", json_integer(o->threads)) ||
         put(out->params, "filters", json_string(desc))))
        return CS_ENOMEM;
    return 0;
}

int
cs_tc_video_open(cs_tc_out_t *out, const cs_tc_src_t *src, int in, int access,
                 const cs_transcode_opts_t *o)
{
    AVFormatContext *fmt = src->file.fmt;
    AVStream *ist = fmt->streams[in];
    const AVCodecContext *dec = src->dec[in];
    json_t *params = NULL;
    cs_tc_ost_t *os;
    size_t size = 0;
    const uint8_t *matrix;
    int rc, err;

    if ((os = cs_tc_out_add(out, in)) == NULL ||
        (os->st = avformat_new_stream(out->mux, NULL)) == NULL) {
        cs_diag_set("out of memory adding a video stream");
        return CS_ENOMEM;
    }
    os->width = dec->width;
    os->height = dec->height;
    os->pix_fmt = dec->pix_fmt;
    /* The output's "params" and "encoders" tell of its first video stream. */
    if (json_object_get(out->params, "video") == NULL) {
        if ((params = json_object()) == NULL ||
            json_object_set_new(out->params, "video", params) != 0) {
            cs_diag_set("out of memory");
            return CS_ENOMEM;
        }
    }
    rc = access ? open_x264(out, os, fmt, ist, dec, o, params)
                : open_ffv1(out, os, ist, dec, o, params);
    if (rc != 0 || out->failed)
        return rc;
    if (params != NULL &&
        (put(params, "time_base",
             json_sprintf("%d/%d", os->enc->time_base.num, os->enc->time_base.den)) ||
         put(out->encoders, "video", json_string(os->enc->codec->name))))
        return CS_ENOMEM;
    os->st->time_base = os->enc->time_base;
    os->st->sample_aspect_ratio = os->enc->sample_aspect_ratio;
    if ((err = avcodec_parameters_from_context(os->st->codecpar, os->enc)) < 0)
        return cs_tc_out_fail(out, err, "describing the video stream");
    /* The archival copy is shown as the source is: it keeps the display matrix. */
    matrix = av_stream_get_side_data(ist, AV_PKT_DATA_DISPLAYMATRIX, &size);
    int upright = access && !out->lossy; /* the access copy is turned; archival ones not */
    if (!upright && matrix != NULL) {
        uint8_t *copy = av_stream_new_side_data(os->st, AV_PKT_DATA_DISPLAYMATRIX, size);
        if (copy == NULL) {
            cs_diag_set("out of memory");
            return CS_ENOMEM;
        }
        memcpy(copy, matrix, size);
    }
    if (params != NULL)
        out->rotation = upright ? 0 : cs_tc_rotation(ist);
    return 0;
}

/* Sends one picture on: in pts order (x264 needs it; the archival copy keeps every frame). */
static int
send(cs_tc_out_t *out, cs_tc_ost_t *os, AVFrame *f)
{
    f->pict_type = AV_PICTURE_TYPE_NONE; /* the encoder picks its own frame types */
    if (os->last_pts != AV_NOPTS_VALUE && f->pts <= os->last_pts) {
        if (os->enc->codec_id != AV_CODEC_ID_FFV1)
            return 0;
        f->pts = cs_tc_add(os->last_pts, 1);
    }
    os->last_pts = f->pts;
    os->dur_pts[os->dur_next % CS_TC_DURATIONS] = f->pts;
    os->dur[os->dur_next++ % CS_TC_DURATIONS] = f->pkt_duration;
    return cs_tc_out_encode(out, os, f);
}

int64_t
cs_tc_video_duration(const cs_tc_ost_t *os, int64_t pts)
{
    for (unsigned i = 0; i < CS_TC_DURATIONS && i < os->dur_next; i++) {
        unsigned k = (os->dur_next - 1 - i) % CS_TC_DURATIONS;
        if (os->dur_pts[k] == pts)
            return os->dur[k];
    }
    return 0;
}

/* Pulls what the graph has ready and encodes it. */
static int
drain(cs_tc_out_t *out, cs_tc_ost_t *os)
{
    int err, rc = 0;
    while (rc == 0 && !out->failed) {
        err = av_buffersink_get_frame(os->bsink, out->frame);
        if (err == AVERROR(EAGAIN) || err == AVERROR_EOF)
            break;
        if (err < 0)
            return cs_tc_out_fail(out, err, "the %s filter graph failed", out->profile);
        rc = send(out, os, out->frame);
        av_frame_unref(out->frame);
    }
    return rc;
}

int
cs_tc_video_feed(cs_tc_out_t *out, cs_tc_ost_t *os, AVFrame *frame)
{
    int err, rc;

    if (out->failed)
        return 0;
    if (frame == NULL) {
        if (os->graph == NULL)
            return 0;
        if ((err = av_buffersrc_add_frame(os->bsrc, NULL)) < 0)
            return cs_tc_out_fail(out, err, "closing the %s filter graph", out->profile);
        return drain(out, os);
    }
    /* Encoders and graphs are set up for one picture size; the container holds only one. */
    if (frame->width != os->width || frame->height != os->height || frame->format != os->pix_fmt)
        return cs_tc_out_fail(out, 0,
                              "the picture changes from %dx%d %s to %dx%d %s mid-stream, which "
                              "the %s copy cannot hold",
                              os->width, os->height, av_get_pix_fmt_name(os->pix_fmt), frame->width,
                              frame->height, av_get_pix_fmt_name(frame->format), out->profile);
    if (os->graph != NULL) {
        if ((err = av_buffersrc_add_frame_flags(os->bsrc, frame, AV_BUFFERSRC_FLAG_KEEP_REF)) < 0)
            return cs_tc_out_fail(out, err, "the %s filter graph refused a frame", out->profile);
        return drain(out, os);
    }
    if ((err = av_frame_ref(out->frame, frame)) < 0)
        return cs_tc_out_fail(out, err, "referencing a frame");
    if (out->frame->format != os->enc->pix_fmt) { /* yuvj*: same samples, full range */
        out->frame->format = os->enc->pix_fmt;
        out->frame->color_range = AVCOL_RANGE_JPEG;
    }
    rc = send(out, os, out->frame);
    av_frame_unref(out->frame);
    return rc;
}
