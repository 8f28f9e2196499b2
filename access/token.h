/* access/token.h: API tokens: 256 random bits, shown once; only their SHA-256 is kept. */
#ifndef CS_ACCESS_TOKEN_H
#define CS_ACCESS_TOKEN_H

#include <stddef.h>

#define CS_TOKEN_MAX 80 /* "cst_" + 64 hex digits + NUL, with room */

/** Writes a new token ("cst_" and 64 hex digits of 32 random bytes from OpenSSL's DRBG).
 * CS_ECRYPTO if no randomness, CS_ENAMETOOLONG if size is too small. */
int cs_token_new(char *buf, size_t size);

/** Writes the hex SHA-256 of `token` (what users.token_sha256 holds). */
void cs_token_hash(const char *token, char out[65]);

#endif
