/* tests/indexer/test_registry.c: the officers and devices registry (indexer/registry.c): its
 * rows and ledger entries, and what an item's arrival resolves to when its metadata is
 * recorded (registry_resolve.c): officer and device with how each was found, the important
 * mark, and the flags a clerk sees. */
#include "tests/indexer/indexer_util.h"

#include "core/error.h"
#include "indexer/jobs.h"
#include "indexer/registry.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* An RFC 3339 UTC time `hours_ago` hours before now. */
static void
utc_ago(char out[32], int hours_ago)
{
    time_t t = time(NULL) - (time_t)hours_ago * 3600;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Runs one arrival of `sha` at upload path `rel` through the job states with `route` (a JSON
 * text: the path's officer folder, the name's groups) and the record `rec` (stolen). */
static void
arrive(const char *sha, const char *rel, const char *route, json_t *rec)
{
    cs_job_t *job = calloc(1, sizeof *job);
    const char *roots[] = {"/up"}, *rels[] = {rel};
    cs_arrival_result_t r;
    json_t *rt = json_loads(route, 0, NULL);
    ck_assert_ptr_nonnull(rt);
    ck_assert_int_eq(cs_jobs_discover_many(cat, roots, rels, 1), 0);
    ck_assert_int_eq(cs_jobs_find(cat, "/up", rel, job), 0);
    job->size = 1234;
    ck_assert_int_eq(cs_jobs_claim(cat, job, rt), 0);
    cs_arrival_t a = arrival(sha, CASE_A, NULL, strrchr(rel, '/') + 1);
    ck_assert_int_eq(cs_jobs_stored(cat, job, &a, &r), 0);
    ck_assert_int_eq(cs_jobs_extracted(cat, job, rec, NULL, CS_JOB_DONE), 0);
    json_decref(rec);
    json_decref(rt);
    free(job);
}

/* The record of a capture at wall time `local` (+08:00) `hours_ago` hours ago in UTC terms. */
static json_t *
captured(const char *on, int hours_ago, json_t *device)
{
    char utc[32], at[40];
    utc_ago(utc, hours_ago);
    snprintf(at, sizeof at, "%sT10:00:00+08:00", on);
    return json_pack("{s:s, s:s, s:o*}", "captured_at", at, "captured_at_utc", utc, "device",
                     device);
}

/* The item's registry record (owned by the caller's item), and the flag codes joined. */
static json_t *
registry_of(json_t *it, char codes[256])
{
    json_t *r = json_object_get(it, "registry"), *f;
    size_t i;
    codes[0] = '\0';
    json_array_foreach(json_object_get(r, "flags"), i, f)
    {
        strcat(codes, json_string_value(json_object_get(f, "code")));
        strcat(codes, " ");
        ck_assert_ptr_nonnull(json_string_value(json_object_get(f, "text")));
    }
    return r;
}

static const char *
how(json_t *r, const char *who)
{
    return json_string_value(json_object_get(json_object_get(r, who), "how"));
}

static void
register_0451(const char *from, const char *to)
{
    cs_officer_fields_t o = {
        .name = "李四", .unit = "水政监察大队", .valid_from = from, .valid_to = to};
    ck_assert_int_eq(cs_catalog_officer_add(cat, "0451", &o, "root"), 0);
    cs_device_fields_t d = {.kind = "body_camera", .model = "DSJ-A8", .holder = "0451"};
    ck_assert_int_eq(cs_catalog_device_add(cat, "A80017", &d, "root"), 0);
}

START_TEST(test_changes_are_rows_and_ledger_entries)
{
    long before = count("SELECT count(*) FROM ledger");
    register_0451("2020-01-01", "2030-12-31");
    cs_officer_fields_t set = {.unit = "", .valid_to = "2025-06-30"};
    ck_assert_int_eq(cs_catalog_officer_set(cat, "0451", &set, "root"), 0);
    ck_assert_int_eq(count("SELECT count(*) FROM officers WHERE cert_no = '0451' AND name = '李四'"
                           " AND unit IS NULL AND valid_to = '2025-06-30'"),
                     1);
    ck_assert_int_eq(count("SELECT count(*) FROM devices d JOIN officers o ON o.id = d.holder_id"
                           " WHERE d.serial = 'A80017' AND d.kind = 'body_camera'"),
                     1);
    ck_assert_int_eq(count("SELECT count(*) FROM ledger") - before, 3);
    ck_assert_int_eq(count("SELECT count(*) FROM ledger WHERE entry ->> '$.action' = 'officer.add'"
                           " AND entry ->> '$.cert' = '0451' AND entry ->> '$.actor' = 'root'"),
                     1);
    ck_assert_int_eq(count("SELECT count(*) FROM ledger WHERE entry ->> '$.action' = 'officer.set'"
                           " AND entry ->> '$.valid_to' = '2025-06-30'"),
                     1);
    ck_assert_int_eq(
        count("SELECT count(*) FROM ledger WHERE entry ->> '$.action' = 'device.add'"
              " AND entry ->> '$.serial' = 'A80017' AND entry ->> '$.holder' = '0451'"),
        1);

    /* Refused: nothing changes, nothing is appended. */
    cs_officer_fields_t dup = {.name = "王五"},
                        nodate = {.name = "王五", .valid_from = "2026-02-30"},
                        order = {.valid_from = "2026-01-01"}, noname = {.unit = "x"},
                        nouser = {.user = "nobody"};
    ck_assert_int_eq(cs_catalog_officer_add(cat, "0451", &dup, "root"), CS_EEXIST);
    ck_assert_int_eq(cs_catalog_officer_add(cat, "0452", &nodate, "root"), CS_EINVAL);
    ck_assert_int_eq(cs_catalog_officer_set(cat, "0451", &order, "root"), CS_EINVAL);
    ck_assert_int_eq(cs_catalog_officer_add(cat, "0452", &noname, "root"), CS_EINVAL);
    ck_assert_int_eq(cs_catalog_officer_set(cat, "0451", &nouser, "root"), CS_ENOTFOUND);
    ck_assert_int_eq(cs_catalog_officer_set(cat, "0999", &dup, "root"), CS_ENOTFOUND);
    cs_device_fields_t kind = {.kind = "drone"}, holder = {.kind = "phone", .holder = "0999"};
    ck_assert_int_eq(cs_catalog_device_add(cat, "X1", &kind, "root"), CS_EINVAL);
    ck_assert_int_eq(cs_catalog_device_add(cat, "X1", &holder, "root"), CS_ENOTFOUND);
    ck_assert_int_eq(count("SELECT count(*) FROM ledger") - before, 3);

    json_t *rows = NULL;
    ck_assert_int_eq(cs_catalog_officers(cat, "0451", &rows), 0);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(rows, 0), "name")), "李四");
    json_decref(rows);
    ck_assert_int_eq(cs_catalog_devices(cat, NULL, &rows), 0);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(rows, 0), "holder")), "0451");
    json_decref(rows);
    ck_assert_int_eq(cs_catalog_devices(cat, "nope", &rows), CS_ENOTFOUND);
}
END_TEST

START_TEST(test_body_camera_name_resolves)
{
    char sha[65], codes[256];
    int important = -1;
    register_0451("2020-01-01", "2030-12-31");
    fake_sha(sha, "b1", '1');
    arrive(sha, CASE_A "/A80017_0451_20231103143000_IMP.MP4",
           "{\"case\": \"" CASE_A
           "\", \"from_name\": {\"device\": \"A80017\", \"officer\": \"0451\","
           " \"time\": \"2023-11-03T14:30:00\", \"important\": true}}",
           captured("2023-11-03", 1, NULL));
    json_t *it = item(sha), *r = registry_of(it, codes);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(r, "officer"), "cert")),
                     "0451");
    ck_assert_str_eq(how(r, "officer"), "name");
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(r, "device"), "serial")),
                     "A80017");
    ck_assert_str_eq(how(r, "device"), "name");
    ck_assert(json_is_true(json_object_get(r, "important")));
    ck_assert_str_eq(codes, ""); /* certificate valid on the day, uploaded in time */
    ck_assert_int_eq(cs_cat_item_important(cat, sha, &important), 0);
    ck_assert_int_eq(important, 1);
    json_decref(it);

    /* Without the mark, and from a folder named by the device: its holder is the officer. */
    fake_sha(sha, "b2", '2');
    arrive(sha, CASE_A "/A80017/clip.mp4", "{\"officer\": \"A80017\"}",
           captured("2023-11-03", 1, NULL));
    it = item(sha);
    r = registry_of(it, codes);
    ck_assert_str_eq(how(r, "device"), "folder");
    ck_assert_str_eq(how(r, "officer"), "holder");
    ck_assert(json_is_false(json_object_get(r, "important")));
    ck_assert_int_eq(cs_cat_item_important(cat, sha, &important), 0);
    ck_assert_int_eq(important, 0);
    json_decref(it);

    /* From the serial and model in its metadata. */
    fake_sha(sha, "b3", '3');
    arrive(
        sha, CASE_A "/clip3.mp4", "{}",
        captured("2023-11-03", 1, json_pack("{s:s, s:s}", "serial", "A80017", "model", "dsj-a8")));
    it = item(sha);
    r = registry_of(it, codes);
    ck_assert_str_eq(how(r, "device"), "metadata");
    ck_assert_str_eq(how(r, "officer"), "holder");
    json_decref(it);
}
END_TEST

START_TEST(test_flags)
{
    char sha[65], codes[256];
    json_t *it;

    /* No registry kept: an officer folder is a name and nothing more. */
    fake_sha(sha, "c0", '0');
    arrive(sha, CASE_A "/9999/a.mp4", "{\"officer\": \"9999\"}", captured("2023-11-03", 1, NULL));
    it = item(sha);
    ck_assert_ptr_null(json_object_get(it, "registry"));
    json_decref(it);

    register_0451("2020-01-01", "2023-06-30");
    fake_sha(sha, "c1", '1');
    arrive(sha, CASE_A "/9999/b.mp4", "{\"officer\": \"9999\"}", captured("2023-11-03", 1, NULL));
    it = item(sha);
    registry_of(it, codes);
    ck_assert_str_eq(codes, "unregistered-officer ");
    ck_assert_str_eq(str_at(json_object_get(it, "registry"), "flags", 0, "text"),
                     "officer 9999 (from the folder) is not registered; register them (custody "
                     "officer add) or correct the folder");
    json_decref(it);

    /* The folder names nobody registered; the camera's serial is the device of 0451: its
     * holder is shown, and the folder's claim is still flagged. */
    fake_sha(sha, "c7", '7');
    arrive(sha, CASE_A "/9999/h.mp4", "{\"officer\": \"9999\"}",
           captured("2023-05-03", 1, json_pack("{s:s}", "serial", "A80017")));
    it = item(sha);
    registry_of(it, codes);
    ck_assert_str_eq(codes, "unregistered-officer ");
    ck_assert_str_eq(how(json_object_get(it, "registry"), "officer"), "holder");
    json_decref(it);

    /* The certificate ended 2023-06-30: a capture in November is flagged, one in May is not. */
    fake_sha(sha, "c2", '2');
    arrive(sha, CASE_A "/0451/c.mp4", "{\"officer\": \"0451\"}", captured("2023-11-03", 1, NULL));
    it = item(sha);
    registry_of(it, codes);
    ck_assert_str_eq(codes, "certificate-expired ");
    json_decref(it);
    fake_sha(sha, "c3", '3');
    arrive(sha, CASE_A "/0451/d.mp4", "{\"officer\": \"0451\"}", captured("2019-05-03", 1, NULL));
    it = item(sha);
    registry_of(it, codes);
    ck_assert_str_eq(codes, "certificate-not-yet-valid ");
    json_decref(it);

    /* An unknown serial in the metadata; a registered serial whose model differs. */
    fake_sha(sha, "c4", '4');
    arrive(sha, CASE_A "/0451/e.mp4", "{\"officer\": \"0451\"}",
           captured("2023-05-03", 1, json_pack("{s:s, s:s}", "serial", "A80017", "model", "X9")));
    it = item(sha);
    registry_of(it, codes);
    ck_assert_str_eq(codes, "unregistered-device ");
    json_decref(it);

    /* Late: 30 hours after capture, with the default 24; none with the flag turned off. */
    fake_sha(sha, "c5", '5');
    arrive(sha, CASE_A "/0451/f.mp4", "{\"officer\": \"0451\"}", captured("2023-05-03", 30, NULL));
    it = item(sha);
    registry_of(it, codes);
    ck_assert_str_eq(codes, "late-upload ");
    ck_assert_int_eq(
        json_integer_value(json_object_get(
            json_object_get(
                json_array_get(json_object_get(json_object_get(it, "registry"), "flags"), 0),
                "params"),
            "hours")),
        30);
    json_decref(it);
    cs_catalog_set_upload_delay(cat, 0);
    fake_sha(sha, "c6", '6');
    arrive(sha, CASE_A "/0451/g.mp4", "{\"officer\": \"0451\"}", captured("2023-05-03", 30, NULL));
    it = item(sha);
    registry_of(it, codes);
    ck_assert_str_eq(codes, "");
    json_decref(it);

    json_t *counts = NULL;
    ck_assert_int_eq(cs_catalog_registry_flag_counts(cat, &counts), 0);
    ck_assert_int_eq(json_integer_value(json_object_get(counts, "unregistered-officer")), 2);
    ck_assert_int_eq(json_integer_value(json_object_get(counts, "certificate-expired")), 1);
    ck_assert_int_eq(json_integer_value(json_object_get(counts, "late-upload")), 1);
    ck_assert_int_eq(json_object_size(counts), 5);
    json_decref(counts);
}
END_TEST

static Suite *
registry_suite(void)
{
    Suite *s = suite_create("registry");
    TCase *tc = tcase_create("registry");
    tcase_add_checked_fixture(tc, catalog_setup, catalog_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_changes_are_rows_and_ledger_entries);
    tcase_add_test(tc, test_body_camera_name_resolves);
    tcase_add_test(tc, test_flags);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(registry_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
