/* tests/ingest/test_settle.c: when a file counts as finished. */
#include "core/error.h"
#include "ingest/settle.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

static struct stat
st_of(off_t size, time_t mtime)
{
    struct stat st;
    memset(&st, 0, sizeof st);
    st.st_size = size;
    st.st_mtim.tv_sec = mtime;
    st.st_ctim.tv_sec = mtime;
    return st;
}

START_TEST(a_file_is_ready_after_standing_still_for_the_settle_period)
{
    cs_settle_t *s = NULL;
    uint64_t at = 0;
    struct stat st = st_of(100, 1);
    ck_assert_int_eq(cs_settle_new(&s), 0);
    ck_assert_int_eq(cs_settle_observe(s, "/u/a", &st, 0, 1000, 500, &at), 0);
    ck_assert_uint_eq(at, 1500);
    ck_assert_int_eq(cs_settle_observe(s, "/u/a", &st, 0, 1400, 500, &at), 0);
    ck_assert_int_eq(cs_settle_observe(s, "/u/a", &st, 0, 1500, 500, &at), 1);
    cs_settle_free(&s);
    ck_assert_ptr_null(s);
}
END_TEST

START_TEST(any_change_starts_the_period_again)
{
    cs_settle_t *s = NULL;
    uint64_t at = 0;
    ck_assert_int_eq(cs_settle_new(&s), 0);
    struct stat a = st_of(100, 1), grown = st_of(200, 1), touched = st_of(200, 2);
    ck_assert_int_eq(cs_settle_observe(s, "/u/a", &a, 0, 0, 500, &at), 0);
    ck_assert_int_eq(cs_settle_observe(s, "/u/a", &grown, 0, 400, 500, &at), 0);
    ck_assert_uint_eq(at, 900);
    ck_assert_int_eq(cs_settle_observe(s, "/u/a", &touched, 0, 800, 500, &at), 0);
    ck_assert_uint_eq(at, 1300);
    ck_assert_int_eq(cs_settle_observe(s, "/u/a", &touched, 0, 1299, 500, &at), 0);
    ck_assert_int_eq(cs_settle_observe(s, "/u/a", &touched, 0, 1300, 500, &at), 1);
    cs_settle_free(&s);
}
END_TEST

START_TEST(a_done_marker_makes_it_ready_at_once)
{
    cs_settle_t *s = NULL;
    struct stat st = st_of(100, 1);
    ck_assert_int_eq(cs_settle_new(&s), 0);
    ck_assert_int_eq(cs_settle_observe(s, "/u/a", &st, 1, 0, 60000, NULL), 1);
    cs_settle_free(&s);
}
END_TEST

START_TEST(unseen_entries_are_forgotten_and_the_table_grows)
{
    cs_settle_t *s = NULL;
    char name[64];
    struct stat st = st_of(1, 1);
    ck_assert_int_eq(cs_settle_new(&s), 0);
    cs_settle_begin(s);
    for (int i = 0; i < 5000; i++) {
        snprintf(name, sizeof name, "/u/%d", i);
        ck_assert_int_eq(cs_settle_observe(s, name, &st, 0, 0, 10, NULL), 0);
    }
    cs_settle_end(s);
    ck_assert_uint_eq(cs_settle_count(s), 5000);
    cs_settle_begin(s);
    for (int i = 0; i < 5000; i += 2) {
        snprintf(name, sizeof name, "/u/%d", i);
        ck_assert_int_eq(cs_settle_observe(s, name, &st, 0, 20, 10, NULL), 1);
    }
    cs_settle_end(s);
    ck_assert_uint_eq(cs_settle_count(s), 2500);
    ck_assert_int_eq(cs_settle_has(s, "/u/2"), 1);
    ck_assert_int_eq(cs_settle_has(s, "/u/3"), 0);
    cs_settle_forget(s, "/u/2");
    ck_assert_int_eq(cs_settle_has(s, "/u/2"), 0);
    ck_assert_int_eq(cs_settle_add(s, "/u/3"), 0);
    ck_assert_int_eq(cs_settle_has(s, "/u/3"), 1);
    cs_settle_free(&s);
}
END_TEST

static Suite *
settle_suite(void)
{
    Suite *s = suite_create("settle");
    TCase *tc = tcase_create("settle");
    tcase_add_test(tc, a_file_is_ready_after_standing_still_for_the_settle_period);
    tcase_add_test(tc, any_change_starts_the_period_again);
    tcase_add_test(tc, a_done_marker_makes_it_ready_at_once);
    tcase_add_test(tc, unseen_entries_are_forgotten_and_the_table_grows);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(settle_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
