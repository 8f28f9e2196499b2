/* tests/fault/test_lease.c: `custody serve` holds a read lease on an upload while it stores
 * it; a writer that opens the upload then (`echo x >> upload`) breaks the lease, and the
 * kernel signals the service (SIGIO, whose default action ends a process). The service must
 * live on, let the file settle again, and store its final content once: never the content
 * as it was before the write, never the writer's bytes inside an object.
 *
 * The service is held still by the fault layer (stall=FILE), with the lease held, at the
 * fsync that makes the upload durable before it is linked in as the object, or at that link
 * itself: the test then starts the writer, sees the lease breaking, and lets the service go. */
#include "tests/e2e/e2e_api.h"
#include "tests/fault/fault.h"

/* The rules are formats in a table, given the upload's hash. */
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define BIG ((size_t)6 << 20) /* more than one chunk of the store's reads */
#define APPENDED "and then some more"

static void
sha256_file(const char *path, char out[65])
{
    unsigned char md[32];
    size_t len = 0;
    char *data = cs_test_read(path, &len);
    ck_assert_ptr_nonnull(data);
    ck_assert(EVP_Digest(data, len, md, NULL, EVP_sha256(), NULL) == 1);
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    free(data);
}

/* 1 while /proc/locks shows a lease on inode `ino` being broken. */
static int
lease_breaking(ino_t ino)
{
    char want[64], *locks = cs_test_read("/proc/locks", NULL);
    int found = 0;
    snprintf(want, sizeof want, ":%lu ", (unsigned long)ino);
    for (char *line = locks; line != NULL && *line && !found;) {
        char *end = strchr(line, '\n');
        if (end != NULL)
            *end = '\0';
        found = strstr(line, "LEASE") && strstr(line, "BREAKING") && strstr(line, want);
        line = end ? end + 1 : NULL;
    }
    free(locks);
    return found;
}

/* Fails the test, with the end of the log, unless the service is still running. */
static void
assert_alive(pid_t pid, const char *log)
{
    int status = 0;
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == 0)
        return;
    char *text = cs_test_read(log, NULL);
    size_t n = text ? strlen(text) : 0;
    ck_abort_msg("custody serve died (%s %d); the end of its log:\n%s",
                 WIFSIGNALED(status) ? "signal" : "exit",
                 WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status),
                 text ? text + (n > 1500 ? n - 1500 : 0) : "(none)");
}

static void
assert_healthy(api_t *a)
{
    resp_t r;
    http(a, &r, "GET", "/healthz", NULL, NULL, NULL, NULL);
    ck_assert_int_eq(r.status, 200);
    resp_free(&r);
}

/* Where the service is held; "%s" is the SHA-256 of the upload as dropped. */
static const struct point {
    const char *name, *rule;
} points[] = {
    {"the upload's fsync", "op=fsync,path=/big.mp4"},
    {"the object's link", "op=link,path=%s"},
};

START_TEST(a_writer_breaking_the_lease_does_not_kill_the_service)
{
    const struct point *pt = &points[_i];
    e2e_t t;
    fault_t f;
    api_t a;
    char hold[PATH_MAX], dir[PATH_MAX], big[PATH_MAX], part[PATH_MAX], before[65], after[65],
        sql[256], rule[256];
    struct stat st;
    e2e_setup(&t);
    memset(&a, 0, sizeof a);
    snprintf(a.log, sizeof a.log, "%s/serve.log", t.dir);
    snprintf(hold, sizeof hold, "%s/hold", t.dir);
    snprintf(dir, sizeof dir, "%s/uploads/%s", t.home, CASE_A);
    snprintf(big, sizeof big, "%s/big.mp4", dir);
    snprintf(part, sizeof part, "%s.part", big);
    cs_test_write(hold, "", 0);
    ck_assert_int_eq(mkdir(dir, 0755), 0);
    cs_test_write_random(part, BIG, 4);
    ck_assert_int_eq(rename(part, big), 0);
    ck_assert_int_eq(stat(big, &st), 0);
    sha256_file(big, before);
    snprintf(rule, sizeof rule, pt->rule, before);
    fault_set(&f, t.dir, "%s,stall=%s,exe=custody", rule, hold);
    pid_t pid = cs_test_custody_bg_env(
        a.log, f.env, "serve", "--home", t.home, "--set", "api.listen=127.0.0.1:0", "--set",
        "ingest.after=consume", "--set", "ingest.settle_ms=200", "--set", "worker.count=1", NULL);
    for (int i = 0; i < 400 && (a.port = logged_port(&a, "\"api.listening\"")) == 0; i++)
        usleep(25 * 1000);
    ck_assert_int_gt(a.port, 0);
    assert_healthy(&a);
    for (int i = 0; i < 1200 && fault_fired(&f, "errno=stall") == 0; i++)
        usleep(25 * 1000);
    ck_assert_msg(fault_fired(&f, "errno=stall") == 1, "%s: the service did not get there",
                  pt->name);

    /* The writer: its open waits until the service lets the lease go. */
    pid_t w = fork();
    ck_assert_int_ge(w, 0);
    if (w == 0) {
        int fd = open(big, O_WRONLY | O_APPEND | O_CLOEXEC);
        _exit(fd >= 0 && write(fd, APPENDED, strlen(APPENDED)) == (ssize_t)strlen(APPENDED) &&
                      close(fd) == 0
                  ? 0
                  : 1);
    }
    int status = -1;
    pid_t done = 0;
    for (int i = 0;
         i < 2000 && !lease_breaking(st.st_ino) && (done = waitpid(w, &status, WNOHANG)) == 0; i++)
        usleep(5 * 1000);
    unlink(hold); /* the service goes on from its fsync */
    if (done == 0)
        ck_assert_int_eq(waitpid(w, &status, 0), w);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_alive(pid, a.log);
    assert_healthy(&a);

    /* The file settles again and its final content is stored, once. */
    ck_assert_msg(access(big, F_OK) == 0, "%s: the upload was taken while a writer waited",
                  pt->name);
    sha256_file(big, after); /* the writer is done: this is the final content */
    ck_assert_str_ne(before, after);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM items WHERE sha256 = '%s'", after);
    ck_assert_int_eq(cs_test_wait_count(t.db, sql, 1, 60000), 1);
    ck_assert_int_eq(
        cs_test_wait_count(t.db, "SELECT count(*) FROM jobs WHERE state = 'done'", 1, 60000), 1);
    assert_alive(pid, a.log);
    assert_healthy(&a);
    ck_assert_int_eq(fault_count(&t, "SELECT count(*) FROM items"), 1);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM items WHERE sha256 = '%s'", before);
    ck_assert_int_eq(fault_count(&t, sql), 0);
    char *log = cs_test_read(a.log, NULL);
    ck_assert_ptr_nonnull(strstr(log, "was opened for writing while it was being stored"));
    free(log);
    ck_assert_int_eq(cs_test_stop(pid, SIGTERM), 0);
    ck_assert_int_eq(access(big, F_OK), -1);
    /* verify --all passes, every object is named by its bytes and has its row. */
    ck_assert_int_eq(fault_check_home(&t), 1);
    e2e_teardown(&t);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("fault_lease");
    TCase *tc = tcase_create("lease");
    tcase_set_timeout(tc, 180);
    tcase_add_loop_test(tc, a_writer_breaking_the_lease_does_not_kill_the_service, 0,
                        (int)(sizeof points / sizeof points[0]));
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
