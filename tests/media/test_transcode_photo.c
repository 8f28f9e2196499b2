/* tests/media/test_transcode_photo.c: the preview and thumbnail JPEGs of photos, as a clerk
 * would see them: the size on screen, upright whatever the camera's EXIF orientation, the
 * colours and brightness kept, no EXIF left in them, and a plain reason instead of a picture
 * for files that are no picture. Pictures are made with the ffmpeg program, or in the wide run
 * (`corpus`) taken from the corpus (ExifTool's exiftool.json is the oracle of their size and
 * orientation); outputs are decoded here with libavformat/libavcodec, independently of the
 * code under test. */
#include "core/error.h"
#include "media/transcode_int.h"
#include "tests/support/corpus.h"
#include "tests/support/testutil.h"

#include <check.h>
#include <jansson.h>
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/pixdesc.h>
#include <libexif/exif-data.h>

#include <dirent.h>
#include <ftw.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CORPUS_FILES CUSTODY_CORPUS "/files"
#define FFMPEG "/usr/bin/ffmpeg"
#define ORIENTATION_DIR CORPUS_FILES "/exif-samples/jpg/orientation"

static char *tmp; /* a fresh folder per test */

static void
setup(void)
{
    tmp = cs_test_tmpdir(); /* malloc'd */
}

static void
teardown(void)
{
    cs_test_rmrf(tmp);
    free(tmp);
    tmp = NULL;
}

static cs_transcode_opts_t
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

static void
path_in(char *buf, size_t size, const char *dir, const char *name)
{
    ck_assert_int_lt(snprintf(buf, size, "%s/%s", dir, name), (int)size);
}

/* Runs the ffmpeg program: a lavfi source `src`, one frame, then the NULL-terminated
 * arguments that follow (the last is the output file). */
static void
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
static json_t *
photo(const char *path, const cs_transcode_opts_t *o)
{
    json_t *outputs = json_array();
    ck_assert_ptr_nonnull(outputs);
    int rc = cs_transcode_photo(path, o, outputs);
    ck_assert_msg(rc == 0, "%s: %s (%s)", path, cs_strerror(rc), cs_diag());
    ck_assert_int_eq(json_array_size(outputs), (o->want_preview != 0) + (o->want_thumbnail != 0));
    return outputs;
}

static json_t *
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

static json_int_t
int_at(json_t *rec, const char *key)
{
    json_t *v = json_object_get(rec, key);
    ck_assert_msg(json_is_integer(v), "%s is not an integer", key);
    return json_integer_value(v);
}

static const char *
str_at(json_t *rec, const char *key)
{
    json_t *v = json_object_get(rec, key);
    ck_assert_msg(json_is_string(v), "%s is not a string", key);
    return json_string_value(v);
}

/* Decodes the first picture of a file, as any program would (image2, by its name). */
static AVFrame *
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

static double
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
static double
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
static AVFrame *
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
static void
expect_fit(int w, int h, int bound, int *ew, int *eh)
{
    double s = (w > h ? w : h) > bound ? (double)bound / (w > h ? w : h) : 1.0;
    *ew = (int)(w * s + 0.5);
    *eh = (int)(h * s + 0.5);
}

static void
assert_size_near(json_t *rec, int ew, int eh)
{
    json_int_t w = int_at(rec, "width"), h = int_at(rec, "height");
    ck_assert_msg(llabs(w - ew) <= 1 && llabs(h - eh) <= 1, "%s: %lldx%lld, expected %dx%d",
                  str_at(rec, "profile"), (long long)w, (long long)h, ew, eh);
}

static int
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

static void
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

START_TEST(test_big_jpeg)
{
    char src[4096], out[4096];
    cs_transcode_opts_t o = opts_in(tmp);
    path_in(src, sizeof src, tmp, "big.jpg");
    path_in(out, sizeof out, tmp, "out");
    ck_assert_int_eq(mkdir(out, 0755), 0);
    o.out_dir = out;
    ffmpeg_make("testsrc2=size=4032x3024", src, NULL);

    json_t *outputs = photo(src, &o);
    json_t *pre = output(outputs, "preview"), *thumb = output(outputs, "thumbnail");
    AVFrame *p = check_record(pre, "verified", 1600, 4);
    AVFrame *t = check_record(thumb, "verified", 256, 4);
    /* 4032x3024 is 4:3: 1600x1200 and 256x192 exactly. */
    ck_assert_int_eq(p->width, 1600);
    ck_assert_int_eq(p->height, 1200);
    ck_assert_int_eq(t->width, 256);
    ck_assert_int_eq(t->height, 192);
    /* Decoded at half size in the DCT (2016x1512 >= 1600), once for both. */
    ck_assert_int_eq(int_at(json_object_get(pre, "params"), "lowres"), 1);
    ck_assert_int_eq(int_at(json_object_get(thumb, "params"), "lowres"), 1);
    ck_assert_int_eq(int_at(json_object_get(pre, "params"), "orientation_applied"), 1);
    char want[4096];
    path_in(want, sizeof want, out, "obj.preview.jpg");
    ck_assert_str_eq(str_at(pre, "path"), want);
    path_in(want, sizeof want, out, "obj.thumbnail.jpg");
    ck_assert_str_eq(str_at(thumb, "path"), want);
    ck_assert_int_eq(files_in(out), 2);
    /* As bright as the original: full range kept, not squeezed to 16..235 or stretched. */
    AVFrame *s = decode_file(src);
    ck_assert_double_eq_tol(mean_luma(p), mean_luma(s), 1.5);
    ck_assert_double_eq_tol(mean_luma(t), mean_luma(s), 1.5);
    av_frame_free(&s);
    av_frame_free(&p);
    av_frame_free(&t);
    json_decref(outputs);

    /* How long the service spends on a 12-MP photo: this one, and one that compresses as
     * badly as a camera's (noise), and a thumbnail alone (decoded at 1/8). */
    time_photo("12-MP test pattern, preview + thumbnail", src, &o);
    path_in(src, sizeof src, tmp, "noisy.jpg");
    ffmpeg_make("testsrc2=size=4032x3024,noise=alls=24:allf=t", "-q:v", "2", src, NULL);
    time_photo("12-MP noisy, preview + thumbnail", src, &o);
    o.want_preview = 0;
    time_photo("12-MP noisy, thumbnail alone", src, &o);
}
END_TEST

/* Only the thumbnail: decoded at 1/8 (504x378 >= 256), and no preview made. */
START_TEST(test_thumbnail_alone)
{
    char src[4096];
    cs_transcode_opts_t o = opts_in(tmp);
    o.want_preview = 0;
    path_in(src, sizeof src, tmp, "big.jpg");
    ffmpeg_make("testsrc2=size=4032x3024", src, NULL);
    json_t *outputs = photo(src, &o);
    json_t *thumb = output(outputs, "thumbnail");
    AVFrame *t = check_record(thumb, "verified", 256, 4);
    ck_assert_int_eq(t->width, 256);
    ck_assert_int_eq(t->height, 192);
    ck_assert_int_eq(int_at(json_object_get(thumb, "params"), "lowres"), 3);
    ck_assert_int_eq(files_in(tmp), 2); /* big.jpg and the thumbnail */
    av_frame_free(&t);
    json_decref(outputs);

    o.want_thumbnail = 0;
    outputs = photo(src, &o);
    ck_assert_int_eq(json_array_size(outputs), 0);
    json_decref(outputs);
}
END_TEST

/* ---- EXIF orientation: the corpus's landscape_N / portrait_N, one for each of 1..8 ------ */

static json_t *oracle;

static json_t *
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

static int
oracle_int(json_t *e, const char *key, int dflt)
{
    json_t *v = json_object_get(e, key);
    return json_is_integer(v) ? (int)json_integer_value(v) : dflt;
}

/* The preview of one corpus photo, with o; the record checked and the picture decoded. */
static AVFrame *
preview_of(const char *path, const cs_transcode_opts_t *o, json_t **outputs)
{
    *outputs = photo(path, o);
    return check_record(output(*outputs, "preview"), "verified", o->preview_px, o->jpeg_quality);
}

START_TEST(test_orientation)
{
    const char *set = _i < 8 ? "landscape" : "portrait";
    int n = _i % 8 + 1;
    char rel[256], path[4096], ref[4096], out[4096], refout[4096];
    snprintf(rel, sizeof rel, "exif-samples/jpg/orientation/%s_%d.jpg", set, n);
    snprintf(path, sizeof path, "%s/%s", CORPUS_FILES, rel);
    snprintf(ref, sizeof ref, "%s/%s_1.jpg", ORIENTATION_DIR, set);
    json_t *e = oracle_entry(rel);
    int orientation = oracle_int(e, "IFD0:Orientation", 1);
    int sw = oracle_int(e, "File:ImageWidth", 0), sh = oracle_int(e, "File:ImageHeight", 0);
    ck_assert_int_eq(orientation, n); /* the file's name tells its orientation */

    path_in(out, sizeof out, tmp, "n");
    path_in(refout, sizeof refout, tmp, "ref");
    ck_assert_int_eq(mkdir(out, 0755), 0);
    ck_assert_int_eq(mkdir(refout, 0755), 0);
    cs_transcode_opts_t o = opts_in(out);
    json_t *outputs, *refs;
    AVFrame *p = preview_of(path, &o, &outputs);
    json_t *pre = output(outputs, "preview"), *thumb = output(outputs, "thumbnail");
    ck_assert_int_eq(int_at(json_object_get(pre, "params"), "orientation_applied"), orientation);

    /* Stored 450x600 with 6 or 8 (5, 7) is shown 600x450: width and height swap. */
    int dw = orientation >= 5 ? sh : sw, dh = orientation >= 5 ? sw : sh;
    ck_assert_int_eq(p->width, dw);
    ck_assert_int_eq(p->height, dh);
    ck_assert_msg(strcmp(set, "landscape") == 0 ? dw > dh : dw < dh, "%s is shown %dx%d", rel, dw,
                  dh);
    int tw, th;
    expect_fit(dw, dh, 256, &tw, &th);
    assert_size_near(thumb, tw, th);
    AVFrame *t = check_record(thumb, "verified", 256, 4);
    av_frame_free(&t);

    /* Upright: the same scene as <set>_1 (the digit in the middle and the brightness differ);
     * mirrored or upside down, it would not be. */
    o.out_dir = refout;
    AVFrame *r = preview_of(ref, &o, &refs);
    double upright = likeness(p, r, 0, 0), mirrored = likeness(p, r, 1, 0);
    double upside_down = likeness(p, r, 0, 1);
    fprintf(stderr,
            "transcode_photo: %s: %dx%d, like %s_1: %.3f (mirrored %.3f, upside down %.3f)\n", rel,
            p->width, p->height, set, upright, mirrored, upside_down);
    ck_assert_msg(upright > 0.9, "%s: not upright (%.3f)", rel, upright);
    ck_assert_msg(mirrored < 0.6 && upside_down < 0.6, "%s: the scene is symmetric", rel);
    av_frame_free(&p);
    av_frame_free(&r);
    json_decref(outputs);
    json_decref(refs);
}
END_TEST

/* A 12-MP JPEG given EXIF Orientation 6 here (with libexif): decoded at half size, scaled,
 * then turned a quarter clockwise: 1200x1600, the picture of orientation 1 turned. */
static void
add_orientation(const char *from, const char *to, int orientation)
{
    ExifData *ed = exif_data_new();
    ExifEntry *e = exif_entry_new();
    unsigned char *exif = NULL;
    unsigned int exif_len = 0;
    size_t n;
    char *jpg = cs_test_read(from, &n);
    ck_assert_ptr_nonnull(ed);
    ck_assert_ptr_nonnull(e);
    ck_assert_ptr_nonnull(jpg);
    exif_data_set_byte_order(ed, EXIF_BYTE_ORDER_INTEL);
    exif_content_add_entry(ed->ifd[EXIF_IFD_0], e);
    exif_entry_initialize(e, EXIF_TAG_ORIENTATION);
    exif_set_short(e->data, EXIF_BYTE_ORDER_INTEL, (ExifShort)orientation);
    exif_data_save_data(ed, &exif, &exif_len);
    ck_assert(exif != NULL && exif_len > 6 && exif_len < 65000);
    size_t len = 6 + exif_len + n - 2;
    unsigned char *out = malloc(len);
    ck_assert_ptr_nonnull(out);
    memcpy(out, "\xff\xd8\xff\xe1", 4); /* SOI, APP1 */
    unsigned seg = exif_len + 2;
    unsigned char seglen[2] = {(unsigned char)(seg >> 8), (unsigned char)(seg & 0xff)};
    memcpy(out + 4, seglen, 2);
    memcpy(out + 6, exif, exif_len);
    memcpy(out + 6 + exif_len, jpg + 2, n - 2);
    cs_test_write(to, out, len);
    free(out);
    free(exif);
    free(jpg);
    exif_entry_unref(e);
    exif_data_unref(ed);
}

START_TEST(test_big_turned)
{
    char src[4096], turned[4096], a[4096], b[4096];
    path_in(src, sizeof src, tmp, "big.jpg");
    path_in(turned, sizeof turned, tmp, "turned.jpg");
    path_in(a, sizeof a, tmp, "a");
    path_in(b, sizeof b, tmp, "b");
    ck_assert_int_eq(mkdir(a, 0755), 0);
    ck_assert_int_eq(mkdir(b, 0755), 0);
    /* testsrc2 looks much the same mirrored: darkened from top to bottom, it does not; blown
     * up to 12 MP. */
    ffmpeg_make("testsrc2=size=1008x756,format=yuv420p,geq=lum='lum(X,Y)*(1-0.8*Y/H)':"
                "cb='cb(X,Y)':cr='cr(X,Y)',scale=4032:3024",
                src, NULL);
    add_orientation(src, turned, 6);

    cs_transcode_opts_t o = opts_in(a);
    json_t *plain, *outputs;
    AVFrame *r = preview_of(src, &o, &plain);
    o.out_dir = b;
    AVFrame *p = preview_of(turned, &o, &outputs);
    json_t *pre = output(outputs, "preview"), *params = json_object_get(pre, "params");
    ck_assert_int_eq(int_at(params, "orientation_applied"), 6);
    ck_assert_int_eq(int_at(params, "lowres"), 1);
    ck_assert_int_eq(p->width, 1200);
    ck_assert_int_eq(p->height, 1600);
    AVFrame *t = check_record(output(outputs, "thumbnail"), "verified", 256, 4);
    ck_assert_int_eq(t->width, 192);
    ck_assert_int_eq(t->height, 256);
    /* Orientation 6: what is shown at (x, y) is stored at (y, height - 1 - x); turned the
     * other way (or only transposed), the picture would be mirrored. */
    double ma = mean_luma(p), mb = mean_luma(r), like[2] = {0, 0};
    for (int k = 0; k < 2; k++) {
        double sab = 0, saa = 0, sbb = 0;
        for (int y = 0; y < p->height; y++) {
            for (int x = 0; x < p->width; x++) {
                int sx = k == 0 ? r->height - 1 - x : x;
                double va = p->data[0][(ptrdiff_t)y * p->linesize[0] + x] - ma;
                double vb = r->data[0][(ptrdiff_t)sx * r->linesize[0] + y] - mb;
                sab += va * vb;
                saa += va * va;
                sbb += vb * vb;
            }
        }
        like[k] = sab / sqrt(saa * sbb);
    }
    fprintf(stderr,
            "transcode_photo: 12 MP, orientation 6: like the original turned %.3f "
            "(mirrored %.3f)\n",
            like[0], like[1]);
    ck_assert_msg(like[0] > 0.95 && like[1] < 0.8, "not turned clockwise: %.3f (mirrored %.3f)",
                  like[0], like[1]);
    av_frame_free(&r);
    av_frame_free(&p);
    av_frame_free(&t);
    json_decref(plain);
    json_decref(outputs);
}
END_TEST

/* ---- small pictures and other formats ------------------------------------------------- */

typedef struct fmt_case {
    const char *name;    /* file name: its extension picks ffmpeg's muxer */
    const char *src;     /* lavfi source */
    const char *args[5]; /* more ffmpeg arguments */
    int preview_px, thumbnail_px;
    int pw, ph, tw, th; /* sizes expected */
    double luma;        /* mean luma expected (-1: not checked) */
    int flattened;
} fmt_case_t;

static const fmt_case_t fmt_cases[] = {
    /* Never upscaled: smaller than both bounds, the picture keeps its size. */
    {"small.jpg", "testsrc2=size=100x50", {NULL}, 1600, 256, 100, 50, 100, 50, -1, 0},
    {"small.png", "testsrc2=size=100x50", {NULL}, 1600, 256, 100, 50, 100, 50, -1, 0},
    {"small_thumb.jpg", "testsrc2=size=100x50", {NULL}, 1600, 64, 100, 50, 64, 32, -1, 0},
    {"tall.webp", "testsrc2=size=50x100", {NULL}, 1600, 256, 50, 100, 50, 100, -1, 0},
    /* Other decoders than mjpeg, other pixel formats. */
    {"wide.png", "testsrc2=size=2000x1000", {NULL}, 800, 100, 800, 400, 100, 50, -1, 0},
    {"wide.tiff", "testsrc2=size=2000x1000", {NULL}, 800, 100, 800, 400, 100, 50, -1, 0},
    {"wide.webp", "testsrc2=size=2000x1000", {NULL}, 800, 100, 800, 400, 100, 50, -1, 0},
    {"grey.jpg",
     "testsrc2=size=2000x1000",
     {"-pix_fmt", "gray", NULL},
     800,
     100,
     800,
     400,
     100,
     50,
     -1,
     0},
    {"full.jpg",
     "testsrc2=size=2000x1002,format=yuv444p,crop=1999:1001:0:0",
     {"-pix_fmt", "yuvj444p", NULL},
     800,
     100,
     800,
     401,
     100,
     50,
     -1,
     0},
    {"deep.png",
     "testsrc2=size=640x480",
     {"-pix_fmt", "rgb48be", NULL},
     320,
     64,
     320,
     240,
     64,
     48,
     -1,
     0},
    /* GIF's palette may be transparent: it goes through the flattening too. */
    {"pal.gif", "testsrc2=size=640x480", {NULL}, 320, 64, 320, 240, 64, 48, -1, 1},
    /* A grey ramp 0..255 as PNG (full range, says nothing): as bright after. */
    {"ramp.png",
     "gradients=s=512x256:c0=black:c1=white:x0=0:y0=0:x1=511:y1=0:nb_colors=2",
     {"-pix_fmt", "gray", NULL},
     256,
     64,
     256,
     128,
     64,
     32,
     127.5,
     0},
    /* RGB white and black stay 255 and 0: full range. */
    {"white.png",
     "color=c=white:s=300x200",
     {"-pix_fmt", "rgb24", NULL},
     200,
     64,
     200,
     133,
     64,
     43,
     255,
     0},
    {"black.png",
     "color=c=black:s=300x200",
     {"-pix_fmt", "rgb24", NULL},
     200,
     64,
     200,
     133,
     64,
     43,
     0,
     0},
    /* Transparent everywhere: shown white, as viewers show it, not black. */
    {"clear.png",
     "color=c=red@0.0:s=300x200,format=rgba",
     {NULL},
     200,
     64,
     200,
     133,
     64,
     43,
     255,
     1},
};

START_TEST(test_formats)
{
    const fmt_case_t *c = &fmt_cases[_i];
    char src[4096], out[4096];
    path_in(src, sizeof src, tmp, c->name);
    path_in(out, sizeof out, tmp, "out");
    ck_assert_int_eq(mkdir(out, 0755), 0);
    const char *a = c->args[0], *b = a ? c->args[1] : NULL;
    if (a != NULL)
        ffmpeg_make(c->src, a, b, src, NULL);
    else
        ffmpeg_make(c->src, src, NULL);
    cs_transcode_opts_t o = opts_in(out);
    o.preview_px = c->preview_px;
    o.thumbnail_px = c->thumbnail_px;
    json_t *outputs = photo(src, &o);
    json_t *pre = output(outputs, "preview"), *thumb = output(outputs, "thumbnail");
    AVFrame *p = check_record(pre, "verified", c->preview_px, 4);
    AVFrame *t = check_record(thumb, "verified", c->thumbnail_px, 4);
    ck_assert_msg(p->width == c->pw && p->height == c->ph, "%s: preview %dx%d", c->name, p->width,
                  p->height);
    ck_assert_msg(t->width == c->tw && t->height == c->th, "%s: thumbnail %dx%d", c->name, t->width,
                  t->height);
    if (c->luma >= 0)
        ck_assert_msg(mean_luma(p) > c->luma - 2 && mean_luma(p) < c->luma + 2,
                      "%s: mean luma %.1f", c->name, mean_luma(p));
    json_t *video = json_object_get(json_object_get(pre, "params"), "video");
    ck_assert_int_eq(json_is_true(json_object_get(video, "alpha_on_white")), c->flattened);
    av_frame_free(&p);
    av_frame_free(&t);
    json_decref(outputs);
}
END_TEST

/* A lossless JPEG cannot be decoded at lowres: it is decoded at full size instead. */
START_TEST(test_lossless_jpeg)
{
    char src[4096];
    cs_transcode_opts_t o = opts_in(tmp);
    o.preview_px = 800;
    o.thumbnail_px = 128;
    path_in(src, sizeof src, tmp, "lossless.jpg");
    ffmpeg_make("testsrc2=size=2048x1536", "-c:v", "ljpeg", "-pix_fmt", "bgr24", src, NULL);
    json_t *outputs = photo(src, &o);
    json_t *pre = output(outputs, "preview");
    AVFrame *p = check_record(pre, "verified", 800, 4);
    ck_assert_int_eq(p->width, 800);
    ck_assert_int_eq(p->height, 600);
    ck_assert_int_eq(int_at(json_object_get(pre, "params"), "lowres"), 0);
    av_frame_free(&p);
    json_decref(outputs);
}
END_TEST

/* jpeg_quality is the encoder's qscale: 31 makes a much smaller file than 2. */
START_TEST(test_quality)
{
    char src[4096], best[4096], worst[4096];
    struct stat sb, sw;
    path_in(src, sizeof src, tmp, "noisy.jpg");
    ffmpeg_make("testsrc2=size=1600x1200,noise=alls=24:allf=t", "-q:v", "2", src, NULL);
    path_in(best, sizeof best, tmp, "q2");
    path_in(worst, sizeof worst, tmp, "q31");
    ck_assert_int_eq(mkdir(best, 0755), 0);
    ck_assert_int_eq(mkdir(worst, 0755), 0);
    cs_transcode_opts_t o = opts_in(best);
    o.want_thumbnail = 0;
    o.jpeg_quality = 2;
    json_t *a = photo(src, &o);
    AVFrame *fa = check_record(output(a, "preview"), "verified", 1600, 2);
    o.out_dir = worst;
    o.jpeg_quality = 31;
    json_t *b = photo(src, &o);
    AVFrame *fb = check_record(output(b, "preview"), "verified", 1600, 31);
    ck_assert_int_eq(stat(str_at(output(a, "preview"), "path"), &sb), 0);
    ck_assert_int_eq(stat(str_at(output(b, "preview"), "path"), &sw), 0);
    ck_assert_msg(sw.st_size * 3 < sb.st_size, "q31: %lld bytes, q2: %lld", (long long)sw.st_size,
                  (long long)sb.st_size);
    av_frame_free(&fa);
    av_frame_free(&fb);
    json_decref(a);
    json_decref(b);
}
END_TEST

/* ---- files that are no picture -------------------------------------------------------- */

typedef struct hostile {
    const char *name;
    const char *reason; /* a part of the reason expected */
} hostile_t;

static const hostile_t hostiles[] = {
    {"truncated.jpg", "could not be decoded"},
    {"truncated.png", "could not be decoded"},
    {"headers_only.jpg", "could not be decoded"},
    {"random.jpg", ""},
    {"empty.jpg", "the file is empty"},
    {"zero_by_zero.jpg", "could not be decoded"},
    {"text.jpg", ""},
};

/* The corpus's own (the wide run). */
static const hostile_t corpus_hostiles[] = {
    {"corrupted.jpg", "could not be decoded"}, /* only its top decodes */
    {"heic.jpg", ""},                          /* a HEIC labelled image/jpeg */
};

/* Copies the first `len` bytes of from to `to` (all of it with len 0). */
static void
copy_head(const char *from, const char *to, size_t len)
{
    size_t n;
    char *b = cs_test_read(from, &n);
    ck_assert_ptr_nonnull(b);
    cs_test_write(to, b, len > 0 && len < n ? len : n);
    free(b);
}

static void
make_hostile(const char *name, const char *path)
{
    char jpg[4096];
    path_in(jpg, sizeof jpg, tmp, strcmp(name, "truncated.png") == 0 ? "source.png" : "source.jpg");
    if (strcmp(name, "random.jpg") == 0) {
        cs_test_write_random(path, 200000, 7);
    } else if (strcmp(name, "empty.jpg") == 0) {
        cs_test_write(path, "", 0);
    } else if (strcmp(name, "text.jpg") == 0) {
        const char *t = "not a picture at all, only words\n";
        cs_test_write(path, t, strlen(t));
    } else if (strcmp(name, "corrupted.jpg") == 0) {
        copy_head(CORPUS_FILES "/exif-samples/jpg/corrupted.jpg", path, 0);
    } else if (strcmp(name, "heic.jpg") == 0) {
        copy_head(CORPUS_FILES "/exif-samples/heic/IMG_5195.HEIC", path, 0);
    } else {
        ffmpeg_make("testsrc2=size=1024x768,noise=alls=20:allf=t", jpg, NULL);
        size_t n;
        unsigned char *b = (unsigned char *)cs_test_read(jpg, &n);
        ck_assert_ptr_nonnull(b);
        size_t keep = n;
        if (strncmp(name, "truncated.", 10) == 0)
            keep = n * 6 / 10;
        else if (strcmp(name, "headers_only.jpg") == 0)
            keep = 700;
        else /* zero_by_zero: the frame header says 0x0 */
            for (size_t i = 0; i + 8 < n; i++)
                if (b[i] == 0xff && b[i + 1] == 0xc0) {
                    memset(b + i + 5, 0, 4);
                    break;
                }
        cs_test_write(path, b, keep);
        free(b);
        unlink(jpg);
    }
}

static void
check_hostile(const hostile_t *h)
{
    char src[4096], out[4096];
    path_in(src, sizeof src, tmp, h->name);
    path_in(out, sizeof out, tmp, "out");
    ck_assert_int_eq(mkdir(out, 0755), 0);
    make_hostile(h->name, src);
    cs_transcode_opts_t o = opts_in(out);
    json_t *outputs = photo(src, &o);
    size_t i;
    json_t *rec;
    json_array_foreach(outputs, i, rec)
    {
        check_record(rec, "failed", 0, 4);
        ck_assert_ptr_null(json_object_get(rec, "path"));
        ck_assert(json_is_null(json_object_get(rec, "width")));
        const char *reason = str_at(rec, "reason");
        ck_assert_msg(strstr(reason, h->reason) != NULL, "%s: %s", h->name, reason);
        if (i == 0)
            fprintf(stderr, "transcode_photo: %s: %s\n", h->name, reason);
    }
    ck_assert_int_eq(files_in(out), 0);
    json_decref(outputs);
}

START_TEST(test_hostile)
{
    check_hostile(&hostiles[_i]);
}
END_TEST

START_TEST(test_corpus_hostile)
{
    check_hostile(&corpus_hostiles[_i]);
}
END_TEST

/* An out_dir that is gone is the caller's error, with the reason in cs_diag. */
START_TEST(test_out_dir_gone)
{
    char src[4096], out[4096];
    path_in(src, sizeof src, tmp, "small.jpg");
    path_in(out, sizeof out, tmp, "gone");
    ffmpeg_make("testsrc2=size=100x50", src, NULL);
    cs_transcode_opts_t o = opts_in(out);
    json_t *outputs = json_array();
    cs_diag_clear();
    ck_assert_int_eq(cs_transcode_photo(src, &o, outputs), CS_ENOENT);
    ck_assert_ptr_nonnull(strstr(cs_diag(), "gone/obj.preview.jpg"));
    ck_assert_int_eq(json_array_size(outputs), 0);
    json_decref(outputs);
}
END_TEST

/* ---- real photos of the corpus ---------------------------------------------------------- */

static const char *const corpus_photos[] = {
    "exif-samples/jpg/tests/30-type_error.jpg",      /* 3872x2403 */
    "exif-samples/jpg/tests/67-0_length_string.jpg", /* 4032x2012, 4:4:0 */
    "exif-samples/jpg/tests/35-empty.jpg",           /* 2164x1626 */
    "exif-samples/jpg/tests/45-gps_ifd.jpg",         /* 1600x900 */
    "exif-samples/jpg/gps/DSCN0010.jpg",             /* 640x480, 4:2:2 */
    "exif-samples/jpg/gps/DSCN0029.jpg",
    "exif-samples/jpg/xmp/no_exif.jpg", /* 322x466 */
    "exif-samples/jpg/Canon_40D.jpg",   /* 100x68 */
    "metadata-extractor-images/jpg/ImageTestSuite/316be81dfdeeb942e904feb3a77f4f83.jpg",
    "exif-samples/jpg/orientation/portrait_6.jpg",
};

START_TEST(test_corpus_photos)
{
    const char *rel = corpus_photos[_i];
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", CORPUS_FILES, rel);
    json_t *e = oracle_entry(rel);
    int orientation = oracle_int(e, "IFD0:Orientation", 1);
    int sw = oracle_int(e, "File:ImageWidth", 0), sh = oracle_int(e, "File:ImageHeight", 0);
    int dw = orientation >= 5 ? sh : sw, dh = orientation >= 5 ? sw : sh, ew, eh;
    cs_transcode_opts_t o = opts_in(tmp);
    o.preview_px = 1024;
    o.thumbnail_px = 160;
    json_t *outputs = photo(path, &o);
    json_t *pre = output(outputs, "preview"), *thumb = output(outputs, "thumbnail");
    AVFrame *p = check_record(pre, "verified", 1024, 4);
    AVFrame *t = check_record(thumb, "verified", 160, 4);
    expect_fit(dw, dh, 1024, &ew, &eh);
    assert_size_near(pre, ew, eh);
    expect_fit(dw, dh, 160, &ew, &eh);
    assert_size_near(thumb, ew, eh);
    ck_assert_int_eq(int_at(json_object_get(pre, "params"), "orientation_applied"), orientation);
    av_frame_free(&p);
    av_frame_free(&t);
    json_decref(outputs);
}
END_TEST

/* Every file of the corpus, videos, HEIC and fuzzed files included, taken for a photo: no
 * crash, no error, and each output either verified within its bound or failed with a reason. */
static int corpus_verified, corpus_failed;

static int
try_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    char out[4096];
    (void)ftw;
    if (flag != FTW_F || !S_ISREG(st->st_mode))
        return 0;
    path_in(out, sizeof out, tmp, "out");
    ck_assert_int_eq(mkdir(out, 0755), 0);
    cs_transcode_opts_t o = opts_in(out);
    o.preview_px = 480;
    o.thumbnail_px = 96;
    json_t *outputs = photo(path, &o), *rec;
    size_t i;
    json_array_foreach(outputs, i, rec)
    {
        int verified = strcmp(str_at(rec, "status"), "verified") == 0;
        int bound = i == 0 ? 480 : 96;
        AVFrame *f = check_record(rec, verified ? "verified" : "failed", bound, 4);
        av_frame_free(&f);
        corpus_verified += verified;
        corpus_failed += !verified;
    }
    json_decref(outputs);
    cs_test_rmrf(out);
    return 0;
}

START_TEST(test_corpus_every_file)
{
    ck_assert_int_eq(nftw(CORPUS_FILES, try_one, 16, FTW_PHYS), 0);
    fprintf(stderr, "transcode_photo: corpus: %d outputs verified, %d failed with a reason\n",
            corpus_verified, corpus_failed);
    ck_assert_int_gt(corpus_verified, 150);
}
END_TEST

static Suite *
transcode_photo_suite(void)
{
    Suite *s = suite_create("transcode_photo");
    TCase *tc = tcase_create("transcode_photo");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_big_jpeg);
    tcase_add_test(tc, test_thumbnail_alone);
    tcase_add_test(tc, test_big_turned);
    tcase_add_loop_test(tc, test_formats, 0, (int)(sizeof fmt_cases / sizeof fmt_cases[0]));
    tcase_add_test(tc, test_lossless_jpeg);
    tcase_add_test(tc, test_quality);
    tcase_add_loop_test(tc, test_hostile, 0, (int)(sizeof hostiles / sizeof hostiles[0]));
    tcase_add_test(tc, test_out_dir_gone);
    suite_add_tcase(s, tc);
    return s;
}

static Suite *
transcode_photo_corpus_suite(void)
{
    Suite *s = suite_create("transcode_photo_corpus");
    TCase *tc = tcase_create("corpus");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, test_orientation, 0, 16);
    tcase_add_loop_test(tc, test_corpus_hostile, 0,
                        (int)(sizeof corpus_hostiles / sizeof corpus_hostiles[0]));
    tcase_add_test(tc, test_corpus_every_file);
    tcase_add_loop_test(tc, test_corpus_photos, 0,
                        (int)(sizeof corpus_photos / sizeof corpus_photos[0]));
    suite_add_tcase(s, tc);
    return s;
}

int
main(int argc, char **argv)
{
    return cs_test_main(argc, argv, transcode_photo_suite, transcode_photo_corpus_suite);
}
