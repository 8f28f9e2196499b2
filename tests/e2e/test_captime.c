/* tests/e2e/test_captime.c: capture time with honest provenance, through `custody serve`, the
 * API and `custody show`. A photo with no time of its own is "unknown (file time of the
 * upload)", never dated by the moment it was copied, and comes after the dated items of its
 * case; the same content arriving again (another file time, then with a sidecar's recorded_at,
 * in another case under another name) keeps the first capture time, each arrival keeps its own
 * claims, and each link shows the name the file had when it came into that case. */
#include "tests/e2e/e2e_api.h"
#include "tests/support/testutil.h"

#include <check.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DONE_JOBS "SELECT count(*) FROM jobs WHERE state = 'done'"
#define CASE_B_PCT "%E4%BB%BB%E6%B0%B4%E7%BD%9A%E3%80%942023%E3%80%9513%E5%8F%B7"
#define T2020 1577934245 /* 2020-01-02T03:04:05Z */
#define T2021 1612235045 /* 2021-02-02T03:04:05Z */

static const char *const sets[] = {"ingest.settle_ms=300", "ingest.rescan_ms=400", NULL};

/* Copies `src` into the uploads as `rel` through a temporary name, with mtime `mtime` (0: now). */
static void
drop(api_t *a, const char *rel, const char *src, time_t mtime)
{
    char path[PATH_MAX], tmp[PATH_MAX];
    size_t len = 0;
    char *data = cs_test_read(src, &len);
    ck_assert_ptr_nonnull(data);
    snprintf(path, sizeof path, "%s/uploads/%s", a->t.home, rel);
    for (char *p = path + strlen(a->t.home) + 9; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(path, 0755);
            *p = '/';
        }
    snprintf(tmp, sizeof tmp, "%s.part", path);
    cs_test_write(tmp, data, len);
    free(data);
    if (mtime != 0) {
        struct timespec ts[2] = {{mtime, 0}, {mtime, 0}};
        ck_assert_int_eq(utimensat(AT_FDCWD, tmp, ts, 0), 0);
    }
    ck_assert_int_eq(rename(tmp, path), 0);
}

static json_t *
get_json(api_t *a, const char *target)
{
    resp_t r;
    http(a, &r, "GET", target, a->alice, PURPOSE, NULL, NULL);
    ck_assert_msg(r.status == 200, "%s: %d %s", target, r.status, r.body ? r.body : "");
    json_t *v = body_json(&r);
    resp_free(&r);
    return v;
}

static const char *
s_of(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

START_TEST(a_file_time_is_unknown_and_a_second_arrival_never_rewrites_the_first)
{
    api_t a;
    char photo[PATH_MAX], cmd[PATH_MAX + 160], sha[65], target[160];
    api_setup_with(&a, sets);
    long done = cs_test_sql_count(a.t.db, DONE_JOBS);
    /* A JPEG with no EXIF at all (FFmpeg writes none), and a dated photo (2023-10-06). */
    snprintf(photo, sizeof photo, "%s/plain.jpg", a.t.dir);
    snprintf(cmd, sizeof cmd,
             "ffmpeg -loglevel error -nostdin -f lavfi -i color=c=blue:s=64x48 -frames:v 1 -y "
             "'%s'",
             photo);
    ck_assert_int_eq(system(cmd), 0);
    drop(&a, CASE_A "/IMG_0001.JPG", photo, T2020);
    drop(&a, CASE_A "/dated.jpg", CUSTODY_TEST_DATA "/exiftool/Google.jpg", 0);
    ck_assert_int_eq(cs_test_wait_count(a.t.db, DONE_JOBS, done + 2, 30000), done + 2);

    size_t len = 0;
    char *bytes = cs_test_read(photo, &len);
    unsigned char md[32];
    unsigned int mdlen = 0;
    EVP_Digest(bytes, len, md, &mdlen, EVP_sha256(), NULL);
    free(bytes);
    for (int i = 0; i < 32; i++)
        sprintf(sha + 2 * i, "%02x", md[i]);

    /* The API's item: no capture time; the file time kept apart, named for what it is. */
    snprintf(target, sizeof target, "/v1/items/%s", sha);
    json_t *v = get_json(&a, target), *m = json_object_get(v, "metadata");
    ck_assert(json_is_null(json_object_get(m, "captured_at")));
    ck_assert_str_eq(s_of(m, "captured_at_source"), "file:mtime");
    ck_assert_str_eq(s_of(m, "captured_at_estimate"), "file_time");
    ck_assert_str_eq(s_of(m, "file_time"), "2020-01-02T03:04:05Z");
    json_decref(v);

    /* The case's items (a page, in the order they were linked; the timeline orders them by
     * capture time): the dated photo with its time, the one of unknown time without one (its
     * file time, 2020, is no capture time). */
    v = get_json(&a, "/v1/cases/" CASE_A_PCT "/items");
    json_t *list = json_object_get(v, "items"), *dated = NULL, *undated = NULL, *it;
    size_t k;
    ck_assert_int_eq(json_array_size(list), 3); /* with api_setup's clip.bin, also undated */
    json_array_foreach(list, k, it)
    {
        const char *name = s_of(it, "original_name");
        if (name != NULL && strcmp(name, "dated.jpg") == 0)
            dated = it;
        if (name != NULL && strcmp(name, "IMG_0001.JPG") == 0)
            undated = it;
    }
    ck_assert_ptr_nonnull(dated);
    ck_assert_ptr_nonnull(undated);
    ck_assert_str_eq(s_of(dated, "captured_at"), "2023-10-06T22:53:51+02:00");
    ck_assert(json_is_null(json_object_get(undated, "captured_at")));
    ck_assert_str_eq(s_of(undated, "captured_at_estimate"), "file_time");
    json_decref(v);

    /* `custody show` says so in words. */
    cs_run_t r;
    cs_test_custody(&r, "show", sha, "--purpose", "e2e check", "--home", a.t.home, "--set",
                    "site.tz=Etc/UTC", NULL);
    run_ok(&r);
    ck_assert_msg(strstr(r.out, "captured    unknown (file time of the upload: "
                                "2020-01-02 03:04 +00:00)") != NULL,
                  "%s", r.out);
    cs_test_run_free(&r);

    /* The same bytes again: another file time in the same case, then in another case under
     * another name with a sidecar's recorded_at. */
    drop(&a, CASE_A "/again.jpg", photo, T2021);
    ck_assert_int_eq(cs_test_wait_count(a.t.db, DONE_JOBS, done + 3, 30000), done + 3);
    const char *side = "{\"recorded_at\": \"2022-02-02T10:00:00+08:00\"}";
    char sidecar[PATH_MAX];
    snprintf(sidecar, sizeof sidecar, "%s/side.json", a.t.dir);
    cs_test_write(sidecar, side, strlen(side));
    drop(&a, CASE_B "/现场照片.jpg.json", sidecar, 0);
    drop(&a, CASE_B "/现场照片.jpg", photo, 0);
    ck_assert_int_eq(cs_test_wait_count(a.t.db, DONE_JOBS, done + 4, 30000), done + 4);

    v = get_json(&a, target);
    m = json_object_get(v, "metadata");
    ck_assert(json_is_null(json_object_get(m, "captured_at")));
    ck_assert_str_eq(s_of(m, "captured_at_source"), "file:mtime");
    ck_assert_str_eq(s_of(m, "file_time"), "2020-01-02T03:04:05Z");
    /* Each arrival's own claims, kept per source. */
    json_t *src = json_object_get(v, "sources");
    ck_assert_int_eq(json_array_size(src), 3);
    ck_assert_str_eq(s_of(json_array_get(src, 0), "source_mtime"),
                     "2020-01-02T03:04:05.000000000Z");
    ck_assert_str_eq(s_of(json_array_get(src, 1), "source_mtime"),
                     "2021-02-02T03:04:05.000000000Z");
    ck_assert_str_eq(s_of(json_array_get(src, 2), "recorded_at"), "2022-02-02T10:00:00+08:00");
    ck_assert_str_eq(s_of(json_array_get(src, 2), "case"), CASE_B);
    /* Each link under the name the file had when it came into that case. */
    json_t *links = json_object_get(v, "links");
    ck_assert_int_eq(json_array_size(links), 2);
    ck_assert_str_eq(s_of(json_array_get(links, 0), "original_name"), "IMG_0001.JPG");
    ck_assert_str_eq(s_of(json_array_get(links, 1), "case"), CASE_B);
    ck_assert_str_eq(s_of(json_array_get(links, 1), "original_name"), "现场照片.jpg");
    json_decref(v);
    ck_assert_int_eq(cs_test_sql_count(a.t.db, "SELECT count(*) FROM events WHERE kind ="
                                               " 'extracted' AND detail ->> '$.captured_at_kept'"
                                               " = 'first arrival'"),
                     2);
    api_teardown(&a);
}
END_TEST

static Suite *
captime_suite(void)
{
    Suite *s = suite_create("captime");
    TCase *tc = tcase_create("captime");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, a_file_time_is_unknown_and_a_second_arrival_never_rewrites_the_first);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(captime_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
