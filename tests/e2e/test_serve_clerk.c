/* tests/e2e/test_serve_clerk.c: who brought a dropped file in is a Custody identity, never a
 * name (issue 16 case 6). The upload folders' files are credited to the user `ingest.clerk`
 * names; a clerk then reads what they brought in. An officer folder, or a user who happens to
 * share its name, gains nothing. A setting naming no user stops the service at start. */
#include "tests/e2e/e2e.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define DONE_JOBS "SELECT count(*) FROM jobs WHERE state = 'done'"
#define NOTE "the record of a site inspection, dropped by the clerk"

static void
add_clerk(e2e_t *t, const char *name)
{
    cs_run_t r;
    cs_test_custody(&r, "user", "add", name, "--home", t->home, "--role", "clerk", NULL);
    ck_assert_msg(r.status == 0, "user add %s: %s", name, r.err);
    cs_test_run_free(&r);
}

/* `custody get --as who` of the note: its exit status. */
static int
get_as(e2e_t *t, const char *who, const char *sha)
{
    cs_run_t r;
    cs_test_custody(&r, "get", "--home", t->home, "--as", who, "--purpose", "check the upload", sha,
                    NULL);
    int status = r.status;
    cs_test_run_free(&r);
    return status;
}

START_TEST(an_unknown_ingest_clerk_stops_the_service_at_start)
{
    e2e_t t;
    cs_run_t r;
    e2e_setup(&t);
    cs_test_custody(&r, "serve", "--home", t.home, "--set", "api.listen=127.0.0.1:0", "--set",
                    "ingest.clerk=nobody-here", NULL);
    ck_assert_int_ne(r.status, 0);
    ck_assert_msg(strstr(r.err, "ingest.clerk") != NULL, "%s", r.err);
    cs_test_run_free(&r);
    e2e_teardown(&t);
}
END_TEST

START_TEST(dropped_files_are_the_configured_clerks_by_identity)
{
    e2e_t t;
    char log[PATH_MAX], dir[PATH_MAX], path[PATH_MAX], sha[65], q[256];
    e2e_setup(&t);
    add_clerk(&t, "dave");
    add_clerk(&t, "erin");
    add_clerk(&t, "zhang"); /* shares the officer folder's name: that gives nothing */
    snprintf(log, sizeof log, "%s/serve.log", t.dir);
    snprintf(dir, sizeof dir, "%s/uploads/%s", t.home, CASE_A);
    ck_assert_int_eq(mkdir(dir, 0755), 0);
    snprintf(dir, sizeof dir, "%s/uploads/%s/zhang", t.home, CASE_A);
    ck_assert_int_eq(mkdir(dir, 0755), 0);
    snprintf(path, sizeof path, "%s/note.txt", dir);
    cs_test_write(path, NOTE, strlen(NOTE));
    e2e_sha256(NOTE, sha);

    pid_t pid = cs_test_custody_bg(log, "serve", "--home", t.home, "--set",
                                   "api.listen=127.0.0.1:0", "--set", "ingest.settle_ms=200",
                                   "--set", "worker.count=1", "--set", "ingest.clerk=dave", NULL);
    ck_assert_int_eq(cs_test_wait_count(t.db, DONE_JOBS, 1, 60000), 1);
    ck_assert_int_eq(cs_test_stop(pid, SIGTERM), 0);

    /* Recorded by identity: dave's id, and the officer folder only as a name. */
    snprintf(q, sizeof q,
             "SELECT count(*) FROM item_sources s JOIN items i ON i.id = s.item_id JOIN users u"
             " ON u.id = s.received_user_id WHERE i.sha256 = '%s' AND u.name = 'dave'",
             sha);
    ck_assert_int_eq(cs_test_sql_count(t.db, q), 1);
    ck_assert_int_eq(get_as(&t, "dave", sha), 0);
    ck_assert_int_eq(get_as(&t, "erin", sha), 1);
    ck_assert_int_eq(get_as(&t, "zhang", sha), 1);
    e2e_teardown(&t);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("e2e_serve_clerk");
    TCase *tc = tcase_create("clerk");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, an_unknown_ingest_clerk_stops_the_service_at_start);
    tcase_add_test(tc, dropped_files_are_the_configured_clerks_by_identity);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
