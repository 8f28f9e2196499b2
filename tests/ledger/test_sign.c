/* tests/ledger/test_sign.c: a legal reviewer's own key (ledger/key.h): made once, private
 * (0600), its signature verifies with its public key and fails after one byte flipped, in the
 * signed text or in the signature. */
#include "core/error.h"
#include "ledger/key.h"
#include "tests/support/testutil.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

START_TEST(an_opinion_signature_verifies_and_a_flipped_byte_does_not)
{
    char *dir = cs_test_tmpdir();
    char key[4096], pem[CS_PUB_PEM_MAX], pem2[CS_PUB_PEM_MAX], id[CS_KEY_ID_MAX];
    char signer[CS_KEY_ID_MAX], checked[CS_KEY_ID_MAX], sig[CS_SIG_HEX_MAX];
    char msg[] = "{\"case\":\"任水罚〔2023〕12号\",\"round\":1,\"verdict\":\"agree\"}";
    struct stat st;
    snprintf(key, sizeof key, "%s/fa.pem", dir);
    ck_assert_int_eq(cs_key_create_user(key, pem, sizeof pem, id), 0);
    ck_assert_int_eq(stat(key, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0600);
    ck_assert_ptr_nonnull(strstr(pem, "-----BEGIN PUBLIC KEY-----"));
    ck_assert_int_eq(cs_key_create_user(key, pem2, sizeof pem2, signer), CS_EEXIST);

    ck_assert_int_eq(cs_key_sign(key, msg, strlen(msg), sig, signer), 0);
    ck_assert_str_eq(signer, id);
    ck_assert_int_eq(strlen(sig), 128);
    ck_assert_int_eq(cs_key_verify(pem, msg, strlen(msg), sig, checked), 0);
    ck_assert_str_eq(checked, id);
    /* One byte of the opinion flipped. */
    msg[10] ^= 0x01;
    ck_assert_int_eq(cs_key_verify(pem, msg, strlen(msg), sig, NULL), CS_EMISMATCH);
    msg[10] ^= 0x01;
    /* One digit of the signature changed. */
    sig[5] = sig[5] == '0' ? '1' : '0';
    ck_assert_int_eq(cs_key_verify(pem, msg, strlen(msg), sig, NULL), CS_EMISMATCH);
    ck_assert_int_eq(cs_key_verify(pem, msg, strlen(msg), "00", NULL), CS_EMISMATCH);
    cs_test_rmrf(dir);
    free(dir);
}
END_TEST

static Suite *
sign_suite(void)
{
    Suite *s = suite_create("sign");
    TCase *tc = tcase_create("sign");
    tcase_add_test(tc, an_opinion_signature_verifies_and_a_flipped_byte_does_not);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(sign_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
