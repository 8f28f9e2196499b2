/* tests/e2e/test_policy_profile.c: the format policy matches on the codec profile (issue 25,
 * part 1: "one row per source format as the worker identifies it (container, codecs,
 * profile)"): the metadata record names each stream's profile; an archivist who keeps only
 * H.264 High profile MP4 (`custody policy set mp4-h264 --profile High`, ledgered with the
 * profile before and after) gets a Baseline MP4 normalised to H.264 High by the next row, and
 * each decision names its row and the profile it saw; an admin sets the same through PUT
 * /v1/policy. */
#include "tests/e2e/e2e_api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A 1-second H.264 MP4 of `profile`; not ultrafast, whose High is in fact Constrained
 * Baseline (x264 names the least profile the stream uses). */
static void
make_clip(e2e_t *t, char path[PATH_MAX], const char *name, const char *profile)
{
    char cmd[2048];
    snprintf(path, PATH_MAX, "%s/%s", t->dir, name);
    snprintf(cmd, sizeof cmd,
             "ffmpeg -nostdin -loglevel error -y -f lavfi -i testsrc2=size=320x240:rate=25 -t 1 "
             "-c:v libx264 -profile:v %s -preset veryfast -pix_fmt yuv420p '%s'",
             profile, path);
    ck_assert_msg(system(cmd) == 0, "could not make %s: %s", name, cmd);
}

static const char *
str(json_t *o, const char *key)
{
    const char *v = json_string_value(json_object_get(o, key));
    return v ? v : "";
}

/* The profile of the record's first video stream, or "". */
static const char *
stream_profile(json_t *item)
{
    json_t *streams =
        json_object_get(json_object_get(json_object_get(item, "metadata"), "media"), "streams");
    json_t *s;
    size_t i;
    json_array_foreach(streams, i, s)
    {
        if (strcmp(str(s, "type"), "video") == 0)
            return str(s, "profile");
    }
    return "";
}

/* The item's archival derivative, or NULL. */
static json_t *
archival(json_t *item)
{
    json_t *d;
    size_t i;
    json_array_foreach(json_object_get(item, "derivatives"), i, d)
    {
        if (strcmp(str(d, "profile"), "archival") == 0)
            return d;
    }
    return NULL;
}

START_TEST(only_high_profile_h264_mp4_is_kept)
{
    e2e_t t;
    char high[PATH_MAX], base[PATH_MAX];
    cs_run_t r;
    e2e_setup(&t);
    make_clip(&t, high, "high.mp4", "high");
    make_clip(&t, base, "baseline.mp4", "baseline");

    /* The archivist keeps H.264 MP4 only in High profile; the action stays keep. */
    cs_test_custody(&r, "policy", "set", "mp4-h264", "--profile", "High", "--reason",
                    "the archive takes High profile only", "--home", t.home, NULL);
    ck_assert_msg(r.status == 0, "policy set: %s", r.err);
    ck_assert_ptr_nonnull(strstr(r.out, "profile High"));
    cs_test_run_free(&r);
    cs_test_custody(&r, "policy", "show", "mp4-h264", "--json", "--home", t.home, NULL);
    ck_assert_int_eq(r.status, 0);
    json_t *row = e2e_json(&r);
    ck_assert_str_eq(str(row, "profile"), "High");
    ck_assert_str_eq(str(row, "action"), "keep");
    ck_assert_int_eq(json_integer_value(json_object_get(row, "version")), 2);
    json_decref(row);
    cs_test_run_free(&r);
    cs_test_custody(&r, "policy", "show", "mp4-h264", "--home", t.home, NULL);
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "profile High"));
    cs_test_run_free(&r);
    cs_test_custody(&r, "policy", "list", "--json", "--home", t.home, NULL);
    ck_assert_int_eq(r.status, 0);
    json_t *all = e2e_json(&r);
    ck_assert_str_eq(str(json_array_get(json_object_get(all, "rows"), 1), "profile"), "*");
    json_decref(all);
    cs_test_run_free(&r);
    cs_test_custody(&r, "policy", "list", "--home", t.home, NULL);
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "H.264/AAC in MP4 (profile High)"));
    cs_test_run_free(&r);
    ck_assert_int_eq(cs_test_sql_count(t.db, "SELECT count(*) FROM ledger WHERE"
                                             " entry ->> '$.action' = 'policy.set'"
                                             " AND entry ->> '$.before.profile' = '*'"
                                             " AND entry ->> '$.after.profile' = 'High'"
                                             " AND entry ->> '$.after.action' = 'keep'"),
                     1);
    /* A pattern with an empty part is refused, saying why. */
    cs_test_custody(&r, "policy", "set", "mp4-h264", "--profile", "High,", "--home", t.home, NULL);
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "profile pattern"));
    cs_test_run_free(&r);

    char *s_high = e2e_ingest_one(&t, high), *s_base = e2e_ingest_one(&t, base);
    json_t *item = e2e_show(&t, s_high);
    ck_assert_str_eq(stream_profile(item), "High");
    json_t *d = json_object_get(item, "archival_decision");
    ck_assert_str_eq(str(d, "action"), "keep");
    ck_assert_str_eq(str(d, "policy_row"), "mp4-h264");
    ck_assert_str_eq(str(d, "outcome"), "kept");
    ck_assert_int_eq(json_integer_value(json_object_get(d, "policy_version")), 2);
    ck_assert_str_eq(str(json_object_get(d, "format"), "profile"), "High");
    ck_assert_ptr_null(archival(item));
    json_decref(item);

    item = e2e_show(&t, s_base);
    ck_assert_str_eq(stream_profile(item), "Constrained Baseline");
    d = json_object_get(item, "archival_decision");
    ck_assert_str_eq(str(d, "action"), "normalise");
    ck_assert_str_eq(str(d, "policy_row"), "video-other");
    ck_assert_str_eq(str(d, "target"), "h264-high-mp4");
    ck_assert_str_eq(str(d, "outcome"), "verified");
    ck_assert_str_eq(str(json_object_get(d, "format"), "profile"), "Constrained Baseline");
    json_t *a = archival(item);
    ck_assert_ptr_nonnull(a);
    ck_assert_str_eq(str(a, "status"), "verified");
    ck_assert_str_eq(str(a, "media_type"), "video/mp4");
    ck_assert_str_eq(str(json_object_get(json_object_get(a, "params"), "video"), "profile"),
                     "high");
    ck_assert_int_eq(json_integer_value(json_object_get(a, "frames")), 25);
    json_decref(item);
    free(s_high);
    free(s_base);
    e2e_teardown(&t);
}
END_TEST

START_TEST(an_admin_sets_the_profile_through_the_api)
{
    api_t a;
    resp_t r;
    api_setup(&a);
    http(&a, &r, "PUT", "/v1/policy", a.root, "archive rules", NULL,
         "{\"key\":\"mp4-h264\",\"profile\":\"\"}");
    assert_problem(&r, 400, "bad-request");
    resp_free(&r);
    http(&a, &r, "PUT", "/v1/policy", a.root, "archive rules", NULL, "{\"key\":\"mp4-h264\"}");
    assert_problem(&r, 400, "bad-request");
    resp_free(&r);
    http(&a, &r, "PUT", "/v1/policy", a.root, "archive rules", NULL,
         "{\"key\":\"mp4-h264\",\"profile\":\"High,Main\"}");
    ck_assert_int_eq(r.status, 200);
    json_t *p = body_json(&r);
    json_t *row = json_object_get(p, "row");
    ck_assert_str_eq(str(row, "profile"), "High,Main");
    ck_assert_str_eq(str(row, "action"), "keep");
    json_decref(p);
    resp_free(&r);
    http(&a, &r, "GET", "/v1/policy", a.dave, NULL, NULL, NULL);
    ck_assert_int_eq(r.status, 200);
    p = body_json(&r);
    ck_assert_str_eq(str(json_array_get(json_object_get(p, "rows"), 0), "profile"), "High,Main");
    json_decref(p);
    resp_free(&r);
    ck_assert_int_eq(cs_test_sql_count(a.t.db, "SELECT count(*) FROM ledger WHERE"
                                               " entry ->> '$.action' = 'policy.set'"
                                               " AND entry ->> '$.actor' = 'root'"
                                               " AND entry ->> '$.after.profile' = 'High,Main'"),
                     1);
    api_teardown(&a);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("policy_profile");
    TCase *tc = tcase_create("policy_profile");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, only_high_profile_h264_mp4_is_kept);
    tcase_add_test(tc, an_admin_sets_the_profile_through_the_api);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
