/* media/transcode_filter.c: the access copy's picture: deinterlaced, turned upright by the display
 * rotation, at most access_max_lines on its short side (never enlarged), square pixels, even
 * dimensions, yuv420p; as one libavfilter chain between a buffer source and a sink. No fps
 * filter: every frame keeps its own timestamp, so a variable frame rate stays variable. */
#include "media/transcode_int.h"

#include "core/error.h"

#include <libavfilter/buffersink.h>
#include <libavfilter/buffersrc.h>
#include <libavutil/pixdesc.h>

#include <math.h>
#include <stdio.h>

/* The stream's (container's) aspect first, as players do; a nonsense ratio counts as square. */
static AVRational
pixel_aspect(const AVStream *st, const AVCodecContext *dec)
{
    AVRational sar = st->sample_aspect_ratio;
    if (sar.num <= 0 || sar.den <= 0)
        sar = dec->sample_aspect_ratio;
    if (sar.num <= 0 || sar.den <= 0 || av_q2d(sar) < 0.1 || av_q2d(sar) > 10.0)
        sar = (AVRational){1, 1};
    return sar;
}

/* Rounds to an even number of at least 2, never above x: odd sizes lose a line. */
static int
even(double x)
{
    long v = lround(x);
    if (v > (long)x)
        v = (long)x;
    v &= ~1L;
    return v < 2 ? 2 : (int)v;
}

int
cs_tc_filter_access(const AVStream *st, const AVCodecContext *dec, int max_lines, char *desc,
                    size_t size)
{
    static const char *const turn[] = {"", "transpose=clock,", "hflip,vflip,", "transpose=cclock,"};
    AVRational sar = pixel_aspect(st, dec);
    int rotation = cs_tc_rotation(st);
    /* The size it is shown at with square pixels, made by narrowing (never widening) one
     * side; then upright. */
    double w = dec->width, h = dec->height;
    if (av_q2d(sar) > 1)
        h /= av_q2d(sar);
    else
        w *= av_q2d(sar);
    if (rotation == 90 || rotation == 270) {
        double t = w;
        w = h;
        h = t;
    }
    double shortest = w < h ? w : h;
    double scale = max_lines > 0 && shortest > max_lines ? max_lines / shortest : 1.0;
    /* Interlaced pictures (AVCHD's 1080i) combed in a browser: bwdif makes one frame of each
     * (the same frames, the same timestamps), leaving pictures not flagged interlaced alone. */
    enum AVFieldOrder fo = st->codecpar->field_order;
    int interlaced =
        fo == AV_FIELD_TT || fo == AV_FIELD_BB || fo == AV_FIELD_TB || fo == AV_FIELD_BT;
    int n = snprintf(desc, size, "%s%sscale=%d:%d,setsar=1,format=yuv420p",
                     interlaced ? "bwdif=mode=send_frame:parity=auto:deint=interlaced," : "",
                     turn[rotation / 90], even(w * scale), even(h * scale));
    if (n < 0 || (size_t)n >= size) {
        cs_diag_set("the access filter description is too long");
        return CS_ENAMETOOLONG;
    }
    return 0;
}

int
cs_tc_filter_graph(cs_tc_ost_t *os, const AVStream *st, const AVCodecContext *dec, const char *desc,
                   int threads)
{
    char args[256];
    AVFilterInOut *ins = NULL, *outs = NULL;
    AVRational sar = pixel_aspect(st, dec);
    int err = AVERROR(ENOMEM), n;

    avfilter_graph_free(&os->graph);
    n = snprintf(args, sizeof args,
                 "video_size=%dx%d:pix_fmt=%d:time_base=%d/%d:pixel_aspect=%d/%d", dec->width,
                 dec->height, dec->pix_fmt, st->time_base.num, st->time_base.den, sar.num, sar.den);
    if (n < 0 || (size_t)n >= sizeof args) {
        err = AVERROR(EINVAL);
        goto out;
    }
    if ((os->graph = avfilter_graph_alloc()) == NULL || (ins = avfilter_inout_alloc()) == NULL ||
        (outs = avfilter_inout_alloc()) == NULL)
        goto out;
    os->graph->nb_threads = threads;
    if ((err = avfilter_graph_create_filter(&os->bsrc, avfilter_get_by_name("buffer"), "in", args,
                                            NULL, os->graph)) < 0 ||
        (err = avfilter_graph_create_filter(&os->bsink, avfilter_get_by_name("buffersink"), "out",
                                            NULL, NULL, os->graph)) < 0)
        goto out;
    /* The chain's open ends: its input is fed by "in", its output feeds "out". */
    outs->name = av_strdup("in");
    outs->filter_ctx = os->bsrc;
    ins->name = av_strdup("out");
    ins->filter_ctx = os->bsink;
    if (outs->name == NULL || ins->name == NULL) {
        err = AVERROR(ENOMEM);
        goto out;
    }
    if ((err = avfilter_graph_parse_ptr(os->graph, desc, &ins, &outs, NULL)) < 0 ||
        (err = avfilter_graph_config(os->graph, NULL)) < 0)
        goto out;
    err = 0;
out:
    avfilter_inout_free(&ins);
    avfilter_inout_free(&outs);
    if (err < 0) {
        avfilter_graph_free(&os->graph);
        os->bsrc = os->bsink = NULL;
    }
    return err;
}
