/* tests/core/test_utf8.c: strict decoding and quoting of untrusted text. */
#include "core/utf8.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *bytes;
    size_t len;      /* what cs_utf8_next should return */
    uint32_t cp;     /* when len > 0 */
    const char *why; /* a word of the reason when len == 0 */
} decode[] = {
    {"A", 1, 'A', NULL},
    {"\xc3\xa9", 2, 0xE9, NULL},
    {"\xe4\xbb\xbb", 3, 0x4EFB, NULL}, /* 任 */
    {"\xf0\x9f\x98\x80", 4, 0x1F600, NULL},
    {"\x80", 0, 0, "continuation"},
    {"\xc0\xaf", 0, 0, "overlong"},
    {"\xe0\x80\xaf", 0, 0, "overlong"},
    {"\xed\xa0\x80", 0, 0, "surrogate"},
    {"\xf4\x90\x80\x80", 0, 0, "U+10FFFF"},
    {"\xe4\xbb", 0, 0, "incomplete"},
    {"\xff", 0, 0, "never"},
};

START_TEST(decodes_strictly)
{
    uint32_t cp = 0;
    const char *why = NULL;
    size_t n =
        cs_utf8_next((const unsigned char *)decode[_i].bytes, strlen(decode[_i].bytes), &cp, &why);
    ck_assert_uint_eq(n, decode[_i].len);
    if (n > 0)
        ck_assert_uint_eq(cp, decode[_i].cp);
    else
        ck_assert_msg(why != NULL && strstr(why, decode[_i].why) != NULL, "why: %s", why);
}
END_TEST

static const struct {
    const char *in;
    int in_quotes;
    size_t cap;
    const char *out;
} quotes[] = {
    {"plain 任水罚", 1, 64, "plain 任水罚"},
    {"a\"b\\c", 1, 64, "a\\\"b\\\\c"},
    {"a\"b", 0, 64, "a\"b"},
    {"bad\xff", 1, 64, "bad\\xFF"},
    {"tab\there", 1, 64, "tab\\x09here"},
    {"c1\xc2\x85", 1, 64, "c1\\xC2\\x85"},
    /* A bidi override would reorder what a reader of the log sees: shown as bytes. */
    {"gpj.\xE2\x80\xAE"
     "exe",
     1, 64, "gpj.\\xE2\\x80\\xAEexe"},
    {"\xE2\x81\xA6x\xE2\x81\xA9", 0, 64, "\\xE2\\x81\\xA6x\\xE2\\x81\\xA9"},
    {"a long text that does not fit", 1, 12, "a long t..."},
};

START_TEST(quotes_for_one_line)
{
    char buf[64];
    cs_utf8_quote(buf, quotes[_i].cap, quotes[_i].in, strlen(quotes[_i].in), quotes[_i].in_quotes);
    ck_assert_str_eq(buf, quotes[_i].out);
}
END_TEST

static const struct {
    const char *in;
    const char *out;
} escapes[] = {
    {"photo.jpg", "photo.jpg"},
    {"任水罚〔2023〕12号/警号0451.jpg", "任水罚〔2023〕12号/警号0451.jpg"},
    {"\xff\xfe.jpg", "\\xff\\xfe.jpg"},
    {"a\\b", "a\\\\b"},
    {"\\xff.jpg", "\\\\xff.jpg"},        /* the literal name stays apart from the byte 0xFF */
    {"\xe4\xbb.jpg", "\\xe4\\xbb.jpg"},  /* a character cut short */
    {"\xc0\xaf", "\\xc0\\xaf"},          /* an overlong '/' */
    {"\xed\xa0\x80", "\\xed\\xa0\\x80"}, /* a surrogate */
    {"tab\there\n", "tab\there\n"},      /* valid text: JSON escapes it itself */
    {"", ""},
};

START_TEST(escapes_without_losing_a_byte)
{
    size_t len = 0;
    char *out = cs_utf8_escape(escapes[_i].in, strlen(escapes[_i].in), &len);
    ck_assert_ptr_nonnull(out);
    ck_assert_str_eq(out, escapes[_i].out);
    ck_assert_uint_eq(len, strlen(escapes[_i].out));
    free(out);
    /* As JSON it is always accepted, and holds the same text. */
    json_t *j = cs_json_string_lossless(escapes[_i].in);
    ck_assert_ptr_nonnull(j);
    ck_assert_str_eq(json_string_value(j), escapes[_i].out);
    json_decref(j);
}
END_TEST

START_TEST(null_is_json_null)
{
    json_t *j = cs_json_string_lossless(NULL);
    ck_assert(json_is_null(j));
    json_decref(j);
}
END_TEST

static Suite *
utf8_suite(void)
{
    Suite *s = suite_create("utf8");
    TCase *tc = tcase_create("utf8");
    tcase_add_loop_test(tc, decodes_strictly, 0, (int)(sizeof decode / sizeof decode[0]));
    tcase_add_loop_test(tc, quotes_for_one_line, 0, (int)(sizeof quotes / sizeof quotes[0]));
    tcase_add_loop_test(tc, escapes_without_losing_a_byte, 0,
                        (int)(sizeof escapes / sizeof escapes[0]));
    tcase_add_test(tc, null_is_json_null);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(utf8_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
