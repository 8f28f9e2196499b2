/* tests/core/test_casenum.c: case numbers as clerks type them, against core/casenum.c.
 *
 * One table of inputs: what each normalises to, or which error it gives and what the detail
 * must say (the quoted input, and where the fault is). Then the rule's own contract: bad
 * patterns, NULL handling, *out zeroed on error. */
#include "core/casenum.h"
#include "core/error.h"

#include <check.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Spaces and repeated text, written once; separate literals stop \x escapes running on. */
#define IDSP "\xE3\x80\x80" /* U+3000 ideographic space */
#define NBSP "\xC2\xA0"     /* U+00A0 no-break space */
#define R10 "任任任任任任任任任任"
#define R20 R10 R10
#define R60 R20 R20 R20
#define R80 R60 R20 /* 240 bytes */

/* A prefix that must start with 任, and one that allows years of the 1800s and 1900s. */
#define PAT_REN "^任[^0-9[:space:]]+〔(19|20)[0-9]{2}〕[1-9][0-9]{0,5}号$"
#define PAT_OLD "^[^0-9[:space:]]{2,}〔1[89][0-9]{2}〕[1-9][0-9]*号$"

typedef struct row {
    const char *name;
    const char *pattern; /* NULL: the default */
    const char *input;
    int rc;
    const char *text; /* on success */
    const char *prefix;
    int year;
    long seq;
    const char *quoted; /* on error, the detail quotes this; NULL: the input as it is */
    const char *where;  /* on error, the detail also says this */
} row_t;

#define OK(n, in, t, p, y, s)                                                                      \
    {                                                                                              \
        n, NULL, in, 0, t, p, y, s, NULL, NULL                                                     \
    }
#define BAD(n, in, err, q, w)                                                                      \
    {                                                                                              \
        n, NULL, in, err, NULL, NULL, 0, 0, q, w                                                   \
    }

static const row_t rows[] = {
    /* Every bracket variant, each normalised to 〔 〕. */
    OK("canonical", "任水罚〔2023〕12号", "任水罚〔2023〕12号", "任水罚", 2023, 12),
    OK("ascii square", "任水罚[2023]12号", "任水罚〔2023〕12号", "任水罚", 2023, 12),
    OK("full-width square", "任水罚［2023］12号", "任水罚〔2023〕12号", "任水罚", 2023, 12),
    OK("lenticular", "任水罚【2023】12号", "任水罚〔2023〕12号", "任水罚", 2023, 12),
    OK("ascii round", "任水罚(2023)12号", "任水罚〔2023〕12号", "任水罚", 2023, 12),
    OK("full-width round", "任水罚（2023）12号", "任水罚〔2023〕12号", "任水罚", 2023, 12),
    /* Any opening bracket with any closing one. */
    OK("mixed [ 〕", "任水罚[2023〕12号", "任水罚〔2023〕12号", "任水罚", 2023, 12),
    OK("mixed （ ]", "任水罚（2023]12号", "任水罚〔2023〕12号", "任水罚", 2023, 12),
    OK("mixed 【 )", "任水罚【2023)12号", "任水罚〔2023〕12号", "任水罚", 2023, 12),
    OK("mixed 〔 ］", "任水罚〔2023］12号", "任水罚〔2023〕12号", "任水罚", 2023, 12),
    /* Full-width digits become ASCII. */
    OK("full-width year", "任水罚〔２０２３〕12号", "任水罚〔2023〕12号", "任水罚", 2023, 12),
    OK("full-width seq", "任水罚〔2023〕１２号", "任水罚〔2023〕12号", "任水罚", 2023, 12),
    OK("full-width all", "任水罚［２０２３］０１２号", "任水罚〔2023〕12号", "任水罚", 2023, 12),
    /* Surrounding spaces go. */
    OK("ascii spaces around", "  \t任水罚〔2023〕12号 \r\n", "任水罚〔2023〕12号", "任水罚", 2023,
       12),
    OK("ideographic spaces around", IDSP "任水罚〔2023〕12号" IDSP IDSP, "任水罚〔2023〕12号",
       "任水罚", 2023, 12),
    OK("no-break spaces around", NBSP " 任水罚〔2023〕12号" NBSP, "任水罚〔2023〕12号", "任水罚",
       2023, 12),
    /* Leading zeros of the sequence go. */
    OK("leading zero", "任水罚〔2023〕012号", "任水罚〔2023〕12号", "任水罚", 2023, 12),
    OK("leading zeros", "任水罚〔2023〕000007号", "任水罚〔2023〕7号", "任水罚", 2023, 7),
    /* Decision: ASCII agency letters are kept as typed and pass the default pattern. */
    OK("ascii agency", "ABC罚[2023]5号", "ABC罚〔2023〕5号", "ABC罚", 2023, 5),
    OK("1999, six-digit seq", "温环罚〔1999〕999999号", "温环罚〔1999〕999999号", "温环罚", 1999,
       999999),
    /* The length limit applies after normalisation: 255 bytes pass, whatever the input was. */
    OK("255 bytes", R80 "〔2023〕12号", R80 "〔2023〕12号", R80, 2023, 12),
    OK("251 bytes grow to 255", R80 "[2023]12号", R80 "〔2023〕12号", R80, 2023, 12),
    OK("267 bytes shrink to 255", R80 "〔２０２３〕１２号", R80 "〔2023〕12号", R80, 2023, 12),

    /* Spaces inside: the detail says where, counting from the start of the input. */
    BAD("inner ascii space", "任水罚 〔2023〕12号", CS_ECASE, NULL,
        "character 4, after \"任水罚\""),
    BAD("inner ideographic space", "任水罚〔2023〕" IDSP "12号", CS_ECASE, NULL, "character 10"),
    BAD("inner space after leading", "  任水 罚〔2023〕1号", CS_ECASE, NULL,
        "character 5, after \"任水\""),
    BAD("inner no-break space", "任水罚〔20" NBSP "23〕12号", CS_ECASE, NULL, "character 7"),
    /* Bad UTF-8: the detail gives the byte offset and quotes the bad bytes escaped. */
    BAD("overlong",
        "任水罚\xC0\xAF"
        "〔2023〕12号",
        CS_EUTF8, "任水罚\\xC0\\xAF〔2023〕12号", "overlong encoding at byte 9"),
    BAD("lone continuation",
        "\x80"
        "任水罚〔2023〕12号",
        CS_EUTF8, "\\x80任水罚〔2023〕12号", "continuation byte without a lead byte at byte 0"),
    BAD("truncated at end", "任水罚〔2023〕12号\xE4\xBB", CS_EUTF8, "任水罚〔2023〕12号\\xE4\\xBB",
        "incomplete character at byte 24"),
    BAD("truncated inside",
        "任\xE6\xB0"
        "罚〔2023〕12号",
        CS_EUTF8, "任\\xE6\\xB0罚〔2023〕12号", "incomplete character at byte 3"),
    BAD("surrogate",
        "任水罚〔2023〕\xED\xA0\x80"
        "12号",
        CS_EUTF8, "任水罚〔2023〕\\xED\\xA0\\x8012号", "surrogate at byte 19"),
    BAD("above U+10FFFF",
        "\xF4\x90\x80\x80"
        "任水罚〔2023〕12号",
        CS_EUTF8, "\\xF4\\x90\\x80\\x80任水罚〔2023〕12号", "above U+10FFFF at byte 0"),
    /* Shape. */
    BAD("missing 号", "任水罚〔2023〕12", CS_ECASE, NULL, "does not end with 号"),
    BAD("text after 号", "任水罚〔2023〕12号A", CS_ECASE, NULL, "does not end with 号"),
    BAD("missing year", "任水罚2023-12号", CS_ECASE, NULL, "no year in brackets"),
    BAD("unclosed year", "任水罚〔2023-12号", CS_ECASE, NULL, "no closing bracket"),
    BAD("no agency", "〔2023〕12号", CS_ECASE, NULL, "no agency and kind"),
    BAD("3-digit year", "任水罚〔202〕12号", CS_ECASE, NULL, "year \"202\"; the year must be 4"),
    BAD("5-digit year", "任水罚〔20231〕12号", CS_ECASE, NULL, "year \"20231\""),
    BAD("year in words", "任水罚〔二〇二三〕12号", CS_ECASE, NULL, "year \"二〇二三\""),
    BAD("no sequence", "任水罚〔2023〕号", CS_ECASE, NULL, "no sequence number"),
    BAD("letter in sequence", "任水罚〔2023〕12a号", CS_ECASE, NULL, "sequence number \"12a\""),
    BAD("19-digit sequence", "任水罚〔2023〕1234567890123456789号", CS_ECASE, NULL,
        "longer than 18 digits"),
    BAD("empty", "", CS_ECASE, NULL, "is empty"),
    BAD("spaces only", " \t" IDSP NBSP, CS_ECASE, " \\x09" IDSP NBSP, "is empty"),
    BAD("256 bytes", R80 "A〔2023〕12号", CS_ECASE, R60, "too long: 256 bytes"),
    BAD("252 bytes grow to 256", R80 "A[2023]12号", CS_ECASE, R60, "too long: 256 bytes"),
    BAD("quote in input escaped", "任\"水罚〔2023〕12", CS_ECASE, "任\\\"水罚〔2023〕12",
        "does not end with 号"),
    /* The default pattern. */
    BAD("year 1850", "任水罚〔1850〕12号", CS_ECASE, NULL,
        "does not match the rule in case.pattern"),
    BAD("seq 0", "任水罚〔2023〕0号", CS_ECASE, NULL, "case.pattern"),
    BAD("seq 000", "任水罚〔2023〕000号", CS_ECASE, NULL, "(normalised \"任水罚〔2023〕0号\")"),
    BAD("7-digit seq", "任水罚〔2023〕1234567号", CS_ECASE, NULL, "case.pattern"),
    BAD("digit in prefix", "任水罚１〔2023〕12号", CS_ECASE, NULL,
        "(normalised \"任水罚1〔2023〕12号\")"),

    /* Whatever the pattern says, a case number is one folder name: no separator (so no ".."
     * component), no control character, no bidirectional formatting character (issue 16). */
    BAD("traversal", "../../../../tmp/x/pwn〔2023〕1号", CS_ECASE, NULL,
        "path separator ('/' or '\\') at character 3"),
    BAD("absolute", "/tmp/pwn〔2023〕1号", CS_ECASE, NULL,
        "path separator ('/' or '\\') at character 1"),
    BAD("slash inside", "任水/罚〔2023〕12号", CS_ECASE, NULL, "character 3"),
    BAD("slash after spaces", "  任水罚/〔2023〕12号", CS_ECASE, NULL,
        "path separator ('/' or '\\') at character 6"),
    BAD("backslash traversal", "..\\..\\任水罚〔2023〕1号", CS_ECASE,
        "..\\\\..\\\\任水罚〔2023〕1号", "path separator ('/' or '\\') at character 3"),
    BAD("C0 control", "任水\x01罚〔2023〕12号", CS_ECASE, "任水\\x01罚〔2023〕12号",
        "a control character at character 3"),
    BAD("escape", "任水\x1b[31m罚〔2023〕12号", CS_ECASE, "任水\\x1B[31m罚〔2023〕12号",
        "a control character at character 3"),
    BAD("DEL", "任水罚\x7f〔2023〕12号", CS_ECASE, "任水罚\\x7F〔2023〕12号",
        "a control character at character 4"),
    BAD("C1 control", "任水\xC2\x80罚〔2023〕12号", CS_ECASE, "任水\\xC2\\x80罚〔2023〕12号",
        "a control character at character 3"),
    BAD("right-to-left override", "任水\xE2\x80\xAE罚〔2023〕12号", CS_ECASE,
        "任水\\xE2\\x80\\xAE罚〔2023〕12号", "a bidirectional formatting character at character 3"),
    BAD("left-to-right embedding", "\xE2\x80\xAA任水罚〔2023〕12号", CS_ECASE,
        "\\xE2\\x80\\xAA任水罚〔2023〕12号", "bidirectional formatting character at character 1"),
    BAD("first strong isolate", "任水罚〔2023〕12\xE2\x81\xA8号", CS_ECASE,
        "任水罚〔2023〕12\\xE2\\x81\\xA8号", "bidirectional formatting character at character 12"),
    BAD("pop directional isolate", "任水罚\xE2\x81\xA9〔2023〕12号", CS_ECASE,
        "任水罚\\xE2\\x81\\xA9〔2023〕12号", "bidirectional formatting character at character 4"),
    BAD("right-to-left mark", "任水罚\xE2\x80\x8F〔2023〕12号", CS_ECASE,
        "任水罚\\xE2\\x80\\x8F〔2023〕12号", "bidirectional formatting character"),
    {"custom: '.' still refuses a traversal", ".", "../../x〔2023〕1号", CS_ECASE, NULL, NULL, 0, 0,
     NULL, "path separator"},
    {"custom: '.' still refuses a bidi override", ".", "任\xE2\x80\xAE水〔2023〕1号", CS_ECASE,
     NULL, NULL, 0, 0, "任\\xE2\\x80\\xAE水〔2023〕1号", "bidirectional"},
    {"custom: '.' allows dots without a separator", ".", "..任水罚〔2023〕1号", 0,
     "..任水罚〔2023〕1号", "..任水罚", 2023, 1, NULL, NULL},

    /* Custom patterns. */
    {"custom: starts with 任", PAT_REN, "任水罚[2023]12号", 0, "任水罚〔2023〕12号", "任水罚", 2023,
     12, NULL, NULL},
    {"custom: not 任", PAT_REN, "温水罚〔2023〕12号", CS_ECASE, NULL, NULL, 0, 0, NULL,
     "case.pattern"},
    {"custom: 1850 allowed", PAT_OLD, "任水罚（1850）0003号", 0, "任水罚〔1850〕3号", "任水罚",
     1850, 3, NULL, NULL},
    {"custom: 2023 refused", PAT_OLD, "任水罚〔2023〕3号", CS_ECASE, NULL, NULL, 0, 0, NULL,
     "case.pattern"},
};

#define NROWS ((int)(sizeof rows / sizeof rows[0]))

START_TEST(test_row)
{
    const row_t *r = &rows[_i];
    cs_casenum_rule_t *rule = NULL;
    cs_casenum_t out;
    static const cs_casenum_t zero;

    ck_assert_int_eq(cs_casenum_rule_new(&rule, r->pattern), 0);
    ck_assert_ptr_nonnull(rule);
    memset(&out, 0x5A, sizeof out);
    cs_diag_clear();
    int rc = cs_casenum_parse(rule, r->input, &out);
    ck_assert_msg(rc == r->rc, "%s: got %s, want %s (%s)", r->name, cs_errname(rc),
                  cs_errname(r->rc), cs_diag());
    if (rc == 0) {
        ck_assert_str_eq(out.text, r->text);
        ck_assert_str_eq(out.prefix, r->prefix);
        ck_assert_int_eq(out.year, r->year);
        ck_assert_int_eq(out.seq, r->seq);
    } else {
        const char *d = cs_diag();
        const char *q = r->quoted ? r->quoted : r->input;
        ck_assert_msg(memcmp(&out, &zero, sizeof out) == 0, "%s: *out not zeroed", r->name);
        ck_assert_msg(strncmp(d, "case number \"", 13) == 0, "%s: detail \"%s\"", r->name, d);
        ck_assert_msg(strstr(d, q) != NULL, "%s: detail \"%s\" does not quote \"%s\"", r->name, d,
                      q);
        ck_assert_msg(strstr(d, r->where) != NULL, "%s: detail \"%s\" does not say \"%s\"", r->name,
                      d, r->where);
        ck_assert_msg(strchr(d, '\n') == NULL, "%s: detail is more than one line", r->name);
    }
    cs_casenum_rule_free(&rule);
    ck_assert_ptr_null(rule);
}
END_TEST

/* A pattern that does not compile is a configuration error naming the key and regerror's
 * own words, and leaves no rule behind. */
static const char *bad_patterns[] = {"任水罚〔(2023〕", "[", "a{3,1}", "[[:nope:]]"};

START_TEST(test_bad_pattern)
{
    const char *pat = bad_patterns[_i];
    cs_casenum_rule_t *rule = (cs_casenum_rule_t *)&rule; /* not NULL, to see it cleared */
    regex_t re;
    char msg[256], want[300];

    int rc = regcomp(&re, pat, REG_EXTENDED | REG_NOSUB);
    ck_assert_int_ne(rc, 0);
    regerror(rc, &re, msg, sizeof msg);
    snprintf(want, sizeof want, "case.pattern: %s", msg);

    ck_assert_int_eq(cs_casenum_rule_new(&rule, pat), CS_ECONFIG);
    ck_assert_ptr_null(rule);
    ck_assert_str_eq(cs_diag(), want);
}
END_TEST

START_TEST(test_null_handling)
{
    cs_casenum_rule_t *rule = NULL;
    cs_casenum_t out;
    static const cs_casenum_t zero;

    cs_casenum_rule_free(NULL);
    cs_casenum_rule_free(&rule);
    ck_assert_ptr_null(rule);
    ck_assert_int_eq(cs_casenum_rule_new(NULL, NULL), CS_EINVAL);

    ck_assert_int_eq(cs_casenum_rule_new(&rule, NULL), 0);
    memset(&out, 0x5A, sizeof out);
    ck_assert_int_eq(cs_casenum_parse(rule, NULL, &out), CS_EINVAL);
    ck_assert(memcmp(&out, &zero, sizeof out) == 0);
    ck_assert_str_ne(cs_diag(), "");
    ck_assert_int_eq(cs_casenum_parse(rule, "任水罚〔2023〕12号", NULL), CS_EINVAL);
    memset(&out, 0x5A, sizeof out);
    ck_assert_int_eq(cs_casenum_parse(NULL, "任水罚〔2023〕12号", &out), CS_EINVAL);
    ck_assert(memcmp(&out, &zero, sizeof out) == 0);

    cs_casenum_rule_free(&rule);
    ck_assert_ptr_null(rule);
    cs_casenum_rule_free(&rule);
}
END_TEST

/* One rule serves many parses; a failure in between leaves nothing of the last success. */
START_TEST(test_rule_reused)
{
    cs_casenum_rule_t *rule = NULL;
    cs_casenum_t out;

    ck_assert_int_eq(cs_casenum_rule_new(&rule, NULL), 0);
    ck_assert_int_eq(cs_casenum_parse(rule, "任水罚[2023]12号", &out), 0);
    ck_assert_str_eq(out.text, "任水罚〔2023〕12号");
    ck_assert_int_eq(cs_casenum_parse(rule, "任水罚2023-12号", &out), CS_ECASE);
    ck_assert_str_eq(out.text, "");
    ck_assert_str_eq(out.prefix, "");
    ck_assert_int_eq(out.year, 0);
    ck_assert_int_eq(out.seq, 0);
    ck_assert_int_eq(cs_casenum_parse(rule, "温环罚（２０２４）３号", &out), 0);
    ck_assert_str_eq(out.text, "温环罚〔2024〕3号");
    cs_casenum_rule_free(&rule);
}
END_TEST

static Suite *
casenum_suite(void)
{
    Suite *s = suite_create("casenum");
    TCase *tc = tcase_create("table");
    tcase_add_loop_test(tc, test_row, 0, NROWS);
    suite_add_tcase(s, tc);
    tc = tcase_create("rule");
    tcase_add_loop_test(tc, test_bad_pattern, 0,
                        (int)(sizeof bad_patterns / sizeof bad_patterns[0]));
    tcase_add_test(tc, test_null_handling);
    tcase_add_test(tc, test_rule_reused);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(casenum_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failures = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failures ? 1 : 0;
}
