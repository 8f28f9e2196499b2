/* media/transcode_audio.c: the audio streams of the outputs. Archival: FLAC, at the source's
 * rate and channels, in s16 (sources of 16 bits or fewer) or s32 (24 significant bits: the
 * rest). Access: AAC (FFmpeg's own encoder) at access_audio_kbps, mono or stereo.
 *
 * swresample converts each decoded frame; a FIFO cuts the samples into frames of the size
 * the encoder takes. swresample keeps the audio where its timestamps say it is: a gap of
 * 20 ms or more (lost packets) is filled with silence, an overlap dropped, so the copy lasts
 * as long as the source and stays in step with its pictures. A jump of more than a second
 * (a broken or joined recording) is not filled: the timestamps jump with it (forward), or
 * the sound goes on where it is (backward). */
#include "media/transcode_int.h"

#include "core/error.h"
#include "media/transcode_public.h"

#include <libavutil/opt.h>

#include <stdio.h>
#include <string.h>

#define AUDIO_MIN_HARD_COMP 0.02 /* seconds of gap or overlap swresample corrects */
#define AUDIO_MAX_COMP 1         /* seconds: a longer jump is a new timeline, not a gap */
#define AUDIO_MAX_CHANNELS 8     /* what FLAC holds */

/* The frame's channel layout, with unnamed channels given the usual order for their count. */
static int
layout_of(const AVChannelLayout *src, AVChannelLayout *dst)
{
    if (src->order == AV_CHANNEL_ORDER_UNSPEC) {
        av_channel_layout_default(dst, src->nb_channels);
        return 0;
    }
    return av_channel_layout_copy(dst, src);
}

static int
put(json_t *obj, const char *key, json_t *v)
{
    if (v != NULL && json_object_set_new(obj, key, v) == 0)
        return 0;
    cs_diag_set("out of memory describing the encoder's \"%s\"", key);
    return CS_ENOMEM;
}

/* A resampler from what the source gives now to what the encoder takes. */
static int
open_swr(cs_tc_ost_t *os)
{
    AVCodecContext *enc = os->enc;
    int err;
    swr_free(&os->swr);
    if ((err = swr_alloc_set_opts2(&os->swr, &enc->ch_layout, enc->sample_fmt, enc->sample_rate,
                                   &os->in_layout, os->in_fmt, os->in_rate, 0, NULL)) < 0 ||
        (err = av_opt_set_double(os->swr, "min_comp", 0.001, 0)) < 0 ||
        (err = av_opt_set_double(os->swr, "min_hard_comp", AUDIO_MIN_HARD_COMP, 0)) < 0 ||
        (err = swr_init(os->swr)) < 0)
        return err;
    return 0;
}

/* The rate AAC takes that is nearest the source's, a higher one when two are as near. */
static int
aac_rate(const AVCodec *codec, int rate)
{
    int best = 0;
    for (const int *r = codec->supported_samplerates; r != NULL && *r != 0; r++) {
        long d = labs((long)*r - rate), bd = labs((long)best - rate);
        if (best == 0 || d < bd || (d == bd && *r > best))
            best = *r;
    }
    return best != 0 ? best : 48000;
}

static int
open_encoder(cs_tc_out_t *out, cs_tc_ost_t *os, int access, const cs_transcode_opts_t *o)
{
    int err, packed = av_get_packed_sample_fmt(os->in_fmt);
    /* WAV: 16-bit PCM for 8- and 16-bit sources, else 24-bit (a float or 32-bit source). */
    int wide = !(packed == AV_SAMPLE_FMT_U8 || packed == AV_SAMPLE_FMT_S16);
    const AVCodec *codec =
        access     ? avcodec_find_encoder_by_name("aac")
        : out->pcm ? avcodec_find_encoder(wide ? AV_CODEC_ID_PCM_S24LE : AV_CODEC_ID_PCM_S16LE)
                   : avcodec_find_encoder(AV_CODEC_ID_FLAC);
    AVCodecContext *enc;

    if (codec == NULL)
        return cs_tc_out_fail(out, 0, "this libavcodec has no %s encoder", access ? "AAC" : "FLAC");
    if (!access && os->in_layout.nb_channels > AUDIO_MAX_CHANNELS)
        return cs_tc_out_fail(out, 0, "FLAC holds at most %d channels; the source has %d",
                              AUDIO_MAX_CHANNELS, os->in_layout.nb_channels);
    if ((enc = os->enc = avcodec_alloc_context3(codec)) == NULL)
        return cs_tc_out_fail(out, AVERROR(ENOMEM), "the audio encoder");
    if (access) {
        enc->sample_fmt = AV_SAMPLE_FMT_FLTP;
        enc->sample_rate = aac_rate(codec, os->in_rate);
        av_channel_layout_default(&enc->ch_layout, os->in_layout.nb_channels == 1 ? 1 : 2);
        enc->bit_rate =
            (int64_t)(out->lossy ? o->archival_audio_kbps : o->access_audio_kbps) * 1000;
    } else {
        enc->sample_fmt = !wide ? AV_SAMPLE_FMT_S16 : AV_SAMPLE_FMT_S32;
        enc->sample_rate = os->in_rate;
        if ((err = av_channel_layout_copy(&enc->ch_layout, &os->in_layout)) < 0)
            return cs_tc_out_fail(out, err, "the audio channel layout");
    }
    enc->time_base = (AVRational){1, enc->sample_rate};
    if (out->mux->oformat->flags & AVFMT_GLOBALHEADER)
        enc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    if ((err = avcodec_open2(enc, codec, NULL)) < 0)
        return cs_tc_out_fail(out, err, "%s cannot encode %d Hz, %d channels", codec->name,
                              enc->sample_rate, enc->ch_layout.nb_channels);
    if (out->pcm) /* as FFmpeg's WAV reader cuts it (4096 bytes, whole samples): read back
                   * packet for packet */
        enc->frame_size =
            4096 / (enc->ch_layout.nb_channels * av_get_bits_per_sample(codec->id) / 8);
    if (enc->frame_size <= 0)
        enc->frame_size = 4096; /* takes any size: cut as FLAC would */
    if (access && (double)enc->frame_size / enc->sample_rate > out->frame_s)
        out->frame_s = (double)enc->frame_size / enc->sample_rate; /* padded at the end */
    if ((err = open_swr(os)) < 0)
        return cs_tc_out_fail(out, err, "resampling %d Hz %s for %s", os->in_rate,
                              av_get_sample_fmt_name(os->in_fmt), codec->name);
    if ((os->fifo = av_audio_fifo_alloc(enc->sample_fmt, enc->ch_layout.nb_channels,
                                        2 * enc->frame_size)) == NULL)
        return cs_tc_out_fail(out, AVERROR(ENOMEM), "the audio FIFO");
    return 0;
}

static int
describe(cs_tc_out_t *out, const cs_tc_ost_t *os, int access)
{
    char layout[64] = "";
    json_t *p = json_object();
    const AVCodecContext *enc = os->enc;
    av_channel_layout_describe(&enc->ch_layout, layout, sizeof layout);
    if (p == NULL || json_object_set_new(out->params, "audio", p) != 0) {
        cs_diag_set("out of memory describing the audio encoder");
        return CS_ENOMEM;
    }
    if (put(p, "sample_fmt", json_string(av_get_sample_fmt_name(enc->sample_fmt))) ||
        put(p, "sample_rate", json_integer(enc->sample_rate)) ||
        put(p, "channel_layout", json_string(layout)) ||
        put(p, "time_base", json_sprintf("1/%d", enc->sample_rate)) ||
        (access && put(p, "b", json_integer(enc->bit_rate))) ||
        put(p, "resample",
            json_pack("{s:f, s:f}", "min_comp", 0.001, "min_hard_comp", AUDIO_MIN_HARD_COMP)) ||
        put(out->encoders, "audio", json_string(enc->codec->name)))
        return CS_ENOMEM;
    return 0;
}

int
cs_tc_audio_open(cs_tc_out_t *out, const cs_tc_src_t *src, int in, int access,
                 const cs_transcode_opts_t *o)
{
    const AVCodecContext *dec = src->dec[in];
    cs_tc_ost_t *os;
    int rc, err;

    if ((os = cs_tc_out_add(out, in)) == NULL ||
        (os->st = avformat_new_stream(out->mux, NULL)) == NULL ||
        layout_of(&dec->ch_layout, &os->in_layout) < 0) {
        cs_diag_set("out of memory adding an audio stream");
        return CS_ENOMEM;
    }
    os->in_rate = dec->sample_rate;
    os->in_fmt = dec->sample_fmt;
    if ((rc = open_encoder(out, os, access, o)) != 0 || out->failed)
        return rc;
    if (json_object_get(out->params, "audio") == NULL && (rc = describe(out, os, access)) != 0)
        return rc;
    os->st->time_base = os->enc->time_base;
    if ((err = avcodec_parameters_from_context(os->st->codecpar, os->enc)) < 0)
        return cs_tc_out_fail(out, err, "describing the audio stream");
    return 0;
}

/* Encodes n samples from the FIFO (padded with silence to a whole frame if `pad`). */
static int
emit(cs_tc_out_t *out, cs_tc_ost_t *os, int n, int pad)
{
    AVFrame *f = out->frame;
    int err, rc;

    f->nb_samples = pad ? os->enc->frame_size : n;
    f->format = os->enc->sample_fmt;
    f->sample_rate = os->enc->sample_rate;
    if ((err = av_channel_layout_copy(&f->ch_layout, &os->enc->ch_layout)) < 0 ||
        (err = av_frame_get_buffer(f, 0)) < 0) {
        av_frame_unref(f);
        return cs_tc_out_fail(out, err, "an audio frame");
    }
    if (av_audio_fifo_read(os->fifo, (void **)f->extended_data, n) != n) {
        av_frame_unref(f);
        return cs_tc_out_fail(out, 0, "the audio FIFO came up short");
    }
    if (f->nb_samples > n)
        av_samples_set_silence(f->extended_data, n, f->nb_samples - n, f->ch_layout.nb_channels,
                               f->format);
    f->pts = os->next_pts;
    os->next_pts = cs_tc_add(os->next_pts, n);
    if (out->redact != NULL) /* the public copy: its clock starts at 0, as the spec's */
        cs_tc_public_audio(out->redact, f, os->enc->sample_rate);
    rc = cs_tc_out_encode(out, os, f);
    av_frame_unref(f);
    return rc;
}

/* out->frame made ready for `n` samples in the encoder's format, layout and rate. Returns 0;
 * 1 when no buffer could be had and the output is marked failed (the caller stops and
 * answers 0); or CS_ENOMEM as cs_tc_out_fail says. */
static int
encoder_frame(cs_tc_out_t *out, cs_tc_ost_t *os, int n)
{
    AVFrame *f = out->frame;
    int err;
    f->nb_samples = n;
    f->format = os->enc->sample_fmt;
    f->sample_rate = os->enc->sample_rate;
    if ((err = av_channel_layout_copy(&f->ch_layout, &os->enc->ch_layout)) < 0 ||
        (err = av_frame_get_buffer(f, 0)) < 0) {
        av_frame_unref(f);
        err = cs_tc_out_fail(out, err, "an audio buffer");
        return err != 0 ? err : 1;
    }
    return 0;
}

/* The access copy's sound starts at its origin: n samples of silence first, a frame at a
 * time (a recording whose sound begins late is not held in memory). */
static int
pad_start(cs_tc_out_t *out, cs_tc_ost_t *os, int64_t n)
{
    AVFrame *f = out->frame;
    int size = os->enc->frame_size, rc = 0, err;

    while (n > 0 && rc == 0 && !out->failed) {
        int k = n < size ? (int)n : size;
        if ((err = encoder_frame(out, os, k)) != 0)
            return err < 0 ? err : 0;
        av_samples_set_silence(f->extended_data, 0, k, f->ch_layout.nb_channels, f->format);
        err = av_audio_fifo_write(os->fifo, (void **)f->extended_data, k);
        av_frame_unref(f);
        if (err != k)
            return cs_tc_out_fail(out, AVERROR(ENOMEM), "the audio FIFO");
        n -= k;
        while (rc == 0 && !out->failed && av_audio_fifo_size(os->fifo) >= size)
            rc = emit(out, os, size, 0);
    }
    return rc;
}

/* Runs samples through swresample into the FIFO (NULL: what it still holds). */
static int
convert(cs_tc_out_t *out, cs_tc_ost_t *os, const AVFrame *in)
{
    AVFrame *f = out->frame;
    int room = swr_get_out_samples(os->swr, in != NULL ? in->nb_samples : 0), n, err;

    if (room <= 0)
        return 0;
    if ((err = encoder_frame(out, os, room)) != 0)
        return err < 0 ? err : 0;
    n = swr_convert(os->swr, f->extended_data, room,
                    in != NULL ? (const uint8_t **)in->extended_data : NULL,
                    in != NULL ? in->nb_samples : 0);
    if (n > 0 && av_audio_fifo_write(os->fifo, (void **)f->extended_data, n) != n)
        n = AVERROR(ENOMEM);
    av_frame_unref(f);
    if (n > 0 && os->drop > 0) { /* before the origin */
        int k =
            os->drop < av_audio_fifo_size(os->fifo) ? (int)os->drop : av_audio_fifo_size(os->fifo);
        av_audio_fifo_drain(os->fifo, k);
        os->drop -= k;
    }
    if (n < 0)
        return cs_tc_out_fail(out, n, "resampling the audio");
    return 0;
}

/* The source's audio changed rate, format or channels, or its timestamps jumped: finish the
 * old resampler's samples and go on with a new one; the output keeps its own. */
static int
reopen(cs_tc_out_t *out, cs_tc_ost_t *os, const AVFrame *frame)
{
    int rc, err;
    if ((rc = convert(out, os, NULL)) != 0 || out->failed)
        return rc;
    av_channel_layout_uninit(&os->in_layout);
    if (layout_of(&frame->ch_layout, &os->in_layout) < 0)
        return cs_tc_out_fail(out, AVERROR(ENOMEM), "the audio channel layout");
    os->in_rate = frame->sample_rate;
    os->in_fmt = frame->format;
    if ((err = open_swr(os)) < 0)
        return cs_tc_out_fail(out, err, "resampling %d Hz %s mid-stream", os->in_rate,
                              av_get_sample_fmt_name(os->in_fmt));
    return 0;
}

int
cs_tc_audio_feed(cs_tc_out_t *out, cs_tc_ost_t *os, AVFrame *frame)
{
    AVChannelLayout layout = {0};
    int rc = 0, size = os->enc->frame_size;

    if (out->failed)
        return 0;
    if (frame != NULL) {
        if (frame->sample_rate <= 0 || frame->nb_samples <= 0)
            return 0;
        if (layout_of(&frame->ch_layout, &layout) < 0)
            return cs_tc_out_fail(out, AVERROR(ENOMEM), "the audio channel layout");
        int rate = os->enc->sample_rate;
        int64_t want = av_rescale_q(frame->pts, frame->time_base, (AVRational){1, rate}), at = 0;
        if (os->next_pts != AV_NOPTS_VALUE)
            at = cs_tc_add(os->next_pts, av_audio_fifo_size(os->fifo) +
                                             swr_get_delay(os->swr, rate)); /* where it would go */
        int jump = os->next_pts != AV_NOPTS_VALUE &&
                   (want > cs_tc_add(at, (int64_t)AUDIO_MAX_COMP * rate) ||
                    want < cs_tc_add(at, -(int64_t)AUDIO_MAX_COMP * rate));
        if ((jump || frame->sample_rate != os->in_rate || frame->format != os->in_fmt ||
             av_channel_layout_compare(&layout, &os->in_layout) != 0) &&
            ((rc = reopen(out, os, frame)) != 0 || out->failed))
            goto out;
        if (jump && want > at) /* what is left in the FIFO goes just before */
            os->next_pts = cs_tc_add(want, -av_audio_fifo_size(os->fifo));
        /* swresample's clock counts 1/(in rate * out rate) units. */
        int64_t r = (int64_t)os->in_rate * rate;
        int64_t pts = swr_next_pts(
            os->swr, av_rescale(frame->pts, r * frame->time_base.num, frame->time_base.den));
        if (os->next_pts == AV_NOPTS_VALUE) {
            os->next_pts = av_rescale_rnd(pts, 1, os->in_rate, AV_ROUND_NEAR_INF);
            if (out->has_origin) {
                int64_t lead = os->next_pts;
                os->next_pts = 0;
                os->drop = lead < 0 ? -lead : 0;
                if (lead > 0 && ((rc = pad_start(out, os, lead)) != 0 || out->failed))
                    goto out;
            }
        }
        if ((rc = convert(out, os, frame)) != 0)
            goto out;
    } else if ((rc = convert(out, os, NULL)) != 0) {
        goto out;
    }
    while (rc == 0 && !out->failed && av_audio_fifo_size(os->fifo) >= size)
        rc = emit(out, os, size, 0);
    if (frame == NULL && rc == 0 && !out->failed && av_audio_fifo_size(os->fifo) > 0)
        rc = emit(out, os, av_audio_fifo_size(os->fifo),
                  !(os->enc->codec->capabilities &
                    (AV_CODEC_CAP_SMALL_LAST_FRAME | AV_CODEC_CAP_VARIABLE_FRAME_SIZE)));
out:
    av_channel_layout_uninit(&layout);
    return rc;
}
