/* tests/media/test_transcode_avchd.c: AVCHD-like recordings (interlaced H.264 with AC-3 or
 * Blu-ray PCM audio in M2TS, as camcorders write them) get an access copy that verifies, is
 * deinterlaced, and lasts as long as the source. */
#include "tests/media/transcode_util.h"

#include "core/error.h"
#include "tests/support/testutil.h"

#include <check.h>
#include <libavformat/avformat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The access copy of each: verified, progressive, as many frames as the source. */
START_TEST(avchd_access_verifies)
{
    /* The sound starts just before the pictures (as ffmpeg writes it), or 0.3 s after. */
    static const char *const audio[] = {"ac3", "pcm_bluray", "ac3"};
    static const char *const late[] = {"0", "0", "0.3"};
    char *dir = cs_test_tmpdir(), src_path[4096];
    for (size_t i = 0; i < sizeof audio / sizeof audio[0]; i++) {
        snprintf(src_path, sizeof src_path, "%s/in_%zu.mts", dir, i);
        make_clip(src_path, "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25", "-itsoffset",
                  late[i], "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", "1.2",
                  "-c:v", "libx264", "-flags", "+ildct+ilme", "-x264opts", "tff=1", "-pix_fmt",
                  "yuv420p", "-b:v", "2M", "-c:a", audio[i], "-ac", "2", "-f", "mpegts",
                  "-mpegts_m2ts_mode", "1", NULL);
        cs_transcode_opts_t o = options(dir, NULL);
        o.want_archival = 0;
        media_t src, a;
        probe(src_path, &src);
        json_t *res = transcode(src_path, "video/mp2t", &o);
        json_t *acc = output(res, "access");
        ck_assert_msg(strcmp(str(acc, "status"), "verified") == 0, "%s: access copy: %s", audio[i],
                      str(acc, "reason"));
        assert_access(acc, dir, &src, &a);
        /* It starts at 0, as a browser's player does, not at the camera's clock. */
        AVFormatContext *fmt = NULL;
        ck_assert_int_eq(avformat_open_input(&fmt, str(acc, "path"), NULL, NULL), 0);
        ck_assert(avformat_find_stream_info(fmt, NULL) >= 0);
        ck_assert_msg(fmt->start_time >= 0 && fmt->start_time < AV_TIME_BASE / 20,
                      "%s: the access copy starts at %.3f s", audio[i],
                      fmt->start_time / (double)AV_TIME_BASE);
        avformat_close_input(&fmt);
        ck_assert_msg(strstr(str(json_object_get(acc, "params"), "filters"), "yadif") != NULL ||
                          strstr(str(json_object_get(acc, "params"), "filters"), "bwdif") != NULL,
                      "%s: not deinterlaced: %s", audio[i],
                      str(json_object_get(acc, "params"), "filters"));
        json_decref(res);
    }
    cs_test_rmrf(dir);
    free(dir);
}
END_TEST

/* A 1344-byte piece of a real camera's M2TS (ExifTool's test file): one fragment of a picture
 * and an AC-3 frame cut short. The copies fail saying what was read and why nothing plays. */
START_TEST(m2ts_fragment_says_why)
{
    const char *path = CORPUS_FILES "/exiftool/t/images/M2TS.mts";
    if (access(path, R_OK) != 0)
        return; /* no corpus here: the corpus run has it */
    char *dir = cs_test_tmpdir();
    cs_transcode_opts_t o = options(dir, NULL);
    json_t *res = transcode(path, "video/mp2t", &o);
    const char *why = str(output(res, "access"), "reason");
    ck_assert_str_eq(str(output(res, "access"), "status"), "failed");
    ck_assert_msg(strstr(why, "no picture of the source could be decoded: its video stream (h264) "
                              "has 1 packet of ") != NULL &&
                      strstr(why, "the audio stream (ac3) holds nothing") != NULL,
                  "reason: %s", why);
    json_decref(res);
    cs_test_rmrf(dir);
    free(dir);
}
END_TEST

static Suite *
transcode_avchd_suite(void)
{
    Suite *s = suite_create("transcode_avchd");
    TCase *tc = tcase_create("transcode_avchd");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, avchd_access_verifies);
    tcase_add_test(tc, m2ts_fragment_says_why);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    av_log_set_level(AV_LOG_FATAL);
    SRunner *sr = srunner_create(transcode_avchd_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
