/* media/transcode.c: cs_transcode_file(), transcode.h's interface. It tells what kind of
 * source it has (photo, video, audio, none), sets up the outputs of a recording, has the
 * source decoded once into all of them (transcode_run.c: each output is encoded and verified
 * in threads of its own as it goes), checks each finished file, and writes the record.
 * Photos are cs_transcode_photo()'s (transcode_photo*.c). */
#include "media/transcode_int.h"

#include "core/error.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { KIND_NONE, KIND_VIDEO, KIND_AUDIO, KIND_PHOTO };
static const char *const kind_names[] = {"none", "video", "audio", "photo"};

#define MAX_OUTPUTS 3 /* archival, access, public */
#define MIN_TOLERANCE_S 0.020

static int
starts_with(const char *s, const char *prefix)
{
    return s != NULL && strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Whatever is done with it, the source must be a regular file we may read. */
static int
check_source(const char *path)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK), rc = 0;
    if (fd < 0 || fstat(fd, &st) != 0) {
        rc = cs_err_from_errno(errno);
        cs_diag_set("cannot open %s: %s", path, strerror(errno));
    } else if (!S_ISREG(st.st_mode)) {
        rc = CS_ENOTREG;
        cs_diag_set("%s is not a regular file", path);
    }
    if (fd >= 0)
        close(fd);
    return rc;
}

/* A still picture read by one of libavformat's image demuxers is a photo. */
static int
is_still(const AVFormatContext *fmt)
{
    size_t len = strlen(fmt->iformat->name);
    int image = strcmp(fmt->iformat->name, "image2") == 0 ||
                (len > 5 && strcmp(fmt->iformat->name + len - 5, "_pipe") == 0);
    return image && fmt->nb_streams == 1 &&
           fmt->streams[0]->codecpar->codec_type == AVMEDIA_TYPE_VIDEO;
}

/* Opens a decoder for every video (not an attached picture) and audio stream, and picks the
 * first of each that decodes; says in why_v / why_a why none does. */
static int
prepare(cs_tc_src_t *src, const cs_transcode_opts_t *o, int *kind, char *why_v, char *why_a,
        size_t size)
{
    AVFormatContext *fmt = src->file.fmt;
    int videos = 0, audios = 0, err;

    src->nb_streams = fmt->nb_streams;
    if ((src->dec = av_calloc(src->nb_streams, sizeof *src->dec)) == NULL ||
        (src->span = av_calloc(src->nb_streams, sizeof *src->span)) == NULL ||
        (src->packets = av_calloc(src->nb_streams, sizeof *src->packets)) == NULL ||
        (src->bytes = av_calloc(src->nb_streams, sizeof *src->bytes)) == NULL) {
        cs_diag_set("out of memory");
        return CS_ENOMEM;
    }
    for (unsigned i = 0; i < src->nb_streams; i++) {
        AVStream *st = fmt->streams[i];
        enum AVMediaType type = st->codecpar->codec_type;
        AVCodecContext *dec = NULL;
        cs_tc_span_init(&src->span[i]);
        if (type == AVMEDIA_TYPE_VIDEO && !(st->disposition & AV_DISPOSITION_ATTACHED_PIC))
            videos++;
        else if (type == AVMEDIA_TYPE_AUDIO)
            audios++;
        else
            continue;
        char *why = type == AVMEDIA_TYPE_VIDEO ? why_v : why_a;
        const char *what = av_get_media_type_string(type);
        if ((err = cs_tc_decoder_open(st, o->threads, 0, &dec)) < 0) {
            char doing[96];
            cs_tc_reason(doing, sizeof doing, "libavcodec cannot decode the %s stream (%s)", what,
                         avcodec_get_name(st->codecpar->codec_id));
            if (err == AVERROR(ENOMEM) || (why[0] == '\0' && cs_tc_averr(err, doing, why, size)))
                return CS_ENOMEM;
            continue;
        }
        int usable = type == AVMEDIA_TYPE_VIDEO
                         ? dec->width > 0 && dec->height > 0 && dec->pix_fmt != AV_PIX_FMT_NONE
                         : dec->sample_rate > 0 && dec->ch_layout.nb_channels > 0 &&
                               dec->sample_fmt != AV_SAMPLE_FMT_NONE;
        if (!usable) {
            if (why[0] == '\0')
                cs_tc_reason(why, size, "the %s stream (%s) holds nothing libavcodec can decode",
                             what, avcodec_get_name(st->codecpar->codec_id));
            avcodec_free_context(&dec);
            continue;
        }
        src->dec[i] = dec;
        if (type == AVMEDIA_TYPE_VIDEO && src->video < 0)
            src->video = (int)i;
        if (type == AVMEDIA_TYPE_AUDIO && src->audio < 0)
            src->audio = (int)i;
    }
    *kind = videos > 0 ? KIND_VIDEO : audios > 0 ? KIND_AUDIO : KIND_NONE;
    if (*kind == KIND_VIDEO && src->video < 0 && why_v[0] == '\0')
        cs_tc_reason(why_v, size, "no video stream can be decoded");
    if (*kind == KIND_AUDIO && src->audio < 0 && why_a[0] == '\0')
        cs_tc_reason(why_a, size, "no audio stream can be decoded");
    return 0;
}

/* An archival copy keeps every picture and sound stream: one that cannot be decoded fails
 * it, rather than leave the stream out unsaid. */
static int
lost_stream(cs_tc_out_t *out, const cs_tc_src_t *src)
{
    AVFormatContext *fmt = src->file.fmt;
    for (unsigned i = 0; i < src->nb_streams; i++) {
        const AVStream *st = fmt->streams[i];
        enum AVMediaType type = st->codecpar->codec_type;
        if (src->dec[i] != NULL ||
            !(type == AVMEDIA_TYPE_AUDIO ||
              (type == AVMEDIA_TYPE_VIDEO && !(st->disposition & AV_DISPOSITION_ATTACHED_PIC))))
            continue;
        return cs_tc_out_fail(out, 0,
                              "the source's %s stream %u (%s) cannot be decoded, and the "
                              "archival copy would leave it out",
                              av_get_media_type_string(type), i,
                              avcodec_get_name(st->codecpar->codec_id));
    }
    return 0;
}

/* The access copy starts at the earliest first timestamp of the streams it takes from the
 * source (an MPEG-TS clock starts anywhere), or at 0 when one starts before 0 (an MP4's
 * priming): see cs_tc_out_t's origin. */
static void
set_origin(cs_tc_out_t *out, const cs_tc_src_t *src)
{
    out->has_origin = 1;
    out->origin = 0;
    out->origin_tb = (AVRational){1, 1};
    int seen = 0;
    const int in[2] = {src->video, src->audio};
    for (int k = 0; k < 2; k++) {
        const AVStream *st = in[k] >= 0 ? src->file.fmt->streams[in[k]] : NULL;
        if (st == NULL || st->start_time == AV_NOPTS_VALUE)
            continue;
        if (!seen ||
            av_compare_ts(st->start_time, st->time_base, out->origin, out->origin_tb) < 0) {
            seen = 1;
            out->origin = st->start_time;
            out->origin_tb = st->time_base;
        }
    }
    if (out->origin < 0)
        out->origin = 0;
}

/* Sets up the streams of one output and starts its file. */
static int
open_output(cs_tc_out_t *out, cs_tc_src_t *src, int kind, const cs_transcode_opts_t *o,
            const char *why)
{
    /* The public copy is the access copy's kind, behind its redaction. */
    int access = strcmp(out->profile, "access") == 0 || strcmp(out->profile, "public") == 0;
    int rc = 0;
    int first = kind == KIND_VIDEO ? src->video : src->audio;

    if (first < 0)
        return cs_tc_out_fail(out, 0, "%s", why);
    if (access || out->lossy)
        set_origin(out, src);
    if (kind == KIND_AUDIO) {
        rc = cs_tc_audio_open(out, src, first, access, o);
    } else if (out->lossy) { /* H.264/AAC: every stream, at the source's size and timing */
        rc = lost_stream(out, src);
        for (unsigned i = 0; i < src->nb_streams && rc == 0 && !out->failed; i++) {
            if (src->dec[i] == NULL)
                continue;
            if (src->dec[i]->codec_type == AVMEDIA_TYPE_VIDEO)
                rc = cs_tc_video_open(out, src, (int)i, 1, o);
            else
                rc = cs_tc_audio_open(out, src, (int)i, 1, o);
        }
    } else if (access) {
        rc = cs_tc_video_open(out, src, src->video, 1, o);
        if (rc == 0 && !out->failed && src->audio >= 0)
            rc = cs_tc_audio_open(out, src, src->audio, 1, o);
    } else {
        rc = lost_stream(out, src);
        for (unsigned i = 0; i < src->nb_streams && rc == 0 && !out->failed; i++) {
            if (src->dec[i] == NULL)
                continue;
            if (src->dec[i]->codec_type == AVMEDIA_TYPE_VIDEO)
                rc = cs_tc_video_open(out, src, (int)i, 0, o);
            else
                rc = cs_tc_audio_open(out, src, (int)i, 0, o);
        }
    }
    if (rc != 0 || (rc = cs_tc_out_start(out)) != 0)
        return rc;
    return cs_tc_check_open(out, o->threads);
}

/* Where the source's frames start and end, over the streams the output holds (all decoded
 * streams when out is NULL); -1 when nothing was decoded. */
static double
source_duration(const cs_tc_src_t *src, const cs_tc_out_t *out)
{
    double start = INFINITY, end = -INFINITY;
    for (unsigned i = 0; i < src->nb_streams; i++) {
        int held = out == NULL;
        for (int j = 0; out != NULL && j < out->nb_ost; j++)
            held |= out->ost[j].in == (int)i;
        if (!held || src->span[i].frames == 0)
            continue;
        start = fmin(start, src->span[i].start_s);
        end = fmax(end, src->span[i].end_s);
    }
    return end > start ? end - start : -1;
}

/* Fails `out` saying what was read of stream `first` that gave nothing (a camera's file cut
 * short has a packet or two, each a fragment), and why the sound is not there either. */
static int
nothing_decoded(cs_tc_out_t *out, const cs_tc_src_t *src, int kind, int first)
{
    const AVCodecParameters *par = src->file.fmt->streams[first]->codecpar;
    const char *what = kind == KIND_VIDEO ? "video" : "audio";
    int64_t n = src->packets != NULL ? src->packets[first] : 0;
    int also =
        kind == KIND_VIDEO && src->audio < 0 && src->why_audio != NULL && src->why_audio[0] != '\0';

    if (n == 0)
        return cs_tc_out_fail(out, 0,
                              "no %s of the source could be decoded: its %s stream (%s) "
                              "has no packets%s%s",
                              kind == KIND_VIDEO ? "picture" : "sound", what,
                              avcodec_get_name(par->codec_id), also ? "; " : "",
                              also ? src->why_audio : "");
    return cs_tc_out_fail(out, 0,
                          "no %s of the source could be decoded: its %s stream (%s) has %lld "
                          "packet%s of %lld bytes in all and none gives a whole %s (a file cut "
                          "short?)%s%s",
                          kind == KIND_VIDEO ? "picture" : "sound", what,
                          avcodec_get_name(par->codec_id), (long long)n, n == 1 ? "" : "s",
                          (long long)src->bytes[first], kind == KIND_VIDEO ? "picture" : "sound",
                          also ? "; " : "", also ? src->why_audio : "");
}

/* Finishes an output after the run (its lane wrote the trailer), writes the rotation the
 * archival copy keeps, and has it verified. */
static int
finish_output(cs_tc_out_t *out, cs_tc_src_t *src, int kind, cs_tc_check_t *chk)
{
    int archival = strcmp(out->profile, "archival") == 0, first, rc;
    char why[CS_TC_REASON];

    if ((rc = cs_tc_out_finish(out)) != 0 || out->failed)
        return rc;
    first = kind == KIND_VIDEO ? src->video : src->audio;
    if (src->span[first].frames == 0)
        return nothing_decoded(out, src, kind, first);
    for (int j = 0; archival && !out->lossy && kind == KIND_VIDEO && j < out->nb_ost; j++) {
        int rotation = cs_tc_rotation(src->file.fmt->streams[out->ost[j].in]);
        if (out->ost[j].enc->codec_type != AVMEDIA_TYPE_VIDEO || rotation == 0)
            continue;
        rc = cs_tc_mkv_rotate(out->path, out->ost[j].st->index + 1, rotation, why, sizeof why);
        if (rc == CS_ECORRUPT)
            return cs_tc_out_fail(out, 0, "%s", why);
        if (rc != 0)
            return rc;
    }
    double tolerance = fmax(MIN_TOLERANCE_S, out->frame_s);
    if (kind == KIND_VIDEO) {
        const cs_tc_span_t *v = &src->span[src->video];
        tolerance = fmax(tolerance, (v->end_s - v->start_s) / (double)v->frames);
    }
    int64_t frames = archival && kind == KIND_VIDEO ? src->span[src->video].frames : -1;
    if ((rc = cs_tc_verify(out, frames, source_duration(src, out), tolerance, chk)) != 0 ||
        out->failed)
        return rc;
    if (kind == KIND_VIDEO && chk->rotation != out->rotation)
        return cs_tc_out_fail(out, 0, "the %s copy is shown turned %d degrees, the source %d",
                              out->profile, chk->rotation, out->rotation);
    return 0;
}

/* The output's record (transcode.h). */
static json_t *
record(const cs_tc_out_t *out, const cs_tc_check_t *chk, int video)
{
    json_t *r = json_pack(
        "{s:s, s:s, s:s, s:s, s:O, s:o, s:O}", "profile", out->profile, "media_type",
        out->media_type, "status", out->failed ? "failed" : "verified", "container", out->muxer,
        "encoders", out->encoders, "libraries", cs_transcode_libraries(), "params", out->params);
    if (r == NULL)
        return NULL;
    if ((out->written && json_object_set_new(r, "path", json_string(out->path)) != 0) ||
        (out->failed && json_object_set_new(r, "reason", json_string(out->reason)) != 0))
        goto fail;
    if (chk->duration_s >= 0) {
        if (json_object_set_new(r, "duration_s", json_real(chk->duration_s)) != 0 ||
            json_object_set_new(r, "frames",
                                chk->frames >= 0 ? json_integer(chk->frames) : json_null()) != 0)
            goto fail;
        if (video && (json_object_set_new(r, "width", json_integer(chk->width)) != 0 ||
                      json_object_set_new(r, "height", json_integer(chk->height)) != 0 ||
                      json_object_set_new(r, "rotation", json_integer(chk->rotation)) != 0))
            goto fail;
    }
    return r;
fail:
    json_decref(r);
    return NULL;
}

/* Makes the wanted outputs of a recording (or, when the source cannot be read, says why
 * each is not there) and appends their records; *ran says whether the source was decoded. */
static int
recording(cs_tc_src_t *src, int kind, const cs_transcode_opts_t *o, const char *why,
          json_t *outputs, int *ran)
{
    cs_tc_out_t outs[MAX_OUTPUTS];
    cs_tc_check_t chk[MAX_OUTPUTS];
    const char *profiles[MAX_OUTPUTS];
    int nb = 0, wanted = 0, rc = 0;

    if (o->want_archival)
        profiles[wanted++] = "archival";
    if (o->want_access)
        profiles[wanted++] = "access";
    if (o->want_public)
        profiles[wanted++] = "public";
    for (int i = 0; i < wanted && rc == 0; i++) {
        chk[nb] = (cs_tc_check_t){.frames = -1, .duration_s = -1};
        rc = cs_tc_out_init(&outs[nb++], o, profiles[i], kind == KIND_AUDIO);
        if (rc == 0 && strcmp(profiles[i], "public") == 0 && o->public_spec != NULL) {
            /* The record says exactly what was redacted: the spec, beside the filter chain. */
            outs[nb - 1].redact = o->public_spec;
            if (json_object_set_new(outs[nb - 1].params, "redaction",
                                    json_deep_copy(o->public_spec)) != 0) {
                cs_diag_set("out of memory");
                rc = CS_ENOMEM;
            }
        }
        if (rc == 0)
            rc = src->file.fmt == NULL ? cs_tc_out_fail(&outs[nb - 1], 0, "%s", why)
                                       : open_output(&outs[nb - 1], src, kind, o, why);
    }
    for (int i = 0; i < nb; i++)
        *ran |= rc == 0 && !outs[i].failed;
    if (*ran && (rc = cs_tc_run(src, outs, nb, o)) == 0) {
        for (unsigned i = 0; i < src->nb_streams; i++) /* their frames, before reading back */
            avcodec_free_context(&src->dec[i]);
        for (int i = 0; i < nb && rc == 0; i++)
            rc = finish_output(&outs[i], src, kind, &chk[i]);
        if (rc == 0 && o->progress != NULL)
            o->progress(o->progress_arg, 100, src->fps);
    }
    for (int i = 0; i < nb && rc == 0; i++) {
        json_t *r = record(&outs[i], &chk[i], kind == KIND_VIDEO);
        if (r == NULL || json_array_append_new(outputs, r) != 0) {
            cs_diag_set("out of memory");
            rc = CS_ENOMEM;
        }
    }
    for (int i = 0; i < nb; i++) {
        cs_tc_out_free(&outs[i]);
        /* No record says what a copy of a failed run is: it must not stay in tmp/derive. */
        if (rc != 0 && outs[i].written)
            unlink(outs[i].path);
    }
    return rc;
}

int
cs_transcode_file(const char *path, const char *media_type, const cs_transcode_opts_t *opts,
                  json_t **result)
{
    cs_tc_src_t src = {.file = {.fd = -1}, .video = -1, .audio = -1};
    json_t *res = NULL, *outputs = NULL, *source = NULL;
    char why[CS_TC_REASON] = "", why_a[CS_TC_REASON] = "";
    int kind = KIND_NONE, ran = 0, rc;

    *result = NULL;
    if (path == NULL || opts == NULL || opts->out_dir == NULL || opts->stem == NULL) {
        cs_diag_set("cs_transcode_file needs a path, an out_dir and a stem");
        return CS_EINVAL;
    }
    /* The worker's stderr is the service log: the records say what went wrong. */
    av_log_set_level(AV_LOG_FATAL);
    if ((rc = check_source(path)) != 0)
        return rc;
    rc = CS_ENOMEM;
    if ((outputs = json_array()) == NULL) {
        cs_diag_set("out of memory");
        goto out;
    }
    if (starts_with(media_type, "image/")) {
        kind = KIND_PHOTO;
    } else {
        if ((rc = cs_tc_file_open(&src.file, path, 1, why, sizeof why)) != 0)
            goto out;
        if (src.file.fmt == NULL)
            kind = starts_with(media_type, "video/")   ? KIND_VIDEO
                   : starts_with(media_type, "audio/") ? KIND_AUDIO
                                                       : KIND_NONE;
        else if (is_still(src.file.fmt))
            kind = KIND_PHOTO;
        else if ((rc = prepare(&src, opts, &kind, why, why_a, sizeof why)) != 0)
            goto out;
    }
    if (kind == KIND_PHOTO) {
        cs_tc_file_close(&src.file);
        rc = cs_transcode_photo(path, opts, outputs);
    } else if (kind != KIND_NONE) {
        src.why_audio = why_a;
        rc = recording(&src, kind, opts, kind == KIND_AUDIO && src.file.fmt != NULL ? why_a : why,
                       outputs, &ran);
        if (rc == 0 && kind == KIND_VIDEO)
            rc = cs_transcode_poster(path, opts, outputs);
    } else {
        rc = 0;
    }
    if (rc != 0)
        goto out;
    double duration = ran ? source_duration(&src, NULL) : -1;
    source = json_pack("{s:o, s:o}", "frames",
                       ran && kind == KIND_VIDEO ? json_integer(src.span[src.video].frames)
                                                 : json_null(),
                       "duration_s", duration >= 0 ? json_real(duration) : json_null());
    res = json_pack("{s:s, s:O, s:O}", "kind", kind_names[kind], "source", source, "outputs",
                    outputs);
    if (source == NULL || res == NULL) {
        cs_diag_set("out of memory");
        rc = CS_ENOMEM;
        goto out;
    }
    *result = res;
    res = NULL;
    rc = 0;
out:
    json_decref(res);
    json_decref(source);
    json_decref(outputs);
    if (src.dec != NULL)
        for (unsigned i = 0; i < src.nb_streams; i++)
            avcodec_free_context(&src.dec[i]);
    av_free(src.dec);
    av_free(src.span);
    av_free(src.packets);
    av_free(src.bytes);
    cs_tc_file_close(&src.file);
    return rc;
}
