/* api/b64url.c: base64url without padding (b64url.h). */
#include "api/b64url.h"

#include "core/error.h"
#include "ledger/b64.h"

#include <string.h>

int
cs_api_b64url_encode(const void *in, size_t len, char *out, size_t cap)
{
    int rc = cs_b64_encode(in, len, out, cap);
    if (rc != 0)
        return rc;
    for (char *p = out; *p != '\0'; p++) {
        if (*p == '=') {
            *p = '\0';
            break;
        }
        *p = *p == '+' ? '-' : *p == '/' ? '_' : *p;
    }
    return 0;
}

int
cs_api_b64url_decode(const char *text, size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
    *out_len = 0;
    if (len % 4 == 1)
        return CS_EINVAL;
    /* Four characters at a time, the last group padded: no copy of the whole text. */
    for (size_t i = 0; i < len; i += 4) {
        char quad[4] = {'=', '=', '=', '='};
        uint8_t bytes[3];
        size_t n = len - i < 4 ? len - i : 4, got = 0;
        for (size_t k = 0; k < n; k++) {
            char ch = text[i + k];
            if (ch == '+' || ch == '/' || ch == '=')
                return CS_EINVAL; /* the standard alphabet, or padding: not base64url */
            quad[k] = ch == '-' ? '+' : ch == '_' ? '/' : ch;
        }
        if (cs_b64_decode(quad, 4, bytes, sizeof bytes, &got) != 0)
            return CS_EINVAL;
        if (cap - *out_len < got)
            return CS_ENAMETOOLONG;
        memcpy(out + *out_len, bytes, got);
        *out_len += got;
    }
    return 0;
}
