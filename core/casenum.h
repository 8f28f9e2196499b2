/* core/casenum.h: parse, validate and normalise provincial case numbers.
 *
 * Shape: <agency><kind>〔<year>〕<seq>号, e.g. 任水罚〔2023〕12号. Normalisation (fixed):
 * surrounding ASCII and ideographic spaces go; full-width digits become ASCII; the year's
 * brackets [ ] ［ ］ 【 】 ( ) （ ） 〔 〕 all become 〔 〕; leading zeros of the sequence go.
 * Validation (configurable): the normalised text must match `case.pattern`, a POSIX
 * extended regular expression matched byte-wise against UTF-8.
 *
 * Details of the fixed part, checked in this order so the first fault is the one reported:
 * - the input must be valid UTF-8 (no overlongs, surrogates, code points above U+10FFFF or
 *   truncated characters): CS_EUTF8, the detail gives the byte offset;
 * - whatever `case.pattern` says, the text (between surrounding spaces) holds no '/' or '\'
 *   (so no ".." component: a case number is one folder name under uploads/ and receipts/), no
 *   control character (C0, DEL, C1) and no bidirectional formatting character (U+061C,
 *   U+200E, U+200F, U+202A-U+202E, U+2066-U+2069): CS_ECASE with the character position;
 * - "spaces" are Unicode White_Space (ASCII whitespace, U+00A0, U+3000 and their kin); at the
 *   ends they go, inside they are CS_ECASE with the character position;
 * - the year opens with the first bracket of the set and closes with the first closing one
 *   after it (any pairing); the text before it (the prefix) must not be empty; the year must
 *   be exactly 4 digits; the sequence must be digits and the last character must be 号;
 * - more than CS_CASENUM_MAX - 1 bytes after normalisation is CS_ECASE, never a cut.
 * Letters are not normalised: ASCII agency abbreviations ("ABC罚[2023]5号") pass the default
 * pattern as they are; a deployment that wants only Chinese agencies narrows `case.pattern`.
 * Matching is byte-wise only while the process stays in the C locale, as Custody does; note
 * that the default `{2,}` counts bytes, so a one-character CJK prefix passes it.
 */
#ifndef CS_CORE_CASENUM_H
#define CS_CORE_CASENUM_H

#include <stddef.h>

#define CS_CASENUM_MAX 256 /* bytes of a normalised case number, NUL included */

/** The default `case.pattern`. */
#define CS_CASENUM_DEFAULT_PATTERN "^[^0-9[:space:]]{2,}〔(19|20)[0-9]{2}〕[1-9][0-9]{0,5}号$"

typedef struct cs_casenum {
    char text[CS_CASENUM_MAX];   /* normalised, e.g. "任水罚〔2023〕12号" */
    char prefix[CS_CASENUM_MAX]; /* agency + kind, e.g. "任水罚" */
    int year;                    /* e.g. 2023 */
    long seq;                    /* e.g. 12 */
} cs_casenum_t;

typedef struct cs_casenum_rule cs_casenum_rule_t;

/** Compiles `pattern` (NULL: the default) into *out. CS_ECONFIG with a detail if it does not
 * compile. The caller frees with cs_casenum_rule_free(). */
int cs_casenum_rule_new(cs_casenum_rule_t **out, const char *pattern);

/** Frees a rule and sets *rule to NULL; accepts NULL. */
void cs_casenum_rule_free(cs_casenum_rule_t **rule);

/** Parses `input` (NUL-terminated UTF-8) into *out. Returns 0, CS_EUTF8 for bad UTF-8 or
 * CS_ECASE when the text is not a case number; either way cs_diag() says what is wrong,
 * quoting the input, and *out is zeroed. (Also CS_EINVAL for a NULL argument and CS_ENOMEM
 * if the regex engine runs out of memory.) */
int cs_casenum_parse(const cs_casenum_rule_t *rule, const char *input, cs_casenum_t *out);

#endif
