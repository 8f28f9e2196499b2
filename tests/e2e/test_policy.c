/* tests/e2e/test_policy.c: the format policy as an archivist meets it (issue 25, part 1): a
 * body-camera H.264 MP4 is kept with no second archival copy and its decision names the row
 * that kept it; an MJPEG AVI and an HEVC clip get a verified H.264 MP4 archival copy with the
 * source's frames; a HEIC photo a JPEG one; `custody policy set` (admins only, ledgered) and
 * `custody retranscode --all` apply a changed policy to what came before. */
#include "tests/e2e/e2e.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HEIC CUSTODY_TEST_DATA "/heic/IMG_5195.HEIC"

static void
make_clip(e2e_t *t, char path[PATH_MAX], const char *name, const char *args)
{
    char cmd[2048];
    snprintf(path, PATH_MAX, "%s/%s", t->dir, name);
    snprintf(cmd, sizeof cmd, "ffmpeg -nostdin -loglevel error -y %s '%s'", args, path);
    ck_assert_msg(system(cmd) == 0, "could not make %s: %s", name, cmd);
}

static const char *
str(json_t *o, const char *key)
{
    const char *v = json_string_value(json_object_get(o, key));
    return v ? v : "";
}

/* The current derivative of `profile`, or NULL. */
static json_t *
derivative(json_t *item, const char *profile)
{
    json_t *d;
    size_t i;
    json_array_foreach(json_object_get(item, "derivatives"), i, d)
    {
        if (strcmp(str(d, "profile"), profile) == 0)
            return d;
    }
    return NULL;
}

/* The item's archival decision is `action` by policy row `row`, with `outcome`. */
static void
assert_decision(json_t *item, const char *action, const char *row, const char *outcome)
{
    json_t *d = json_object_get(item, "archival_decision");
    ck_assert_msg(json_is_object(d), "no archival decision");
    ck_assert_str_eq(str(d, "action"), action);
    ck_assert_str_eq(str(d, "policy_row"), row);
    ck_assert_str_eq(str(d, "outcome"), outcome);
    ck_assert_int_ge(json_integer_value(json_object_get(d, "policy_version")), 1);
}

/* A normalised recording: an H.264 MP4 archival copy, verified, with the source's frames. */
static void
assert_h264_copy(json_t *item, long frames)
{
    json_t *a = derivative(item, "archival");
    ck_assert_ptr_nonnull(a);
    ck_assert_str_eq(str(a, "status"), "verified");
    ck_assert_str_eq(str(a, "media_type"), "video/mp4");
    ck_assert_str_eq(str(json_object_get(a, "encoders"), "video"), "libx264");
    ck_assert_str_eq(str(json_object_get(json_object_get(a, "params"), "video"), "profile"),
                     "high");
    ck_assert_int_eq(json_integer_value(json_object_get(a, "frames")), frames);
    assert_decision(item, "normalise",
                    json_string_value(
                        json_object_get(json_object_get(item, "archival_decision"), "policy_row")),
                    "verified");
    ck_assert_str_eq(str(json_object_get(item, "archival_decision"), "target"), "h264-high-mp4");
}

START_TEST(each_format_gets_what_the_default_policy_says)
{
    e2e_t t;
    char bodycam[PATH_MAX], avi[PATH_MAX], hevc[PATH_MAX];
    e2e_setup(&t);
    make_clip(&t, bodycam, "bodycam.mp4",
              "-f lavfi -i testsrc2=size=320x240:rate=25 -f lavfi -i sine=frequency=440 -t 1 "
              "-c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a aac -shortest");
    make_clip(&t, avi, "cam.avi",
              "-f lavfi -i testsrc2=size=320x240:rate=30 -t 1 -c:v mjpeg -q:v 5");
    make_clip(&t, hevc, "phone.mp4",
              "-f lavfi -i testsrc2=size=320x240:rate=25 -t 0.8 -c:v libx265 -preset ultrafast "
              "-x265-params log-level=none -pix_fmt yuv420p -tag:v hvc1");
    char *s_body = e2e_ingest_one(&t, bodycam), *s_avi = e2e_ingest_one(&t, avi);
    char *s_hevc = e2e_ingest_one(&t, hevc), *s_heic = e2e_ingest_one(&t, HEIC);

    json_t *item = e2e_show(&t, s_body);
    ck_assert_msg(derivative(item, "archival") == NULL, "a kept H.264 MP4 has a second copy");
    ck_assert_str_eq(str(derivative(item, "access"), "status"), "verified");
    assert_decision(item, "keep", "mp4-h264", "kept");
    json_decref(item);

    item = e2e_show(&t, s_avi);
    assert_h264_copy(item, 30);
    assert_decision(item, "normalise", "avi-mjpeg", "verified");
    json_decref(item);

    item = e2e_show(&t, s_hevc);
    assert_h264_copy(item, 20);
    assert_decision(item, "normalise", "hevc", "verified");
    json_decref(item);

    item = e2e_show(&t, s_heic);
    json_t *a = derivative(item, "archival");
    ck_assert_ptr_nonnull(a);
    ck_assert_str_eq(str(a, "status"), "verified");
    ck_assert_str_eq(str(a, "media_type"), "image/jpeg");
    assert_decision(item, "normalise", "heic", "verified");
    json_decref(item);

    /* The copies are stored objects that custody verify checks like every other. */
    cs_run_t r;
    cs_test_custody(&r, "verify", "--all", "--home", t.home, NULL);
    ck_assert_msg(r.status == 0, "verify: %s%s", r.out, r.err);
    cs_test_run_free(&r);
    free(s_body);
    free(s_avi);
    free(s_hevc);
    free(s_heic);
    e2e_teardown(&t);
}
END_TEST

START_TEST(a_changed_policy_is_applied_to_what_came_before)
{
    e2e_t t;
    char bodycam[PATH_MAX];
    cs_run_t r;
    e2e_setup(&t);
    make_clip(&t, bodycam, "bodycam.mp4",
              "-f lavfi -i testsrc2=size=320x240:rate=25 -t 0.6 -c:v libx264 -preset ultrafast "
              "-pix_fmt yuv420p");
    char *sha = e2e_ingest_one(&t, bodycam);

    /* A clerk may not change it; the refusal is in the ledger. */
    cs_test_custody(&r, "user", "add", "li", "--role", "clerk", "--home", t.home, NULL);
    ck_assert_msg(r.status == 0, "user add: %s", r.err);
    cs_test_run_free(&r);
    cs_test_custody(&r, "policy", "set", "mp4-h264", "--action", "normalise", "--target",
                    "ffv1-mkv", "--as", "li", "--home", t.home, NULL);
    ck_assert_int_eq(r.status, 1);
    ck_assert_ptr_nonnull(strstr(r.err, "only admins"));
    cs_test_run_free(&r);
    ck_assert_int_eq(cs_test_sql_count(t.db, "SELECT count(*) FROM ledger WHERE"
                                             " json_extract(entry, '$.action') = 'policy.set'"
                                             " AND json_extract(entry, '$.result') = 'denied'"),
                     1);
    /* A target of another kind is refused, saying why. */
    cs_test_custody(&r, "policy", "set", "mp4-h264", "--action", "normalise", "--target",
                    "jpeg-q95", "--home", t.home, NULL);
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "is for photo"));
    cs_test_run_free(&r);

    /* The archivist asks for lossless copies of H.264 MP4 from now on. */
    cs_test_custody(&r, "policy", "set", "mp4-h264", "--action", "normalise", "--target",
                    "ffv1-mkv", "--reason", "the archive asks for lossless", "--home", t.home,
                    NULL);
    ck_assert_msg(r.status == 0, "policy set: %s", r.err);
    cs_test_run_free(&r);
    cs_test_custody(&r, "policy", "show", "mp4-h264", "--json", "--home", t.home, NULL);
    ck_assert_int_eq(r.status, 0);
    json_t *row = e2e_json(&r);
    ck_assert_str_eq(str(row, "action"), "normalise");
    ck_assert_int_eq(json_integer_value(json_object_get(row, "version")), 2);
    json_decref(row);
    cs_test_run_free(&r);
    ck_assert_int_eq(cs_test_sql_count(t.db, "SELECT count(*) FROM ledger WHERE"
                                             " json_extract(entry, '$.action') = 'policy.set'"
                                             " AND json_extract(entry, '$.version') = 2"),
                     1);

    /* What came before is still kept, until the policy is applied to it. */
    json_t *item = e2e_show(&t, sha);
    ck_assert_ptr_null(derivative(item, "archival"));
    json_decref(item);
    cs_test_custody(&r, "retranscode", "--all", "--home", t.home, NULL);
    ck_assert_msg(r.status == 0, "retranscode --all: %s%s", r.out, r.err);
    ck_assert_ptr_nonnull(strstr(r.out, "keep -> normalise ffv1-mkv"));
    cs_test_run_free(&r);
    item = e2e_show(&t, sha);
    json_t *a = derivative(item, "archival");
    ck_assert_ptr_nonnull(a);
    ck_assert_str_eq(str(a, "status"), "verified");
    ck_assert_str_eq(str(a, "media_type"), "video/x-matroska");
    ck_assert_int_eq(json_integer_value(json_object_get(a, "frames")), 15);
    assert_decision(item, "normalise", "mp4-h264", "verified");
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(item, "archival_decision"),
                                                        "policy_version")),
                     2);
    json_decref(item);
    ck_assert_int_eq(cs_test_sql_count(t.db, "SELECT count(*) FROM ledger WHERE"
                                             " json_extract(entry, '$.action') = 'policy.apply'"),
                     1);
    /* Applied once: a second run finds nothing to do. */
    cs_test_custody(&r, "retranscode", "--all", "--home", t.home, NULL);
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "0 items"));
    cs_test_run_free(&r);
    free(sha);
    e2e_teardown(&t);
}
END_TEST

static Suite *
policy_suite(void)
{
    Suite *s = suite_create("policy");
    TCase *tc = tcase_create("policy");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, each_format_gets_what_the_default_policy_says);
    tcase_add_test(tc, a_changed_policy_is_applied_to_what_came_before);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(policy_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
