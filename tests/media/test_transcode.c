/* tests/media/test_transcode.c: the archival and access copies of recordings of each kind, as
 * a user of them would find them: read back here with libavformat and libavcodec (not with the
 * engine's own reader), counted against the source decoded here too. Clips are made at test
 * time with ffmpeg(1) and lavfi, and the wide run (`corpus`) takes real recordings. What
 * verification catches: test_transcode_verify.c; broken input: test_transcode_broken.c. */
#include "tests/media/transcode_util.h"

#include "core/error.h"
#include "tests/support/testutil.h"
#include "tests/support/corpus.h"

#include <check.h>
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
