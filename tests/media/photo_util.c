/* tests/media/photo_util.c: the fixture and helpers of the tests of photos' preview and
 * thumbnail (photo_util.h). */
#include "tests/media/photo_util.h"

#include "core/error.h"
#include "media/transcode_int.h"
#include "tests/support/testutil.h"

#include <check.h>
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/pixdesc.h>
#include <dirent.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

char *tmp; /* a fresh folder per test */

void
photo_setup(void)
{
    tmp = cs_test_tmpdir(); /* malloc'd */
}

void
photo_teardown(void)
{
    cs_test_rmrf(tmp);
    free(tmp);
    tmp = NULL;
}

cs_transcode_opts_t
opts_in(const char *dir)
{
    cs_transcode_opts_t o = {.out_dir = dir,
                             .stem = "obj",
                             .want_preview = 1,
                             .want_thumbnail = 1,
                             .preview_px = 1600,
                             .thumbnail_px = 256,
                             .jpeg_quality = 4,
                             .threads = 0};
    return o;
}

void
path_in(char *buf, size_t size, const char *dir, const char *name)
{
    ck_assert_int_lt(snprintf(buf, size, "%s/%s", dir, name), (int)size);
}

/* Runs the ffmpeg program: a lavfi source `src`, one frame, then the NULL-terminated
 * arguments that follow (the last is the output file). */
void
ffmpeg_make(const char *src, ...)
{
    char *argv[32] = {FFMPEG,  "-nostdin", "-v",        "error",     "-y", "-f",
                      "lavfi", "-i",       (char *)src, "-frames:v", "1"};
    int n = 11;
    va_list ap;
    va_start(ap, src);
    for (char *a; (a = va_arg(ap, char *)) != NULL;) {
        ck_assert_int_lt(n, 31);
        argv[n++] = a;
    }
    va_end(ap);
    argv[n] = NULL;
    cs_run_t r;
    cs_test_run(&r, NULL, argv);
    ck_assert_msg(r.status == 0, "ffmpeg %s: %s", src, r.err);
    cs_test_run_free(&r);
}

static double
seconds_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Runs the code under test; asserts it returns 0 and gives one record per wanted output. */
json_t *
photo(const char *path, const cs_transcode_opts_t *o)
{
    json_t *outputs = json_array();
    ck_assert_ptr_nonnull(outputs);
    int rc = cs_transcode_photo(path, o, outputs);
    ck_assert_msg(rc == 0, "%s: %s (%s)", path, cs_strerror(rc), cs_diag());
    ck_assert_int_eq(json_array_size(outputs), (o->want_preview != 0) + (o->want_thumbnail != 0));
    return outputs;
}

json_t *
output(json_t *outputs, const char *profile)
{
    size_t i;
    json_t *rec;
    json_array_foreach(outputs, i, rec)
    {
        if (strcmp(json_string_value(json_object_get(rec, "profile")), profile) == 0)
            return rec;
    }
    ck_abort_msg("no %s record", profile);
    return NULL;
}

json_int_t
int_at(json_t *rec, const char *key)
{
    json_t *v = json_object_get(rec, key);
    ck_assert_msg(json_is_integer(v), "%s is not an integer", key);
    return json_integer_value(v);
}

const char *
str_at(json_t *rec, const char *key)
{
    json_t *v = json_object_get(rec, key);
    ck_assert_msg(json_is_string(v), "%s is not a string", key);
    return json_string_value(v);
}

/* Decodes the first picture of a file, as any program would (image2, by its name). */
AVFrame *
decode_file(const char *path)
{
    AVFormatContext *fmt = NULL;
    const AVCodec *codec = NULL;
    AVPacket *pkt = av_packet_alloc();
    AVFrame *frame = av_frame_alloc();
    int rc = avformat_open_input(&fmt, path, NULL, NULL);
    ck_assert_msg(rc == 0, "%s: %s", path, av_err2str(rc));
    int idx = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
    ck_assert_int_ge(idx, 0);
    AVCodecContext *dec = avcodec_alloc_context3(codec);
    ck_assert_int_eq(avcodec_parameters_to_context(dec, fmt->streams[idx]->codecpar), 0);
    dec->err_recognition = AV_EF_EXPLODE;
    ck_assert_int_eq(avcodec_open2(dec, codec, NULL), 0);
    ck_assert_int_eq(av_read_frame(fmt, pkt), 0);
    rc = avcodec_send_packet(dec, pkt);
    ck_assert_msg(rc == 0, "%s: %s", path, av_err2str(rc));
    rc = avcodec_receive_frame(dec, frame);
    ck_assert_msg(rc == 0, "%s: %s", path, av_err2str(rc));
    av_packet_free(&pkt);
    avcodec_free_context(&dec);
    avformat_close_input(&fmt);
    return frame;
}

double
mean_luma(const AVFrame *f)
{
    double sum = 0;
    for (int y = 0; y < f->height; y++)
        for (int x = 0; x < f->width; x++)
            sum += f->data[0][(ptrdiff_t)y * f->linesize[0] + x];
    return sum / ((double)f->width * f->height);
}

/* How alike the luma of a is to that of b, b mirrored left-right (mx) and/or top-bottom (my):
 * the normalised cross-correlation, 1 for the same picture, whatever its brightness. */
double
likeness(const AVFrame *a, const AVFrame *b, int mx, int my)
{
    double ma = mean_luma(a), mb = mean_luma(b), sab = 0, saa = 0, sbb = 0;
    ck_assert_int_eq(a->width, b->width);
    ck_assert_int_eq(a->height, b->height);
    for (int y = 0; y < a->height; y++) {
        for (int x = 0; x < a->width; x++) {
            int bx = mx ? b->width - 1 - x : x, by = my ? b->height - 1 - y : y;
            double va = a->data[0][(ptrdiff_t)y * a->linesize[0] + x] - ma;
            double vb = b->data[0][(ptrdiff_t)by * b->linesize[0] + bx] - mb;
            sab += va * vb;
            saa += va * va;
            sbb += vb * vb;
        }
    }
    return sab / sqrt(saa * sbb);
}

/* The record's shape (transcode.h), and for a verified output: the file decodes here to the
 * size recorded, within `bound`, as full-range 4:2:0, with no EXIF in it. Returns the decoded
 * output (verified) or NULL (failed). */
AVFrame *
check_record(json_t *rec, const char *status, int bound, int quality)
{
    const char *profile = str_at(rec, "profile");
    ck_assert_str_eq(str_at(rec, "media_type"), "image/jpeg");
    ck_assert_str_eq(str_at(rec, "status"), status);
    ck_assert_str_eq(str_at(rec, "container"), "mjpeg");
    ck_assert_str_eq(str_at(json_object_get(rec, "encoders"), "video"), "mjpeg");
    ck_assert(json_is_string(json_object_get(json_object_get(rec, "libraries"), "libavcodec")));
    json_t *params = json_object_get(rec, "params"), *video = json_object_get(params, "video");
    ck_assert_int_eq(int_at(video, "qscale"), quality);
    ck_assert_str_eq(str_at(video, "pix_fmt"), "yuvj420p");
    ck_assert_str_eq(str_at(video, "sws"), "area");
    ck_assert_int_ge(int_at(params, "orientation_applied"), 1);
    ck_assert_int_le(int_at(params, "orientation_applied"), 8);
    ck_assert_int_ge(int_at(params, "lowres"), 0);
    ck_assert(json_is_null(json_object_get(rec, "duration_s")));
    ck_assert_int_eq(int_at(rec, "rotation"), 0);
    if (strcmp(status, "failed") == 0) {
        ck_assert_msg(strlen(str_at(rec, "reason")) > 0, "%s: an empty reason", profile);
        ck_assert(json_is_null(json_object_get(rec, "frames")));
        return NULL;
    }
    ck_assert_ptr_null(json_object_get(rec, "reason"));
    ck_assert_int_eq(int_at(rec, "frames"), 1);
    const char *path = str_at(rec, "path");
    json_int_t w = int_at(rec, "width"), h = int_at(rec, "height");
    ck_assert_int_ge(w, 1);
    ck_assert_int_ge(h, 1);
    ck_assert_int_le(w > h ? w : h, bound);
    AVFrame *f = decode_file(path);
    ck_assert_int_eq(f->width, w);
    ck_assert_int_eq(f->height, h);
    ck_assert_str_eq(av_get_pix_fmt_name(f->format), "yuvj420p");
    size_t len;
    char *bytes = cs_test_read(path, &len);
    ck_assert_ptr_nonnull(bytes);
    ck_assert_msg(memmem(bytes, len, "Exif\0\0", 6) == NULL, "%s: EXIF left in the output", path);
    free(bytes);
    return f;
}

/* The displayed size of a w x h picture fitted in bound, as the caller expects it. */
void
expect_fit(int w, int h, int bound, int *ew, int *eh)
{
    double s = (w > h ? w : h) > bound ? (double)bound / (w > h ? w : h) : 1.0;
    *ew = (int)(w * s + 0.5);
    *eh = (int)(h * s + 0.5);
}

void
assert_size_near(json_t *rec, int ew, int eh)
{
    json_int_t w = int_at(rec, "width"), h = int_at(rec, "height");
    ck_assert_msg(llabs(w - ew) <= 1 && llabs(h - eh) <= 1, "%s: %lldx%lld, expected %dx%d",
                  str_at(rec, "profile"), (long long)w, (long long)h, ew, eh);
}

int
files_in(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    ck_assert_ptr_nonnull(d);
    while ((e = readdir(d)) != NULL)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

/* ---- a 12-megapixel photo ------------------------------------------------------------- */

void
time_photo(const char *what, const char *path, const cs_transcode_opts_t *o)
{
    double t0 = seconds_now();
    json_t *outputs = photo(path, o);
    double t1 = seconds_now();
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    fprintf(stderr, "transcode_photo: %s (%.1f MB): %.1f ms\n", what, st.st_size / 1e6,
            (t1 - t0) * 1e3);
    json_decref(outputs);
}

static json_t *oracle; /* ExifTool's exiftool.json of the corpus, loaded once */

json_t *
oracle_entry(const char *rel)
{
    size_t i;
    json_t *e;
    if (oracle == NULL) {
        json_error_t err;
        oracle = json_load_file(CUSTODY_CORPUS "/exiftool.json", 0, &err);
        ck_assert_msg(json_is_array(oracle), "exiftool.json: %s", err.text);
    }
    json_array_foreach(oracle, i, e)
    {
        const char *src = json_string_value(json_object_get(e, "SourceFile"));
        if (src != NULL && strncmp(src, "./", 2) == 0 && strcmp(src + 2, rel) == 0)
            return e;
    }
    ck_abort_msg("%s is not in exiftool.json", rel);
    return NULL;
}

int
oracle_int(json_t *e, const char *key, int dflt)
{
    json_t *v = json_object_get(e, key);
    return json_is_integer(v) ? (int)json_integer_value(v) : dflt;
}
