/* tests/fault/test_leakcheck.c: in an ASan build (.ci/run's second pass), a leak in any
 * custody process the tests start must fail a test. A CLI command that leaks exits non-zero
 * (LeakSanitizer at exit, abort_on_error=1: 134), so its status check fails; a service stopped
 * with SIGTERM likewise. But a leaking custody-worker changes nobody's exit status: its report
 * goes to the stderr of the custody that started it (the service's log), which is why
 * cs_test_run and cs_test_stop also look for reports (tests/support/testutil.c). The leak is
 * faultshim.c's CUSTODY_FAULT_LEAK. Elsewhere (no ASan) there is nothing to detect: skipped. */
#include "tests/fault/fault.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#ifdef CUSTODY_ASAN_RUNTIME
static const char *leak_env[] = {"LD_PRELOAD=" CUSTODY_ASAN_RUNTIME ":" CUSTODY_FAULTSHIM,
                                 "CUSTODY_FAULT_LEAK=77", NULL, NULL};

/* Runs custody with the leaking shim, outside cs_test_run (which would fail this test). */
static int
run_leaking(e2e_t *t, const char *exe, char **err)
{
    char exe_var[64], errfile[PATH_MAX];
    snprintf(exe_var, sizeof exe_var, "CUSTODY_FAULT_LEAK_EXE=%s", exe);
    leak_env[2] = exe_var;
    snprintf(errfile, sizeof errfile, "%s/leak.err", t->dir);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        for (int i = 0; leak_env[i] != NULL; i++)
            putenv((char *)leak_env[i]);
        freopen(errfile, "w", stderr);
        freopen("/dev/null", "w", stdout);
        execl(CUSTODY_BIN, CUSTODY_BIN, "status", "--home", t->home, (char *)NULL);
        _exit(127);
    }
    int st = 0;
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    *err = cs_test_read(errfile, NULL);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
#endif

START_TEST(a_leaking_command_fails_its_exit_status)
{
#ifdef CUSTODY_ASAN_RUNTIME
    e2e_t t;
    char *err = NULL;
    e2e_setup(&t);
    int status = run_leaking(&t, "custody", &err);
    ck_assert_msg(status != 0, "a leaking command exited 0: %s", err);
    ck_assert_ptr_nonnull(cs_test_leak_report(err));
    free(err);
    e2e_teardown(&t);
#else
    fprintf(stderr, "not an ASan build: nothing to detect\n");
#endif
}
END_TEST

START_TEST(a_leaking_worker_is_seen_only_in_the_log)
{
#ifdef CUSTODY_ASAN_RUNTIME
    e2e_t t;
    char log[PATH_MAX], exe_var[64] = "CUSTODY_FAULT_LEAK_EXE=custody-worker";
    char *env[] = {(char *)leak_env[0], (char *)leak_env[1], exe_var, NULL};
    e2e_setup(&t);
    snprintf(log, sizeof log, "%s/serve.log", t.dir);
    /* Not cs_test_custody_bg: its cs_test_stop would (rightly) fail this test. */
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        for (int i = 0; env[i] != NULL; i++)
            putenv(env[i]);
        freopen(log, "w", stderr);
        freopen("/dev/null", "w", stdout);
        execl(CUSTODY_BIN, CUSTODY_BIN, "serve", "--home", t.home, "--set",
              "api.listen=127.0.0.1:0", "--set", "worker.count=2", (char *)NULL);
        _exit(127);
    }
    char *text = NULL;
    for (int i = 0; i < 400; i++) {
        free(text);
        text = cs_test_read(log, NULL);
        if (text != NULL && strstr(text, "\"service.started\"") != NULL)
            break;
        usleep(25 * 1000);
    }
    usleep(500 * 1000); /* the workers are up */
    int st = 0;
    kill(pid, SIGTERM);
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    free(text);
    text = cs_test_read(log, NULL);
    /* The service itself is clean and exits 0: only its log tells. */
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d: %s", st, text);
    ck_assert_msg(cs_test_leak_report(text) != NULL, "no report in the log: %s", text);
    free(text);
    e2e_teardown(&t);
#else
    fprintf(stderr, "not an ASan build: nothing to detect\n");
#endif
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("fault_leakcheck");
    TCase *tc = tcase_create("leakcheck");
    tcase_add_test(tc, a_leaking_command_fails_its_exit_status);
    tcase_add_test(tc, a_leaking_worker_is_seen_only_in_the_log);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
