/* tests/media/test_transcode.c: the archival and access copies of recordings, as a user of
 * them would find them: read back here with libavformat and libavcodec (not with the engine's
 * own reader), counted against the source decoded here too. Clips are made at test time with
 * ffmpeg(1) and lavfi; tests/data gives broken samples, and the wide run (`corpus`) real
 * recordings. */
#include "core/error.h"
#include "media/transcode.h"
#include "media/transcode_int.h" /* the hooks that damage what verification must catch */
#include "tests/support/corpus.h"
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
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#define CORPUS_FILES CUSTODY_CORPUS "/files"
#define MAX_STEPS 512

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
static void
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
static void
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

typedef struct media {
    char container[64];
    int nb_video, nb_audio;
    char vcodec[32], acodec[32], pix_fmt[32];
    int width, height, rotation; /* first video stream: decoded size, clockwise rotation */
    long frames;                 /* decoded pictures of the first video stream */
    long packets, keyframes;     /* packets of the first video stream */
    int ffv1_slices;             /* slices with a good CRC in every FFV1 packet; -1: not so */
    int ffv1_extradata_ok;       /* FFV1 extradata (version 2+) with a good CRC */
    double duration;             /* from the first decoded sample to the end of the last */
    double steps[MAX_STEPS];     /* pts steps between pictures, seconds */
    int nb_steps;
} media_t;

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
static void
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
static int
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

typedef struct progress {
    int calls;
    double last, max;
    int backwards;
} progress_t;

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

static cs_transcode_opts_t
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

static json_t *
transcode(const char *path, const char *type, const cs_transcode_opts_t *o)
{
    json_t *res = NULL;
    int rc = cs_transcode_file(path, type, o, &res);
    ck_assert_msg(rc == 0, "%s: %s (%s)", path, cs_strerror(rc), cs_diag());
    ck_assert_ptr_nonnull(res);
    return res;
}

static json_t *
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

static const char *
str(json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s ? s : "";
}

static long
num(json_t *obj, const char *key)
{
    return (long)json_integer_value(json_object_get(obj, key));
}

/* The output is verified, where the record says, under the name it should have. */
static const char *
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
static void
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
static void
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

/* ---- Tests --------------------------------------------------------------------------- */

START_TEST(h264_aac_mp4)
{
    char *dir = cs_test_tmpdir(), src_path[4096], out_dir[4096];
    progress_t prog = {0};
    media_t src, arch, acc;
    snprintf(src_path, sizeof src_path, "%s/in.mp4", dir);
    snprintf(out_dir, sizeof out_dir, "%s/out", dir);
    ck_assert_int_eq(mkdir(out_dir, 0755), 0);
    make_clip(src_path, "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25", "-f", "lavfi", "-i",
              "sine=frequency=440", "-t", "2", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a",
              "aac", NULL);
    probe(src_path, &src);
    ck_assert_int_eq(src.frames, 50);

    cs_transcode_opts_t o = options(out_dir, &prog);
    json_t *res = transcode(src_path, "video/mp4", &o);
    ck_assert_str_eq(str(res, "kind"), "video");
    ck_assert_int_eq(num(json_object_get(res, "source"), "frames"), src.frames);
    ck_assert_int_eq(json_array_size(json_object_get(res, "outputs")), 2);
    assert_archival(output(res, "archival"), out_dir, &src, &arch);
    ck_assert_str_eq(str(json_object_get(output(res, "archival"), "encoders"), "audio"), "flac");
    assert_access(output(res, "access"), out_dir, &src, &acc);
    ck_assert_int_eq(acc.width, 640); /* already under 720 lines: never enlarged */
    ck_assert_int_eq(acc.height, 360);
    json_t *ap = json_object_get(output(res, "access"), "params");
    ck_assert_str_eq(str(json_object_get(ap, "video"), "preset"), "ultrafast");
    ck_assert_int_eq(num(json_object_get(ap, "video"), "crf"), 28);
    ck_assert_int_eq(num(json_object_get(ap, "audio"), "b"), 96000);
    ck_assert_str_eq(str(ap, "filters"), "scale=640:360,setsar=1,format=yuv420p");
    /* progress: reported, never backwards, ending at 100 */
    ck_assert_int_ge(prog.calls, 1);
    ck_assert(prog.last == 100);
    ck_assert_int_eq(prog.backwards, 0);
    json_decref(res);
    cs_test_rmrf(dir);
    free(dir);
}
END_TEST

/* The archival copy made again from the same source with the same settings is the same bytes
 * (no random ids or dates in the container): a copy made again after a crash or a failed
 * commit is the object already stored, not a second one. */
START_TEST(archival_copy_reproducible)
{
    char *dir = cs_test_tmpdir(), src_path[4096], out[2][4096];
    char *bytes[2];
    size_t len[2];
    snprintf(src_path, sizeof src_path, "%s/in.mp4", dir);
    make_clip(src_path, "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-f", "lavfi", "-i",
              "sine=frequency=440", "-t", "1", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a",
              "aac", NULL);
    for (int k = 0; k < 2; k++) {
        snprintf(out[k], sizeof out[k], "%s/out%d", dir, k);
        ck_assert_int_eq(mkdir(out[k], 0755), 0);
        cs_transcode_opts_t o = options(out[k], NULL);
        o.want_access = 0;
        json_t *res = transcode(src_path, "video/mp4", &o);
        bytes[k] = cs_test_read(verified(output(res, "archival"), out[k], "mkv"), &len[k]);
        ck_assert_ptr_nonnull(bytes[k]);
        json_decref(res);
    }
    ck_assert_uint_eq(len[0], len[1]);
    ck_assert_msg(memcmp(bytes[0], bytes[1], len[0]) == 0, "the two archival copies differ");
    free(bytes[0]);
    free(bytes[1]);
    cs_test_rmrf(dir);
    free(dir);
}
END_TEST

START_TEST(odd_size)
{
    char *dir = cs_test_tmpdir(), src_path[4096];
    media_t src, arch, acc;
    snprintf(src_path, sizeof src_path, "%s/in.mp4", dir);
    make_clip(src_path, "-f", "lavfi", "-i", "testsrc=size=1921x817:rate=25", "-t", "0.4", "-c:v",
              "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv444p", NULL);
    probe(src_path, &src);
    ck_assert_int_eq(src.width, 1921);
    ck_assert_int_eq(src.height, 817);
    cs_transcode_opts_t o = options(dir, NULL);
    json_t *res = transcode(src_path, "video/mp4", &o);
    assert_archival(output(res, "archival"), dir, &src, &arch);
    ck_assert_str_eq(arch.pix_fmt, "yuv444p");
    assert_access(output(res, "access"), dir, &src, &acc);
    ck_assert_int_eq(acc.height, 720);
    ck_assert_msg(fabs((double)acc.width / acc.height - 1921.0 / 817) < 0.01, "%dx%d", acc.width,
                  acc.height);
    json_decref(res);
    cs_test_rmrf(dir);
    free(dir);
}
END_TEST

START_TEST(rotated)
{
    char *dir = cs_test_tmpdir(), src_path[4096];
    media_t src, arch, acc;
    snprintf(src_path, sizeof src_path, "%s/in.mp4", dir);
    make_clip(src_path, "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-f", "lavfi", "-i",
              "sine", "-t", "1", "-c:v", "libx264", "-c:a", "aac", NULL);
    rotate_mp4(src_path);
    probe(src_path, &src);
    ck_assert_int_eq(src.rotation, 90);
    cs_transcode_opts_t o = options(dir, NULL);
    json_t *res = transcode(src_path, "video/mp4", &o);
    /* The archival copy keeps the coded size and says how to turn it; the access copy is
     * turned already. */
    assert_archival(output(res, "archival"), dir, &src, &arch);
    ck_assert_int_eq(arch.rotation, 90);
    ck_assert_int_eq(num(output(res, "archival"), "rotation"), 90);
    assert_access(output(res, "access"), dir, &src, &acc);
    ck_assert_int_eq(acc.width, 240);
    ck_assert_int_eq(acc.height, 320);
    ck_assert_str_eq(str(json_object_get(output(res, "access"), "params"), "filters"),
                     "transpose=clock,scale=240:320,setsar=1,format=yuv420p");
    json_decref(res);
    cs_test_rmrf(dir);
    free(dir);
}
END_TEST

static int
distinct_steps(const media_t *m)
{
    int n = 0;
    for (int i = 0; i < m->nb_steps; i++) {
        int seen = 0;
        for (int j = 0; j < i && !seen; j++)
            seen = fabs(m->steps[i] - m->steps[j]) < 0.002;
        n += !seen;
    }
    return n;
}

START_TEST(variable_frame_rate)
{
    char *dir = cs_test_tmpdir(), src_path[4096];
    media_t src, arch, acc;
    snprintf(src_path, sizeof src_path, "%s/in.mp4", dir);
    /* Frames 53 ms and 27 ms apart, in turn. */
    make_clip(src_path, "-f", "lavfi", "-i",
              "testsrc2=size=320x240:rate=25,settb=1/1000,setpts='(N*0.04+mod(N,2)*0.013)/TB'",
              "-t", "2", "-vsync", "vfr", "-c:v", "libx264", "-video_track_timescale", "1000",
              NULL);
    probe(src_path, &src);
    ck_assert_int_ge(distinct_steps(&src), 2);
    cs_transcode_opts_t o = options(dir, NULL);
    json_t *res = transcode(src_path, "video/mp4", &o);
    assert_archival(output(res, "archival"), dir, &src, &arch);
    assert_access(output(res, "access"), dir, &src, &acc);
    /* Every picture shows at its own time: no frame rate was forced on either copy. */
    ck_assert_int_eq(arch.nb_steps, src.nb_steps);
    ck_assert_int_eq(acc.nb_steps, src.nb_steps);
    for (int i = 0; i < src.nb_steps; i++) {
        ck_assert_msg(fabs(arch.steps[i] - src.steps[i]) < 0.0015, "archival step %d", i);
        ck_assert_msg(fabs(acc.steps[i] - src.steps[i]) < 0.0015, "access step %d", i);
    }
    json_decref(res);
    cs_test_rmrf(dir);
    free(dir);
}
END_TEST

START_TEST(audio_only)
{
    static const struct {
        const char *name, *type, *codec;
    } cases[] = {{"in.m4a", "audio/mp4", "aac"}, {"in.wav", "audio/wav", "pcm_s16le"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *dir = cs_test_tmpdir(), src_path[4096];
        media_t src, arch, acc;
        snprintf(src_path, sizeof src_path, "%s/%s", dir, cases[i].name);
        make_clip(src_path, "-f", "lavfi", "-i", "sine=frequency=300:duration=1.5", "-ac", "2",
                  "-c:a", cases[i].codec, NULL);
        probe(src_path, &src);
        cs_transcode_opts_t o = options(dir, NULL);
        json_t *res = transcode(src_path, cases[i].type, &o);
        ck_assert_str_eq(str(res, "kind"), "audio");
        ck_assert(json_is_null(json_object_get(json_object_get(res, "source"), "frames")));
        json_t *a = output(res, "archival"), *b = output(res, "access");
        probe(verified(a, dir, "flac"), &arch);
        ck_assert_str_eq(str(a, "media_type"), "audio/flac");
        ck_assert_str_eq(arch.container, "flac");
        ck_assert_str_eq(arch.acodec, "flac");
        ck_assert_int_eq(arch.nb_video, 0);
        ck_assert_msg(fabs(arch.duration - src.duration) < 0.001, "%s: flac %.3f s, source %.3f s",
                      cases[i].name, arch.duration, src.duration);
        probe(verified(b, dir, "m4a"), &acc);
        ck_assert_str_eq(str(b, "media_type"), "audio/mp4");
        ck_assert_str_eq(str(b, "container"), "ipod");
        ck_assert_str_eq(acc.acodec, "aac");
        ck_assert(moov_first(str(b, "path")));
        ck_assert_msg(fabs(acc.duration - src.duration) < 0.05, "%s: aac %.3f s, source %.3f s",
                      cases[i].name, acc.duration, src.duration);
        ck_assert(json_is_null(json_object_get(b, "frames")));
        json_decref(res);
        cs_test_rmrf(dir);
        free(dir);
    }
}
END_TEST

/* Recordings made here, each checked the same way: no audio, 10-bit HEVC, Motion JPEG. */
START_TEST(other_recordings)
{
    static const struct {
        const char *name, *vcodec, *pix_fmt;
        const char *args[8];
    } cases[] = {
        {"video-only.mp4", "h264", "yuv420p", {"-c:v", "libx264", NULL}},
        {"hevc10.mp4",
         "hevc",
         "yuv420p10le",
         {"-c:v", "libx265", "-pix_fmt", "yuv420p10le", "-x265-params", "log-level=none", NULL}},
        {"mjpeg.avi",
         "mjpeg",
         "yuvj422p",
         {"-c:v", "mjpeg", "-pix_fmt", "yuvj422p", "-c:a", "pcm_s16le", NULL}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *dir = cs_test_tmpdir(), src_path[4096];
        const char *const *a = cases[i].args;
        media_t src, arch, acc;
        snprintf(src_path, sizeof src_path, "%s/%s", dir, cases[i].name);
        if (strcmp(cases[i].name, "mjpeg.avi") == 0)
            make_clip(src_path, "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=15", "-f", "lavfi",
                      "-i", "sine", "-t", "1", a[0], a[1], a[2], a[3], a[4], a[5], NULL);
        else
            make_clip(src_path, "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-t", "1",
                      a[0], a[1], a[2], a[3], a[4], a[5], NULL);
        probe(src_path, &src);
        ck_assert_str_eq(src.vcodec, cases[i].vcodec);
        ck_assert_str_eq(src.pix_fmt, cases[i].pix_fmt);
        cs_transcode_opts_t o = options(dir, NULL);
        json_t *res = transcode(src_path, NULL, &o);
        ck_assert_str_eq(str(res, "kind"), "video");
        assert_archival(output(res, "archival"), dir, &src, &arch);
        assert_access(output(res, "access"), dir, &src, &acc);
        if (src.nb_audio == 0) {
            ck_assert_ptr_null(
                json_object_get(json_object_get(output(res, "archival"), "encoders"), "audio"));
            ck_assert_ptr_null(
                json_object_get(json_object_get(output(res, "access"), "encoders"), "audio"));
        }
        json_decref(res);
        cs_test_rmrf(dir);
        free(dir);
    }
}
END_TEST

START_TEST(corrupt_packets)
{
    char *dir = cs_test_tmpdir(), src_path[4096];
    size_t len;
    media_t src, arch;
    snprintf(src_path, sizeof src_path, "%s/in.mp4", dir);
    make_clip(src_path, "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25", "-f", "lavfi", "-i",
              "sine", "-t", "2", "-c:v", "libx264", "-c:a", "aac", NULL);
    /* Bytes overwritten in the middle of the media data: some packets no longer decode. */
    char *b = cs_test_read(src_path, &len);
    ck_assert_ptr_nonnull(b);
    for (int k = 0; k < 5; k++)
        for (size_t i = 0; i < 600; i++)
            b[len / 3 + (size_t)k * len / 12 + i] ^= (char)(0x5a ^ (i * 37));
    cs_test_write(src_path, b, len);
    free(b);
    probe(src_path, &src);
    cs_transcode_opts_t o = options(dir, NULL);
    json_t *res = transcode(src_path, "video/mp4", &o);
    json_t *a = output(res, "archival"), *c = output(res, "access");
    for (json_t *out = a; out != NULL; out = out == a ? c : NULL)
        ck_assert_msg(strcmp(str(out, "status"), "verified") == 0 ||
                          (strcmp(str(out, "status"), "failed") == 0 && str(out, "reason")[0]),
                      "%s", str(out, "profile"));
    /* What decoded is kept: the archival copy holds exactly the pictures that decoded. */
    ck_assert_str_eq(str(a, "status"), "verified");
    probe(str(a, "path"), &arch);
    ck_assert_int_eq(arch.frames, src.frames);
    ck_assert_int_eq(num(json_object_get(res, "source"), "frames"), src.frames);
    json_decref(res);
    cs_test_rmrf(dir);
    free(dir);
}
END_TEST

START_TEST(corpus_recordings)
{
    static const struct {
        const char *path, *type, *kind;
        int rotation;
    } cases[] = {
        {"metadata-extractor-images/mov/with-gps.mov", "video/quicktime", "video", 90},
        {"metadata-extractor-images/mp4/sample_mpeg4.mp4", "video/mp4", "video", 0},
        {"metadata-extractor-images/3gp/sample.3gp", "video/3gpp", "video", 0},
        {"metadata-extractor-images/avi/100_0306.AVI", "video/x-msvideo", "video", 0},
        {"metadata-extractor-images/m4a/Issue 337 (dotnet).m4a", "audio/mp4", "audio", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *dir = cs_test_tmpdir(), path[4096];
        media_t src, arch, acc;
        snprintf(path, sizeof path, "%s/%s", CORPUS_FILES, cases[i].path);
        probe(path, &src);
        cs_transcode_opts_t o = options(dir, NULL);
        json_t *res = transcode(path, cases[i].type, &o);
        ck_assert_str_eq(str(res, "kind"), cases[i].kind);
        if (strcmp(cases[i].kind, "video") == 0) {
            assert_archival(output(res, "archival"), dir, &src, &arch);
            ck_assert_int_eq(arch.rotation, cases[i].rotation);
            assert_access(output(res, "access"), dir, &src, &acc);
            if (cases[i].rotation == 90) {
                ck_assert_int_eq(acc.width, src.height);
                ck_assert_int_eq(acc.height, src.width);
            }
        } else {
            probe(verified(output(res, "archival"), dir, "flac"), &arch);
            probe(verified(output(res, "access"), dir, "m4a"), &acc);
            ck_assert_msg(fabs(arch.duration - src.duration) < 0.001, "%s", cases[i].path);
            ck_assert_msg(fabs(acc.duration - src.duration) < 0.05, "%s", cases[i].path);
        }
        json_decref(res);
        cs_test_rmrf(dir);
        free(dir);
    }
}
END_TEST

/* Tiny, truncated or broken samples: an answer for each (a copy, or a reason), no crash. */
START_TEST(broken_samples)
{
    static const struct {
        const char *path, *type;
    } cases[] = {
        {"exiftool/QuickTime.mov", "video/quicktime"},
        {"exiftool/RIFF.avi", "video/x-msvideo"},
        {"exiftool/Matroska.mkv", "video/x-matroska"},
        {"exiftool/QuickTime.m4a", "audio/mp4"},
        {"exiftool/MP3.mp3", "audio/mpeg"},
        {"exiftool/Pentax.avi", "video/x-msvideo"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *dir = cs_test_tmpdir(), path[4096];
        json_t *out;
        size_t j;
        snprintf(path, sizeof path, "%s/%s", CUSTODY_TEST_DATA, cases[i].path);
        cs_transcode_opts_t o = options(dir, NULL);
        json_t *res = transcode(path, cases[i].type, &o);
        ck_assert_msg(json_array_size(json_object_get(res, "outputs")) == 2, "%s", path);
        json_array_foreach(json_object_get(res, "outputs"), j, out)
        {
            int ok = strcmp(str(out, "status"), "verified") == 0;
            ck_assert_msg(
                ok || (strcmp(str(out, "status"), "failed") == 0 && str(out, "reason")[0] != '\0'),
                "%s: %s copy", path, str(out, "profile"));
        }
        json_decref(res);
        cs_test_rmrf(dir);
        free(dir);
    }
}
END_TEST

START_TEST(hostile_and_odd_calls)
{
    char *dir = cs_test_tmpdir(), path[4096], missing[4096];
    json_t *res = NULL, *out;
    size_t i;
    cs_transcode_opts_t o = options(dir, NULL);

    /* Random bytes that claim to be an MP4. */
    snprintf(path, sizeof path, "%s/random.mp4", dir);
    cs_test_write_random(path, 256 * 1024, 7);
    res = transcode(path, "video/mp4", &o);
    json_array_foreach(json_object_get(res, "outputs"), i, out)
    {
        ck_assert_str_eq(str(out, "status"), "failed");
        ck_assert(str(out, "reason")[0] != '\0');
    }
    json_decref(res);

    /* Not media at all: nothing to make. */
    snprintf(path, sizeof path, "%s/notes.txt", dir);
    cs_test_write(path, "just words\n", 11);
    res = transcode(path, "text/plain", &o);
    ck_assert_str_eq(str(res, "kind"), "none");
    ck_assert_int_eq(json_array_size(json_object_get(res, "outputs")), 0);
    json_decref(res);

    /* A source that is not there, and a folder that cannot take the outputs. */
    snprintf(missing, sizeof missing, "%s/absent.mp4", dir);
    res = NULL;
    ck_assert_int_eq(cs_transcode_file(missing, "video/mp4", &o, &res), CS_ENOENT);
    ck_assert_ptr_null(res);
    snprintf(path, sizeof path, "%s/in.mp4", dir);
    make_clip(path, "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=10", "-t", "0.5", "-c:v",
              "libx264", NULL);
    o.out_dir = missing;
    ck_assert_int_eq(cs_transcode_file(path, "video/mp4", &o, &res), CS_ENOENT);
    ck_assert_ptr_null(res);

    /* Only the profiles asked for. */
    o.out_dir = dir;
    o.want_archival = 0;
    res = transcode(path, "video/mp4", &o);
    ck_assert_int_eq(json_array_size(json_object_get(res, "outputs")), 1);
    ck_assert_str_eq(str(output(res, "access"), "status"), "verified");
    json_decref(res);
    cs_test_rmrf(dir);
    free(dir);
}
END_TEST

/* Flips a byte in the middle of the archival copy's third picture as it is written (before
 * its verifier and the file get it): the verifier's strict decoding must catch it. */
static int damaged_packets;

static void
damage_packet(const char *profile, AVPacket *pkt)
{
    if (strcmp(profile, "archival") != 0 || pkt->stream_index != 0 || damaged_packets++ != 2)
        return;
    ck_assert_int_eq(av_packet_make_writable(pkt), 0);
    pkt->data[pkt->size / 2] ^= 0x55;
}

/* Counts the files read back; when `damage_on_disk`, flips a byte in the middle of the finished
 * archival file's third picture, as a disk might: it no longer holds the packets verified. */
static int rereads, damage_on_disk;

static void
damage_file(const char *profile, const char *path)
{
    AVFormatContext *fmt = NULL;
    AVPacket *pkt;
    int64_t pos = -1;
    int n = 0, fd;
    uint8_t b;
    rereads++;
    if (!damage_on_disk || strcmp(profile, "archival") != 0)
        return;
    ck_assert_ptr_nonnull(pkt = av_packet_alloc());
    ck_assert_int_eq(avformat_open_input(&fmt, path, NULL, NULL), 0);
    while (pos < 0 && av_read_frame(fmt, pkt) >= 0) {
        if (pkt->stream_index == 0 && n++ == 2)
            pos = pkt->pos + pkt->size / 2;
        av_packet_unref(pkt);
    }
    avformat_close_input(&fmt);
    av_packet_free(&pkt);
    ck_assert_int_ge(pos, 0);
    ck_assert_int_ge(fd = open(path, O_RDWR), 0);
    ck_assert_int_eq(pread(fd, &b, 1, pos), 1);
    b ^= 0x55;
    ck_assert_int_eq(pwrite(fd, &b, 1, pos), 1);
    close(fd);
}

/* What verification must catch, in flight and on disk: the archival copy fails with a reason
 * that says so, the access copy goes on. */
START_TEST(damage_caught)
{
    static const struct {
        int on_disk;
        const char *reason;
    } cases[] = {
        {0, "the archival copy has a damaged slice in stream 0 (CRC)"},
        {1, "the archival copy on disk does not hold the verified packets: stream 0 differs"},
    };
    char *dir = cs_test_tmpdir(), src_path[4096];
    snprintf(src_path, sizeof src_path, "%s/in.mp4", dir);
    make_clip(src_path, "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-f", "lavfi", "-i",
              "sine", "-t", "0.4", "-c:v", "libx264", "-c:a", "aac", NULL);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cs_transcode_opts_t o = options(dir, NULL);
        damaged_packets = rereads = 0;
        damage_on_disk = cases[i].on_disk;
        cs_tc_before_write = cases[i].on_disk ? NULL : damage_packet;
        cs_tc_before_reread = damage_file;
        json_t *res = transcode(src_path, "video/mp4", &o);
        cs_tc_before_write = NULL;
        cs_tc_before_reread = NULL;
        json_t *a = output(res, "archival");
        ck_assert_str_eq(str(a, "status"), "failed");
        ck_assert_msg(strncmp(str(a, "reason"), cases[i].reason, strlen(cases[i].reason)) == 0,
                      "reason: %s", str(a, "reason"));
        ck_assert_int_eq(rereads, cases[i].on_disk ? 2 : 1); /* read back only once decoded */
        ck_assert_str_eq(str(output(res, "access"), "status"), "verified");
        json_decref(res);
    }
    cs_test_rmrf(dir);
    free(dir);
}
END_TEST

static Suite *
transcode_suite(void)
{
    Suite *s = suite_create("transcode");
    TCase *tc = tcase_create("transcode");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, h264_aac_mp4);
    tcase_add_test(tc, archival_copy_reproducible);
    tcase_add_test(tc, odd_size);
    tcase_add_test(tc, rotated);
    tcase_add_test(tc, variable_frame_rate);
    tcase_add_test(tc, audio_only);
    tcase_add_test(tc, other_recordings);
    tcase_add_test(tc, corrupt_packets);
    tcase_add_test(tc, broken_samples);
    tcase_add_test(tc, hostile_and_odd_calls);
    tcase_add_test(tc, damage_caught);
    suite_add_tcase(s, tc);
    return s;
}

static Suite *
transcode_corpus_suite(void)
{
    Suite *s = suite_create("transcode_corpus");
    TCase *tc = tcase_create("corpus");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, corpus_recordings);
    suite_add_tcase(s, tc);
    return s;
}

int
main(int argc, char **argv)
{
    av_log_set_level(AV_LOG_FATAL); /* broken inputs are the point of some tests */
    return cs_test_main(argc, argv, transcode_suite, transcode_corpus_suite);
}
