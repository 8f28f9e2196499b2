/* tests/access/test_password.c: people's passwords (access/password.c): the scrypt encoding
 * written and read back, a wrong password refused, encodings that are not ours refused, and
 * the policy (length, not the user name). */
#include "access/password.h"
#include "core/error.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

START_TEST(test_hash_verifies)
{
    char enc[CS_PASSWORD_HASH_MAX], enc2[CS_PASSWORD_HASH_MAX];
    int ok = 0;
    ck_assert_int_eq(cs_password_hash("correct horse 马", enc), 0);
    ck_assert_msg(strncmp(enc, "$scrypt$ln=15,r=8,p=1$", 22) == 0, "%s", enc);
    /* 16 bytes of salt: 22 base64 digits; 32 of hash: 43; no padding */
    const char *salt = enc + 22, *d = strchr(salt, '$');
    ck_assert_ptr_nonnull(d);
    ck_assert_int_eq((int)(d - salt), 22);
    ck_assert_int_eq((int)strlen(d + 1), 43);
    ck_assert_int_eq(cs_password_verify("correct horse 马", enc, &ok), 0);
    ck_assert_int_eq(ok, 1);
    ck_assert_int_eq(cs_password_hash("correct horse 马", enc2), 0);
    ck_assert_str_ne(enc, enc2); /* a new salt each time */
}
END_TEST

START_TEST(test_wrong_password)
{
    char enc[CS_PASSWORD_HASH_MAX];
    int ok = 1;
    ck_assert_int_eq(cs_password_hash("correct horse", enc), 0);
    ck_assert_int_eq(cs_password_verify("correct horsE", enc, &ok), 0);
    ck_assert_int_eq(ok, 0);
    ok = 1;
    ck_assert_int_eq(cs_password_verify("", enc, &ok), 0);
    ck_assert_int_eq(ok, 0);
}
END_TEST

/* Encodings that are not the ones cs_password_hash writes. */
START_TEST(test_parse_errors)
{
    char enc[CS_PASSWORD_HASH_MAX], bad[CS_PASSWORD_HASH_MAX + 8];
    int ok = 1;
    ck_assert_int_eq(cs_password_hash("correct horse", enc), 0);
    static const char *const wrong[] = {
        "",
        "plain",
        "$scrypt$ln=14,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "$scrypt$ln=15,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA",
        "$scrypt$ln=15,r=8,p=1$AAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "$scrypt$ln=15,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAA",
        "$scrypt$ln=15,r=8,p=1$AAAAAAAAAAAAAAAAAA*AAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "$scrypt$ln=15,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA==$"
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "$scrypt$ln=15,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA$",
    };
    for (size_t i = 0; i < sizeof wrong / sizeof wrong[0]; i++) {
        ck_assert_msg(cs_password_verify("correct horse", wrong[i], &ok) == CS_EINVAL, "%s",
                      wrong[i]);
        ck_assert_int_eq(ok, 0);
    }
    /* the hash cut by one digit */
    snprintf(bad, sizeof bad, "%s", enc);
    bad[strlen(bad) - 1] = '\0';
    ck_assert_int_eq(cs_password_verify("correct horse", bad, &ok), CS_EINVAL);
}
END_TEST

START_TEST(test_policy)
{
    ck_assert_int_eq(cs_password_policy("alice", "short"), CS_EINVAL);
    ck_assert_int_eq(cs_password_policy("alice", "123456789"), CS_EINVAL);
    ck_assert_int_eq(cs_password_policy("alice", "1234567890"), 0);
    ck_assert_int_eq(cs_password_policy("alicealice", "alicealice"), CS_EINVAL);
    ck_assert_int_eq(cs_password_policy("alice", "line\nbreak!"), CS_EINVAL);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("password");
    TCase *tc = tcase_create("password");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_hash_verifies);
    tcase_add_test(tc, test_wrong_password);
    tcase_add_test(tc, test_parse_errors);
    tcase_add_test(tc, test_policy);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failures = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failures ? 1 : 0;
}
