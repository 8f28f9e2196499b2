/* core/archref.h: archival references (档号) from a pattern (archive.reference_pattern).
 *
 * A pattern is text with fields in braces: {fonds} 全宗号 (archive.fonds), {class} 类别
 * (archive.class), {year} 年度 (four digits), {period} 保管期限 as its code (Y permanent 永久,
 * C long 长期, D short 短期), {period_zh} the same in words, {seq} 件号, {seq:N} the sequence
 * zero-padded to N digits (1..9). "{{" and "}}" are braces. Everything else is copied. The
 * default, {fonds}-{class}-{year}-{period}-{seq:04}, gives "J001-ZF-2026-Y-0001".
 */
#ifndef CS_CORE_ARCHREF_H
#define CS_CORE_ARCHREF_H

#include <stddef.h>

#define CS_ARCHREF_DEFAULT_PATTERN "{fonds}-{class}-{year}-{period}-{seq:04}"
#define CS_ARCHREF_MAX 256 /* bytes of a reference, with its NUL */

typedef struct cs_archref_parts {
    const char *fonds;  /* 全宗号 */
    const char *class_; /* 类别 */
    int year;           /* 年度 */
    const char *period; /* permanent|long|short */
    long long seq;      /* 件号, from 1 */
} cs_archref_parts_t;

/** The period's code in a reference ("Y", "C", "D") and its words ("永久", "长期", "短期");
 * NULL for anything else. */
const char *cs_archref_period_code(const char *period);
const char *cs_archref_period_zh(const char *period);

/** Writes the reference of `parts` under `pattern` to out[0..cap): 0; CS_EINVAL with a detail
 * for an unknown field or an unclosed brace; CS_ENAMETOOLONG when it does not fit. A reference
 * never holds '/', a control character or a leading '.', so it can name a file: CS_EINVAL when
 * the parts would put one there. */
int cs_archref_format(const char *pattern, const cs_archref_parts_t *parts, char *out, size_t cap);

/** 0 when `pattern` is a pattern cs_archref_format takes and names {seq} (a reference without
 * the sequence would repeat); else CS_EINVAL with a detail. */
int cs_archref_check(const char *pattern);

/** The check of archive.reference_pattern in the config table (core/config.c): 0, or
 * CS_ECONFIG with the detail "<origin>: <why>". */
int cs_archref_config_check(const char *key, const char *value, const char *origin);

#endif
