/* tests/api/test_openapi.c: /openapi.json is made from the route table and api/openapi/, and
 * the two must meet: every route described (with a summary), every description a route's,
 * nothing the table gives written again by hand. */
#include "api/api_int.h"
#include "api/openapi.h"

#include "core/error.h"

#include <check.h>
#include <string.h>

static void
lower(const char *s, char *out, size_t cap)
{
    size_t k;
    for (k = 0; s[k] != '\0' && k < cap - 1; k++)
        out[k] = (char)(s[k] | 0x20);
    out[k] = '\0';
}

static int
has_problem(json_t *responses, const char *code)
{
    return json_object_get(json_object_get(responses, code), "$ref") != NULL;
}

START_TEST(every_route_is_described)
{
    json_t *doc = NULL, *paths;
    int rc = cs_api_openapi_doc(&doc);
    ck_assert_msg(rc == 0, "%s", cs_diag());
    ck_assert_str_eq(json_string_value(json_object_get(doc, "openapi")), "3.1.0");
    ck_assert_ptr_null(json_object_get(doc, "operations"));
    ck_assert_ptr_null(json_object_get(doc, "$comment"));
    paths = json_object_get(doc, "paths");
    size_t n, ops = 0;
    const cs_api_route_t *routes = cs_api_routes(&n);
    for (size_t i = 0; i < n; i++) {
        const cs_api_route_t *r = &routes[i];
        char method[8];
        lower(r->method, method, sizeof method);
        json_t *op = json_object_get(json_object_get(paths, r->pattern), method);
        ck_assert_msg(op != NULL, "%s %s is not in /openapi.json", r->method, r->pattern);
        ck_assert_str_eq(json_string_value(json_object_get(op, "operationId")), r->op);
        ck_assert_msg(json_string_length(json_object_get(op, "summary")) > 0, "%s", r->pattern);
        json_t *resp = json_object_get(op, "responses");
        int token = r->who != CS_API_ANYONE;
        ck_assert_int_eq(json_object_get(op, "security") != NULL, token);
        /* The sign-in needs no token but answers 401 to a wrong password. */
        ck_assert_int_eq(has_problem(resp, "401"), token || strcmp(r->op, "createSession") == 0);
        if (r->who == CS_API_AUDIT || r->who == CS_API_EDIT || r->who == CS_API_QUEUE)
            ck_assert_msg(has_problem(resp, "403"), "%s", r->pattern);
        ck_assert_int_eq(has_problem(resp, "503"), r->runs != CS_API_LOOP);
        /* Every "{name}" of the pattern is a path parameter. */
        size_t want = 0, got = 0, k;
        json_t *p;
        for (const char *s = r->pattern; (s = strchr(s, '{')) != NULL; s++)
            want++;
        json_array_foreach(json_object_get(op, "parameters"), k, p)
        {
            const char *ref = json_string_value(json_object_get(p, "$ref"));
            json_t *d = ref ? json_object_get(
                                  json_object_get(json_object_get(doc, "components"), "parameters"),
                                  strrchr(ref, '/') + 1)
                            : p;
            ck_assert_ptr_nonnull(d);
            if (strcmp(json_string_value(json_object_get(d, "in")), "path") == 0) {
                char brace[64];
                snprintf(brace, sizeof brace, "{%s}",
                         json_string_value(json_object_get(d, "name")));
                ck_assert_msg(strstr(r->pattern, brace) != NULL, "%s: %s", r->pattern, brace);
                got++;
            }
        }
        ck_assert_uint_eq(got, want);
    }
    const char *key;
    json_t *item;
    json_object_foreach(paths, key, item) ops += json_object_size(item);
    ck_assert_uint_eq(ops, n);
    json_decref(doc);
}
END_TEST

/* The real table and JSON, one of them changed the way a careless edit would. */
enum { ROUTE_ADDED, ROUTE_NO_OP, ROUTE_DROPPED, PATH_PARAM_UNKNOWN, NO_SUMMARY, GIVEN_TWICE };

static const struct {
    int change;
    const char *diag; /* a word of what cs_diag() says */
} careless[] = {
    {ROUTE_ADDED, "/v1/widgets"},         {ROUTE_NO_OP, "has no .op"},
    {ROUTE_DROPPED, "is no route's .op"}, {PATH_PARAM_UNKNOWN, "named \"widget\""},
    {NO_SUMMARY, "no \"summary\""},       {GIVEN_TWICE, "response 401 follows"},
};

START_TEST(a_route_and_its_description_must_meet)
{
    size_t n;
    const cs_api_route_t *real = cs_api_routes(&n);
    cs_api_route_t routes[CS_API_ROUTES_MAX + 1];
    memcpy(routes, real, n * sizeof *real);
    json_t *spec = NULL;
    int rc = cs_api_openapi_spec(&spec);
    ck_assert_msg(rc == 0, "%s", cs_diag());
    json_t *me = json_object_get(json_object_get(spec, "operations"), "getMe");
    ck_assert_ptr_nonnull(me);
    cs_api_route_t widget = {.method = "GET",
                             .pattern = "/v1/widgets",
                             .who = CS_API_USER,
                             .runs = CS_API_POOL,
                             .work = cs_api_h_me,
                             .op = "listWidgets"};
    switch (careless[_i].change) {
    case ROUTE_ADDED:
        routes[n++] = widget;
        break;
    case ROUTE_NO_OP:
        widget.op = NULL;
        routes[n++] = widget;
        break;
    case ROUTE_DROPPED:
        n--;
        break;
    case PATH_PARAM_UNKNOWN:
        for (size_t i = 0; i < n; i++)
            if (strcmp(routes[i].pattern, "/v1/me") == 0)
                routes[i].pattern = "/v1/me/{widget}";
        break;
    case NO_SUMMARY:
        json_object_del(me, "summary");
        break;
    case GIVEN_TWICE:
        json_object_set_new(json_object_get(me, "responses"), "401",
                            json_pack("{s:s}", "$ref", "#/components/responses/Problem"));
        break;
    }
    json_t *doc = (json_t *)1;
    rc = cs_api_openapi_build(routes, n, spec, &doc);
    ck_assert_int_eq(rc, CS_EINVAL);
    ck_assert_ptr_null(doc);
    ck_assert_msg(strstr(cs_diag(), careless[_i].diag) != NULL, "%s", cs_diag());
    json_decref(spec);
}
END_TEST

static Suite *
openapi_suite(void)
{
    Suite *s = suite_create("openapi");
    TCase *tc = tcase_create("openapi");
    tcase_add_test(tc, every_route_is_described);
    tcase_add_loop_test(tc, a_route_and_its_description_must_meet, 0,
                        (int)(sizeof careless / sizeof careless[0]));
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(openapi_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
