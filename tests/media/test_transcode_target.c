/* tests/media/test_transcode_target.c: the format policy's archival targets (transcode.h's
 * archival_target): an MJPEG AVI and an HEVC clip become H.264 High in MP4 with every frame at
 * its own time, verified; a HEIC photo becomes one full-size JPEG; AAC sound becomes WAV. */
#include "tests/media/transcode_util.h"

#include "core/error.h"
#include "tests/support/testutil.h"

#include <check.h>
#include <libavformat/avformat.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define IPHONE CUSTODY_TEST_DATA "/heic/IMG_5195.HEIC"

static cs_transcode_opts_t
h264_options(const char *dir)
{
    cs_transcode_opts_t o = options(dir, NULL);
    o.want_access = 0;
    o.want_preview = 0;
    o.want_thumbnail = 0;
    o.archival_target = "h264";
    o.archival_crf = 18;
    o.archival_preset = "ultrafast"; /* the policy's "slow" is the same stream, slower */
    o.archival_audio_kbps = 256;
    return o;
}

/* The archival copy of `src_path` is H.264 High + AAC in MP4 with the source's frames, size
 * and timing. */
static void
assert_h264_archival(const char *dir, const char *src_path, const char *type)
{
    cs_transcode_opts_t o = h264_options(dir);
    media_t src, a;
    probe(src_path, &src);
    json_t *res = transcode(src_path, type, &o);
    json_t *arch = output(res, "archival");
    ck_assert_msg(strcmp(str(arch, "status"), "verified") == 0, "%s: %s", src_path,
                  str(arch, "reason"));
    ck_assert_str_eq(str(arch, "media_type"), "video/mp4");
    ck_assert_str_eq(str(json_object_get(arch, "encoders"), "video"), "libx264");
    ck_assert_str_eq(str(json_object_get(arch, "encoders"), "audio"), "aac");
    json_t *vp = json_object_get(json_object_get(arch, "params"), "video");
    ck_assert_str_eq(str(vp, "profile"), "high");
    ck_assert_int_eq(num(vp, "crf"), 18);
    ck_assert_int_eq(num(json_object_get(json_object_get(arch, "params"), "audio"), "b"), 256000);
    const char *path = verified(arch, dir, "mp4");
    probe(path, &a);
    ck_assert_str_eq(a.vcodec, "h264");
    ck_assert_int_eq(a.width, src.width);
    ck_assert_int_eq(a.height, src.height);
    ck_assert_int_eq(a.frames, src.frames);
    ck_assert_int_eq(num(arch, "frames"), src.frames);
    /* Every picture at its own time: the steps between them are the source's. */
    ck_assert_int_eq(a.nb_steps, src.nb_steps);
    for (int i = 0; i < a.nb_steps; i++)
        ck_assert_msg(fabs(a.steps[i] - src.steps[i]) < 0.0005, "step %d: %.4f s, source %.4f s", i,
                      a.steps[i], src.steps[i]);
    ck_assert_msg(fabs(a.duration - src.duration) < 0.05, "lasts %.3f s, source %.3f s", a.duration,
                  src.duration);
    json_decref(res);
}

START_TEST(mjpeg_avi_becomes_verified_h264_mp4)
{
    char *dir = cs_test_tmpdir(), src[4096];
    snprintf(src, sizeof src, "%s/cam.avi", dir);
    make_clip(src, "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30", "-f", "lavfi", "-i",
              "sine=frequency=440:sample_rate=48000", "-t", "1", "-c:v", "mjpeg", "-q:v", "5",
              "-c:a", "pcm_s16le", "-f", "avi", NULL);
    assert_h264_archival(dir, src, "video/x-msvideo");
    cs_test_rmrf(dir);
    free(dir);
}
END_TEST

START_TEST(hevc_becomes_verified_h264_mp4)
{
    char *dir = cs_test_tmpdir(), src[4096];
    snprintf(src, sizeof src, "%s/phone.mp4", dir);
    make_clip(src, "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-f", "lavfi", "-i",
              "sine=frequency=440:sample_rate=48000", "-t", "1", "-c:v", "libx265", "-preset",
              "ultrafast", "-x265-params", "log-level=none", "-pix_fmt", "yuv420p", "-c:a", "aac",
              "-tag:v", "hvc1", NULL);
    assert_h264_archival(dir, src, "video/mp4");
    cs_test_rmrf(dir);
    free(dir);
}
END_TEST

START_TEST(heic_becomes_one_full_size_jpeg)
{
    char *dir = cs_test_tmpdir();
    cs_transcode_opts_t o = options(dir, NULL);
    o.want_access = 0;
    o.want_preview = 1;
    o.archival_target = "jpeg";
    o.archival_qscale = 2;
    json_t *res = transcode(IPHONE, "image/heic", &o);
    json_t *arch = output(res, "archival"), *prev = output(res, "preview");
    ck_assert_msg(strcmp(str(arch, "status"), "verified") == 0, "%s", str(arch, "reason"));
    ck_assert_str_eq(str(arch, "media_type"), "image/jpeg");
    const char *path = verified(arch, dir, "jpg");
    ck_assert(access(path, R_OK) == 0);
    /* Full size: larger than the preview's bound, which the preview keeps to. */
    ck_assert_int_gt(num(arch, "width") > num(arch, "height") ? num(arch, "width")
                                                              : num(arch, "height"),
                     o.preview_px);
    ck_assert_int_eq(num(json_object_get(json_object_get(arch, "params"), "video"), "qscale"), 2);
    ck_assert_str_eq(str(prev, "status"), "verified");
    json_decref(res);
    cs_test_rmrf(dir);
    free(dir);
}
END_TEST

/* Sound in another format (AAC in M4A) becomes WAV: PCM at the source's rate, as long. */
START_TEST(aac_becomes_verified_wav)
{
    char *dir = cs_test_tmpdir(), src[4096];
    snprintf(src, sizeof src, "%s/voice.m4a", dir);
    make_clip(src, "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100", "-t", "1.5", "-c:a",
              "aac", NULL);
    cs_transcode_opts_t o = options(dir, NULL);
    o.want_access = 0;
    o.archival_target = "wav";
    media_t a;
    json_t *res = transcode(src, "audio/mp4", &o);
    json_t *arch = output(res, "archival");
    ck_assert_msg(strcmp(str(arch, "status"), "verified") == 0, "%s", str(arch, "reason"));
    ck_assert_str_eq(str(arch, "media_type"), "audio/wav");
    ck_assert_str_eq(str(json_object_get(arch, "encoders"), "audio"), "pcm_s24le");
    probe(verified(arch, dir, "wav"), &a);
    ck_assert_str_eq(a.acodec, "pcm_s24le");
    ck_assert_msg(fabs(a.duration - 1.5) < 0.05, "lasts %.3f s", a.duration);
    json_decref(res);
    cs_test_rmrf(dir);
    free(dir);
}
END_TEST

static Suite *
transcode_target_suite(void)
{
    Suite *s = suite_create("transcode_target");
    TCase *tc = tcase_create("transcode_target");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, mjpeg_avi_becomes_verified_h264_mp4);
    tcase_add_test(tc, hevc_becomes_verified_h264_mp4);
    tcase_add_test(tc, heic_becomes_one_full_size_jpeg);
    tcase_add_test(tc, aac_becomes_verified_wav);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    av_log_set_level(AV_LOG_FATAL);
    SRunner *sr = srunner_create(transcode_target_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
