/* tests/indexer/test_retention.c: retention classes and holds (indexer/retention.c, holds.c):
 * an old item linked to no open case is due and a linked one is not; a closed case's items
 * follow its archive period from closed_on; permanent never; a hold (on the item or on its
 * case) keeps an item until released; an admin's class; the configuration changes the answer;
 * the disposal plan lists exactly what is due, with its cases. */
#include "tests/indexer/indexer_util.h"

#include "core/clock.h"
#include "core/config.h"
#include "core/error.h"
#include "indexer/cases.h"
#include "indexer/holds.h"
#include "indexer/retention.h"

#include <check.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

static cs_config_t cfg;
static char loose[65], linked[65];

/* Noon UTC of a day: the instant the rules are asked at. */
static int64_t
at(const char *day)
{
    char t[40];
    int64_t ms = 0;
    snprintf(t, sizeof t, "%sT12:00:00Z", day);
    ck_assert_int_eq(cs_clock_parse(t, &ms), 0);
    return ms;
}

static cs_retention_t
ask(const char *sha, const char *day)
{
    cs_retention_t r;
    ck_assert_msg(cs_retention_item(cat, &cfg, sha, at(day), &r) == 0, "%s", cs_diag());
    return r;
}

/* Is sha in the plan at day? */
static int
planned(const char *sha, const char *day, json_t **cases)
{
    json_t *plan = NULL, *v;
    size_t i;
    int found = 0;
    ck_assert_int_eq(cs_retention_plan(cat, &cfg, at(day), 1000, &plan), 0);
    json_array_foreach(plan, i, v)
    {
        if (strcmp(json_string_value(json_object_get(v, "sha256")), sha) == 0) {
            found = 1;
            if (cases != NULL)
                *cases = json_incref(json_object_get(v, "cases"));
        }
    }
    json_decref(plan);
    return found;
}

/* `loose` arrived in no case, captured 2020-01-01; `linked` arrived in case A (open),
 * captured the same day. */
static void
setup(void)
{
    catalog_setup();
    cs_config_defaults(&cfg);
    snprintf(cfg.site_tz, sizeof cfg.site_tz, "UTC");
    fake_sha(loose, "a1", '1');
    fake_sha(linked, "b2", '2');
    cs_arrival_t a = arrival(loose, NULL, NULL, "loose.jpg");
    cs_arrival_t b = arrival(linked, CASE_A, "张三", "linked.jpg");
    ck_assert_int_eq(cs_catalog_record_arrival(cat, &a, NULL), 0);
    ck_assert_int_eq(cs_catalog_record_arrival(cat, &b, NULL), 0);
    exec_other("INSERT INTO item_index (item_id, captured_at, captured_utc, sort_time)"
               " SELECT id, '2020-01-01T08:00:00Z', '2020-01-01T08:00:00Z',"
               " '2020-01-01T08:00:00Z' FROM items");
}

static void
teardown(void)
{
    catalog_teardown();
}

/* Closes case A on `closed_on` with archive period `period` (NULL: the default). */
static void
close_a(const char *closed_on, const char *period)
{
    cs_case_set_t s = {.closed = closed_on, .keep_period = period};
    ck_assert_int_eq(cs_catalog_case_advance(cat, CASE_A, "closed", "结案", "root"), 0);
    ck_assert_int_eq(cs_catalog_case_set(cat, CASE_A, &s, "root"), 0);
}

START_TEST(test_old_loose_item_is_due_linked_one_is_not)
{
    /* 180 days from 2020-01-01 is 2020-06-29: kept through that day, due after it. */
    cs_retention_t r = ask(loose, "2020-06-29");
    ck_assert_str_eq(r.klass, "non_evidence");
    ck_assert_str_eq(r.keep_until, "2020-06-29");
    ck_assert_int_eq(r.due, 0);
    ck_assert_str_eq(r.reason_code, "non-evidence");
    r = ask(loose, "2020-06-30");
    ck_assert_int_eq(r.due, 1);
    ck_assert_str_eq(r.reason_code, "non-evidence-ended");
    ck_assert_ptr_nonnull(strstr(r.reason, "2020-01-01"));

    r = ask(linked, "2030-01-01");
    ck_assert_str_eq(r.klass, "evidence");
    ck_assert_str_eq(r.keep_until, "");
    ck_assert_int_eq(r.due, 0);
    ck_assert_str_eq(r.reason_code, "open-case");

    ck_assert(planned(loose, "2030-01-01", NULL));
    ck_assert(!planned(linked, "2030-01-01", NULL));
    ck_assert(!planned(loose, "2020-06-29", NULL));

    /* Without a capture time the period counts from the arrival (today). */
    exec_other("DELETE FROM item_index");
    ck_assert_int_eq(ask(loose, "2030-01-01").due, 1);
    char unknown[65];
    fake_sha(unknown, "ff", 'f');
    ck_assert_int_eq(cs_retention_item(cat, &cfg, unknown, at("2030-01-01"), &r), CS_ENOTFOUND);
}
END_TEST

START_TEST(test_closed_case_follows_its_archive_period)
{
    close_a("2010-03-01", "short");
    cs_retention_t r = ask(linked, "2020-03-01");
    ck_assert_str_eq(r.klass, "evidence");
    ck_assert_str_eq(r.keep_until, "2020-03-01");
    ck_assert_int_eq(r.due, 0);
    ck_assert_str_eq(r.reason_code, "case-period");
    ck_assert_str_eq(r.since, "2010-03-01");
    r = ask(linked, "2020-03-02");
    ck_assert_int_eq(r.due, 1);
    ck_assert_str_eq(r.reason_code, "case-period-ended");
    json_t *cases = NULL;
    ck_assert(planned(linked, "2020-03-02", &cases));
    ck_assert_int_eq(json_array_size(cases), 1);
    ck_assert_str_eq(json_string_value(json_array_get(cases, 0)), CASE_A);
    json_decref(cases);

    /* long: 30 years; the default period is long. */
    cs_case_set_t s = {.keep_period = "long"};
    ck_assert_int_eq(cs_catalog_case_set(cat, CASE_A, &s, "root"), 0);
    ck_assert_str_eq(ask(linked, "2020-03-02").keep_until, "2040-03-01");
    ck_assert_int_eq(ask(linked, "2040-03-02").due, 1);
    exec_other("UPDATE cases SET keep_period = NULL");
    ck_assert_str_eq(ask(linked, "2020-03-02").keep_until, "2040-03-01");

    /* Reopened, the case keeps its items again. */
    ck_assert_int_eq(cs_catalog_case_status(cat, CASE_A, "investigating", "复查", "root"), 0);
    ck_assert_str_eq(ask(linked, "2050-01-01").reason_code, "open-case");
    ck_assert(!planned(linked, "2050-01-01", NULL));

    /* A case set to anything but the three periods is refused. */
    cs_case_set_t bad = {.keep_period = "forever"};
    ck_assert_int_eq(cs_catalog_case_set(cat, CASE_A, &bad, "root"), CS_EINVAL);
}
END_TEST

START_TEST(test_permanent_is_never_due)
{
    close_a("2010-03-01", "permanent");
    cs_retention_t r = ask(linked, "2900-01-01");
    ck_assert_int_eq(r.due, 0);
    ck_assert_str_eq(r.keep_until, "");
    ck_assert_str_eq(r.reason_code, "case-permanent");

    long before = count("SELECT count(*) FROM ledger");
    ck_assert_int_eq(cs_catalog_retention_set(cat, loose, "permanent", "重点文件", "root"), 0);
    r = ask(loose, "2900-01-01");
    ck_assert_str_eq(r.klass, "permanent");
    ck_assert_int_eq(r.due, 0);
    ck_assert_int_eq(r.explicit_class, 1);
    ck_assert(!planned(loose, "2900-01-01", NULL));
    /* A later class supersedes the earlier; both rows stay, each change in the ledger. */
    ck_assert_int_eq(cs_catalog_retention_set(cat, loose, "non_evidence", "误标", "root"), 0);
    ck_assert_int_eq(ask(loose, "2900-01-01").due, 1);
    ck_assert_int_eq(count("SELECT count(*) FROM retention_classes"), 2);
    ck_assert_int_eq(count("SELECT count(*) FROM ledger WHERE entry ->> '$.action' ="
                           " 'retention.set'"),
                     2);
    ck_assert_int_eq(count("SELECT count(*) FROM ledger") - before, 2);
    ck_assert_int_eq(cs_catalog_retention_set(cat, loose, "forever", "x", "root"), CS_EINVAL);
    ck_assert_int_eq(cs_catalog_retention_set(cat, loose, "evidence", "", "root"), CS_EINVAL);
}
END_TEST

START_TEST(test_explicit_class_never_lowers_an_open_case)
{
    ck_assert_int_eq(cs_catalog_retention_set(cat, linked, "non_evidence", "x", "root"), 0);
    cs_retention_t r = ask(linked, "2900-01-01");
    ck_assert_str_eq(r.klass, "evidence");
    ck_assert_int_eq(r.due, 0);
    ck_assert_str_eq(r.reason_code, "open-case");
    /* Once the case closes, the admin's class decides: 180 days from capture. */
    close_a("2021-01-01", "short");
    ck_assert_str_eq(ask(linked, "2021-01-02").klass, "non_evidence");
    ck_assert_int_eq(ask(linked, "2021-01-02").due, 1);
}
END_TEST

START_TEST(test_hold_keeps_an_item_until_released)
{
    int64_t id = 0;
    int n = 0;
    ck_assert_int_eq(cs_catalog_hold_add(cat, loose, NULL, "诉讼保全", "root", &id), 0);
    ck_assert_int_gt(id, 0);
    cs_retention_t r = ask(loose, "2030-01-01");
    ck_assert_int_eq(r.held, 1);
    ck_assert_int_eq(r.due, 0);
    ck_assert_str_eq(r.reason_code, "held");
    ck_assert_str_eq(r.klass, "non_evidence");
    ck_assert(!planned(loose, "2030-01-01", NULL));
    ck_assert_int_eq(cs_catalog_hold_release(cat, id, NULL, NULL, "诉讼结束", "root", &n), 0);
    ck_assert_int_eq(n, 1);
    ck_assert_int_eq(ask(loose, "2030-01-01").due, 1);
    ck_assert(planned(loose, "2030-01-01", NULL));
    /* Released once; never deleted. */
    ck_assert_int_eq(cs_catalog_hold_release(cat, id, NULL, NULL, "again", "root", &n),
                     CS_ENOTFOUND);
    sqlite3 *h = NULL;
    ck_assert_int_eq(sqlite3_open(db, &h), SQLITE_OK);
    ck_assert_int_ne(sqlite3_exec(h, "DELETE FROM holds", NULL, NULL, NULL), SQLITE_OK);
    ck_assert_int_ne(sqlite3_exec(h,
                                  "UPDATE holds SET released_at = NULL, released_by = NULL,"
                                  " release_reason = NULL",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(h);
    ck_assert_int_eq(count("SELECT count(*) FROM holds WHERE released_at IS NOT NULL"), 1);
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM ledger WHERE entry ->> '$.action' = 'hold.add'"
             " AND entry ->> '$.item' = '%s'",
             loose);
    ck_assert_int_eq(count(sql), 1);
    ck_assert_int_eq(count("SELECT count(*) FROM ledger WHERE entry ->> '$.action' ="
                           " 'hold.release' AND entry ->> '$.hold' = 1"),
                     1);
    ck_assert_int_eq(cs_catalog_hold_add(cat, loose, NULL, "", "root", &id), CS_EINVAL);
    ck_assert_int_eq(cs_catalog_hold_add(cat, NULL, CASE_C, "x", "root", &id), CS_ENOTFOUND);
}
END_TEST

START_TEST(test_hold_on_a_case_holds_its_items)
{
    int64_t id = 0;
    int n = 0;
    json_t *holds = NULL;
    close_a("2010-03-01", "short");
    ck_assert_int_eq(ask(linked, "2030-01-01").due, 1);
    ck_assert_int_eq(cs_catalog_hold_add(cat, NULL, CASE_A, "复议", "root", &id), 0);
    ck_assert_int_eq(ask(linked, "2030-01-01").held, 1);
    ck_assert_int_eq(ask(linked, "2030-01-01").due, 0);
    ck_assert_int_eq(ask(loose, "2030-01-01").held, 0);
    ck_assert(!planned(linked, "2030-01-01", NULL));
    ck_assert_int_eq(cs_catalog_holds(cat, 1, &holds), 0);
    ck_assert_int_eq(json_array_size(holds), 1);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(holds, 0), "case")), CASE_A);
    json_decref(holds);
    /* Released by naming the case. */
    ck_assert_int_eq(cs_catalog_hold_release(cat, 0, NULL, CASE_A, "复议结束", "root", &n), 0);
    ck_assert_int_eq(n, 1);
    ck_assert_int_eq(ask(linked, "2030-01-01").due, 1);
    ck_assert_int_eq(cs_catalog_holds(cat, 1, &holds), 0);
    ck_assert_int_eq(json_array_size(holds), 0);
    json_decref(holds);
    ck_assert_int_eq(cs_catalog_holds(cat, 0, &holds), 0);
    ck_assert_int_eq(json_array_size(holds), 1);
    json_decref(holds);
    /* A refused attempt is on record. */
    ck_assert_int_eq(cs_catalog_hold_refused(cat, "hold.add", 0, NULL, CASE_A, "wang", "clerk",
                                             "only admins place holds"),
                     0);
    ck_assert_int_eq(count("SELECT count(*) FROM ledger WHERE entry ->> '$.action' = 'hold.add'"
                           " AND entry ->> '$.result' = 'denied' AND entry ->> '$.actor' ="
                           " 'wang'"),
                     1);
}
END_TEST

START_TEST(test_config_keys_change_the_answer)
{
    cfg.retention_non_evidence_days = 30;
    ck_assert_str_eq(ask(loose, "2020-02-01").keep_until, "2020-01-31");
    ck_assert_int_eq(ask(loose, "2020-02-01").due, 1);
    close_a("2010-03-01", NULL);
    ck_assert_int_eq(ask(linked, "2020-03-02").due, 0); /* default long */
    ck_assert_int_eq(cs_config_set(&cfg, "retention.default_period", "short", "test"), 0);
    ck_assert_int_eq(ask(linked, "2020-03-02").due, 1);
    cfg.retention_short_years = 12;
    ck_assert_str_eq(ask(linked, "2020-03-02").keep_until, "2022-03-01");
    ck_assert_int_eq(ask(linked, "2020-03-02").due, 0);
    ck_assert_int_eq(cs_config_set(&cfg, "retention.default_period", "permanent", "test"), 0);
    ck_assert_int_eq(ask(linked, "2900-01-01").due, 0);
    ck_assert_int_eq(cs_config_set(&cfg, "retention.long_years", "5", "test"), 0);
    ck_assert_int_eq(cs_config_set(&cfg, "retention.default_period", "long", "test"), 0);
    ck_assert_str_eq(ask(linked, "2020-03-02").keep_until, "2015-03-01");
    ck_assert_int_ne(cs_config_set(&cfg, "retention.default_period", "forever", "test"), 0);
}
END_TEST

START_TEST(test_case_view)
{
    json_t *c = NULL;
    close_a("2010-03-01", "short");
    ck_assert_int_eq(cs_retention_case(cat, &cfg, CASE_A, at("2030-01-01"), &c), 0);
    ck_assert_str_eq(json_string_value(json_object_get(c, "keep_period")), "short");
    ck_assert_str_eq(json_string_value(json_object_get(c, "closed")), "2010-03-01");
    ck_assert_str_eq(json_string_value(json_object_get(c, "keep_until")), "2020-03-01");
    ck_assert_int_eq(json_array_size(json_object_get(c, "items")), 1);
    ck_assert(json_is_true(json_object_get(json_array_get(json_object_get(c, "items"), 0), "due")));
    json_decref(c);
    ck_assert_int_eq(cs_retention_case(cat, &cfg, CASE_C, at("2030-01-01"), &c), CS_ENOTFOUND);
}
END_TEST

static Suite *
suite(void)
{
    Suite *s = suite_create("retention");
    TCase *tc = tcase_create("retention");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_old_loose_item_is_due_linked_one_is_not);
    tcase_add_test(tc, test_closed_case_follows_its_archive_period);
    tcase_add_test(tc, test_permanent_is_never_due);
    tcase_add_test(tc, test_explicit_class_never_lowers_an_open_case);
    tcase_add_test(tc, test_hold_keeps_an_item_until_released);
    tcase_add_test(tc, test_hold_on_a_case_holds_its_items);
    tcase_add_test(tc, test_config_keys_change_the_answer);
    tcase_add_test(tc, test_case_view);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
