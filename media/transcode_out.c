/* media/transcode_out.c: one output file of a recording: its muxer, encoding frames and
 * writing the packets, finishing the file. A failure of the output (an encoder or muxer that
 * refuses the material) is recorded on it and the other outputs go on; running out of memory
 * or of room in out_dir is an error for the whole transcode. */
#include "media/transcode_int.h"

#include "core/error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void (*cs_tc_before_write)(const char *profile, AVPacket *pkt);

static const struct {
    const char *profile;
    int audio_only, lossy;
    const char *ext, *muxer, *media_type;
} kinds[] = {
    {"archival", 0, 0, "mkv", "matroska", "video/x-matroska"},
    {"archival", 0, 1, "mp4", "mp4", "video/mp4"}, /* archival_target "h264" */
    {"access", 0, 0, "mp4", "mp4", "video/mp4"},
    {"archival", 1, 0, "flac", "flac", "audio/flac"},
    {"archival", 1, 1, "wav", "wav", "audio/wav"}, /* archival_target "wav" */
    {"access", 1, 0, "m4a", "ipod", "audio/mp4"},
    {"public", 0, 0, "mp4", "mp4", "video/mp4"},
    {"public", 1, 0, "m4a", "ipod", "audio/mp4"},
};

int
cs_tc_archival_h264(const cs_transcode_opts_t *o)
{
    return o->archival_target != NULL && strcmp(o->archival_target, "h264") == 0;
}

int
cs_tc_out_init(cs_tc_out_t *out, const cs_transcode_opts_t *o, const char *profile, int audio_only)
{
    char url[PATH_MAX + 8];
    size_t i;
    int rc, n;

    memset(out, 0, sizeof *out);
    int archival = strcmp(profile, "archival") == 0;
    int lossy = !audio_only && archival && cs_tc_archival_h264(o);
    int pcm = audio_only && archival && o->archival_target != NULL &&
              strcmp(o->archival_target, "wav") == 0;
    for (i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(kinds[i].profile, profile) == 0 && kinds[i].audio_only == audio_only &&
            kinds[i].lossy == (lossy || pcm))
            break;
    if (i == sizeof kinds / sizeof kinds[0]) {
        cs_diag_set("no output profile \"%s\"", profile);
        return CS_EINVAL;
    }
    out->profile = kinds[i].profile;
    out->lossy = lossy;
    out->pcm = pcm;
    out->ext = kinds[i].ext;
    out->muxer = kinds[i].muxer;
    out->media_type = kinds[i].media_type;
    if ((rc = cs_transcode_out_path(o, profile, out->ext, out->path, sizeof out->path)) != 0)
        return rc;
    /* "file:" keeps a ':' in out_dir from being taken for a protocol. The muxer keeps the URL:
     * +faststart opens the file again by it to move the index to the front. */
    n = snprintf(url, sizeof url, "file:%s", out->path);
    if (n < 0 || (size_t)n >= sizeof url) {
        cs_diag_set("the output path %s is too long", out->path);
        return CS_ENAMETOOLONG;
    }
    if ((out->pkt = av_packet_alloc()) == NULL || (out->frame = av_frame_alloc()) == NULL ||
        (out->params = json_object()) == NULL || (out->encoders = json_object()) == NULL ||
        avformat_alloc_output_context2(&out->mux, NULL, out->muxer, url) < 0) {
        cs_diag_set("out of memory setting up the %s copy", profile);
        return CS_ENOMEM;
    }
    /* A stream that falls silent holds the others' packets back this long, no longer: ten
     * seconds (FFmpeg's default) of lossless 1080p would be most of a gigabyte. */
    out->mux->max_interleave_delta = AV_TIME_BASE;
    /* No random ids or dates in the container: a copy made again from the same original with
     * the same settings (a job taken up after a crash or a failed commit) is the same object,
     * not a second one the catalog never names. */
    out->mux->flags |= AVFMT_FLAG_BITEXACT;
    return 0;
}

cs_tc_ost_t *
cs_tc_out_add(cs_tc_out_t *out, int in)
{
    cs_tc_ost_t *all = av_realloc_array(out->ost, (size_t)out->nb_ost + 1, sizeof *all);
    if (all == NULL)
        return NULL;
    out->ost = all;
    cs_tc_ost_t *os = &all[out->nb_ost++];
    memset(os, 0, sizeof *os);
    os->in = in;
    os->last_pts = os->next_pts = AV_NOPTS_VALUE;
    os->pix_fmt = AV_PIX_FMT_NONE;
    os->in_fmt = AV_SAMPLE_FMT_NONE;
    return os;
}

/* Errors that mean out_dir cannot take the file, not that the material is wrong. */
static int
is_io_error(int averr)
{
    return averr == AVERROR(ENOSPC) || averr == AVERROR(EDQUOT) || averr == AVERROR(EIO) ||
           averr == AVERROR(EROFS) || averr == AVERROR(EFBIG) || averr == AVERROR(EACCES) ||
           averr == AVERROR(EPERM) || averr == AVERROR(ENOENT) || averr == AVERROR(ENOTDIR);
}

int
cs_tc_out_fail(cs_tc_out_t *out, int averr, const char *fmt, ...)
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
    if (is_io_error(averr)) {
        cs_diag_set("cannot write %s: %s", out->path, strerror(AVUNERROR(averr)));
        return cs_err_from_errno(AVUNERROR(averr));
    }
    if (out->failed)
        return 0; /* the first reason is the one that explains */
    out->failed = 1;
    if (averr < 0)
        return cs_tc_averr(averr, what, out->reason, sizeof out->reason);
    memcpy(out->reason, what, sizeof what);
    return 0;
}

/* The movie time scale of an MP4: the video track's, as the muxer makes it (its stream's time
 * base, doubled up to 10000 or more), so that the empty edit that holds back a video that
 * starts after the sound is exact, not cut to a millisecond; else the default 1000. */
static int
movie_timescale(const cs_tc_out_t *out)
{
    for (int j = 0; j < out->nb_ost; j++) {
        const AVStream *st = out->ost[j].st;
        if (st->codecpar->codec_type != AVMEDIA_TYPE_VIDEO || st->time_base.num != 1 ||
            st->time_base.den <= 0)
            continue;
        int scale = st->time_base.den;
        while (scale < 10000)
            scale *= 2;
        return scale;
    }
    return 1000;
}

int
cs_tc_out_start(cs_tc_out_t *out)
{
    AVDictionary *opts = NULL;
    int err, rc = 0;

    if (out->failed)
        return 0;
    if ((err = avio_open(&out->mux->pb, out->mux->url, AVIO_FLAG_WRITE)) < 0) {
        /* Any failure to create a file in out_dir is the caller's problem, not the media's. */
        cs_diag_set("cannot create %s: %s", out->path, av_err2str(err));
        if (err == AVERROR(ENOMEM))
            rc = CS_ENOMEM;
        else /* AVERROR(errno) is -errno; FFmpeg's own codes are far below */
            rc = -err > 0 && -err < 4096 ? cs_err_from_errno(-err) : CS_EIO;
        goto out;
    }
    out->written = 1;
    if (strcmp(out->muxer, "mp4") == 0 || strcmp(out->muxer, "ipod") == 0) {
        if (av_dict_set(&opts, "movflags", "+faststart", 0) < 0 ||
            av_dict_set_int(&opts, "movie_timescale", movie_timescale(out), 0) < 0) {
            rc = cs_tc_out_fail(out, AVERROR(ENOMEM), "setting the mp4 muxer's options");
            goto out;
        }
    }
    if ((err = avformat_write_header(out->mux, &opts)) < 0) {
        rc = cs_tc_out_fail(out, err, "the %s muxer cannot start the file", out->muxer);
        goto out;
    }
    out->header = 1;
out:
    av_dict_free(&opts);
    return rc;
}

int
cs_tc_out_encode(cs_tc_out_t *out, cs_tc_ost_t *os, AVFrame *frame)
{
    int err, rc;

    if (out->failed)
        return 0;
    err = avcodec_send_frame(os->enc, frame);
    if (err < 0 && err != AVERROR_EOF)
        return cs_tc_out_fail(out, err, "the %s encoder refused a frame", os->enc->codec->name);
    for (;;) {
        err = avcodec_receive_packet(os->enc, out->pkt);
        if (err == AVERROR(EAGAIN) || err == AVERROR_EOF)
            return 0;
        if (err < 0)
            return cs_tc_out_fail(out, err, "the %s encoder failed", os->enc->codec->name);
        /* The mp4 muxer needs the last frame's duration, or its edit list leaves it out. */
        if (out->pkt->duration <= 0 && os->enc->codec_type == AVMEDIA_TYPE_VIDEO)
            out->pkt->duration = cs_tc_video_duration(os, out->pkt->pts);
        out->pkt->stream_index = os->st->index;
        av_packet_rescale_ts(out->pkt, os->enc->time_base, os->st->time_base);
        if (cs_tc_before_write != NULL)
            cs_tc_before_write(out->profile, out->pkt);
        /* Its verifier decodes it as it is written (transcode_check.c). */
        if ((rc = cs_tc_check_put(out, out->pkt)) != 0 || out->failed) {
            av_packet_unref(out->pkt);
            return rc;
        }
        /* Takes the packet's reference, even when it fails. */
        if ((err = av_interleaved_write_frame(out->mux, out->pkt)) < 0)
            return cs_tc_out_fail(out, err, "writing the %s copy", out->profile);
    }
}

int
cs_tc_out_finish(cs_tc_out_t *out)
{
    int rc = 0, err;

    if (out->finished)
        return 0;
    out->finished = 1;
    for (int i = 0; i < out->nb_ost && !out->failed && rc == 0; i++) {
        cs_tc_ost_t *os = &out->ost[i];
        if (os->enc->codec_type == AVMEDIA_TYPE_VIDEO)
            rc = cs_tc_video_feed(out, os, NULL);
        else
            rc = cs_tc_audio_feed(out, os, NULL);
        if (rc == 0)
            rc = cs_tc_out_encode(out, os, NULL);
    }
    if (rc == 0 && out->header && !out->failed && (err = av_write_trailer(out->mux)) < 0)
        rc = cs_tc_out_fail(out, err, "finishing the %s copy", out->profile);
    if (out->mux != NULL && out->mux->pb != NULL && (err = avio_closep(&out->mux->pb)) < 0 &&
        rc == 0)
        rc = cs_tc_out_fail(out, err, "closing the %s copy", out->profile);
    return rc;
}

void
cs_tc_out_free(cs_tc_out_t *out)
{
    for (int i = 0; i < out->nb_ost; i++) {
        cs_tc_ost_t *os = &out->ost[i];
        avcodec_free_context(&os->enc);
        avfilter_graph_free(&os->graph);
        swr_free(&os->swr);
        if (os->fifo != NULL)
            av_audio_fifo_free(os->fifo);
        av_channel_layout_uninit(&os->in_layout);
    }
    av_freep(&out->ost);
    out->nb_ost = 0;
    cs_tc_check_free(&out->check);
    if (out->mux != NULL && out->mux->pb != NULL)
        avio_closep(&out->mux->pb);
    avformat_free_context(out->mux);
    out->mux = NULL;
    av_packet_free(&out->pkt);
    av_frame_free(&out->frame);
    json_decref(out->params);
    json_decref(out->encoders);
    out->params = out->encoders = NULL;
}
