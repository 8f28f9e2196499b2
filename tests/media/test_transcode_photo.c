/* tests/media/test_transcode_photo.c: a photo's preview and thumbnail as a user would find
 * them: a big JPEG, a thumbnail alone, quality, lossless JPEG, an output folder gone, and the
 * wide run (`corpus`) over real photos and every file of the corpus. Turned pictures:
 * test_transcode_photo_orient.c; other formats: test_transcode_photo_formats.c; hostile
 * files: test_transcode_photo_hostile.c. */
#include "tests/media/photo_util.h"

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
    tcase_add_checked_fixture(tc, photo_setup, photo_teardown);
    tcase_add_test(tc, test_big_jpeg);
    tcase_add_test(tc, test_thumbnail_alone);
    tcase_add_test(tc, test_lossless_jpeg);
    tcase_add_test(tc, test_quality);
    tcase_add_test(tc, test_out_dir_gone);
    suite_add_tcase(s, tc);
    return s;
}

static Suite *
transcode_photo_corpus_suite(void)
{
    Suite *s = suite_create("transcode_photo_corpus");
    TCase *tc = tcase_create("corpus");
    tcase_add_checked_fixture(tc, photo_setup, photo_teardown);
    tcase_add_loop_test(tc, test_corpus_photos, 0,
                        (int)(sizeof corpus_photos / sizeof corpus_photos[0]));
    tcase_add_test(tc, test_corpus_every_file);
    suite_add_tcase(s, tc);
    return s;
}

int
main(int argc, char **argv)
{
    return cs_test_main(argc, argv, transcode_photo_suite, transcode_photo_corpus_suite);
}
