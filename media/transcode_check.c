/* media/transcode_check.c: an output is verified while it is written. Every packet that goes
 * to its muxer also goes, by reference, to a thread of its own that checks its CRCs and decodes
 * it strictly (the first damage an error), noting where each stream's frames start and end as
 * a reader of the file will find them: the MP4 demuxer has the AAC decoder skip the encoder's
 * padding, a FLAC file keeps no timestamps and counts samples from 0. Each stream's packets
 * are digested (transcode_digest.c), so that the finished file can be matched against what was
 * decoded without decoding it again (transcode_reread.c). */
#include "media/transcode_int.h"
#include "core/buf.h"

#include "core/error.h"

#include <libavutil/crc.h>
#include <libavutil/intreadwrite.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define CHECK_ITEMS 16
#define CHECK_BYTES (32 << 20) /* of packets waiting to be decoded */

/* The first failure of what was written stays; running out of memory ends the transcode. */
static int
fail(cs_tc_checker_t *c, int averr, const char *fmt, ...)
{
    char what[CS_TC_REASON];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof what) /* marked, never silently cut */
        memcpy(what + sizeof what - 4, "...", 4);
    if (averr == AVERROR(ENOMEM)) {
        cs_diag_set("out of memory: %s", what);
        return CS_ENOMEM;
    }
    if (c->failed)
        return 0;
    c->failed = 1;
    if (averr < 0)
        return cs_tc_averr(averr, what, c->reason, sizeof c->reason);
    memcpy(c->reason, what, sizeof what);
    return 0;
}

/* Takes every frame the decoder of stream i has ready. */
static int
receive(cs_tc_checker_t *c, unsigned i)
{
    cs_tc_vstream_t *v = &c->vs[i];
    int err;

    for (;;) {
        err = avcodec_receive_frame(v->dec, c->frame);
        if (err == AVERROR(EAGAIN) || err == AVERROR_EOF)
            return 0;
        if (err < 0)
            return fail(c, err, "the %s copy does not decode (stream %u)", c->profile, i);
        if (c->frame->decode_error_flags != 0 || (c->frame->flags & AV_FRAME_FLAG_CORRUPT)) {
            av_frame_unref(c->frame);
            return fail(c, 0, "the %s copy has a damaged frame in stream %u", c->profile, i);
        }
        cs_tc_span_add(&v->span, c->desc->streams[i], c->frame);
        if ((int)i == c->video && v->span.frames == 1) {
            c->width = c->frame->width;
            c->height = c->frame->height;
        }
        av_frame_unref(c->frame);
    }
}

static int
decode(cs_tc_checker_t *c, unsigned i, const AVPacket *pkt)
{
    int err = avcodec_send_packet(c->vs[i].dec, pkt), rc;

    if (err == AVERROR(EAGAIN)) {
        if ((rc = receive(c, i)) != 0 || c->failed)
            return rc;
        err = avcodec_send_packet(c->vs[i].dec, pkt);
    }
    if (err < 0 && err != AVERROR_EOF)
        return fail(c, err, "the %s copy does not decode (stream %u)", c->profile, i);
    return receive(c, i);
}

/* An encoder's last word on its codec header (FLAC's length and MD5), which the muxer writes
 * in place of the first: the file must hold this one. */
static int
new_header(cs_tc_checker_t *c, unsigned i, const AVPacket *pkt)
{
    AVCodecParameters *par = c->desc->streams[i]->codecpar;
    size_t n = 0;
    const uint8_t *x = av_packet_get_side_data(pkt, AV_PKT_DATA_NEW_EXTRADATA, &n);
    uint8_t *copy;

    if (x == NULL || n == 0 || n > INT_MAX - AV_INPUT_BUFFER_PADDING_SIZE)
        return 0;
    if ((copy = av_mallocz(n + AV_INPUT_BUFFER_PADDING_SIZE)) == NULL)
        return fail(c, AVERROR(ENOMEM), "verifying the %s copy", c->profile);
    memcpy(copy, x, n);
    av_free(par->extradata);
    par->extradata = copy;
    par->extradata_size = (int)n;
    return 0;
}

/* FFV1 as the archival copy is made (level 3, slice CRCs): each slice ends with its size (24
 * bits), an error byte and a CRC-32 that makes the slice's CRC zero. libavcodec 5.1's decoder
 * only logs a mismatch and conceals the slice, so the verifier checks them itself. */
static int
ffv1_slices_ok(const uint8_t *data, size_t size)
{
    const AVCRC *table = av_crc_get_table(AV_CRC_32_IEEE);
    const uint8_t *end = data + size;

    while (end > data) {
        if (end - data < 8)
            return 0;
        size_t len = AV_RB24(end - 8) + 8;
        if (len > (size_t)(end - data) || end[-5] != 0 || av_crc(table, 0, end - len, len) != 0)
            return 0;
        end -= len;
    }
    return 1;
}

/* One packet as written: given the timing a reader of the file will find, digested, decoded. */
static int
check_packet(cs_tc_checker_t *c, AVPacket *pkt)
{
    unsigned i = (unsigned)pkt->stream_index;
    cs_tc_vstream_t *v;
    uint8_t *skip;
    int rc;

    if (i >= c->nb)
        return fail(c, 0, "the %s copy has a packet of stream %u, which it lacks", c->profile, i);
    v = &c->vs[i];
    if ((rc = new_header(c, i, pkt)) != 0)
        return rc;
    if (pkt->size == 0) /* side data only: nothing is written */
        return 0;
    if (!c->timed) {
        if (v->next_pts == AV_NOPTS_VALUE)
            v->next_pts = 0;
        pkt->pts = pkt->dts = v->next_pts;
        v->next_pts = cs_tc_add(v->next_pts, pkt->duration);
    }
    if (v->digest.packets == 0 && v->skip > 0) { /* all padding: dropped whole */
        if ((skip = av_packet_new_side_data(pkt, AV_PKT_DATA_SKIP_SAMPLES, 10)) == NULL)
            return fail(c, AVERROR(ENOMEM), "verifying the %s copy", c->profile);
        memset(skip, 0, 10);
        AV_WL32(skip, (uint32_t)v->skip);
        if (pkt->duration > 0 && pkt->duration <= v->skip)
            pkt->flags |= AV_PKT_FLAG_DISCARD;
    }
    if ((rc = cs_tc_digest_add(&v->digest, pkt, NULL)) != 0)
        return fail(c, AVERROR(ENOMEM), "verifying the %s copy", c->profile);
    if (v->dec->codec_id == AV_CODEC_ID_FFV1 && !ffv1_slices_ok(pkt->data, (size_t)pkt->size))
        return fail(c, 0, "the %s copy has a damaged slice in stream %u (CRC)", c->profile, i);
    return decode(c, i, pkt);
}

static void *
check_main(void *arg)
{
    cs_tc_checker_t *c = arg;
    cs_tc_item_t it = {0};
    int rc = 0;

    while (rc == 0 && !c->failed && cs_tc_queue_take(&c->packets, &it)) {
        rc = check_packet(c, it.pkt);
        cs_tc_item_free(&it);
    }
    for (unsigned i = 0; i < c->nb && rc == 0 && !c->failed; i++)
        rc = decode(c, i, NULL);
    if (rc != 0)
        cs_snprintf_cut(c->diag, sizeof c->diag, "%s", cs_diag());
    c->rc = rc;
    /* After the verdict is written: the writer learns of a failure at its next packet. */
    cs_tc_queue_stop(&c->packets, rc);
    return NULL;
}

int
cs_tc_check_open(cs_tc_out_t *out, int threads)
{
    AVFormatContext *mux = out->mux;
    cs_tc_checker_t *c;
    int rc, err;

    if (out->failed || !out->header)
        return 0;
    if ((c = out->check = av_mallocz(sizeof *c)) == NULL)
        goto nomem;
    c->profile = out->profile;
    c->video = -1;
    c->timed = !(mux->oformat->flags & AVFMT_NOTIMESTAMPS);
    c->nb = mux->nb_streams;
    if ((rc = cs_tc_queue_init(&c->packets, CHECK_ITEMS, CHECK_BYTES)) != 0)
        return rc;
    if ((c->desc = avformat_alloc_context()) == NULL || (c->frame = av_frame_alloc()) == NULL ||
        (c->vs = av_calloc(c->nb, sizeof *c->vs)) == NULL)
        goto nomem;
    for (unsigned i = 0; i < c->nb; i++) {
        const AVStream *ms = mux->streams[i];
        cs_tc_vstream_t *v = &c->vs[i];
        AVStream *st = avformat_new_stream(c->desc, NULL);
        cs_tc_span_init(&v->span);
        v->next_pts = AV_NOPTS_VALUE;
        if (st == NULL || avcodec_parameters_copy(st->codecpar, ms->codecpar) < 0)
            goto nomem;
        st->time_base = ms->time_base;
        st->avg_frame_rate = ms->avg_frame_rate;
        if ((rc = cs_tc_digest_init(&v->digest, st->codecpar, c->timed, 1)) != 0)
            return rc;
        /* What an encoder pads its start with, MP4's edit list has the decoder skip. */
        if (c->timed)
            v->skip = st->codecpar->initial_padding;
        if ((err = cs_tc_decoder_open(st, threads, 1, &v->dec)) < 0)
            return cs_tc_out_fail(out, err, "the %s copy's stream %u cannot be decoded",
                                  out->profile, i);
        if (st->codecpar->codec_type == AVMEDIA_TYPE_VIDEO && c->video < 0)
            c->video = (int)i;
    }
    return 0;
nomem:
    cs_diag_set("out of memory setting up the verifier of the %s copy", out->profile);
    return CS_ENOMEM;
}

int
cs_tc_check_start(cs_tc_checker_t *c)
{
    int err = pthread_create(&c->thread, NULL, check_main, c);
    if (err != 0) {
        cs_diag_set("cannot start a thread to verify the %s copy: %s", c->profile, strerror(err));
        return CS_ENOMEM;
    }
    c->started = 1;
    return 0;
}

int
cs_tc_check_failed(cs_tc_out_t *out)
{
    cs_tc_checker_t *c = out->check;

    if (c->rc != 0) {
        cs_diag_set("%s", c->diag);
        return c->rc;
    }
    if (c->failed)
        return cs_tc_out_fail(out, 0, "%s", c->reason);
    return cs_tc_out_fail(out, 0, "the %s copy's verifier stopped early", out->profile);
}

int
cs_tc_check_put(cs_tc_out_t *out, const AVPacket *pkt)
{
    cs_tc_item_t it = {.bytes = (size_t)pkt->size};

    if (out->check == NULL) /* never: a file is written only once its verifier is set up */
        return cs_tc_out_fail(out, 0, "the %s copy has no verifier", out->profile);
    if ((it.pkt = av_packet_alloc()) == NULL || av_packet_ref(it.pkt, pkt) < 0) {
        cs_tc_item_free(&it);
        cs_diag_set("out of memory verifying the %s copy", out->profile);
        return CS_ENOMEM;
    }
    if (cs_tc_queue_put(&out->check->packets, &it) == 0)
        return 0;
    cs_tc_item_free(&it);
    return cs_tc_check_failed(out); /* it stopped: c->failed, c->rc are written */
}

int
cs_tc_check_end(cs_tc_checker_t *c)
{
    if (c == NULL || !c->started)
        return 0;
    cs_tc_queue_close(&c->packets);
    pthread_join(c->thread, NULL);
    c->started = 0;
    if (c->rc != 0)
        cs_diag_set("%s", c->diag);
    return c->rc;
}

void
cs_tc_check_free(cs_tc_checker_t **pc)
{
    cs_tc_checker_t *c = *pc;

    if (c == NULL)
        return;
    if (c->started) { /* not ended: it must not outlive what it decodes */
        cs_tc_queue_stop(&c->packets, 0);
        pthread_join(c->thread, NULL);
    }
    for (unsigned i = 0; c->vs != NULL && i < c->nb; i++) {
        avcodec_free_context(&c->vs[i].dec);
        cs_tc_digest_free(&c->vs[i].digest);
    }
    av_free(c->vs);
    avformat_free_context(c->desc);
    av_frame_free(&c->frame);
    cs_tc_queue_destroy(&c->packets);
    av_freep(pc);
}
