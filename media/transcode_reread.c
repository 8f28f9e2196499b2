/* media/transcode_reread.c: the finished file (its trailer written, the archival copy's
 * rotation patched in) read back with libavformat, without decoding. It must hold the streams
 * its verifier decoded, described as they were written (codec, size or rate, codec header), and
 * every packet that was decoded, in order, with the same bytes and timing (transcode_digest.c).
 * A strict decoder is opened on each stream as the file describes it, as a player would: a
 * damaged FFV1 header fails its CRC there. */
#include "media/transcode_int.h"

#include "core/error.h"

#include <math.h>
#include <string.h>

typedef struct reread {
    cs_tc_out_t *out;
    const cs_tc_checker_t *c;
    cs_tc_file_t file;
    cs_tc_digest_t *digest; /* per stream, of the file's packets */
} reread_t;

/* Stream i of the file against what was written. */
static int
same_stream(reread_t *r, unsigned i)
{
    const AVStream *st = r->file.fmt->streams[i];
    const AVCodecParameters *have = st->codecpar, *want = r->c->desc->streams[i]->codecpar;
    const char *profile = r->out->profile;
    uint8_t hh[16], hw[16];
    AVCodecContext *dec = NULL;
    int rc, err;

    if (have->codec_type != want->codec_type || have->codec_id != want->codec_id)
        return cs_tc_out_fail(r->out, 0, "the %s copy's stream %u is %s on disk, %s was written",
                              profile, i, avcodec_get_name(have->codec_id),
                              avcodec_get_name(want->codec_id));
    if (have->codec_type == AVMEDIA_TYPE_VIDEO &&
        (have->width != want->width || have->height != want->height))
        return cs_tc_out_fail(r->out, 0, "the %s copy's stream %u is %dx%d on disk, %dx%d written",
                              profile, i, have->width, have->height, want->width, want->height);
    /* A raw FLAC file says so only in its STREAMINFO: the codec header, compared below. */
    if (have->codec_type == AVMEDIA_TYPE_AUDIO && have->sample_rate > 0 &&
        (have->sample_rate != want->sample_rate ||
         have->ch_layout.nb_channels != want->ch_layout.nb_channels))
        return cs_tc_out_fail(r->out, 0,
                              "the %s copy's stream %u is %d Hz, %d channels on disk; %d Hz, %d "
                              "channels were written",
                              profile, i, have->sample_rate, have->ch_layout.nb_channels,
                              want->sample_rate, want->ch_layout.nb_channels);
    if ((rc = cs_tc_digest_header(have->codec_id, have->extradata, have->extradata_size, hh)) !=
            0 ||
        (rc = cs_tc_digest_header(want->codec_id, want->extradata, want->extradata_size, hw)) != 0)
        return rc;
    if (memcmp(hh, hw, sizeof hh) != 0)
        return cs_tc_out_fail(r->out, 0, "the %s copy's stream %u has another codec header on disk",
                              profile, i);
    if ((err = cs_tc_decoder_open(st, 1, 1, &dec)) < 0)
        return cs_tc_out_fail(r->out, err, "the %s copy's stream %u cannot be decoded", profile, i);
    avcodec_free_context(&dec);
    return 0;
}

/* "audio stream 1, packet 37 (pts 1.234 s)": where a difference is. */
static void
where(reread_t *r, unsigned i, int64_t k, char *buf, size_t size)
{
    const AVStream *st = r->c->desc->streams[i];
    const cs_tc_digest_t *want = &r->c->vs[i].digest;
    const char *type = av_get_media_type_string(st->codecpar->codec_type);
    if (k < want->packets && want->recs[k].pts != AV_NOPTS_VALUE)
        cs_tc_reason(buf, size, "%s stream %u, packet %lld (pts %.3f s)", type ? type : "data", i,
                     (long long)k, (double)want->recs[k].pts * av_q2d(st->time_base));
    else
        cs_tc_reason(buf, size, "%s stream %u, packet %lld", type ? type : "data", i, (long long)k);
}

/* One packet of the file against the one verified in its place. */
static int
same_packet(reread_t *r, const AVPacket *pkt)
{
    unsigned i = (unsigned)pkt->stream_index;
    cs_tc_digest_t *have = &r->digest[i];
    const cs_tc_digest_t *want = &r->c->vs[i].digest;
    int64_t k = have->packets;
    cs_tc_pktrec_t rec;
    char at[96], why[160];
    int rc;

    if ((rc = cs_tc_digest_add(have, pkt, &rec)) != 0)
        return rc;
    if (k >= want->packets) {
        where(r, i, k, at, sizeof at);
        return cs_tc_out_fail(r->out, 0,
                              "the %s copy on disk does not hold the verified packets: %s: on "
                              "disk, but only %lld were verified",
                              r->out->profile, at, (long long)want->packets);
    }
    cs_tc_pktrec_diff(&rec, &want->recs[k], r->c->desc->streams[i]->time_base, why, sizeof why);
    if (why[0] == '\0')
        return 0;
    where(r, i, k, at, sizeof at);
    return cs_tc_out_fail(r->out, 0,
                          "the %s copy on disk does not hold the verified packets: %s: %s",
                          r->out->profile, at, why);
}

/* Reads every packet of the file, each against the one verified in its place. */
static int
read_all(reread_t *r)
{
    AVPacket *pkt = av_packet_alloc();
    unsigned nb = r->c->nb;
    int rc = 0, err;

    if (pkt == NULL) {
        cs_diag_set("out of memory reading the %s copy back", r->out->profile);
        return CS_ENOMEM;
    }
    while (rc == 0 && !r->out->failed) {
        if ((err = av_read_frame(r->file.fmt, pkt)) == AVERROR_EOF)
            break;
        if (err < 0) {
            rc = cs_tc_out_fail(r->out, err, "reading the %s copy back", r->out->profile);
            break;
        }
        if ((unsigned)pkt->stream_index < nb)
            rc = same_packet(r, pkt);
        else
            rc = cs_tc_out_fail(r->out, 0, "the %s copy on disk has a stream %d, not written",
                                r->out->profile, pkt->stream_index);
        av_packet_unref(pkt);
    }
    av_packet_free(&pkt);
    return rc;
}

/* Every stream's packets: the same, and any shift of their timestamps (a muxer keeping them
 * positive) the same for all, within a tick. */
static int
same_packets(reread_t *r)
{
    const cs_tc_checker_t *c = r->c;
    double shift0 = 0, tick0 = 0;
    int first = 1;

    for (unsigned i = 0; i < c->nb; i++) {
        cs_tc_digest_t *have = &r->digest[i], *want = &c->vs[i].digest;
        AVRational tb = r->file.fmt->streams[i]->time_base;
        char at[96];
        if (have->packets < want->packets) {
            where(r, i, have->packets, at, sizeof at);
            return cs_tc_out_fail(r->out, 0,
                                  "the %s copy on disk does not hold the verified packets: %s: "
                                  "verified, not on disk (%lld of %lld are)",
                                  r->out->profile, at, (long long)have->packets,
                                  (long long)want->packets);
        }
        if (!cs_tc_digest_same(have, want)) /* each packet agreed: never, short of a bug */
            return cs_tc_out_fail(r->out, 0,
                                  "the %s copy on disk does not hold the verified packets: "
                                  "stream %u differs",
                                  r->out->profile, i);
        if (have->first_pts == AV_NOPTS_VALUE || want->first_pts == AV_NOPTS_VALUE)
            continue;
        /* The file's timestamps are in the same time base as the written ones. */
        double shift = (double)(have->first_pts - want->first_pts) * av_q2d(tb);
        double tick = av_q2d(tb);
        if (first) {
            shift0 = shift;
            tick0 = tick;
            first = 0;
        } else if (fabs(shift - shift0) > fmax(tick, tick0) + 1e-9) {
            return cs_tc_out_fail(r->out, 0,
                                  "the %s copy on disk does not hold the verified packets: "
                                  "stream %u is moved %.3f s against the others",
                                  r->out->profile, i, shift - shift0);
        }
    }
    return 0;
}

int
cs_tc_reread(cs_tc_out_t *out, cs_tc_check_t *chk)
{
    reread_t r = {.out = out, .c = out->check, .file = {.fd = -1}};
    const cs_tc_checker_t *c = out->check;
    char why[CS_TC_REASON];
    int rc;

    if ((rc = cs_tc_file_open(&r.file, out->path, 0, why, sizeof why)) != 0)
        goto out;
    if (r.file.fmt == NULL) {
        rc = cs_tc_out_fail(out, 0, "the %s copy cannot be read back (%s)", out->profile, why);
        goto out;
    }
    if (r.file.fmt->nb_streams != c->nb) {
        rc = cs_tc_out_fail(out, 0, "the %s copy has %u streams on disk, %u were written",
                            out->profile, r.file.fmt->nb_streams, c->nb);
        goto out;
    }
    if ((r.digest = av_calloc(c->nb, sizeof *r.digest)) == NULL) {
        cs_diag_set("out of memory reading the %s copy back", out->profile);
        rc = CS_ENOMEM;
        goto out;
    }
    for (unsigned i = 0; i < c->nb && rc == 0 && !out->failed; i++) {
        AVStream *st = r.file.fmt->streams[i];
        if (st->time_base.num != c->desc->streams[i]->time_base.num ||
            st->time_base.den != c->desc->streams[i]->time_base.den)
            rc = cs_tc_out_fail(out, 0, "the %s copy's stream %u has another time base on disk",
                                out->profile, i);
        else if ((rc = same_stream(&r, i)) == 0 && !out->failed)
            rc = cs_tc_digest_init(&r.digest[i], st->codecpar, c->timed, 0);
    }
    if (rc != 0 || out->failed || (rc = read_all(&r)) != 0 || out->failed ||
        (rc = same_packets(&r)) != 0 || out->failed)
        goto out;
    if (c->video >= 0)
        chk->rotation = cs_tc_rotation(r.file.fmt->streams[c->video]);
out:
    for (unsigned i = 0; r.digest != NULL && i < c->nb; i++)
        cs_tc_digest_free(&r.digest[i]);
    av_free(r.digest);
    cs_tc_file_close(&r.file);
    return rc;
}
