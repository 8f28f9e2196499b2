/* core/casenum.h: parse, validate and normalise provincial case numbers.
 *
 * Shape: <agency><kind>〔<year>〕<seq>号, e.g. 任水罚〔2023〕12号. Normalisation (fixed):
 * surrounding ASCII and ideographic spaces go; full-width digits become ASCII; the year's
 * brackets [ ] ［ ］ 【 】 ( ) （ ） 〔 〕 all become 〔 〕; leading zeros of the sequence go.
 * Validation (configurable): the normalised text must match `case.pattern`, a POSIX
 * extended regular expression matched byte-wise against UTF-8.
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
 * quoting the input, and *out is zeroed. */
int cs_casenum_parse(const cs_casenum_rule_t *rule, const char *input, cs_casenum_t *out);

#endif
