/* fuzz/fuzz_casenum.c: libFuzzer target for core/casenum.c, the parsing and normalisation of
 * case numbers that arrive as folder names and sidecar fields.
 *
 * Input: one byte choosing the rule (the default `case.pattern`, a few a deployment might
 * configure, or with 0xFF a short pattern taken from the input's first line), then the text
 * to parse. What must hold besides not crashing: a failure zeroes the output and says why;
 * a success is valid UTF-8 of the documented shape, <prefix>〔<4 digits>〕<digits>号, its parts
 * agree with the text, normalising is a fixed point (the result parses to itself), and whatever
 * the rule, it is one safe folder name: no '/', '\\', control or bidi formatting character. */
#include "core/casenum.h"
#include "core/error.h"
#include "core/utf8.h"
#include "fuzz/fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PATTERN_MAX 32 /* bytes of a pattern taken from the input */

static const char *const patterns[] = {
    NULL, /* CS_CASENUM_DEFAULT_PATTERN */
    "^[^0-9[:space:]]+〔20[0-9]{2}〕[0-9]+号$",
    "^(任水罚|京公刑|沪检)〔(19|20)[0-9]{2}〕[1-9][0-9]*号$",
    "^[A-Z]{2,8}〔[0-9]{4}〕[0-9]{1,6}号$",
    ".",
    "^[^[:alnum:]]",
};
#define NRULES (sizeof patterns / sizeof patterns[0])

static cs_casenum_rule_t *rules[NRULES];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    for (size_t i = 0; i < NRULES; i++)
        if (cs_casenum_rule_new(&rules[i], patterns[i]) != 0) {
            fprintf(stderr, "pattern %zu: %s\n", i, cs_diag());
            abort();
        }
    return 0;
}

static int
valid_utf8(const char *s)
{
    size_t len = strlen(s);
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t n = cs_utf8_next((const unsigned char *)s + i, len - i, &cp, NULL);
        if (n == 0)
            return 0;
        i += n;
    }
    return 1;
}

/* 1 if s could be a folder name anywhere and reads as stored: casenum.h's fixed rule. */
static int
safe_name(const char *s)
{
    size_t len = strlen(s);
    for (size_t i = 0; i < len;) {
        uint32_t cp = 0;
        size_t n = cs_utf8_next((const unsigned char *)s + i, len - i, &cp, NULL);
        if (n == 0 || cp == '/' || cp == '\\' || cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) ||
            cs_utf8_is_bidi_control(cp))
            return 0;
        i += n;
    }
    return strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

static int
all_zero(const void *p, size_t n)
{
    const unsigned char *u = p;
    for (size_t i = 0; i < n; i++)
        if (u[i] != 0)
            return 0;
    return 1;
}

static void
check_one(const cs_casenum_rule_t *rule, const char *input)
{
    cs_casenum_t cn, again;
    char tail[64];
    int rc = cs_casenum_parse(rule, input, &cn);

    if (rc != 0) {
        CS_FUZZ_CHECK(rc == CS_EUTF8 || rc == CS_ECASE, "rc %d", rc);
        CS_FUZZ_CHECK(all_zero(&cn, sizeof cn), "a failed parse left output behind");
        CS_FUZZ_CHECK(cs_diag()[0] != '\0', "a failed parse without a reason");
        return;
    }
    size_t len = strnlen(cn.text, sizeof cn.text), plen = strnlen(cn.prefix, sizeof cn.prefix);
    CS_FUZZ_CHECK(len < sizeof cn.text && plen < sizeof cn.prefix, "unterminated output");
    CS_FUZZ_CHECK(valid_utf8(cn.text), "text is not UTF-8: %s", cn.text);
    CS_FUZZ_CHECK(safe_name(cn.text), "text is not one safe folder name: %s", cn.text);
    CS_FUZZ_CHECK(plen > 0 && strncmp(cn.text, cn.prefix, plen) == 0, "prefix %s of %s", cn.prefix,
                  cn.text);
    CS_FUZZ_CHECK(cn.year >= 0 && cn.year <= 9999 && cn.seq >= 0, "year %d seq %ld", cn.year,
                  cn.seq);
    snprintf(tail, sizeof tail, "〔%04d〕%ld号", cn.year, cn.seq);
    CS_FUZZ_CHECK(strcmp(cn.text + plen, tail) == 0, "text %s, parts %s + %s", cn.text, cn.prefix,
                  tail);
    rc = cs_casenum_parse(rule, cn.text, &again);
    CS_FUZZ_CHECK(rc == 0, "the normalised %s does not parse (%s)", cn.text, cs_diag());
    CS_FUZZ_CHECK(strcmp(again.text, cn.text) == 0 && strcmp(again.prefix, cn.prefix) == 0 &&
                      again.year == cn.year && again.seq == cn.seq,
                  "normalising %s again gives %s", cn.text, again.text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    char *text = cs_fuzz_strndup(data + 1, size - 1), *input = text;
    cs_casenum_rule_t *own = NULL;

    if (data[0] == 0xFF) {
        /* A pattern from the input: short, no back-references and no counted repetition, so
         * that glibc's regex engine (not under test) stays polynomial. */
        char *nl = strchr(text, '\n');
        if (nl == NULL || nl - text > PATTERN_MAX || memchr(text, '\\', (size_t)(nl - text)) ||
            memchr(text, '{', (size_t)(nl - text)))
            goto out;
        *nl = '\0';
        input = nl + 1;
        if (cs_casenum_rule_new(&own, text) != 0)
            goto out;
        check_one(own, input);
    } else {
        check_one(rules[data[0] % NRULES], input);
    }
out:
    cs_casenum_rule_free(&own);
    free(text);
    return 0;
}
