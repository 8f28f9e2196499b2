/* tests/e2e/test_camera.c: camcorder recordings as a clerk meets them. A real AVCHD clip's
 * capture time and make come from its H.264 camera metadata (MDPM) through `custody ingest`
 * and `custody show`; an AVCHD-like 1080i recording (M2TS, AC-3) gets an access copy that
 * verifies (H.264 + AAC in MP4: what browsers play), deinterlaced, and a poster. */
#include "tests/e2e/e2e.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CLIP CUSTODY_TEST_DATA "/exiftool/M2TS.mts"

static const char *
str(json_t *o, const char *key)
{
    const char *v = json_string_value(json_object_get(o, key));
    return v ? v : "";
}

/* Ingests `path` into CASE_A and returns `custody show --json` of it. */
static json_t *
ingest_and_show(e2e_t *t, const char *path)
{
    cs_run_t r;
    cs_test_custody(&r, "ingest", "--home", t->home, "--case", CASE_A, "--json", path, NULL);
    ck_assert_msg(r.status == 0 || r.status == 2, "ingest: %s", r.err);
    json_t *line = e2e_json(&r);
    char *sha = strdup(str(line, "sha256"));
    json_decref(line);
    cs_test_run_free(&r);
    cs_test_custody(&r, "show", "--purpose", "e2e check", "--home", t->home, "--json", sha, NULL);
    ck_assert_msg(r.status == 0, "show: %s", r.err);
    json_t *item = e2e_json(&r);
    cs_test_run_free(&r);
    free(sha);
    return item;
}

static const char *
derivative_status(json_t *item, const char *profile)
{
    json_t *d;
    size_t i;
    json_array_foreach(json_object_get(item, "derivatives"), i, d)
    {
        if (strcmp(str(d, "profile"), profile) == 0)
            return str(d, "status");
    }
    return "absent";
}

START_TEST(an_avchd_clip_shows_the_cameras_time_and_make)
{
    e2e_t t;
    e2e_setup(&t);
    json_t *item = ingest_and_show(&t, CLIP);
    char *text = json_dumps(item, JSON_COMPACT);
    /* ExifTool: H264:DateTimeOriginal 2008:12:31 23:16:24+01:00, Make 4113 (Canon) */
    ck_assert_msg(strstr(text, "\"captured_at\":\"2008-12-31T23:16:24+01:00\"") != NULL,
                  "no camera time: %s", text);
    ck_assert_msg(strstr(text, "h264:MDPM.DateTimeOriginal") != NULL, "no source: %s", text);
    ck_assert_msg(strstr(text, "\"make\":\"Canon\"") != NULL, "no make: %s", text);
    free(text);
    json_decref(item);
    e2e_teardown(&t);
}
END_TEST

START_TEST(a_1080i_m2ts_recording_gets_a_playable_copy_and_a_poster)
{
    e2e_t t;
    char path[512], cmd[1024];
    e2e_setup(&t);
    snprintf(path, sizeof path, "%s/cam.mts", t.dir);
    snprintf(cmd, sizeof cmd,
             "ffmpeg -v error -y -f lavfi -i testsrc2=size=1920x1080:rate=25 -f lavfi -i "
             "sine=frequency=440:sample_rate=48000 -t 2 -c:v libx264 -preset ultrafast "
             "-flags +ildct+ilme -x264opts tff=1 -pix_fmt yuv420p -c:a ac3 -ac 2 -f mpegts "
             "-mpegts_m2ts_mode 1 '%s'",
             path);
    ck_assert_int_eq(system(cmd), 0);
    json_t *item = ingest_and_show(&t, path);
    ck_assert_str_eq(derivative_status(item, "access"), "verified");
    ck_assert_str_eq(derivative_status(item, "archival"), "verified");
    ck_assert_str_eq(derivative_status(item, "preview"), "verified");
    ck_assert_str_eq(derivative_status(item, "thumbnail"), "verified");
    json_decref(item);
    e2e_teardown(&t);
}
END_TEST

static Suite *
suite(void)
{
    Suite *s = suite_create("camera");
    TCase *tc = tcase_create("camera");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, an_avchd_clip_shows_the_cameras_time_and_make);
    tcase_add_test(tc, a_1080i_m2ts_recording_gets_a_playable_copy_and_a_poster);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
