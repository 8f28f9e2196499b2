/* tests/e2e/test_config_path.c: a config file kept apart from the home (the package keeps it in
 * /etc/custody): --config FILE, else $CUSTODY_CONFIG, else <home>/custody.conf. */
#include "tests/e2e/e2e.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

START_TEST(config_comes_from_the_option_then_the_environment_then_the_home)
{
    e2e_t t;
    cs_run_t r;
    char etc[PATH_MAX], other[PATH_MAX];
    e2e_setup(&t);
    e2e_file(&t, etc, "etc/custody.conf", "[ingest]\nsettle_ms = 1234\n");
    e2e_file(&t, other, "other.conf", "[ingest]\nsettle_ms = 4321\n");

    cs_test_custody(&r, "config", "--home", t.home, NULL);
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "ingest.settle_ms = 2000\n"));
    cs_test_run_free(&r);

    setenv("CUSTODY_CONFIG", etc, 1);
    cs_test_custody(&r, "config", "--home", t.home, NULL);
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "ingest.settle_ms = 1234\n"));
    cs_test_run_free(&r);

    cs_test_custody(&r, "config", "--home", t.home, "--config", other, NULL);
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "ingest.settle_ms = 4321\n"));
    cs_test_run_free(&r);
    unsetenv("CUSTODY_CONFIG");
    e2e_teardown(&t);
}
END_TEST

START_TEST(init_with_a_config_elsewhere_leaves_it_and_writes_none_in_the_home)
{
    e2e_t t;
    cs_run_t r;
    char etc[PATH_MAX], home[PATH_MAX], conf[PATH_MAX];
    struct stat st;
    e2e_setup(&t);
    e2e_file(&t, etc, "etc/custody.conf", "[store]\nbuffer_kb = 128\n");
    snprintf(home, sizeof home, "%s/packaged", t.dir);
    setenv("CUSTODY_CONFIG", etc, 1);
    cs_test_custody(&r, "init", "--home", home, "--json", NULL);
    unsetenv("CUSTODY_CONFIG");
    ck_assert_msg(r.status == 0, "%s", r.err);
    cs_test_run_free(&r);
    snprintf(conf, sizeof conf, "%s/custody.conf", home);
    ck_assert_int_ne(lstat(conf, &st), 0);
    char *kept = cs_test_read(etc, NULL);
    ck_assert_str_eq(kept, "[store]\nbuffer_kb = 128\n");
    free(kept);
    e2e_teardown(&t);
}
END_TEST

START_TEST(a_bad_config_file_is_named)
{
    e2e_t t;
    cs_run_t r;
    char bad[PATH_MAX];
    e2e_setup(&t);
    e2e_file(&t, bad, "bad.conf", "[ingest]\nsettle_ms = soon\n");
    cs_test_custody(&r, "status", "--home", t.home, "--config", bad, NULL);
    ck_assert_int_eq(r.status, 2);
    ck_assert_msg(strstr(r.err, "bad.conf line 2") != NULL, "%s", r.err);
    cs_test_run_free(&r);
    e2e_teardown(&t);
}
END_TEST

static Suite *
config_path_suite(void)
{
    Suite *s = suite_create("config_path");
    TCase *tc = tcase_create("config_path");
    tcase_add_test(tc, config_comes_from_the_option_then_the_environment_then_the_home);
    tcase_add_test(tc, init_with_a_config_elsewhere_leaves_it_and_writes_none_in_the_home);
    tcase_add_test(tc, a_bad_config_file_is_named);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(config_path_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
