/* tests/storage/test_store_adopt.c: cs_store_adopt_fd, which makes a consumed upload the
 * object itself, takes only a file that is the service's alone: one name, owned by the
 * service's user. Any other file is left exactly as it was (its mode, its names) and the
 * caller is told to copy it (CS_EXDEV). */
#include "storage/store.h"

#include "core/error.h"
#include "tests/support/testutil.h"

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define NOBODY 65534

static char *tmp;
static char root[4096], file[4096];
static cs_store_t *st;

static void
setup(void)
{
    umask(022);
    tmp = cs_test_tmpdir();
    snprintf(root, sizeof root, "%s/store", tmp);
    snprintf(file, sizeof file, "%s/upload.bin", tmp);
    ck_assert_int_eq(cs_store_open(&st, root, 1, NULL), 0);
    cs_test_write_random(file, 200000, 7);
    ck_assert_int_eq(chmod(file, 0640), 0);
}

static void
teardown(void)
{
    cs_store_close(&st);
    cs_test_rmrf(tmp);
    free(tmp);
}

/* A writer opening `file`: it waits for the read lease on `leased` to go, then writes. */
static pid_t
writer(int leased)
{
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        close(leased); /* a copy of the lease holder's fd would keep the lease alive */
        int fd = open(file, O_WRONLY | O_APPEND);
        _exit(fd >= 0 && write(fd, "x", 1) == 1 ? 0 : 1);
    }
    return pid;
}

/* Opens `file`, hashes it and offers it to the store; *created and the hash are filled. With
 * `lease` 1 the fd holds a read lease; with 2 a writer breaks that lease first (its pid in
 * *w). */
static int
adopt_leased(char sha[CS_SHA256_HEX], int *created, int lease, pid_t *w)
{
    cs_put_result_t res;
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(cs_store_hash_fd(st, fd, file, &res), 0);
    memcpy(sha, res.sha256, CS_SHA256_HEX);
    if (lease > 0)
        ck_assert_int_eq(fcntl(fd, F_SETLEASE, F_RDLCK), 0);
    if (lease > 1) {
        *w = writer(fd);
        /* The break is pending once the writer waits on it: the lease reads as going. */
        for (int i = 0; i < 2000 && fcntl(fd, F_GETLEASE) == F_RDLCK; i++)
            usleep(5000);
        ck_assert_int_eq(fcntl(fd, F_GETLEASE), F_UNLCK);
    }
    *created = -1;
    int rc = cs_store_adopt_fd(st, fd, res.sha256, lease > 0, created);
    close(fd); /* lets the writer in */
    return rc;
}

static int
adopt(char sha[CS_SHA256_HEX], int *created)
{
    return adopt_leased(sha, created, 0, NULL);
}

/* The file is as the test made it, and the store holds nothing. */
static void
assert_untouched(const struct stat *before, const char *sha)
{
    struct stat now;
    char path[4200];
    ck_assert_int_eq(stat(file, &now), 0);
    ck_assert_uint_eq(now.st_mode & 07777, before->st_mode & 07777);
    ck_assert_uint_eq(now.st_uid, before->st_uid);
    ck_assert_uint_eq(now.st_nlink, before->st_nlink);
    ck_assert_int_eq(cs_store_path(st, sha, path, sizeof path), 0);
    ck_assert_int_eq(access(path, F_OK), -1);
    ck_assert_int_eq(cs_test_count_files(root), 0);
}

START_TEST(a_file_of_ours_with_one_name_becomes_the_object)
{
    char sha[CS_SHA256_HEX], path[4200];
    struct stat before, obj;
    int created;
    ck_assert_int_eq(stat(file, &before), 0);
    ck_assert_int_eq(adopt(sha, &created), 0);
    ck_assert_int_eq(created, 1);
    ck_assert_int_eq(cs_store_path(st, sha, path, sizeof path), 0);
    ck_assert_int_eq(stat(path, &obj), 0);
    ck_assert_uint_eq(obj.st_ino, before.st_ino);
    ck_assert_uint_eq(obj.st_mode & 07777, 0444);
    ck_assert_int_eq(cs_store_verify(st, sha, NULL), 0);
}
END_TEST

/* A hard link from elsewhere (another user's file, say): its other name must not end up
 * naming evidence, nor its mode change under its owner. */
START_TEST(a_file_with_another_name_is_left_alone)
{
    char sha[CS_SHA256_HEX], other[4200];
    struct stat before;
    int created;
    snprintf(other, sizeof other, "%s/elsewhere.bin", tmp);
    ck_assert_int_eq(link(file, other), 0);
    ck_assert_int_eq(stat(file, &before), 0);
    ck_assert_int_eq(adopt(sha, &created), CS_EXDEV);
    ck_assert_int_eq(created, 0);
    assert_untouched(&before, sha);
    /* The caller's copy is a new file: the other name keeps its own. */
    cs_put_result_t res;
    ck_assert_int_eq(cs_store_put_file(st, file, &res), 0);
    ck_assert_str_eq(res.sha256, sha);
    struct stat obj;
    char path[4200];
    ck_assert_int_eq(cs_store_path(st, sha, path, sizeof path), 0);
    ck_assert_int_eq(stat(path, &obj), 0);
    ck_assert_uint_ne(obj.st_ino, before.st_ino);
}
END_TEST

/* A file owned by another user: its owner could chmod it back and write to it. */
START_TEST(a_file_of_another_user_is_left_alone)
{
    char sha[CS_SHA256_HEX];
    struct stat before;
    int created;
    if (geteuid() != 0) {
        fprintf(stderr, "%s: skipped, only root can give a file away\n", __func__);
        return;
    }
    ck_assert_int_eq(chown(file, NOBODY, NOBODY), 0);
    ck_assert_int_eq(chmod(file, 0640), 0);
    ck_assert_int_eq(stat(file, &before), 0);
    ck_assert_int_eq(adopt(sha, &created), CS_EXDEV);
    ck_assert_int_eq(created, 0);
    assert_untouched(&before, sha);
}
END_TEST

/* The lease held from the hash to the link is whole: the file is adopted. */
START_TEST(a_file_whose_lease_is_whole_becomes_the_object)
{
    char sha[CS_SHA256_HEX];
    int created;
    ck_assert_int_eq(adopt_leased(sha, &created, 1, NULL), 0);
    ck_assert_int_eq(created, 1);
    ck_assert_int_eq(cs_store_verify(st, sha, NULL), 0);
}
END_TEST

/* A writer broke the lease: once the lease goes it writes, and the object would be what it
 * writes into. Nothing is stored, the file keeps its mode, the writer's bytes are the file's. */
START_TEST(a_file_whose_lease_was_broken_is_not_adopted)
{
    char sha[CS_SHA256_HEX];
    struct stat before, now;
    int created, status = -1;
    pid_t w = -1;
    signal(SIGIO, SIG_IGN); /* the break's signal, which would end this test otherwise */
    ck_assert_int_eq(stat(file, &before), 0);
    ck_assert_int_eq(adopt_leased(sha, &created, 2, &w), CS_ECHANGED);
    ck_assert_int_eq(created, 0);
    ck_assert_int_eq(waitpid(w, &status, 0), w);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    ck_assert_int_eq(stat(file, &now), 0);
    ck_assert_uint_eq(now.st_mode & 07777, 0640);
    ck_assert_int_eq(now.st_size, before.st_size + 1);
    ck_assert_int_eq(cs_test_count_files(root), 0);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("storage/store_adopt");
    TCase *tc = tcase_create("adopt");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, a_file_of_ours_with_one_name_becomes_the_object);
    tcase_add_test(tc, a_file_with_another_name_is_left_alone);
    tcase_add_test(tc, a_file_of_another_user_is_left_alone);
    tcase_add_test(tc, a_file_whose_lease_is_whole_becomes_the_object);
    tcase_add_test(tc, a_file_whose_lease_was_broken_is_not_adopted);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
