/* tests/storage/test_store_ring.c: a put's ring (read, hash and write at once) and its writes
 * into the temp, straight to the disk (O_DIRECT) or through the page cache. */
#include "storage/store.h"
#include "storage/store_internal.h"

#include "core/error.h"
#include "tests/support/testutil.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KIB ((size_t)1 << 10)
#define MIB ((size_t)1 << 20)

static char *tmp;

static void
setup(void)
{
    umask(022);
    tmp = cs_test_tmpdir();
}

static void
teardown(void)
{
    cs_test_rmrf(tmp);
    free(tmp);
}

static void
sha256_hex(const unsigned char *data, size_t len, char out[CS_SHA256_HEX])
{
    unsigned char md[32];
    unsigned int n = 0;
    ck_assert(EVP_Digest(data, len, md, &n, EVP_sha256(), NULL) == 1);
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* Random bytes with a run of zeros a few slots long in the middle (a hole in the object) and
 * at the end, in a length that is no multiple of 4 KiB. */
static unsigned char *
make_source(const char *path, size_t len)
{
    unsigned char *d = malloc(len);
    ck_assert_ptr_nonnull(d);
    unsigned x = 12345;
    for (size_t k = 0; k < len; k++) {
        x = x * 1103515245u + 12345u;
        d[k] = (unsigned char)(x >> 16);
    }
    memset(d + 3 * MIB + 100, 0, 2 * MIB);
    memset(d + len - 200 * KIB, 0, 200 * KIB);
    cs_test_write(path, d, len);
    return d;
}

/* A file of many ring turns, stored straight to the disk (_i 0), through the page cache
 * (_i 1: O_DIRECT found unusable before), and with a buffer whose slots O_DIRECT cannot take
 * (_i 2: 4 slots of 50 KiB + 512 bytes): the object is the file byte for byte, named by its
 * SHA-256, with its zeros as holes, and nothing is left in tmp/. */
START_TEST(a_put_larger_than_the_ring_is_the_file_byte_for_byte)
{
    char src[4200], root[4200], obj[4400], want[CS_SHA256_HEX];
    const size_t len = 9 * MIB + 4097;
    cs_store_opts_t o = {.buffer_size = _i == 2 ? 100 * KIB + 1 * KIB : 0};
    cs_store_t *s = NULL;
    cs_put_result_t res;
    snprintf(src, sizeof src, "%s/src.bin", tmp);
    snprintf(root, sizeof root, "%s/store", tmp);
    unsigned char *d = make_source(src, len);
    sha256_hex(d, len, want);
    ck_assert_int_eq(cs_store_open(&s, root, 1, &o), 0);
    s->direct_off = _i == 1;

    ck_assert_int_eq(cs_store_put_file(s, src, &res), 0);
    ck_assert_str_eq(res.sha256, want);
    ck_assert_uint_eq(res.size, len);
    ck_assert_int_eq(res.created, 1);
    ck_assert_uint_eq(res.head_len, sizeof res.head);
    ck_assert(memcmp(res.head, d, sizeof res.head) == 0);
    ck_assert_int_eq(cs_store_path(s, res.sha256, obj, sizeof obj), 0);
    size_t got_len = 0;
    char *got = cs_test_read(obj, &got_len);
    ck_assert_ptr_nonnull(got);
    ck_assert_uint_eq(got_len, len);
    ck_assert(memcmp(got, d, len) == 0);
    struct stat stt;
    ck_assert_int_eq(stat(obj, &stt), 0);
    ck_assert_int_eq(stt.st_mode & 07777, 0444);
    ck_assert_msg((size_t)stt.st_blocks * 512 < len - MIB, "zeros not left as holes: %lld blocks",
                  (long long)stt.st_blocks);
    ck_assert_int_eq(cs_store_verify(s, res.sha256, NULL), 0);
    snprintf(obj, sizeof obj, "%s/tmp", root);
    ck_assert_int_eq(cs_test_count_files(obj), 0);
    /* The same bytes again: one object, found whole. */
    ck_assert_int_eq(cs_store_put_file(s, src, &res), 0);
    ck_assert_int_eq(res.created, 0);
    ck_assert_str_eq(res.sha256, want);
    cs_store_close(&s);
    free(got);
    free(d);
}
END_TEST

/* A writer into memory that can be told to fail at one offset, as a full disk would. */
struct sink {
    unsigned char *mem;
    size_t cap;
    off_t fail_at; /* -1: never */
    int calls;
};

static int
sink_write(void *arg, const unsigned char *buf, size_t len, off_t off)
{
    struct sink *k = arg;
    k->calls++;
    if (off == k->fail_at) {
        cs_diag_set("store test: disk full while storing src; free space and try again");
        return CS_ENOSPC;
    }
    if (k->calls % 3 == 0)
        usleep(2000); /* a slow disk now and then: the reader and the hasher run ahead */
    ck_assert_uint_le((size_t)off + len, k->cap);
    memcpy(k->mem + off, buf, len);
    return 0;
}

/* The caller's side of a put: slots read in turn, each pushed with its offset. Returns the
 * ring's verdict (finish), or the first failure on the way. */
static int
run_ring(cs_store_ring_t *r, const unsigned char *src, size_t len, unsigned char digest[32])
{
    size_t off = 0;
    int rc;
    while (off < len) {
        unsigned char *slot = cs_store_ring_slot(r, &rc);
        if (slot == NULL)
            return rc;
        size_t n = len - off < r->slot_size ? len - off : r->slot_size;
        memcpy(slot, src + off, n);
        if ((rc = cs_store_ring_push(r, n, (off_t)off)) != 0)
            return rc;
        off += n;
    }
    if ((rc = cs_store_ring_written(r)) != 0)
        return rc;
    return cs_store_ring_finish(r, digest);
}

/* Threads on (_i 0) and in line (_i 1): every slot is written once, in place, and hashed in
 * order, though the writer lags behind the reader. */
START_TEST(the_ring_writes_and_hashes_every_slot_in_order)
{
    const size_t slot = 64 * KIB, len = 37 * slot + 999;
    unsigned char *ring = aligned_alloc(4096, CS_STORE_SLOTS * slot), *src = malloc(len);
    struct sink k = {.mem = calloc(1, len), .cap = len, .fail_at = -1};
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    cs_store_ring_t r;
    unsigned char digest[32];
    char want[CS_SHA256_HEX], got[CS_SHA256_HEX];
    ck_assert(ring && src && k.mem && md);
    for (size_t i = 0; i < len; i++)
        src[i] = (unsigned char)(i * 31 + i / 4099);

    ck_assert_int_eq(cs_store_ring_start(&r, md, ring, slot, sink_write, &k, _i == 0), 0);
    ck_assert_int_eq(r.hasher_on && r.writer_on, _i == 0);
    ck_assert_int_eq(run_ring(&r, src, len, digest), 0);
    ck_assert_int_eq(k.calls, 38);
    ck_assert(memcmp(k.mem, src, len) == 0);
    sha256_hex(src, len, want);
    for (int i = 0; i < 32; i++)
        snprintf(got + 2 * i, 3, "%02x", digest[i]);
    ck_assert_str_eq(got, want);
    cs_store_ring_abort(&r); /* after finish: nothing left to stop */
    EVP_MD_CTX_free(md);
    free(k.mem);
    free(src);
    free(ring);
}
END_TEST

/* The writer fails at the 6th slot, threads on (_i 0) and in line (_i 1): the caller gets
 * CS_ENOSPC with the writer's detail, no slot after it is written, and the ring stops. */
START_TEST(a_writer_failure_stops_the_ring_with_its_detail)
{
    const size_t slot = 64 * KIB, len = 20 * slot;
    unsigned char *ring = aligned_alloc(4096, CS_STORE_SLOTS * slot), *src = calloc(1, len);
    struct sink k = {.mem = calloc(1, len), .cap = len, .fail_at = (off_t)(5 * slot)};
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    cs_store_ring_t r;
    unsigned char digest[32];
    ck_assert(ring && src && k.mem && md);
    memset(src, 'x', len);
    cs_diag_clear();

    ck_assert_int_eq(cs_store_ring_start(&r, md, ring, slot, sink_write, &k, _i == 0), 0);
    int rc = run_ring(&r, src, len, digest);
    cs_store_ring_abort(&r);
    ck_assert_msg(rc == CS_ENOSPC, "got %s", cs_errname(rc));
    ck_assert_ptr_nonnull(strstr(cs_diag(), "disk full while storing src"));
    ck_assert_int_eq(k.calls, 6);
    ck_assert(memcmp(k.mem, src, 5 * slot) == 0);
    for (size_t i = 5 * slot; i < len; i++)
        ck_assert_int_eq(k.mem[i], 0);
    EVP_MD_CTX_free(md);
    free(k.mem);
    free(src);
    free(ring);
}
END_TEST

static Suite *
ring_suite(void)
{
    Suite *s = suite_create("storage/store_ring");
    TCase *tc = tcase_create("ring");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, a_put_larger_than_the_ring_is_the_file_byte_for_byte, 0, 3);
    tcase_add_loop_test(tc, the_ring_writes_and_hashes_every_slot_in_order, 0, 2);
    tcase_add_loop_test(tc, a_writer_failure_stops_the_ring_with_its_detail, 0, 2);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(ring_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
