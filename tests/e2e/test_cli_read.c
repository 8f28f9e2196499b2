/* tests/e2e/test_cli_read.c: what a reader of the CLI is told: show's capture summary, a search
 * that finds nothing or is asked backwards, counts in words, what each ledger entry did, and
 * a reviewer's lists under the purpose of their grant. */
#include "tests/e2e/e2e.h"

#include <stdlib.h>
#include <string.h>

#define GOOGLE CUSTODY_TEST_DATA "/exiftool/Google.jpg"

/* Runs custody with the home and a purpose; the caller frees r. */
#define READ(r, ...)                                                                               \
    cs_test_custody(r, __VA_ARGS__, "--home", t.home, "--purpose", "法制审核", NULL)

static void
ingest(e2e_t *t, const char *case_number, const char *path)
{
    cs_run_t r;
    cs_test_custody(&r, "ingest", "--home", t->home, "--case", case_number, path, NULL);
    ck_assert_msg(r.status == 0, "ingest %s: %s", path, r.err);
    cs_test_run_free(&r);
}

/* show's text leads with what was recorded, when (and by which rule), where, with what, for
 * how long, and which copies were made. */
START_TEST(show_prints_the_capture_summary)
{
    e2e_t t;
    cs_run_t r;
    char clip[PATH_MAX], cmd[PATH_MAX + 160];
    e2e_setup(&t);
    ingest(&t, CASE_A, GOOGLE);
    READ(&r, "search", "--text", "Google.jpg", "--json");
    json_t *hits = e2e_json(&r);
    char sha[65];
    snprintf(sha, sizeof sha, "%s",
             json_string_value(json_object_get(json_array_get(hits, 0), "sha256")));
    json_decref(hits);
    cs_test_run_free(&r);
    READ(&r, "show", sha);
    ck_assert_msg(r.status == 0, "%s", r.err);
    /* ExifTool: DateTimeOriginal 2023:10:06 22:53:51 +02:00; GPS 40.4000694, -3.7146472;
     * Google Pixel 8 Pro. */
    ck_assert_msg(strstr(r.out, "captured    2023-10-06 22:53:51 +02:00 (exif:DateTimeOriginal") !=
                      NULL,
                  "%s", r.out);
    ck_assert_msg(strstr(r.out, "place       40.400069, -3.714647 (exif:GPS)") != NULL, "%s",
                  r.out);
    ck_assert_msg(strstr(r.out, "device      Google Pixel 8 Pro") != NULL, "%s", r.out);
    ck_assert_msg(strstr(r.out, "copies      2: preview (verified), thumbnail (verified)") != NULL,
                  "%s", r.out);
    cs_test_run_free(&r);

    /* A recording has a duration. */
    snprintf(clip, sizeof clip, "%s/tone.mp3", t.dir);
    snprintf(cmd, sizeof cmd,
             "ffmpeg -nostdin -loglevel error -y -f lavfi -i sine=frequency=440 -t 2 "
             "-c:a libmp3lame '%s'",
             clip);
    ck_assert_int_eq(system(cmd), 0);
    ingest(&t, CASE_A, clip);
    READ(&r, "search", "--text", "tone.mp3", "--json");
    hits = e2e_json(&r);
    snprintf(sha, sizeof sha, "%s",
             json_string_value(json_object_get(json_array_get(hits, 0), "sha256")));
    json_decref(hits);
    cs_test_run_free(&r);
    READ(&r, "show", sha);
    ck_assert_msg(r.status == 0, "%s", r.err);
    ck_assert_msg(strstr(r.out, "duration    2.") != NULL, "%s", r.out);
    ck_assert_msg(strstr(r.out, "device      unknown") != NULL, "%s", r.out);
    cs_test_run_free(&r);
    e2e_teardown(&t);
}
END_TEST

/* A search that finds nothing says so (on stderr: the JSON on stdout stays a list); a --from
 * after --to is a mistake, not an empty answer. */
START_TEST(search_says_when_nothing_matches_and_refuses_from_after_to)
{
    e2e_t t;
    cs_run_t r;
    e2e_setup(&t);
    ingest(&t, CASE_A, GOOGLE);
    READ(&r, "search", "--text", "no such thing");
    ck_assert_int_eq(r.status, 0);
    ck_assert_str_eq(r.out, "");
    ck_assert_ptr_nonnull(strstr(r.err, "custody search: no item matches"));
    cs_test_run_free(&r);
    READ(&r, "search", "--text", "no such thing", "--json");
    ck_assert_int_eq(r.status, 0);
    ck_assert_str_eq(r.out, "[]\n");
    ck_assert_ptr_nonnull(strstr(r.err, "no item matches"));
    cs_test_run_free(&r);
    READ(&r, "search", "--text", "Google");
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_null(strstr(r.err, "no item matches"));
    cs_test_run_free(&r);

    READ(&r, "search", "--from", "2024-01-01", "--to", "2023-01-01");
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "--from 2024-01-01 is after --to 2023-01-01"));
    cs_test_run_free(&r);
    READ(&r, "search", "--from", "2023-10-06T23:00:00+02:00", "--to", "2023-10-06T22:00:00+02:00");
    ck_assert_int_eq(r.status, 2);
    cs_test_run_free(&r);
    /* One day, and one instant given in two zones, are in order. */
    READ(&r, "search", "--from", "2023-10-06", "--to", "2023-10-06", "--json");
    ck_assert_msg(r.status == 0, "%s", r.err);
    json_t *v = e2e_json(&r);
    ck_assert_int_eq(json_array_size(v), 1);
    json_decref(v);
    cs_test_run_free(&r);
    READ(&r, "search", "--from", "2023-10-06T22:53:51+02:00", "--to", "2023-10-06T20:53:51Z");
    ck_assert_msg(r.status == 0, "%s", r.err);
    cs_test_run_free(&r);
    e2e_teardown(&t);
}
END_TEST

/* "1 item", "2 items", in the case list and the status. */
START_TEST(cases_count_items_in_words)
{
    e2e_t t;
    cs_run_t r;
    char f[PATH_MAX];
    e2e_setup(&t);
    e2e_file(&t, f, "in/a.jpg", "\xff\xd8\xff a");
    ingest(&t, CASE_A, f);
    /* Not a picture: its copies fail, and the status counts it as one item. */
    cs_test_custody(&r, "status", "--home", t.home, NULL);
    ck_assert_msg(r.status == 0, "%s", r.err);
    ck_assert_msg(strstr(r.out, "copies failed  1 item\n") != NULL, "%s", r.out);
    ck_assert_msg(strstr(r.out, "damaged  0 items") != NULL, "%s", r.out);
    cs_test_run_free(&r);
    e2e_file(&t, f, "in/b.jpg", "\xff\xd8\xff b");
    ingest(&t, CASE_B, f);
    e2e_file(&t, f, "in/c.jpg", "\xff\xd8\xff c");
    ingest(&t, CASE_B, f);
    READ(&r, "cases");
    ck_assert_msg(r.status == 0, "%s", r.err);
    ck_assert_msg(strstr(r.out, CASE_A "  1 item  since") != NULL, "%s", r.out);
    ck_assert_msg(strstr(r.out, CASE_B "  2 items  since") != NULL, "%s", r.out);
    cs_test_run_free(&r);
    e2e_teardown(&t);
}
END_TEST

/* Each line of `ledger show` says what the entry did, not only its kind. */
START_TEST(ledger_show_says_what_each_entry_did)
{
    e2e_t t;
    cs_run_t r;
    e2e_setup(&t);
    cs_test_custody(&r, "user", "add", "zhang", "--role", "reviewer", "--home", t.home, NULL);
    ck_assert_int_eq(r.status, 0);
    cs_test_run_free(&r);
    cs_test_custody(&r, "ledger", "verify", "--home", t.home, NULL);
    ck_assert_msg(r.status == 0, "%s", r.err);
    ck_assert_msg(strncmp(r.out, "verified: 1 entry, 1 checkpoint signed by ", 42) == 0, "%s",
                  r.out);
    cs_test_run_free(&r);
    cs_test_custody(&r, "user", "disable", "zhang", "--home", t.home, NULL);
    ck_assert_int_eq(r.status, 0);
    cs_test_run_free(&r);
    ingest(&t, CASE_A, GOOGLE);
    cs_test_custody(&r, "ledger", "show", "--home", t.home, NULL);
    ck_assert_msg(r.status == 0, "%s", r.err);
    char *add = strstr(r.out, "user.add");
    ck_assert_ptr_nonnull(add);
    char *eol = strchr(add, '\n');
    ck_assert_ptr_nonnull(eol);
    *eol = '\0';
    ck_assert_msg(strstr(add, "user zhang, role reviewer") != NULL, "%s", add);
    *eol = '\n';
    ck_assert_ptr_nonnull(strstr(r.out, "user.disable      user zhang"));
    ck_assert_msg(strstr(r.out, "original_name Google.jpg") != NULL, "%s", r.out);
    ck_assert_msg(strstr(r.out, "profile preview") != NULL, "%s", r.out);
    cs_test_run_free(&r);
    e2e_teardown(&t);
}
END_TEST

/* A reviewer lists, searches and shows with --as under the purpose their grant names: each
 * list holds what the gate lets them read for that purpose, and nothing of another case. */
START_TEST(a_reviewer_lists_searches_and_shows_under_their_grant)
{
    e2e_t t;
    cs_run_t r;
    char f[PATH_MAX];
    e2e_setup(&t);
    ingest(&t, CASE_A, GOOGLE);
    e2e_file(&t, f, "in/other.jpg", "\xff\xd8\xff other");
    ingest(&t, CASE_B, f);
    cs_test_custody(&r, "user", "add", "zhang", "--role", "reviewer", "--home", t.home, NULL);
    ck_assert_int_eq(r.status, 0);
    cs_test_run_free(&r);
    cs_test_custody(&r, "grant", "zhang", "--case", CASE_A, "--purpose", "法制审核", "--home",
                    t.home, NULL);
    ck_assert_msg(r.status == 0, "%s", r.err);
    cs_test_run_free(&r);
    READ(&r, "cases", "--as", "zhang");
    ck_assert_msg(r.status == 0, "%s", r.err);
    ck_assert_ptr_nonnull(strstr(r.out, CASE_A "  1 item"));
    ck_assert_ptr_null(strstr(r.out, CASE_B));
    cs_test_run_free(&r);
    READ(&r, "search", "--as", "zhang", "--json");
    ck_assert_msg(r.status == 0, "%s", r.err);
    json_t *v = e2e_json(&r);
    ck_assert_int_eq(json_array_size(v), 1);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(v, 0), "original_name")),
                     "Google.jpg");
    char sha[65];
    snprintf(sha, sizeof sha, "%s",
             json_string_value(json_object_get(json_array_get(v, 0), "sha256")));
    json_decref(v);
    cs_test_run_free(&r);
    READ(&r, "search", "--as", "zhang", "--text", "other.jpg");
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_nonnull(strstr(r.err, "no item matches"));
    cs_test_run_free(&r);
    READ(&r, "show", sha, "--as", "zhang");
    ck_assert_msg(r.status == 0, "%s", r.err);
    ck_assert_ptr_nonnull(strstr(r.out, "device      Google Pixel 8 Pro"));
    cs_test_run_free(&r);
    ck_assert_int_eq(cs_test_sql_count(t.db, "SELECT count(*) FROM ledger WHERE"
                                             " json_extract(entry, '$.actor') = 'zhang' AND"
                                             " json_extract(entry, '$.purpose') = '法制审核'"),
                     4); /* cases, two searches, show */
    e2e_teardown(&t);
}
END_TEST

static Suite *
cli_read_suite(void)
{
    Suite *s = suite_create("e2e_cli_read");
    TCase *tc = tcase_create("cli_read");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, show_prints_the_capture_summary);
    tcase_add_test(tc, search_says_when_nothing_matches_and_refuses_from_after_to);
    tcase_add_test(tc, cases_count_items_in_words);
    tcase_add_test(tc, ledger_show_says_what_each_entry_did);
    tcase_add_test(tc, a_reviewer_lists_searches_and_shows_under_their_grant);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(cli_read_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
