/* tests/ingest/test_writers.c: which uploads are still open for writing (ingest/writers.c), from
 * real writes and closes in a real folder: written and open is busy, however long it stalls (up
 * to the give-up time); closed, removed or renamed away is not; a file only read never was. */
#include "core/error.h"
#include "ingest/writers.h"
#include "tests/support/testutil.h"

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_MS 60000

static int
busy(cs_writers_t *w, const char *path, uint64_t now)
{
    int first;
    return cs_writers_busy(w, path, now, MAX_MS, &first);
}

START_TEST(a_file_written_and_not_closed_is_busy_until_closed)
{
    char *dir = cs_test_tmpdir(), path[600], other[600];
    cs_writers_t *w = NULL;
    int first = 0;
    snprintf(path, sizeof path, "%s/clip.mp4", dir);
    snprintf(other, sizeof other, "%s/note.txt", dir);
    cs_test_write(other, "read only", 9);
    ck_assert_int_eq(cs_writers_open(&w), 0);
    ck_assert_int_eq(cs_writers_watch(w, dir), 0);
    ck_assert_int_eq(cs_writers_watch(w, dir), 0); /* once is once */

    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, "half", 4), 4);
    ck_assert_int_eq(cs_writers_read(w, 1000), 0);
    ck_assert_int_eq(cs_writers_busy(w, path, 1000, MAX_MS, &first), 1);
    ck_assert_int_eq(first, 1);
    ck_assert_int_eq(cs_writers_busy(w, path, 30000, MAX_MS, &first), 1); /* stalled */
    ck_assert_int_eq(first, 0);                                           /* said once */
    ck_assert_int_eq(busy(w, path, 1000 + MAX_MS), 0);                    /* given up on */
    /* A write later is heard from: the give-up time counts from the last write. */
    ck_assert_int_eq(write(fd, "rest", 4), 4);
    ck_assert_int_eq(cs_writers_read(w, 50000), 0);
    ck_assert_int_eq(busy(w, path, 1000 + MAX_MS), 1);
    int rfd = open(other, O_RDONLY);
    char b[4];
    ck_assert_int_eq(read(rfd, b, sizeof b), 4);
    close(rfd);
    ck_assert_int_eq(cs_writers_read(w, 50000), 0);
    ck_assert_int_eq(busy(w, other, 50000), 0);
    /* Closed: not busy, and said so (a scan may claim it now). */
    ck_assert_int_eq(close(fd), 0);
    ck_assert_int_eq(cs_writers_read(w, 51000), 1);
    ck_assert_int_eq(busy(w, path, 51000), 0);
    cs_writers_free(&w);
    ck_assert_ptr_null(w);
    cs_writers_free(&w);
    cs_test_rmrf(dir);
    free(dir);
}
END_TEST

START_TEST(removed_or_renamed_away_is_not_busy)
{
    char *dir = cs_test_tmpdir(), a[600], b[600], moved[600];
    cs_writers_t *w = NULL;
    snprintf(a, sizeof a, "%s/a.mts", dir);
    snprintf(b, sizeof b, "%s/b.mts", dir);
    snprintf(moved, sizeof moved, "%s/c.mts", dir);
    ck_assert_int_eq(cs_writers_open(&w), 0);
    ck_assert_int_eq(cs_writers_watch(w, dir), 0);
    int fa = open(a, O_WRONLY | O_CREAT, 0644), fb = open(b, O_WRONLY | O_CREAT, 0644);
    ck_assert_int_eq(write(fa, "x", 1), 1);
    ck_assert_int_eq(write(fb, "x", 1), 1);
    cs_writers_read(w, 1);
    ck_assert_int_eq(busy(w, a, 2), 1);
    ck_assert_int_eq(busy(w, b, 2), 1);
    ck_assert_int_eq(unlink(a), 0);
    ck_assert_int_eq(rename(b, moved), 0);
    cs_writers_read(w, 3);
    ck_assert_int_eq(busy(w, a, 4), 0);
    ck_assert_int_eq(busy(w, b, 4), 0);
    close(fa);
    close(fb);
    /* The folder gone: its watch goes with it, quietly. */
    cs_test_rmrf(dir);
    cs_writers_read(w, 5);
    ck_assert_int_eq(busy(w, moved, 6), 0);
    ck_assert_int_ne(cs_writers_watch(w, dir), 0);
    cs_writers_free(&w);
    free(dir);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("writers");
    TCase *tc = tcase_create("writers");
    tcase_add_test(tc, a_file_written_and_not_closed_is_busy_until_closed);
    tcase_add_test(tc, removed_or_renamed_away_is_not_busy);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
