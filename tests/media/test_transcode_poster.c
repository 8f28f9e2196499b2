/* tests/media/test_transcode_poster.c: every video gets a poster, "preview" and "thumbnail"
 * JPEGs of a picture from its first seconds that is not black, turned upright. */
#include "tests/media/transcode_util.h"

#include "core/error.h"
#include "tests/support/testutil.h"

#include <check.h>
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Decodes the JPEG at path: its size and the mean of its luma (0..255). */
static double
mean_luma(const char *path, int *w, int *h)
{
    AVFormatContext *fmt = NULL;
    AVCodecContext *dec = NULL;
    AVPacket *pkt = av_packet_alloc();
    AVFrame *f = av_frame_alloc();
    const AVCodec *c;
    double sum = 0;

    ck_assert_int_eq(avformat_open_input(&fmt, path, NULL, NULL), 0);
    ck_assert(avformat_find_stream_info(fmt, NULL) >= 0);
    ck_assert_int_eq(fmt->streams[0]->codecpar->codec_id, AV_CODEC_ID_MJPEG);
    ck_assert_ptr_nonnull(c = avcodec_find_decoder(AV_CODEC_ID_MJPEG));
    ck_assert_ptr_nonnull(dec = avcodec_alloc_context3(c));
    ck_assert(avcodec_parameters_to_context(dec, fmt->streams[0]->codecpar) >= 0);
    ck_assert_int_eq(avcodec_open2(dec, c, NULL), 0);
    ck_assert_int_eq(av_read_frame(fmt, pkt), 0);
    ck_assert_int_eq(avcodec_send_packet(dec, pkt), 0);
    ck_assert_int_eq(avcodec_receive_frame(dec, f), 0);
    *w = f->width;
    *h = f->height;
    for (int y = 0; y < f->height; y++)
        for (int x = 0; x < f->width; x++)
            sum += f->data[0][y * f->linesize[0] + x];
    av_frame_free(&f);
    av_packet_free(&pkt);
    avcodec_free_context(&dec);
    avformat_close_input(&fmt);
    return sum / ((double)*w * *h);
}

static json_t *
posters(const char *src, const char *dir)
{
    cs_transcode_opts_t o = options(dir, NULL);
    o.want_archival = 0;
    o.want_access = 0;
    o.want_preview = 1;
    o.want_thumbnail = 1;
    o.preview_px = 640;
    o.thumbnail_px = 160;
    json_t *res = transcode(src, "video/mp4", &o);
    ck_assert_str_eq(str(res, "kind"), "video");
    return res;
}

/* One second of black, then a test pattern: the poster is of the pattern, not black. */
START_TEST(poster_not_black)
{
    char *dir = cs_test_tmpdir(), src[4096];
    int w, h;
    snprintf(src, sizeof src, "%s/in.mp4", dir);
    make_clip(src, "-filter_complex",
              "color=c=black:s=320x240:r=25:d=1[a];testsrc2=s=320x240:r=25:d=2[b];"
              "[a][b]concat=n=2:v=1:a=0,format=yuv420p",
              "-c:v", "libx264", NULL);
    json_t *res = posters(src, dir);
    for (int i = 0; i < 2; i++) {
        json_t *out = output(res, i == 0 ? "preview" : "thumbnail");
        const char *path = verified(out, dir, "jpg");
        ck_assert_str_eq(str(out, "media_type"), "image/jpeg");
        double luma = mean_luma(path, &w, &h);
        ck_assert_msg(luma > 60, "%s: mean luma %.1f: a black poster", str(out, "profile"), luma);
        ck_assert_int_eq(w, i == 0 ? 320 : 160);
        ck_assert_int_eq(h, i == 0 ? 240 : 120);
        double at = json_real_value(
            json_object_get(json_object_get(json_object_get(out, "params"), "video"), "poster_s"));
        ck_assert_msg(at >= 1.0 && at <= 1.6, "poster at %.2f s", at);
    }
    json_decref(res);
    cs_test_rmrf(dir);
    free(dir);
}
END_TEST

/* All black: the first picture is the poster all the same. A quarter turn shows upright. */
START_TEST(poster_fallback_and_turned)
{
    char *dir = cs_test_tmpdir(), src[4096];
    int w, h;
    snprintf(src, sizeof src, "%s/in.mp4", dir);
    make_clip(src, "-f", "lavfi", "-i", "color=c=black:s=320x240:r=25:d=1", "-c:v", "libx264",
              "-pix_fmt", "yuv420p", NULL);
    rotate_mp4(src);
    json_t *res = posters(src, dir);
    json_t *out = output(res, "thumbnail");
    double luma = mean_luma(verified(out, dir, "jpg"), &w, &h);
    ck_assert_msg(luma < 40, "mean luma %.1f", luma);
    ck_assert_int_eq(w, 120); /* 240x320 upright, in 160 */
    ck_assert_int_eq(h, 160);
    ck_assert_int_eq(num(out, "rotation"), 0);
    json_decref(res);
    cs_test_rmrf(dir);
    free(dir);
}
END_TEST

static Suite *
transcode_poster_suite(void)
{
    Suite *s = suite_create("transcode_poster");
    TCase *tc = tcase_create("transcode_poster");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, poster_not_black);
    tcase_add_test(tc, poster_fallback_and_turned);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    av_log_set_level(AV_LOG_FATAL);
    SRunner *sr = srunner_create(transcode_poster_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
