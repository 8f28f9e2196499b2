/* tests/e2e/test_probe_declared.c: `custody probe` of a recording cut short says what its
 * header declares and that the file holds less: ExifTool's Pentax.avi (RIFF Duration 24.9996,
 * 1280x720; the file is its first 1672 bytes). */
#include "tests/e2e/e2e.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

START_TEST(probe_says_what_the_header_declares)
{
    char *dir = cs_test_tmpdir();
    char home[4096];
    cs_run_t r;
    snprintf(home, sizeof home, "%s/home", dir);
    cs_test_custody(&r, "probe", "--home", home, CUSTODY_TEST_DATA "/exiftool/Pentax.avi", NULL);
    ck_assert_msg(r.status == 0, "%s", r.err);
    ck_assert_msg(strstr(r.out, "  declared   the AVI header declares 25.000 s, 1280x720; the "
                                "file holds less: it was cut off\n") != NULL,
                  "%s", r.out);
    cs_test_run_free(&r);
    cs_test_rmrf(dir);
    free(dir);
}
END_TEST

static Suite *
declared_suite(void)
{
    Suite *s = suite_create("e2e_probe_declared");
    TCase *tc = tcase_create("probe");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, probe_says_what_the_header_declares);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(declared_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
