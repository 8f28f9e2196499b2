/* tests/ledger/test_key.c: the ledger's Ed25519 signing key. */
#include "core/error.h"
#include "ledger/key.h"
#include "tests/support/testutil.h"

#include <check.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

START_TEST(a_key_is_made_once_private_and_usable)
{
    char *dir = cs_test_tmpdir();
    char key[4096], pub[4096], id1[CS_KEY_ID_MAX], id2[CS_KEY_ID_MAX];
    struct stat st;
    snprintf(key, sizeof key, "%s/ledger.key", dir);
    snprintf(pub, sizeof pub, "%s/ledger.pub", dir);
    ck_assert_int_eq(cs_ledger_key_create(key, pub), 0);
    ck_assert_int_eq(stat(key, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0600);
    ck_assert_int_eq(cs_ledger_key_id(pub, id1), 0);
    ck_assert_int_eq(strlen(id1), 64);
    /* Never replaced. */
    char *before = cs_test_read(key, NULL);
    ck_assert_int_eq(cs_ledger_key_create(key, pub), CS_EEXIST);
    char *after = cs_test_read(key, NULL);
    ck_assert_str_eq(before, after);
    ck_assert_int_eq(cs_ledger_key_id(pub, id2), 0);
    ck_assert_str_eq(id1, id2);
    /* The private key signs, and the public key checks the signature. */
    FILE *f = fopen(key, "r");
    EVP_PKEY *sk = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    f = fopen(pub, "r");
    EVP_PKEY *pk = PEM_read_PUBKEY(f, NULL, NULL, NULL);
    fclose(f);
    ck_assert_ptr_nonnull(sk);
    ck_assert_ptr_nonnull(pk);
    unsigned char sig[64];
    size_t siglen = sizeof sig;
    const unsigned char msg[] = "checkpoint";
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    ck_assert_int_eq(EVP_DigestSignInit(ctx, NULL, NULL, NULL, sk), 1);
    ck_assert_int_eq(EVP_DigestSign(ctx, sig, &siglen, msg, sizeof msg), 1);
    EVP_MD_CTX_free(ctx);
    ctx = EVP_MD_CTX_new();
    ck_assert_int_eq(EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pk), 1);
    ck_assert_int_eq(EVP_DigestVerify(ctx, sig, siglen, msg, sizeof msg), 1);
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(sk);
    EVP_PKEY_free(pk);
    free(before);
    free(after);
    cs_test_rmrf(dir);
    free(dir);
}
END_TEST

START_TEST(a_bad_public_key_is_named)
{
    char *dir = cs_test_tmpdir();
    char pub[4096], id[CS_KEY_ID_MAX];
    snprintf(pub, sizeof pub, "%s/ledger.pub", dir);
    cs_test_write(pub, "not a key", 9);
    ck_assert_int_eq(cs_ledger_key_id(pub, id), CS_ECRYPTO);
    ck_assert_ptr_nonnull(strstr(cs_diag(), pub));
    cs_test_rmrf(dir);
    free(dir);
}
END_TEST

static Suite *
key_suite(void)
{
    Suite *s = suite_create("key");
    TCase *tc = tcase_create("key");
    tcase_add_test(tc, a_key_is_made_once_private_and_usable);
    tcase_add_test(tc, a_bad_public_key_is_named);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(key_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
