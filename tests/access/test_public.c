/* tests/access/test_public.c: the rule of public copies (access/public.h), case by case. */
#include "access/public.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#define ITEM "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

enum { PUB = 0, INTERNAL = 1, PRIVACY = 2, COMMERCIAL = 3, SECRET = 4 };

static const struct {
    const char *name;
    cs_role_t role;
    int64_t user;
    cs_public_act_t act;
    const char *kind;
    int level, has_spec, has_copy;
    int64_t maker; /* user id of the copy's maker */
    int approved;
    cs_deny_t want; /* CS_DENY_NONE: allowed */
} cases[] = {
    {"a clerk makes a photo's copy", CS_ROLE_CLERK, 1, CS_PUBLIC_MAKE, "photo", PUB, 0, 0, 0, 0,
     CS_DENY_NONE},
    {"state_secret: never", CS_ROLE_ADMIN, 1, CS_PUBLIC_MAKE, "photo", SECRET, 1, 0, 0, 0,
     CS_DENY_NEVER_PUBLIC},
    {"state_secret: no spec either", CS_ROLE_CLERK, 1, CS_PUBLIC_SPEC, "video", SECRET, 0, 0, 0, 0,
     CS_DENY_NEVER_PUBLIC},
    {"state_secret: no approval", CS_ROLE_LEGAL, 2, CS_PUBLIC_APPROVE, "video", SECRET, 1, 1, 1, 0,
     CS_DENY_NEVER_PUBLIC},
    {"privacy without a spec", CS_ROLE_CLERK, 1, CS_PUBLIC_MAKE, "video", PRIVACY, 0, 0, 0, 0,
     CS_DENY_NO_SPEC},
    {"a personal photo needs a spec too", CS_ROLE_CLERK, 1, CS_PUBLIC_MAKE, "photo", PRIVACY, 0, 0,
     0, 0, CS_DENY_NO_SPEC},
    {"commercial_secret without a spec", CS_ROLE_CLERK, 1, CS_PUBLIC_MAKE, "audio", COMMERCIAL, 0,
     0, 0, 0, CS_DENY_NO_SPEC},
    {"privacy with a spec", CS_ROLE_CLERK, 1, CS_PUBLIC_MAKE, "video", PRIVACY, 1, 0, 0, 0,
     CS_DENY_NONE},
    {"a document is not copied", CS_ROLE_CLERK, 1, CS_PUBLIC_MAKE, "document", PUB, 0, 0, 0, 0,
     CS_DENY_NOT_COPYABLE},
    {"a document is attached", CS_ROLE_CLERK, 1, CS_PUBLIC_ATTACH, "document", PRIVACY, 0, 0, 0, 0,
     CS_DENY_NONE},
    {"a video is not attached", CS_ROLE_CLERK, 1, CS_PUBLIC_ATTACH, "video", PUB, 0, 0, 0, 0,
     CS_DENY_NOT_COPYABLE},
    {"a reviewer prepares nothing", CS_ROLE_REVIEWER, 1, CS_PUBLIC_SPEC, "video", PUB, 0, 0, 0, 0,
     CS_DENY_ROLE},
    {"self-approval", CS_ROLE_LEGAL, 2, CS_PUBLIC_APPROVE, "video", PRIVACY, 1, 1, 2, 0,
     CS_DENY_SELF_APPROVAL},
    {"a clerk's own copy: self-approval first", CS_ROLE_CLERK, 1, CS_PUBLIC_APPROVE, "photo", PUB,
     0, 1, 1, 0, CS_DENY_SELF_APPROVAL},
    {"a clerk approves no one's", CS_ROLE_CLERK, 3, CS_PUBLIC_APPROVE, "photo", PUB, 0, 1, 1, 0,
     CS_DENY_ROLE},
    {"the operator approves nothing", CS_ROLE_OPERATOR, 0, CS_PUBLIC_APPROVE, "photo", PUB, 0, 1, 1,
     0, CS_DENY_ROLE},
    {"legal approves another's", CS_ROLE_LEGAL, 2, CS_PUBLIC_APPROVE, "photo", PRIVACY, 1, 1, 1, 0,
     CS_DENY_NONE},
    {"admin approves another's", CS_ROLE_ADMIN, 4, CS_PUBLIC_APPROVE, "photo", PUB, 0, 1, 1, 0,
     CS_DENY_NONE},
    {"nothing to approve", CS_ROLE_LEGAL, 2, CS_PUBLIC_APPROVE, "photo", PUB, 0, 0, 0, 0,
     CS_DENY_NO_COPY},
    {"approved once", CS_ROLE_LEGAL, 2, CS_PUBLIC_APPROVE, "photo", PUB, 0, 1, 1, 1,
     CS_DENY_APPROVED},
};

START_TEST(rule)
{
    cs_access_who_t who = {.id = cases[_i].user, .role = cases[_i].role};
    strcpy(who.name, "someone");
    cs_public_state_t st = {.item = ITEM,
                            .exists = 1,
                            .level = cases[_i].level,
                            .kind = cases[_i].kind,
                            .has_spec = cases[_i].has_spec,
                            .has_copy = cases[_i].has_copy,
                            .maker_user_id = cases[_i].maker,
                            .maker = "maker",
                            .approved = cases[_i].approved};
    cs_access_decision_t dec;
    ck_assert_int_eq(cs_access_public(&who, &st, cases[_i].act, &dec), 0);
    ck_assert_msg(dec.deny == cases[_i].want, "%s: deny %d (%s), want %d", cases[_i].name, dec.deny,
                  dec.reason, cases[_i].want);
    ck_assert_int_eq(dec.allowed, cases[_i].want == CS_DENY_NONE);
    if (!dec.allowed) {
        ck_assert(dec.reason[0] != '\0');
        ck_assert(dec.reason_zh[0] != '\0'); /* every refusal reads in Chinese */
        ck_assert_ptr_nonnull(cs_access_deny_code(dec.deny));
    }
}
END_TEST

/* The operator's copy: approval compared by name, the operator's OS user. */
START_TEST(operator_copy_by_name)
{
    cs_access_who_t who = {.id = 7, .role = CS_ROLE_LEGAL};
    strcpy(who.name, "root");
    cs_public_state_t st = {.item = ITEM,
                            .exists = 1,
                            .kind = "photo",
                            .has_copy = 1,
                            .maker_user_id = 0,
                            .maker = "root"};
    cs_access_decision_t dec;
    cs_access_public(&who, &st, CS_PUBLIC_APPROVE, &dec);
    ck_assert_int_eq(dec.deny, CS_DENY_SELF_APPROVAL);
}
END_TEST

static Suite *
public_suite(void)
{
    Suite *s = suite_create("access_public");
    TCase *tc = tcase_create("rule");
    tcase_add_loop_test(tc, rule, 0, (int)(sizeof cases / sizeof cases[0]));
    tcase_add_test(tc, operator_copy_by_name);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(public_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
