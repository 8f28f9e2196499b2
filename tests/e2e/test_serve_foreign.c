/* tests/e2e/test_serve_foreign.c: uploads the service does not own alone. With
 * ingest.after=consume an upload is made the stored object itself (no copy) only when it is
 * the service's file with one name. A hard link to someone else's file, or a file another
 * user owns, is copied: the stored evidence cannot change when that user later chmods or
 * appends to the file, and the file outside keeps its mode and its name. */
#include "tests/e2e/e2e.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DONE_JOBS "SELECT count(*) FROM jobs WHERE state = 'done'"
#define NOBODY 65534

/* The contents are text so e2e_sha256 can name them. */
#define LINKED "\xff\xd8\xff a photo that lives outside the uploads, hard-linked in"
#define OWNED "\xff\xd8\xff a photo whose owner is another user, kept open by them"
#define CLI "\xff\xd8\xff a photo ingested by a clerk through its hard link"

/* Writes `content` at `path`, owned by nobody, mode 0640. */
static void
foreign_file(const char *path, const char *content)
{
    cs_test_write(path, content, strlen(content));
    ck_assert_int_eq(chown(path, NOBODY, NOBODY), 0);
    ck_assert_int_eq(chmod(path, 0640), 0);
}

/* What another user may do to their own file: make it writable and add to it. */
static void
owner_appends(const char *path)
{
    ck_assert_int_eq(chmod(path, 0644), 0);
    int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, "x", 1), 1);
    close(fd);
}

/* The object named by the SHA-256 of `content` holds exactly it, 0444, the service's own. */
static void
assert_object(const e2e_t *t, const char *content)
{
    char sha[65], path[PATH_MAX];
    struct stat st;
    size_t len = 0;
    e2e_sha256(content, sha);
    snprintf(path, sizeof path, "%s/store/objects/sha256/%.2s/%.2s/%s", t->home, sha, sha + 2, sha);
    ck_assert_msg(stat(path, &st) == 0, "no object %s", path);
    ck_assert_uint_eq(st.st_mode & 07777, 0444);
    ck_assert_uint_eq(st.st_uid, geteuid());
    ck_assert_uint_eq(st.st_nlink, 1);
    char *data = cs_test_read(path, &len);
    ck_assert_ptr_nonnull(data);
    ck_assert_uint_eq(len, strlen(content));
    ck_assert(memcmp(data, content, len) == 0);
    free(data);
}

static void
assert_verify_ok(const e2e_t *t)
{
    cs_run_t r;
    cs_test_custody(&r, "verify", "--home", t->home, "--all", NULL);
    ck_assert_msg(r.status == 0, "verify --all exited %d: %s %s", r.status, r.out, r.err);
    ck_assert_ptr_null(strstr(r.out, "MISMATCH"));
    cs_test_run_free(&r);
}

START_TEST(a_hard_link_or_another_users_file_is_copied_not_consumed)
{
    e2e_t t;
    char log[PATH_MAX], outside[PATH_MAX], dir[PATH_MAX], linked[PATH_MAX], owned[PATH_MAX];
    struct stat st;
    if (geteuid() != 0) {
        fprintf(stderr, "%s: skipped, only root can give a file away\n", __func__);
        return;
    }
    e2e_setup(&t);
    snprintf(log, sizeof log, "%s/serve.log", t.dir);
    snprintf(outside, sizeof outside, "%s/outside.jpg", t.dir);
    snprintf(dir, sizeof dir, "%s/uploads/%s", t.home, CASE_A);
    snprintf(linked, sizeof linked, "%s/linked.jpg", dir);
    snprintf(owned, sizeof owned, "%s/owned.jpg", dir);
    ck_assert_int_eq(mkdir(dir, 0755), 0);
    foreign_file(outside, LINKED);
    ck_assert_int_eq(link(outside, linked), 0);
    foreign_file(owned, OWNED);
    int keep = open(owned, O_RDONLY | O_CLOEXEC); /* the owner's handle on their file */
    ck_assert_int_ge(keep, 0);

    pid_t pid = cs_test_custody_bg(
        log, "serve", "--home", t.home, "--set", "api.listen=127.0.0.1:0", "--set",
        "ingest.after=consume", "--set", "ingest.settle_ms=200", "--set", "worker.count=1", NULL);
    ck_assert_int_eq(cs_test_wait_count(t.db, DONE_JOBS, 2, 60000), 2);
    ck_assert_int_eq(cs_test_stop(pid, SIGTERM), 0);

    /* The uploads are cleared; the file outside is still there, as its owner left it. */
    ck_assert_int_eq(access(linked, F_OK), -1);
    ck_assert_int_eq(access(owned, F_OK), -1);
    ck_assert_int_eq(stat(outside, &st), 0);
    ck_assert_uint_eq(st.st_mode & 07777, 0640);
    ck_assert_uint_eq(st.st_uid, NOBODY);
    ck_assert_uint_eq(st.st_nlink, 1);
    ck_assert_int_eq(fstat(keep, &st), 0);
    ck_assert_uint_eq(st.st_mode & 07777, 0640);

    /* Their owners change them; the evidence does not change with them. */
    owner_appends(outside);
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", keep);
    owner_appends(proc);
    close(keep);
    assert_object(&t, LINKED);
    assert_object(&t, OWNED);
    assert_verify_ok(&t);
    e2e_teardown(&t);
}
END_TEST

/* `custody ingest` copies what it is named (the source is never changed), hard link or not. */
START_TEST(the_cli_copies_a_hard_linked_file)
{
    e2e_t t;
    char outside[PATH_MAX], named[PATH_MAX];
    struct stat st;
    cs_run_t r;
    if (geteuid() != 0) {
        fprintf(stderr, "%s: skipped, only root can give a file away\n", __func__);
        return;
    }
    e2e_setup(&t);
    snprintf(outside, sizeof outside, "%s/outside.jpg", t.dir);
    snprintf(named, sizeof named, "%s/named.jpg", t.dir);
    foreign_file(outside, CLI);
    ck_assert_int_eq(link(outside, named), 0);
    cs_test_custody(&r, "ingest", "--home", t.home, "--case", CASE_A, named, NULL);
    ck_assert_msg(r.status == 0, "ingest exited %d: %s %s", r.status, r.out, r.err);
    cs_test_run_free(&r);
    ck_assert_int_eq(stat(outside, &st), 0);
    ck_assert_uint_eq(st.st_mode & 07777, 0640);
    ck_assert_uint_eq(st.st_nlink, 2);
    owner_appends(outside);
    assert_object(&t, CLI);
    assert_verify_ok(&t);
    e2e_teardown(&t);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("e2e_serve_foreign");
    TCase *tc = tcase_create("foreign");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, a_hard_link_or_another_users_file_is_copied_not_consumed);
    tcase_add_test(tc, the_cli_copies_a_hard_linked_file);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
