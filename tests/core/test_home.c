/* tests/core/test_home.c: the paths of a home, and where its config is read from. */
#include "core/error.h"
#include "core/home.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *dir, *env_home, *env_conf; /* NULL: unset */
    const char *root, *conf;
} homes[] = {
    {"/srv/h", NULL, NULL, "/srv/h", "/srv/h/custody.conf"},
    {"/srv/h///", NULL, NULL, "/srv/h", "/srv/h/custody.conf"},
    {NULL, "/var/lib/custody", NULL, "/var/lib/custody", "/var/lib/custody/custody.conf"},
    {NULL, NULL, NULL, "./var", "./var/custody.conf"},
    {NULL, "/var/lib/custody", "/etc/custody/custody.conf", "/var/lib/custody",
     "/etc/custody/custody.conf"},
    {"/srv/h", NULL, "/etc/custody/custody.conf", "/srv/h", "/etc/custody/custody.conf"},
    {"/srv/h", NULL, "", "/srv/h", "/srv/h/custody.conf"},
};

START_TEST(the_config_is_the_homes_unless_custody_config_says)
{
    cs_home_t h;
    unsetenv("CUSTODY_HOME");
    unsetenv("CUSTODY_CONFIG");
    if (homes[_i].env_home != NULL)
        setenv("CUSTODY_HOME", homes[_i].env_home, 1);
    if (homes[_i].env_conf != NULL)
        setenv("CUSTODY_CONFIG", homes[_i].env_conf, 1);
    ck_assert_int_eq(cs_home_resolve(&h, homes[_i].dir), 0);
    ck_assert_str_eq(h.root, homes[_i].root);
    ck_assert_str_eq(h.conf, homes[_i].conf);
    /* The rest of the home stays in the home. */
    ck_assert_ptr_eq(strstr(h.catalog, homes[_i].root), h.catalog);
    ck_assert_ptr_eq(strstr(h.key, homes[_i].root), h.key);
    unsetenv("CUSTODY_HOME");
    unsetenv("CUSTODY_CONFIG");
}
END_TEST

START_TEST(a_config_path_too_long_is_refused)
{
    cs_home_t h;
    char *big = malloc(PATH_MAX + 16);
    memset(big, 'c', PATH_MAX + 15);
    big[0] = '/';
    big[PATH_MAX + 15] = '\0';
    setenv("CUSTODY_CONFIG", big, 1);
    cs_diag_clear();
    ck_assert_int_eq(cs_home_resolve(&h, "/srv/h"), CS_ENAMETOOLONG);
    ck_assert_ptr_nonnull(strstr(cs_diag(), "config path"));
    unsetenv("CUSTODY_CONFIG");
    ck_assert_int_eq(cs_home_resolve(&h, "/srv/h"), 0);
    ck_assert_int_eq(cs_home_set_conf(&h, big), CS_ENAMETOOLONG);
    free(big);
}
END_TEST

static Suite *
home_suite(void)
{
    Suite *s = suite_create("home");
    TCase *tc = tcase_create("home");
    tcase_add_loop_test(tc, the_config_is_the_homes_unless_custody_config_says, 0,
                        sizeof homes / sizeof homes[0]);
    tcase_add_test(tc, a_config_path_too_long_is_refused);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(home_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
