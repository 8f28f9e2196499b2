/* media/xmp.c: single values out of an XMP packet (see xmp.h). The packet is untrusted: every
 * scan is bounded by its length, and values are copied only into the caller's buffer. */
#include "media/xmp.h"

#include <string.h>

static int
is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Decodes [p, end) into out; -1 when it does not fit or holds markup. */
static int
decode(const char *p, const char *end, char *out, size_t size)
{
    static const struct {
        const char *ref;
        char c;
    } ents[] = {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
    size_t n = 0;
    while (p < end && is_space(*p))
        p++;
    while (end > p && is_space(end[-1]))
        end--;
    while (p < end) {
        char c = *p++;
        if (c == '<')
            return -1;
        if (c == '&') {
            size_t i, left = (size_t)(end - p) + 1;
            for (i = 0; i < sizeof ents / sizeof ents[0]; i++) {
                size_t l = strlen(ents[i].ref);
                if (left >= l && memcmp(p - 1, ents[i].ref, l) == 0) {
                    c = ents[i].c;
                    p += l - 1;
                    break;
                }
            }
            if (i == sizeof ents / sizeof ents[0]) {
                /* &#NN; or &#xNN; below 0x80; anything else stays as it is */
                if (p < end && *p == '#') {
                    const char *d = p + 1;
                    int hex = d < end && (*d == 'x' || *d == 'X'), v = 0, digits = 0;
                    for (d += hex; d < end && v < 0x80; d++, digits++) {
                        int x = *d >= '0' && *d <= '9'          ? *d - '0'
                                : hex && *d >= 'a' && *d <= 'f' ? *d - 'a' + 10
                                : hex && *d >= 'A' && *d <= 'F' ? *d - 'A' + 10
                                                                : -1;
                        if (x < 0)
                            break;
                        v = v * (hex ? 16 : 10) + x;
                    }
                    if (d < end && *d == ';' && digits > 0 && v > 0 && v < 0x80) {
                        c = (char)v;
                        p = d + 1;
                    }
                }
            }
        }
        if (n + 1 >= size)
            return -1;
        out[n++] = c;
    }
    out[n] = '\0';
    return n > 0 ? 0 : -1;
}

int
cs_xmp_get(const char *xmp, size_t len, const char *name, char *out, size_t size)
{
    size_t nl = strlen(name);
    const char *end = xmp + len, *p = xmp;
    if (size == 0 || nl == 0)
        return -1;
    out[0] = '\0';
    while ((size_t)(end - p) > nl) {
        const char *hit = memchr(p, name[0], (size_t)(end - p) - nl);
        if (hit == NULL)
            return -1;
        p = hit + 1;
        if (memcmp(hit, name, nl) != 0 || hit == xmp || (hit[-1] != '<' && !is_space(hit[-1])))
            continue;
        const char *q = hit + nl;
        if (hit[-1] == '<') { /* <name ...>value</name> */
            if (q < end && *q != '>' && !is_space(*q))
                continue;
            while (q < end && *q != '>')
                q++;
            if (q >= end || q[-1] == '/')
                continue;
            const char *v = ++q;
            while (q < end && *q != '<')
                q++;
            if (q >= end)
                return -1;
            return decode(v, q, out, size);
        }
        while (q < end && is_space(*q)) /* name = "value" */
            q++;
        if (q >= end || *q != '=')
            continue;
        for (q++; q < end && is_space(*q); q++)
            ;
        if (q >= end || (*q != '"' && *q != '\''))
            continue;
        const char *v = q + 1, *close = memchr(v, *q, (size_t)(end - v));
        if (close == NULL)
            return -1;
        return decode(v, close, out, size);
    }
    return -1;
}
