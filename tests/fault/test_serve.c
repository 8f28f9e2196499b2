/* tests/fault/test_serve.c: `custody serve` ingesting dropped files while the disk fails
 * under it (the store cannot take the upload, the catalog cannot commit), for as long as a
 * flag file exists: the uploads stay where the clerk put them, the failure is in the log,
 * and once the flag is gone every file is stored exactly once and the upload folder empties,
 * with no restart; a job that stalled past its store step (copies, a finishing commit) is
 * taken up again by the running service. */
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

/* How often the log holds `what`. */
static int
times_logged(const char *log, const char *what)
{
    char *text = cs_test_read(log, NULL);
    int n = 0;
    for (const char *q = text; q && (q = strstr(q, what)) != NULL; q++)
        n++;
    free(text);
    return n;
}

static int
logged(const char *log, const char *what)
{
    return times_logged(log, what) > 0;
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

#define PHOTO CUSTODY_TEST_DATA "/gps/DSCN0010.jpg"
#define VIDEO CUSTODY_TEST_DATA "/metadata-extractor/sample_mpeg4.mp4"

/* A step past the store fails while the flag exists: the job stalls, durable at the state it
 * reached, and the service goes on. */
static const struct stall {
    const char *name, *file, *ext;
    const char *rule; /* "%s" is the home */
    int late;         /* the fault starts once the job is extracted: its copies are being made */
    const char *where;
} stalls[] = {
    /* The photo's copies cannot be stored (their sync fails). */
    {"photo copies sync EIO", PHOTO, "jpg", "op=fsync,errno=EIO,path=%s/tmp/derive/", 0,
     "tmp/derive"},
    /* The recording's copies are made, but the batch that would finish it cannot commit. */
    {"recording finish commit EIO", VIDEO, "mp4", "op=write,errno=EIO,path=%s/catalog.db-wal", 1,
     "catalog.db-wal"},
};

/* Once the fault clears, the stalled job is taken up again by the running service (no
 * restart): it gets its copies, is done, with one arrival. */
START_TEST(a_stalled_job_is_taken_up_again_once_the_fault_clears)
{
    const struct stall *st = &stalls[_i];
    e2e_t t;
    fault_t f;
    char log[PATH_MAX], flag[PATH_MAX], dir[PATH_MAX], p[PATH_MAX], to[PATH_MAX],
        rule[PATH_MAX + 64];
    size_t len = 0;
    e2e_setup(&t);
    snprintf(log, sizeof log, "%s/serve.log", t.dir);
    snprintf(flag, sizeof flag, "%s/fault.on", t.dir);
    snprintf(rule, sizeof rule, st->rule, t.home);
    fault_set(&f, t.dir, "%s,count=0,exe=custody,while=%s", rule, flag);
    if (!st->late)
        cs_test_write(flag, "", 0);
    pid_t pid = cs_test_custody_bg_env(log, f.env, "serve", "--home", t.home, "--set",
                                       "api.listen=127.0.0.1:0", "--set", "ingest.settle_ms=200",
                                       "--set", "worker.count=1", NULL);
    for (int i = 0; i < 400 && !logged(log, "\"service.started\""); i++)
        usleep(25 * 1000);
    ck_assert(logged(log, "\"service.started\""));

    snprintf(dir, sizeof dir, "%s/uploads/%s", t.home, CASE_A);
    ck_assert_int_eq(mkdir(dir, 0755), 0);
    char *media = cs_test_read(st->file, &len);
    ck_assert_ptr_nonnull(media);
    snprintf(p, sizeof p, "%s/record.%s.part", dir, st->ext);
    cs_test_write(p, media, len);
    free(media);
    snprintf(to, sizeof to, "%s/record.%s", dir, st->ext);
    ck_assert_int_eq(rename(p, to), 0);
    if (st->late) {
        ck_assert_int_eq(cs_test_wait_count(
                             t.db, "SELECT count(*) FROM jobs WHERE state = 'extracted'", 1, 60000),
                         1);
        cs_test_write(flag, "", 0);
    }
    for (int i = 0; i < 1200 && fault_fired(&f, st->where) == 0; i++)
        usleep(50 * 1000);
    ck_assert_msg(fault_fired(&f, st->where) > 0, "%s: the fault did not fire", st->name);
    for (int i = 0; i < 400 && !logged(log, "\"job.stalled\""); i++)
        usleep(25 * 1000);
    ck_assert_msg(logged(log, "\"job.stalled\""), "%s: no job stalled", st->name);
    usleep(1500 * 1000); /* a retry meets the fault too */
    ck_assert_int_eq(fault_count(&t, "SELECT count(*) FROM jobs WHERE state = 'done'"), 0);
    ck_assert(kill(pid, 0) == 0);

    unlink(flag); /* the fault clears; the service takes the job up again by itself */
    ck_assert_int_eq(
        cs_test_wait_count(t.db, "SELECT count(*) FROM jobs WHERE state = 'done'", 1, 90000), 1);
    ck_assert_int_gt(times_logged(log, "\"job.retry\""), 0);
    ck_assert_int_eq(cs_test_stop(pid, SIGTERM), 0);
    ck_assert_int_eq(times_logged(log, "\"service.started\""), 1);
    ck_assert_int_eq(fault_check_home(&t), 1);
    ck_assert_int_gt(fault_count(&t, "SELECT count(*) FROM derivatives WHERE status = 'verified' "
                                     "AND superseded_at IS NULL"),
                     0);
    ck_assert_int_eq(fault_count(&t, "SELECT count(*) FROM derivatives WHERE status <> 'verified' "
                                     "AND superseded_at IS NULL"),
                     0);
    if (!st->late) /* a photo: a preview and a thumbnail */
        ck_assert_int_eq(fault_count(&t, "SELECT count(*) FROM derivatives WHERE superseded_at "
                                         "IS NULL"),
                         2);
    ck_assert_int_eq(fault_count(&t, "SELECT count(*) FROM item_sources"), 1);
    ck_assert_int_eq(fault_count(&t, "SELECT count(*) FROM jobs WHERE state <> 'done'"), 0);
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
    tcase_add_loop_test(tc, a_stalled_job_is_taken_up_again_once_the_fault_clears, 0,
                        (int)(sizeof stalls / sizeof stalls[0]));
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
