/* tests/e2e/test_search.c: metadata on ingest, `custody search` and `custody probe`, on the
 * photos of tests/data (ExifTool's values in the comments; tests/data/SOURCES.md). */
#include "tests/e2e/e2e.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PHOTOS CUSTODY_TEST_DATA "/gps"
#define GOOGLE CUSTODY_TEST_DATA "/exiftool/Google.jpg"
#define APPLE CUSTODY_TEST_DATA "/exiftool/Apple.jpg"

static json_t *
search(e2e_t *t, const char *a1, const char *a2, const char *a3, const char *a4)
{
    cs_run_t r;
    cs_test_custody(&r, "search", "--purpose", "e2e check", "--home", t->home, "--json", a1, a2, a3,
                    a4, NULL);
    ck_assert_msg(r.status == 0, "search: %s", r.err);
    json_t *v = e2e_json(&r);
    cs_test_run_free(&r);
    return v;
}

static void
ingest_photos(e2e_t *t)
{
    cs_run_t r;
    cs_test_custody(&r, "ingest", "--home", t->home, "--case", CASE_A, "--party", "某公司", PHOTOS,
                    NULL);
    ck_assert_msg(r.status == 0, "%s", r.err);
    cs_test_run_free(&r);
    cs_test_custody(&r, "ingest", "--home", t->home, "--case", CASE_B, GOOGLE, APPLE, NULL);
    ck_assert_msg(r.status == 0, "%s", r.err);
    cs_test_run_free(&r);
}

START_TEST(ingest_records_capture_time_place_and_device)
{
    e2e_t t;
    cs_run_t r;
    e2e_setup(&t);
    ingest_photos(&t);
    json_t *hits = search(&t, "--text", "Google.jpg", NULL, NULL);
    ck_assert_int_eq(json_array_size(hits), 1);
    const char *sha = json_string_value(json_object_get(json_array_get(hits, 0), "sha256"));
    cs_test_custody(&r, "show", "--purpose", "e2e check", "--home", t.home, "--json", sha, NULL);
    ck_assert_msg(r.status == 0, "%s", r.err);
    json_t *item = e2e_json(&r), *m = json_object_get(item, "metadata");
    /* ExifTool: DateTimeOriginal 2023:10:06 22:53:51, OffsetTimeOriginal +02:00;
     * GPS 40.4000694444444, -3.71464722222222; Google Pixel 8 Pro. */
    ck_assert_str_eq(json_string_value(json_object_get(m, "captured_at")),
                     "2023-10-06T22:53:51+02:00");
    ck_assert_ptr_nonnull(
        strstr(json_string_value(json_object_get(m, "captured_at_source")), "DateTimeOriginal"));
    ck_assert(json_is_true(json_object_get(m, "offset_known")));
    json_t *gps = json_object_get(m, "gps");
    ck_assert(fabs(json_number_value(json_object_get(gps, "lat")) - 40.4000694444444) < 1e-5);
    ck_assert(fabs(json_number_value(json_object_get(gps, "lon")) - -3.71464722222222) < 1e-5);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(m, "device"), "model")),
                     "Pixel 8 Pro");
    json_decref(item);
    cs_test_run_free(&r);
    json_decref(hits);
    /* The rule that chose the time is a provenance event. */
    ck_assert_int_ge(cs_test_sql_count(t.db, "SELECT count(*) FROM events WHERE kind = "
                                             "'extracted' AND detail LIKE '%captured_at_source%'"),
                     1);
    e2e_teardown(&t);
}
END_TEST

START_TEST(search_by_case_time_place_device_and_text)
{
    e2e_t t;
    e2e_setup(&t);
    ingest_photos(&t);
    json_t *all = search(&t, "--case", CASE_A, NULL, NULL);
    size_t n = json_array_size(all);
    ck_assert_int_ge(n, 3);
    /* Capture-time order. */
    for (size_t i = 1; i < n; i++) {
        const char *a =
            json_string_value(json_object_get(json_array_get(all, i - 1), "captured_at"));
        const char *b = json_string_value(json_object_get(json_array_get(all, i), "captured_at"));
        if (a && b)
            ck_assert_msg(strcmp(a, b) <= 0, "%s after %s", a, b);
    }
    json_decref(all);
    /* DSCN0029 (16:46:53) and DSCN0038 (16:52:15) lie between 16:45 and 16:53 that day. */
    json_t *v = search(&t, "--from", "2008-10-22T16:45:00", "--to", "2008-10-22T16:53:00");
    ck_assert_int_eq(json_array_size(v), 2);
    json_decref(v);
    /* Within 50 m of DSCN0029: only itself (DSCN0027, the nearest other, is ~110 m away). */
    v = search(&t, "--near", "43.4682433,11.8801717,50", NULL, NULL);
    ck_assert_int_eq(json_array_size(v), 1);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(v, 0), "original_name")),
                     "DSCN0029.jpg");
    json_decref(v);
    v = search(&t, "--device", "pixel 8", NULL, NULL);
    ck_assert_int_eq(json_array_size(v), 1);
    json_decref(v);
    v = search(&t, "--party", "某公司", "--device", "COOLPIX");
    ck_assert_int_ge(json_array_size(v), 3);
    json_decref(v);
    v = search(&t, "--case", CASE_B, "--text", "某公司");
    ck_assert_int_eq(json_array_size(v), 0);
    json_decref(v);
    cs_run_t r;
    cs_test_custody(&r, "search", "--purpose", "e2e check", "--home", t.home, "--near", "91,0,10",
                    NULL);
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "latitude"));
    cs_test_run_free(&r);
    cs_test_custody(&r, "search", "--purpose", "e2e check", "--home", t.home, "--from", "yesterday",
                    NULL);
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "--from"));
    cs_test_run_free(&r);
    e2e_teardown(&t);
}
END_TEST

START_TEST(probe_prints_the_record_and_stores_nothing)
{
    char *dir = cs_test_tmpdir();
    char home[4096];
    cs_run_t r;
    snprintf(home, sizeof home, "%s/home", dir);
    cs_test_custody(&r, "probe", "--home", home, "--json", APPLE, NULL);
    ck_assert_msg(r.status == 0, "%s", r.err);
    json_t *v = e2e_json(&r), *m = json_array_get(v, 0);
    /* ExifTool: 2016:09:28 18:18:05, no offset; Apple iPhone 7. Its GPS stamp, 17:17:58 UTC
     * the same day, gives the offset: +01:00 (British Summer Time). */
    ck_assert_str_eq(json_string_value(json_object_get(m, "captured_at")),
                     "2016-09-28T18:18:05+01:00");
    ck_assert_str_eq(json_string_value(json_object_get(m, "captured_at_source")),
                     "exif:DateTimeOriginal+gps");
    ck_assert_str_eq(json_string_value(json_object_get(m, "captured_at_utc")),
                     "2016-09-28T17:18:05Z");
    ck_assert(json_is_true(json_object_get(m, "offset_known")));
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(m, "device"), "make")),
                     "Apple");
    json_decref(v);
    cs_test_run_free(&r);
    /* Without a GPS stamp (Canon: 2003:12:04 06:46:52, no offset) a default offset fills in,
     * and the record says so. */
    cs_test_custody(&r, "probe", "--home", home, "--json", "--set", "ingest.default_tz=+01:00",
                    CUSTODY_TEST_DATA "/exiftool/Canon.jpg", NULL);
    v = e2e_json(&r);
    m = json_array_get(v, 0);
    ck_assert_str_eq(json_string_value(json_object_get(m, "captured_at")),
                     "2003-12-04T06:46:52+01:00");
    ck_assert_ptr_nonnull(
        strstr(json_string_value(json_object_get(m, "captured_at_source")), "default_tz"));
    json_decref(v);
    cs_test_run_free(&r);
    /* A zone name: the worker works out the offset that December day had in New York. */
    cs_test_custody(&r, "probe", "--home", home, "--json", "--set",
                    "ingest.default_tz=America/New_York", CUSTODY_TEST_DATA "/exiftool/Canon.jpg",
                    NULL);
    v = e2e_json(&r);
    m = json_array_get(v, 0);
    ck_assert_str_eq(json_string_value(json_object_get(m, "captured_at")),
                     "2003-12-04T06:46:52-05:00");
    ck_assert_str_eq(json_string_value(json_object_get(m, "captured_at_source")),
                     "exif:DateTimeOriginal+config:ingest.default_tz(America/New_York)");
    ck_assert_str_eq(json_string_value(json_object_get(m, "captured_at_utc")),
                     "2003-12-04T11:46:52Z");
    json_decref(v);
    cs_test_run_free(&r);
    ck_assert_int_ne(access(home, F_OK), 0); /* nothing was stored: not even a home */
    cs_test_rmrf(dir);
    free(dir);
}
END_TEST

static Suite *
search_suite(void)
{
    Suite *s = suite_create("e2e_search");
    TCase *tc = tcase_create("search");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, ingest_records_capture_time_place_and_device);
    tcase_add_test(tc, search_by_case_time_place_device_and_text);
    tcase_add_test(tc, probe_prints_the_record_and_stores_nothing);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(search_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
