/* access/password.c: see password.h. */
#include "access/password.h"

#include "core/error.h"

#include <openssl/crypto.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define SALT_LEN 16
#define HASH_LEN 32
#define PREFIX "$scrypt$ln=15,r=8,p=1$"

static int
scrypt(const char *password, const unsigned char *salt, size_t salt_len,
       unsigned char out[HASH_LEN])
{
    uint64_t n = (uint64_t)1 << 15;
    uint32_t r = 8, p = 1;
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "SCRYPT", NULL);
    EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD, (void *)password,
                                          strlen(password)),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, salt_len),
        OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n),
        OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r),
        OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &p),
        OSSL_PARAM_construct_end()};
    int err = 0;
    if (ctx == NULL || EVP_KDF_derive(ctx, out, HASH_LEN, params) != 1) {
        cs_diag_set("OpenSSL cannot compute scrypt (is its default provider loaded?)");
        err = CS_ECRYPTO;
    }
    EVP_KDF_CTX_free(ctx);
    EVP_KDF_free(kdf);
    return err;
}

/* Standard base64 without padding of n bytes into out; its length. */
static size_t
b64(const unsigned char *in, size_t n, char *out)
{
    int len = EVP_EncodeBlock((unsigned char *)out, in, (int)n);
    while (len > 0 && out[len - 1] == '=')
        out[--len] = '\0';
    return (size_t)len;
}

/* Decodes exactly `want` bytes of unpadded base64 s[0..len) into out; CS_EINVAL otherwise. */
static int
unb64(const char *s, size_t len, unsigned char *out, size_t want)
{
    char padded[64];
    unsigned char buf[48];
    size_t plen = len;
    if (len == 0 || len + 3 > sizeof padded || len % 4 == 1)
        return CS_EINVAL;
    memcpy(padded, s, len);
    while (plen % 4 != 0)
        padded[plen++] = '=';
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
              (s[i] >= '0' && s[i] <= '9') || s[i] == '+' || s[i] == '/'))
            return CS_EINVAL;
    int n = EVP_DecodeBlock(buf, (const unsigned char *)padded, (int)plen);
    if (n < 0)
        return CS_EINVAL;
    n -= (int)(plen - len); /* EVP_DecodeBlock counts the padding as zero bytes */
    if ((size_t)n != want)
        return CS_EINVAL;
    memcpy(out, buf, want);
    return 0;
}

int
cs_password_policy(const char *user, const char *password)
{
    size_t len = password ? strlen(password) : 0;
    if (len < CS_PASSWORD_MIN || len > CS_PASSWORD_MAX) {
        cs_diag_set("a password has %d to %d bytes", CS_PASSWORD_MIN, CS_PASSWORD_MAX);
        return CS_EINVAL;
    }
    if (strpbrk(password, "\r\n") != NULL) {
        cs_diag_set("a password has no line break");
        return CS_EINVAL;
    }
    if (user != NULL && strcmp(user, password) == 0) {
        cs_diag_set("a password is not the user name: choose another");
        return CS_EINVAL;
    }
    return 0;
}

int
cs_password_hash(const char *password, char out[CS_PASSWORD_HASH_MAX])
{
    unsigned char salt[SALT_LEN], hash[HASH_LEN];
    char s64[32], h64[48];
    int err;
    if (RAND_bytes(salt, sizeof salt) != 1) {
        cs_diag_set("OpenSSL has no randomness for a password's salt");
        return CS_ECRYPTO;
    }
    if ((err = scrypt(password, salt, sizeof salt, hash)) != 0)
        return err;
    b64(salt, sizeof salt, s64);
    b64(hash, sizeof hash, h64);
    int n = snprintf(out, CS_PASSWORD_HASH_MAX, PREFIX "%s$%s", s64, h64);
    OPENSSL_cleanse(hash, sizeof hash);
    if (n < 0 || n >= CS_PASSWORD_HASH_MAX) {
        cs_diag_set("no room for a password hash");
        return CS_ENAMETOOLONG;
    }
    return 0;
}

int
cs_password_verify(const char *password, const char *encoded, int *ok)
{
    unsigned char salt[SALT_LEN], want[HASH_LEN], got[HASH_LEN];
    const char *s, *dollar;
    int err;
    *ok = 0;
    if (encoded == NULL || strncmp(encoded, PREFIX, strlen(PREFIX)) != 0)
        goto bad;
    s = encoded + strlen(PREFIX);
    if ((dollar = strchr(s, '$')) == NULL ||
        unb64(s, (size_t)(dollar - s), salt, sizeof salt) != 0 ||
        unb64(dollar + 1, strlen(dollar + 1), want, sizeof want) != 0)
        goto bad;
    if ((err = scrypt(password, salt, sizeof salt, got)) != 0)
        return err;
    *ok = CRYPTO_memcmp(got, want, sizeof want) == 0;
    OPENSSL_cleanse(got, sizeof got);
    return 0;
bad:
    cs_diag_set("a password hash is not \"" PREFIX "<salt>$<hash>\" (base64 of 16 and 32 bytes)");
    return CS_EINVAL;
}

void
cs_password_dummy(const char *password)
{
    static const unsigned char salt[SALT_LEN] = {0};
    unsigned char out[HASH_LEN];
    (void)scrypt(password ? password : "", salt, sizeof salt, out);
}
