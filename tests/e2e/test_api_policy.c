/* tests/e2e/test_api_policy.c: the format policy through the API: every user reads it (GET
 * /v1/policy), only admins change a row (PUT /v1/policy: a new version, ledgered policy.set;
 * a clerk's attempt is refused with 403 and ledgered too). */
#include "tests/e2e/e2e_api.h"

#include <string.h>

/* The row `key` of a GET /v1/policy answer, or NULL. */
static json_t *
row_of(json_t *policy, const char *key)
{
    json_t *v;
    size_t i;
    json_array_foreach(json_object_get(policy, "rows"), i, v)
    {
        if (strcmp(json_string_value(json_object_get(v, "key")), key) == 0)
            return v;
    }
    return NULL;
}

START_TEST(every_user_reads_the_policy_and_only_admins_change_it)
{
    api_t a;
    resp_t r;
    api_setup(&a);
    http(&a, &r, "GET", "/v1/policy", a.dave, NULL, NULL, NULL);
    ck_assert_int_eq(r.status, 200);
    json_t *p = body_json(&r);
    ck_assert_int_eq(json_integer_value(json_object_get(p, "version")), 1);
    ck_assert_str_eq(json_string_value(json_object_get(row_of(p, "mp4-h264"), "action")), "keep");
    ck_assert_str_eq(json_string_value(json_object_get(row_of(p, "heic"), "target")), "jpeg-q95");
    json_decref(p);
    resp_free(&r);

    static const char body[] =
        "{\"key\":\"mp4-h264\",\"action\":\"normalise\",\"target\":\"ffv1-mkv\"}";
    http(&a, &r, "PUT", "/v1/policy", a.dave, "archive rules", NULL, body);
    assert_problem(&r, 403, "forbidden");
    resp_free(&r);
    http(&a, &r, "PUT", "/v1/policy", a.root, "archive rules", NULL,
         "{\"key\":\"mp4-h264\",\"action\":\"keep\",\"target\":\"ffv1-mkv\"}");
    assert_problem(&r, 400, "bad-request");
    resp_free(&r);
    http(&a, &r, "PUT", "/v1/policy", a.root, "archive rules", NULL, body);
    ck_assert_int_eq(r.status, 200);
    p = body_json(&r);
    ck_assert_int_eq(json_integer_value(json_object_get(p, "version")), 2);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(p, "row"), "target")),
                     "ffv1-mkv");
    json_decref(p);
    resp_free(&r);
    ck_assert_int_eq(cs_test_sql_count(a.t.db, "SELECT count(*) FROM ledger WHERE"
                                               " entry ->> '$.action' = 'policy.set'"
                                               " AND entry ->> '$.result' = 'denied'"
                                               " AND entry ->> '$.actor' = 'dave'"),
                     1);
    ck_assert_int_eq(cs_test_sql_count(a.t.db, "SELECT count(*) FROM ledger WHERE"
                                               " entry ->> '$.action' = 'policy.set'"
                                               " AND entry ->> '$.actor' = 'root'"
                                               " AND entry ->> '$.version' = 2"),
                     1);
    api_teardown(&a);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("api_policy");
    TCase *tc = tcase_create("api_policy");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, every_user_reads_the_policy_and_only_admins_change_it);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
