/* tests/media/test_transcode_photo_orient.c: photos turned by their EXIF orientation: a big
 * turned JPEG, and the wide run (`corpus`) over the corpus's eight orientations against an
 * oracle. */
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

/* ---- EXIF orientation: the corpus's landscape_N / portrait_N, one for each of 1..8 ------ */

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

static Suite *
transcode_photo_orient_suite(void)
{
    Suite *s = suite_create("transcode_photo_orient");
    TCase *tc = tcase_create("transcode_photo_orient");
    tcase_add_checked_fixture(tc, photo_setup, photo_teardown);
    tcase_add_test(tc, test_big_turned);
    suite_add_tcase(s, tc);
    return s;
}

static Suite *
transcode_photo_orient_corpus_suite(void)
{
    Suite *s = suite_create("transcode_photo_orient_corpus");
    TCase *tc = tcase_create("corpus");
    tcase_add_checked_fixture(tc, photo_setup, photo_teardown);
    tcase_add_loop_test(tc, test_orientation, 0, 16);
    suite_add_tcase(s, tc);
    return s;
}

int
main(int argc, char **argv)
{
    return cs_test_main(argc, argv, transcode_photo_orient_suite,
                        transcode_photo_orient_corpus_suite);
}
