/* core/casenum.c: see casenum.h. Checks run in a fixed order (UTF-8, emptiness, characters no
 * case number may hold, inner spaces, shape, length, pattern) so that a clerk always hears about
 * the first thing to fix. */
#include "core/casenum.h"

#include "core/error.h"
#include "core/utf8.h"

#include <regex.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define EXAMPLE "任水罚〔2023〕12号"
#define OPEN_BRACKET "〔"
#define CLOSE_BRACKET "〕"
#define HAO "号"
#define QUOTE_MAX 200 /* bytes of a quoted excerpt in a detail, NUL included */
#define YEAR_DIGITS 4
#define SEQ_DIGITS_MAX 18 /* what a long holds without overflow */

struct cs_casenum_rule {
    regex_t re;
};

/* A bounded output buffer that remembers it overflowed instead of cutting silently. */
typedef struct outbuf {
    char *p;
    size_t cap;
    size_t len; /* bytes wanted so far, may exceed cap - 1 */
} outbuf_t;

static void
put(outbuf_t *b, const char *s, size_t n)
{
    if (b->len + n < b->cap)
        memcpy(b->p + b->len, s, n);
    b->len += n;
    if (b->len < b->cap)
        b->p[b->len] = '\0';
}

/* Unicode White_Space: the spec's ASCII whitespace, U+00A0 and U+3000, and their kin, so that
 * no space a keyboard or a copy-paste can produce slips inside a case number. */
static bool
is_space(uint32_t cp)
{
    return cp == ' ' || (cp >= '\t' && cp <= '\r') || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
           (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
           cp == 0x205F || cp == 0x3000;
}

static bool
is_open(uint32_t cp)
{
    return cp == '[' || cp == 0xFF3B || cp == 0x3010 || cp == '(' || cp == 0xFF08 || cp == 0x3014;
}

static bool
is_close(uint32_t cp)
{
    return cp == ']' || cp == 0xFF3D || cp == 0x3011 || cp == ')' || cp == 0xFF09 || cp == 0x3015;
}

/* Returns the ASCII digit for an ASCII or full-width digit, or 0. */
static char
digit_of(uint32_t cp)
{
    if (cp >= '0' && cp <= '9')
        return (char)cp;
    if (cp >= 0xFF10 && cp <= 0xFF19)
        return (char)('0' + (cp - 0xFF10));
    return 0;
}

/* Copies s[0..n) (valid UTF-8) to b with full-width digits made ASCII. */
static void
put_normalised(outbuf_t *b, const char *s, size_t n)
{
    size_t i = 0;

    while (i < n) {
        uint32_t cp = 0;
        const char *why = NULL;
        size_t adv = cs_utf8_next((const unsigned char *)s + i, n - i, &cp, &why);
        char d = digit_of(cp);

        if (d)
            put(b, &d, 1);
        else
            put(b, s + i, adv);
        i += adv;
    }
}

int
cs_casenum_rule_new(cs_casenum_rule_t **out, const char *pattern)
{
    int err = 0;
    cs_casenum_rule_t *rule = NULL;

    if (!out) {
        cs_diag_set("case number rule: no place to store it");
        return CS_EINVAL;
    }
    *out = NULL;
    rule = calloc(1, sizeof *rule);
    if (!rule) {
        cs_diag_set("case.pattern: out of memory compiling the pattern");
        err = CS_ENOMEM;
        goto out;
    }
    int rc = regcomp(&rule->re, pattern ? pattern : CS_CASENUM_DEFAULT_PATTERN,
                     REG_EXTENDED | REG_NOSUB);
    if (rc != 0) {
        char msg[256];
        regerror(rc, &rule->re, msg, sizeof msg);
        cs_diag_set("case.pattern: %s", msg);
        err = rc == REG_ESPACE ? CS_ENOMEM : CS_ECONFIG;
        free(rule);
        rule = NULL;
        goto out;
    }
    *out = rule;
    rule = NULL;
out:
    return err;
}

void
cs_casenum_rule_free(cs_casenum_rule_t **rule)
{
    if (!rule || !*rule)
        return;
    regfree(&(*rule)->re);
    free(*rule);
    *rule = NULL;
}

/* What the scan of one input found; offsets are bytes into `in`. */
typedef struct scan {
    const char *in;
    size_t len;
    size_t start, end;          /* the text between the surrounding spaces */
    size_t open_at, open_len;   /* the year's opening bracket */
    size_t close_at, close_len; /* the year's closing bracket */
    char q[QUOTE_MAX];          /* the input, quoted for details */
} scan_t;

/* Checks UTF-8 (every later step walks code points) and finds the text between the
 * surrounding spaces. */
static int
scan_utf8(scan_t *s)
{
    const unsigned char *u = (const unsigned char *)s->in;
    size_t adv;
    uint32_t cp = 0;
    const char *why = NULL;

    s->start = s->len;
    s->end = 0;
    for (size_t i = 0; i < s->len; i += adv) {
        adv = cs_utf8_next(u + i, s->len - i, &cp, &why);
        if (adv == 0) {
            cs_diag_set("case number \"%s\" is not valid UTF-8: %s at byte %zu; retype it", s->q,
                        why, i);
            return CS_EUTF8;
        }
        if (!is_space(cp)) {
            if (s->start == s->len)
                s->start = i;
            s->end = i + adv;
        }
    }
    if (s->start == s->len) {
        cs_diag_set("case number \"%s\" is empty; expected e.g. " EXAMPLE, s->q);
        return CS_ECASE;
    }
    return 0;
}

/* A case number names a folder (uploads, receipts) and shows in lists: whatever case.pattern
 * says, it holds no path separator (so no ".." component either), no control character and no
 * bidirectional formatting character. Spaces are left to scan_shape, which says where. */
static int
scan_safe(const scan_t *s)
{
    const unsigned char *u = (const unsigned char *)s->in;
    size_t i, adv, chars = 0;
    uint32_t cp = 0;
    const char *why = NULL, *what = NULL;

    for (i = 0; i < s->start; i += adv, chars++)
        adv = cs_utf8_next(u + i, s->len - i, &cp, &why);
    for (i = s->start; i < s->end && what == NULL; i += adv) {
        adv = cs_utf8_next(u + i, s->end - i, &cp, &why);
        chars++;
        if (cp == '/' || cp == '\\')
            what = "a path separator ('/' or '\\')";
        else if (!is_space(cp) && (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)))
            what = "a control character";
        else if (cs_utf8_is_bidi_control(cp))
            what = "a bidirectional formatting character";
    }
    if (what == NULL)
        return 0;
    cs_diag_set("case number \"%s\" has %s at character %zu; a case number is one folder name: "
                "retype it without it",
                s->q, what, chars);
    return CS_ECASE;
}

/* Rejects inner spaces and finds the year's brackets: the first opening one and the first
 * closing one after it. */
static int
scan_shape(scan_t *s)
{
    const unsigned char *u = (const unsigned char *)s->in;
    size_t i, adv, chars = 0;
    uint32_t cp = 0;
    const char *why = NULL;
    bool have_open = false, have_close = false;

    for (i = 0; i < s->start; i += adv, chars++)
        adv = cs_utf8_next(u + i, s->len - i, &cp, &why);
    for (i = s->start; i < s->end; i += adv) {
        adv = cs_utf8_next(u + i, s->end - i, &cp, &why);
        chars++;
        if (is_space(cp)) {
            char after[QUOTE_MAX];
            cs_utf8_quote(after, sizeof after, s->in + s->start, i - s->start, 1);
            cs_diag_set("case number \"%s\" has a space at character %zu, after \"%s\"; remove "
                        "spaces inside the number",
                        s->q, chars, after);
            return CS_ECASE;
        }
        if (!have_open && is_open(cp)) {
            have_open = true;
            s->open_at = i;
            s->open_len = adv;
        } else if (have_open && !have_close && is_close(cp)) {
            have_close = true;
            s->close_at = i;
            s->close_len = adv;
        }
    }
    if (!have_open) {
        cs_diag_set("case number \"%s\" has no year in brackets; expected e.g. " EXAMPLE, s->q);
        return CS_ECASE;
    }
    if (s->open_at == s->start) {
        cs_diag_set(
            "case number \"%s\" has no agency and kind before the year; expected e.g. " EXAMPLE,
            s->q);
        return CS_ECASE;
    }
    if (!have_close) {
        cs_diag_set(
            "case number \"%s\" has no closing bracket after the year; expected e.g. " EXAMPLE,
            s->q);
        return CS_ECASE;
    }
    return 0;
}

/* The year: exactly four digits, ASCII or full-width, into year[0..4] as ASCII. */
static int
parse_year(const scan_t *s, char year[YEAR_DIGITS + 1])
{
    const unsigned char *u = (const unsigned char *)s->in;
    size_t from = s->open_at + s->open_len, adv, n = 0;
    uint32_t cp = 0;
    const char *why = NULL;

    for (size_t i = from; i < s->close_at; i += adv) {
        adv = cs_utf8_next(u + i, s->close_at - i, &cp, &why);
        char d = digit_of(cp);
        if (!d || n == YEAR_DIGITS) {
            n = 0;
            break;
        }
        year[n++] = d;
    }
    year[n] = '\0';
    if (n != YEAR_DIGITS) {
        char got[QUOTE_MAX];
        cs_utf8_quote(got, sizeof got, s->in + from, s->close_at - from, 1);
        cs_diag_set("case number \"%s\" has year \"%s\"; the year must be 4 digits, e.g. "
                    "〔2023〕",
                    s->q, got);
        return CS_ECASE;
    }
    return 0;
}

/* The sequence: digits, ASCII or full-width, between the closing bracket and a final 号; into
 * seq as ASCII without leading zeros ("0" when all are zeros). */
static int
parse_seq(const scan_t *s, char seq[SEQ_DIGITS_MAX + 1], size_t *seq_len)
{
    const unsigned char *u = (const unsigned char *)s->in;
    size_t from = s->close_at + s->close_len, to, adv, n = 0, hao_len = strlen(HAO);
    uint32_t cp = 0;
    const char *why = NULL;

    if (s->end - from < hao_len || memcmp(s->in + s->end - hao_len, HAO, hao_len) != 0) {
        cs_diag_set("case number \"%s\" does not end with 号; expected e.g. " EXAMPLE, s->q);
        return CS_ECASE;
    }
    to = s->end - hao_len;
    if (to == from) {
        cs_diag_set("case number \"%s\" has no sequence number before 号; expected e.g. " EXAMPLE,
                    s->q);
        return CS_ECASE;
    }
    for (size_t i = from; i < to; i += adv) {
        adv = cs_utf8_next(u + i, to - i, &cp, &why);
        char d = digit_of(cp);
        if (!d) {
            char got[QUOTE_MAX];
            cs_utf8_quote(got, sizeof got, s->in + from, to - from, 1);
            cs_diag_set("case number \"%s\" has sequence number \"%s\"; it must be digits only, "
                        "e.g. 12号",
                        s->q, got);
            return CS_ECASE;
        }
        if (n == 0 && d == '0')
            continue;
        if (n == SEQ_DIGITS_MAX) {
            cs_diag_set("case number \"%s\" has a sequence number longer than %d digits", s->q,
                        SEQ_DIGITS_MAX);
            return CS_ECASE;
        }
        seq[n++] = d;
    }
    if (n == 0)
        seq[n++] = '0';
    seq[n] = '\0';
    *seq_len = n;
    return 0;
}

int
cs_casenum_parse(const cs_casenum_rule_t *rule, const char *input, cs_casenum_t *out)
{
    int err, rc;
    scan_t s = {0};
    char year[YEAR_DIGITS + 1], seq[SEQ_DIGITS_MAX + 1], norm[QUOTE_MAX];
    size_t seq_len = 0, prefix_len;
    outbuf_t text;

    if (out)
        memset(out, 0, sizeof *out);
    if (!rule || !input || !out) {
        cs_diag_set("case number parser called without a rule, an input or an output");
        return CS_EINVAL;
    }
    s.in = input;
    s.len = strlen(input);
    cs_utf8_quote(s.q, sizeof s.q, input, s.len, 1);

    err = scan_utf8(&s);
    if (err)
        goto out;
    err = scan_safe(&s);
    if (err)
        goto out;
    err = scan_shape(&s);
    if (err)
        goto out;
    err = parse_year(&s, year);
    if (err)
        goto out;
    err = parse_seq(&s, seq, &seq_len);
    if (err)
        goto out;

    /* Assemble the normalised text; too long is an error, never a cut. */
    text = (outbuf_t){out->text, sizeof out->text, 0};
    put_normalised(&text, input + s.start, s.open_at - s.start);
    prefix_len = text.len;
    put(&text, OPEN_BRACKET, strlen(OPEN_BRACKET));
    put(&text, year, YEAR_DIGITS);
    put(&text, CLOSE_BRACKET, strlen(CLOSE_BRACKET));
    put(&text, seq, seq_len);
    put(&text, HAO, strlen(HAO));
    if (text.len >= text.cap) {
        cs_diag_set("case number \"%s\" is too long: %zu bytes after normalisation, at most %zu",
                    s.q, text.len, text.cap - 1);
        err = CS_ECASE;
        goto out;
    }
    memcpy(out->prefix, out->text, prefix_len);
    out->prefix[prefix_len] = '\0';
    out->year = atoi(year);
    out->seq = strtol(seq, NULL, 10);

    rc = regexec(&rule->re, out->text, 0, NULL, 0);
    if (rc == REG_NOMATCH) {
        cs_utf8_quote(norm, sizeof norm, out->text, text.len, 1);
        if (strcmp(s.q, norm) == 0)
            cs_diag_set("case number \"%s\" does not match the rule in case.pattern; expected "
                        "e.g. " EXAMPLE,
                        s.q);
        else
            cs_diag_set("case number \"%s\" (normalised \"%s\") does not match the rule in "
                        "case.pattern; expected e.g. " EXAMPLE,
                        s.q, norm);
        err = CS_ECASE;
        goto out;
    }
    if (rc != 0) {
        cs_diag_set("case number \"%s\": out of memory matching case.pattern", s.q);
        err = CS_ENOMEM;
        goto out;
    }
out:
    if (err)
        memset(out, 0, sizeof *out);
    return err;
}
