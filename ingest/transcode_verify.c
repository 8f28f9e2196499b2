/* ingest/transcode_verify.c: an output is good only once it has been read back. Every stream
 * of the written file is decoded to the end, strictly (CRCs checked, the first damage is an
 * error); the archival copy must hold as many pictures as were decoded from the source, and
 * every copy must last as long as the source, within one frame or 20 ms. */
#include "ingest/transcode_int.h"

#include "core/error.h"

#include <math.h>
#include <stdio.h>

typedef struct reader {
    cs_tc_out_t *out;
    cs_tc_file_t file;
    AVCodecContext **dec;
    cs_tc_span_t *span;
    AVFrame *frame;
    unsigned nb; /* streams when opened (a demuxer may add more) */
    int video;   /* first video stream, or -1 */
    cs_tc_check_t *chk;
} reader_t;

/* Takes every frame the decoder of stream i has ready. Returns 0 (a damaged frame fails the
 * output) or CS_ENOMEM. */
static int
receive(reader_t *r, int i)
{
    AVStream *st = r->file.fmt->streams[i];
    int err;
    for (;;) {
        err = avcodec_receive_frame(r->dec[i], r->frame);
        if (err == AVERROR(EAGAIN) || err == AVERROR_EOF)
            return 0;
        if (err < 0)
            return cs_tc_out_fail(r->out, err, "the %s copy does not decode (stream %d)",
                                  r->out->profile, i);
        if (r->frame->decode_error_flags != 0 || (r->frame->flags & AV_FRAME_FLAG_CORRUPT)) {
            av_frame_unref(r->frame);
            return cs_tc_out_fail(r->out, 0, "the %s copy has a damaged frame in stream %d",
                                  r->out->profile, i);
        }
        cs_tc_span_add(&r->span[i], st, r->frame);
        if (i == r->video && r->span[i].frames == 1) {
            r->chk->width = r->frame->width;
            r->chk->height = r->frame->height;
        }
        av_frame_unref(r->frame);
    }
}

static int
decode(reader_t *r, int i, const AVPacket *pkt)
{
    int err = avcodec_send_packet(r->dec[i], pkt);
    if (err == AVERROR(EAGAIN)) {
        int rc = receive(r, i);
        if (rc != 0 || r->out->failed)
            return rc;
        err = avcodec_send_packet(r->dec[i], pkt);
    }
    if (err < 0 && err != AVERROR_EOF)
        return cs_tc_out_fail(r->out, err, "the %s copy does not decode (stream %d)",
                              r->out->profile, i);
    return receive(r, i);
}

/* Opens a strict decoder for every stream; the first video stream is the one described. */
static int
open_decoders(reader_t *r, int threads)
{
    AVFormatContext *fmt = r->file.fmt;
    int err;

    r->nb = fmt->nb_streams;
    r->dec = av_calloc(r->nb, sizeof *r->dec);
    r->span = av_calloc(r->nb, sizeof *r->span);
    if (r->dec == NULL || r->span == NULL) {
        cs_diag_set("out of memory verifying the %s copy", r->out->profile);
        return CS_ENOMEM;
    }
    for (unsigned i = 0; i < r->nb; i++) {
        AVStream *st = fmt->streams[i];
        cs_tc_span_init(&r->span[i]);
        if ((err = cs_tc_decoder_open(st, threads, 1, &r->dec[i])) < 0)
            return cs_tc_out_fail(r->out, err, "the %s copy's stream %u cannot be decoded",
                                  r->out->profile, i);
        if (st->codecpar->codec_type == AVMEDIA_TYPE_VIDEO && r->video < 0) {
            r->video = (int)i;
            r->chk->rotation = cs_tc_rotation(st);
        }
    }
    return 0;
}

/* Decodes the whole file. */
static int
read_all(reader_t *r)
{
    AVFormatContext *fmt = r->file.fmt;
    AVPacket *pkt = av_packet_alloc();
    int rc = 0, err;

    if (pkt == NULL) {
        cs_diag_set("out of memory verifying the %s copy", r->out->profile);
        return CS_ENOMEM;
    }
    while (rc == 0 && !r->out->failed) {
        if ((err = av_read_frame(fmt, pkt)) == AVERROR_EOF)
            break;
        if (err < 0) {
            rc = cs_tc_out_fail(r->out, err, "reading the %s copy back", r->out->profile);
            break;
        }
        if ((unsigned)pkt->stream_index < r->nb)
            rc = decode(r, pkt->stream_index, pkt);
        av_packet_unref(pkt);
    }
    for (unsigned i = 0; i < r->nb && rc == 0 && !r->out->failed; i++)
        rc = decode(r, (int)i, NULL);
    av_packet_free(&pkt);
    return rc;
}

int
cs_tc_verify(cs_tc_out_t *out, int64_t frames, double duration_s, double tolerance_s, int threads,
             cs_tc_check_t *chk)
{
    reader_t r = {.out = out, .file = {.fd = -1}, .video = -1, .chk = chk};
    char why[CS_TC_REASON];
    double start = INFINITY, end = -INFINITY;
    int rc;

    chk->frames = -1;
    chk->width = chk->height = chk->rotation = 0;
    chk->duration_s = -1;
    if ((r.frame = av_frame_alloc()) == NULL) {
        cs_diag_set("out of memory verifying the %s copy", out->profile);
        rc = CS_ENOMEM;
        goto out;
    }
    if ((rc = cs_tc_file_open(&r.file, out->path, why, sizeof why)) != 0)
        goto out;
    if (r.file.fmt == NULL) {
        rc = cs_tc_out_fail(out, 0, "the %s copy cannot be read back (%s)", out->profile, why);
        goto out;
    }
    if ((rc = open_decoders(&r, threads)) != 0 || out->failed || (rc = read_all(&r)) != 0 ||
        out->failed)
        goto out;
    for (unsigned i = 0; i < r.nb; i++) {
        if (r.span[i].frames == 0)
            continue;
        start = fmin(start, r.span[i].start_s);
        end = fmax(end, r.span[i].end_s);
    }
    chk->frames = r.video >= 0 ? r.span[r.video].frames : -1;
    chk->duration_s = end > start ? end - start : -1;
    if (chk->duration_s < 0)
        rc = cs_tc_out_fail(out, 0, "the %s copy holds nothing that decodes", out->profile);
    else if (frames >= 0 && chk->frames != frames)
        rc = cs_tc_out_fail(out, 0, "the %s copy holds %lld frames, the source %lld", out->profile,
                            (long long)chk->frames, (long long)frames);
    else if (duration_s >= 0 && fabs(chk->duration_s - duration_s) > tolerance_s)
        rc = cs_tc_out_fail(out, 0, "the %s copy lasts %.2f s, the source %.2f s", out->profile,
                            chk->duration_s, duration_s);
out:
    if (r.dec != NULL)
        for (unsigned i = 0; i < r.nb; i++)
            avcodec_free_context(&r.dec[i]);
    av_free(r.dec);
    av_free(r.span);
    av_frame_free(&r.frame);
    cs_tc_file_close(&r.file);
    return rc;
}
