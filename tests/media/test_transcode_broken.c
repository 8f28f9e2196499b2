/* tests/media/test_transcode_broken.c: recordings' copies from broken input: corrupt packets,
 * the broken samples of tests/data, and hostile or odd calls of the engine. */
#include "tests/media/transcode_util.h"

#include "core/error.h"
#include "tests/support/testutil.h"

#include <check.h>
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

static Suite *
transcode_broken_suite(void)
{
    Suite *s = suite_create("transcode_broken");
    TCase *tc = tcase_create("transcode_broken");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, corrupt_packets);
    tcase_add_test(tc, broken_samples);
    tcase_add_test(tc, hostile_and_odd_calls);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    av_log_set_level(AV_LOG_FATAL); /* broken inputs are the point of some tests */
    SRunner *sr = srunner_create(transcode_broken_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
