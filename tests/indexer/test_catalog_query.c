/* tests/indexer/test_catalog_query.c: reading the catalog back: an item by a prefix of its
 * hash, the cases and a case's items, and every item walked in order (and stopped). */
#include "tests/indexer/indexer_util.h"

#include "core/error.h"
#include "tests/support/testutil.h"

#include <check.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

START_TEST(test_resolve_prefix)
{
    char a[65], b[65], c[65], out[65];
    fake_sha(a, "aaaaaaaa0", '5');
    fake_sha(b, "aaaaaaaa1", '5');
    fake_sha(c, "bbbbbbbb", '6');
    const char *shas[] = {a, b, c};
    for (int i = 0; i < 3; i++) {
        cs_arrival_t x = arrival(shas[i], CASE_A, NULL, "x.jpg");
        ck_assert_int_eq(cs_catalog_record_arrival(cat, &x, NULL), 0);
    }

    static const struct {
        const char *prefix;
        int err;
        const char *sha;    /* expected on success */
        const char *detail; /* part of the detail on failure */
    } cases[] = {
        {"aaaaaaaa", CS_EAMBIGUOUS, NULL, "2 items start with it"},
        {"aaaaaaaa0", 0, "aaaaaaaa0", NULL},
        {"AAAAAAAA1", 0, "aaaaaaaa1", NULL},
        {"bbbbbbbb", 0, "bbbbbbbb", NULL},
        {"cccccccc", CS_ENOTFOUND, NULL, "not found"},
        {"aaaaaaa", CS_EINVAL, NULL, "give the full sha256 or at least 8 hex digits"},
        {"", CS_EINVAL, NULL, "at least 8 hex digits"},
        {"aaaaaaaz", CS_EINVAL, NULL, "\"aaaaaaaz\""},
        {"aaaaaaaa' OR 1=1 --", CS_EINVAL, NULL, "at least 8 hex digits"},
        {"aaaaaaaa%", CS_EINVAL, NULL, "at least 8 hex digits"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memset(out, 0, sizeof out);
        int err = cs_catalog_resolve(cat, cases[i].prefix, out);
        ck_assert_msg(err == cases[i].err, "%s: got %s", cases[i].prefix, cs_errname(err));
        if (err == 0)
            ck_assert_msg(strncmp(out, cases[i].sha, strlen(cases[i].sha)) == 0 &&
                              strlen(out) == 64,
                          "%s -> %s", cases[i].prefix, out);
        else
            ck_assert_msg(strstr(cs_diag(), cases[i].detail) != NULL, "%s: detail \"%s\"",
                          cases[i].prefix, cs_diag());
    }
    /* The full hash, and one digit too many. */
    ck_assert_int_eq(cs_catalog_resolve(cat, c, out), 0);
    ck_assert_str_eq(out, c);
    char longer[66];
    snprintf(longer, sizeof longer, "%s0", c);
    ck_assert_int_eq(cs_catalog_resolve(cat, longer, out), CS_EINVAL);
    ck_assert_int_eq(cs_catalog_resolve(cat, NULL, out), CS_EINVAL);
}
END_TEST

START_TEST(test_cases_and_case_items)
{
    char s1[65], s2[65], s3[65];
    fake_sha(s1, "11111111", '1');
    fake_sha(s2, "22222222", '2');
    fake_sha(s3, "33333333", '3');
    cs_arrival_t a1 = arrival(s1, CASE_B, "张三", "one.jpg");
    cs_arrival_t a2 = arrival(s2, CASE_B, NULL, "two.mov");
    a2.media_type = "video/quicktime";
    a2.size = 777;
    cs_arrival_t a3 = arrival(s3, CASE_A, "李四", "three.jpg");
    cs_arrival_t a1again = arrival(s1, CASE_B, "张三", "one again.jpg");
    ck_assert_int_eq(cs_catalog_record_arrival(cat, &a1, NULL), 0);
    ck_assert_int_eq(cs_catalog_record_arrival(cat, &a2, NULL), 0);
    ck_assert_int_eq(cs_catalog_record_arrival(cat, &a3, NULL), 0);
    ck_assert_int_eq(cs_catalog_record_arrival(cat, &a1again, NULL), 0);
    /* Moving s3 away leaves CASE_A with no active item but keeps the case. */
    ck_assert_int_eq(cs_catalog_link(cat, s3, CASE_B, NULL, "clerk.li", "belongs to 13", 1), 0);

    json_t *cases = NULL;
    ck_assert_int_eq(cs_catalog_cases(cat, &cases), 0);
    ck_assert_uint_eq(json_array_size(cases), 2);
    json_t *ca = json_array_get(cases, 0), *cb = json_array_get(cases, 1);
    ck_assert_str_eq(json_string_value(json_object_get(ca, "case")), CASE_A);
    ck_assert_int_eq(json_integer_value(json_object_get(ca, "items")), 0);
    ck_assert_str_eq(json_string_value(json_array_get(json_object_get(ca, "parties"), 0)), "李四");
    ck_assert_str_eq(json_string_value(json_object_get(cb, "case")), CASE_B);
    ck_assert_int_eq(json_integer_value(json_object_get(cb, "items")), 3);
    ck_assert_uint_eq(json_array_size(json_object_get(cb, "parties")), 1);
    assert_rfc3339_ms(json_string_value(json_object_get(cb, "created_at")));
    ck_assert_ptr_null(json_object_get(cb, "id"));
    json_decref(cases);

    json_t *items = NULL;
    ck_assert_int_eq(cs_catalog_case_items(cat, CASE_B, &items), 0);
    ck_assert_uint_eq(json_array_size(items), 3);
    json_t *i0 = json_array_get(items, 0), *i1 = json_array_get(items, 1),
           *i2 = json_array_get(items, 2);
    ck_assert_str_eq(json_string_value(json_object_get(i0, "sha256")), s1);
    ck_assert_str_eq(json_string_value(json_object_get(i0, "party")), "张三");
    ck_assert_str_eq(json_string_value(json_object_get(i0, "original_name")), "one.jpg");
    assert_rfc3339_ms(json_string_value(json_object_get(i0, "linked_at")));
    ck_assert_str_eq(json_string_value(json_object_get(i1, "sha256")), s2);
    ck_assert_int_eq(json_integer_value(json_object_get(i1, "size")), 777);
    ck_assert_str_eq(json_string_value(json_object_get(i1, "media_type")), "video/quicktime");
    ck_assert(json_is_null(json_object_get(i1, "party")));
    ck_assert_str_eq(json_string_value(json_object_get(i2, "sha256")), s3);
    json_decref(items);

    ck_assert_int_eq(cs_catalog_case_items(cat, CASE_A, &items), 0);
    ck_assert_uint_eq(json_array_size(items), 0);
    json_decref(items);
    ck_assert_int_eq(cs_catalog_case_items(cat, "无此案〔2020〕1号", &items), CS_ENOTFOUND);
    ck_assert_ptr_null(items);
    ck_assert_ptr_nonnull(strstr(cs_diag(), "无此案〔2020〕1号"));
}
END_TEST

typedef struct walk {
    int calls, stop_at;
    char last[65];
    int ordered;
} walk_t;

static int
walk_fn(const char *sha256, uint64_t size, void *arg)
{
    walk_t *w = arg;
    if (strcmp(sha256, w->last) <= 0)
        w->ordered = 0;
    snprintf(w->last, sizeof w->last, "%s", sha256);
    ck_assert_uint_eq(size, 1234);
    /* The catalog is usable from inside the walk. */
    char out[65];
    ck_assert_int_eq(cs_catalog_resolve(cat, sha256, out), 0);
    return ++w->calls == w->stop_at ? 42 : 0;
}

START_TEST(test_each_item_walks_in_order_and_stops)
{
    enum { N = 300 }; /* more than one batch */
    char sha[65], head[9];
    for (int i = N; i > 0; i--) {
        snprintf(head, sizeof head, "%08x", (unsigned)i * 2654435761u);
        fake_sha(sha, head, 'e');
        cs_arrival_t a = arrival(sha, i % 2 ? CASE_A : NULL, NULL, "n.jpg");
        ck_assert_int_eq(cs_catalog_record_arrival(cat, &a, NULL), 0);
    }
    walk_t w = {.ordered = 1};
    ck_assert_int_eq(cs_catalog_each_item(cat, walk_fn, &w), 0);
    ck_assert_int_eq(w.calls, N);
    ck_assert_int_eq(w.ordered, 1);

    walk_t s = {.ordered = 1, .stop_at = 260};
    ck_assert_int_eq(cs_catalog_each_item(cat, walk_fn, &s), 42);
    ck_assert_int_eq(s.calls, 260);
}
END_TEST

static Suite *
catalog_query_suite(void)
{
    Suite *s = suite_create("catalog_query");
    TCase *tc = tcase_create("catalog_query");
    tcase_add_checked_fixture(tc, catalog_setup, catalog_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_resolve_prefix);
    tcase_add_test(tc, test_cases_and_case_items);
    tcase_add_test(tc, test_each_item_walks_in_order_and_stops);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(catalog_query_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
