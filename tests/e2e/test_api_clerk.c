/* tests/e2e/test_api_clerk.c: the clerk's views over a real socket: the queue (counts,
 * jobs, rejections and flags with their reasons) and unassigned items (a ledgered read),
 * linked to a case and then among its items. */
#include "tests/e2e/e2e_ui.h"

#include <ftw.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- the clerk's views ---- */

/* Drops `content` at <home>/uploads/<rel> as an uploader would (written, then renamed). */
static void
drop(api_t *a, const char *rel, const char *content)
{
    char path[PATH_MAX], part[PATH_MAX + 8];
    snprintf(path, sizeof path, "%s/uploads/%s", a->t.home, rel);
    snprintf(part, sizeof part, "%s.part", path);
    cs_test_write(part, content, strlen(content));
    ck_assert_int_eq(rename(part, path), 0);
}

/* The member of `list` whose `key` ends with `suffix`, or NULL. */
static json_t *
find_by(json_t *list, const char *key, const char *suffix)
{
    size_t i, n = strlen(suffix);
    json_t *v;
    json_array_foreach(list, i, v)
    {
        const char *s = json_string_value(json_object_get(v, key));
        if (s != NULL && strlen(s) >= n && strcmp(s + strlen(s) - n, suffix) == 0)
            return v;
    }
    return NULL;
}

START_TEST(clerks_watch_the_queue_and_assign_unassigned_items)
{
    api_t a;
    resp_t r;
    char loose[65], url[256], dir[PATH_MAX];
    api_setup(&a);
    /* One file outside any case folder, one empty file in a case folder. */
    drop(&a, "loose.txt", "an unassigned note");
    snprintf(dir, sizeof dir, "%s/uploads/" CASE_A, a.t.home);
    ck_assert_int_eq(mkdir(dir, 0755), 0);
    drop(&a, CASE_A "/empty.bin", "");
    e2e_sha256("an unassigned note", loose);
    char q[256];
    snprintf(q, sizeof q, "SELECT count(*) FROM items WHERE sha256 = '%s'", loose);
    ck_assert_int_eq(cs_test_wait_count(a.t.db, q, 1, 20000), 1);
    ck_assert_int_eq(
        cs_test_wait_count(a.t.db, "SELECT count(*) FROM jobs WHERE state = 'rejected'", 1, 20000),
        1);
    /* The queue: counts per state, jobs, rejections and flags with their reasons. */
    http(&a, &r, "GET", "/v1/jobs?limit=50", a.dave, NULL, NULL, NULL);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    assert_protected(&r);
    ck_assert_str_eq(header(&r, "cache-control"), "no-store");
    json_t *queue = body_json(&r);
    json_t *counts = json_object_get(queue, "counts");
    ck_assert_int_ge(json_integer_value(json_object_get(counts, "done")), 1);
    ck_assert_int_eq(json_integer_value(json_object_get(counts, "rejected")), 1);
    ck_assert(json_is_integer(json_object_get(counts, "discovered")));
    json_t *job = find_by(json_object_get(queue, "jobs"), "path", "loose.txt");
    ck_assert_ptr_nonnull(job);
    ck_assert_str_eq(json_string_value(json_object_get(job, "state")), "done");
    ck_assert(json_is_integer(json_object_get(job, "id")));
    ck_assert(json_is_string(json_object_get(job, "updated_at")));
    json_t *rej = find_by(json_object_get(queue, "rejected"), "path", "empty.bin");
    ck_assert_ptr_nonnull(rej);
    ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(rej, "reason")), "empty"));
    json_t *flag = find_by(json_object_get(queue, "flagged"), "path", "loose.txt");
    ck_assert_ptr_nonnull(flag);
    ck_assert_str_eq(json_string_value(json_object_get(flag, "kind")), "route");
    ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(flag, "reason")), "unassigned"));
    json_decref(queue);
    resp_free(&r);
    http(&a, &r, "GET", "/v1/jobs", a.carol, NULL, NULL, NULL);
    ck_assert_int_eq(r.status, 200);
    resp_free(&r);
    refused_with(&a, "GET", "/v1/jobs", a.alice, NULL, NULL, 403, "forbidden");
    refused_with(&a, "GET", "/v1/jobs?limit=0", a.dave, NULL, NULL, 400, "bad-request");
    /* Unassigned items: a read of items, so stated and ledgered; reviewers not at all. */
    long lists = entries(&a, "json_extract(entry, '$.action') = 'list' AND "
                             "json_extract(entry, '$.actor') = 'dave'");
    http(&a, &r, "GET", "/v1/unassigned?limit=10", a.dave, PURPOSE, NULL, NULL);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    json_t *items = body_json(&r), *it = find_by(items, "sha256", loose);
    ck_assert_ptr_nonnull(it);
    ck_assert_str_eq(json_string_value(json_object_get(it, "original_name")), "loose.txt");
    ck_assert_int_eq(json_integer_value(json_object_get(it, "size")), 18);
    ck_assert(json_is_string(json_object_get(it, "media_type")));
    ck_assert(json_is_string(json_object_get(it, "received_at")));
    ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(it, "reason")), "case folder"));
    ck_assert_ptr_null(find_by(items, "sha256", a.sha)); /* in a case */
    json_decref(items);
    resp_free(&r);
    ck_assert_int_eq(entries(&a, "json_extract(entry, '$.action') = 'list' AND "
                                 "json_extract(entry, '$.actor') = 'dave'"),
                     lists + 1);
    refused_with(&a, "GET", "/v1/unassigned", a.dave, NULL, NULL, 400, "no-purpose");
    refused_with(&a, "GET", "/v1/unassigned", a.bob, PURPOSE, NULL, 403, "forbidden");
    /* Linked to a case, it is no longer unassigned; the case's items show it for a timeline. */
    snprintf(url, sizeof url, "/v1/items/%s/links", loose);
    http(&a, &r, "POST", url, a.dave, NULL, NULL,
         "{\"case\":\"" CASE_A "\",\"party\":\"某公司\",\"reason\":\"belongs here\"}");
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    resp_free(&r);
    http(&a, &r, "GET", "/v1/unassigned", a.dave, PURPOSE, NULL, NULL);
    items = body_json(&r);
    ck_assert_ptr_null(find_by(items, "sha256", loose));
    json_decref(items);
    resp_free(&r);
    http(&a, &r, "GET", "/v1/cases/" CASE_A_PCT "/items", a.alice, PURPOSE, NULL, NULL);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    items = body_json(&r);
    ck_assert_int_eq(json_array_size(json_object_get(items, "items")), 2);
    it = find_by(json_object_get(items, "items"), "sha256", a.sha);
    ck_assert_ptr_nonnull(it);
    static const char *const keys[] = {
        "sha256", "media_type",   "size",  "original_name", "captured_at", "captured_at_source",
        "offset", "offset_known", "party", "stage",         "officer",     "note",
        "place",  "device",       "gps",   "derivatives",   "linked_at",   "received_at"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        ck_assert_msg(json_object_get(it, keys[i]) != NULL, "no \"%s\"", keys[i]);
    ck_assert(json_is_object(json_object_get(it, "derivatives")));
    ck_assert_str_eq(json_string_value(json_object_get(it, "party")), "某公司");
    ck_assert_str_eq(json_string_value(json_object_get(it, "original_name")), "clip.bin");
    json_decref(items);
    resp_free(&r);
    api_teardown(&a);
}
END_TEST

static Suite *
clerk_suite(void)
{
    Suite *s = suite_create("e2e_api_clerk");
    TCase *tc = tcase_create("clerk");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, clerks_watch_the_queue_and_assign_unassigned_items);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(clerk_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
