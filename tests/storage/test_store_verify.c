/* tests/storage/test_store_verify.c: re-hashing at a bounded rate (the fixity scrub) and
 * copying an object in from another store with its hash checked (backup and restore). */
#include "storage/store.h"

#include "core/error.h"
#include "tests/support/testutil.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char *dir;
static cs_store_t *a, *b; /* a holds the object; b is the other store */
static char sha[CS_SHA256_HEX], obj[4096];

#define SIZE (3 * 1000 * 1000)

static void
setup(void)
{
    char path[4200];
    cs_put_result_t res;
    dir = cs_test_tmpdir();
    snprintf(path, sizeof path, "%s/a", dir);
    ck_assert_int_eq(cs_store_open(&a, path, 1, NULL), 0);
    snprintf(path, sizeof path, "%s/b", dir);
    ck_assert_int_eq(cs_store_open(&b, path, 1, NULL), 0);
    snprintf(path, sizeof path, "%s/src.bin", dir);
    cs_test_write_random(path, SIZE, 5);
    ck_assert_int_eq(cs_store_put_file(a, path, &res), 0);
    memcpy(sha, res.sha256, sizeof sha);
    ck_assert_int_eq(cs_store_path(a, sha, obj, sizeof obj), 0);
}

static void
teardown(void)
{
    cs_store_close(&a);
    cs_store_close(&b);
    cs_test_rmrf(dir);
    free(dir);
}

static long
objects_in(const char *store)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s/objects", dir, store);
    return cs_test_count_files(path);
}

static double
now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct waits {
    int calls, stop_at;
    uint64_t slept_ns;
} waits_t;

static int
wait_fn(void *arg, uint64_t ns)
{
    waits_t *w = arg;
    struct timespec ts = {.tv_sec = (time_t)(ns / 1000000000u),
                          .tv_nsec = (long)(ns % 1000000000u)};
    w->calls++;
    w->slept_ns += ns;
    nanosleep(&ts, NULL);
    return w->stop_at > 0 && w->calls >= w->stop_at;
}

START_TEST(a_paced_rehash_reads_no_faster_than_its_rate)
{
    waits_t w = {0};
    cs_store_pace_t pace = {.bytes_per_s = 10 * 1000 * 1000, .wait = wait_fn, .arg = &w};
    char actual[CS_SHA256_HEX];
    uint64_t bytes = 0;
    double t0 = now_s();
    ck_assert_int_eq(cs_store_verify_paced(a, sha, actual, &pace, &bytes), 0);
    double took = now_s() - t0;
    ck_assert_str_eq(actual, sha);
    ck_assert_int_eq(bytes, SIZE);
    ck_assert_int_eq(pace.bytes, SIZE);
    /* 3 MB at 10 MB/s: the first 1 MiB chunk at once, the rest paced (0.195 s at least). */
    ck_assert_msg(took >= 0.18, "took %.3f s", took);
    ck_assert_int_ge(w.calls, 3);

    /* The budget goes on across objects: the second read counts on from the first's start
     * and bytes, and both together take no less than 6 MB at 10 MB/s (each chunk waits until
     * it is due). A slow machine only makes this later. */
    uint64_t started = pace.start_ns;
    ck_assert_int_eq(cs_store_verify_paced(a, sha, actual, &pace, &bytes), 0);
    took = now_s() - t0;
    ck_assert_msg(took >= 0.55, "a second object was read in a burst: both took %.3f s", took);
    ck_assert_uint_eq(pace.start_ns, started);
    ck_assert_int_eq(pace.bytes, 2 * SIZE);
}
END_TEST

START_TEST(a_paced_rehash_stops_when_told)
{
    waits_t w = {.stop_at = 1};
    cs_store_pace_t pace = {.bytes_per_s = 0, .wait = wait_fn, .arg = &w};
    uint64_t bytes = 0;
    ck_assert_int_eq(cs_store_verify_paced(a, sha, NULL, &pace, &bytes), CS_ECANCELED);
    ck_assert_int_lt(bytes, SIZE);
}
END_TEST

START_TEST(an_object_copied_in_is_checked_against_its_name)
{
    cs_put_result_t res;
    char other[CS_SHA256_HEX];
    ck_assert_int_eq(cs_store_copy_in(b, a, sha, &res), 0);
    ck_assert_str_eq(res.sha256, sha);
    ck_assert_int_eq(res.created, 1);
    ck_assert_int_eq(cs_store_verify(b, sha, NULL), 0);

    /* Not in the other store. */
    memset(other, 'e', 64);
    other[64] = '\0';
    ck_assert_int_eq(cs_store_copy_in(b, a, other, &res), CS_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(cs_diag(), other));

    /* Altered there: refused, and nothing new is left behind. */
    cs_store_t *c = NULL;
    char path[4200];
    snprintf(path, sizeof path, "%s/c", dir);
    ck_assert_int_eq(cs_store_open(&c, path, 1, NULL), 0);
    ck_assert_int_eq(chmod(obj, 0644), 0);
    FILE *f = fopen(obj, "r+");
    ck_assert_ptr_nonnull(f);
    fputc('x', f);
    fclose(f);
    ck_assert_int_eq(cs_store_copy_in(c, a, sha, &res), CS_EMISMATCH);
    ck_assert_ptr_nonnull(strstr(cs_diag(), "does not match its hash"));
    ck_assert_int_eq(objects_in("c"), 0);
    cs_store_close(&c);
}
END_TEST

static Suite *
verify_suite(void)
{
    Suite *s = suite_create("store_verify");
    TCase *tc = tcase_create("store_verify");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, a_paced_rehash_reads_no_faster_than_its_rate);
    tcase_add_test(tc, a_paced_rehash_stops_when_told);
    tcase_add_test(tc, an_object_copied_in_is_checked_against_its_name);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(verify_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
