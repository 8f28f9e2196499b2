/* tests/access/test_purpose.c: purposes within scope (access/purpose.c, access/rules.c): how a
 * stated purpose matches one a grant names, which covering grant a read goes through, and
 * what a refusal says of the grant's purposes; the names of grant scopes. The matrix of
 * test_access.c holds the rest. */
#include "access/access.h"

#include <check.h>
#include <string.h>

static const struct {
    const char *granted, *stated;
    int eq;
} pairs[] = {
    {"法制审核", "法制审核", 1},
    {"法制审核", "  法制审核\t", 1},
    {"法制审核", "\xE3\x80\x80法制审核\xE3\x80\x80", 1}, /* the ideographic space, around */
    {" 法制审核 ", "法制审核", 1},
    {"Legal Review", "legal review", 1},
    {"legal review", "LEGAL REVIEW ", 1},
    {"法制审核", "随便看看", 0},
    {"法制审核", "法制", 0},
    {"法制审核", "法制审核 ", 1},
    {"法制 审核", "法制审核", 0}, /* space inside counts */
    {"法制审核", "法制\xE3\x80\x80审核", 0},
    {"legal review", "legal  review", 0},
    {"", "", 0}, /* an empty purpose is never one */
    {"法制审核", "", 0},
    {"ÉTAT", "état", 0}, /* only ASCII letters fold */
};

START_TEST(test_purpose_eq)
{
    ck_assert_msg(cs_access_purpose_eq(pairs[_i].granted, pairs[_i].stated) == pairs[_i].eq,
                  "\"%s\" vs \"%s\": want %d", pairs[_i].granted, pairs[_i].stated, pairs[_i].eq);
}
END_TEST

static void
give(cs_access_grant_t *g, int64_t id, int clearance, const char *purposes, size_t size, size_t n)
{
    memset(g, 0, sizeof *g);
    g->id = id;
    g->clearance = clearance;
    g->npurposes = n;
    memcpy(g->purposes, purposes, size);
    strcpy(g->case_number, "任水罚〔2023〕12号");
}

static void
read_as(cs_access_what_t *x, const cs_access_policy_t *pol, const char *purpose,
        cs_access_decision_t *d, json_t **e)
{
    cs_access_who_t who = {.id = 17, .role = CS_ROLE_REVIEWER, .name = "alice"};
    cs_access_how_t how = {.read = CS_READ_METADATA,
                           .channel = CS_CHANNEL_HTTP,
                           .purpose = purpose,
                           .client = "http:10.0.0.7",
                           .action = "view"};
    ck_assert_int_eq(cs_access_read(pol, &who, x, &how, d, e), 0);
}

/* Grant 1 clears more but names another purpose: the read goes through grant 2, which names
 * it, and is decided on grant 2's clearance. */
START_TEST(test_the_grant_for_the_purpose_decides)
{
    cs_access_policy_t pol = {.default_level = 1};
    cs_access_what_t x = {.sha256 = "ab", .exists = 1, .level = 2, .ngrants = 2};
    cs_access_decision_t d;
    json_t *e = NULL;
    give(&x.grants[0], 1, 4, "复议答复", sizeof "复议答复", 1);
    give(&x.grants[1], 2, 2, "法制审核\0诉讼", sizeof "法制审核\0诉讼", 2);
    read_as(&x, &pol, "诉讼", &d, &e);
    ck_assert_int_eq(d.allowed, 1);
    ck_assert_int_eq(d.grant, 2);
    ck_assert_int_eq(json_integer_value(json_object_get(e, "grant")), 2);
    json_decref(e);
    x.level = 3; /* above grant 2: refused on its clearance, not let through grant 1 */
    read_as(&x, &pol, "诉讼", &d, &e);
    ck_assert_int_eq(d.deny, CS_DENY_CLEARANCE);
    ck_assert_int_eq(d.grant, 2);
    json_decref(e);
}
END_TEST

/* The refusal names the purposes the caller's grants hold, in English and in Chinese, and is
 * ledgered with the purpose stated. */
START_TEST(test_refusal_names_the_purposes)
{
    cs_access_policy_t pol = {.default_level = 1};
    cs_access_what_t x = {.sha256 = "ab", .exists = 1, .level = 1, .ngrants = 1};
    cs_access_decision_t d;
    json_t *e = NULL;
    give(&x.grants[0], 41, 2, "法制审核\0行政复议", sizeof "法制审核\0行政复议", 2);
    read_as(&x, &pol, "随便看看", &d, &e);
    ck_assert_int_eq(d.allowed, 0);
    ck_assert_int_eq(d.deny, CS_DENY_PURPOSE_OUT_OF_SCOPE);
    ck_assert_int_eq(d.status, 403);
    ck_assert_str_eq(cs_access_deny_code(d.deny), "purpose-out-of-scope");
    ck_assert_msg(strstr(d.reason, "\"法制审核\", \"行政复议\"") != NULL, "%s", d.reason);
    ck_assert_str_eq(d.reason_zh, "所述用途不在授权范围内：本授权的用途为「法制审核」「行政复议」；"
                                  "本次拒绝已记入调阅记录");
    ck_assert_str_eq(json_string_value(json_object_get(e, "result")), "denied");
    ck_assert_str_eq(json_string_value(json_object_get(e, "purpose")), "随便看看");
    ck_assert_int_eq(json_integer_value(json_object_get(e, "grant")), 41);
    json_decref(e);
    /* Any other refusal's Chinese is its code's own text. */
    x.level = 3;
    read_as(&x, &pol, "法制审核", &d, &e);
    ck_assert_int_eq(d.deny, CS_DENY_CLEARANCE);
    ck_assert_str_eq(d.reason_zh, cs_access_deny_zh(CS_DENY_CLEARANCE));
    json_decref(e);
    /* The grant's own "any purpose", and the policy's, let the same read through. */
    x.level = 1;
    x.grants[0].any_purpose = 1;
    read_as(&x, &pol, "随便看看", &d, &e);
    ck_assert_int_eq(d.allowed, 1);
    json_decref(e);
    x.grants[0].any_purpose = 0;
    pol.purpose_any = 1;
    read_as(&x, &pol, "随便看看", &d, &e);
    ck_assert_int_eq(d.allowed, 1);
    json_decref(e);
}
END_TEST

/* Long purposes: the refusal lists whole ones and says there are more, and its entry is still
 * made (a text cut inside a character would not be UTF-8). */
START_TEST(test_long_purposes_are_listed_whole)
{
    cs_access_policy_t pol = {.default_level = 1};
    cs_access_what_t x = {.sha256 = "ab", .exists = 1, .level = 1, .ngrants = 1};
    cs_access_decision_t d;
    json_t *e = NULL;
    char list[CS_ACCESS_PURPOSES_MAX] = {0};
    size_t off = 0;
    for (int i = 0; i < 8; i++, off += 121) /* eight purposes of 40 characters */
        for (int k = 0; k < 40; k++)
            memcpy(list + off + 3 * k, "审", 3);
    give(&x.grants[0], 7, 2, list, sizeof list, 8);
    read_as(&x, &pol, "随便看看", &d, &e);
    ck_assert_int_eq(d.deny, CS_DENY_PURPOSE_OUT_OF_SCOPE);
    ck_assert_ptr_nonnull(e);
    ck_assert_msg(strstr(d.reason, " ...)") != NULL, "%s", d.reason);
    ck_assert_msg(strstr(d.reason_zh, "」……；本次拒绝已记入调阅记录") != NULL, "%s", d.reason_zh);
    ck_assert_str_eq(json_string_value(json_object_get(e, "reason")), d.reason);
    json_decref(e);
}
END_TEST

START_TEST(test_scope_names)
{
    static const char *const names[] = {"metadata", "media", "originals", "export"};
    for (int i = 0; i < 4; i++) {
        ck_assert_int_eq(cs_access_scope(names[i]), i);
        ck_assert_str_eq(cs_access_scope_name((cs_scope_t)i), names[i]);
    }
    ck_assert_int_eq(cs_access_scope("Originals"), -1);
    ck_assert_int_eq(cs_access_scope(NULL), -1);
    ck_assert_ptr_null(cs_access_scope_name((cs_scope_t)4));
}
END_TEST

static Suite *
purpose_suite(void)
{
    Suite *s = suite_create("purpose");
    TCase *tc = tcase_create("purpose");
    tcase_add_loop_test(tc, test_purpose_eq, 0, (int)(sizeof pairs / sizeof pairs[0]));
    tcase_add_test(tc, test_the_grant_for_the_purpose_decides);
    tcase_add_test(tc, test_refusal_names_the_purposes);
    tcase_add_test(tc, test_long_purposes_are_listed_whole);
    tcase_add_test(tc, test_scope_names);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(purpose_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failures = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failures ? 1 : 0;
}
