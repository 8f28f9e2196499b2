/* api/parse.c: percent-decoding, query strings and Range headers. */
#include "api/route.h"

#include "core/error.h"
#include "core/utf8.h"

#include <string.h>

static int
hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int
cs_api_pct_decode(const char *s, size_t n, int plus_is_space, char *out, size_t cap)
{
    size_t o = 0;
    if (cap == 0)
        return CS_ENAMETOOLONG;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)s[i];
        if (c == '%') {
            if (n - i < 3 || hexval(s[i + 1]) < 0 || hexval(s[i + 2]) < 0)
                return CS_EINVAL;
            c = hexval(s[i + 1]) * 16 + hexval(s[i + 2]);
            i += 2;
        } else if (c == '+' && plus_is_space) {
            c = ' ';
        }
        if (c < 0x20 || c == 0x7f)
            return CS_EINVAL;
        if (o + 1 >= cap)
            return CS_ENAMETOOLONG;
        out[o++] = (char)c;
    }
    out[o] = '\0';
    for (size_t i = 0; i < o;) {
        uint32_t cp;
        size_t k = cs_utf8_next((const unsigned char *)out + i, o - i, &cp, NULL);
        if (k == 0 || (cp >= 0x80 && cp < 0xa0)) /* C1 controls too */
            return CS_EUTF8;
        i += k;
    }
    return (int)o;
}

int
cs_api_query_get(const char *query, const char *key, char *out, size_t cap)
{
    size_t klen = strlen(key);
    const char *p = query;
    while (p != NULL && *p != '\0') {
        size_t n = strcspn(p, "&");
        const char *eq = memchr(p, '=', n);
        size_t name_len = eq ? (size_t)(eq - p) : n;
        if (name_len == klen && memcmp(p, key, klen) == 0) {
            int rc = eq ? cs_api_pct_decode(eq + 1, n - name_len - 1, 1, out, cap)
                        : cs_api_pct_decode("", 0, 1, out, cap);
            return rc < 0 ? rc : 1;
        }
        p = p[n] == '&' ? p + n + 1 : NULL;
    }
    return 0;
}

/* Reads a decimal number of at most 19 digits at *p; -1 when there is none. */
static int64_t
number(const char **p)
{
    int64_t v = 0;
    int digits = 0;
    while (**p >= '0' && **p <= '9') {
        if (++digits > 18)
            return -1;
        v = v * 10 + (**p - '0');
        (*p)++;
    }
    return digits ? v : -1;
}

int
cs_api_range_parse(const char *hdr, uint64_t size, uint64_t *first, uint64_t *last)
{
    const char *p = hdr;
    int64_t a, b;
    while (*p == ' ')
        p++;
    if (strncmp(p, "bytes=", 6) != 0)
        return 0; /* another unit: ignored (RFC 9110 14.2) */
    p += 6;
    if (strchr(p, ',') != NULL)
        return 0; /* several ranges: the whole object */
    while (*p == ' ')
        p++;
    if (*p == '-') { /* the last n bytes */
        p++;
        if ((b = number(&p)) <= 0)
            return CS_EINVAL;
        while (*p == ' ')
            p++;
        if (*p != '\0' || size == 0)
            return CS_EINVAL;
        *first = (uint64_t)b >= size ? 0 : size - (uint64_t)b;
        *last = size - 1;
        return 1;
    }
    if ((a = number(&p)) < 0 || *p++ != '-')
        return CS_EINVAL;
    b = *p >= '0' && *p <= '9' ? number(&p) : -2;
    while (*p == ' ')
        p++;
    if (*p != '\0' || b == -1 || (b >= 0 && b < a) || (uint64_t)a >= size)
        return CS_EINVAL;
    *first = (uint64_t)a;
    *last = b < 0 || (uint64_t)b >= size ? size - 1 : (uint64_t)b;
    return 1;
}
