/* core/buf.h: bounded text over a caller's fixed buffer, where truncation is an error.
 *
 * A cs_buf_t writes pieces into char[cap]. The first piece that does not fit whole makes the
 * builder fail (sticky): that piece and every later one are dropped, and the text stays
 * NUL-terminated after the last whole piece. cs_buf_done() says whether everything fitted.
 *
 *     char sql[512];
 *     cs_buf_t b;
 *     cs_buf_init(&b, sql, sizeof sql);
 *     cs_buf_add_str(&b, "SELECT ...");
 *     cs_buf_printf(&b, " AND x >= ?%d", n);
 *     if ((rc = cs_buf_done(&b)) != 0) ...   // CS_ENAMETOOLONG
 */
#ifndef CS_CORE_BUF_H
#define CS_CORE_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct cs_buf {
    char *p;    /* the caller's buffer */
    size_t cap; /* its size in bytes, NUL included */
    size_t len; /* bytes of text in p, NUL excluded */
    int err;    /* 0, or CS_ENAMETOOLONG once a piece did not fit */
} cs_buf_t;

/** Starts an empty text in p[0..cap); with cap == 0 the builder has failed already. */
void cs_buf_init(cs_buf_t *b, char *p, size_t cap);

/** Appends a printf-formatted piece, whole or not at all. */
void cs_buf_printf(cs_buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/** cs_buf_printf with a va_list. */
void cs_buf_vprintf(cs_buf_t *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/** Appends s[0..n) (no NUL needed in it), whole or not at all. */
void cs_buf_add(cs_buf_t *b, const char *s, size_t n);

/** Appends the NUL-terminated s, whole or not at all. */
void cs_buf_add_str(cs_buf_t *b, const char *s);

/** Returns 0 when every piece fitted, else CS_ENAMETOOLONG. */
int cs_buf_done(const cs_buf_t *b);

/** Formats into dst[0..cap) in one call: 0, or CS_ENAMETOOLONG when the whole text does not
 * fit (dst then holds "" when cap > 0, never a cut value). */
/** Writes the 2n lower-case hex digits of in[0..n) and a NUL into out (2n + 1 bytes). */
void cs_hex(const unsigned char *in, size_t n, char *out);

int cs_snprintf(char *dst, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/** For text that is only read by people (a log line, a problem's detail, a diagnostic): formats
 * into dst[0..cap), and a text too long is cut on purpose (at a byte) rather than refused. dst
 * is always NUL-terminated when cap > 0. Never use it for a path, a key or a value. */
void cs_snprintf_cut(char *dst, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/** cs_snprintf_cut with a va_list. */
void cs_vsnprintf_cut(char *dst, size_t cap, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

#endif
