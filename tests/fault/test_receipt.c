/* tests/fault/test_receipt.c: `custody serve` killed (SIGKILL, by the fault shim, at the exact
 * call) after an upload was stored, recorded and removed from its folder but before its
 * receipt was written: the restarted service writes the missing receipt, once, with the
 * upload's true content (issue 16, case 10). */
#include "tests/fault/fault.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define BODY "\xff\xd8\xff evidence that must get its receipt"
#define DONE "SELECT count(*) FROM jobs WHERE state = 'done'"

static int
logged(const char *log, const char *what)
{
    char *text = cs_test_read(log, NULL);
    int found = text != NULL && strstr(text, what) != NULL;
    free(text);
    return found;
}

static pid_t
serve(e2e_t *t, const char *log, char *const env[])
{
    pid_t pid = cs_test_custody_bg_env(
        log, env, "serve", "--home", t->home, "--set", "api.listen=127.0.0.1:0", "--set",
        "ingest.settle_ms=200", "--set", "ingest.rescan_ms=300", "--set", "worker.count=1", NULL);
    for (int i = 0; i < 400 && !logged(log, "\"service.started\""); i++)
        usleep(25 * 1000);
    ck_assert(logged(log, "\"service.started\""));
    return pid;
}

START_TEST(a_receipt_lost_to_a_crash_is_written_at_restart)
{
    e2e_t t;
    fault_t f;
    char log[PATH_MAX], log2[PATH_MAX], log3[PATH_MAX], dir[PATH_MAX], upload[PATH_MAX],
        part[PATH_MAX], receipts[PATH_MAX], receipt[PATH_MAX], sha[65];
    char *no_env[] = {NULL};
    int st = 0;
    e2e_setup(&t);
    snprintf(log, sizeof log, "%s/serve.log", t.dir);
    snprintf(log2, sizeof log2, "%s/serve2.log", t.dir);
    snprintf(log3, sizeof log3, "%s/serve3.log", t.dir);
    snprintf(dir, sizeof dir, "%s/uploads/%s", t.home, CASE_A);
    snprintf(upload, sizeof upload, "%s/x.jpg", dir);
    snprintf(part, sizeof part, "%s.part", upload);
    snprintf(receipts, sizeof receipts, "%s/receipts/%s", t.home, CASE_A);
    snprintf(receipt, sizeof receipt, "%s/x.jpg.receipt.json", receipts);

    /* The first thing the receipt makes is its case folder: die there. */
    fault_set(&f, t.dir, "op=mkdir|openw,errno=KILL,path=%s/receipts/,exe=custody", t.home);
    pid_t pid = serve(&t, log, f.env);
    ck_assert_int_eq(mkdir(dir, 0755), 0);
    cs_test_write(part, BODY, strlen(BODY));
    ck_assert_int_eq(rename(part, upload), 0);
    pid_t got = 0;
    for (int i = 0; i < 800 && (got = waitpid(pid, &st, WNOHANG)) == 0; i++)
        usleep(25 * 1000);
    kill(-pid, SIGKILL); /* its workers */
    ck_assert_int_eq(got, pid);
    ck_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    ck_assert_int_eq(fault_fired(&f, "errno=KILL"), 1);

    /* The crash window: stored and recorded, the upload gone, no receipt. */
    ck_assert_int_eq(fault_count(&t, "SELECT count(*) FROM jobs WHERE state = 'stored'"), 1);
    ck_assert_int_eq(fault_count(&t, "SELECT count(*) FROM item_sources"), 1);
    ck_assert_int_eq(access(upload, F_OK), -1);
    ck_assert_int_eq(access(receipt, F_OK), -1);

    pid = serve(&t, log2, no_env);
    ck_assert_int_eq(cs_test_wait_count(t.db, DONE, 1, 30000), 1);
    ck_assert_int_eq(cs_test_stop(pid, SIGTERM), 0);

    json_t *r = json_load_file(receipt, 0, NULL);
    ck_assert_msg(r != NULL, "no receipt at %s after the restart", receipt);
    e2e_sha256(BODY, sha);
    ck_assert_str_eq(json_string_value(json_object_get(r, "sha256")), sha);
    ck_assert_int_eq(json_integer_value(json_object_get(r, "size")), (json_int_t)strlen(BODY));
    ck_assert_str_eq(json_string_value(json_object_get(r, "case")), CASE_A);
    ck_assert_str_eq(json_string_value(json_object_get(r, "source")), upload);
    ck_assert_int_eq(json_integer_value(json_object_get(r, "job")),
                     fault_count(&t, "SELECT id FROM jobs"));
    json_decref(r);
    ck_assert_int_eq(cs_test_count_files(receipts), 1); /* one receipt, no temporary left */

    /* A third start has nothing to recover and writes nothing more. */
    pid = serve(&t, log3, no_env);
    ck_assert_int_eq(cs_test_stop(pid, SIGTERM), 0);
    ck_assert_int_eq(cs_test_count_files(receipts), 1);
    ck_assert_int_eq(fault_check_home(&t), 1);
    e2e_teardown(&t);
}
END_TEST

static Suite *
receipt_suite(void)
{
    Suite *s = suite_create("fault_receipt");
    TCase *tc = tcase_create("receipt");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, a_receipt_lost_to_a_crash_is_written_at_restart);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(receipt_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
