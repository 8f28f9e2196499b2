/* tests/core/test_jsontext.c: core/jsondump.c writes what json_dumps writes, byte for byte;
 * core/jsoncheck.c takes every such text and refuses what is not one JSON object. */
#include "core/jsoncheck.h"
#include "core/jsondump.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The text of json_dumps(v, JSON_COMPACT) and of cs_json_dump_compact must be the same. */
static void
same_as_jansson(json_t *v)
{
    size_t len = 0;
    char *want = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY),
         *got = cs_json_dump_compact(v, &len);
    ck_assert_ptr_nonnull(want);
    ck_assert_ptr_nonnull(got);
    ck_assert_str_eq(got, want);
    ck_assert_uint_eq(len, strlen(want));
    if (json_is_object(v))
        ck_assert_int_eq(cs_json_check_object(got, len), 0);
    free(want);
    free(got);
    /* Sorted keys, as a ledger entry is written. */
    want = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    got = cs_json_dump_sorted(v, &len);
    ck_assert_ptr_nonnull(got);
    ck_assert_str_eq(got, want);
    ck_assert_uint_eq(len, strlen(want));
    free(want);
    free(got);
}

START_TEST(dump_matches_jansson)
{
    static const double reals[] = {0.0,
                                   -0.0,
                                   1.0,
                                   -1.5,
                                   0.1,
                                   1e20,
                                   1e21,
                                   1e-5,
                                   1e-7,
                                   123.456,
                                   1.5e300,
                                   -2.5e-300,
                                   1e100,
                                   4.9e-324,
                                   1.7976931348623157e308,
                                   52.3700194444444,
                                   -4.89513611111111,
                                   0.333333333333333,
                                   100.0,
                                   1234567890123.0};
    json_t *a = json_array();
    for (size_t i = 0; i < sizeof reals / sizeof reals[0]; i++) {
        json_t *r = json_real(reals[i]);
        same_as_jansson(r);
        json_array_append_new(a, r);
    }
    /* Random reals over every exponent (a fixed seed: the same numbers each run). */
    srand(24);
    for (int i = 0; i < 20000; i++) {
        double d = ldexp((double)rand() / RAND_MAX, (rand() % 2100) - 1050) * (rand() % 2 ? 1 : -1);
        json_t *r = json_real(d);
        if (r == NULL)
            continue;
        same_as_jansson(r);
        json_decref(r);
    }
    json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:I, s:b, s:b, s:n, s:[], s:{}, s:o, s:[{s:[[]]}]}",
                          "ascii", "Canon EOS 40D", "controls", "a\x01\x1f\x7f/\"\\\b\f\n\r\tz",
                          "utf8", "\xe4\xbb\xbb \xf0\x9f\x98\x80 \xc3\xa9", "big",
                          (json_int_t)9223372036854775807LL, "neg", (json_int_t)-42, "t", 1, "f", 0,
                          "null", "empty", "obj", "reals", a, "deep", "k");
    json_object_set_new(o, "key \"quoted\"\n", json_string("v"));
    json_object_set_new(o, "ascii", json_string("replaced in place, order kept"));
    /* Keys that sort by bytes past ASCII, by length (a prefix first) and in many members. */
    json_object_set_new(o, "asci", json_integer(1));
    json_object_set_new(o, "\xc3\xa9t\xc3\xa9", json_integer(2));
    json_object_set_new(o, "Zed", json_integer(3));
    json_t *many = json_object();
    for (int i = 0; i < 100; i++) {
        char k[16];
        snprintf(k, sizeof k, "k%d", (i * 37) % 100);
        json_object_set_new(many, k, json_integer(i));
    }
    json_object_set_new(o, "many", many);
    same_as_jansson(o);
    same_as_jansson(json_object_get(o, "utf8"));
    json_decref(o);
}
END_TEST

START_TEST(dump_refuses_what_jansson_refuses)
{
    json_t *bad = json_stringn_nocheck("\xff", 1), *deep = json_array(), *v = deep;
    ck_assert_ptr_null(json_dumps(bad, JSON_ENCODE_ANY));
    ck_assert_ptr_null(cs_json_dump_compact(bad, NULL));
    ck_assert_ptr_null(cs_json_dump_sorted(bad, NULL));
    for (int i = 0; i < CS_JSONDUMP_DEPTH + 2; i++) {
        json_t *in = json_array();
        json_array_append_new(v, in);
        v = in;
    }
    ck_assert_ptr_null(cs_json_dump_compact(deep, NULL));
    json_decref(bad);
    json_decref(deep);
}
END_TEST

static const struct {
    const char *text;
    int ok; /* 0: one JSON object; -1: refused */
} checks[] = {
    {"{}", 0},
    {"{\"a\":[1,-2.5e-3,0,true,false,null,\"\\u00e9\\ud83d\\ude00\\n\"],\"b\":{}}", 0},
    {"{\"\xe4\xbb\xbb\":\"\xf0\x9f\x98\x80\"}", 0},
    {"{\"a\":1.0E+2}", 0},
    {"", -1},
    {"[]", -1},  /* an array, not an object */
    {"{} ", -1}, /* something after it */
    {"{\"a\":1}{}", -1},
    {"{ \"a\":1}", -1}, /* white space (the worker writes none) */
    {"{\"a\":1,}", -1},
    {"{\"a\"}", -1},
    {"{a:1}", -1},
    {"{\"a\":01}", -1},
    {"{\"a\":1.}", -1},
    {"{\"a\":.5}", -1},
    {"{\"a\":1e}", -1},
    {"{\"a\":-}", -1},
    {"{\"a\":tru}", -1},
    {"{\"a\":\"\x01\"}", -1}, /* a raw control character */
    {"{\"a\":\"\\x\"}", -1},
    {"{\"a\":\"\\u0000\"}", -1}, /* jansson refuses NUL */
    {"{\"a\":\"\\ud800\"}", -1}, /* unpaired surrogates */
    {"{\"a\":\"\\udc00\"}", -1},
    {"{\"a\":\"\\ud800\\u0041\"}", -1},
    {"{\"a\":\"\xff\"}", -1},
    {"{\"a\":\"\xc0\xaf\"}", -1},
    {"{\"a\":\"abc}", -1},
    {"{\"a\":[1,2}", -1},
};

START_TEST(check_takes_objects_only)
{
    ck_assert_msg(cs_json_check_object(checks[_i].text, strlen(checks[_i].text)) == checks[_i].ok,
                  "%s", checks[_i].text);
    /* Whatever it takes, jansson takes too. */
    if (checks[_i].ok == 0) {
        json_t *v = json_loads(checks[_i].text, 0, NULL);
        ck_assert_ptr_nonnull(v);
        json_decref(v);
    }
}
END_TEST

/* {"":[[...]]} with `arrays` arrays inside the object; its length. */
static size_t
nested(char *text, int arrays)
{
    size_t n = 0;
    memcpy(text, "{\"\":", 4);
    n = 4;
    for (int i = 0; i < arrays; i++)
        text[n++] = '[';
    for (int i = 0; i < arrays; i++)
        text[n++] = ']';
    text[n++] = '}';
    return n;
}

START_TEST(check_refuses_deep_nesting)
{
    char text[2 * CS_JSONCHECK_DEPTH + 16];
    size_t n = nested(text, CS_JSONCHECK_DEPTH);
    ck_assert_int_eq(cs_json_check_object(text, n), -1);
    n = nested(text, CS_JSONCHECK_DEPTH - 1); /* one level less is taken */
    ck_assert_int_eq(cs_json_check_object(text, n), 0);
}
END_TEST

static Suite *
jsontext_suite(void)
{
    Suite *s = suite_create("jsontext");
    TCase *tc = tcase_create("jsontext");
    tcase_add_test(tc, dump_matches_jansson);
    tcase_add_test(tc, dump_refuses_what_jansson_refuses);
    tcase_add_loop_test(tc, check_takes_objects_only, 0, (int)(sizeof checks / sizeof checks[0]));
    tcase_add_test(tc, check_refuses_deep_nesting);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(jsontext_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
