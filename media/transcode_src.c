/* media/transcode_src.c: reading recordings with libavformat and libavcodec, for the source
 * and for verifying what was written.
 * FFmpeg reads through media/extract_io.h: a descriptor we opened, never a name. */
#include "media/transcode_int.h"

#include "core/error.h"

#include <libavutil/display.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SRC_IO_BUF (64 * 1024)
#define SRC_MAX_STREAMS "100"
#define SRC_PROBESIZE "20000000"       /* bytes read to describe streams that start late */
#define SRC_ANALYZEDURATION "10000000" /* microseconds of media looked at */

void
cs_tc_reason(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    if ((n < 0 || (size_t)n >= size) && size >= 4) /* marked, never silently cut */
        memcpy(buf + size - 4, "...", 4);
}

int
cs_tc_averr(int averr, const char *what, char *buf, size_t size)
{
    char msg[AV_ERROR_MAX_STRING_SIZE] = "";
    if (averr == AVERROR(ENOMEM)) {
        cs_diag_set("out of memory: %s", what);
        return CS_ENOMEM;
    }
    av_strerror(averr, msg, sizeof msg);
    cs_tc_reason(buf, size, "%s: %s", what, msg);
    return 0;
}

int
cs_tc_file_open(cs_tc_file_t *f, const char *path, int probe, char *why, size_t size)
{
    AVDictionary *opts = NULL;
    int rc, err;

    why[0] = '\0';
    if ((rc = cs_avio_file_open(f, path, SRC_IO_BUF, 0)) != 0)
        return rc;
    rc = CS_ENOMEM;
    if (av_dict_set(&opts, "max_streams", SRC_MAX_STREAMS, 0) < 0 ||
        av_dict_set(&opts, "probesize", SRC_PROBESIZE, 0) < 0 ||
        av_dict_set(&opts, "analyzeduration", SRC_ANALYZEDURATION, 0) < 0)
        goto out;
    if ((err = avformat_open_input(&f->fmt, "", NULL, &opts)) < 0) {
        rc = cs_tc_averr(err, "libavformat cannot read the file", why, size);
        goto out;
    }
    /* Streams it could not describe are found out when decoding; not an error here. */
    if (probe)
        avformat_find_stream_info(f->fmt, NULL);
    rc = 0;
out:
    av_dict_free(&opts); /* avformat_open_input freed f->fmt if it failed */
    return rc;
}

void
cs_tc_file_close(cs_tc_file_t *f)
{
    cs_avio_file_close(f);
}

int
cs_tc_decoder_open(const AVStream *st, int threads, int strict, AVCodecContext **dec)
{
    const AVCodec *codec = avcodec_find_decoder(st->codecpar->codec_id);
    AVCodecContext *c = NULL;
    int err = AVERROR_DECODER_NOT_FOUND;

    *dec = NULL;
    if (codec == NULL)
        goto out;
    err = AVERROR(ENOMEM);
    if ((c = avcodec_alloc_context3(codec)) == NULL)
        goto out;
    if ((err = avcodec_parameters_to_context(c, st->codecpar)) < 0)
        goto out;
    c->pkt_timebase = st->time_base;
    c->thread_count = threads;
    /* A verifier decodes beside the encoders: frame threads would each hold a whole decoder. */
    c->thread_type = strict ? FF_THREAD_SLICE : FF_THREAD_FRAME | FF_THREAD_SLICE;
    if (strict)
        c->err_recognition |= AV_EF_CRCCHECK | AV_EF_EXPLODE;
    if ((err = avcodec_open2(c, codec, NULL)) < 0)
        goto out;
    *dec = c;
    c = NULL;
out:
    avcodec_free_context(&c);
    return err;
}

int
cs_tc_rotation(const AVStream *st)
{
    size_t size = 0;
    const uint8_t *m = av_stream_get_side_data(st, AV_PKT_DATA_DISPLAYMATRIX, &size);
    if (m == NULL || size < 9 * sizeof(int32_t))
        return 0;
    double theta = av_display_rotation_get((const int32_t *)m); /* counterclockwise */
    if (isnan(theta))
        return 0;
    /* Clockwise, to the nearest quarter turn, as ffmpeg(1) applies it. */
    long q = lround(-theta / 90.0);
    return (int)(((q % 4) + 4) % 4) * 90;
}

int64_t
cs_tc_add(int64_t a, int64_t b)
{
    int64_t r;
    if (__builtin_add_overflow(a, b, &r))
        return b > 0 ? INT64_MAX : INT64_MIN + 1;
    return r == AV_NOPTS_VALUE ? INT64_MIN + 1 : r;
}

void
cs_tc_span_init(cs_tc_span_t *s)
{
    s->frames = 0;
    s->next_pts = s->last_pts = AV_NOPTS_VALUE;
    s->last_delta = 0;
    s->start_s = INFINITY;
    s->end_s = -INFINITY;
}

/* How long a frame lasts in st's time base: its samples; for a picture, the step between the
 * last two (Matroska stores no durations: its demuxer makes up 1 ms), its packet's duration,
 * or the stream's average frame rate. */
static int64_t
frame_duration(const cs_tc_span_t *s, const AVStream *st, const AVFrame *frame)
{
    if (st->codecpar->codec_type == AVMEDIA_TYPE_AUDIO) {
        if (frame->sample_rate <= 0)
            return 0;
        return av_rescale_q(frame->nb_samples, (AVRational){1, frame->sample_rate}, st->time_base);
    }
    if (s->last_delta > 0)
        return s->last_delta;
    if (frame->pkt_duration > 0)
        return frame->pkt_duration;
    if (st->avg_frame_rate.num > 0 && st->avg_frame_rate.den > 0)
        return av_rescale_q(1, av_inv_q(st->avg_frame_rate), st->time_base);
    return 0;
}

void
cs_tc_span_add(cs_tc_span_t *s, const AVStream *st, AVFrame *frame)
{
    int64_t pts = frame->best_effort_timestamp;
    if (pts == AV_NOPTS_VALUE)
        pts = s->next_pts != AV_NOPTS_VALUE ? s->next_pts : 0;
    if (s->last_pts != AV_NOPTS_VALUE && pts > s->last_pts)
        s->last_delta = cs_tc_add(pts, -s->last_pts);
    int64_t dur = frame_duration(s, st, frame);
    if (st->codecpar->codec_type == AVMEDIA_TYPE_VIDEO && frame->pkt_duration <= 0)
        frame->pkt_duration = dur; /* what the encoders' packets will say */
    frame->pts = pts;
    frame->time_base = st->time_base;
    s->last_pts = pts;
    s->next_pts = cs_tc_add(pts, dur);
    s->frames++;
    double start = pts * av_q2d(st->time_base), end = s->next_pts * av_q2d(st->time_base);
    if (start < s->start_s)
        s->start_s = start;
    if (end > s->end_s)
        s->end_s = end;
}
