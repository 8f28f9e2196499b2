/* core/utf8.h: strict UTF-8 decoding, and quoting untrusted text for one-line details. */
#ifndef CS_CORE_UTF8_H
#define CS_CORE_UTF8_H

#include <stddef.h>
#include <stdint.h>

/** Decodes one code point at s[0..len) by the strict rules of Unicode Table 3-7 (no
 * overlongs, surrogates or code points above U+10FFFF). Returns its length in bytes, or 0
 * when the bytes there are not valid UTF-8, with *why (if why is not NULL) saying how. */
size_t cs_utf8_next(const unsigned char *s, size_t len, uint32_t *cp, const char **why);

/** 1 if cp is a bidirectional formatting character (U+061C, U+200E, U+200F, U+202A-U+202E,
 * U+2066-U+2069): invisible, they make text display in another order than it is stored. */
int cs_utf8_is_bidi_control(uint32_t cp);

/** Writes s[0..n) into dst (cap bytes) for a one-line message: bytes that are not UTF-8,
 * control characters (C0, DEL, C1) and bidirectional formatting characters become \xHH; with
 * `in_quotes`, '"' and '\' are escaped; a text too long for dst ends in "...". dst is always
 * NUL-terminated when cap > 0. */
void cs_utf8_quote(char *dst, size_t cap, const char *s, size_t n, int in_quotes);

#endif
