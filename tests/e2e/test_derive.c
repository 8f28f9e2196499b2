/* tests/e2e/test_derive.c: archival and access copies (and a video's poster) as users meet
 * them: made by `custody ingest` and `custody serve`, listed by `custody show --json`, stored
 * as objects that `custody verify` can check, made again by `custody retranscode`, reported
 * by `custody status`, and resumed after a kill -9 without a copy recorded twice. */
#include "tests/e2e/e2e.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DONE_JOBS "SELECT count(*) FROM jobs WHERE state = 'done'"

/* Makes a clip with the ffmpeg program (test set-up only; Custody never runs it). */
static void
make_clip(e2e_t *t, char path[PATH_MAX], const char *name, const char *args)
{
    char cmd[2048];
    snprintf(path, PATH_MAX, "%s/%s", t->dir, name);
    snprintf(cmd, sizeof cmd, "ffmpeg -nostdin -loglevel error -y %s '%s'", args, path);
    ck_assert_msg(system(cmd) == 0, "could not make %s: %s", name, cmd);
}

/* The FFV1 profile for H.264 MP4 (the format policy keeps them by default, indexer/policy.h):
 * the clips of these tests get an FFV1/FLAC archival copy. */
static void
ffv1_profile(e2e_t *t)
{
    cs_run_t r;
    cs_test_custody(&r, "policy", "set", "mp4-h264", "--action", "normalise", "--target",
                    "ffv1-mkv", "--home", t->home, NULL);
    ck_assert_msg(r.status == 0, "policy set: %s", r.err);
    cs_test_run_free(&r);
}

/* The current derivative of `profile` in a `show --json` record (fails if absent). */
static json_t *
derivative(json_t *item, const char *profile)
{
    json_t *d;
    size_t i;
    json_array_foreach(json_object_get(item, "derivatives"), i, d)
    {
        if (strcmp(json_string_value(json_object_get(d, "profile")), profile) == 0)
            return d;
    }
    ck_abort_msg("no %s derivative", profile);
    return NULL;
}

static const char *
str(json_t *o, const char *key)
{
    const char *v = json_string_value(json_object_get(o, key));
    return v ? v : "";
}

START_TEST(ingest_makes_verified_archival_and_access_copies)
{
    e2e_t t;
    char clip[PATH_MAX];
    cs_run_t r;
    e2e_setup(&t);
    ffv1_profile(&t);
    make_clip(&t, clip, "clip.mp4",
              "-f lavfi -i testsrc2=size=320x240:rate=25 -f lavfi -i sine=frequency=440 -t 1 "
              "-c:v libx264 -pix_fmt yuv420p -c:a aac -shortest");
    char *sha = e2e_ingest_one(&t, clip);
    json_t *item = e2e_show(&t, sha);
    ck_assert_int_eq(json_array_size(json_object_get(item, "derivatives")), 4);
    json_t *arch = derivative(item, "archival"), *acc = derivative(item, "access");
    ck_assert_str_eq(str(arch, "status"), "verified");
    ck_assert_str_eq(str(acc, "status"), "verified");
    /* Its poster, as a photo's preview and thumbnail. */
    json_t *pv = derivative(item, "preview"), *th = derivative(item, "thumbnail");
    ck_assert_str_eq(str(pv, "status"), "verified");
    ck_assert_str_eq(str(th, "status"), "verified");
    ck_assert_str_eq(str(pv, "media_type"), "image/jpeg");
    ck_assert_str_eq(str(th, "media_type"), "image/jpeg");
    ck_assert_int_eq(json_integer_value(json_object_get(pv, "width")), 320);
    ck_assert_int_le(json_integer_value(json_object_get(th, "width")), 320);
    ck_assert_str_eq(str(arch, "media_type"), "video/x-matroska");
    ck_assert_str_eq(str(acc, "media_type"), "video/mp4");
    ck_assert_str_eq(str(json_object_get(arch, "encoders"), "video"), "ffv1");
    ck_assert_str_eq(str(json_object_get(acc, "encoders"), "video"), "libx264");
    ck_assert_int_eq(json_integer_value(json_object_get(arch, "frames")), 25);
    ck_assert_int_gt(json_integer_value(json_object_get(arch, "size")), 0);
    ck_assert_str_ne(str(arch, "sha256"), sha);
    /* Each copy is an object of the store, whose bytes hash to its name. */
    char obj[PATH_MAX];
    const char *a = str(arch, "sha256");
    snprintf(obj, sizeof obj, "%s/store/objects/sha256/%.2s/%.2s/%s", t.home, a, a + 2, a);
    struct stat st;
    ck_assert_int_eq(stat(obj, &st), 0);
    ck_assert_int_eq(st.st_size, json_integer_value(json_object_get(arch, "size")));
    ck_assert_int_eq(st.st_mode & 0777, 0444);
    /* The provenance: one "derived" event per copy, and the job went through transcoded. */
    ck_assert_int_eq(cs_test_sql_count(t.db, "SELECT count(*) FROM events WHERE kind = 'derived'"),
                     4);
    ck_assert_int_eq(cs_test_sql_count(t.db, DONE_JOBS), 1);
    /* The worker's folder is empty again. */
    char cmd[PATH_MAX + 64];
    snprintf(cmd, sizeof cmd, "test -z \"$(ls -A '%s/tmp/derive')\"", t.home);
    ck_assert_int_eq(system(cmd), 0);
    cs_test_custody(&r, "verify", "--home", t.home, "--all", NULL);
    ck_assert_msg(r.status == 0, "verify: %s %s", r.out, r.err);
    cs_test_run_free(&r);
    json_decref(item);
    free(sha);
    e2e_teardown(&t);
}
END_TEST

START_TEST(a_photo_gets_a_preview_and_a_thumbnail)
{
    e2e_t t;
    char pic[PATH_MAX];
    e2e_setup(&t);
    make_clip(&t, pic, "big.jpg", "-f lavfi -i testsrc2=size=2000x1000 -frames:v 1");
    char *sha = e2e_ingest_one(&t, pic);
    json_t *item = e2e_show(&t, sha);
    ck_assert_int_eq(json_array_size(json_object_get(item, "derivatives")), 2);
    json_t *pv = derivative(item, "preview"), *th = derivative(item, "thumbnail");
    ck_assert_str_eq(str(pv, "status"), "verified");
    ck_assert_str_eq(str(th, "status"), "verified");
    ck_assert_int_eq(json_integer_value(json_object_get(pv, "width")), 1600);
    ck_assert_int_eq(json_integer_value(json_object_get(pv, "height")), 800);
    ck_assert_int_eq(json_integer_value(json_object_get(th, "width")), 256);
    ck_assert_str_eq(str(th, "media_type"), "image/jpeg");
    json_decref(item);
    free(sha);
    e2e_teardown(&t);
}
END_TEST

START_TEST(undecodable_media_is_kept_and_its_copies_fail_with_a_reason)
{
    e2e_t t;
    char path[PATH_MAX];
    cs_run_t r;
    e2e_setup(&t);
    /* JPEG's first bytes, then nothing a decoder can use. */
    e2e_file(&t, path, "broken.jpg", "\xff\xd8\xff\xe0 this is not really a picture at all");
    char *sha = e2e_ingest_one(&t, path);
    json_t *item = e2e_show(&t, sha);
    json_t *pv = derivative(item, "preview");
    ck_assert_str_eq(str(pv, "status"), "failed");
    ck_assert_int_gt(strlen(str(pv, "reason")), 10);
    ck_assert(json_is_null(json_object_get(pv, "sha256")));
    json_decref(item);
    /* The original is kept and listed for attention. */
    ck_assert_int_eq(cs_test_sql_count(t.db, "SELECT count(*) FROM items"), 1);
    cs_test_custody(&r, "status", "--home", t.home, "--json", NULL);
    ck_assert_msg(r.status == 0, "status: %s", r.err);
    json_t *st = e2e_json(&r);
    json_t *failed = json_object_get(st, "derivatives_failed");
    ck_assert_int_eq(json_integer_value(json_object_get(failed, "count")), 1);
    ck_assert_str_eq(str(json_array_get(json_object_get(failed, "recent"), 0), "sha256"), sha);
    json_decref(st);
    cs_test_run_free(&r);
    free(sha);
    e2e_teardown(&t);
}
END_TEST

START_TEST(retranscode_supersedes_one_profile_and_keeps_the_history)
{
    e2e_t t;
    char clip[PATH_MAX];
    cs_run_t r;
    e2e_setup(&t);
    ffv1_profile(&t);
    make_clip(&t, clip, "clip.mp4",
              "-f lavfi -i testsrc2=size=320x240:rate=25 -t 1 -c:v libx264 -pix_fmt yuv420p");
    char *sha = e2e_ingest_one(&t, clip);
    json_t *before = e2e_show(&t, sha);
    char *old_access = strdup(str(derivative(before, "access"), "sha256"));
    char *old_archival = strdup(str(derivative(before, "archival"), "sha256"));
    json_decref(before);
    /* Another quality: another copy. */
    cs_test_custody(&r, "retranscode", "--home", t.home, "--json", "--set",
                    "transcode.access_crf=35", "--profile", "access", sha, NULL);
    ck_assert_msg(r.status == 0, "retranscode: %s %s", r.out, r.err);
    cs_test_run_free(&r);
    json_t *after = e2e_show(&t, sha);
    ck_assert_int_eq(json_array_size(json_object_get(after, "derivatives")), 4);
    ck_assert_str_ne(str(derivative(after, "access"), "sha256"), old_access);
    ck_assert_str_eq(str(derivative(after, "archival"), "sha256"), old_archival);
    json_t *params =
        json_object_get(json_object_get(derivative(after, "access"), "params"), "video");
    ck_assert_ptr_nonnull(params);
    json_decref(after);
    ck_assert_int_eq(
        cs_test_sql_count(t.db, "SELECT count(*) FROM derivatives WHERE superseded_at IS NOT NULL"),
        1);
    ck_assert_int_eq(cs_test_sql_count(t.db, "SELECT count(*) FROM events WHERE kind = 'derived'"),
                     5);
    /* Bad usage is named. */
    cs_test_custody(&r, "retranscode", "--home", t.home, "--profile", "proxy", sha, NULL);
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "proxy"));
    cs_test_run_free(&r);
    free(old_access);
    free(old_archival);
    free(sha);
    e2e_teardown(&t);
}
END_TEST

/* Starts `custody serve` and waits until it says it started. */
static pid_t
serve(e2e_t *t, const char *log)
{
    pid_t pid = cs_test_custody_bg(
        log, "serve", "--home", t->home, "--set", "api.listen=127.0.0.1:0", "--set",
        "ingest.settle_ms=200", "--set", "ingest.rescan_ms=300", "--set", "worker.count=1", NULL);
    for (int i = 0; i < 400; i++) {
        char *text = cs_test_read(log, NULL);
        int up = text != NULL && strstr(text, "\"service.started\"") != NULL;
        free(text);
        if (up)
            break;
        usleep(25 * 1000);
    }
    return pid;
}

START_TEST(the_service_resumes_a_killed_transcode_without_duplicates)
{
    e2e_t t;
    char clip[PATH_MAX], log[PATH_MAX], dest[PATH_MAX + 64], cmd[3 * PATH_MAX];
    e2e_setup(&t);
    ffv1_profile(&t);
    /* Long enough that the kill lands while it is being transcoded. */
    make_clip(&t, clip, "long.mp4",
              "-f lavfi -i testsrc2=size=640x360:rate=30 -f lavfi -i sine -t 12 -c:v libx264 "
              "-preset ultrafast -pix_fmt yuv420p -c:a aac -shortest");
    snprintf(log, sizeof log, "%s/serve.log", t.dir);
    pid_t pid = serve(&t, log);
    snprintf(dest, sizeof dest, "%s/uploads/%s", t.home, CASE_A);
    snprintf(cmd, sizeof cmd,
             "mkdir -p '%s' && cp '%s' '%s/long.mp4.part' && mv '%s/long.mp4.part' "
             "'%s/long.mp4'",
             dest, clip, dest, dest, dest);
    ck_assert_int_eq(system(cmd), 0);
    /* Killed while transcoding: the job is extracted, its copies half-written. */
    ck_assert_int_eq(
        cs_test_wait_count(t.db, "SELECT count(*) FROM jobs WHERE state = 'extracted'", 1, 30000),
        1);
    usleep(300 * 1000);
    char status_path[PATH_MAX + 32];
    snprintf(status_path, sizeof status_path, "%s/tmp/status.json", t.home);
    char *status = cs_test_read(status_path, NULL);
    ck_assert_ptr_nonnull(status);
    ck_assert_ptr_nonnull(strstr(status, "long.mp4"));
    free(status);
    cs_test_stop(pid, SIGKILL);
    ck_assert_int_eq(cs_test_sql_count(t.db, "SELECT count(*) FROM derivatives"), 0);
    pid = serve(&t, log);
    ck_assert_int_eq(cs_test_wait_count(t.db, DONE_JOBS, 1, 120000), 1);
    ck_assert_int_eq(cs_test_stop(pid, SIGTERM), 0);
    /* archival, access, and the poster's preview and thumbnail */
    ck_assert_int_eq(cs_test_sql_count(t.db, "SELECT count(*) FROM derivatives"), 4);
    ck_assert_int_eq(
        cs_test_sql_count(t.db, "SELECT count(*) FROM derivatives WHERE status = 'verified'"), 4);
    ck_assert_int_eq(cs_test_sql_count(t.db, "SELECT count(*) FROM items"), 1);
    snprintf(cmd, sizeof cmd, "test -z \"$(ls -A '%s/tmp/derive')\"", t.home);
    ck_assert_int_eq(system(cmd), 0);
    e2e_teardown(&t);
}
END_TEST

static Suite *
suite(void)
{
    Suite *s = suite_create("derive");
    TCase *tc = tcase_create("derive");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, ingest_makes_verified_archival_and_access_copies);
    tcase_add_test(tc, a_photo_gets_a_preview_and_a_thumbnail);
    tcase_add_test(tc, undecodable_media_is_kept_and_its_copies_fail_with_a_reason);
    tcase_add_test(tc, retranscode_supersedes_one_profile_and_keeps_the_history);
    tcase_add_test(tc, the_service_resumes_a_killed_transcode_without_duplicates);
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
