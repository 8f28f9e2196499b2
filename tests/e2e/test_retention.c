/* tests/e2e/test_retention.c: `custody retention show|set`, `custody hold`, `custody release`
 * and `custody case set --keep-period`: an item of an open case is never due; once its case is
 * closed with period short on a date over ten years ago it is due, and retention.short_years
 * changes that; a hold on the case keeps it until released; a clerk's hold is refused and
 * ledgered; a permanent case never lets its items go; the ledger still verifies. Over HTTP:
 * an item's record and its case's timeline carry `retention`; POST /v1/holds and
 * /v1/holds/{id}/release are an admin's (a clerk's attempt is 403 not-admin, ledgered); GET
 * /v1/holds lists them for auditors. */
#include "tests/e2e/e2e_api.h"

#include <stdio.h>
#include <string.h>

/* Runs custody with the home; the caller frees r. */
#define RUN(r, ...) cs_test_custody(r, __VA_ARGS__, "--home", t.home, NULL)

static void
ok(cs_run_t *r)
{
    ck_assert_msg(r->status == 0, "exit %d: %s%s", r->status, r->out, r->err);
    cs_test_run_free(r);
}

static long
ledgered(e2e_t *t, const char *where)
{
    char sql[1024];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM ledger WHERE %s", where);
    return cs_test_sql_count(t->db, sql);
}

/* `retention show ITEM --json` (with one --set, or NULL): its due, and its code in code. */
static int
due(e2e_t *tp, const char *sha, const char *set, char code[48])
{
    e2e_t t = *tp;
    cs_run_t r;
    if (set != NULL)
        RUN(&r, "retention", "show", sha, "--purpose", "核查", "--json", "--set", set);
    else
        RUN(&r, "retention", "show", sha, "--purpose", "核查", "--json");
    ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
    json_t *j = e2e_json(&r);
    snprintf(code, 48, "%s", json_string_value(json_object_get(j, "reason_code")));
    int d = json_is_true(json_object_get(j, "due"));
    json_decref(j);
    cs_test_run_free(&r);
    return d;
}

/* An item of case A; clerk wang; case A closed. Its sha256 into sha. */
static void
closed_case(e2e_t *tp, char sha[65], const char *closed_on, const char *period)
{
    e2e_t t = *tp;
    char path[PATH_MAX], code[48];
    cs_run_t r;
    e2e_file(tp, path, "in/a.txt", "a statement");
    e2e_sha256("a statement", sha);
    RUN(&r, "ingest", "--case", CASE_A, path);
    ok(&r);
    RUN(&r, "user", "add", "wang", "--role", "clerk");
    ok(&r);
    ck_assert_int_eq(due(tp, sha, NULL, code), 0);
    ck_assert_str_eq(code, "open-case");
    const char *steps[] = {"investigating", "under_review", "decided", "served", "closed"};
    for (size_t i = 0; i < 5; i++) {
        RUN(&r, "case", "status", CASE_A, "--to", steps[i]);
        ok(&r);
    }
    RUN(&r, "case", "set", CASE_A, "--closed", closed_on, "--keep-period", period);
    ok(&r);
}

START_TEST(a_closed_case_lets_its_items_go_unless_held)
{
    e2e_t t;
    cs_run_t r;
    char sha[65], code[48];
    e2e_setup(&t);
    closed_case(&t, sha, "2010-03-01", "short");

    ck_assert_int_eq(due(&t, sha, NULL, code), 1);
    ck_assert_str_eq(code, "case-period-ended");
    ck_assert_int_eq(due(&t, sha, "retention.short_years=100", code), 0);
    ck_assert_str_eq(code, "case-period");

    /* A clerk may not hold; the attempt is on record. */
    RUN(&r, "hold", CASE_A, "--reason", "复议", "--as", "wang");
    ck_assert_int_eq(r.status, 1);
    ck_assert_msg(strstr(r.err, "only admins") != NULL, "%s", r.err);
    cs_test_run_free(&r);
    ck_assert_int_eq(ledgered(&t, "entry ->> '$.action' = 'hold.add' AND entry ->> '$.actor' ="
                                  " 'wang' AND entry ->> '$.result' = 'denied'"),
                     1);
    ck_assert_int_eq(cs_test_sql_count(t.db, "SELECT count(*) FROM holds"), 0);
    ck_assert_int_eq(due(&t, sha, NULL, code), 1);

    /* The operator (an admin) holds the case: its item is kept. */
    RUN(&r, "hold", CASE_A, "--reason", "复议");
    ok(&r);
    ck_assert_int_eq(due(&t, sha, NULL, code), 0);
    ck_assert_str_eq(code, "held");
    RUN(&r, "hold", "list");
    ck_assert_msg(r.status == 0 && strstr(r.out, CASE_A) && strstr(r.out, "复议"), "%s%s", r.out,
                  r.err);
    cs_test_run_free(&r);
    RUN(&r, "retention", "show", CASE_A, "--purpose", "核查");
    ck_assert_msg(r.status == 0 && strstr(r.out, "2020-03-01") && strstr(r.out, "held"), "%s%s",
                  r.out, r.err);
    cs_test_run_free(&r);

    /* Released by naming the case: due again. */
    RUN(&r, "release", CASE_A, "--reason", "复议结束", "--as", "wang");
    ck_assert_int_eq(r.status, 1);
    cs_test_run_free(&r);
    RUN(&r, "release", CASE_A, "--reason", "复议结束");
    ok(&r);
    ck_assert_int_eq(due(&t, sha, NULL, code), 1);
    ck_assert_int_eq(ledgered(&t, "entry ->> '$.action' = 'hold.add' AND entry ->> '$.result'"
                                  " IS NULL AND entry ->> '$.case' = '" CASE_A "'"),
                     1);
    ck_assert_int_eq(ledgered(&t, "entry ->> '$.action' = 'hold.release' AND entry ->> "
                                  "'$.result' IS NULL"),
                     1);
    ck_assert_int_eq(ledgered(&t, "entry ->> '$.action' = 'hold.release' AND entry ->> "
                                  "'$.result' = 'denied'"),
                     1);
    /* A hold on the item itself, by its prefix. */
    char prefix[9];
    snprintf(prefix, sizeof prefix, "%.8s", sha);
    RUN(&r, "hold", "--reason", "鉴定", prefix);
    ok(&r);
    ck_assert_int_eq(due(&t, sha, NULL, code), 0);
    RUN(&r, "release", "2", "--reason", "鉴定结束");
    ok(&r);
    ck_assert_int_eq(due(&t, sha, NULL, code), 1);
    ck_assert_int_eq(cs_test_sql_count(t.db, "SELECT count(*) FROM holds"), 2);

    RUN(&r, "ledger", "verify");
    ok(&r);
    e2e_teardown(&t);
}
END_TEST

START_TEST(a_permanent_case_or_class_is_never_due)
{
    e2e_t t;
    cs_run_t r;
    char sha[65], code[48];
    e2e_setup(&t);
    closed_case(&t, sha, "1990-03-01", "permanent");
    ck_assert_int_eq(due(&t, sha, NULL, code), 0);
    ck_assert_str_eq(code, "case-permanent");
    RUN(&r, "case", "set", CASE_A, "--keep-period", "long");
    ok(&r);
    ck_assert_int_eq(due(&t, sha, NULL, code), 1);

    /* An admin's class; a clerk's attempt is refused and ledgered. */
    RUN(&r, "retention", "set", sha, "--class", "permanent", "--reason", "重点", "--as", "wang");
    ck_assert_int_eq(r.status, 1);
    cs_test_run_free(&r);
    RUN(&r, "retention", "set", sha, "--class", "permanent", "--reason", "重点");
    ok(&r);
    ck_assert_int_eq(due(&t, sha, NULL, code), 0);
    ck_assert_str_eq(code, "permanent");
    ck_assert_int_eq(ledgered(&t, "entry ->> '$.action' = 'retention.set' AND entry ->>"
                                  " '$.result' = 'denied' AND entry ->> '$.actor' = 'wang'"),
                     1);
    RUN(&r, "case", "set", CASE_A, "--keep-period", "forever");
    ck_assert_int_eq(r.status, 2);
    cs_test_run_free(&r);
    e2e_teardown(&t);
}
END_TEST

/* The `retention` member of GET /v1/items/{sha256} as alice (granted). */
static json_t *
api_retention(api_t *a)
{
    char path[256];
    resp_t r;
    path_of(a, path, sizeof path, "");
    http(a, &r, "GET", path, a->alice, PURPOSE, NULL, NULL);
    ck_assert_int_eq(r.status, 200);
    json_t *j = body_json(&r);
    json_t *ret = json_incref(json_object_get(j, "retention"));
    ck_assert_ptr_nonnull(ret);
    json_decref(j);
    resp_free(&r);
    return ret;
}

START_TEST(holds_over_http_are_an_admins_and_records_carry_retention)
{
    api_t a;
    resp_t r;
    json_t *j;
    api_setup(&a);
    j = api_retention(&a);
    ck_assert_str_eq(json_string_value(json_object_get(j, "class")), "evidence");
    ck_assert_str_eq(json_string_value(json_object_get(j, "reason_code")), "open-case");
    ck_assert(json_is_false(json_object_get(j, "due")));
    ck_assert(json_is_false(json_object_get(j, "held")));
    json_decref(j);

    const char *body = "{\"case\": \"" CASE_A "\", \"reason\": \"复议\"}";
    http(&a, &r, "POST", "/v1/holds", a.dave, PURPOSE, NULL, body);
    assert_problem(&r, 403, "forbidden");
    ck_assert_ptr_nonnull(strstr(r.body, "not-admin"));
    resp_free(&r);
    ck_assert_int_eq(entries(&a, "entry ->> '$.action' = 'hold.add' AND entry ->> '$.actor' ="
                                 " 'dave' AND entry ->> '$.result' = 'denied'"),
                     1);
    http(&a, &r, "POST", "/v1/holds", a.root, PURPOSE, NULL, body);
    ck_assert_msg(r.status == 201, "%d %s", r.status, r.body);
    j = body_json(&r);
    long long id = json_integer_value(json_object_get(j, "id"));
    json_decref(j);
    resp_free(&r);
    j = api_retention(&a);
    ck_assert(json_is_true(json_object_get(j, "held")));
    ck_assert_str_eq(json_string_value(json_object_get(j, "reason_code")), "held");
    json_decref(j);

    /* The timeline carries it too. */
    http(&a, &r, "GET", "/v1/cases/" CASE_A_PCT "/items", a.alice, PURPOSE, NULL, NULL);
    ck_assert_int_eq(r.status, 200);
    j = body_json(&r);
    ck_assert(json_is_true(json_object_get(
        json_object_get(json_array_get(json_object_get(j, "items"), 0), "retention"), "held")));
    json_decref(j);
    resp_free(&r);

    http(&a, &r, "GET", "/v1/holds", a.carol, NULL, NULL, NULL);
    ck_assert_int_eq(r.status, 200);
    j = body_json(&r);
    ck_assert_int_eq(json_array_size(json_object_get(j, "holds")), 1);
    json_decref(j);
    resp_free(&r);
    http(&a, &r, "GET", "/v1/holds", a.dave, NULL, NULL, NULL);
    ck_assert_int_eq(r.status, 403);
    resp_free(&r);

    char path[64];
    snprintf(path, sizeof path, "/v1/holds/%lld/release", id);
    http(&a, &r, "POST", path, a.dave, PURPOSE, NULL, "{\"reason\": \"x\"}");
    assert_problem(&r, 403, "forbidden");
    resp_free(&r);
    http(&a, &r, "POST", path, a.root, PURPOSE, NULL, "{\"reason\": \"复议结束\"}");
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    resp_free(&r);
    http(&a, &r, "POST", path, a.root, PURPOSE, NULL, "{\"reason\": \"again\"}");
    assert_problem(&r, 404, "not-found");
    resp_free(&r);
    j = api_retention(&a);
    ck_assert(json_is_false(json_object_get(j, "held")));
    json_decref(j);
    ck_assert_int_eq(entries(&a, "entry ->> '$.action' = 'hold.release' AND entry ->> '$.result'"
                                 " IS NULL"),
                     1);
    /* A case's archive period over HTTP, as case set --keep-period. */
    http(&a, &r, "POST", "/v1/cases/" CASE_A_PCT "/record", a.root, PURPOSE, NULL,
         "{\"keep_period\": \"short\"}");
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    resp_free(&r);
    ck_assert_int_eq(cs_test_sql_count(a.t.db, "SELECT count(*) FROM cases WHERE keep_period ="
                                               " 'short'"),
                     1);
    ck_assert_int_eq(entries(&a, "entry ->> '$.action' = 'hold.release' AND entry ->> '$.result'"
                                 " = 'denied' AND entry ->> '$.actor' = 'dave'"),
                     1);
    api_teardown(&a);
}
END_TEST

static Suite *
retention_suite(void)
{
    Suite *s = suite_create("retention");
    TCase *tc = tcase_create("retention");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, a_closed_case_lets_its_items_go_unless_held);
    tcase_add_test(tc, a_permanent_case_or_class_is_never_due);
    tcase_add_test(tc, holds_over_http_are_an_admins_and_records_carry_retention);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(retention_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
