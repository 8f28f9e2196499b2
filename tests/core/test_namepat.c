/* tests/core/test_namepat.c: body-camera file names read by ingest.name_pattern
 * (core/namepat.c): one table of names and what each gives, then the patterns refused. */
#include "core/error.h"
#include "core/namepat.h"

#include <check.h>
#include <string.h>

#define PAT                                                                                        \
    "^(?<device>[A-Za-z0-9-]+)_(?<officer>[0-9]+)_(?<time>[0-9]{14})(?:_(?<important>IMP))?\\."
#define PAT_SEP "^(?<officer>[0-9]+)[ _](?<time>[0-9-]{10}[ _][0-9-]{5,8})"

static const struct {
    const char *pattern, *name;
    int matches;
    const char *device, *officer, *time, *time_text; /* NULL: absent */
    int important;
} rows[] = {
    {PAT, "DSJ-A8_0451_20231103143000_IMP.MP4", 1, "DSJ-A8", "0451", "2023-11-03T14:30:00",
     "20231103143000", 1},
    {PAT, "DSJ-A8_0451_20231103143000.MP4", 1, "DSJ-A8", "0451", "2023-11-03T14:30:00",
     "20231103143000", 0},
    /* The digits are a candidate only when they make a time; the text stays either way. */
    {PAT, "DSJ-A8_0451_20231399999999.MP4", 1, "DSJ-A8", "0451", NULL, "20231399999999", 0},
    {PAT, "IMG_0001.JPG", 0, NULL, NULL, NULL, NULL, 0},
    {PAT_SEP, "0451 2023-11-03_14-30.mp4", 1, NULL, "0451", "2023-11-03T14:30:00",
     "2023-11-03_14-30", 0},
    /* Bytes that are not UTF-8 match no part of a pattern; the rest of the name still does. */
    {"_(?<time>[0-9]{14})", "\xff\xfe_20231103143000.mp4", 1, NULL, NULL, "2023-11-03T14:30:00",
     "20231103143000", 0},
    {"^(?<officer>[^_]+)_", "\xff\xfe_20231103143000.mp4", 0, NULL, NULL, NULL, NULL, 0},
};

static void
assert_member(json_t *m, const char *key, const char *want)
{
    const char *got = json_string_value(json_object_get(m, key));
    if (want == NULL)
        ck_assert_msg(got == NULL, "%s: %s", key, got);
    else
        ck_assert_msg(got != NULL && strcmp(got, want) == 0, "%s: %s, not %s", key,
                      got ? got : "(none)", want);
}

START_TEST(test_names)
{
    cs_namepat_t *p = NULL;
    json_t *m = NULL;
    ck_assert_int_eq(cs_namepat_new("ingest.name_pattern", rows[_i].pattern, &p), 0);
    ck_assert_int_eq(cs_namepat_match(p, rows[_i].name, &m), 0);
    ck_assert_int_eq(m != NULL, rows[_i].matches);
    if (m != NULL) {
        assert_member(m, "device", rows[_i].device);
        assert_member(m, "officer", rows[_i].officer);
        assert_member(m, "time", rows[_i].time);
        assert_member(m, "time_text", rows[_i].time_text);
        ck_assert_int_eq(json_is_true(json_object_get(m, "important")), rows[_i].important);
    }
    json_decref(m);
    cs_namepat_free(&p);
    ck_assert_ptr_null(p);
}
END_TEST

START_TEST(test_patterns_refused_and_none)
{
    cs_namepat_t *p = NULL;
    json_t *m = NULL;
    ck_assert_int_eq(cs_namepat_new("k", "(?<time>[0-9]", &p), CS_ECONFIG);
    ck_assert_ptr_nonnull(strstr(cs_diag(), "is not a regular expression"));
    ck_assert_int_eq(cs_namepat_new("k", "^DSJ_[0-9]+", &p), CS_ECONFIG);
    ck_assert_ptr_nonnull(strstr(cs_diag(), "names none of the groups"));
    ck_assert_ptr_null(p);
    /* No pattern: nothing is read, and matching says so. */
    ck_assert_int_eq(cs_namepat_new("k", "", &p), 0);
    ck_assert_ptr_null(p);
    ck_assert_int_eq(cs_namepat_match(NULL, "DSJ-A8_0451_20231103143000.MP4", &m), 0);
    ck_assert_ptr_null(m);
    /* A pattern that backtracks without end stops at its limit: no match, no hang. */
    ck_assert_int_eq(cs_namepat_new("k", "^(?<officer>(a+)+)$", &p), 0);
    ck_assert_int_eq(cs_namepat_match(p, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab", &m), 0);
    ck_assert_ptr_null(m);
    cs_namepat_free(&p);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("namepat");
    TCase *tc = tcase_create("namepat");
    tcase_add_loop_test(tc, test_names, 0, (int)(sizeof rows / sizeof rows[0]));
    tcase_add_test(tc, test_patterns_refused_and_none);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
