/* tests/e2e/test_purpose.c: a read goes through a grant only for one of the grant's purposes
 * (issue 19, part 3), on the CLI (`custody show`, `custody get`) and the HTTP API: a purpose
 * outside them is refused with its code and ledgered; a grant with two purposes reads for
 * both; `--any-purpose` and access.purpose_match = any accept any purpose, still ledgered. */
#include "tests/e2e/e2e_api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define IDLE "随便看看"
#define IDLE_PCT "%E9%9A%8F%E4%BE%BF%E7%9C%8B%E7%9C%8B"
#define LEGAL "法制审核"
#define LEGAL_PCT "%E6%B3%95%E5%88%B6%E5%AE%A1%E6%A0%B8"

/* Ledger entries of `custody`'s home catalog matching the condition. */
static long
ledgered(const e2e_t *t, const char *where)
{
    char sql[1024];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM ledger WHERE %s", where);
    return cs_test_sql_count(t->db, sql);
}

/* `custody VERB SHA --purpose P --as USER [--set k=v]`: its exit status; out/err kept in r. */
static int
read_as(cs_run_t *r, e2e_t *t, const char *verb, const char *sha, const char *purpose,
        const char *user, const char *set)
{
    char out[PATH_MAX];
    snprintf(out, sizeof out, "%s/got.bin", t->dir);
    unlink(out); /* get writes a new file, never over one */
    if (strcmp(verb, "get") == 0)
        cs_test_custody(r, "get", sha, "--home", t->home, "--purpose", purpose, "--as", user,
                        "--out", out, set ? "--set" : NULL, set, NULL);
    else
        cs_test_custody(r, verb, sha, "--home", t->home, "--purpose", purpose, "--as", user,
                        set ? "--set" : NULL, set, NULL);
    return r->status;
}

static void
ok(cs_run_t *r)
{
    ck_assert_msg(r->status == 0, "exit %d: %s", r->status, r->err);
    cs_test_run_free(r);
}

START_TEST(cli_reads_only_for_the_grants_purposes)
{
    e2e_t t;
    cs_run_t r;
    char src[PATH_MAX], sha[65];
    e2e_setup(&t);
    e2e_file(&t, src, "note.txt", "a note of the inspection\n");
    cs_test_custody(&r, "ingest", "--home", t.home, "--case", CASE_A, src, NULL);
    ok(&r);
    e2e_sha256("a note of the inspection\n", sha);
    cs_test_custody(&r, "user", "add", "zhang", "--role", "reviewer", "--home", t.home, NULL);
    ok(&r);
    cs_test_custody(&r, "user", "add", "li", "--role", "reviewer", "--home", t.home, NULL);
    ok(&r);
    cs_test_custody(&r, "grant", "zhang", "--home", t.home, "--case", CASE_A, "--purpose", LEGAL,
                    NULL);
    ok(&r);
    cs_test_custody(&r, "grant", "li", "--home", t.home, "--case", CASE_A, "--purpose", LEGAL,
                    "--purpose", " 行政复议 ", NULL);
    ck_assert_msg(strstr(r.out, "for \"法制审核\", \" 行政复议 \"") != NULL, "%s", r.out);
    ok(&r);

    /* Outside the grant's purposes: refused with the purposes named, and ledgered. */
    for (int i = 0; i < 2; i++) {
        const char *verb = i ? "get" : "show";
        ck_assert_int_ne(read_as(&r, &t, verb, sha, IDLE, "zhang", NULL), 0);
        ck_assert_msg(strstr(r.err, "not one of grant") && strstr(r.err, "\"法制审核\""), "%s",
                      r.err);
        cs_test_run_free(&r);
    }
    ck_assert_int_eq(ledgered(&t, "entry ->> '$.actor' = 'zhang' AND entry ->> '$.result' ="
                                  " 'denied' AND entry ->> '$.purpose' = '" IDLE "' AND"
                                  " entry ->> '$.reason' LIKE '%not one of grant%'"),
                     2);
    /* Its own purpose, written with spaces around: read, and ledgered as stated. */
    ck_assert_int_eq(read_as(&r, &t, "show", sha, " " LEGAL " ", "zhang", NULL), 0);
    cs_test_run_free(&r);
    ck_assert_int_eq(read_as(&r, &t, "get", sha, LEGAL, "zhang", NULL), 0);
    cs_test_run_free(&r);
    ck_assert_int_eq(ledgered(&t, "entry ->> '$.actor' = 'zhang' AND entry ->> '$.result' ="
                                  " 'allowed'"),
                     2);

    /* Two purposes: either reads, a third does not. */
    ck_assert_int_eq(read_as(&r, &t, "show", sha, LEGAL, "li", NULL), 0);
    cs_test_run_free(&r);
    ck_assert_int_eq(read_as(&r, &t, "get", sha, "行政复议", "li", NULL), 0);
    cs_test_run_free(&r);
    ck_assert_int_ne(read_as(&r, &t, "show", sha, IDLE, "li", NULL), 0);
    cs_test_run_free(&r);

    /* access.purpose_match = any: any purpose reads, and is ledgered as stated. */
    ck_assert_int_eq(read_as(&r, &t, "show", sha, IDLE, "zhang", "access.purpose_match=any"), 0);
    cs_test_run_free(&r);
    ck_assert_int_eq(ledgered(&t, "entry ->> '$.actor' = 'zhang' AND entry ->> '$.result' ="
                                  " 'allowed' AND entry ->> '$.purpose' = '" IDLE "'"),
                     1);
    /* A grant for any purpose does too; the purpose is still required. */
    cs_test_custody(&r, "grant", "zhang", "--home", t.home, "--case", CASE_A, "--any-purpose",
                    NULL);
    ok(&r);
    ck_assert_int_eq(read_as(&r, &t, "get", sha, IDLE, "zhang", NULL), 0);
    cs_test_run_free(&r);
    cs_test_custody(&r, "show", sha, "--home", t.home, "--as", "zhang", NULL);
    ck_assert_int_ne(r.status, 0);
    ck_assert_ptr_nonnull(strstr(r.err, "--purpose"));
    cs_test_run_free(&r);
    cs_test_custody(&r, "grants", "zhang", "--home", t.home, "--json", NULL);
    ck_assert_int_eq(r.status, 0);
    json_t *g = e2e_json(&r);
    ck_assert_int_eq(json_array_size(g), 2);
    ck_assert(json_is_true(json_object_get(json_array_get(g, 0), "any_purpose")));
    ck_assert_str_eq(
        json_string_value(json_array_get(json_object_get(json_array_get(g, 1), "purposes"), 0)),
        LEGAL);
    json_decref(g);
    cs_test_run_free(&r);
    /* A grant names a purpose or accepts any. */
    cs_test_custody(&r, "grant", "li", "--home", t.home, "--case", CASE_A, NULL);
    ck_assert_int_eq(r.status, 2);
    cs_test_run_free(&r);
    e2e_teardown(&t);
}
END_TEST

START_TEST(api_refuses_a_purpose_outside_the_grant)
{
    api_t a;
    resp_t r;
    cs_run_t run;
    char item[256];
    api_setup(&a);
    path_of(&a, item, sizeof item, "");
    cs_test_custody(&run, "grant", "bob", "--home", a.t.home, "--case", CASE_A, "--purpose", LEGAL,
                    "--purpose", "Legal Review", NULL);
    run_ok(&run);
    cs_test_run_free(&run);

    http(&a, &r, "GET", item, a.bob, IDLE_PCT, NULL, NULL);
    assert_problem(&r, 403, "forbidden");
    ck_assert_ptr_nonnull(strstr(r.body, "\"code\":\"purpose-out-of-scope\""));
    ck_assert_msg(strstr(r.body, "\"detail_zh\":\"所述用途不在授权范围内：本授权的用途为"
                                 "「法制审核」「Legal Review」；本次拒绝已记入调阅记录\""),
                  "%s", r.body);
    resp_free(&r);
    ck_assert_int_eq(entries(&a, "json_extract(entry, '$.actor') = 'bob' AND "
                                 "json_extract(entry, '$.result') = 'denied' AND "
                                 "json_extract(entry, '$.purpose') = '" IDLE "'"),
                     1);
    /* Lists show nothing of a case read for another purpose. */
    http(&a, &r, "GET", "/v1/cases", a.bob, IDLE_PCT, NULL, NULL);
    ck_assert_int_eq(r.status, 200);
    ck_assert_str_eq(r.body, "{\"cases\":[],\"next_cursor\":null}");
    resp_free(&r);
    /* Either of the grant's purposes reads (ASCII letters in any case). */
    http(&a, &r, "GET", item, a.bob, LEGAL_PCT, NULL, NULL);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    resp_free(&r);
    http(&a, &r, "GET", item, a.bob, "legal%20REVIEW", NULL, NULL);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    resp_free(&r);
    http(&a, &r, "GET", "/v1/cases", a.bob, LEGAL_PCT, NULL, NULL);
    ck_assert_ptr_nonnull(strstr(r.body, "\"case\""));
    resp_free(&r);
    /* /v1/me shows each grant's purposes. */
    http(&a, &r, "GET", "/v1/me", a.bob, NULL, NULL, NULL);
    ck_assert_int_eq(r.status, 200);
    json_t *me = body_json(&r), *g = json_array_get(json_object_get(me, "grants"), 0);
    ck_assert_int_eq(json_array_size(json_object_get(g, "purposes")), 2);
    ck_assert_str_eq(json_string_value(json_array_get(json_object_get(g, "purposes"), 1)),
                     "Legal Review");
    ck_assert(json_is_false(json_object_get(g, "any_purpose")));
    json_decref(me);
    resp_free(&r);
    api_teardown(&a);
}
END_TEST

START_TEST(api_purpose_match_any_accepts_any)
{
    api_t a;
    resp_t r;
    cs_run_t run;
    char item[256];
    const char *sets[] = {"access.purpose_match=any", NULL};
    api_setup_with(&a, sets);
    path_of(&a, item, sizeof item, "");
    cs_test_custody(&run, "grant", "bob", "--home", a.t.home, "--case", CASE_A, "--purpose", LEGAL,
                    NULL);
    run_ok(&run);
    cs_test_run_free(&run);
    http(&a, &r, "GET", item, a.bob, IDLE_PCT, NULL, NULL);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    resp_free(&r);
    ck_assert_int_eq(entries(&a, "json_extract(entry, '$.actor') = 'bob' AND "
                                 "json_extract(entry, '$.result') = 'allowed' AND "
                                 "json_extract(entry, '$.purpose') = '" IDLE "'"),
                     1);
    api_teardown(&a);
}
END_TEST

static Suite *
purpose_suite(void)
{
    Suite *s = suite_create("purpose");
    TCase *tc = tcase_create("purpose");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, cli_reads_only_for_the_grants_purposes);
    tcase_add_test(tc, api_refuses_a_purpose_outside_the_grant);
    tcase_add_test(tc, api_purpose_match_any_accepts_any);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(purpose_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
