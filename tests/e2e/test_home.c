/* tests/e2e/test_home.c: `custody init` and configuration, through the real binary. */
#include "tests/e2e/e2e.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

START_TEST(init_creates_every_part_of_the_home)
{
    e2e_t t;
    struct stat st;
    char p[PATH_MAX];
    e2e_setup(&t);
    const char *parts[] = {"custody.conf", "catalog.db", "store",     "store/objects/sha256",
                           "uploads",      "ledger.key", "ledger.pub"};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", t.home, parts[i]);
        ck_assert_msg(stat(p, &st) == 0, "missing %s", p);
    }
    snprintf(p, sizeof p, "%s/ledger.key", t.home);
    ck_assert_int_eq(stat(p, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0600);
    char *key = cs_test_read(p, NULL);
    ck_assert_ptr_nonnull(strstr(key, "BEGIN PRIVATE KEY"));
    free(key);
    ck_assert_int_eq(cs_test_sql_count(t.db, "SELECT count(*) FROM items"), 0);
    ck_assert_int_ge(cs_test_sql_count(t.db, "PRAGMA user_version"), 1);
    /* The conf lists every key with its default and range, commented out. */
    snprintf(p, sizeof p, "%s/custody.conf", t.home);
    char *conf = cs_test_read(p, NULL);
    ck_assert_ptr_nonnull(strstr(conf, "[case]"));
    ck_assert_ptr_nonnull(strstr(conf, "#busy_timeout_ms = 10000"));
    ck_assert_ptr_nonnull(strstr(conf, "0..600000"));
    free(conf);
    e2e_teardown(&t);
}
END_TEST

/* `custody init --default-tz` writes a zone name or an offset into the new conf, explained;
 * a zone the system does not have is refused in words, before anything is made. */
START_TEST(init_offers_the_default_zone)
{
    char *dir = cs_test_tmpdir();
    char home[PATH_MAX], conf[PATH_MAX];
    cs_run_t r;
    snprintf(home, sizeof home, "%s/home", dir);
    cs_test_custody(&r, "init", "--home", home, "--default-tz", "Nowhere/City", NULL);
    ck_assert_int_eq(r.status, 2);
    ck_assert_msg(strstr(r.err, "ingest.default_tz = \"Nowhere/City\" is not a zone this system "
                                "has") != NULL,
                  "%s", r.err);
    ck_assert_int_ne(access(home, F_OK), 0);
    cs_test_run_free(&r);
    cs_test_custody(&r, "init", "--home", home, "--default-tz", "../etc/passwd", NULL);
    ck_assert_int_eq(r.status, 2);
    ck_assert_msg(strstr(r.err, "is not a zone name") != NULL, "%s", r.err);
    ck_assert_int_ne(access(home, F_OK), 0);
    cs_test_run_free(&r);
    cs_test_custody(&r, "init", "--home", home, "--default-tz", "Asia/Shanghai", NULL);
    ck_assert_msg(r.status == 0, "%s", r.err);
    cs_test_run_free(&r);
    snprintf(conf, sizeof conf, "%s/custody.conf", home);
    char *text = cs_test_read(conf, NULL);
    ck_assert_ptr_nonnull(strstr(text, "\ndefault_tz = Asia/Shanghai\n"));
    ck_assert_ptr_nonnull(strstr(text, "a zone name like Asia/Shanghai"));
    ck_assert_ptr_null(strstr(text, "#default_tz"));
    free(text);
    cs_test_custody(&r, "config", "--home", home, NULL);
    ck_assert_msg(r.status == 0, "%s", r.err);
    ck_assert_ptr_nonnull(strstr(r.out, "ingest.default_tz = Asia/Shanghai"));
    cs_test_run_free(&r);
    /* An offset still works. */
    snprintf(home, sizeof home, "%s/offset", dir);
    cs_test_custody(&r, "init", "--home", home, "--default-tz", "+08:00", NULL);
    ck_assert_msg(r.status == 0, "%s", r.err);
    cs_test_run_free(&r);
    snprintf(conf, sizeof conf, "%s/custody.conf", home);
    text = cs_test_read(conf, NULL);
    ck_assert_ptr_nonnull(strstr(text, "\ndefault_tz = +08:00\n"));
    free(text);
    /* Without the option the key stays commented out, with its explanation of both forms. */
    snprintf(home, sizeof home, "%s/plain", dir);
    cs_test_custody(&r, "init", "--home", home, NULL);
    cs_test_run_free(&r);
    snprintf(conf, sizeof conf, "%s/custody.conf", home);
    text = cs_test_read(conf, NULL);
    ck_assert_ptr_nonnull(strstr(text, "\n#default_tz = \n"));
    ck_assert_ptr_nonnull(strstr(text, "or a fixed UTC offset like\n# +08:00"));
    free(text);
    cs_test_rmrf(dir);
    free(dir);
}
END_TEST

START_TEST(init_twice_changes_nothing_and_says_so)
{
    e2e_t t;
    cs_run_t r;
    struct stat before, after;
    char key[PATH_MAX];
    e2e_setup(&t);
    snprintf(key, sizeof key, "%s/ledger.key", t.home);
    char *k1 = cs_test_read(key, NULL);
    ck_assert_int_eq(stat(t.db, &before), 0);
    cs_test_custody(&r, "init", "--home", t.home, NULL);
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "already initialised; nothing changed"));
    cs_test_run_free(&r);
    char *k2 = cs_test_read(key, NULL);
    ck_assert_str_eq(k1, k2);
    ck_assert_int_eq(stat(t.db, &after), 0);
    ck_assert_int_eq(before.st_mtime, after.st_mtime);
    free(k1);
    free(k2);
    e2e_teardown(&t);
}
END_TEST

START_TEST(home_comes_from_env_then_dot_var)
{
    char *dir = cs_test_tmpdir();
    char env_home[PATH_MAX], var[PATH_MAX];
    cs_run_t r;
    struct stat st;
    snprintf(env_home, sizeof env_home, "%s/envhome", dir);
    setenv("CUSTODY_HOME", env_home, 1);
    cs_test_custody(&r, "init", NULL);
    ck_assert_int_eq(r.status, 0);
    cs_test_run_free(&r);
    ck_assert_int_eq(stat(env_home, &st), 0);
    unsetenv("CUSTODY_HOME");
    ck_assert_int_eq(chdir(dir), 0);
    cs_test_custody(&r, "init", NULL);
    ck_assert_int_eq(r.status, 0);
    cs_test_run_free(&r);
    snprintf(var, sizeof var, "%s/var/catalog.db", dir);
    ck_assert_int_eq(stat(var, &st), 0);
    cs_test_rmrf(dir);
    free(dir);
}
END_TEST

START_TEST(init_on_a_file_is_refused)
{
    char *dir = cs_test_tmpdir();
    char file[PATH_MAX];
    cs_run_t r;
    snprintf(file, sizeof file, "%s/plain", dir);
    cs_test_write(file, "x", 1);
    cs_test_custody(&r, "init", "--home", file, NULL);
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(r.err, file));
    ck_assert_ptr_nonnull(strstr(r.err, "not a folder"));
    cs_test_run_free(&r);
    cs_test_rmrf(dir);
    free(dir);
}
END_TEST

/* Each bad setting names the key and the allowed range; exit 2. */
static const struct {
    const char *set;
    const char *expect[2];
} bad_sets[] = {
    {"catalog.no_such_key=1", {"catalog.no_such_key", "unknown key"}},
    {"catalog.busy_timeout_ms=700000", {"catalog.busy_timeout_ms", "0..600000"}},
    {"catalog.busy_timeout_ms=ten", {"catalog.busy_timeout_ms", "0..600000"}},
    {"store.buffer_kb=1", {"store.buffer_kb", "64..16384"}},
    {"case.pattern=", {"case.pattern", "1..511"}},
    {"nodot", {"section.key=value", "nodot"}},
};

START_TEST(bad_settings_name_key_and_range)
{
    e2e_t t;
    cs_run_t r;
    e2e_setup(&t);
    cs_test_custody(&r, "cases", "--purpose", "e2e check", "--home", t.home, "--set",
                    bad_sets[_i].set, NULL);
    ck_assert_int_eq(r.status, 2);
    for (int k = 0; k < 2; k++)
        ck_assert_msg(strstr(r.err, bad_sets[_i].expect[k]) != NULL, "%s: stderr lacks %s: %s",
                      bad_sets[_i].set, bad_sets[_i].expect[k], r.err);
    cs_test_run_free(&r);
    e2e_teardown(&t);
}
END_TEST

START_TEST(config_file_errors_name_file_and_line)
{
    e2e_t t;
    cs_run_t r;
    char conf[PATH_MAX];
    e2e_setup(&t);
    snprintf(conf, sizeof conf, "%s/custody.conf", t.home);
    const char *text = "# ok\n[catalog]\nbusy_timeout_ms = 5\n\n[store]\nbuffer_kb = 99999\n";
    cs_test_write(conf, text, strlen(text));
    cs_test_custody(&r, "config", "--home", t.home, NULL);
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "custody.conf line 6"));
    ck_assert_ptr_nonnull(strstr(r.err, "store.buffer_kb"));
    ck_assert_ptr_nonnull(strstr(r.err, "64..16384"));
    cs_test_run_free(&r);
    /* A good file is applied, and --set overrides it. */
    text = "[catalog]\nbusy_timeout_ms = 5\n";
    cs_test_write(conf, text, strlen(text));
    cs_test_custody(&r, "config", "--home", t.home, "--json", "--set", "store.buffer_kb=128", NULL);
    ck_assert_int_eq(r.status, 0);
    json_t *v = e2e_json(&r);
    ck_assert_str_eq(json_string_value(json_object_get(v, "catalog.busy_timeout_ms")), "5");
    ck_assert_str_eq(json_string_value(json_object_get(v, "store.buffer_kb")), "128");
    json_decref(v);
    cs_test_run_free(&r);
    e2e_teardown(&t);
}
END_TEST

START_TEST(a_command_on_a_missing_home_says_to_init)
{
    char *dir = cs_test_tmpdir();
    cs_run_t r;
    cs_test_custody(&r, "cases", "--purpose", "e2e check", "--home", dir, NULL);
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "custody init --home"));
    cs_test_run_free(&r);
    cs_test_rmrf(dir);
    free(dir);
}
END_TEST

START_TEST(unknown_command_and_option_are_usage_errors)
{
    cs_run_t r;
    cs_test_custody(&r, "frobnicate", NULL);
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "unknown command"));
    cs_test_run_free(&r);
    cs_test_custody(&r, "cases", "--purpose", "e2e check", "--bogus", NULL);
    ck_assert_int_eq(r.status, 2);
    cs_test_run_free(&r);
}
END_TEST

static Suite *
home_suite(void)
{
    Suite *s = suite_create("e2e_home");
    TCase *tc = tcase_create("home");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, init_creates_every_part_of_the_home);
    tcase_add_test(tc, init_offers_the_default_zone);
    tcase_add_test(tc, init_twice_changes_nothing_and_says_so);
    tcase_add_test(tc, home_comes_from_env_then_dot_var);
    tcase_add_test(tc, init_on_a_file_is_refused);
    tcase_add_loop_test(tc, bad_settings_name_key_and_range, 0,
                        (int)(sizeof bad_sets / sizeof bad_sets[0]));
    tcase_add_test(tc, config_file_errors_name_file_and_line);
    tcase_add_test(tc, a_command_on_a_missing_home_says_to_init);
    tcase_add_test(tc, unknown_command_and_option_are_usage_errors);
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
    return failed ? 1 : 0;
}
