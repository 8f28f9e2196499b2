/* tests/media/transcode_util.c: making clips, reading media back and running the engine, for
 * the tests of recordings' copies (transcode_util.h). */
#include "tests/media/transcode_util.h"

#include "core/error.h"
#include "tests/support/testutil.h"

#include <check.h>
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/crc.h>
#include <libavutil/display.h>
#include <libavutil/intreadwrite.h>
#include <libavutil/pixdesc.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- Making clips -------------------------------------------------------------------- */

static const char *
ffmpeg_bin(void)
{
    static char found[4096];
    const char *path = getenv("PATH");
    if (found[0] != '\0')
        return found;
    for (const char *p = path ? path : "/usr/bin"; *p != '\0';) {
        size_t n = strcspn(p, ":");
        snprintf(found, sizeof found, "%.*s/ffmpeg", (int)n, p);
        if (access(found, X_OK) == 0)
            return found;
        p += n + (p[n] == ':');
    }
    ck_abort_msg("ffmpeg(1) is needed to make test clips");
    return NULL;
}

/* Runs ffmpeg with the NULL-terminated arguments, writing `out`. */
void
make_clip(const char *out, ...)
{
    char *argv[64];
    int n = 0;
    va_list ap;
    cs_run_t r;
    argv[n++] = (char *)ffmpeg_bin();
    argv[n++] = "-nostdin";
    argv[n++] = "-v";
    argv[n++] = "error";
    argv[n++] = "-y";
    va_start(ap, out);
    for (char *a; (a = va_arg(ap, char *)) != NULL && n < 60;)
        argv[n++] = a;
    va_end(ap);
    argv[n++] = (char *)out;
    argv[n] = NULL;
    cs_test_run(&r, NULL, argv);
    ck_assert_msg(r.status == 0, "ffmpeg making %s: %s", out, r.err);
    cs_test_run_free(&r);
}

/* Sets the first track's display matrix (tkhd) to a quarter turn clockwise: ffmpeg 5.1 has
 * no option that writes one. */
void
rotate_mp4(const char *path)
{
    size_t len;
    char *b = cs_test_read(path, &len);
    char *t = b ? memmem(b, len, "tkhd", 4) : NULL;
    ck_assert_msg(t != NULL, "%s has no tkhd box", path);
    size_t m = (size_t)(t - b) + (t[4] == 0 ? 44 : 56);
    static const int32_t turn[9] = {0, 0x10000, 0, -0x10000, 0, 0, 0, 0, 0x40000000};
    ck_assert(m + 36 <= len);
    for (int i = 0; i < 9; i++)
        AV_WB32(b + m + 4 * i, (uint32_t)turn[i]);
    cs_test_write(path, b, len);
    free(b);
}

/* ---- Reading media back ------------------------------------------------------------- */

/* The slices of an FFV1 version 3 frame with slice CRCs, walked from its end: each ends with
 * its size (24 bits), an error byte and a CRC that makes the slice's CRC zero. */
static int
ffv1_slices(const uint8_t *data, int size)
{
    const uint8_t *end = data + size;
    int n = 0;
    while (end > data) {
        if (end - data < 8)
            return -1;
        size_t len = AV_RB24(end - 8) + 8;
        if (len > (size_t)(end - data) ||
            av_crc(av_crc_get_table(AV_CRC_32_IEEE), 0, end - len, len) != 0)
            return -1;
        end -= len;
        n++;
    }
    return n;
}

static int
rotation_of(const AVStream *st)
{
    const uint8_t *m = av_stream_get_side_data(st, AV_PKT_DATA_DISPLAYMATRIX, NULL);
    if (m == NULL)
        return 0;
    long q = lround(-av_display_rotation_get((const int32_t *)m) / 90.0);
    return (int)(((q % 4) + 4) % 4) * 90;
}

typedef struct reader {
    AVFormatContext *fmt;
    AVCodecContext *dec[16];
    double start[16], end[16], last[16];
    AVFrame *frame;
    int video;
    media_t *m;
} reader_t;

static void
receive_all(reader_t *r, int i)
{
    media_t *m = r->m;
    AVStream *st = r->fmt->streams[i];
    while (avcodec_receive_frame(r->dec[i], r->frame) == 0) {
        AVFrame *f = r->frame;
        double t = f->best_effort_timestamp * av_q2d(st->time_base), d;
        if (r->dec[i]->codec_type == AVMEDIA_TYPE_AUDIO) {
            d = (double)f->nb_samples / f->sample_rate;
        } else {
            d = r->last[i] > -INFINITY ? t - r->last[i] : f->pkt_duration * av_q2d(st->time_base);
            if (r->last[i] > -INFINITY && i == r->video && m->nb_steps < MAX_STEPS)
                m->steps[m->nb_steps++] = t - r->last[i];
            r->last[i] = t;
        }
        if (i == r->video && m->frames++ == 0) {
            m->width = f->width;
            m->height = f->height;
            snprintf(m->pix_fmt, sizeof m->pix_fmt, "%s", av_get_pix_fmt_name(f->format));
        }
        r->start[i] = fmin(r->start[i], t);
        r->end[i] = fmax(r->end[i], t + d);
        av_frame_unref(f);
    }
}

static void
decode(reader_t *r, int i, const AVPacket *pkt)
{
    if (r->dec[i] == NULL)
        return;
    if (avcodec_send_packet(r->dec[i], pkt) == AVERROR(EAGAIN)) {
        receive_all(r, i);
        avcodec_send_packet(r->dec[i], pkt);
    }
    receive_all(r, i);
}

/* Opens a decoder for each video and audio stream and notes what the first ones are. */
static void
open_streams(reader_t *r)
{
    media_t *m = r->m;
    for (unsigned i = 0; i < r->fmt->nb_streams; i++) {
        AVStream *st = r->fmt->streams[i];
        AVCodecParameters *par = st->codecpar;
        const AVCodec *c = avcodec_find_decoder(par->codec_id);
        r->start[i] = INFINITY;
        r->end[i] = r->last[i] = -INFINITY;
        if (par->codec_type == AVMEDIA_TYPE_VIDEO &&
            !(st->disposition & AV_DISPOSITION_ATTACHED_PIC)) {
            if (m->nb_video++ == 0) {
                r->video = (int)i;
                snprintf(m->vcodec, sizeof m->vcodec, "%s", avcodec_get_name(par->codec_id));
                m->rotation = rotation_of(st);
                m->ffv1_extradata_ok = par->extradata_size > 4 &&
                                       av_crc(av_crc_get_table(AV_CRC_32_IEEE), 0, par->extradata,
                                              (size_t)par->extradata_size) == 0;
            }
        } else if (par->codec_type == AVMEDIA_TYPE_AUDIO) {
            if (m->nb_audio++ == 0)
                snprintf(m->acodec, sizeof m->acodec, "%s", avcodec_get_name(par->codec_id));
        } else {
            continue;
        }
        if (c == NULL || (r->dec[i] = avcodec_alloc_context3(c)) == NULL ||
            avcodec_parameters_to_context(r->dec[i], par) < 0 ||
            avcodec_open2(r->dec[i], c, NULL) < 0)
            avcodec_free_context(&r->dec[i]);
    }
}

/* Decodes every video and audio stream of `path` to the end. */
void
probe(const char *path, media_t *m)
{
    reader_t r = {.video = -1, .m = m};
    AVPacket *pkt = av_packet_alloc();
    double s = INFINITY, e = -INFINITY;

    memset(m, 0, sizeof *m);
    m->ffv1_slices = -2; /* no packet seen */
    r.frame = av_frame_alloc();
    ck_assert_msg(avformat_open_input(&r.fmt, path, NULL, NULL) == 0, "cannot open %s", path);
    ck_assert(avformat_find_stream_info(r.fmt, NULL) >= 0);
    ck_assert(r.fmt->nb_streams <= 16);
    snprintf(m->container, sizeof m->container, "%s", r.fmt->iformat->name);
    open_streams(&r);
    while (av_read_frame(r.fmt, pkt) >= 0) {
        if (pkt->stream_index == r.video) {
            m->packets++;
            m->keyframes += (pkt->flags & AV_PKT_FLAG_KEY) != 0;
            if (strcmp(m->vcodec, "ffv1") == 0) {
                int n = ffv1_slices(pkt->data, pkt->size);
                m->ffv1_slices = m->ffv1_slices == -2 || m->ffv1_slices == n ? n : -1;
            }
        }
        decode(&r, pkt->stream_index, pkt);
        av_packet_unref(pkt);
    }
    for (unsigned i = 0; i < r.fmt->nb_streams; i++) {
        decode(&r, (int)i, NULL);
        s = fmin(s, r.start[i]);
        e = fmax(e, r.end[i]);
        avcodec_free_context(&r.dec[i]);
    }
    m->duration = e > s ? e - s : -1;
    av_packet_free(&pkt);
    av_frame_free(&r.frame);
    avformat_close_input(&r.fmt);
}

/* 1 when the mp4's "moov" box comes before its "mdat" (it plays while it downloads). */
int
moov_first(const char *path)
{
    size_t len, pos = 0;
    long moov = -1, mdat = -1;
    unsigned char *b = (unsigned char *)cs_test_read(path, &len);
    ck_assert_ptr_nonnull(b);
    while (pos + 8 <= len) {
        uint64_t size = AV_RB32(b + pos);
        if (size == 1 && pos + 16 <= len)
            size = AV_RB64(b + pos + 8);
        else if (size == 0)
            size = len - pos;
        if (memcmp(b + pos + 4, "moov", 4) == 0 && moov < 0)
            moov = (long)pos;
        if (memcmp(b + pos + 4, "mdat", 4) == 0 && mdat < 0)
            mdat = (long)pos;
        if (size < 8)
            break;
        pos += size;
    }
    free(b);
    return moov >= 0 && mdat >= 0 && moov < mdat;
}

/* ---- Running the engine ------------------------------------------------------------- */

static void
on_progress(void *arg, double percent, double fps)
{
    progress_t *p = arg;
    ck_assert(fps >= 0);
    ck_assert(percent == -1 || (percent >= 0 && percent <= 100));
    if (percent >= 0 && percent < p->max)
        p->backwards++;
    p->max = fmax(p->max, percent);
    p->last = percent;
    p->calls++;
}

cs_transcode_opts_t
options(const char *out_dir, progress_t *p)
{
    return (cs_transcode_opts_t){
        .out_dir = out_dir,
        .stem = "clip",
        .want_archival = 1,
        .want_access = 1,
        .archival_slices = 4,
        .access_crf = 28,
        .access_preset = "ultrafast",
        .access_max_lines = 720,
        .access_audio_kbps = 96,
        .preview_px = 1600,
        .thumbnail_px = 256,
        .jpeg_quality = 3,
        .threads = 0,
        .progress = p != NULL ? on_progress : NULL,
        .progress_arg = p,
    };
}

json_t *
transcode(const char *path, const char *type, const cs_transcode_opts_t *o)
{
    json_t *res = NULL;
    int rc = cs_transcode_file(path, type, o, &res);
    ck_assert_msg(rc == 0, "%s: %s (%s)", path, cs_strerror(rc), cs_diag());
    ck_assert_ptr_nonnull(res);
    return res;
}

json_t *
output(json_t *res, const char *profile)
{
    json_t *o;
    size_t i;
    json_array_foreach(json_object_get(res, "outputs"), i, o)
    {
        if (strcmp(json_string_value(json_object_get(o, "profile")), profile) == 0)
            return o;
    }
    ck_abort_msg("no %s output", profile);
    return NULL;
}

const char *
str(json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s ? s : "";
}

long
num(json_t *obj, const char *key)
{
    return (long)json_integer_value(json_object_get(obj, key));
}

/* The output is verified, where the record says, under the name it should have. */
const char *
verified(json_t *out, const char *dir, const char *ext)
{
    char want[4096];
    ck_assert_msg(strcmp(str(out, "status"), "verified") == 0, "%s copy: %s", str(out, "profile"),
                  str(out, "reason"));
    snprintf(want, sizeof want, "%s/clip.%s.%s", dir, str(out, "profile"), ext);
    ck_assert_str_eq(str(out, "path"), want);
    ck_assert_msg(access(want, R_OK) == 0, "%s is not there", want);
    ck_assert_ptr_nonnull(json_object_get(json_object_get(out, "libraries"), "libavcodec"));
    return str(out, "path");
}

/* The archival copy of a video: FFV1 level 3 (slices with CRCs), every frame a keyframe, as
 * many frames at the same size and pixel format as the source, FLAC audio, in Matroska. */
void
assert_archival(json_t *out, const char *dir, const media_t *src, media_t *a)
{
    json_t *p = json_object_get(json_object_get(out, "params"), "video");
    probe(verified(out, dir, "mkv"), a);
    ck_assert_str_eq(str(out, "media_type"), "video/x-matroska");
    ck_assert_str_eq(str(out, "container"), "matroska");
    ck_assert_str_eq(a->container, "matroska,webm");
    ck_assert_str_eq(a->vcodec, "ffv1");
    ck_assert_str_eq(str(json_object_get(out, "encoders"), "video"), "ffv1");
    ck_assert_int_eq(num(p, "level"), 3);
    ck_assert_int_eq(num(p, "g"), 1);
    ck_assert_int_eq(num(p, "slicecrc"), 1);
    ck_assert_int_eq(num(p, "slices"), 4);
    ck_assert_int_eq(a->ffv1_slices, 4);
    ck_assert(a->ffv1_extradata_ok);
    ck_assert_int_eq(a->keyframes, a->packets);
    ck_assert_int_eq(a->frames, src->frames);
    ck_assert_int_eq(num(out, "frames"), src->frames);
    ck_assert_int_eq(a->width, src->width);
    ck_assert_int_eq(a->height, src->height);
    ck_assert_int_eq(num(out, "width"), src->width);
    ck_assert_int_eq(num(out, "height"), src->height);
    /* The same samples: yuvj* is yuv* at full range, as FFV1 and Matroska label it. */
    if (strncmp(src->pix_fmt, "yuvj", 4) == 0)
        ck_assert_msg(strncmp(a->pix_fmt, "yuv", 3) == 0 &&
                          strcmp(a->pix_fmt + 3, src->pix_fmt + 4) == 0,
                      "%s for %s", a->pix_fmt, src->pix_fmt);
    else
        ck_assert_str_eq(a->pix_fmt, src->pix_fmt);
    ck_assert_int_eq(a->nb_video, src->nb_video);
    ck_assert_int_eq(a->nb_audio, src->nb_audio);
    if (src->nb_audio > 0)
        ck_assert_str_eq(a->acodec, "flac");
    ck_assert_msg(fabs(a->duration - src->duration) < 0.05, "archival %.3f s, source %.3f s",
                  a->duration, src->duration);
}

/* The access copy: H.264 (and AAC), short side at most 720 lines and never enlarged, even
 * dimensions, yuv420p, the index at the front, as many frames. */
void
assert_access(json_t *out, const char *dir, const media_t *src, media_t *a)
{
    probe(verified(out, dir, "mp4"), a);
    ck_assert_str_eq(str(out, "media_type"), "video/mp4");
    ck_assert_str_eq(str(out, "container"), "mp4");
    ck_assert_msg(strstr(a->container, "mp4") != NULL, "%s", a->container);
    ck_assert_str_eq(a->vcodec, "h264");
    ck_assert_str_eq(a->pix_fmt, "yuv420p");
    ck_assert_int_eq(a->nb_video, 1);
    ck_assert_int_eq(a->nb_audio, src->nb_audio > 0);
    if (src->nb_audio > 0)
        ck_assert_str_eq(a->acodec, "aac");
    ck_assert_int_eq(a->width % 2, 0);
    ck_assert_int_eq(a->height % 2, 0);
    ck_assert_int_le(a->width < a->height ? a->width : a->height, 720);
    ck_assert_int_le(a->width * a->height, src->width * src->height);
    ck_assert_int_eq(num(out, "width"), a->width);
    ck_assert_int_eq(num(out, "height"), a->height);
    ck_assert_int_eq(a->rotation, 0);
    ck_assert_int_eq(num(out, "rotation"), 0);
    ck_assert_int_eq(a->frames, src->frames);
    ck_assert(moov_first(str(out, "path")));
    ck_assert_msg(fabs(a->duration - src->duration) < 0.1, "access %.3f s, source %.3f s",
                  a->duration, src->duration);
}
