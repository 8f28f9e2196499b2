/* ledger/b64.h: standard base64 (RFC 4648 §4, with padding), strict both ways. */
#ifndef CS_LEDGER_B64_H
#define CS_LEDGER_B64_H

#include <stddef.h>
#include <stdint.h>

/** Characters in the base64 of n bytes, without a NUL. */
#define CS_B64_LEN(n) ((((n) + 2) / 3) * 4)

/** Writes the base64 of in[0..len) and a NUL to out, which holds cap bytes. Returns 0, or
 * CS_ENAMETOOLONG (out left as "") when cap < CS_B64_LEN(len) + 1. */
int cs_b64_encode(const void *in, size_t len, char *out, size_t cap);

/** Decodes the base64 text in[0..len) into out (cap bytes) and sets *out_len. Only the
 * canonical form is accepted: a multiple of 4 characters from the standard alphabet, '='
 * padding only at the end, unused bits zero. Returns 0, CS_EINVAL for any other text, or
 * CS_ENAMETOOLONG when the bytes do not fit in cap. */
int cs_b64_decode(const char *in, size_t len, uint8_t *out, size_t cap, size_t *out_len);

#endif
