/* core/utf8.h: strict UTF-8 decoding, and quoting untrusted text for one-line details. */
#ifndef CS_CORE_UTF8_H
#define CS_CORE_UTF8_H

#include <jansson.h>
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

/** The text s[0..n) made printable as UTF-8 without losing a byte: valid UTF-8 is kept, each
 * byte that is not part of a valid character becomes \xhh (lower-case hex) and a backslash
 * becomes \\, so the bytes can always be told back from the text. Returns a new
 * NUL-terminated string (free() it; its length in *out_len if not NULL), NULL when out of
 * memory. */
char *cs_utf8_escape(const char *s, size_t n, size_t *out_len);

/** s (NUL-terminated; NULL gives JSON null) as a JSON string escaped by cs_utf8_escape:
 * what every text that came from outside (a file name, a path, a sidecar's words) becomes in
 * an answer, a receipt or a log line, so that no odd byte makes it refused. Returns a new
 * reference, NULL only when out of memory. */
json_t *cs_json_string_lossless(const char *s);

#endif
