/* tests/core/test_workdays.c: deadlines in working days under the shipped holiday calendar
 * (data/holidays-cn.txt) and calendars the tests write, against core/workdays.c. */
#include "core/error.h"
#include "core/workdays.h"
#include "tests/support/testutil.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SHIPPED CUSTODY_TEST_DATA "/../../data/holidays-cn.txt"

static cs_workdays_t *
shipped(void)
{
    cs_workdays_t *cal = NULL;
    ck_assert_int_eq(cs_workdays_load(SHIPPED, &cal), 0);
    return cal;
}

/* A calendar file of `text` in a fresh folder; drop() removes both. */
static char *
calendar(const char *text)
{
    char *dir = cs_test_tmpdir(), *path = NULL;
    FILE *f;
    ck_assert_int_gt(asprintf(&path, "%s/holidays.txt", dir), 0);
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    free(dir);
    return path;
}

static void
drop(char *path)
{
    *strrchr(path, '/') = '\0';
    cs_test_rmrf(path);
    free(path);
}

static void
expect_add(const cs_workdays_t *cal, const char *from, int n, const char *want, int want_prov)
{
    char out[11];
    int prov = -1;
    ck_assert_int_eq(cs_workdays_add(cal, from, n, out, &prov), 0);
    ck_assert_msg(strcmp(out, want) == 0, "%s + %d working days: %s, expected %s", from, n, out,
                  want);
    ck_assert_int_eq(prov, want_prov);
}

START_TEST(national_day_week_is_not_counted)
{
    cs_workdays_t *cal = shipped();
    /* Decided on Wednesday 30 September 2026: 1-7 October off, Saturday 10 October a make-up
     * working day; 7 working days end on Thursday 15 October, not Friday 9 October. */
    expect_add(cal, "2026-09-30", 7, "2026-10-15", 0);
    /* Spring Festival 2026: 15-23 February off, Saturday 14 February worked. */
    expect_add(cal, "2026-02-13", 1, "2026-02-14", 0);
    expect_add(cal, "2026-02-13", 2, "2026-02-24", 0);
    /* The example: a penalty decided on Thursday 28 September 2023 (29 September to
     * 6 October off, the weekend of 7-8 October worked) is due on Friday 13 October. */
    expect_add(cal, "2023-09-28", 7, "2023-10-13", 0);
    /* An ordinary fortnight: weekends only. */
    expect_add(cal, "2026-12-01", 7, "2026-12-10", 0);
    expect_add(cal, "2026-12-01", 20, "2026-12-29", 0);
    cs_workdays_free(&cal);
    ck_assert_ptr_null(cal);
}
END_TEST

START_TEST(a_year_not_in_the_file_is_provisional)
{
    cs_workdays_t *cal = shipped();
    /* 2027's notice is not in the file: its days are weekdays alone, and the answer says so. */
    expect_add(cal, "2026-12-28", 7, "2027-01-06", 1);
    expect_add(cal, "2026-12-28", 3, "2026-12-31", 0);
    cs_workdays_free(&cal);
}
END_TEST

START_TEST(days_are_named)
{
    cs_workdays_t *cal = shipped();
    char name[CS_WORKDAYS_NAME_MAX];
    int working = -1, known = -1;
    ck_assert_int_eq(cs_workdays_is_working(cal, "2026-10-10", &working, &known, name, sizeof name),
                     0);
    ck_assert_int_eq(working, 1);
    ck_assert_int_eq(known, 1);
    ck_assert_str_eq(name, "国庆节调休");
    ck_assert_int_eq(cs_workdays_is_working(cal, "2025-01-01", &working, &known, name, sizeof name),
                     0);
    ck_assert_int_eq(working, 0);
    ck_assert_str_eq(name, "元旦");
    ck_assert_int_eq(cs_workdays_is_working(cal, "2027-01-04", &working, &known, NULL, 0), 0);
    ck_assert_int_eq(working, 1);
    ck_assert_int_eq(known, 0);
    ck_assert_int_eq(cs_workdays_is_working(cal, "2026-02-30", &working, &known, NULL, 0),
                     CS_EINVAL);
    ck_assert_int_eq(cs_workdays_add(cal, "2026-12-01", 0, name, &known), CS_EINVAL);
    ck_assert_int_eq(cs_workdays_add(cal, "2026/12/01", 3, name, &known), CS_EINVAL);
    /* Never a date of five digits cut to ten bytes. */
    ck_assert_int_eq(cs_workdays_add(cal, "9999-12-30", 5, name, &known), CS_EINVAL);
    cs_workdays_free(&cal);
}
END_TEST

/* Each bad file is refused with a detail naming the file, the line or date, and the fault. */
START_TEST(bad_files_are_refused_by_line)
{
    static const struct {
        const char *text, *want;
    } rows[] = {
        {"year 2030\n2030-01-01 holiday 元旦\n", "line 2: the kind of day"},
        {"year 2030\n2030-02-30 off x\n", "line 2: the date is not a real"},
        {"2030-01-01 off 元旦\n", "2030-01-01: a date lies in a year without"},
        {"year 2030\n2030-01-01 off a\n2030-01-01 work b\n", "2030-01-01: a date is given twice"},
        {"year 2030\nyear 2030\n", "line 2: this year is declared twice"},
        {"year twenty\n", "line 1: a year line"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char *path = calendar(rows[i].text);
        cs_workdays_t *cal = NULL;
        ck_assert_int_eq(cs_workdays_load(path, &cal), CS_ECONFIG);
        ck_assert_ptr_null(cal);
        ck_assert_msg(strstr(cs_diag(), rows[i].want) != NULL, "%s: detail \"%s\"", rows[i].text,
                      cs_diag());
        ck_assert_ptr_nonnull(strstr(cs_diag(), path));
        drop(path);
    }
    ck_assert_int_eq(cs_workdays_load("/nonexistent/holidays.txt", &(cs_workdays_t *){NULL}),
                     CS_ENOENT);
}
END_TEST

START_TEST(a_written_calendar_counts_its_days)
{
    /* A year of the operator's own: 2030-01-01 (Tuesday) off, Saturday 5 January worked. */
    char *path = calendar("# test\nyear 2030\n2030-01-01 off 元旦 # comment\n"
                          "2030-01-05\twork  元旦调休\n");
    cs_workdays_t *cal = NULL;
    ck_assert_int_eq(cs_workdays_load(path, &cal), 0);
    expect_add(cal, "2029-12-31", 1, "2030-01-02", 0);
    expect_add(cal, "2029-12-31", 4, "2030-01-05", 0);
    cs_workdays_free(&cal);
    drop(path);
}
END_TEST

/* A home without holidays.txt counts with the built-in calendar; one with it, with its own;
 * one whose file is broken gets the error, never the built-in instead. */
START_TEST(the_home_calendar_wins_over_the_built_in_one)
{
    char *path = calendar("year 2026\n2026-12-01 off 测试假日\n"), src[4200];
    char *home = strdup(path), out[11];
    cs_workdays_t *cal = NULL;
    int prov, years[8];
    *strrchr(home, '/') = '\0';
    ck_assert_int_eq(cs_workdays_home(home, &cal, src, sizeof src), 0);
    ck_assert_str_eq(src, path);
    expect_add(cal, "2026-11-30", 1, "2026-12-02", 0);
    /* The home's file declares 2026 alone: 2023 is provisional there. */
    ck_assert_int_eq(cs_workdays_add(cal, "2023-09-28", 7, out, &prov), 0);
    ck_assert_int_eq(prov, 1);
    cs_workdays_free(&cal);
    cs_test_write(path, "year 2026\n2026-13-01 off x\n", 27);
    ck_assert_int_eq(cs_workdays_home(home, &cal, src, sizeof src), CS_ECONFIG);
    ck_assert_ptr_nonnull(strstr(cs_diag(), path));
    ck_assert_int_eq(unlink(path), 0);
    ck_assert_int_eq(cs_workdays_home(home, &cal, src, sizeof src), 0);
    ck_assert_str_eq(src, "built-in holidays-cn.txt");
    expect_add(cal, "2023-09-28", 7, "2023-10-13", 0);
    ck_assert_int_eq(cs_workdays_years(cal, years, 8), 4);
    ck_assert_int_eq(years[0], 2023);
    ck_assert_int_eq(years[3], 2026);
    cs_workdays_free(&cal);
    free(home);
    drop(path);
}
END_TEST

static Suite *
workdays_suite(void)
{
    Suite *s = suite_create("workdays");
    TCase *tc = tcase_create("workdays");
    tcase_add_test(tc, national_day_week_is_not_counted);
    tcase_add_test(tc, a_year_not_in_the_file_is_provisional);
    tcase_add_test(tc, days_are_named);
    tcase_add_test(tc, bad_files_are_refused_by_line);
    tcase_add_test(tc, a_written_calendar_counts_its_days);
    tcase_add_test(tc, the_home_calendar_wins_over_the_built_in_one);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(workdays_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
