/* core/buf.c: bounded text where truncation is an error (or, by name, on purpose). */
#include "core/buf.h"

#include "core/error.h"

#include <stdio.h>
#include <string.h>

void
cs_buf_init(cs_buf_t *b, char *p, size_t cap)
{
    b->p = p;
    b->cap = cap;
    b->len = 0;
    b->err = cap == 0 ? CS_ENAMETOOLONG : 0;
    if (cap > 0)
        p[0] = '\0';
}

void
cs_buf_vprintf(cs_buf_t *b, const char *fmt, va_list ap)
{
    if (b->err != 0)
        return;
    size_t room = b->cap - b->len;
    int n = vsnprintf(b->p + b->len, room, fmt, ap);
    if (n < 0 || (size_t)n >= room) {
        b->p[b->len] = '\0'; /* drop the cut piece: the text ends at the last whole one */
        b->err = CS_ENAMETOOLONG;
        return;
    }
    b->len += (size_t)n;
}

void
cs_buf_printf(cs_buf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cs_buf_vprintf(b, fmt, ap);
    va_end(ap);
}

void
cs_buf_add(cs_buf_t *b, const char *s, size_t n)
{
    if (b->err != 0)
        return;
    if (n >= b->cap - b->len) {
        b->err = CS_ENAMETOOLONG;
        return;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void
cs_buf_add_str(cs_buf_t *b, const char *s)
{
    cs_buf_add(b, s, strlen(s));
}

int
cs_buf_done(const cs_buf_t *b)
{
    return b->err;
}

int
cs_snprintf(char *dst, size_t cap, const char *fmt, ...)
{
    cs_buf_t b;
    va_list ap;
    cs_buf_init(&b, dst, cap);
    va_start(ap, fmt);
    cs_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    return cs_buf_done(&b);
}

void
cs_vsnprintf_cut(char *dst, size_t cap, const char *fmt, va_list ap)
{
    if (cap == 0)
        return;
    if (vsnprintf(dst, cap, fmt, ap) < 0)
        dst[0] = '\0';
}

void
cs_snprintf_cut(char *dst, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cs_vsnprintf_cut(dst, cap, fmt, ap);
    va_end(ap);
}

void
cs_hex(const unsigned char *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}
