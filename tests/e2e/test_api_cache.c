/* tests/e2e/test_api_cache.c: the service keeps the rows every request looks up again (the
 * token's user, a session's user, the gate's rows, an item's record: api/cache.h), and every
 * change made to them, by the CLI in another process or through the API, counts from the very
 * next request: a revoked grant, a disabled user, a reclassified item, a hold. Each test reads
 * twice first, so that the rows are cached when the change is made. */
#include "tests/e2e/e2e_api.h"

#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PW "correct horse battery"

/* GET /v1/items/<sha> as `token` twice, both 200; the second answer's body as JSON. */
static json_t *
read_twice(api_t *a, const char *token, const char *const *headers)
{
    char path[256];
    resp_t r;
    json_t *j = NULL;
    path_of(a, path, sizeof path, "");
    for (int i = 0; i < 2; i++) {
        http_h(a, &r, "GET", path, token, PURPOSE, NULL, NULL, headers);
        ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
        json_decref(j);
        j = body_json(&r);
        resp_free(&r);
    }
    return j;
}

/* The code of the problem r answers. */
static void
assert_code(resp_t *r, int status, const char *slug, const char *code)
{
    assert_problem(r, status, slug);
    json_t *j = body_json(r);
    ck_assert_str_eq(json_string_value(json_object_get(j, "code")), code);
    json_decref(j);
}

static long
refusals(api_t *a, const char *actor)
{
    char where[256];
    snprintf(where, sizeof where,
             "json_extract(entry, '$.kind') = 'retrieval' AND json_extract(entry, '$.action') ="
             " 'view' AND json_extract(entry, '$.actor') = '%s' AND json_extract(entry,"
             " '$.result') = 'denied'",
             actor);
    return entries(a, where);
}

static void
custody_ok(api_t *a, const char *cmd, const char *arg, const char *more)
{
    cs_run_t r;
    if (more != NULL)
        cs_test_custody(&r, cmd, arg, more, "--reason", "cache test", "--home", a->t.home, NULL);
    else
        cs_test_custody(&r, cmd, arg, "--reason", "cache test", "--home", a->t.home, NULL);
    run_ok(&r);
    cs_test_run_free(&r);
}

START_TEST(a_grant_revoked_by_the_cli_refuses_the_next_read)
{
    api_t a;
    resp_t r;
    char path[256];
    api_setup(&a);
    json_decref(read_twice(&a, a.alice, NULL));
    ck_assert_int_eq(refusals(&a, "alice"), 0);
    custody_ok(&a, "revoke", "1", NULL); /* alice's grant on CASE_A */
    path_of(&a, path, sizeof path, "");
    http(&a, &r, "GET", path, a.alice, PURPOSE, NULL, NULL);
    assert_code(&r, 403, "forbidden", "no-grant");
    resp_free(&r);
    ck_assert_int_eq(refusals(&a, "alice"), 1);
    api_teardown(&a);
}
END_TEST

START_TEST(a_user_disabled_by_the_cli_is_refused_at_the_next_request)
{
    api_t a;
    resp_t r;
    char path[256];
    cs_run_t run;
    api_setup(&a);
    json_decref(read_twice(&a, a.alice, NULL));
    cs_test_custody(&run, "user", "disable", "alice", "--home", a.t.home, NULL);
    run_ok(&run);
    cs_test_run_free(&run);
    path_of(&a, path, sizeof path, "");
    http(&a, &r, "GET", path, a.alice, PURPOSE, NULL, NULL);
    assert_problem(&r, 401, "unauthorized");
    ck_assert_ptr_nonnull(strstr(r.body, "disabled"));
    resp_free(&r);
    api_teardown(&a);
}
END_TEST

START_TEST(an_item_reclassified_by_the_cli_is_refused_at_the_next_read)
{
    api_t a;
    resp_t r;
    char path[256];
    api_setup(&a);
    json_decref(read_twice(&a, a.alice, NULL));
    /* alice's grant clears "internal" (custody grant's default), not a commercial secret. */
    custody_ok(&a, "classify", a.sha, "commercial_secret");
    path_of(&a, path, sizeof path, "");
    http(&a, &r, "GET", path, a.alice, PURPOSE, NULL, NULL);
    assert_code(&r, 403, "forbidden", "clearance");
    resp_free(&r);
    ck_assert_int_eq(refusals(&a, "alice"), 1);
    /* And back: the next read is allowed again. */
    custody_ok(&a, "classify", a.sha, "internal");
    http(&a, &r, "GET", path, a.alice, PURPOSE, NULL, NULL);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    resp_free(&r);
    api_teardown(&a);
}
END_TEST

START_TEST(a_hold_placed_by_the_cli_is_in_the_next_record)
{
    api_t a;
    json_t *j;
    api_setup(&a);
    j = read_twice(&a, a.alice, NULL);
    ck_assert(json_is_false(json_object_get(json_object_get(j, "retention"), "held")));
    json_decref(j);
    custody_ok(&a, "hold", a.sha, NULL);
    j = read_twice(&a, a.alice, NULL);
    ck_assert(json_is_true(json_object_get(json_object_get(j, "retention"), "held")));
    json_decref(j);
    api_teardown(&a);
}
END_TEST

/* Signs alice in with PW; "Cookie: ..." into cookie, "X-CSRF-Token: ..." into csrf. */
static void
sign_in(api_t *a, char cookie[160], char csrf[160])
{
    char *argv[] = {(char *)CUSTODY_BIN, "user", "passwd", "alice", "--home", a->t.home,
                    "--password-stdin",  NULL};
    cs_run_t run;
    resp_t r;
    cs_test_run(&run, PW "\n", argv);
    run_ok(&run);
    cs_test_run_free(&run);
    http(a, &r, "POST", "/v1/session", NULL, NULL, NULL,
         "{\"user\":\"alice\",\"password\":\"" PW "\"}");
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    const char *sc = header(&r, "set-cookie");
    ck_assert_ptr_nonnull(sc);
    snprintf(cookie, 160, "Cookie: %.*s", (int)strcspn(sc, ";"), sc);
    json_t *j = body_json(&r);
    snprintf(csrf, 160, "X-CSRF-Token: %s", json_string_value(json_object_get(j, "csrf")));
    json_decref(j);
    resp_free(&r);
}

START_TEST(a_signed_out_session_or_its_disabled_user_is_refused_at_the_next_request)
{
    api_t a;
    resp_t r;
    char path[256], cookie[160], csrf[160];
    cs_run_t run;
    api_setup(&a);
    path_of(&a, path, sizeof path, "");
    /* Signed out: the cookie is no one from the next request. */
    sign_in(&a, cookie, csrf);
    const char *with_cookie[] = {cookie, NULL}, *with_csrf[] = {cookie, csrf, NULL};
    json_decref(read_twice(&a, NULL, with_cookie));
    http_h(&a, &r, "DELETE", "/v1/session", NULL, NULL, NULL, NULL, with_csrf);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    resp_free(&r);
    http_h(&a, &r, "GET", path, NULL, PURPOSE, NULL, NULL, with_cookie);
    assert_code(&r, 401, "unauthorized", "session-expired");
    resp_free(&r);
    /* Signed in again, then disabled by the CLI: the session's user is looked up again. */
    sign_in(&a, cookie, csrf);
    json_decref(read_twice(&a, NULL, with_cookie));
    cs_test_custody(&run, "user", "disable", "alice", "--home", a.t.home, NULL);
    run_ok(&run);
    cs_test_run_free(&run);
    http_h(&a, &r, "GET", path, NULL, PURPOSE, NULL, NULL, with_cookie);
    assert_code(&r, 401, "unauthorized", "user-disabled");
    resp_free(&r);
    api_teardown(&a);
}
END_TEST

/* Runs sql on the catalog (the service stopped). */
static void
sql_exec(const char *db, const char *sql)
{
    sqlite3 *h = NULL;
    ck_assert_int_eq(sqlite3_open(db, &h), SQLITE_OK);
    ck_assert_msg(sqlite3_exec(h, sql, NULL, NULL, NULL) == SQLITE_OK, "%s: %s", sql,
                  sqlite3_errmsg(h));
    sqlite3_close(h);
}

START_TEST(a_table_without_the_generation_triggers_turns_the_cache_off)
{
    api_t a;
    resp_t r;
    char path[256];
    api_setup(&a);
    /* A migration that forgot the triggers: a write to its table would not be seen. */
    ck_assert_int_eq(cs_test_stop(a.pid, SIGTERM), 0);
    sql_exec(a.t.db, "CREATE TABLE forgotten (id INTEGER PRIMARY KEY) STRICT");
    unlink(a.log); /* the new start's port is the one logged */
    api_start(&a);
    char *log = cs_test_read(a.log, NULL);
    ck_assert_ptr_nonnull(strstr(log, "\"api.cache_off\""));
    ck_assert_ptr_nonnull(strstr(log, "\"first\":\"forgotten\""));
    free(log);
    /* Every row from the catalog: reads answer, and a revocation counts at once. */
    json_decref(read_twice(&a, a.alice, NULL));
    custody_ok(&a, "revoke", "1", NULL);
    path_of(&a, path, sizeof path, "");
    http(&a, &r, "GET", path, a.alice, PURPOSE, NULL, NULL);
    assert_code(&r, 403, "forbidden", "no-grant");
    resp_free(&r);
    api_teardown(&a);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("api_cache");
    TCase *tc = tcase_create("invalidation");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, a_grant_revoked_by_the_cli_refuses_the_next_read);
    tcase_add_test(tc, a_user_disabled_by_the_cli_is_refused_at_the_next_request);
    tcase_add_test(tc, an_item_reclassified_by_the_cli_is_refused_at_the_next_read);
    tcase_add_test(tc, a_hold_placed_by_the_cli_is_in_the_next_record);
    tcase_add_test(tc, a_signed_out_session_or_its_disabled_user_is_refused_at_the_next_request);
    tcase_add_test(tc, a_table_without_the_generation_triggers_turns_the_cache_off);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failures = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failures ? 1 : 0;
}
