/* tests/core/test_clock.c: times as people write them (a grant's --until: a date is the end of
 * that day in the site's zone, any RFC 3339 offset, never a time already past) and as the CLI
 * shows them ("2026-12-07 21:48 +08:00", in the site's zone, summer time included). */
#include "core/clock.h"
#include "core/error.h"

#include <check.h>
#include <string.h>

/* 2026-12-07T13:48:00Z, the "now" of these tests */
#define NOW_MS INT64_C(1796651280000)

static const struct {
    const char *zone; /* NULL: UTC */
    const char *in;
    const char *utc; /* as stored; NULL: refused */
} limits[] = {
    /* a date: the end of that day (23:59:59.999) in the zone */
    {"Asia/Shanghai", "2026-12-31", "2026-12-31T15:59:59.999Z"},
    {NULL, "2026-12-31", "2026-12-31T23:59:59.999Z"},
    {"Europe/Berlin", "2027-01-15", "2027-01-15T22:59:59.999Z"}, /* winter: +01:00 */
    {"Europe/Berlin", "2027-07-15", "2027-07-15T21:59:59.999Z"}, /* summer: +02:00 */
    {"Europe/Berlin", "2027-03-28", "2027-03-28T21:59:59.999Z"}, /* the day clocks go forward */
    {"Europe/Berlin", "2027-10-31", "2027-10-31T22:59:59.999Z"}, /* the day they go back */
    {"America/New_York", "2027-02-28", "2027-03-01T04:59:59.999Z"},
    {"Asia/Shanghai", "2028-02-29", "2028-02-29T15:59:59.999Z"},
    /* any RFC 3339 offset, and Z, whatever the zone */
    {"Asia/Shanghai", "2026-12-07T13:49:00+00:00", "2026-12-07T13:49:00.000Z"},
    {"Asia/Shanghai", "2026-12-07T21:48:01+08:00", "2026-12-07T13:48:01.000Z"},
    {"Europe/Berlin", "2026-12-07T13:48:00.5Z", "2026-12-07T13:48:00.500Z"},
    {NULL, "2026-12-07t08:48:00.123456789-05:00", "2026-12-07T13:48:00.123Z"},
    {NULL, "2026-12-08T00:00:00+05:30", "2026-12-07T18:30:00.000Z"},
    /* not after now: refused */
    {"Asia/Shanghai", "2026-12-07", "2026-12-07T15:59:59.999Z"}, /* today: until its end */
    {"America/New_York", "2026-12-07", "2026-12-08T04:59:59.999Z"},
    {"Asia/Shanghai", "2026-12-06", NULL},
    {"Asia/Shanghai", "2001-01-01", NULL},
    {NULL, "2026-12-07T13:48:00Z", NULL}, /* exactly now */
    {NULL, "2026-12-07T21:47:59+08:00", NULL},
    {NULL, "9999-12-31", "9999-12-31T23:59:59.999Z"},
    {NULL, "9999-12-31T23:00:00-01:00", NULL}, /* year 10000 */
    /* not a time */
    {NULL, "2027-02-29", NULL},
    {NULL, "2027-13-01", NULL},
    {NULL, "2027-01-01T10:00:00", NULL}, /* no offset: which zone? */
    {NULL, "2027-01-01T10:00:00+8", NULL},
    {NULL, "2027-01-01T24:00:00Z", NULL},
    {NULL, "2027-01-01 ", NULL},
    {NULL, "tomorrow", NULL},
    {NULL, "", NULL},
};

START_TEST(an_until_is_a_future_instant)
{
    const cs_tz_t *tz = NULL;
    char out[CS_TIME_MAX] = "";
    if (limits[_i].zone != NULL)
        ck_assert_msg(cs_tz_get(limits[_i].zone, &tz) == 0, "%s", cs_diag());
    int rc = cs_clock_parse_until(tz, limits[_i].in, NOW_MS, "--until", out);
    if (limits[_i].utc != NULL) {
        ck_assert_msg(rc == 0, "%s: %s", limits[_i].in, cs_diag());
        ck_assert_str_eq(out, limits[_i].utc);
    } else {
        ck_assert_msg(rc == CS_EINVAL, "%s: accepted as %s", limits[_i].in, out);
        ck_assert_ptr_nonnull(strstr(cs_diag(), "--until"));
    }
}
END_TEST

/* The refusal of a past time says so, and shows it in the zone. */
START_TEST(a_past_until_is_refused_in_words)
{
    const cs_tz_t *tz;
    char out[CS_TIME_MAX];
    ck_assert_int_eq(cs_tz_get("Asia/Shanghai", &tz), 0);
    ck_assert_int_eq(cs_clock_parse_until(tz, "2026-12-06", NOW_MS, "--until", out), CS_EINVAL);
    ck_assert_str_eq(cs_diag(), "--until \"2026-12-06\" (2026-12-06 23:59 +08:00) is not in the "
                                "future: the grant would end before it starts; give a later date "
                                "or time");
}
END_TEST

static const struct {
    const char *zone;
    const char *in;
    const char *out;
} shown[] = {
    {"Asia/Shanghai", "2026-12-07T13:48:00.000Z", "2026-12-07 21:48 +08:00"},
    {"Asia/Shanghai", "2026-12-31T15:59:59.999Z", "2026-12-31 23:59 +08:00"},
    {"Asia/Shanghai", "2026-12-31T15:59:59.999999999Z", "2026-12-31 23:59 +08:00"},
    {"Asia/Shanghai", "2023-11-03T10:15:00-05:00", "2023-11-03 23:15 +08:00"},
    {"Europe/Berlin", "2027-01-15T12:00:00Z", "2027-01-15 13:00 +01:00"},
    {"Europe/Berlin", "2027-07-15T12:00:00Z", "2027-07-15 14:00 +02:00"},
    {"Europe/Berlin", "2027-10-31T00:30:00Z", "2027-10-31 02:30 +02:00"}, /* the hour twice: */
    {"Europe/Berlin", "2027-10-31T01:30:00Z", "2027-10-31 02:30 +01:00"}, /* the offset tells */
    {"Asia/Kolkata", "2026-12-07T13:48:00Z", "2026-12-07 19:18 +05:30"},
    {"America/New_York", "2026-12-07T13:48:00Z", "2026-12-07 08:48 -05:00"},
    {NULL, "2026-12-07T21:48:00+08:00", "2026-12-07 13:48 +00:00"},
    {"Asia/Shanghai", "2023-11-03T10:15:00", "2023-11-03 10:15"}, /* a wall time stays one */
};

START_TEST(a_time_shows_in_the_sites_zone)
{
    const cs_tz_t *tz = NULL;
    char buf[CS_WHEN_MAX];
    if (shown[_i].zone != NULL)
        ck_assert_int_eq(cs_tz_get(shown[_i].zone, &tz), 0);
    ck_assert_int_eq(cs_clock_format_site(tz, shown[_i].in, buf), 0);
    ck_assert_str_eq(buf, shown[_i].out);
}
END_TEST

START_TEST(an_unreadable_time_shows_as_it_came)
{
    char buf[CS_WHEN_MAX];
    ck_assert_int_eq(cs_clock_format_site(NULL, "not a time", buf), CS_EINVAL);
    ck_assert_str_eq(buf, "not a time");
    ck_assert_int_eq(cs_clock_format_site(NULL, "2026-12-07T13:48:00+8", buf), CS_EINVAL);
}
END_TEST

/* What cs_clock_now writes reads back, and compares as text with what is stored. */
START_TEST(milliseconds_round_trip)
{
    char buf[CS_TIME_MAX];
    int64_t ms = 0;
    cs_clock_format_ms(NOW_MS + 7, buf);
    ck_assert_str_eq(buf, "2026-12-07T13:48:00.007Z");
    ck_assert_int_eq(cs_clock_parse(buf, &ms), 0);
    ck_assert_int_eq(ms, NOW_MS + 7);
    cs_clock_format_ms(-1, buf);
    ck_assert_str_eq(buf, "1969-12-31T23:59:59.999Z");
}
END_TEST

/* Range bounds (search, ledger): a date is that day at the site, an instant is itself. */
static const struct {
    const char *zone, *in;
    int end;
    const char *out; /* NULL: refused */
} bounds[] = {
    {"Asia/Shanghai", "2026-12-07", 0, "2026-12-06T16:00:00.000Z"},
    {"Asia/Shanghai", "2026-12-07", 1, "2026-12-07T15:59:59.999Z"},
    {NULL, "2026-12-07", 0, "2026-12-07T00:00:00.000Z"},
    {"America/New_York", "2026-07-01", 0, "2026-07-01T04:00:00.000Z"},
    {"Asia/Shanghai", "2026-12-07T00:30:00+08:00", 0, "2026-12-06T16:30:00.000Z"},
    {"Asia/Shanghai", "2026-12-07T00:30:00Z", 1, "2026-12-07T00:30:00.000Z"},
    {"Asia/Shanghai", "2026-12-07T00:30:00", 0, NULL}, /* a wall time: the caller's to read */
    {"Asia/Shanghai", "2026-13-07", 0, NULL},
    {"Asia/Shanghai", "yesterday", 0, NULL},
};

START_TEST(a_bound_is_that_day_at_the_site)
{
    const cs_tz_t *tz = NULL;
    char buf[CS_TIME_MAX];
    if (bounds[_i].zone != NULL)
        ck_assert_int_eq(cs_tz_get(bounds[_i].zone, &tz), 0);
    int rc = cs_clock_parse_bound(tz, bounds[_i].in, bounds[_i].end, buf);
    if (bounds[_i].out == NULL) {
        ck_assert_int_eq(rc, CS_EINVAL);
    } else {
        ck_assert_int_eq(rc, 0);
        ck_assert_str_eq(buf, bounds[_i].out);
    }
}
END_TEST

/* 23:30 UTC on the 6th is already the 7th in Shanghai. */
START_TEST(the_site_date_of_an_instant)
{
    const cs_tz_t *tz = NULL;
    char day[11];
    int64_t ms = 0;
    ck_assert_int_eq(cs_clock_parse("2026-12-06T23:30:00Z", &ms), 0);
    cs_clock_site_date(NULL, ms, day);
    ck_assert_str_eq(day, "2026-12-06");
    ck_assert_int_eq(cs_tz_get("Asia/Shanghai", &tz), 0);
    cs_clock_site_date(tz, ms, day);
    ck_assert_str_eq(day, "2026-12-07");
    ck_assert_ptr_eq(cs_clock_site_zone("Asia/Shanghai"), tz);
    ck_assert_ptr_nonnull(cs_clock_site_zone(""));
}
END_TEST

START_TEST(the_system_zone_is_a_zone_name)
{
    char name[CS_TZ_NAME_MAX + 1];
    const cs_tz_t *tz;
    if (cs_clock_system_zone(name) != 0)
        return; /* a system without /etc/timezone or /etc/localtime: UTC is used */
    ck_assert(cs_tz_name_ok(name));
    ck_assert_msg(cs_tz_get(name, &tz) == 0, "%s: %s", name, cs_diag());
}
END_TEST

static Suite *
clock_suite(void)
{
    Suite *s = suite_create("clock");
    TCase *tc = tcase_create("clock");
    tcase_add_loop_test(tc, an_until_is_a_future_instant, 0,
                        (int)(sizeof limits / sizeof limits[0]));
    tcase_add_test(tc, a_past_until_is_refused_in_words);
    tcase_add_loop_test(tc, a_time_shows_in_the_sites_zone, 0,
                        (int)(sizeof shown / sizeof shown[0]));
    tcase_add_test(tc, an_unreadable_time_shows_as_it_came);
    tcase_add_test(tc, milliseconds_round_trip);
    tcase_add_test(tc, the_system_zone_is_a_zone_name);
    tcase_add_loop_test(tc, a_bound_is_that_day_at_the_site, 0, sizeof bounds / sizeof bounds[0]);
    tcase_add_test(tc, the_site_date_of_an_instant);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(clock_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
