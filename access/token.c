/* ledger/token.c: see token.h. */
#include "access/token.h"

#include "core/error.h"

#include <openssl/rand.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <string.h>

static void
hex(const unsigned char *b, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[b[i] >> 4];
        out[2 * i + 1] = digits[b[i] & 15];
    }
    out[2 * n] = '\0';
}

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
    hex(raw, sizeof raw, buf + 4);
    return 0;
}

void
cs_token_hash(const char *token, char out[65])
{
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)token, strlen(token), md);
    hex(md, sizeof md, out);
}
