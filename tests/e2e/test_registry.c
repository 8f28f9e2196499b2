/* tests/e2e/test_registry.c: officers and devices, through `custody serve`, the API and the
 * CLI (issue 22, parts 4 and 5). A body-camera file named by ingest.name_pattern shows its
 * officer (certificate valid), device, the time its name gives (with its provenance) and its
 * important mark; a file in the folder of an unregistered officer, a certificate expired on
 * the capture date and a late upload are flagged in the item's record, `custody show` and
 * `custody status`; the registry is read by clerks and admins and kept by admins only. */
#include "tests/e2e/e2e_api.h"
#include "tests/support/testutil.h"

#include <check.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DONE_JOBS "SELECT count(*) FROM jobs WHERE state = 'done'"
#define PATTERN                                                                                    \
    "ingest.name_pattern=^(?<device>[A-Za-z0-9-]+)_(?<officer>[0-9]+)_(?<time>[0-9]{14})"          \
    "(?:_(?<important>IMP))?\\."

static const char *const sets[] = {"ingest.settle_ms=300", "ingest.rescan_ms=400",
                                   "site.tz=Asia/Shanghai", PATTERN, NULL};

static void
cli_ok(api_t *a, const char *const *args)
{
    cs_run_t r;
    const char *v[16];
    size_t n = 0;
    for (; args[n] != NULL; n++)
        v[n] = args[n];
    v[n++] = "--home";
    v[n++] = a->t.home;
    v[n] = NULL;
    cs_test_custody(&r, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11],
                    v[12], NULL);
    ck_assert_msg(r.status == 0, "custody %s %s: %d %s", v[0], v[1], r.status, r.err);
    cs_test_run_free(&r);
}

/* Makes `rel` under the uploads (folders as needed) with ffmpeg's `lavfi` source into `ext`,
 * through a temporary name; its SHA-256 into sha. */
static void
drop_media(api_t *a, const char *rel, const char *lavfi, const char *opts, char sha[65])
{
    char path[PATH_MAX], tmp[PATH_MAX], cmd[3 * PATH_MAX];
    snprintf(path, sizeof path, "%s/uploads/%s", a->t.home, rel);
    for (char *p = path + strlen(a->t.home) + 9; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(path, 0755);
            *p = '/';
        }
    snprintf(tmp, sizeof tmp, "%s/drop-%s", a->t.dir, strrchr(rel, '/') + 1);
    snprintf(cmd, sizeof cmd,
             "ffmpeg -loglevel error -nostdin -f lavfi -i %s %s -map_metadata -1 -fflags +bitexact"
             " -y '%s'",
             lavfi, opts, tmp);
    ck_assert_int_eq(system(cmd), 0);
    size_t len = 0;
    char *data = cs_test_read(tmp, &len);
    unsigned char md[32];
    unsigned int mdlen = 0;
    EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL);
    for (int i = 0; i < 32; i++)
        sprintf(sha + 2 * i, "%02x", md[i]);
    free(data);
    ck_assert_int_eq(rename(tmp, path), 0);
}

static json_t *
item_as(api_t *a, const char *token, const char *sha)
{
    char target[128];
    resp_t r;
    snprintf(target, sizeof target, "/v1/items/%s", sha);
    http(a, &r, "GET", target, token, PURPOSE, NULL, NULL);
    ck_assert_msg(r.status == 200, "%s: %d %s", target, r.status, r.body ? r.body : "");
    json_t *v = body_json(&r);
    resp_free(&r);
    return v;
}

/* The flag codes of an item's record, joined by spaces. */
static void
codes_of(json_t *it, char out[256])
{
    json_t *f;
    size_t i;
    out[0] = '\0';
    json_array_foreach(json_object_get(json_object_get(it, "registry"), "flags"), i, f)
    {
        strcat(out, json_string_value(json_object_get(f, "code")));
        strcat(out, " ");
    }
}

static const char *
at(json_t *o, const char *k1, const char *k2)
{
    return json_string_value(json_object_get(json_object_get(o, k1), k2));
}

START_TEST(body_camera_files_resolve_and_flags_show)
{
    api_t a;
    char sha_imp[65], sha_now[65], sha_stranger[65], sha_expired[65], codes[256], rel[256];
    char stamp[16], path[PATH_MAX];
    api_setup_with(&a, sets);
    long done = cs_test_sql_count(a.t.db, DONE_JOBS);
    cli_ok(&a, (const char *const[]){"officer", "add", "0451", "--name", "李四", "--valid-from",
                                     "2020-01-01", "--valid-to", "2030-12-31", NULL});
    cli_ok(&a, (const char *const[]){"officer", "add", "0452", "--name", "王五", "--valid-from",
                                     "2019-01-01", "--valid-to", "2022-12-31", NULL});
    cli_ok(&a, (const char *const[]){"device", "add", "A80017", "--kind", "body_camera", "--holder",
                                     "0451", NULL});

    /* The registry: read by a clerk, not by a reviewer; kept by an admin, not by a clerk. */
    cs_run_t no;
    cs_test_custody(&no, "officer", "add", "0999", "--name", "赵六", "--as", "dave", "--home",
                    a.t.home, NULL);
    ck_assert_int_eq(no.status, 1);
    ck_assert_msg(strstr(no.err, "only admins keep the officers and devices") != NULL, "%s",
                  no.err);
    cs_test_run_free(&no);
    ck_assert_int_eq(entries(&a, "entry ->> '$.action' = 'officer.add' AND entry ->> '$.result' ="
                                 " 'denied' AND entry ->> '$.actor' = 'dave'"),
                     1);
    resp_t r;
    http(&a, &r, "GET", "/v1/officers", a.dave, NULL, NULL, NULL);
    ck_assert_int_eq(r.status, 200);
    json_t *list = body_json(&r);
    ck_assert_int_eq(json_array_size(json_object_get(list, "officers")), 2);
    json_decref(list);
    resp_free(&r);
    http(&a, &r, "GET", "/v1/devices", a.alice, NULL, NULL, NULL);
    assert_problem(&r, 403, "forbidden");
    resp_free(&r);
    http(&a, &r, "POST", "/v1/devices", a.root, PURPOSE, NULL,
         "{\"serial\": \"P100\", \"kind\": \"phone\", \"holder\": \"0452\"}");
    ck_assert_msg(r.status == 201, "%d %s", r.status, r.body);
    resp_free(&r);
    http(&a, &r, "POST", "/v1/devices", a.dave, PURPOSE, NULL,
         "{\"serial\": \"P100\", \"model\": \"X\"}");
    assert_problem(&r, 403, "forbidden");
    resp_free(&r);
    ck_assert_int_eq(entries(&a, "entry ->> '$.action' = 'device.add' AND entry ->> '$.actor' ="
                                 " 'root' AND entry ->> '$.serial' = 'P100'"),
                     1);
    ck_assert_int_eq(entries(&a, "entry ->> '$.action' = 'device.set' AND entry ->> '$.result' ="
                                 " 'denied' AND entry ->> '$.actor' = 'dave'"),
                     1);

    /* Four files: a body camera's marked file of 2023 (late), one named an hour ago (in time),
     * a photo in an unregistered officer's folder, and one by an officer whose certificate had
     * ended before the date its sidecar states (the officer named there too). */
    drop_media(&a, CASE_A "/A80017_0451_20231103143000_IMP.MP4", "testsrc=size=64x48:rate=5",
               "-t 0.4 -pix_fmt yuv420p -c:v libx264", sha_imp);
    time_t t = time(NULL) - 3600 + 8 * 3600; /* an hour ago, on Shanghai's clocks */
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%d%H%M%S", &tm);
    snprintf(rel, sizeof rel, "%s/A80017_0451_%s.MP4", CASE_A, stamp);
    drop_media(&a, rel, "testsrc2=size=64x48:rate=5", "-t 0.4 -pix_fmt yuv420p -c:v libx264",
               sha_now);
    drop_media(&a, CASE_A "/9999/stranger.jpg", "color=c=red:s=64x48", "-frames:v 1", sha_stranger);
    /* The last names its officer in its sidecar, beside it in the case folder. */
    snprintf(path, sizeof path, "%s/uploads/%s/expired.jpg.json", a.t.home, CASE_A);
    const char sidecar[] =
        "{\"recorded_at\": \"2023-05-04T14:30:00+08:00\", \"officer\": \"0452\"}";
    cs_test_write(path, sidecar, strlen(sidecar));
    drop_media(&a, CASE_A "/expired.jpg", "color=c=green:s=64x48", "-frames:v 1", sha_expired);
    ck_assert_int_eq(cs_test_wait_count(a.t.db, DONE_JOBS, done + 4, 60000), done + 4);

    /* The marked file: officer, device, how each was found, its name's time, important. */
    json_t *it = item_as(&a, a.alice, sha_imp);
    json_t *reg = json_object_get(it, "registry"), *meta = json_object_get(it, "metadata");
    ck_assert_str_eq(at(reg, "officer", "cert"), "0451");
    ck_assert_str_eq(at(reg, "officer", "valid_to"), "2030-12-31");
    ck_assert_str_eq(at(reg, "officer", "how"), "name");
    ck_assert_str_eq(at(reg, "device", "serial"), "A80017");
    ck_assert_str_eq(at(reg, "device", "kind"), "body_camera");
    ck_assert(json_is_true(json_object_get(reg, "important")));
    ck_assert_str_eq(json_string_value(json_object_get(meta, "captured_at")),
                     "2023-11-03T14:30:00+08:00");
    ck_assert_str_eq(json_string_value(json_object_get(meta, "captured_at_source")),
                     "name:ingest.name_pattern+config:site.tz");
    json_t *c;
    size_t i;
    int from_name = 0;
    json_array_foreach(json_object_get(meta, "time_candidates"), i, c) from_name +=
        strcmp(json_string_value(json_object_get(c, "source")),
               "name:ingest.name_pattern+config:site.tz") == 0 &&
        strcmp(json_string_value(json_object_get(c, "local")), "2023-11-03T14:30:00") == 0;
    ck_assert_int_eq(from_name, 1);
    codes_of(it, codes);
    ck_assert_str_eq(codes, "late-upload "); /* certificate valid on 2023-11-03 */
    json_decref(it);

    it = item_as(&a, a.alice, sha_now);
    codes_of(it, codes);
    ck_assert_str_eq(codes, "");
    ck_assert(json_is_false(json_object_get(json_object_get(it, "registry"), "important")));
    json_decref(it);
    it = item_as(&a, a.alice, sha_stranger);
    codes_of(it, codes);
    ck_assert_str_eq(codes, "unregistered-officer ");
    json_decref(it);
    it = item_as(&a, a.alice, sha_expired);
    codes_of(it, codes);
    ck_assert_str_eq(codes, "certificate-expired late-upload ");
    ck_assert_str_eq(at(json_object_get(it, "registry"), "officer", "how"), "sidecar");
    ck_assert_str_eq(at(json_object_get(it, "registry"), "officer", "cert"), "0452");
    json_decref(it);

    /* The clerk's queue lists each flag with its code and params, worded by the page. */
    http(&a, &r, "GET", "/v1/jobs", a.dave, PURPOSE, NULL, NULL);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    json_t *q = body_json(&r);
    int listed = 0;
    json_array_foreach(json_object_get(q, "flagged"), i, c) listed +=
        strcmp(json_string_value(json_object_get(c, "kind")), "registry") == 0 &&
        strcmp(json_string_value(json_object_get(c, "reason_code")), "unregistered-officer") == 0 &&
        strcmp(json_string_value(json_object_get(c, "sha256")), sha_stranger) == 0 &&
        strcmp(at(c, "reason_params", "officer"), "9999") == 0;
    ck_assert_int_eq(listed, 1);
    json_decref(q);
    resp_free(&r);

    /* The CLI says the same. */
    cs_run_t out;
    cs_test_custody(&out, "show", sha_imp, "--purpose", "复核", "--home", a.t.home, NULL);
    ck_assert_int_eq(out.status, 0);
    ck_assert_msg(strstr(out.out, "officer     李四, certificate 0451") != NULL, "%s", out.out);
    ck_assert_msg(strstr(out.out, "recorder    body_camera, serial A80017, found by name"), "%s",
                  out.out);
    ck_assert_msg(strstr(out.out, "important   yes") != NULL, "%s", out.out);
    ck_assert_msg(strstr(out.out, "[late-upload]") != NULL, "%s", out.out);
    cs_test_run_free(&out);
    cs_test_custody(&out, "status", "--home", a.t.home, NULL);
    ck_assert_int_eq(out.status, 0);
    ck_assert_msg(strstr(out.out, "flagged   certificate-expired 1 late-upload 2 "
                                  "unregistered-officer 1") != NULL,
                  "%s", out.out);
    cs_test_run_free(&out);
    api_teardown(&a);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("e2e_registry");
    TCase *tc = tcase_create("registry");
    tcase_set_timeout(tc, 180);
    tcase_add_test(tc, body_camera_files_resolve_and_flags_show);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
