/* fuzz/fuzz_key.h: the fixed Ed25519 key the ledger and bag targets sign with, so that seeds
 * can carry valid signatures and a crash reproduces. Made for the fuzzers with
 * `openssl genpkey -algorithm ed25519`; it signs nothing else and guards nothing. Its
 * checkpoint origin (and note key name) is "custody/" and the first 16 hex digits of the
 * SHA-256 of the raw public key, as ledger/checkpoint.c names a home's. */
#ifndef CS_FUZZ_FUZZ_KEY_H
#define CS_FUZZ_FUZZ_KEY_H

#include <stdio.h>
#include <stdlib.h>

#define CS_FUZZ_KEY_PEM                                                                            \
    "-----BEGIN PRIVATE KEY-----\n"                                                                \
    "MC4CAQAwBQYDK2VwBCIEIOJsV1nley6IqFPVc3EAqOqBS9AuCmo9t5Viv1mG50yD\n"                           \
    "-----END PRIVATE KEY-----\n"
#define CS_FUZZ_PUB_PEM                                                                            \
    "-----BEGIN PUBLIC KEY-----\n"                                                                 \
    "MCowBQYDK2VwAyEA20X00O6CqDoH6TozVHG/th1iqtWJsVhYv57AJix0+lE=\n"                               \
    "-----END PUBLIC KEY-----\n"
#define CS_FUZZ_ORIGIN "custody/1b515688a7350cb9"

/* The raw public key (the last 32 bytes of the DER in CS_FUZZ_PUB_PEM). */
static const unsigned char cs_fuzz_pub[32] = {
    0xdb, 0x45, 0xf4, 0xd0, 0xee, 0x82, 0xa8, 0x3a, 0x07, 0xe9, 0x3a, 0x33, 0x54, 0x71, 0xbf, 0xb6,
    0x1d, 0x62, 0xaa, 0xd5, 0x89, 0xb1, 0x58, 0x58, 0xbf, 0x9e, 0xc0, 0x26, 0x2c, 0x74, 0xfa, 0x51};

/* Writes text to path (created or replaced); aborts if it cannot. */
static inline void
cs_fuzz_write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (f == NULL || fputs(text, f) == EOF || fclose(f) != 0)
        abort();
}

#endif
