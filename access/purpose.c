/* access/purpose.c: whether a grant's purposes hold the purpose stated (access.h). */
#include "access/access.h"

#include <string.h>

/* White space around a purpose: ASCII, and the ideographic space a Chinese input method
 * types (U+3000). */
static size_t
space_at(const char *s, size_t n)
{
    if (n >= 1 && (s[0] == ' ' || (s[0] >= '\t' && s[0] <= '\r')))
        return 1;
    if (n >= 3 && memcmp(s, "\xE3\x80\x80", 3) == 0)
        return 3;
    return 0;
}

static size_t
space_before(const char *s, size_t n)
{
    if (n >= 1 && (s[n - 1] == ' ' || (s[n - 1] >= '\t' && s[n - 1] <= '\r')))
        return 1;
    if (n >= 3 && memcmp(s + n - 3, "\xE3\x80\x80", 3) == 0)
        return 3;
    return 0;
}

/* s trimmed: *len bytes from the returned start. */
static const char *
trim(const char *s, size_t *len)
{
    size_t n = strlen(s), k;
    while ((k = space_at(s, n)) > 0)
        s += k, n -= k;
    while ((k = space_before(s, n)) > 0)
        n -= k;
    *len = n;
    return s;
}

static unsigned char
fold(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

int
cs_access_purpose_eq(const char *granted, const char *stated)
{
    size_t na, nb;
    const char *a, *b;
    if (granted == NULL || stated == NULL)
        return 0;
    a = trim(granted, &na);
    b = trim(stated, &nb);
    if (na == 0 || na != nb)
        return 0;
    /* Only ASCII letters fold: a UTF-8 byte of a Chinese character is never one. */
    for (size_t i = 0; i < na; i++)
        if (fold((unsigned char)a[i]) != fold((unsigned char)b[i]))
            return 0;
    return 1;
}

int
cs_access_grant_accepts(const cs_access_policy_t *pol, const cs_access_grant_t *g,
                        const char *stated)
{
    const char *p = g->purposes, *end = g->purposes + sizeof g->purposes;
    if (pol->purpose_any || g->any_purpose)
        return 1;
    for (size_t i = 0; i < g->npurposes && p < end; i++) {
        size_t n = strnlen(p, (size_t)(end - p));
        if (n == (size_t)(end - p))
            return 0; /* not terminated: the loader never leaves it so */
        if (cs_access_purpose_eq(p, stated))
            return 1;
        p += n + 1;
    }
    return 0;
}
