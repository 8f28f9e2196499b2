/* tests/media/test_transcode_photo_formats.c: a photo's preview and thumbnail from each
 * picture format the engine takes. */
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

static Suite *
transcode_photo_formats_suite(void)
{
    Suite *s = suite_create("transcode_photo_formats");
    TCase *tc = tcase_create("transcode_photo_formats");
    tcase_add_checked_fixture(tc, photo_setup, photo_teardown);
    tcase_add_loop_test(tc, test_formats, 0, (int)(sizeof fmt_cases / sizeof fmt_cases[0]));
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(transcode_photo_formats_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
