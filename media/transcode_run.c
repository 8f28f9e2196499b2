/* media/transcode_run.c: the one decode of the source. Each packet is decoded once and each
 * frame handed to every output fed from its stream, archival and access alike, each encoding
 * in its own thread (transcode_lane.c). A packet or frame that does not decode is skipped and
 * counted: the copies hold the frames that did. Progress goes to the caller's callback at most
 * four times a second. */
#include "media/transcode_int.h"

#include "core/error.h"

#include <time.h>

#define RUN_PROGRESS_S 0.25 /* seconds between progress reports */
#define RUN_MAX_ERRORS 1000 /* decode errors in a row after which a stream's packet is left */

typedef struct run {
    cs_tc_src_t *src;
    cs_tc_out_t *outs;
    cs_tc_lane_t *lanes; /* per output */
    int nb_outs;
    const cs_transcode_opts_t *o;
    AVFrame *frame;
    unsigned char *used; /* per stream: decoded in this pass */
    struct timespec start, last;
    double duration_s, start_s; /* the container's; duration_s <= 0: unknown */
    double percent;             /* reported last: streams interleave, progress never goes back */
    int counted;                /* the stream whose frames make the fps */
} run_t;

static double
seconds_since(const struct timespec *t, const struct timespec *now)
{
    return (double)(now->tv_sec - t->tv_sec) + (now->tv_nsec - t->tv_nsec) / 1e9;
}

static void
progress(run_t *r, const AVFrame *f)
{
    struct timespec now;
    double percent = -1, fps = 0, elapsed;

    if (r->o->progress == NULL)
        return;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (seconds_since(&r->last, &now) < RUN_PROGRESS_S)
        return;
    r->last = now;
    if (r->duration_s > 0 && f->pts != AV_NOPTS_VALUE) {
        percent = 100 * (f->pts * av_q2d(f->time_base) - r->start_s) / r->duration_s;
        percent = percent < r->percent ? r->percent : percent > 99.9 ? 99.9 : percent;
        r->percent = percent;
    }
    elapsed = seconds_since(&r->start, &now);
    if (r->counted >= 0 && elapsed > 0)
        fps = r->src->span[r->counted].frames / elapsed;
    r->o->progress(r->o->progress_arg, percent, fps);
}

static int
alive(const run_t *r)
{
    for (int i = 0; i < r->nb_outs; i++)
        if (r->lanes[i].taking)
            return 1;
    return 0;
}

/* One decoded frame: timestamped, counted, and given to each output that has a stream fed
 * from its stream. */
static int
take(run_t *r, int index, AVFrame *frame)
{
    AVStream *st = r->src->file.fmt->streams[index];
    int rc = 0;

    cs_tc_span_add(&r->src->span[index], st, frame);
    for (int i = 0; i < r->nb_outs && rc == 0; i++) {
        const cs_tc_out_t *out = &r->outs[i];
        int wanted = 0;
        for (int j = 0; j < out->nb_ost; j++)
            wanted |= out->ost[j].in == index;
        if (wanted)
            rc = cs_tc_lane_put(&r->lanes[i], index, frame);
    }
    progress(r, frame);
    return rc;
}

static int
receive(run_t *r, int index)
{
    AVCodecContext *dec = r->src->dec[index];
    int err, rc, errors = 0;

    for (;;) {
        err = avcodec_receive_frame(dec, r->frame);
        if (err == AVERROR(EAGAIN) || err == AVERROR_EOF)
            return 0;
        if (err == AVERROR(ENOMEM)) {
            cs_diag_set("out of memory decoding the source");
            return CS_ENOMEM;
        }
        if (err < 0) { /* a frame that did not decode: the next one may */
            r->src->errors++;
            if (++errors >= RUN_MAX_ERRORS)
                return 0;
            continue;
        }
        errors = 0;
        rc = take(r, index, r->frame);
        av_frame_unref(r->frame);
        if (rc != 0)
            return rc;
    }
}

/* Decodes one packet (NULL: drains the decoder) and hands on what comes out. */
static int
decode(run_t *r, int index, const AVPacket *pkt)
{
    AVCodecContext *dec = r->src->dec[index];
    int err, rc;

    err = avcodec_send_packet(dec, pkt);
    if (err == AVERROR(EAGAIN)) { /* frames are waiting: take them, then send again */
        if ((rc = receive(r, index)) != 0)
            return rc;
        err = avcodec_send_packet(dec, pkt);
    }
    if (err == AVERROR(ENOMEM)) {
        cs_diag_set("out of memory decoding the source");
        return CS_ENOMEM;
    }
    if (err < 0 && err != AVERROR_EOF)
        r->src->errors++; /* a damaged packet: skipped */
    return receive(r, index);
}

int
cs_tc_run(cs_tc_src_t *src, cs_tc_out_t *outs, int nb_outs, const cs_transcode_opts_t *o)
{
    AVFormatContext *fmt = src->file.fmt;
    AVPacket *pkt = av_packet_alloc();
    run_t r = {.src = src, .outs = outs, .nb_outs = nb_outs, .o = o};
    int rc = CS_ENOMEM, err;

    r.frame = av_frame_alloc();
    r.used = av_calloc(src->nb_streams, 1);
    r.lanes = av_calloc((size_t)nb_outs, sizeof *r.lanes);
    if (pkt == NULL || r.frame == NULL || r.used == NULL || r.lanes == NULL) {
        cs_diag_set("out of memory decoding the source");
        goto out;
    }
    for (int i = 0; i < nb_outs; i++)
        if (!outs[i].failed && outs[i].check != NULL &&
            (rc = cs_tc_lane_start(&r.lanes[i], &outs[i])) != 0)
            goto out;
    /* The first video and audio streams are always counted; the others when an output wants
     * them. */
    if (src->video >= 0)
        r.used[src->video] = 1;
    if (src->audio >= 0)
        r.used[src->audio] = 1;
    for (int i = 0; i < nb_outs; i++)
        for (int j = 0; j < outs[i].nb_ost; j++)
            r.used[outs[i].ost[j].in] = 1;
    r.counted = src->video >= 0 ? src->video : src->audio;
    r.duration_s = fmt->duration > 0 ? fmt->duration / (double)AV_TIME_BASE : 0;
    r.start_s = fmt->start_time != AV_NOPTS_VALUE ? fmt->start_time / (double)AV_TIME_BASE : 0;
    clock_gettime(CLOCK_MONOTONIC, &r.start);
    r.last = r.start;

    rc = 0;
    while (rc == 0 && alive(&r)) {
        /* The end of the file, or a container too damaged to read on: what was read so far
         * is the recording. */
        if ((err = av_read_frame(fmt, pkt)) < 0)
            break;
        unsigned i = (unsigned)pkt->stream_index;
        if (i < src->nb_streams && src->packets != NULL) {
            src->packets[i]++;
            src->bytes[i] += pkt->size;
        }
        if (i < src->nb_streams && r.used[i] && src->dec[i] != NULL)
            rc = decode(&r, (int)i, pkt);
        av_packet_unref(pkt);
    }
    for (unsigned i = 0; i < src->nb_streams && rc == 0; i++)
        if (r.used[i] && src->dec[i] != NULL)
            rc = decode(&r, (int)i, NULL);
    clock_gettime(CLOCK_MONOTONIC, &r.last);
    if (r.counted >= 0 && seconds_since(&r.start, &r.last) > 0)
        src->fps = src->span[r.counted].frames / seconds_since(&r.start, &r.last);
out:
    for (int i = 0; r.lanes != NULL && i < nb_outs; i++) /* all drain at once */
        cs_tc_queue_close(&r.lanes[i].frames);
    for (int i = 0; r.lanes != NULL && i < nb_outs; i++) {
        cs_tc_lane_end(&r.lanes[i]);
        if (rc == 0 && (rc = r.lanes[i].rc) != 0)
            cs_diag_set("%s", r.lanes[i].diag);
    }
    av_free(r.lanes);
    av_packet_free(&pkt);
    av_frame_free(&r.frame);
    av_free(r.used);
    return rc;
}
