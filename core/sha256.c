/* core/sha256.c: SHA-256 with the digest fetched once per process. OpenSSL 3's one-shot
 * SHA256() fetches the algorithm from its provider at every call (EVP_Q_digest), which costs
 * more than hashing a 500-byte ledger entry or a token: about 13,000 instructions of a
 * ledgered read's 230,000, twice (callgrind, bench/RESULTS.md). */
#include "core/sha256.h"

#include "core/error.h"

#include <openssl/evp.h>
#include <pthread.h>

static EVP_MD *md; /* kept for the process's life */
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void
fetch(void)
{
    md = EVP_MD_fetch(NULL, "SHA2-256", NULL);
}

int
cs_sha256(const void *data, size_t len, unsigned char out[32])
{
    pthread_once(&once, fetch);
    if (md == NULL || EVP_Digest(data, len, out, NULL, md, NULL) != 1) {
        cs_diag_set("OpenSSL could not hash with SHA-256");
        return CS_ECRYPTO;
    }
    return 0;
}
