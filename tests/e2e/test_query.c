/* tests/e2e/test_query.c: show, cases, items, link and verify, through the real binary. */
#include "tests/e2e/e2e.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Ingests two files into CASE_A and returns their hashes. */
static void
two_items(e2e_t *t, char sha1[65], char sha2[65])
{
    cs_run_t r;
    char f1[PATH_MAX], f2[PATH_MAX];
    e2e_file(t, f1, "in/first.jpg", "\xff\xd8\xff first photo");
    e2e_file(t, f2, "in/second.mp3", "ID3\x04 second recording");
    e2e_sha256("\xff\xd8\xff first photo", sha1);
    cs_test_custody(&r, "ingest", "--home", t->home, "--case", CASE_A, "--party", "某公司",
                    "--json", f1, f2, NULL);
    ck_assert_msg(r.status == 0, "%s", r.err);
    char *nl = strchr(r.out, '\n');
    ck_assert_ptr_nonnull(nl);
    json_t *o = json_loads(nl + 1, 0, NULL);
    ck_assert_ptr_nonnull(o);
    snprintf(sha2, 65, "%s", json_string_value(json_object_get(o, "sha256")));
    json_decref(o);
    cs_test_run_free(&r);
}

START_TEST(show_finds_an_item_by_prefix_with_its_history)
{
    e2e_t t;
    cs_run_t r;
    char sha1[65], sha2[65], prefix[9];
    e2e_setup(&t);
    two_items(&t, sha1, sha2);
    snprintf(prefix, sizeof prefix, "%.8s", sha1);
    cs_test_custody(&r, "show", "--purpose", "e2e check", "--home", t.home, prefix, "--json", NULL);
    ck_assert_msg(r.status == 0, "%s", r.err);
    json_t *v = e2e_json(&r);
    ck_assert_str_eq(json_string_value(json_object_get(v, "sha256")), sha1);
    ck_assert_str_eq(json_string_value(json_object_get(v, "media_type")), "image/jpeg");
    json_t *src = json_array_get(json_object_get(v, "sources"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(src, "original_name")), "first.jpg");
    json_t *link = json_array_get(json_object_get(v, "links"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(link, "case")), CASE_A);
    ck_assert_str_eq(json_string_value(json_object_get(link, "party")), "某公司");
    ck_assert_int_ge(json_array_size(json_object_get(v, "events")), 3);
    json_decref(v);
    cs_test_run_free(&r);
    /* Human form names the same things. */
    cs_test_custody(&r, "show", "--purpose", "e2e check", "--home", t.home, sha1, NULL);
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "first.jpg"));
    ck_assert_ptr_nonnull(strstr(r.out, CASE_A));
    cs_test_run_free(&r);
    e2e_teardown(&t);
}
END_TEST

static const struct {
    const char *item;
    const char *expect;
} bad_items[] = {
    {"abc", "at least 8 hex digits"},
    {"zzzzzzzzzz", "at least 8 hex digits"},
    {"0000000000000000", "not found"},
};

START_TEST(show_refuses_short_bad_and_unknown_items)
{
    e2e_t t;
    cs_run_t r;
    e2e_setup(&t);
    cs_test_custody(&r, "show", "--purpose", "e2e check", "--home", t.home, bad_items[_i].item,
                    NULL);
    ck_assert_int_eq(r.status, 2);
    ck_assert_msg(strstr(r.err, bad_items[_i].expect) != NULL, "%s", r.err);
    ck_assert_ptr_nonnull(strstr(r.err, bad_items[_i].item));
    cs_test_run_free(&r);
    e2e_teardown(&t);
}
END_TEST

START_TEST(cases_and_items_list_what_was_linked)
{
    e2e_t t;
    cs_run_t r;
    char sha1[65], sha2[65];
    e2e_setup(&t);
    two_items(&t, sha1, sha2);
    cs_test_custody(&r, "items", "--purpose", "e2e check", "--home", t.home, "--case", CASE_A,
                    "--json", NULL);
    ck_assert_msg(r.status == 0, "%s", r.err);
    json_t *v = e2e_json(&r);
    ck_assert_int_eq(json_array_size(v), 2);
    int seen = 0;
    for (size_t i = 0; i < 2; i++) {
        const char *s = json_string_value(json_object_get(json_array_get(v, i), "sha256"));
        seen |= strcmp(s, sha1) == 0 ? 1 : strcmp(s, sha2) == 0 ? 2 : 0;
    }
    ck_assert_int_eq(seen, 3);
    json_decref(v);
    cs_test_run_free(&r);
    cs_test_custody(&r, "cases", "--purpose", "e2e check", "--home", t.home, "--json", NULL);
    v = e2e_json(&r);
    json_t *c = json_array_get(v, 0);
    ck_assert_str_eq(json_string_value(json_object_get(c, "case")), CASE_A);
    ck_assert_int_eq(json_integer_value(json_object_get(c, "items")), 2);
    ck_assert_str_eq(json_string_value(json_array_get(json_object_get(c, "parties"), 0)), "某公司");
    json_decref(v);
    cs_test_run_free(&r);
    cs_test_custody(&r, "items", "--purpose", "e2e check", "--home", t.home, "--case", CASE_B,
                    NULL);
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(r.err, CASE_B));
    cs_test_run_free(&r);
    e2e_teardown(&t);
}
END_TEST

START_TEST(relinking_moves_the_item_and_keeps_the_history)
{
    e2e_t t;
    cs_run_t r;
    char sha1[65], sha2[65];
    e2e_setup(&t);
    two_items(&t, sha1, sha2);
    cs_test_custody(&r, "link", "--home", t.home, sha1, "--case", "任水罚[2023]13号", NULL);
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "--reason"));
    cs_test_run_free(&r);
    cs_test_custody(&r, "link", "--home", t.home, sha1, "--case", "任水罚[2023]13号", "--reason",
                    "filed under the wrong case by the clerk", NULL);
    ck_assert_msg(r.status == 0, "%s", r.err);
    cs_test_run_free(&r);
    cs_test_custody(&r, "items", "--purpose", "e2e check", "--home", t.home, "--case", CASE_A,
                    "--json", NULL);
    json_t *v = e2e_json(&r);
    ck_assert_int_eq(json_array_size(v), 1);
    json_decref(v);
    cs_test_run_free(&r);
    cs_test_custody(&r, "items", "--purpose", "e2e check", "--home", t.home, "--case", CASE_B,
                    "--json", NULL);
    v = e2e_json(&r);
    ck_assert_int_eq(json_array_size(v), 1);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(v, 0), "sha256")), sha1);
    json_decref(v);
    cs_test_run_free(&r);
    cs_test_custody(&r, "show", "--purpose", "e2e check", "--home", t.home, sha1, "--json", NULL);
    v = e2e_json(&r);
    json_t *links = json_object_get(v, "links");
    ck_assert_int_eq(json_array_size(links), 2);
    int active = 0, old = 0;
    for (size_t i = 0; i < 2; i++) {
        json_t *l = json_array_get(links, i);
        if (json_is_true(json_object_get(l, "active"))) {
            active++;
            ck_assert_str_eq(json_string_value(json_object_get(l, "case")), CASE_B);
            ck_assert_str_eq(json_string_value(json_object_get(l, "reason")),
                             "filed under the wrong case by the clerk");
        } else {
            old++;
            ck_assert_str_eq(json_string_value(json_object_get(l, "case")), CASE_A);
        }
    }
    ck_assert_int_eq(active, 1);
    ck_assert_int_eq(old, 1);
    json_decref(v);
    cs_test_run_free(&r);
    ck_assert_int_eq(cs_test_sql_count(t.db, "SELECT count(*) FROM events WHERE kind='relinked'"),
                     1);
    /* --add keeps the current link beside the new one. */
    cs_test_custody(&r, "link", "--home", t.home, sha2, "--case", CASE_B, "--add", "--reason",
                    "also evidence in the sister case", NULL);
    ck_assert_msg(r.status == 0, "%s", r.err);
    cs_test_run_free(&r);
    ck_assert_int_eq(
        cs_test_sql_count(t.db, "SELECT count(*) FROM links WHERE superseded_at IS NULL"), 3);
    e2e_teardown(&t);
}
END_TEST

START_TEST(verify_reports_altered_and_missing_originals)
{
    e2e_t t;
    cs_run_t r;
    char sha1[65], sha2[65], obj[PATH_MAX];
    e2e_setup(&t);
    two_items(&t, sha1, sha2);
    cs_test_custody(&r, "verify", "--home", t.home, "--all", NULL);
    ck_assert_msg(r.status == 0, "%s%s", r.out, r.err);
    ck_assert_ptr_nonnull(strstr(r.out, sha1));
    cs_test_run_free(&r);
    /* Alter one original behind the store's back, delete the other. */
    snprintf(obj, sizeof obj, "%s/store/objects/sha256/%.2s/%.2s/%s", t.home, sha1, sha1 + 2, sha1);
    chmod(obj, 0644);
    cs_test_write(obj, "\xff\xd8\xff first phot0", strlen("\xff\xd8\xff first phot0"));
    snprintf(obj, sizeof obj, "%s/store/objects/sha256/%.2s/%.2s/%s", t.home, sha2, sha2 + 2, sha2);
    ck_assert_int_eq(unlink(obj), 0);
    cs_test_custody(&r, "verify", "--home", t.home, "--all", "--json", NULL);
    ck_assert_int_eq(r.status, 1);
    json_t *v = e2e_json(&r);
    ck_assert_int_eq(json_array_size(v), 2);
    for (size_t i = 0; i < 2; i++) {
        json_t *o = json_array_get(v, i);
        const char *sha = json_string_value(json_object_get(o, "sha256"));
        const char *res = json_string_value(json_object_get(o, "result"));
        ck_assert_str_eq(res, strcmp(sha, sha1) == 0 ? "mismatch" : "missing");
    }
    json_decref(v);
    cs_test_run_free(&r);
    cs_test_custody(&r, "verify", "--home", t.home, sha1, NULL);
    ck_assert_int_eq(r.status, 1);
    ck_assert_ptr_nonnull(strstr(r.out, "MISMATCH"));
    cs_test_run_free(&r);
    ck_assert_int_eq(cs_test_sql_count(t.db, "SELECT count(*) FROM events WHERE kind='verified'"),
                     5);
    cs_test_custody(&r, "verify", "--home", t.home, NULL);
    ck_assert_int_eq(r.status, 2);
    cs_test_run_free(&r);
    e2e_teardown(&t);
}
END_TEST

/* The CLI's lists under a user's rules (--as): only what the gate lets them read, each list a
 * ledgered read by that user; a case they hold no grant on is refused and ledgered. */
START_TEST(lists_as_a_user_show_only_what_they_may_read)
{
    e2e_t t;
    cs_run_t r;
    char sha1[65], sha2[65];
    e2e_setup(&t);
    two_items(&t, sha1, sha2);
    cs_test_custody(&r, "user", "add", "bob", "--home", t.home, "--role", "reviewer", NULL);
    ck_assert_int_eq(r.status, 0);
    cs_test_run_free(&r);
    cs_test_custody(&r, "cases", "--purpose", "e2e check", "--as", "bob", "--home", t.home,
                    "--json", NULL);
    ck_assert_msg(r.status == 0, "%s", r.err);
    json_t *v = e2e_json(&r);
    ck_assert_int_eq(json_array_size(v), 0);
    json_decref(v);
    cs_test_run_free(&r);
    cs_test_custody(&r, "items", "--purpose", "e2e check", "--as", "bob", "--home", t.home,
                    "--case", CASE_A, NULL);
    ck_assert_int_eq(r.status, 1);
    ck_assert_ptr_nonnull(strstr(r.err, "no live grant"));
    cs_test_run_free(&r);
    cs_test_custody(&r, "search", "--purpose", "e2e check", "--as", "bob", "--home", t.home,
                    "--json", NULL);
    ck_assert_msg(r.status == 0, "%s", r.err);
    v = e2e_json(&r);
    ck_assert_int_eq(json_array_size(v), 0);
    json_decref(v);
    cs_test_run_free(&r);
    cs_test_custody(&r, "grant", "bob", "--any-purpose", "--home", t.home, "--case", CASE_A,
                    "--purpose", "e2e check", NULL);
    ck_assert_int_eq(r.status, 0);
    cs_test_run_free(&r);
    cs_test_custody(&r, "items", "--purpose", "e2e check", "--as", "bob", "--home", t.home,
                    "--case", CASE_A, "--json", NULL);
    ck_assert_msg(r.status == 0, "%s", r.err);
    v = e2e_json(&r);
    ck_assert_int_eq(json_array_size(v), 2);
    json_decref(v);
    cs_test_run_free(&r);
    cs_test_custody(&r, "search", "--purpose", "e2e check", "--as", "bob", "--home", t.home,
                    "--json", NULL);
    ck_assert_msg(r.status == 0, "%s", r.err);
    v = e2e_json(&r);
    ck_assert(json_is_array(v));
    ck_assert_int_eq(json_array_size(v), 2);
    json_decref(v);
    cs_test_run_free(&r);
    ck_assert_int_eq(cs_test_sql_count(t.db, "SELECT count(*) FROM ledger WHERE"
                                             " json_extract(entry, '$.actor') = 'bob' AND"
                                             " json_extract(entry, '$.result') = 'denied'"),
                     1);
    e2e_teardown(&t);
}
END_TEST

static Suite *
query_suite(void)
{
    Suite *s = suite_create("e2e_query");
    TCase *tc = tcase_create("query");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, show_finds_an_item_by_prefix_with_its_history);
    tcase_add_loop_test(tc, show_refuses_short_bad_and_unknown_items, 0,
                        (int)(sizeof bad_items / sizeof bad_items[0]));
    tcase_add_test(tc, cases_and_items_list_what_was_linked);
    tcase_add_test(tc, lists_as_a_user_show_only_what_they_may_read);
    tcase_add_test(tc, relinking_moves_the_item_and_keeps_the_history);
    tcase_add_test(tc, verify_reports_altered_and_missing_originals);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(query_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
