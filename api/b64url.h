/* api/b64url.h: base64url without padding (RFC 4648 §5), over ledger/b64.h's strict codec:
 * the text of signed media URLs. */
#ifndef CS_API_B64URL_H
#define CS_API_B64URL_H

#include <stddef.h>
#include <stdint.h>

/** Writes the base64url of in[0..len), without '=', and a NUL into out (cap bytes, at least
 * CS_B64_LEN(len) + 1). 0, or CS_ENAMETOOLONG (out left as ""). */
int cs_api_b64url_encode(const void *in, size_t len, char *out, size_t cap);

/** Decodes text[0..len) (base64url without padding, canonical: what encoding makes) into out
 * (cap bytes); *out_len the bytes. 0, CS_EINVAL for any other text, CS_ENAMETOOLONG. */
int cs_api_b64url_decode(const char *text, size_t len, uint8_t *out, size_t cap, size_t *out_len);

#endif
