/* tests/access/test_addrlimit.c: failed sign-ins per client address (access/addrlimit.c): the
 * max-th failure closes the address until its window ends, a success does not count, attempts
 * in flight hold their slots, an IPv6 address counts by its /64, a full table forgets the
 * oldest window. Times are given, never waited for. */
#include "access/addrlimit.h"
#include "core/error.h"

#include <check.h>
#include <string.h>

static void
fail_once(cs_addrlimit_t *l, const char *client, int64_t now, int *reached)
{
    int retry = -1;
    ck_assert_int_eq(cs_addrlimit_take(l, client, now, &retry), 0);
    ck_assert_int_eq(retry, 0);
    cs_addrlimit_done(l, client, now, 1, reached, NULL);
}

START_TEST(test_max_failures_close_the_address_for_the_window)
{
    cs_addrlimit_t *l = NULL;
    int reached = -1, retry = 0;
    int64_t until = 0;
    ck_assert_int_eq(cs_addrlimit_new(&l, 3, 60, 16), 0);
    fail_once(l, "http:192.0.2.7", 1000, &reached);
    ck_assert_int_eq(reached, 0);
    /* A success neither counts nor clears the count. */
    ck_assert_int_eq(cs_addrlimit_take(l, "http:192.0.2.7", 2000, &retry), 0);
    cs_addrlimit_done(l, "http:192.0.2.7", 2000, 0, &reached, NULL);
    ck_assert_int_eq(reached, 0);
    fail_once(l, "http:192.0.2.7", 3000, &reached);
    ck_assert_int_eq(cs_addrlimit_take(l, "http:192.0.2.7", 4000, &retry), 0);
    cs_addrlimit_done(l, "http:192.0.2.7", 4000, 1, &reached, &until);
    ck_assert_int_eq(reached, 1);
    ck_assert_int_eq(until, 61000);
    /* Closed: refused with the seconds until the window ends. */
    ck_assert_int_eq(cs_addrlimit_take(l, "http:192.0.2.7", 5000, &retry), CS_EBUSY);
    ck_assert_int_eq(retry, 56);
    ck_assert_int_eq(cs_addrlimit_take(l, "http:192.0.2.7", 60999, &retry), CS_EBUSY);
    ck_assert_int_eq(retry, 1);
    /* Another address is not touched. */
    ck_assert_int_eq(cs_addrlimit_take(l, "http:192.0.2.8", 5000, &retry), 0);
    cs_addrlimit_done(l, "http:192.0.2.8", 5000, 0, NULL, NULL);
    /* The window over, the address may try again. */
    fail_once(l, "http:192.0.2.7", 61000, &reached);
    ck_assert_int_eq(reached, 0);
    cs_addrlimit_free(&l);
    ck_assert_ptr_null(l);
}
END_TEST

START_TEST(test_attempts_in_flight_hold_their_slots)
{
    cs_addrlimit_t *l = NULL;
    int retry = 0, reached = 0;
    ck_assert_int_eq(cs_addrlimit_new(&l, 2, 60, 16), 0);
    ck_assert_int_eq(cs_addrlimit_take(l, "http:192.0.2.7", 0, &retry), 0);
    ck_assert_int_eq(cs_addrlimit_take(l, "http:192.0.2.7", 0, &retry), 0);
    ck_assert_int_eq(cs_addrlimit_take(l, "http:192.0.2.7", 0, &retry), CS_EBUSY);
    ck_assert_int_ge(retry, 1);
    cs_addrlimit_done(l, "http:192.0.2.7", 0, 0, &reached, NULL); /* a success gives it back */
    ck_assert_int_eq(cs_addrlimit_take(l, "http:192.0.2.7", 0, &retry), 0);
    cs_addrlimit_free(&l);
}
END_TEST

START_TEST(test_keys)
{
    char k[CS_ADDRLIMIT_KEY_MAX];
    cs_addrlimit_key("http:192.0.2.7", k);
    ck_assert_str_eq(k, "192.0.2.7");
    cs_addrlimit_key("http:::ffff:192.0.2.7", k);
    ck_assert_str_eq(k, "192.0.2.7");
    cs_addrlimit_key("http:2001:db8:1:2:aaaa:bbbb:cccc:dddd", k);
    ck_assert_str_eq(k, "2001:db8:1:2::/64");
    cs_addrlimit_key("unknown", k);
    ck_assert_str_eq(k, "unknown");
    /* Two addresses of one /64 share a count. */
    cs_addrlimit_t *l = NULL;
    int retry = 0, reached = 0;
    ck_assert_int_eq(cs_addrlimit_new(&l, 2, 60, 16), 0);
    fail_once(l, "http:2001:db8:1:2::1", 0, &reached);
    fail_once(l, "http:2001:db8:1:2::2", 0, &reached);
    ck_assert_int_eq(reached, 1);
    ck_assert_int_eq(cs_addrlimit_take(l, "http:2001:db8:1:2::3", 0, &retry), CS_EBUSY);
    ck_assert_int_eq(cs_addrlimit_take(l, "http:2001:db8:1:3::3", 0, &retry), 0);
    cs_addrlimit_free(&l);
}
END_TEST

START_TEST(test_a_full_table_forgets_the_oldest_window)
{
    cs_addrlimit_t *l = NULL;
    int retry = 0, reached = 0;
    ck_assert_int_eq(cs_addrlimit_new(&l, 1, 600, 2), 0);
    fail_once(l, "http:192.0.2.1", 0, &reached);
    fail_once(l, "http:192.0.2.2", 10, &reached);
    ck_assert_int_eq(cs_addrlimit_take(l, "http:192.0.2.1", 20, &retry), CS_EBUSY);
    fail_once(l, "http:192.0.2.3", 30, &reached); /* takes .1's slot, the oldest */
    ck_assert_int_eq(cs_addrlimit_take(l, "http:192.0.2.2", 40, &retry), CS_EBUSY);
    ck_assert_int_eq(cs_addrlimit_take(l, "http:192.0.2.3", 40, &retry), CS_EBUSY);
    ck_assert_int_eq(cs_addrlimit_take(l, "http:192.0.2.1", 40, &retry), 0); /* forgotten */
    cs_addrlimit_free(&l);
    ck_assert_int_eq(cs_addrlimit_new(&l, 0, 600, 2), CS_EINVAL);
    ck_assert_ptr_null(l);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("addrlimit");
    TCase *tc = tcase_create("addrlimit");
    tcase_add_test(tc, test_max_failures_close_the_address_for_the_window);
    tcase_add_test(tc, test_attempts_in_flight_hold_their_slots);
    tcase_add_test(tc, test_keys);
    tcase_add_test(tc, test_a_full_table_forgets_the_oldest_window);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failures = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failures ? 1 : 0;
}
