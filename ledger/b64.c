/* ledger/b64.c: standard base64, written and read in its one canonical form. */
#include "ledger/b64.h"

#include "core/error.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int
cs_b64_encode(const void *in, size_t len, char *out, size_t cap)
{
    const uint8_t *p = in;
    size_t o = 0;
    if (cap == 0)
        return CS_ENAMETOOLONG;
    if (len > (SIZE_MAX - 1) / 4 * 3 - 2 || cap < CS_B64_LEN(len) + 1) {
        out[0] = '\0';
        return CS_ENAMETOOLONG;
    }
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;
        if (i + 1 < len)
            v |= (uint32_t)p[i + 1] << 8;
        if (i + 2 < len)
            v |= p[i + 2];
        out[o++] = alphabet[(v >> 18) & 63];
        out[o++] = alphabet[(v >> 12) & 63];
        out[o++] = i + 1 < len ? alphabet[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < len ? alphabet[v & 63] : '=';
    }
    out[o] = '\0';
    return 0;
}

static int
sextet(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

int
cs_b64_decode(const char *in, size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
    size_t o = 0;
    *out_len = 0;
    if (len % 4 != 0)
        return CS_EINVAL;
    for (size_t i = 0; i < len; i += 4) {
        int last = i + 4 == len;
        int pad = last && in[i + 3] == '=' ? (in[i + 2] == '=' ? 2 : 1) : 0;
        int s[4];
        uint32_t v = 0;
        for (size_t j = 0; j < 4; j++) {
            s[j] = (int)j >= 4 - pad ? 0 : sextet(in[i + j]);
            if (s[j] < 0)
                return CS_EINVAL;
            v = v << 6 | (uint32_t)s[j];
        }
        /* The bits that padding leaves over must be zero, so each byte string has one text. */
        if ((pad == 1 && (v & 0xFF) != 0) || (pad == 2 && (v & 0xFFFF) != 0))
            return CS_EINVAL;
        if (o + 3 - (size_t)pad > cap)
            return CS_ENAMETOOLONG;
        out[o++] = (uint8_t)(v >> 16);
        if (pad < 2)
            out[o++] = (uint8_t)(v >> 8);
        if (pad < 1)
            out[o++] = (uint8_t)v;
    }
    *out_len = o;
    return 0;
}
