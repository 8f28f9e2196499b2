/* tests/e2e/test_heif.c: an iPhone's HEIC as a user meets it: `custody ingest` stores it,
 * `custody show --json` gives its capture time, place and device, and its preview and
 * thumbnail, made and verified, upright (portrait, as the phone showed it). */
#include "tests/e2e/e2e.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IPHONE CUSTODY_TEST_DATA "/heic/IMG_5195.HEIC"

static const char *
str(json_t *o, const char *key)
{
    const char *v = json_string_value(json_object_get(o, key));
    return v ? v : "";
}

static json_int_t
num(json_t *o, const char *key)
{
    return json_integer_value(json_object_get(o, key));
}

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
    ck_abort_msg("no %s derivative", profile);
    return NULL;
}

START_TEST(a_heic_photo_is_read_and_gets_a_preview_and_a_thumbnail)
{
    e2e_t t;
    cs_run_t r;
    e2e_setup(&t);
    cs_test_custody(&r, "ingest", "--home", t.home, "--case", CASE_A, "--json", IPHONE, NULL);
    ck_assert_msg(r.status == 0, "ingest: %s", r.err);
    json_t *line = e2e_json(&r);
    char *sha = strdup(str(line, "sha256"));
    json_decref(line);
    cs_test_run_free(&r);

    cs_test_custody(&r, "show", "--purpose", "e2e check", "--home", t.home, "--json", sha, NULL);
    ck_assert_msg(r.status == 0, "show: %s", r.err);
    json_t *item = e2e_json(&r);
    cs_test_run_free(&r);
    char *text = json_dumps(item, JSON_COMPACT);
    ck_assert_msg(strstr(text, "2021-04-11T15:47:53-05:00") != NULL, "no capture time: %s", text);
    ck_assert_msg(strstr(text, "iPhone 11 Pro Max") != NULL, "no device: %s", text);
    free(text);
    json_t *pv = derivative(item, "preview"), *th = derivative(item, "thumbnail");
    ck_assert_str_eq(str(pv, "status"), "verified");
    ck_assert_str_eq(str(th, "status"), "verified");
    ck_assert_str_eq(str(pv, "media_type"), "image/jpeg");
    /* 2566x3313 fitted in 1600 and 256: portrait */
    ck_assert_int_eq(num(pv, "height"), 1600);
    ck_assert_int_eq(num(pv, "width"), 1239);
    ck_assert_int_eq(num(th, "height"), 256);
    ck_assert_int_eq(num(th, "width"), 198);
    json_decref(item);
    free(sha);
    e2e_teardown(&t);
}
END_TEST

static Suite *
suite(void)
{
    Suite *s = suite_create("heif");
    TCase *tc = tcase_create("heif");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, a_heic_photo_is_read_and_gets_a_preview_and_a_thumbnail);
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
