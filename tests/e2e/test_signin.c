/* tests/e2e/test_signin.c: people sign in on the web with a password (`custody user passwd`,
 * POST /v1/session): the cookie and its attributes, the cookie as good as a token for reads,
 * the CSRF token every state-changing request signed in by it carries, sign-out, the idle
 * timeout, the lockout after repeated failures (ledgered) and the one answer every failure
 * gets, whether the user exists or not. */
#include "tests/e2e/e2e_api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PW "correct horse battery"

/* `custody user passwd NAME --password-stdin` fed `in`; its exit status. */
static int
passwd(api_t *a, const char *name, const char *in, cs_run_t *r)
{
    char *argv[] = {(char *)CUSTODY_BIN, "user", "passwd", (char *)name, "--home", a->t.home,
                    "--password-stdin",  NULL};
    cs_test_run(r, in, argv);
    return r->status;
}

static void
passwd_ok(api_t *a, const char *name)
{
    cs_run_t r;
    ck_assert_msg(passwd(a, name, PW "\n", &r) == 0, "%s %s", r.out, r.err);
    cs_test_run_free(&r);
}

/* Signs in; the answer in r (caller frees). */
static void
sign_in(api_t *a, resp_t *r, const char *user, const char *password)
{
    char body[512];
    snprintf(body, sizeof body, "{\"user\":\"%s\",\"password\":\"%s\"}", user, password);
    http(a, r, "POST", "/v1/session", NULL, NULL, NULL, body);
}

/* Signs in as user with PW: "Cookie: custody_session=..." into cookie, the CSRF token into
 * csrf. */
static void
session(api_t *a, const char *user, char cookie[128], char csrf[128])
{
    resp_t r;
    sign_in(a, &r, user, PW);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    const char *sc = header(&r, "set-cookie");
    ck_assert_ptr_nonnull(sc);
    size_t n = strcspn(sc, ";");
    ck_assert_uint_lt(n, 100);
    snprintf(cookie, 128, "Cookie: %.*s", (int)n, sc);
    json_t *j = body_json(&r);
    snprintf(csrf, 128, "X-CSRF-Token: %s", json_string_value(json_object_get(j, "csrf")));
    json_decref(j);
    resp_free(&r);
}

/* The problem's code. */
static void
assert_code(resp_t *r, int status, const char *slug, const char *code)
{
    assert_problem(r, status, slug);
    json_t *j = body_json(r);
    ck_assert_str_eq(json_string_value(json_object_get(j, "code")), code);
    ck_assert_msg(json_string_length(json_object_get(j, "detail_zh")) > 0, "%s", r->body);
    json_decref(j);
}

START_TEST(passwd_then_sign_in_gives_a_strict_cookie_good_for_reads)
{
    api_t a;
    resp_t r;
    api_setup(&a);
    passwd_ok(&a, "alice");
    ck_assert_int_eq(entries(&a, "json_extract(entry, '$.action') = 'user.passwd' AND "
                                 "json_extract(entry, '$.user') = 'alice'"),
                     1);
    ck_assert_int_eq(cs_test_sql_count(a.t.db, "SELECT count(*) FROM users WHERE name = 'alice'"
                                               " AND password_hash LIKE '$scrypt$ln=15,r=8,p=1$%'"),
                     1);
    sign_in(&a, &r, "alice", PW);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    const char *sc = header(&r, "set-cookie");
    ck_assert_ptr_nonnull(sc);
    ck_assert_msg(strncmp(sc, "custody_session=", 16) == 0, "%s", sc);
    ck_assert_msg(strstr(sc, "; HttpOnly") != NULL, "%s", sc);
    ck_assert_msg(strstr(sc, "; SameSite=Strict") != NULL, "%s", sc);
    ck_assert_msg(strstr(sc, "; Path=/") != NULL, "%s", sc);
    ck_assert_msg(strstr(sc, "Secure") == NULL, "plain HTTP: %s", sc); /* no TLS here */
    json_t *j = body_json(&r);
    ck_assert_str_eq(json_string_value(json_object_get(j, "name")), "alice");
    ck_assert_int_ge(json_string_length(json_object_get(j, "csrf")), 40);
    json_decref(j);
    resp_free(&r);
    ck_assert_int_eq(entries(&a, "json_extract(entry, '$.action') = 'session.open' AND "
                                 "json_extract(entry, '$.user') = 'alice'"),
                     1);
    char cookie[128], csrf[128];
    session(&a, "alice", cookie, csrf);
    const char *const with_cookie[] = {cookie, NULL};
    http_h(&a, &r, "GET", "/v1/me", NULL, NULL, NULL, NULL, with_cookie);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    j = body_json(&r);
    ck_assert_str_eq(json_string_value(json_object_get(j, "name")), "alice");
    ck_assert_str_eq(json_string_value(json_object_get(j, "csrf")), csrf + 14);
    json_decref(j);
    resp_free(&r);
    /* A cookie the service did not make is no one. */
    const char *const forged[] = {"Cookie: custody_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
                                  "AAAAAAA",
                                  NULL};
    http_h(&a, &r, "GET", "/v1/me", NULL, NULL, NULL, NULL, forged);
    assert_code(&r, 401, "unauthorized", "session-expired");
    resp_free(&r);
    api_teardown(&a);
}
END_TEST

START_TEST(a_post_by_cookie_needs_the_csrf_token_and_sign_out_ends_it)
{
    api_t a;
    resp_t r;
    char cookie[128], csrf[128], body[256];
    api_setup(&a);
    passwd_ok(&a, "alice");
    session(&a, "alice", cookie, csrf);
    snprintf(body, sizeof body, "{\"requests\":[{\"item\":\"%s\",\"profile\":\"original\"}]}",
             a.sha);
    const char *const no_csrf[] = {cookie, NULL};
    const char *const wrong_csrf[] = {cookie, "X-CSRF-Token: nope", NULL};
    const char *const with_csrf[] = {cookie, csrf, NULL};
    long before = entries(&a, "1");
    http_h(&a, &r, "POST", "/v1/media-urls", NULL, PURPOSE, NULL, body, no_csrf);
    assert_code(&r, 403, "forbidden", "csrf-missing");
    resp_free(&r);
    http_h(&a, &r, "POST", "/v1/media-urls", NULL, PURPOSE, NULL, body, wrong_csrf);
    assert_code(&r, 403, "forbidden", "csrf-mismatch");
    resp_free(&r);
    ck_assert_int_eq(entries(&a, "1"), before); /* refused before anything was looked at */
    http_h(&a, &r, "POST", "/v1/media-urls", NULL, PURPOSE, NULL, body, with_csrf);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    ck_assert_ptr_nonnull(strstr(r.body, "/media/"));
    resp_free(&r);
    /* A bearer token needs no CSRF token: scripts are unaffected. */
    http(&a, &r, "POST", "/v1/media-urls", a.alice, PURPOSE, NULL, body);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    resp_free(&r);
    /* Sign-out is a change too; then the cookie is no one. */
    http_h(&a, &r, "DELETE", "/v1/session", NULL, NULL, NULL, NULL, no_csrf);
    assert_code(&r, 403, "forbidden", "csrf-missing");
    resp_free(&r);
    http_h(&a, &r, "DELETE", "/v1/session", NULL, NULL, NULL, NULL, with_csrf);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    ck_assert_ptr_nonnull(strstr(header(&r, "set-cookie"), "Max-Age=0"));
    resp_free(&r);
    ck_assert_int_eq(entries(&a, "json_extract(entry, '$.action') = 'session.close' AND "
                                 "json_extract(entry, '$.user') = 'alice'"),
                     1);
    http_h(&a, &r, "GET", "/v1/me", NULL, NULL, NULL, NULL, no_csrf);
    assert_code(&r, 401, "unauthorized", "session-expired");
    resp_free(&r);
    api_teardown(&a);
}
END_TEST

START_TEST(an_unused_session_times_out)
{
    api_t a;
    resp_t r;
    char cookie[128], csrf[128];
    static const char *const sets[] = {"auth.session_idle_s=1", NULL};
    api_setup_with(&a, sets);
    passwd_ok(&a, "alice");
    session(&a, "alice", cookie, csrf);
    const char *const with_cookie[] = {cookie, NULL};
    http_h(&a, &r, "GET", "/v1/me", NULL, NULL, NULL, NULL, with_cookie);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    resp_free(&r);
    sleep(2);
    http_h(&a, &r, "GET", "/v1/me", NULL, NULL, NULL, NULL, with_cookie);
    assert_code(&r, 401, "unauthorized", "session-expired");
    resp_free(&r);
    api_teardown(&a);
}
END_TEST

START_TEST(five_failures_lock_the_account_and_say_nothing_of_who_exists)
{
    api_t a;
    resp_t r;
    char *first = NULL;
    api_setup(&a);
    passwd_ok(&a, "bob");
    for (int i = 0; i < 5; i++) {
        sign_in(&a, &r, "bob", "wrong password!");
        assert_code(&r, 401, "unauthorized", "signin-failed");
        ck_assert_ptr_null(header(&r, "set-cookie"));
        if (first == NULL)
            first = strdup(r.body);
        else
            ck_assert_str_eq(r.body, first);
        resp_free(&r);
    }
    ck_assert_int_eq(entries(&a, "json_extract(entry, '$.action') = 'session.failed' AND "
                                 "json_extract(entry, '$.user') = 'bob' AND "
                                 "json_extract(entry, '$.reason') = 'wrong-password'"),
                     5);
    ck_assert_int_eq(entries(&a, "json_extract(entry, '$.action') = 'session.locked' AND "
                                 "json_extract(entry, '$.user') = 'bob'"),
                     1);
    /* Locked: the right password fails too, with the same answer. */
    sign_in(&a, &r, "bob", PW);
    assert_code(&r, 401, "unauthorized", "signin-failed");
    ck_assert_str_eq(r.body, first);
    resp_free(&r);
    ck_assert_int_eq(entries(&a, "json_extract(entry, '$.action') = 'session.failed' AND "
                                 "json_extract(entry, '$.reason') = 'locked'"),
                     1);
    /* Unknown users, users without a password: the same answer. */
    sign_in(&a, &r, "nobody", "wrong password!");
    ck_assert_int_eq(r.status, 401);
    ck_assert_str_eq(r.body, first);
    resp_free(&r);
    sign_in(&a, &r, "carol", "wrong password!");
    ck_assert_str_eq(r.body, first);
    resp_free(&r);
    ck_assert_int_eq(entries(&a, "json_extract(entry, '$.action') = 'session.failed' AND "
                                 "json_extract(entry, '$.user') = 'nobody' AND "
                                 "json_extract(entry, '$.reason') = 'unknown-user'"),
                     1);
    /* A new password lifts the lock. */
    passwd_ok(&a, "bob");
    sign_in(&a, &r, "bob", PW);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    resp_free(&r);
    free(first);
    api_teardown(&a);
}
END_TEST

/* Under TLS the cookie is also Secure (a self-signed certificate; curl as the client). */
START_TEST(under_tls_the_cookie_is_secure)
{
    api_t a;
    cs_run_t r;
    char dir[] = "/tmp/cs-signin-tls-XXXXXX", cert[128], key[128], set_cert[160], set_key[160],
         url[96];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(cert, sizeof cert, "%s/cert.pem", dir);
    snprintf(key, sizeof key, "%s/key.pem", dir);
    char *gen[] = {"/usr/bin/openssl",
                   "req",
                   "-x509",
                   "-newkey",
                   "ec",
                   "-pkeyopt",
                   "ec_paramgen_curve:P-256",
                   "-nodes",
                   "-subj",
                   "/CN=127.0.0.1",
                   "-days",
                   "1",
                   "-keyout",
                   key,
                   "-out",
                   cert,
                   NULL};
    cs_test_run(&r, NULL, gen);
    ck_assert_msg(r.status == 0, "openssl: %s", r.err);
    cs_test_run_free(&r);
    snprintf(set_cert, sizeof set_cert, "api.tls_cert=%s", cert);
    snprintf(set_key, sizeof set_key, "api.tls_key=%s", key);
    const char *const sets[] = {set_cert, set_key, NULL};
    api_setup_with(&a, sets);
    passwd_ok(&a, "alice");
    snprintf(url, sizeof url, "https://127.0.0.1:%d/v1/session", a.port);
    char *curl[] = {"/usr/bin/curl",
                    "-sk",
                    "-i",
                    "-X",
                    "POST",
                    "-H",
                    "Content-Type: application/json",
                    "--data",
                    "{\"user\":\"alice\",\"password\":\"" PW "\"}",
                    url,
                    NULL};
    cs_test_run(&r, NULL, curl);
    ck_assert_msg(r.status == 0, "curl: %s", r.err);
    ck_assert_msg(strstr(r.out, "custody_session=") != NULL, "%s", r.out);
    ck_assert_msg(strstr(r.out, "; HttpOnly; SameSite=Strict; Secure") != NULL, "%s", r.out);
    cs_test_run_free(&r);
    api_teardown(&a);
    unlink(cert);
    unlink(key);
    rmdir(dir);
}
END_TEST

/* A disabled user's session ends at their next request. */
START_TEST(a_disabled_users_session_ends)
{
    api_t a;
    resp_t r;
    cs_run_t run;
    char cookie[128], csrf[128];
    api_setup(&a);
    passwd_ok(&a, "alice");
    session(&a, "alice", cookie, csrf);
    cs_test_custody(&run, "user", "disable", "alice", "--home", a.t.home, NULL);
    run_ok(&run);
    cs_test_run_free(&run);
    const char *const with_cookie[] = {cookie, NULL};
    http_h(&a, &r, "GET", "/v1/me", NULL, NULL, NULL, NULL, with_cookie);
    assert_code(&r, 401, "unauthorized", "user-disabled");
    resp_free(&r);
    /* and signing in again is refused like any failure */
    sign_in(&a, &r, "alice", PW);
    assert_code(&r, 401, "unauthorized", "signin-failed");
    resp_free(&r);
    api_teardown(&a);
}
END_TEST

START_TEST(passwd_refuses_short_passwords_and_the_user_name)
{
    api_t a;
    cs_run_t r;
    api_setup(&a);
    ck_assert_int_ne(passwd(&a, "alice", "short\n", &r), 0);
    ck_assert_msg(strstr(r.err, "10") != NULL, "%s", r.err);
    cs_test_run_free(&r);
    ck_assert_int_ne(passwd(&a, "alicealice", "alicealice\n", &r), 0);
    cs_test_run_free(&r);
    ck_assert_int_ne(passwd(&a, "nobody", PW "\n", &r), 0);
    cs_test_run_free(&r);
    ck_assert_int_eq(cs_test_sql_count(a.t.db, "SELECT count(*) FROM users"
                                               " WHERE password_hash IS NOT NULL"),
                     0);
    api_teardown(&a);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("signin");
    TCase *tc = tcase_create("signin");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, passwd_then_sign_in_gives_a_strict_cookie_good_for_reads);
    tcase_add_test(tc, a_post_by_cookie_needs_the_csrf_token_and_sign_out_ends_it);
    tcase_add_test(tc, an_unused_session_times_out);
    tcase_add_test(tc, five_failures_lock_the_account_and_say_nothing_of_who_exists);
    tcase_add_test(tc, passwd_refuses_short_passwords_and_the_user_name);
    tcase_add_test(tc, under_tls_the_cookie_is_secure);
    tcase_add_test(tc, a_disabled_users_session_ends);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failures = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failures ? 1 : 0;
}
