/* media/transcode_public.c: redacting a public copy (transcode_public.h). Pictures go through
 * libavfilter: a blurred rectangle is cropped, blurred on its own (nothing from outside it
 * leaks in) and laid back over the picture; a black one is drawn filled; a whole picture is
 * blurred. Each with enable='between(t,a,b)' over its time range. Sound is muted or bleeped
 * sample by sample, just before the AAC encoder. */
#include "media/transcode_public.h"
#include "media/transcode_int.h"

#include "core/error.h"

#include <libavfilter/buffersink.h>
#include <libavfilter/buffersrc.h>

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define MAX_TIME_S 1e6   /* no recording is longer than this many seconds */
#define BLEEP_HZ 1000.0  /* the tone over a bleeped range */
#define BLEEP_AMP 0.25f  /* -12 dBFS */
#define FRAME_SIGMA 60.0 /* a whole picture's blur */

/* Appends to buf at *len; 0, or CS_ENAMETOOLONG when it does not fit. */
static int add(char *buf, size_t size, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
add(char *buf, size_t size, size_t *len, const char *fmt, ...)
{
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(buf + *len, size - *len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= size - *len) {
        buf[*len] = '\0';
        cs_diag_set("the redaction is too long for one filter chain (%zu bytes at most)", size);
        return CS_ENAMETOOLONG;
    }
    *len += (size_t)n;
    return 0;
}

static double
num(const json_t *o, const char *key, double def)
{
    const json_t *v = json_object_get(o, key);
    double x = json_is_number(v) ? json_number_value(v) : def;
    return isfinite(x) ? x : def;
}

/* The enable option of a range (",enable=..." or "" without times). */
static void
enable_of(const json_t *r, double origin_s, int timed, char *buf, size_t size)
{
    const json_t *s = json_object_get(r, "start"), *e = json_object_get(r, "end");
    buf[0] = '\0';
    if (!timed || !json_is_number(s) || !json_is_number(e))
        return;
    double a = fmin(fmax(num(r, "start", 0), 0), MAX_TIME_S) + origin_s;
    double b = fmin(fmax(num(r, "end", 0), 0), MAX_TIME_S) + origin_s;
    snprintf(buf, size, ":enable='between(t,%.6f,%.6f)'", a, b); /* fits: bounded numbers */
}

int
cs_tc_public_filters(const json_t *spec, int width, int height, double origin_s, int timed,
                     char *buf, size_t size)
{
    const json_t *r;
    size_t i, len = 0;
    char en[96];
    int rc = 0, k = 0;

    if (size == 0)
        return CS_ENAMETOOLONG;
    buf[0] = '\0';
    json_array_foreach(json_object_get(spec, "regions"), i, r)
    {
        const char *mode = json_string_value(json_object_get(r, "mode"));
        /* Widened to even edges: 4:2:0 pictures are cropped and laid over at even places. */
        long x0 = lround(fmax(num(r, "x", 0), 0)) & ~1L, y0 = lround(fmax(num(r, "y", 0), 0)) & ~1L;
        long x1 = lround(fmax(num(r, "x", 0) + num(r, "w", 0), 0));
        long y1 = lround(fmax(num(r, "y", 0) + num(r, "h", 0), 0));
        x1 = x1 + (x1 & 1) > width ? width : x1 + (x1 & 1);
        y1 = y1 + (y1 & 1) > height ? height : y1 + (y1 & 1);
        if (x0 >= width || y0 >= height || x1 - x0 < 1 || y1 - y0 < 1)
            continue;
        enable_of(r, origin_s, timed, en, sizeof en);
        if (len > 0 && (rc = add(buf, size, &len, ",")) != 0)
            return rc;
        if (mode != NULL && strcmp(mode, "black") == 0) {
            rc = add(buf, size, &len, "drawbox=x=%ld:y=%ld:w=%ld:h=%ld:color=black:t=fill%s", x0,
                     y0, x1 - x0, y1 - y0, en);
        } else {
            /* As wide as the rectangle: what is left is a soft patch of its mean colours, no
             * feature (a face, a plate) that a sharpening could bring back. */
            double sigma = fmin(fmax((double)((x1 - x0) > (y1 - y0) ? x1 - x0 : y1 - y0), 8), 1024);
            rc = add(buf, size, &len,
                     "split[pm%d][pc%d];[pc%d]crop=%ld:%ld:%ld:%ld,gblur=sigma=%.1f:steps=6[pb%d];"
                     "[pm%d][pb%d]overlay=x=%ld:y=%ld%s",
                     k, k, k, x1 - x0, y1 - y0, x0, y0, sigma, k, k, k, x0, y0, en);
            k++;
        }
        if (rc != 0)
            return rc;
    }
    json_array_foreach(json_object_get(spec, "blur_frames"), i, r)
    {
        if (!timed)
            break;
        enable_of(r, origin_s, timed, en, sizeof en);
        if ((len > 0 && (rc = add(buf, size, &len, ",")) != 0) ||
            (rc = add(buf, size, &len, "gblur=sigma=%.1f:steps=6%s", FRAME_SIGMA, en)) != 0)
            return rc;
    }
    return 0;
}

void
cs_tc_public_audio(const json_t *spec, AVFrame *f, int rate)
{
    const json_t *r;
    size_t i;
    if (f->format != AV_SAMPLE_FMT_FLTP || rate <= 0 || f->pts == AV_NOPTS_VALUE)
        return;
    json_array_foreach(json_object_get(spec, "audio"), i, r)
    {
        const char *mode = json_string_value(json_object_get(r, "mode"));
        int bleep = mode != NULL && strcmp(mode, "bleep") == 0;
        double a = fmin(fmax(num(r, "start", 0), 0), MAX_TIME_S);
        double b = fmin(fmax(num(r, "end", 0), 0), MAX_TIME_S);
        int64_t from = (int64_t)floor(a * rate) - f->pts, to = (int64_t)ceil(b * rate) - f->pts;
        if (from < 0)
            from = 0;
        if (to > f->nb_samples)
            to = f->nb_samples;
        for (int c = 0; c < f->ch_layout.nb_channels && from < to; c++) {
            float *s = (float *)f->extended_data[c];
            for (int64_t n = from; n < to; n++)
                s[n] = bleep ? BLEEP_AMP *
                                   (float)sin(2 * M_PI * BLEEP_HZ * (double)(f->pts + n) / rate)
                             : 0.0f;
        }
    }
}

int
cs_tc_public_photo(const AVFrame *src, int full_width, const json_t *spec, AVFrame **out,
                   char *reason, size_t size)
{
    AVFilterGraph *graph = NULL;
    AVFilterContext *bsrc = NULL, *bsink = NULL;
    AVFilterInOut *ins = NULL, *outs = NULL;
    AVFrame *in = NULL, *res = NULL;
    char args[160], chain[CS_PUBLIC_FILTERS_MAX];
    int averr = AVERROR(ENOMEM), err = 0;

    *out = NULL;
    if (json_array_size(json_object_get(spec, "regions")) == 0)
        return 0;
    /* The spec's rectangles are of the full picture; a lowres decode is smaller. */
    json_t *copy = json_deep_copy(spec), *r;
    double k = full_width > 0 ? (double)src->width / full_width : 1.0;
    size_t i;
    if (copy == NULL)
        goto oom;
    json_array_foreach(json_object_get(copy, "regions"), i, r)
    {
        static const char *const keys[] = {"x", "y", "w", "h"};
        for (size_t j = 0; j < 4; j++)
            json_object_set_new(r, keys[j], json_real(num(r, keys[j], 0) * k));
    }
    err = cs_tc_public_filters(copy, src->width, src->height, 0, 0, chain, sizeof chain);
    json_decref(copy);
    if (err == CS_ENAMETOOLONG) { /* too many regions: this copy fails, saying so */
        cs_tc_reason(reason, size, "%s", cs_diag());
        return 0;
    }
    if (err != 0 || chain[0] == '\0') /* no rectangle on the picture: nothing to do */
        return err;
    if (snprintf(args, sizeof args, "video_size=%dx%d:pix_fmt=%d:time_base=1/25:pixel_aspect=1/1",
                 src->width, src->height, src->format) >= (int)sizeof args)
        goto fail;
    if ((graph = avfilter_graph_alloc()) == NULL || (ins = avfilter_inout_alloc()) == NULL ||
        (outs = avfilter_inout_alloc()) == NULL || (in = av_frame_clone(src)) == NULL ||
        (res = av_frame_alloc()) == NULL)
        goto oom;
    graph->nb_threads = 1;
    if ((averr = avfilter_graph_create_filter(&bsrc, avfilter_get_by_name("buffer"), "in", args,
                                              NULL, graph)) < 0 ||
        (averr = avfilter_graph_create_filter(&bsink, avfilter_get_by_name("buffersink"), "out",
                                              NULL, NULL, graph)) < 0)
        goto fail;
    outs->name = av_strdup("in");
    outs->filter_ctx = bsrc;
    ins->name = av_strdup("out");
    ins->filter_ctx = bsink;
    if (outs->name == NULL || ins->name == NULL)
        goto oom;
    in->pts = 0;
    if ((averr = avfilter_graph_parse_ptr(graph, chain, &ins, &outs, NULL)) < 0 ||
        (averr = avfilter_graph_config(graph, NULL)) < 0 ||
        (averr = av_buffersrc_add_frame(bsrc, in)) < 0 ||
        (averr = av_buffersrc_add_frame(bsrc, NULL)) < 0 ||
        (averr = av_buffersink_get_frame(bsink, res)) < 0)
        goto fail;
    *out = res;
    res = NULL;
    goto out;
oom:
    averr = AVERROR(ENOMEM);
fail:
    err = cs_tc_averr(averr, "the photo's redaction", reason, size);
out:
    av_frame_free(&in);
    av_frame_free(&res);
    avfilter_inout_free(&ins);
    avfilter_inout_free(&outs);
    avfilter_graph_free(&graph);
    return err;
}

int
cs_tc_icc_is_srgb(const uint8_t *icc, size_t len)
{
    /* The description's text, ASCII in 'desc' (v2) or UTF-16 in 'mluc' (v4): looking for
     * "sRGB" in either form over the tag data is enough to tell the common profiles. */
    static const uint8_t ascii[] = "sRGB", utf16[] = {0, 's', 0, 'R', 0, 'G', 0, 'B'};
    if (icc == NULL || len < 132)
        return 0;
    return memmem(icc + 128, len - 128, ascii, 4) != NULL ||
           memmem(icc + 128, len - 128, utf16, sizeof utf16) != NULL;
}
