/* tests/e2e/test_api_reasons.c: every stored reason the API sends comes with its stable code
 * and parameters (core/reason.h, schema v11), decided by the server where the reason was
 * written, so that the web page words it from the code and never from the English sentence:
 * a failed step, a failed copy, a rejection and a route's problem, through a real service. */
#include "tests/e2e/e2e_ui.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Drops `len` bytes of `content` at <home>/uploads/<rel> (written, then renamed). */
static void
drop(api_t *a, const char *rel, const char *content, size_t len)
{
    char path[PATH_MAX], part[PATH_MAX + 8];
    snprintf(path, sizeof path, "%s/uploads/%s", a->t.home, rel);
    snprintf(part, sizeof part, "%s.part", path);
    cs_test_write(part, content, len);
    ck_assert_int_eq(rename(part, path), 0);
}

/* The member of `list` whose `key` ends with `suffix` (and, when given, of kind `kind`). */
static json_t *
find_by(json_t *list, const char *key, const char *suffix, const char *kind)
{
    size_t i, n = strlen(suffix);
    json_t *v;
    json_array_foreach(list, i, v)
    {
        const char *s = json_string_value(json_object_get(v, key));
        const char *k = json_string_value(json_object_get(v, "kind"));
        if (s != NULL && strlen(s) >= n && strcmp(s + strlen(s) - n, suffix) == 0 &&
            (kind == NULL || (k != NULL && strcmp(k, kind) == 0)))
            return v;
    }
    return NULL;
}

static const char *
str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    ck_assert_msg(s != NULL, "no \"%s\" in %s", key, json_dumps(o, JSON_COMPACT));
    return s;
}

/* The reason's code, and its params as JSON text (keys sorted), "null" when none. */
static void
assert_coded(json_t *o, const char *code, const char *params)
{
    char *p = json_dumps(json_object_get(o, "reason_params"),
                         JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    ck_assert_msg(json_is_string(json_object_get(o, "reason")), "%s", p);
    ck_assert_str_eq(str(o, "reason_code"), code);
    if (params != NULL)
        ck_assert_str_eq(p, params);
    free(p);
}

#define CRASH "\xff\xd8\xff CUSTODY-TEST-CRASH"
#define BROKEN "\xff\xd8\xff\xe0 this is not really a picture at all"

START_TEST(stored_reasons_come_with_their_code_and_params)
{
    api_t a;
    resp_t r;
    char dir[PATH_MAX], broken[65], url[256];
    static const char *const sets[] = {"worker.retries=0", NULL};
    setenv("CUSTODY_TEST_FAULTS", "1", 1);
    api_setup_with(&a, sets);
    unsetenv("CUSTODY_TEST_FAULTS");
    snprintf(dir, sizeof dir, "%s/uploads/" CASE_A, a.t.home);
    mkdir(dir, 0755);
    drop(&a, CASE_A "/crash.jpg", CRASH, strlen(CRASH));
    drop(&a, CASE_A "/broken.jpg", BROKEN, strlen(BROKEN));
    drop(&a, CASE_A "/empty.bin", "", 0);
    drop(&a, "loose.txt", "an unassigned note", 18);
    e2e_sha256(BROKEN, broken);
    ck_assert_int_eq(cs_test_wait_count(a.t.db,
                                        "SELECT count(*) FROM jobs WHERE state IN ('done',"
                                        " 'rejected') AND rel_path NOT LIKE '%clip.bin'",
                                        4, 30000),
                     4);

    http(&a, &r, "GET", "/v1/jobs?limit=50", a.dave, NULL, NULL, NULL);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    json_t *q = body_json(&r);
    /* A step that failed: extraction, its cause the worker's death, with signal and tries. */
    json_t *job = find_by(json_object_get(q, "jobs"), "path", "crash.jpg", NULL);
    ck_assert_ptr_nonnull(job);
    ck_assert_ptr_nonnull(strstr(str(job, "reason"), "metadata extraction failed: worker killed"));
    assert_coded(job, "extract",
                 "{\"cause\":\"worker-signal\",\"name\":\"SIGSEGV\",\"signal\":11,\"tries\":1}");
    json_t *step = find_by(json_object_get(q, "flagged"), "path", "crash.jpg", "step");
    ck_assert_ptr_nonnull(step);
    assert_coded(step, "extract", NULL);
    /* A rejection: an empty file, its path as a parameter. */
    json_t *rej = find_by(json_object_get(q, "rejected"), "path", "empty.bin", NULL);
    ck_assert_ptr_nonnull(rej);
    ck_assert_ptr_nonnull(strstr(str(rej, "reason"), "is empty (0 bytes)"));
    assert_coded(rej, "empty", NULL);
    ck_assert_ptr_nonnull(
        strstr(json_string_value(json_object_get(json_object_get(rej, "reason_params"), "path")),
               "/empty.bin"));
    /* A copy that failed: the worker's own words, its profile as a parameter. */
    json_t *copy = find_by(json_object_get(q, "flagged"), "sha256", broken, "derivative");
    ck_assert_ptr_nonnull(copy);
    assert_coded(copy, "copy-failed", NULL);
    ck_assert_ptr_nonnull(json_object_get(json_object_get(copy, "reason_params"), "profile"));
    /* A route's problem: no case folder. */
    json_t *route = find_by(json_object_get(q, "flagged"), "path", "loose.txt", "route");
    ck_assert_ptr_nonnull(route);
    assert_coded(route, "no-case-folder", "{}");
    json_t *loose = find_by(json_object_get(q, "jobs"), "path", "loose.txt", NULL);
    ck_assert_str_eq(str(loose, "problem_code"), "no-case-folder");
    json_decref(q);
    resp_free(&r);

    /* The item's copies, and the event that recorded each, say the same. */
    snprintf(url, sizeof url, "/v1/items/%s", broken);
    http(&a, &r, "GET", url, a.alice, PURPOSE, NULL, NULL);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    json_t *item = body_json(&r);
    json_t *pv = find_by(json_object_get(item, "derivatives"), "profile", "preview", NULL);
    ck_assert_ptr_nonnull(pv);
    assert_coded(pv, "copy-failed", "{\"profile\":\"preview\"}");
    json_t *ev, *events = json_object_get(item, "events");
    size_t i;
    int derived = 0;
    json_array_foreach(events, i, ev)
    {
        json_t *d = json_object_get(ev, "detail");
        if (strcmp(str(ev, "kind"), "derived") != 0 || json_object_get(d, "reason") == NULL)
            continue;
        assert_coded(d, "copy-failed", NULL);
        derived++;
    }
    ck_assert_int_ge(derived, 1);
    json_decref(item);
    resp_free(&r);

    /* Unassigned items: what routing said, coded. */
    http(&a, &r, "GET", "/v1/unassigned", a.dave, PURPOSE, NULL, NULL);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    json_t *items = body_json(&r);
    json_t *it = find_by(items, "original_name", "loose.txt", NULL);
    ck_assert_ptr_nonnull(it);
    assert_coded(it, "no-case-folder", "{}");
    json_decref(items);
    resp_free(&r);
    api_teardown(&a);
}
END_TEST

static Suite *
reasons_suite(void)
{
    Suite *s = suite_create("e2e_api_reasons");
    TCase *tc = tcase_create("reasons");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, stored_reasons_come_with_their_code_and_params);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(reasons_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
