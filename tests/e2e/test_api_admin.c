/* tests/e2e/test_api_admin.c: the admin console's API over a real socket: an admin adds a
 * reviewer (whose token works), gives them a grant with two purposes and an end, revokes it,
 * disables them (the token stops working) and classifies an item; each change is in the
 * ledger with the admin (zhao) as the actor, as the CLI would have written it. Nobody else may call
 * it: 403 with a code, ledgered. */
#include "tests/e2e/e2e_api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WHY "%E7%AE%A1%E7%90%86" /* "管理" */

/* POST `target` as `token` with the purpose and `body`; fails unless the status is `status`;
 * the body as JSON. */
static json_t *
post(api_t *a, const char *target, const char *token, const char *body, int status)
{
    resp_t r;
    http_h(a, &r, "POST", target, token, WHY, NULL, body,
           (const char *const[]){"Content-Type: application/json", NULL});
    ck_assert_msg(r.status == status, "POST %s: %d %s", target, r.status, r.body);
    json_t *j = body_json(&r);
    resp_free(&r);
    return j;
}

/* The ledger entries of `action` by `actor` that GET /v1/ledger shows the auditor. */
static size_t
ledgered(api_t *a, const char *action, const char *actor)
{
    char target[256];
    resp_t r;
    snprintf(target, sizeof target, "/v1/ledger?action=%s&actor=%s&limit=100", action, actor);
    http(a, &r, "GET", target, a->carol, WHY, NULL, NULL);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    json_t *j = body_json(&r);
    json_t *list = json_is_array(j) ? j : json_object_get(j, "entries");
    size_t n = json_array_size(list);
    json_decref(j);
    resp_free(&r);
    return n;
}

START_TEST(an_admin_manages_users_grants_and_classifications)
{
    api_t a;
    resp_t r;
    char target[256], body[512];
    static const char *const sets[] = {"site.tz=Asia/Shanghai", NULL};
    api_setup_with(&a, sets);
    /* An admin of their own name (the CLI's actor is the OS user, maybe root). */
    char *zhao = user_add(&a, "zhao", "admin");
    /* A reviewer added: the token is answered once and works. */
    json_t *u = post(&a, "/v1/admin/users", zhao, "{\"name\":\"wang\",\"role\":\"reviewer\"}", 201);
    const char *tok = json_string_value(json_object_get(u, "token"));
    ck_assert_ptr_nonnull(tok);
    char *wang = strdup(tok);
    json_decref(u);
    http(&a, &r, "GET", "/v1/me", wang, NULL, NULL, NULL);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    ck_assert_ptr_nonnull(strstr(r.body, "\"reviewer\""));
    resp_free(&r);
    http(&a, &r, "GET", "/v1/admin/users", zhao, NULL, NULL, NULL);
    ck_assert_msg(r.status == 200 && strstr(r.body, "\"wang\"") != NULL, "%d %s", r.status, r.body);
    ck_assert_ptr_null(strstr(r.body, "token")); /* never a token nor its hash */
    resp_free(&r);
    /* A grant with two purposes and an end given as a date: the end of that day in site.tz. */
    snprintf(body, sizeof body,
             "{\"user\":\"wang\",\"case\":\"%s\",\"purposes\":[\"法制审核\",\"复核\"],"
             "\"clearance\":\"internal\",\"until\":\"2099-12-31\"}",
             CASE_A);
    json_t *g = post(&a, "/v1/admin/grants", zhao, body, 201);
    long long id = json_integer_value(json_object_get(g, "id"));
    ck_assert_int_gt(id, 0);
    ck_assert_int_eq(json_array_size(json_object_get(g, "purposes")), 2);
    const char *until = json_string_value(json_object_get(g, "until"));
    ck_assert_msg(until && strncmp(until, "2099-12-31T15:59:59", 19) == 0, "%s", until);
    json_decref(g);
    http(&a, &r, "GET", "/v1/admin/grants?user=wang", zhao, NULL, NULL, NULL);
    ck_assert_msg(r.status == 200 && strstr(r.body, "法制审核") != NULL, "%d %s", r.status, r.body);
    resp_free(&r);
    /* Bad input names the field, with a code and Chinese text. */
    snprintf(body, sizeof body,
             "{\"user\":\"wang\",\"case\":\"%s\",\"purposes\":[\"复核\"],\"until\":\"2001-01-01\"}",
             CASE_A);
    http_h(&a, &r, "POST", "/v1/admin/grants", zhao, WHY, NULL, body, NULL);
    assert_problem(&r, 400, "bad-request");
    json_t *p = body_json(&r);
    ck_assert_str_eq(json_string_value(json_object_get(p, "code")), "bad-field");
    ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(p, "detail")), "until"));
    ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(p, "detail_zh")), "until"));
    json_decref(p);
    resp_free(&r);
    /* A role that is none, named; a name taken; an admin disabling themselves. */
    p = post(&a, "/v1/admin/users", zhao, "{\"name\":\"li\",\"role\":\"boss\"}", 400);
    ck_assert_str_eq(json_string_value(json_object_get(p, "code")), "bad-field");
    ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(p, "detail_zh")), "role"));
    json_decref(p);
    p = post(&a, "/v1/admin/users", zhao, "{\"name\":\"wang\",\"role\":\"clerk\"}", 409);
    ck_assert_str_eq(json_string_value(json_object_get(p, "code")), "exists");
    json_decref(p);
    p = post(&a, "/v1/admin/users/zhao/disable", zhao, NULL, 409);
    ck_assert_str_eq(json_string_value(json_object_get(p, "code")), "self");
    json_decref(p);
    /* A change states its purpose. */
    http(&a, &r, "POST", "/v1/admin/users", zhao, NULL, NULL,
         "{\"name\":\"li\",\"role\":\"clerk\"}");
    assert_problem(&r, 400, "no-purpose");
    ck_assert_ptr_nonnull(strstr(r.body, "\"code\":\"no-purpose\""));
    resp_free(&r);
    /* Revoked with a reason. */
    snprintf(target, sizeof target, "/v1/admin/grants/%lld/revoke", id);
    json_decref(post(&a, target, zhao, "{\"reason\":\"审核结束\"}", 200));
    json_decref(post(&a, target, zhao, "{\"reason\":\"again\"}", 404)); /* no longer live */
    /* A password reset by the admin: too short refused by field, then set; wang signs in
     * with it on the web (POST /v1/session), and the password is in no answer. */
    json_t *p0 = post(&a, "/v1/admin/users/wang/password", zhao, "{\"password\":\"short\"}", 400);
    ck_assert_str_eq(json_string_value(json_object_get(p0, "code")), "bad-field");
    json_decref(p0);
    p0 = post(&a, "/v1/admin/users/wang/password", zhao, "{\"password\":\"长城-2026-ok\"}", 200);
    ck_assert(json_is_true(json_object_get(p0, "password_set")));
    char *dumped = json_dumps(p0, JSON_COMPACT);
    ck_assert_ptr_null(strstr(dumped, "2026-ok"));
    free(dumped);
    json_decref(p0);
    http_h(&a, &r, "POST", "/v1/session", NULL, NULL, NULL,
           "{\"user\":\"wang\",\"password\":\"长城-2026-ok\"}",
           (const char *const[]){"Content-Type: application/json", NULL});
    ck_assert_msg(r.status == 200, "sign-in with the reset password: %d %s", r.status, r.body);
    resp_free(&r);
    /* Rotated, then disabled: the token stops working. */
    u = post(&a, "/v1/admin/users/wang/rotate", zhao, NULL, 200);
    http(&a, &r, "GET", "/v1/me", wang, NULL, NULL, NULL);
    ck_assert_int_eq(r.status, 401);
    resp_free(&r);
    free(wang);
    wang = strdup(json_string_value(json_object_get(u, "token")));
    json_decref(u);
    json_decref(post(&a, "/v1/admin/users/wang/disable", zhao, "{}", 200));
    http(&a, &r, "GET", "/v1/me", wang, NULL, NULL, NULL);
    ck_assert_int_eq(r.status, 401);
    resp_free(&r);
    free(wang);
    /* An item classified with a reason. */
    snprintf(body, sizeof body,
             "{\"sha256\":\"%s\",\"level\":\"privacy\",\"reason\":\"含个人信息\"}", a.sha);
    json_decref(post(&a, "/v1/admin/classifications", zhao, body, 200));
    snprintf(target, sizeof target, "/v1/admin/classifications?sha256=%s", a.sha);
    http(&a, &r, "GET", target, zhao, NULL, NULL, NULL);
    ck_assert_msg(r.status == 200 && strstr(r.body, "\"privacy\"") != NULL, "%d %s", r.status,
                  r.body);
    resp_free(&r);
    /* Each change in the ledger with the admin as actor, as the auditor reads it. */
    ck_assert_int_eq(ledgered(&a, "user.add", "zhao"), 1);
    ck_assert_int_eq(ledgered(&a, "grant.add", "zhao"), 1);
    ck_assert_int_eq(ledgered(&a, "grant.revoke", "zhao"), 1);
    ck_assert_int_eq(ledgered(&a, "user.rotate", "zhao"), 1);
    ck_assert_int_eq(ledgered(&a, "user.disable", "zhao"), 1);
    ck_assert_int_eq(ledgered(&a, "user.passwd", "zhao"), 1);
    ck_assert_int_eq(entries(&a, "json_extract(entry, '$.actor') = 'zhao' AND "
                                 "json_extract(entry, '$.action') = 'grant.revoke' AND "
                                 "json_extract(entry, '$.reason') = '审核结束'"),
                     1);
    ck_assert_int_eq(entries(&a, "json_extract(entry, '$.actor') = 'zhao' AND "
                                 "entry LIKE '%classified%' AND entry LIKE '%privacy%'"),
                     1);
    free(zhao);
    api_teardown(&a);
}
END_TEST

START_TEST(only_admins_call_the_admin_console)
{
    api_t a;
    resp_t r;
    api_setup(&a);
    const char *const tokens[] = {a.alice, a.carol, a.dave};
    const char *const names[] = {"alice", "carol", "dave"};
    static const char *const calls[][2] = {
        {"GET", "/v1/admin/users"},
        {"POST", "/v1/admin/users"},
        {"POST", "/v1/admin/users/bob/disable"},
        {"POST", "/v1/admin/users/bob/rotate"},
        {"POST", "/v1/admin/users/bob/password"},
        {"GET", "/v1/admin/grants"},
        {"POST", "/v1/admin/grants"},
        {"POST", "/v1/admin/grants/1/revoke"},
        {"GET", "/v1/admin/classifications?sha256=0000000000"},
        {"POST", "/v1/admin/classifications"},
    };
    for (size_t i = 0; i < 3; i++) {
        char where[256];
        for (size_t k = 0; k < sizeof calls / sizeof calls[0]; k++) {
            http(&a, &r, calls[k][0], calls[k][1], tokens[i], WHY, NULL,
                 strcmp(calls[k][0], "POST") == 0 ? "{\"name\":\"x\",\"role\":\"admin\"}" : NULL);
            assert_problem(&r, 403, "forbidden");
            json_t *p = body_json(&r);
            ck_assert_str_eq(json_string_value(json_object_get(p, "code")), "role");
            ck_assert_ptr_nonnull(
                strstr(json_string_value(json_object_get(p, "detail_zh")), "管理员"));
            json_decref(p);
            resp_free(&r);
        }
        snprintf(where, sizeof where,
                 "json_extract(entry, '$.actor') = '%s' AND json_extract(entry, '$.action') = "
                 "'admin' AND json_extract(entry, '$.result') = 'denied'",
                 names[i]);
        ck_assert_int_eq(entries(&a, where), (long)(sizeof calls / sizeof calls[0]));
    }
    /* Nothing changed: bob still works, and nobody named x was added. */
    http(&a, &r, "GET", "/v1/me", a.bob, NULL, NULL, NULL);
    ck_assert_int_eq(r.status, 200);
    resp_free(&r);
    ck_assert_int_eq(entries(&a, "json_extract(entry, '$.action') = 'user.add' AND "
                                 "json_extract(entry, '$.user') = 'x'"),
                     0);
    api_teardown(&a);
}
END_TEST

static Suite *
admin_suite(void)
{
    Suite *s = suite_create("e2e_api_admin");
    TCase *tc = tcase_create("admin");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, an_admin_manages_users_grants_and_classifications);
    tcase_add_test(tc, only_admins_call_the_admin_console);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(admin_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
