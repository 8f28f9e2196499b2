/* access/password.h: people's passwords, kept as scrypt hashes (OpenSSL 3's EVP_KDF
 * "SCRYPT", N=2^15 r=8 p=1, a 16-byte random salt), encoded as
 * "$scrypt$ln=15,r=8,p=1$<base64 salt>$<base64 hash>". Beside token.c: both turn a secret a
 * person holds into what the catalog keeps, without the catalog. */
#ifndef CS_ACCESS_PASSWORD_H
#define CS_ACCESS_PASSWORD_H

#include <stddef.h>

#define CS_PASSWORD_MIN 10       /* bytes of a password at least */
#define CS_PASSWORD_MAX 1024     /* bytes of a password at most */
#define CS_PASSWORD_HASH_MAX 128 /* bytes of an encoded hash, NUL included */

/** 0 when `password` may be `user`'s: CS_PASSWORD_MIN..CS_PASSWORD_MAX bytes, no NUL or line
 * break, not the user name itself; CS_EINVAL with a diagnostic otherwise. */
int cs_password_policy(const char *user, const char *password);

/** Hashes `password` with a new random salt into out (CS_PASSWORD_HASH_MAX bytes).
 * CS_ECRYPTO when OpenSSL fails (no randomness, no scrypt). */
int cs_password_hash(const char *password, char out[CS_PASSWORD_HASH_MAX]);

/** *ok = 1 when `password` matches `encoded` (compared in constant time), 0 when not.
 * CS_EINVAL for an encoding that is not one cs_password_hash writes (other parameters, bad
 * base64, wrong lengths); CS_ECRYPTO when OpenSSL fails. */
int cs_password_verify(const char *password, const char *encoded, int *ok);

/** Spends the time of one verification on nothing: the answer to an unknown user takes as
 * long as the one to a wrong password. */
void cs_password_dummy(const char *password);

#endif
