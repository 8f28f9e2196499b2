/* tests/storage/test_store_prefetch.c: cs_store_prefetch, a put made ahead on a helper thread
 * (custody ingest on an s3 store stores file i+1 while it records file i). What the caller
 * gets from cs_store_put_file is always the file as it is when it asks: a file that changed
 * after it was stored ahead is stored again; one never stored ahead is stored then. */
#include "storage/store.h"

#include "core/error.h"
#include "tests/support/testutil.h"

#include <check.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char *tmp;
static char root[4096];
static cs_store_t *st;

static void
setup(void)
{
    tmp = cs_test_tmpdir();
    snprintf(root, sizeof root, "%s/store", tmp);
    ck_assert_int_eq(cs_store_open(&st, root, 1, NULL), 0);
}

static void
teardown(void)
{
    cs_store_close(&st);
    cs_test_rmrf(tmp);
    free(tmp);
}

static void
sha_of(const char *path, char hex[CS_SHA256_HEX])
{
    size_t len = 0;
    char *data = cs_test_read(path, &len);
    unsigned char md[32];
    unsigned int n = 0;
    EVP_Digest(data, len, md, &n, EVP_sha256(), NULL);
    for (int i = 0; i < 32; i++)
        sprintf(hex + 2 * i, "%02x", md[i]);
    free(data);
}

static void
file_at(char *path, size_t cap, const char *name, size_t size, unsigned seed)
{
    snprintf(path, cap, "%s/%s", tmp, name);
    cs_test_write_random(path, size, seed);
}

/* Files stored ahead come out of cs_store_put_file as if stored then, in any order asked. */
START_TEST(a_put_made_ahead_is_the_put_of_the_file)
{
    char a[4096], b[4096], c[4096], ha[CS_SHA256_HEX], hb[CS_SHA256_HEX], hc[CS_SHA256_HEX];
    cs_put_result_t r;
    file_at(a, sizeof a, "a.bin", 3000000, 1);
    file_at(b, sizeof b, "b.bin", 200000, 2);
    file_at(c, sizeof c, "c.bin", 1, 3);
    sha_of(a, ha);
    sha_of(b, hb);
    sha_of(c, hc);
    ck_assert_int_eq(cs_store_prefetch(st, a), 0);
    ck_assert_int_eq(cs_store_prefetch(st, b), 0);
    ck_assert_int_eq(cs_store_prefetch(st, c), 0);
    ck_assert_int_eq(cs_store_put_file(st, a, &r), 0);
    ck_assert_str_eq(r.sha256, ha);
    ck_assert_int_eq(r.created, 1);
    ck_assert_uint_eq(r.size, 3000000);
    ck_assert_int_eq(cs_store_put_file(st, b, &r), 0);
    ck_assert_str_eq(r.sha256, hb);
    ck_assert_uint_eq(r.size, 200000);
    ck_assert_int_eq(cs_store_put_file(st, c, &r), 0);
    ck_assert_str_eq(r.sha256, hc);
    ck_assert_uint_eq(r.head_len, 1);
    /* Asked again: stored already. */
    ck_assert_int_eq(cs_store_put_file(st, a, &r), 0);
    ck_assert_int_eq(r.created, 0);
}
END_TEST

/* A file rewritten after it was stored ahead (or while): the put stores what it holds now. */
START_TEST(a_file_changed_after_its_put_ahead_is_stored_as_it_is_now)
{
    char a[4096], b[4096], hb[CS_SHA256_HEX];
    cs_put_result_t r;
    file_at(a, sizeof a, "a.bin", 100000, 4);
    file_at(b, sizeof b, "b.bin", 2000000, 5);
    ck_assert_int_eq(cs_store_prefetch(st, a), 0);
    ck_assert_int_eq(cs_store_prefetch(st, b), 0);
    ck_assert_int_eq(cs_store_put_file(st, a, &r), 0); /* b is stored ahead from now */
    struct timespec pause = {0, 20 * 1000 * 1000};
    nanosleep(&pause, NULL);
    cs_test_write_random(b, 2000000, 6); /* the same name and size, other bytes */
    sha_of(b, hb);
    ck_assert_int_eq(cs_store_put_file(st, b, &r), 0);
    ck_assert_str_eq(r.sha256, hb);
    ck_assert_int_eq(r.created, 1);
    char path[4096];
    ck_assert_int_eq(cs_store_path(st, hb, path, sizeof path), 0);
    size_t len = 0;
    char *got = cs_test_read(path, &len), *want = cs_test_read(b, NULL);
    ck_assert_uint_eq(len, 2000000);
    ck_assert_int_eq(memcmp(got, want, len), 0);
    free(got);
    free(want);
}
END_TEST

/* A file asked ahead and then never asked for: closing the store waits for the helper. */
START_TEST(closing_with_puts_ahead_waits_for_them)
{
    char a[4096], b[4096];
    cs_put_result_t r;
    file_at(a, sizeof a, "a.bin", 100000, 7);
    file_at(b, sizeof b, "b.bin", 4000000, 8);
    ck_assert_int_eq(cs_store_prefetch(st, a), 0);
    ck_assert_int_eq(cs_store_prefetch(st, b), 0);
    ck_assert_int_eq(cs_store_put_file(st, a, &r), 0);
    cs_store_close(&st);
    ck_assert_ptr_null(st);
    ck_assert_int_eq(cs_store_open(&st, root, 0, NULL), 0);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("store_prefetch");
    TCase *tc = tcase_create("prefetch");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, a_put_made_ahead_is_the_put_of_the_file);
    tcase_add_test(tc, a_file_changed_after_its_put_ahead_is_stored_as_it_is_now);
    tcase_add_test(tc, closing_with_puts_ahead_waits_for_them);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
