/* ledger/token.c: see token.h. */
#include "access/token.h"

#include "core/buf.h"
#include "core/error.h"
#include "core/sha256.h"

#include <openssl/rand.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <string.h>

int
cs_token_new(char *buf, size_t size)
{
    unsigned char raw[32];
    if (size < 4 + 2 * sizeof raw + 1) {
        cs_diag_set("no room for a token");
        return CS_ENAMETOOLONG;
    }
    if (RAND_bytes(raw, sizeof raw) != 1) {
        cs_diag_set("OpenSSL has no randomness for a token");
        return CS_ECRYPTO;
    }
    memcpy(buf, "cst_", 4);
    cs_hex(raw, sizeof raw, buf + 4);
    return 0;
}

void
cs_token_hash(const char *token, char out[65])
{
    unsigned char md[SHA256_DIGEST_LENGTH];
    if (cs_sha256(token, strlen(token), md) != 0) /* the fetched digest: once per process */
        SHA256((const unsigned char *)token, strlen(token), md);
    cs_hex(md, sizeof md, out);
}
