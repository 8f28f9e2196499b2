/* tests/media/test_extract_avi.c: an AVI's duration is its pictures' (its header's frame count
 * over its rate, as ExifTool and players state it), not the end of a sound track that runs on
 * past the last picture, as a camera's often does. */
#include "media/extract.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

START_TEST(avi_duration_is_the_pictures)
{
    char dir[] = "/tmp/cs-avi-XXXXXX", path[64], cmd[512];
    json_t *rec = NULL;
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/cam.avi", dir);
    /* 2 s of pictures at 10 fps, 3 s of sound */
    snprintf(cmd, sizeof cmd,
             "ffmpeg -v error -y -f lavfi -i testsrc2=size=64x48:rate=10:duration=2 -f lavfi -i "
             "sine=duration=3:sample_rate=8000 -c:v mjpeg -c:a pcm_s16le '%s'",
             path);
    ck_assert_int_eq(system(cmd), 0);
    ck_assert_int_eq(cs_extract_file(path, "video/x-msvideo", NULL, &rec), 0);
    double d = json_real_value(json_object_get(json_object_get(rec, "media"), "duration_s"));
    ck_assert_msg(d > 1.95 && d < 2.05, "duration %.3f s, want the pictures' 2 s", d);
    json_decref(rec);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("extract_avi");
    TCase *tc = tcase_create("extract_avi");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, avi_duration_is_the_pictures);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
