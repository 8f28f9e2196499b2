/* tests/access/test_review.c: the legal review's separation of duties (access/review.h), as a
 * table: who may submit a case, file its opinion and record its decision, and each refusal's
 * code, texts and ledger entry. */
#include "access/review.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#define BAG1 "1111111111111111111111111111111111111111111111111111111111111111"
#define BAG2 "2222222222222222222222222222222222222222222222222222222222222222"

enum { NONE, OPEN, PROBLEMS, AGREED, AGREED_OLD, DECIDED };

/* A case at round 2 whose latest round is `at`: NONE never submitted, OPEN no opinion,
 * PROBLEMS / AGREED its opinion (by user 7) on the latest submission, AGREED_OLD agreed on
 * an earlier bag, DECIDED agreed and decided. */
static cs_review_state_t
state(int at, int brought_in, int officer)
{
    cs_review_state_t s = {.case_number = "任水罚〔2023〕12号", .exists = 1};
    s.brought_in = brought_in;
    s.officer = officer;
    if (at == NONE)
        return s;
    s.round = 2;
    memcpy(s.bag_sha256, BAG2, 65);
    if (at == OPEN)
        return s;
    s.has_opinion = 1;
    s.author_id = 7;
    s.agree = at != PROBLEMS;
    memcpy(s.judged, at == AGREED_OLD ? BAG1 : BAG2, 65);
    s.decided = at == DECIDED;
    return s;
}

static const struct {
    const char *label;
    cs_role_t role;
    int64_t id;
    cs_review_act_t act;
    int at, brought_in, officer;
    cs_deny_t want; /* CS_DENY_NONE: allowed */
} cases[] = {
    {"a clerk submits", CS_ROLE_CLERK, 2, CS_REVIEW_SUBMIT, NONE, 1, 0, CS_DENY_NONE},
    {"an admin submits", CS_ROLE_ADMIN, 3, CS_REVIEW_SUBMIT, PROBLEMS, 0, 0, CS_DENY_NONE},
    {"the operator submits", CS_ROLE_OPERATOR, 0, CS_REVIEW_SUBMIT, NONE, 0, 0, CS_DENY_NONE},
    {"a legal user does not submit", CS_ROLE_LEGAL, 7, CS_REVIEW_SUBMIT, NONE, 0, 0, CS_DENY_ROLE},
    {"a reviewer does not submit", CS_ROLE_REVIEWER, 4, CS_REVIEW_SUBMIT, NONE, 0, 0, CS_DENY_ROLE},
    {"a legal user files the opinion", CS_ROLE_LEGAL, 7, CS_REVIEW_OPINION, OPEN, 0, 0,
     CS_DENY_NONE},
    {"a clerk files no opinion", CS_ROLE_CLERK, 2, CS_REVIEW_OPINION, OPEN, 1, 0, CS_DENY_ROLE},
    {"a reviewer files no opinion", CS_ROLE_REVIEWER, 4, CS_REVIEW_OPINION, OPEN, 0, 0,
     CS_DENY_ROLE},
    {"the operator files no opinion", CS_ROLE_OPERATOR, 0, CS_REVIEW_OPINION, OPEN, 0, 0,
     CS_DENY_ROLE},
    {"who brought evidence in files no opinion", CS_ROLE_LEGAL, 7, CS_REVIEW_OPINION, OPEN, 1, 0,
     CS_DENY_OWN_EVIDENCE},
    {"an officer of the case files no opinion", CS_ROLE_LEGAL, 7, CS_REVIEW_OPINION, OPEN, 0, 1,
     CS_DENY_CASE_OFFICER},
    {"no opinion before a submission", CS_ROLE_LEGAL, 7, CS_REVIEW_OPINION, NONE, 0, 0,
     CS_DENY_NO_SUBMISSION},
    {"one opinion a round", CS_ROLE_LEGAL, 8, CS_REVIEW_OPINION, PROBLEMS, 0, 0,
     CS_DENY_NO_SUBMISSION},
    {"a clerk decides on an agreed round", CS_ROLE_CLERK, 2, CS_REVIEW_DECIDE, AGREED, 1, 0,
     CS_DENY_NONE},
    {"an admin decides on an agreed round", CS_ROLE_ADMIN, 3, CS_REVIEW_DECIDE, AGREED, 0, 0,
     CS_DENY_NONE},
    {"the author decides nothing", CS_ROLE_LEGAL, 7, CS_REVIEW_DECIDE, AGREED, 0, 0,
     CS_DENY_OPINION_AUTHOR},
    {"another legal user decides nothing", CS_ROLE_LEGAL, 8, CS_REVIEW_DECIDE, AGREED, 0, 0,
     CS_DENY_ROLE},
    {"a reviewer decides nothing", CS_ROLE_REVIEWER, 4, CS_REVIEW_DECIDE, AGREED, 0, 0,
     CS_DENY_ROLE},
    {"no decision unsubmitted", CS_ROLE_CLERK, 2, CS_REVIEW_DECIDE, NONE, 1, 0,
     CS_DENY_NOT_REVIEWED},
    {"no decision before the opinion", CS_ROLE_CLERK, 2, CS_REVIEW_DECIDE, OPEN, 1, 0,
     CS_DENY_NOT_REVIEWED},
    {"no decision on problems", CS_ROLE_ADMIN, 3, CS_REVIEW_DECIDE, PROBLEMS, 0, 0,
     CS_DENY_NOT_REVIEWED},
    {"no decision on an older submission", CS_ROLE_CLERK, 2, CS_REVIEW_DECIDE, AGREED_OLD, 1, 0,
     CS_DENY_NOT_REVIEWED},
    {"one decision a round", CS_ROLE_CLERK, 2, CS_REVIEW_DECIDE, DECIDED, 1, 0, CS_DENY_DECIDED},
};

START_TEST(the_separation_matrix)
{
    cs_access_who_t who = {.id = cases[_i].id, .role = cases[_i].role};
    cs_review_state_t s = state(cases[_i].at, cases[_i].brought_in, cases[_i].officer);
    cs_access_decision_t dec;
    json_t *e = NULL;
    snprintf(who.name, sizeof who.name, "user%lld", (long long)cases[_i].id);
    ck_assert_int_eq(cs_access_review(&who, &s, cases[_i].act, "cli:root", &dec, &e), 0);
    ck_assert_msg(dec.deny == cases[_i].want, "%s: deny %d, want %d (%s)", cases[_i].label,
                  dec.deny, cases[_i].want, dec.reason);
    ck_assert_int_eq(dec.allowed, cases[_i].want == CS_DENY_NONE);
    if (dec.allowed) {
        ck_assert_ptr_null(e);
        return;
    }
    /* Every refusal: its code and Chinese text for people, and its ledger entry. */
    ck_assert_ptr_nonnull(e);
    ck_assert_str_eq(json_string_value(json_object_get(e, "kind")), "review");
    ck_assert_str_eq(json_string_value(json_object_get(e, "result")), "denied");
    ck_assert_str_eq(json_string_value(json_object_get(e, "action")),
                     cs_access_review_action(cases[_i].act));
    ck_assert_str_eq(json_string_value(json_object_get(e, "code")),
                     cs_access_deny_code(cases[_i].want));
    ck_assert_str_eq(json_string_value(json_object_get(e, "case")), "任水罚〔2023〕12号");
    ck_assert_str_eq(json_string_value(json_object_get(e, "actor")), who.name);
    ck_assert_str_eq(json_string_value(json_object_get(e, "reason")), dec.reason);
    ck_assert(strlen(dec.reason_zh) > 0);
    ck_assert_int_ge(dec.status, 403);
    json_decref(e);
}
END_TEST

START_TEST(the_texts_of_the_refusals)
{
    ck_assert_str_eq(cs_access_deny_zh(CS_DENY_NOT_REVIEWED),
                     "未经法制审核或者审核未通过的，不得作出决定");
    ck_assert_ptr_nonnull(strstr(cs_access_deny_zh(CS_DENY_OWN_EVIDENCE), "办审分离"));
    ck_assert_ptr_nonnull(strstr(cs_access_deny_zh(CS_DENY_OPINION_AUTHOR), "审定分离"));
    ck_assert_int_eq(cs_access_role("legal"), CS_ROLE_LEGAL);
    ck_assert_str_eq(cs_access_role_name(CS_ROLE_LEGAL), "legal");
    ck_assert_int_eq(cs_access_role("reviewer"), CS_ROLE_REVIEWER);
}
END_TEST

START_TEST(unknown_disabled_and_missing)
{
    cs_access_who_t who = {.id = 0, .role = CS_ROLE_NONE, .name = "nobody"};
    cs_review_state_t s = state(AGREED, 0, 0);
    cs_access_decision_t dec;
    ck_assert_int_eq(cs_access_review(&who, &s, CS_REVIEW_DECIDE, NULL, &dec, NULL), 0);
    ck_assert_int_eq(dec.deny, CS_DENY_UNKNOWN_USER);
    who = (cs_access_who_t){.id = 7, .role = CS_ROLE_LEGAL, .disabled = 1, .name = "fa"};
    s = state(OPEN, 0, 0);
    ck_assert_int_eq(cs_access_review(&who, &s, CS_REVIEW_OPINION, NULL, &dec, NULL), 0);
    ck_assert_int_eq(dec.deny, CS_DENY_DISABLED);
    who.disabled = 0;
    s.exists = 0;
    ck_assert_int_eq(cs_access_review(&who, &s, CS_REVIEW_OPINION, NULL, &dec, NULL), 0);
    ck_assert_int_eq(dec.deny, CS_DENY_NOT_FOUND);
}
END_TEST

static Suite *
review_suite(void)
{
    Suite *s = suite_create("review");
    TCase *tc = tcase_create("review");
    tcase_add_loop_test(tc, the_separation_matrix, 0, (int)(sizeof cases / sizeof cases[0]));
    tcase_add_test(tc, the_texts_of_the_refusals);
    tcase_add_test(tc, unknown_disabled_and_missing);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(review_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
