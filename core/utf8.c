/* core/utf8.c: strict UTF-8 and quoting for messages. */
#include "core/utf8.h"

#include <stdlib.h>
#include <string.h>

size_t
cs_utf8_next(const unsigned char *s, size_t len, uint32_t *cp, const char **why_out)
{
    const char *dummy, **why = why_out != NULL ? why_out : &dummy;
    unsigned char c = s[0];
    size_t n;
    uint32_t v;
    unsigned char lo = 0x80, hi = 0xBF; /* allowed range of the second byte */

    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c < 0xC0) {
        *why = "a continuation byte without a lead byte";
        return 0;
    }
    if (c < 0xC2) {
        *why = "an overlong encoding";
        return 0;
    }
    if (c < 0xE0) {
        n = 2;
        v = c & 0x1F;
    } else if (c < 0xF0) {
        n = 3;
        v = c & 0x0F;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c < 0xF5) {
        n = 4;
        v = c & 0x07;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else {
        *why = "a byte that never occurs in UTF-8";
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if (i >= len || (s[i] & 0xC0) != 0x80) {
            *why = "an incomplete character";
            return 0;
        }
        if (i == 1 && (s[1] < lo || s[1] > hi)) {
            if (c == 0xED)
                *why = "a UTF-16 surrogate";
            else if (c == 0xF4)
                *why = "a code point above U+10FFFF";
            else
                *why = "an overlong encoding";
            return 0;
        }
        v = (v << 6) | (s[i] & 0x3F);
    }
    *cp = v;
    return n;
}

int
cs_utf8_is_bidi_control(uint32_t cp)
{
    return cp == 0x061C || cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
           (cp >= 0x2066 && cp <= 0x2069);
}

void
cs_utf8_quote(char *dst, size_t cap, const char *s, size_t n, int in_quotes)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, o = 0;

    if (cap < 4) {
        if (cap > 0)
            dst[0] = '\0';
        return;
    }
    while (i < n) {
        char esc[4 * 4];
        const char *piece = esc;
        size_t plen = 0;
        uint32_t cp = 0;
        size_t adv = cs_utf8_next(u + i, n - i, &cp, NULL);

        if (adv == 0 || (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) || cs_utf8_is_bidi_control(cp)) {
            /* Every byte of a bad, control or bidi character is shown, as \xHH. */
            size_t k = adv ? adv : 1;
            for (size_t j = 0; j < k; j++) {
                esc[plen++] = '\\';
                esc[plen++] = 'x';
                esc[plen++] = hex[u[i + j] >> 4];
                esc[plen++] = hex[u[i + j] & 0xF];
            }
            adv = k;
        } else if (in_quotes && (cp == '"' || cp == '\\')) {
            esc[0] = '\\';
            esc[1] = (char)cp;
            plen = 2;
        } else {
            piece = s + i;
            plen = adv;
        }
        /* Keep room for "..." and the NUL whenever more text follows. */
        size_t reserve = i + adv < n ? 4 : 1;
        if (o + plen + reserve > cap) {
            memcpy(dst + o, "...", 3);
            o += 3;
            break;
        }
        memcpy(dst + o, piece, plen);
        o += plen;
        i += adv;
    }
    dst[o] = '\0';
}

char *
cs_utf8_escape(const char *s, size_t n, size_t *out_len)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *u = (const unsigned char *)s;
    size_t o = 0;
    char *dst;

    if (n > (SIZE_MAX - 1) / 4 || (dst = malloc(n * 4 + 1)) == NULL)
        return NULL;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t adv = cs_utf8_next(u + i, n - i, &cp, NULL);
        if (adv == 0) {
            dst[o++] = '\\';
            dst[o++] = 'x';
            dst[o++] = hex[u[i] >> 4];
            dst[o++] = hex[u[i] & 0xF];
            i++;
        } else if (cp == '\\') {
            dst[o++] = '\\';
            dst[o++] = '\\';
            i++;
        } else {
            memcpy(dst + o, u + i, adv);
            o += adv;
            i += adv;
        }
    }
    dst[o] = '\0';
    if (out_len != NULL)
        *out_len = o;
    return dst;
}

json_t *
cs_json_string_lossless(const char *s)
{
    json_t *j;
    char *esc;
    size_t len;

    if (s == NULL)
        return json_null();
    if ((esc = cs_utf8_escape(s, strlen(s), &len)) == NULL)
        return NULL;
    j = json_stringn(esc, len);
    free(esc);
    return j;
}
