/* tests/e2e/test_api_archive.c: an archived case over the API (issue 25, parts 2 and 3): GET
 * /v1/items/{sha256}/dat63 answers the DA/T 63 record as XML with the item's hash and its
 * 档号, a read ledgered like the item's record (400 for an item that is not audio or video);
 * the case's record and the case list carry its 档号, and GET /v1/search?reference= finds its
 * items by it. */
#include "tests/e2e/e2e_api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

START_TEST(an_archived_case_over_the_api)
{
    static const char *const steps[] = {"investigating", "under_review", "decided", "served",
                                        "closed"};
    api_t a;
    resp_t r;
    cs_run_t run;
    char clip[PATH_MAX], cmd[PATH_MAX + 256], out[PATH_MAX], sha[65], ref[64], target[256];
    api_setup(&a);
    snprintf(clip, sizeof clip, "%s/bodycam.mp4", a.t.dir);
    snprintf(cmd, sizeof cmd,
             "ffmpeg -nostdin -loglevel error -y -f lavfi -i testsrc2=size=160x120:rate=25 -t 0.4 "
             "-c:v libx264 '%s'",
             clip);
    ck_assert_int_eq(system(cmd), 0);
    cs_test_custody(&run, "ingest", "--home", a.t.home, "--case", CASE_A, "--json", clip, NULL);
    run_ok(&run);
    json_t *line = e2e_json(&run);
    snprintf(sha, sizeof sha, "%s", json_string_value(json_object_get(line, "sha256")));
    json_decref(line);
    cs_test_run_free(&run);
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        cs_test_custody(&run, "case", "status", CASE_A, "--to", steps[i], "--home", a.t.home, NULL);
        run_ok(&run);
        cs_test_run_free(&run);
    }
    snprintf(out, sizeof out, "%s/pkg", a.t.dir);
    cs_test_custody(&run, "case", "archive", CASE_A, "--out", out, "--set", "archive.fonds=J001",
                    "--home", a.t.home, NULL);
    run_ok(&run);
    cs_test_run_free(&run);
    char year[8];
    time_t now = time(NULL);
    strftime(year, sizeof year, "%Y", localtime(&now));
    snprintf(ref, sizeof ref, "J001-ZF-%s-C-0001", year);

    snprintf(target, sizeof target, "/v1/items/%s/dat63", sha);
    http(&a, &r, "GET", target, a.alice, PURPOSE, NULL, NULL);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    ck_assert_msg(strstr(header(&r, "content-type"), "application/xml") != NULL, "%s",
                  header(&r, "content-type"));
    snprintf(cmd, sizeof cmd, "<摘要值>%s</摘要值>", sha);
    ck_assert_msg(strstr(r.body, cmd) != NULL, "%s", r.body);
    snprintf(cmd, sizeof cmd, "<案卷档号>%s</案卷档号>", ref);
    ck_assert_msg(strstr(r.body, cmd) != NULL, "%s", r.body);
    resp_free(&r);
    snprintf(cmd, sizeof cmd,
             "entry ->> '$.action' = 'view' AND entry ->> '$.item' = '%s' AND entry ->>"
             " '$.result' = 'allowed'",
             sha);
    ck_assert_int_ge(entries(&a, cmd), 1);
    snprintf(target, sizeof target, "/v1/items/%s/dat63", a.sha); /* not a recording */
    http(&a, &r, "GET", target, a.alice, PURPOSE, NULL, NULL);
    ck_assert_int_eq(r.status, 400);
    resp_free(&r);

    http(&a, &r, "GET", "/v1/cases/" CASE_A_PCT "/record", a.alice, PURPOSE, NULL, NULL);
    ck_assert_int_eq(r.status, 200);
    json_t *rec = body_json(&r);
    ck_assert_str_eq(json_string_value(json_object_get(rec, "reference")), ref);
    json_decref(rec);
    resp_free(&r);
    http(&a, &r, "GET", "/v1/cases", a.alice, PURPOSE, NULL, NULL);
    ck_assert_int_eq(r.status, 200);
    ck_assert_msg(strstr(r.body, ref) != NULL, "%s", r.body);
    resp_free(&r);
    snprintf(target, sizeof target, "/v1/search?reference=%s", ref);
    http(&a, &r, "GET", target, a.alice, PURPOSE, NULL, NULL);
    ck_assert_msg(r.status == 200 && strstr(r.body, sha) != NULL, "%d %s", r.status, r.body);
    resp_free(&r);
    http(&a, &r, "GET", "/v1/search?reference=J001-NONE", a.alice, PURPOSE, NULL, NULL);
    ck_assert_int_eq(r.status, 404);
    resp_free(&r);
    api_teardown(&a);
}
END_TEST

static Suite *
api_archive_suite(void)
{
    Suite *s = suite_create("api_archive");
    TCase *tc = tcase_create("api_archive");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, an_archived_case_over_the_api);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(api_archive_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
