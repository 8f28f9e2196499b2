/* tests/e2e/test_signin_limit.c: password sign-in limited per client address, over real HTTP
 * against `custody serve`: an address that has failed auth.address_failures times is refused
 * (429, a code, Chinese words, Retry-After) before its attempts are weighed, so it locks at
 * most address_failures / lockout_after accounts; reaching the limit is ledgered once. */
#include "tests/e2e/e2e_api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PW "correct horse battery"

static void
passwd_ok(api_t *a, const char *name)
{
    char *argv[] = {(char *)CUSTODY_BIN, "user", "passwd", (char *)name, "--home", a->t.home,
                    "--password-stdin",  NULL};
    cs_run_t r;
    cs_test_run(&r, PW "\n", argv);
    ck_assert_msg(r.status == 0, "%s %s", r.out, r.err);
    cs_test_run_free(&r);
}

static void
sign_in(api_t *a, resp_t *r, const char *user, const char *password)
{
    char body[512];
    snprintf(body, sizeof body, "{\"user\":\"%s\",\"password\":\"%s\"}", user, password);
    http(a, r, "POST", "/v1/session", NULL, NULL, NULL, body);
}

static long
failed_signins(api_t *a, const char *user)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT failed_signins + 100 * (locked_until IS NOT NULL) FROM users"
             " WHERE name = '%s'",
             user);
    return cs_test_sql_count(a->t.db, sql);
}

START_TEST(one_address_locks_at_most_failures_over_lockout_accounts)
{
    static const char *const sets[] = {"auth.address_failures=6", "auth.lockout_after=3", NULL};
    api_t a;
    resp_t r;
    api_setup_with(&a, sets);
    passwd_ok(&a, "alice");
    passwd_ok(&a, "bob");
    passwd_ok(&a, "carol");
    /* Three wrong passwords lock alice, three more bob: six failures from 127.0.0.1. */
    const char *const victims[] = {"alice", "bob"};
    for (int v = 0; v < 2; v++)
        for (int i = 0; i < 3; i++) {
            sign_in(&a, &r, victims[v], "wrong password!");
            ck_assert_msg(r.status == 401, "%s #%d: %d %s", victims[v], i, r.status, r.body);
            resp_free(&r);
        }
    ck_assert_int_eq(failed_signins(&a, "alice"), 100); /* locked */
    ck_assert_int_eq(failed_signins(&a, "bob"), 100);
    /* The address is closed: carol's attempts are refused before they are weighed. */
    for (int i = 0; i < 4; i++) {
        sign_in(&a, &r, "carol", "wrong password!");
        assert_problem(&r, 429, "too-many-requests");
        json_t *j = body_json(&r);
        ck_assert_str_eq(json_string_value(json_object_get(j, "code")), "signin-rate-limited");
        ck_assert_msg(
            strstr(json_string_value(json_object_get(j, "detail_zh")), "登录失败次数过多"), "%s",
            r.body);
        json_decref(j);
        const char *retry = header(&r, "retry-after");
        ck_assert_ptr_nonnull(retry);
        ck_assert_int_ge(atoi(retry), 1);
        ck_assert_int_le(atoi(retry), 900);
        ck_assert_ptr_null(header(&r, "set-cookie"));
        resp_free(&r);
    }
    /* Even her right password: nothing from this address is weighed until the window ends. */
    sign_in(&a, &r, "carol", PW);
    ck_assert_int_eq(r.status, 429);
    resp_free(&r);
    ck_assert_int_eq(failed_signins(&a, "carol"), 0); /* not counted against carol */
    ck_assert_int_eq(entries(&a, "json_extract(entry, '$.action') = 'session.failed' AND "
                                 "json_extract(entry, '$.user') = 'carol'"),
                     0);
    ck_assert_int_eq(entries(&a, "json_extract(entry, '$.action') = 'session.failed'"), 6);
    ck_assert_int_eq(entries(&a, "json_extract(entry, '$.action') = 'session.locked'"), 2);
    /* Reaching the limit is ledgered once, not once a refusal. */
    ck_assert_int_eq(entries(&a, "json_extract(entry, '$.action') = 'session.limited' AND "
                                 "json_extract(entry, '$.address') = '127.0.0.1' AND "
                                 "json_extract(entry, '$.failures') = 6 AND "
                                 "json_extract(entry, '$.window_s') = 900 AND "
                                 "json_extract(entry, '$.actor') = 'http:127.0.0.1'"),
                     1);
    /* Tokens are not sign-ins: the API still answers the address's scripts. */
    http(&a, &r, "GET", "/v1/me", a.alice, NULL, NULL, NULL);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    resp_free(&r);
    api_teardown(&a);
}
END_TEST

/* A success does not clear the address's count: an attacker with an account of their own
 * cannot reset it by signing in between guesses. */
START_TEST(a_success_between_failures_does_not_reset_the_address)
{
    static const char *const sets[] = {"auth.address_failures=3", NULL};
    api_t a;
    resp_t r;
    api_setup_with(&a, sets);
    passwd_ok(&a, "alice");
    for (int i = 0; i < 3; i++) {
        sign_in(&a, &r, "bob", "wrong password!");
        ck_assert_int_eq(r.status, 401);
        resp_free(&r);
        if (i < 2) {
            sign_in(&a, &r, "alice", PW);
            ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
            resp_free(&r);
        }
    }
    sign_in(&a, &r, "alice", PW);
    ck_assert_int_eq(r.status, 429);
    resp_free(&r);
    api_teardown(&a);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("signin_limit");
    TCase *tc = tcase_create("signin_limit");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, one_address_locks_at_most_failures_over_lockout_accounts);
    tcase_add_test(tc, a_success_between_failures_does_not_reset_the_address);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failures = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failures ? 1 : 0;
}
