/* media/transcode_digest.c: what proves that a finished file holds the very packets its
 * verifier decoded as they were written. Per stream, a count and a running 128-bit MurmurHash3
 * over each packet in order: its bytes, its size, its pts (from the stream's first: a muxer may
 * shift all streams alike to keep timestamps positive), the samples a decoder is told to skip
 * or discard, and whether it is to be dropped. Two digests agree only if the same packets came
 * in the same order. The verifier's digest keeps each packet's record, so that a file that
 * differs is told by the first packet that does, and how.
 *
 * H.264 is hashed as its NAL units, each without trailing zero bytes: libx264 writes them
 * after start codes, MP4 stores them after their lengths, the units themselves are the same. */
#include "media/transcode_int.h"

#include "core/error.h"

#include <libavutil/intreadwrite.h>

#include <limits.h>
#include <stdint.h>
#include <string.h>

/* How the NAL units of an H.264 stream with codec header `x` (n bytes) are framed: -1 after
 * start codes (Annex B), 1..4 after that many bytes of length (an avcC header says how many);
 * 0 for other codecs, whose packets are hashed as they are. */
static int
nal_framing(enum AVCodecID id, const uint8_t *x, int n)
{
    if (id != AV_CODEC_ID_H264)
        return 0;
    if (x != NULL && n >= 7 && x[0] == 1)
        return (x[4] & 3) + 1;
    return -1;
}

/* One NAL unit: its length, then its bytes; trailing zeros belong to the framing. */
static void
hash_nal(struct AVMurMur3 *h, const uint8_t *p, size_t n, uint64_t *size)
{
    uint8_t len[4];
    while (n > 0 && p[n - 1] == 0)
        n--;
    if (n == 0)
        return;
    AV_WB32(len, (uint32_t)n);
    av_murmur3_update(h, len, sizeof len);
    av_murmur3_update(h, p, n);
    *size += sizeof len + n;
}

/* Where the next 00 00 01 starts, or end. */
static const uint8_t *
start_code(const uint8_t *p, const uint8_t *end)
{
    for (; end - p >= 3; p++)
        if (p[0] == 0 && p[1] == 0 && p[2] == 1)
            return p;
    return end;
}

static void
hash_annexb(struct AVMurMur3 *h, const uint8_t *p, size_t n, uint64_t *size)
{
    const uint8_t *end = p + n, *nal = start_code(p, end);
    while (nal < end) {
        const uint8_t *next = start_code(nal + 3, end);
        hash_nal(h, nal + 3, (size_t)(next - nal - 3), size);
        nal = next;
    }
}

/* NAL units after `bytes` of length each; -1 when a length runs past the end. */
static int
hash_lengths(struct AVMurMur3 *h, const uint8_t *p, size_t n, int bytes, uint64_t *size)
{
    while (n > 0) {
        size_t len = 0;
        if (n < (size_t)bytes)
            return -1;
        for (int i = 0; i < bytes; i++)
            len = len << 8 | p[i];
        p += bytes;
        n -= (size_t)bytes;
        if (len > n)
            return -1;
        hash_nal(h, p, len, size);
        p += len;
        n -= len;
    }
    return 0;
}

int
cs_tc_digest_init(cs_tc_digest_t *d, const AVCodecParameters *par, int timed, int keep)
{
    memset(d, 0, sizeof *d);
    d->first_pts = AV_NOPTS_VALUE;
    d->nal = nal_framing(par->codec_id, par->extradata, par->extradata_size);
    d->timed = timed;
    d->keep = keep;
    if ((d->hash = av_murmur3_alloc()) == NULL || (d->one = av_murmur3_alloc()) == NULL) {
        cs_diag_set("out of memory");
        return CS_ENOMEM;
    }
    av_murmur3_init(d->hash);
    return 0;
}

int
cs_tc_digest_add(cs_tc_digest_t *d, const AVPacket *pkt, cs_tc_pktrec_t *out)
{
    uint8_t tail[40];
    uint64_t size = 0;
    size_t n = 0;
    const uint8_t *skip = av_packet_get_side_data(pkt, AV_PKT_DATA_SKIP_SAMPLES, &n);
    cs_tc_pktrec_t rec = {.pts = pkt->pts, .dts = pkt->dts};

    av_murmur3_init(d->one);
    if (d->nal < 0) {
        hash_annexb(d->one, pkt->data, (size_t)pkt->size, &size);
    } else if (d->nal > 0) {
        if (hash_lengths(d->one, pkt->data, (size_t)pkt->size, d->nal, &size) != 0)
            d->broken = 1;
    } else {
        av_murmur3_update(d->one, pkt->data, (size_t)pkt->size);
        size = (uint64_t)pkt->size;
    }
    av_murmur3_final(d->one, rec.hash);
    if (d->timed && pkt->pts != AV_NOPTS_VALUE) {
        if (d->first_pts == AV_NOPTS_VALUE)
            d->first_pts = pkt->pts;
        rec.rel_pts = cs_tc_add(pkt->pts, -d->first_pts);
    }
    rec.size = size > UINT32_MAX ? UINT32_MAX : (uint32_t)size;
    rec.skip = skip != NULL && n >= 10 ? AV_RL32(skip) : 0;
    rec.discard = (pkt->flags & AV_PKT_FLAG_DISCARD) != 0;
    AV_WL64(tail, size);
    AV_WL64(tail + 8, (uint64_t)rec.rel_pts);
    AV_WL64(tail + 16, rec.skip);
    AV_WL64(tail + 24, skip != NULL && n >= 10 ? AV_RL32(skip + 4) : 0);
    AV_WL64(tail + 32, rec.discard);
    av_murmur3_update(d->hash, rec.hash, sizeof rec.hash);
    av_murmur3_update(d->hash, tail, sizeof tail);
    if (d->keep) {
        size_t need = ((size_t)d->packets + 1) * sizeof rec;
        cs_tc_pktrec_t *recs =
            need <= UINT_MAX ? av_fast_realloc(d->recs, &d->recs_size, need) : NULL;
        if (recs == NULL) {
            cs_diag_set("out of memory keeping the records of %lld packets",
                        (long long)d->packets + 1);
            return CS_ENOMEM;
        }
        d->recs = recs;
        d->recs[d->packets] = rec;
    }
    if (out != NULL)
        *out = rec;
    d->packets++;
    return 0;
}

void
cs_tc_pktrec_diff(const cs_tc_pktrec_t *have, const cs_tc_pktrec_t *want, AVRational tb, char *buf,
                  size_t size)
{
    if (have->size != want->size)
        cs_tc_reason(buf, size, "%lu bytes on disk, %lu verified", (unsigned long)have->size,
                     (unsigned long)want->size);
    else if (memcmp(have->hash, want->hash, sizeof have->hash) != 0)
        cs_tc_reason(buf, size, "its %lu bytes differ", (unsigned long)have->size);
    else if (have->rel_pts != want->rel_pts)
        cs_tc_reason(buf, size, "pts %+.6f s from the stream's first on disk, %+.6f s verified",
                     (double)have->rel_pts * av_q2d(tb), (double)want->rel_pts * av_q2d(tb));
    else if (have->skip != want->skip)
        cs_tc_reason(buf, size, "a decoder is told to skip %lu samples on disk, %lu verified",
                     (unsigned long)have->skip, (unsigned long)want->skip);
    else if (have->discard != want->discard)
        cs_tc_reason(buf, size, "it is %s on disk, %s in what was verified",
                     have->discard ? "to be dropped" : "kept", want->discard ? "dropped" : "kept");
    else
        buf[0] = '\0';
}

int
cs_tc_digest_same(cs_tc_digest_t *a, cs_tc_digest_t *b)
{
    uint8_t ha[16], hb[16];
    if (a->broken || b->broken || a->packets != b->packets)
        return 0;
    av_murmur3_final(a->hash, ha);
    av_murmur3_final(b->hash, hb);
    return memcmp(ha, hb, sizeof ha) == 0;
}

int
cs_tc_digest_header(enum AVCodecID id, const uint8_t *x, int len, uint8_t hash[16])
{
    struct AVMurMur3 *h = av_murmur3_alloc();
    const uint8_t *p = x;
    size_t n = x != NULL && len > 0 ? (size_t)len : 0;
    uint64_t size = 0;
    int framing = nal_framing(id, x, len);

    if (h == NULL) {
        cs_diag_set("out of memory");
        return CS_ENOMEM;
    }
    av_murmur3_init(h);
    if (framing < 0) {
        hash_annexb(h, p, n, &size);
    } else if (framing > 0) {
        /* avcC: 5 bytes, then the SPS and the PPS, each a count and 16-bit lengths. */
        size_t pos = 5;
        for (int list = 0; list < 2 && pos < n; list++) {
            unsigned count = list == 0 ? p[pos++] & 0x1f : p[pos++];
            for (unsigned i = 0; i < count && pos + 2 <= n; i++) {
                size_t nal = AV_RB16(p + pos);
                if (nal > n - pos - 2)
                    break;
                hash_nal(h, p + pos + 2, nal, &size);
                pos += 2 + nal;
            }
        }
    } else {
        av_murmur3_update(h, p, n);
    }
    av_murmur3_final(h, hash);
    av_free(h);
    return 0;
}

void
cs_tc_digest_free(cs_tc_digest_t *d)
{
    av_freep(&d->hash);
    av_freep(&d->one);
    av_freep(&d->recs);
    d->recs_size = 0;
}
