/* core/sha256.h: SHA-256 of one buffer, for the hashes made at every request (a ledger entry's
 * leaf, a bearer token, a session cookie). */
#ifndef CS_CORE_SHA256_H
#define CS_CORE_SHA256_H

#include <stddef.h>

/** out = SHA-256(data[0..len)). 0, or CS_ECRYPTO when OpenSSL cannot hash (diag set). Any
 * thread. */
int cs_sha256(const void *data, size_t len, unsigned char out[32]);

#endif
