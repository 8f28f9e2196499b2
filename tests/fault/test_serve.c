/* tests/fault/test_serve.c: `custody serve` ingesting dropped files while the disk fails
 * under it (the store cannot take the upload, the catalog cannot commit), for as long as a
 * flag file exists: the uploads stay where the clerk put them, the failure is in the log,
 * and once the flag is gone every file is stored exactly once and the upload folder empties,
 * with no restart. */
#include "tests/fault/fault.h"

/* The rules are formats in a table, given the home. */
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NFILES 4
#define DONE "SELECT count(*) FROM jobs WHERE state = 'done'"

static const struct point {
    const char *name, *rule; /* rule: "%s" is the home */
} points[] = {
    {"store link ENOSPC", "op=link|mkdir,errno=ENOSPC,path=%s/store/objects/"},
    {"store sync EIO", "op=fsync,errno=EIO,path=%s/uploads/"},
    {"catalog WAL write EIO", "op=write,errno=EIO,path=%s/catalog.db-wal"},
    {"catalog WAL sync EIO", "op=fsync|fdatasync,errno=EIO,path=%s/catalog.db-wal"},
};

static int
logged(const char *log, const char *what)
{
    char *text = cs_test_read(log, NULL);
    int found = text != NULL && strstr(text, what) != NULL;
    free(text);
    return found;
}

START_TEST(a_service_whose_disk_fails_keeps_the_uploads_and_resumes)
{
    const struct point *pt = &points[_i];
    e2e_t t;
    fault_t f;
    char log[PATH_MAX], flag[PATH_MAX], rule[PATH_MAX + 128], dir[PATH_MAX], p[PATH_MAX];
    e2e_setup(&t);
    snprintf(log, sizeof log, "%s/serve.log", t.dir);
    snprintf(flag, sizeof flag, "%s/fault.on", t.dir);
    snprintf(rule, sizeof rule, pt->rule, t.home);
    fault_set(&f, t.dir, "%s,count=0,exe=custody,while=%s", rule, flag);
    pid_t pid = cs_test_custody_bg_env(
        log, f.env, "serve", "--home", t.home, "--set", "api.listen=127.0.0.1:0", "--set",
        "ingest.settle_ms=200", "--set", "ingest.rescan_ms=300", "--set", "worker.count=1", NULL);
    for (int i = 0; i < 400 && !logged(log, "\"service.started\""); i++)
        usleep(25 * 1000);
    ck_assert(logged(log, "\"service.started\""));

    cs_test_write(flag, "", 0);
    snprintf(dir, sizeof dir, "%s/uploads/%s", t.home, CASE_A);
    ck_assert_int_eq(mkdir(dir, 0755), 0);
    for (int i = 0; i < NFILES; i++) {
        snprintf(p, sizeof p, "%s/f%d.bin", dir, i);
        cs_test_write_random(p, 50000 + (size_t)i * 1000, 100 + (unsigned)i);
    }
    for (int i = 0; i < 200 && fault_fired(&f, NULL) == 0; i++)
        usleep(50 * 1000);
    ck_assert_msg(fault_fired(&f, NULL) > 0, "%s: the fault did not fire", pt->name);
    usleep(2500 * 1000); /* retries meet the fault too (more than five claims each) */
    /* Nothing is lost while the disk fails: each file is where the clerk put it, or stored
     * (the store's own copy, when a link into it failed) - never rejected. */
    ck_assert_int_eq(fault_files_in(dir) + fault_count(&t, "SELECT count(*) FROM item_sources"),
                     NFILES);
    ck_assert_int_eq(fault_count(&t, "SELECT count(*) FROM jobs WHERE state = 'rejected'"), 0);
    ck_assert(kill(pid, 0) == 0);

    unlink(flag);
    ck_assert_int_eq(cs_test_wait_count(t.db, DONE, NFILES, 60000), NFILES);
    ck_assert_int_eq(cs_test_stop(pid, SIGTERM), 0);
    ck_assert_int_eq(fault_files_in(dir), 0);
    ck_assert_int_eq(fault_check_home(&t), NFILES);
    ck_assert_int_eq(fault_count(&t, "SELECT count(*) FROM item_sources"), NFILES);
    ck_assert_int_eq(fault_count(&t, "SELECT count(*) FROM jobs WHERE state <> 'done'"), 0);
    e2e_teardown(&t);
}
END_TEST

/* How often the service logged its start. */
static int
starts(const char *log)
{
    char *text = cs_test_read(log, NULL);
    int n = 0;
    for (const char *q = text; q && (q = strstr(q, "\"service.started\"")) != NULL; q++)
        n++;
    free(text);
    return n;
}

/* The copies of a photo cannot be stored (their sync fails) while the flag exists: the job
 * stays at extracted, durable, and the service goes on; such a job is taken up again at the
 * next start (service_jobs.c: "transcoded again at the next start"), so the fault cleared and
 * the service restarted, the photo gets both copies, with one arrival. */
START_TEST(copies_that_cannot_be_stored_are_made_at_the_next_start)
{
    e2e_t t;
    fault_t f;
    char log[PATH_MAX], flag[PATH_MAX], dir[PATH_MAX], p[PATH_MAX];
    size_t len = 0;
    e2e_setup(&t);
    snprintf(log, sizeof log, "%s/serve.log", t.dir);
    snprintf(flag, sizeof flag, "%s/fault.on", t.dir);
    fault_set(&f, t.dir, "op=fsync,errno=EIO,path=%s/tmp/derive/,count=0,exe=custody,while=%s",
              t.home, flag);
    cs_test_write(flag, "", 0);
    for (int life = 0; life < 2; life++) {
        int before = starts(log);
        pid_t pid = cs_test_custody_bg_env(log, f.env, "serve", "--home", t.home, "--set",
                                           "api.listen=127.0.0.1:0", "--set",
                                           "ingest.settle_ms=200", "--set", "worker.count=1", NULL);
        for (int i = 0; i < 400 && starts(log) == before; i++)
            usleep(25 * 1000);
        ck_assert_int_gt(starts(log), before);
        if (life == 0) {
            snprintf(dir, sizeof dir, "%s/uploads/%s", t.home, CASE_A);
            ck_assert_int_eq(mkdir(dir, 0755), 0);
            char *jpg =
                cs_test_read(CUSTODY_CORPUS "/files/exif-samples/jpg/invalid/image01551.jpg", &len);
            ck_assert_ptr_nonnull(jpg);
            snprintf(p, sizeof p, "%s/photo.jpg.part", dir);
            cs_test_write(p, jpg, len);
            free(jpg);
            char to[PATH_MAX];
            snprintf(to, sizeof to, "%s/photo.jpg", dir);
            ck_assert_int_eq(rename(p, to), 0);
            for (int i = 0; i < 400 && fault_fired(&f, NULL) == 0; i++)
                usleep(50 * 1000);
            ck_assert_int_gt(fault_fired(&f, "tmp/derive"), 0);
            usleep(500 * 1000);
            ck_assert_int_eq(fault_count(&t, "SELECT count(*) FROM jobs WHERE state = 'extracted'"),
                             1);
            unlink(flag); /* the fault clears; the job waits for the next start */
        } else {
            ck_assert_int_eq(cs_test_wait_count(
                                 t.db, "SELECT count(*) FROM jobs WHERE state = 'done'", 1, 60000),
                             1);
        }
        ck_assert_int_eq(cs_test_stop(pid, SIGTERM), 0);
    }
    ck_assert_int_eq(fault_check_home(&t), 1);
    ck_assert_int_eq(fault_count(&t, "SELECT count(*) FROM derivatives WHERE status = 'verified' "
                                     "AND superseded_at IS NULL"),
                     2);
    ck_assert_int_eq(fault_count(&t, "SELECT count(*) FROM item_sources"), 1);
    e2e_teardown(&t);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("fault_serve");
    TCase *tc = tcase_create("serve");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, a_service_whose_disk_fails_keeps_the_uploads_and_resumes, 0,
                        (int)(sizeof points / sizeof points[0]));
    tcase_add_test(tc, copies_that_cannot_be_stored_are_made_at_the_next_start);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
