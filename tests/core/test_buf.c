/* tests/core/test_buf.c: bounded text, where a piece that does not fit whole is an error. */
#include "core/buf.h"
#include "core/error.h"

#include <check.h>
#include <string.h>

#define END NULL

static const struct {
    const char *name;
    size_t cap;
    const char *pieces[6]; /* added in turn with cs_buf_printf("%s"), up to END */
    const char *text;      /* what the buffer holds afterwards */
    int rc;                /* cs_buf_done */
} builds[] = {
    {"empty", 4, {END}, "", 0},
    {"one piece", 16, {"abc", END}, "abc", 0},
    {"pieces", 16, {"ab", "cd", "ef", END}, "abcdef", 0},
    {"exact fit", 7, {"abc", "def", END}, "abcdef", 0},
    {"one byte short", 6, {"abc", "def", END}, "abc", CS_ENAMETOOLONG},
    {"first piece too long", 3, {"abc", END}, "", CS_ENAMETOOLONG},
    {"many pieces after a truncation",
     8,
     {"abcd", "efghijk", "x", "y", "z", END},
     "abcd",
     CS_ENAMETOOLONG},
    {"a short piece after a long one stays out",
     8,
     {"abc", "defghijk", "d", END},
     "abc",
     CS_ENAMETOOLONG},
    {"empty pieces fit", 1, {"", "", END}, "", 0},
    {"zero capacity", 0, {END}, NULL, CS_ENAMETOOLONG},
    {"non-ASCII", 8, {"\xe4\xbb\xbb", "\xe6\xb0\xb4", END}, "\xe4\xbb\xbb\xe6\xb0\xb4", 0},
};

START_TEST(builds_whole_pieces_or_fails)
{
    char buf[32];
    memset(buf, 'Z', sizeof buf);
    cs_buf_t b;
    cs_buf_init(&b, buf, builds[_i].cap);
    for (int k = 0; builds[_i].pieces[k] != END; k++)
        cs_buf_printf(&b, "%s", builds[_i].pieces[k]);
    ck_assert_msg(cs_buf_done(&b) == builds[_i].rc, "%s: rc %d", builds[_i].name, cs_buf_done(&b));
    if (builds[_i].text != NULL) {
        ck_assert_str_eq(buf, builds[_i].text);
        ck_assert_uint_eq(b.len, strlen(builds[_i].text));
    }
    /* Nothing is ever written past cap. */
    for (size_t k = builds[_i].cap; k < sizeof buf; k++)
        ck_assert_msg(buf[k] == 'Z', "%s: byte %zu written", builds[_i].name, k);
}
END_TEST

START_TEST(adds_bytes_the_same_way)
{
    char buf[6];
    cs_buf_t b;
    cs_buf_init(&b, buf, sizeof buf);
    cs_buf_add(&b, "abcXXX", 3); /* only n bytes: no NUL needed */
    cs_buf_add_str(&b, "de");
    ck_assert_int_eq(cs_buf_done(&b), 0);
    ck_assert_str_eq(buf, "abcde");
    cs_buf_add(&b, "f", 1); /* would need a 7th byte for the NUL */
    ck_assert_int_eq(cs_buf_done(&b), CS_ENAMETOOLONG);
    ck_assert_str_eq(buf, "abcde");
    cs_buf_add(&b, "", 0); /* sticky: even nothing is refused after a failure */
    cs_buf_printf(&b, "%d", 1);
    ck_assert_int_eq(cs_buf_done(&b), CS_ENAMETOOLONG);
    ck_assert_str_eq(buf, "abcde");
}
END_TEST

static const struct {
    size_t cap;
    const char *arg;
    const char *text;
    int rc;
} shots[] = {
    {8, "1234567", "1234567", 0},        /* exact fit */
    {7, "1234567", "", CS_ENAMETOOLONG}, /* one byte short: never a cut value */
    {1, "", "", 0},
    {64, "/var/lib/custody/objects", "/var/lib/custody/objects", 0},
};

START_TEST(one_shot_refuses_a_cut_value)
{
    char buf[64];
    int rc = cs_snprintf(buf, shots[_i].cap, "%s", shots[_i].arg);
    ck_assert_int_eq(rc, shots[_i].rc);
    ck_assert_str_eq(buf, shots[_i].text);
}
END_TEST

START_TEST(cut_is_on_purpose)
{
    char buf[8];
    cs_snprintf_cut(buf, sizeof buf, "%s line %d", "a.conf", 12);
    ck_assert_str_eq(buf, "a.conf ");
    cs_snprintf_cut(buf, 0, "%s", "unwritten"); /* cap 0 writes nothing */
    ck_assert_str_eq(buf, "a.conf ");
}
END_TEST

static Suite *
buf_suite(void)
{
    Suite *s = suite_create("buf");
    TCase *tc = tcase_create("buf");
    tcase_add_loop_test(tc, builds_whole_pieces_or_fails, 0,
                        (int)(sizeof builds / sizeof builds[0]));
    tcase_add_test(tc, adds_bytes_the_same_way);
    tcase_add_loop_test(tc, one_shot_refuses_a_cut_value, 0, (int)(sizeof shots / sizeof shots[0]));
    tcase_add_test(tc, cut_is_on_purpose);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(buf_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
