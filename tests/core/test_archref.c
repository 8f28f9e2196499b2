/* tests/core/test_archref.c: archival references (档号) from archive.reference_pattern,
 * against core/archref.c: one table of patterns and parts, what each gives or which error;
 * then the config check (a pattern without {seq} repeats). */
#include "core/archref.h"
#include "core/error.h"

#include <check.h>
#include <string.h>

typedef struct row {
    const char *pattern;
    const char *fonds, *class_, *period;
    int year;
    long long seq;
    int rc;
    const char *want; /* the reference, or a word the detail names */
} row_t;

static const row_t rows[] = {
    {CS_ARCHREF_DEFAULT_PATTERN, "J001", "ZF", "permanent", 2026, 1, 0, "J001-ZF-2026-Y-0001"},
    {CS_ARCHREF_DEFAULT_PATTERN, "J001", "ZF", "long", 2025, 12, 0, "J001-ZF-2025-C-0012"},
    {CS_ARCHREF_DEFAULT_PATTERN, "J001", "ZF", "short", 2025, 12345, 0, "J001-ZF-2025-D-12345"},
    {"{fonds}·{year}·{period_zh}·{seq:3}", "J9", "", "long", 2024, 7, 0, "J9·2024·长期·007"},
    {"{{{fonds}}}-{seq}", "J1", "", "long", 2024, 7, 0, "{J1}-7"},
    {"{fonds}-{seq}", "J/1", "", "long", 2024, 7, CS_EINVAL, "'/'"},
    {"{fonds}-{seq}", "", "", "long", 2024, 7, 0, "-7"},
    {".{seq}", "", "", "long", 2024, 7, CS_EINVAL, "dot"},
    {"{fonds}-{seq", "J1", "", "long", 2024, 7, CS_EINVAL, "not closed"},
    {"{fonds}}-{seq}", "J1", "", "long", 2024, 7, CS_EINVAL, "without its {"},
    {"{fond}-{seq}", "J1", "", "long", 2024, 7, CS_EINVAL, "{fond}"},
    {"{seq:0}", "J1", "", "long", 2024, 7, CS_EINVAL, "{seq:0}"},
};

START_TEST(references_from_the_table)
{
    const row_t *r = &rows[_i];
    cs_archref_parts_t p = {.fonds = r->fonds,
                            .class_ = r->class_,
                            .year = r->year,
                            .period = r->period,
                            .seq = r->seq};
    char out[CS_ARCHREF_MAX];
    cs_diag_set("%s", "");
    int rc = cs_archref_format(r->pattern, &p, out, sizeof out);
    ck_assert_msg(rc == r->rc, "%s: rc %d, want %d (%s)", r->pattern, rc, r->rc, cs_diag());
    if (rc == 0)
        ck_assert_str_eq(out, r->want);
    else
        ck_assert_msg(strstr(cs_diag(), r->want) != NULL, "%s: detail \"%s\" lacks \"%s\"",
                      r->pattern, cs_diag(), r->want);
}
END_TEST

START_TEST(a_reference_that_does_not_fit_is_refused_not_cut)
{
    cs_archref_parts_t p = {
        .fonds = "J001", .class_ = "ZF", .year = 2026, .period = "long", .seq = 1};
    char out[8];
    ck_assert_int_eq(cs_archref_format(CS_ARCHREF_DEFAULT_PATTERN, &p, out, sizeof out),
                     CS_ENAMETOOLONG);
}
END_TEST

START_TEST(the_config_check_wants_a_sequence)
{
    ck_assert_int_eq(cs_archref_check(CS_ARCHREF_DEFAULT_PATTERN), 0);
    ck_assert_int_eq(cs_archref_check("{fonds}-{year}"), CS_EINVAL);
    ck_assert_msg(strstr(cs_diag(), "{seq}") != NULL, "%s", cs_diag());
    ck_assert_int_eq(cs_archref_check("{fonds}-{nope}-{seq}"), CS_EINVAL);
    ck_assert_int_eq(cs_archref_config_check("archive.reference_pattern", "{fonds}", "--set"),
                     CS_ECONFIG);
    ck_assert_msg(strncmp(cs_diag(), "--set: ", 7) == 0, "%s", cs_diag());
    ck_assert_str_eq(cs_archref_period_code("permanent"), "Y");
    ck_assert_ptr_null(cs_archref_period_code("forever"));
}
END_TEST

static Suite *
archref_suite(void)
{
    Suite *s = suite_create("archref");
    TCase *tc = tcase_create("archref");
    tcase_add_loop_test(tc, references_from_the_table, 0, (int)(sizeof rows / sizeof rows[0]));
    tcase_add_test(tc, a_reference_that_does_not_fit_is_refused_not_cut);
    tcase_add_test(tc, the_config_check_wants_a_sequence);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(archref_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
