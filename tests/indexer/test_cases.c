/* tests/indexer/test_cases.c: a case as a record (indexer/cases.c): its rows and ledger
 * entries in one transaction, the status transitions allowed and refused, the ID number
 * selected only when the gate said so, and the register's rows. */
#include "tests/indexer/indexer_util.h"

#include "core/error.h"
#include "indexer/access.h"
#include "indexer/cases.h"

#include <check.h>
#include <sqlite3.h>
#include <string.h>

#define HASH "0000000000000000000000000000000000000000000000000000000000000001"

/* Case A with one item, and officer wang (a clerk). */
static void
case_a(void)
{
    char sha[65];
    fake_sha(sha, "aa", '1');
    cs_arrival_t a = arrival(sha, CASE_A, "张三", "a.jpg");
    ck_assert_int_eq(cs_catalog_record_arrival(cat, &a, NULL), 0);
    ck_assert_int_eq(cs_catalog_user_add(cat, "wang", "clerk", HASH, "root"), 0);
}

START_TEST(test_set_writes_rows_and_ledger)
{
    case_a();
    cs_case_set_t s = {.kind = "penalty",
                       .procedure = "general",
                       .cause = "未经许可取水",
                       .filed = "2026-03-01",
                       .party = "张三",
                       .party_kind = "person",
                       .id_number = "110101199001011234",
                       .officers = {"wang"},
                       .nofficers = 1};
    long before = count("SELECT count(*) FROM ledger");
    ck_assert_int_eq(cs_catalog_case_set(cat, CASE_A, &s, "root"), 0);
    ck_assert_int_eq(count("SELECT count(*) FROM cases WHERE kind = 'penalty' AND procedure ="
                           " 'general' AND cause = '未经许可取水' AND filed_on = '2026-03-01'"
                           " AND status = 'registered'"),
                     1);
    ck_assert_int_eq(count("SELECT count(*) FROM parties WHERE name = '张三' AND kind = 'person'"
                           " AND id_number = '110101199001011234'"),
                     1);
    ck_assert_int_eq(count("SELECT count(*) FROM case_officers"), 1);
    ck_assert_int_eq(count("SELECT count(*) FROM ledger") - before, 1);
    ck_assert_int_eq(count("SELECT count(*) FROM ledger WHERE entry ->> '$.action' = 'case.set'"
                           " AND entry ->> '$.actor' = 'root' AND entry ->> '$.kind' = 'custody'"
                           " AND entry ->> '$.officers[0]' = 'wang'"),
                     1);
    /* The ID number is personal data: the ledger says it was set, never what it is. */
    ck_assert_int_eq(count("SELECT count(*) FROM ledger WHERE entry LIKE '%1101011990%'"), 0);

    /* Refused values change nothing and append nothing. */
    cs_case_set_t bad[] = {{.kind = "fine"},
                           {.procedure = "fast"},
                           {.filed = "2026-13-01"},
                           {.party_kind = "person"},
                           {.officers = {"nobody"}, .nofficers = 1}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_int_ne(cs_catalog_case_set(cat, CASE_A, &bad[i], "root"), 0);
    ck_assert_int_eq(count("SELECT count(*) FROM ledger") - before, 1);
    cs_case_set_t k = {.kind = "inspection"};
    ck_assert_int_eq(cs_catalog_case_set(cat, CASE_B, &k, "root"), CS_ENOTFOUND);
}
END_TEST

static const struct {
    const char *to, *reason;
    int ok;
} steps[] = {
    {"investigating", NULL, 1},
    {"decided", NULL, 0},
    {"under_review", NULL, 1},
    {"registered", NULL, 0},
    {"investigating", NULL, 0}, /* a reopening needs a reason */
    {"investigating", "补充证据", 1},
    {"under_review", NULL, 1},
    {"decided", NULL, 1},
    {"served", NULL, 1},
    {"closed", NULL, 1},
    {"served", NULL, 0},
    {"investigating", "复查", 1},
};

START_TEST(test_status_transitions)
{
    case_a();
    long before = count("SELECT count(*) FROM ledger");
    int done = 0;
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        int rc = cs_catalog_case_status(cat, CASE_A, steps[i].to, steps[i].reason, "wang");
        ck_assert_msg((rc == 0) == steps[i].ok, "step %zu to %s: rc %d (%s)", i, steps[i].to, rc,
                      cs_diag());
        done += steps[i].ok;
        if (!steps[i].ok)
            ck_assert_msg(strstr(cs_diag(), i == 4 ? "needs a reason" : "may go to") != NULL,
                          "step %zu: %s", i, cs_diag());
    }
    ck_assert_int_eq(count("SELECT count(*) FROM case_status"), done);
    ck_assert_int_eq(count("SELECT count(*) FROM ledger") - before, done);
    ck_assert_int_eq(count("SELECT count(*) FROM ledger WHERE entry ->> '$.action' ="
                           " 'case.status' AND entry ->> '$.reopen' = 1 AND entry ->> '$.reason'"
                           " = '复查' AND entry ->> '$.from' = 'closed'"),
                     1);
    ck_assert_int_eq(count("SELECT count(*) FROM cases WHERE status = 'investigating'"), 1);
    /* The history is append-only, as the ledger is. */
    sqlite3 *h = NULL;
    ck_assert_int_eq(sqlite3_open(db, &h), SQLITE_OK);
    ck_assert_int_ne(sqlite3_exec(h, "UPDATE case_status SET reason = 'x'", NULL, NULL, NULL),
                     SQLITE_OK);
    ck_assert_int_ne(sqlite3_exec(h, "DELETE FROM case_status", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(h);
    ck_assert_int_eq(count("SELECT count(*) FROM case_status"), done);
    ck_assert_int_eq(cs_catalog_case_status(cat, CASE_A, "shelved", NULL, "wang"), CS_EINVAL);
    ck_assert_int_eq(cs_catalog_case_status(cat, CASE_B, "investigating", NULL, "wang"),
                     CS_ENOTFOUND);
}
END_TEST

START_TEST(test_record_withholds_id_number)
{
    case_a();
    cs_case_set_t s = {.party = "张三", .id_number = "110101199001011234", .kind = "licensing"};
    ck_assert_int_eq(cs_catalog_case_set(cat, CASE_A, &s, "root"), 0);
    json_t *r = NULL;
    ck_assert_int_eq(cs_catalog_case_record(cat, CASE_A, 0, &r), 0);
    ck_assert_str_eq(str_at(r, "parties", 0, "name"), "张三");
    ck_assert_ptr_null(str_at(r, "parties", 0, "id_number"));
    ck_assert(json_is_true(
        json_object_get(json_array_get(json_object_get(r, "parties"), 0), "id_number_withheld")));
    ck_assert_str_eq(json_string_value(json_object_get(r, "kind_zh")), "行政许可");
    ck_assert_str_eq(json_string_value(json_array_get(json_object_get(r, "next"), 0)),
                     "investigating");
    json_decref(r);
    ck_assert_int_eq(cs_catalog_case_record(cat, CASE_A, 1, &r), 0);
    ck_assert_str_eq(str_at(r, "parties", 0, "id_number"), "110101199001011234");
    json_decref(r);
    ck_assert_int_eq(cs_catalog_case_record(cat, CASE_B, 1, &r), CS_ENOTFOUND);
}
END_TEST

START_TEST(test_register_rows)
{
    case_a();
    char sha[65];
    fake_sha(sha, "bb", '2');
    cs_arrival_t a = arrival(sha, CASE_B, NULL, "b.jpg");
    ck_assert_int_eq(cs_catalog_record_arrival(cat, &a, NULL), 0);
    cs_case_set_t s = {
        .kind = "penalty", .filed = "2026-03-01", .officers = {"wang"}, .nofficers = 1};
    ck_assert_int_eq(cs_catalog_case_set(cat, CASE_A, &s, "root"), 0);
    json_t *rows = NULL;
    ck_assert_int_eq(cs_catalog_case_register(cat, NULL, NULL, NULL, &rows), 0);
    ck_assert_int_eq(json_array_size(rows), 2);
    json_decref(rows);
    ck_assert_int_eq(cs_catalog_case_register(cat, "registered", "2026-01-01", "2026-12-31", &rows),
                     0);
    ck_assert_int_eq(json_array_size(rows), 1);
    json_t *r = json_array_get(rows, 0);
    ck_assert_str_eq(json_string_value(json_object_get(r, "case")), CASE_A);
    ck_assert_str_eq(json_string_value(json_object_get(r, "kind_zh")), "行政处罚");
    ck_assert_str_eq(json_string_value(json_object_get(r, "parties")), "张三");
    ck_assert_str_eq(json_string_value(json_object_get(r, "officers")), "wang");
    ck_assert_int_eq(json_integer_value(json_object_get(r, "items")), 1);
    json_decref(rows);
    ck_assert_int_eq(cs_catalog_case_register(cat, "lost", NULL, NULL, &rows), CS_EINVAL);
}
END_TEST

static Suite *
cases_suite(void)
{
    Suite *s = suite_create("cases");
    TCase *tc = tcase_create("cases");
    tcase_add_checked_fixture(tc, catalog_setup, catalog_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_set_writes_rows_and_ledger);
    tcase_add_test(tc, test_status_transitions);
    tcase_add_test(tc, test_record_withholds_id_number);
    tcase_add_test(tc, test_register_rows);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(cases_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
