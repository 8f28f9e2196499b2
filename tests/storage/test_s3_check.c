/* tests/storage/test_s3_check.c: how an object's PUT is checked (store.s3_put_check) against a
 * real Ceph RADOS Gateway, started by tests/storage/ceph.sh for the whole run (as test_s3.c).
 *
 * md5: a PUT whose Content-MD5 differs from the bytes is refused by the gateway and nothing is
 * stored. readback: an object of 8 MiB or more goes up unsigned and waits,
 * noted, until the gateway's bytes are read back and re-hashed; bytes changed in the gateway
 * after the upload are caught then, and sent again from the local copy (which no trim removes
 * until the object is read back: a trim reads it back first), or counted as differing when
 * no good local copy is left. */
#include "storage/s3.h"
#include "storage/store.h"

#include "core/config.h"
#include "core/error.h"
#include "tests/support/testutil.h"

#include <check.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CEPH_SH CUSTODY_TEST_DATA "/../storage/ceph.sh"
#define MIB (1024u * 1024u)

static char cluster[64]; /* the cluster's folder, "" when it did not start */
static char endpoint[128], access_key[128], secret_key[128], region[64], cred[128];
static int buckets; /* a bucket of its own per store */

static int
ceph(const char *verb)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "sh %s %s %s >>%s/ceph.out 2>&1", CEPH_SH, verb, cluster, cluster);
    return system(cmd);
}

static void
env_value(const char *text, const char *name, char *dst, size_t cap)
{
    const char *p = strstr(text, name);
    ck_assert_msg(p != NULL, "%s missing from the cluster's env", name);
    p += strlen(name) + 1;
    size_t n = strcspn(p, "\n");
    ck_assert_uint_lt(n, cap);
    memcpy(dst, p, n);
    dst[n] = '\0';
}

static void
cluster_up(void)
{
    char path[256], owner[32], *text;
    size_t len;
    snprintf(cluster, sizeof cluster, "/tmp/cs3-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(cluster));
    snprintf(owner, sizeof owner, "%ld", (long)getpid());
    ck_assert_int_eq(setenv("CEPH_SH_OWNER", owner, 1), 0);
    if (ceph("start") != 0) {
        fprintf(stderr, "ceph.sh start failed; its output and logs are in %s\n", cluster);
        ceph("stop");
        cluster[0] = '\0';
        return;
    }
    snprintf(path, sizeof path, "%s/env", cluster);
    text = cs_test_read(path, &len);
    env_value(text, "S3_ENDPOINT", endpoint, sizeof endpoint);
    env_value(text, "S3_ACCESS_KEY", access_key, sizeof access_key);
    env_value(text, "S3_SECRET_KEY", secret_key, sizeof secret_key);
    env_value(text, "S3_REGION", region, sizeof region);
    free(text);
    snprintf(cred, sizeof cred, "%s/cred", cluster);
    FILE *f = fopen(cred, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "access_key = %s\nsecret_key = %s\n", access_key, secret_key);
    fclose(f);
    ck_assert_int_eq(chmod(cred, 0600), 0);
}

static void
cluster_down(void)
{
    if (cluster[0] == '\0')
        return;
    ck_assert_int_eq(ceph("stop"), 0);
    cs_test_rmrf(cluster);
}

/* A store on a new bucket under COMPLIANCE lock, its puts checked as `check` says. */
typedef struct s3_store {
    char root[4200], bucket[32];
    cs_config_t cfg;
    cs_store_t *st;
} s3_store_t;

static void
store_open(s3_store_t *t, const char *check)
{
    cs_store_opts_t o;
    char *dir = cs_test_tmpdir();
    ck_assert_msg(cluster[0], "the Ceph cluster did not start (see the output above)");
    snprintf(t->root, sizeof t->root, "%s/store", dir);
    free(dir);
    snprintf(t->bucket, sizeof t->bucket, "check-%d-%ld", ++buckets, (long)getpid());
    cs_config_defaults(&t->cfg);
    const char *kv[][2] = {{"store.backend", "s3"},        {"store.s3_endpoint", endpoint},
                           {"store.s3_bucket", t->bucket}, {"store.s3_region", region},
                           {"store.s3_credentials", cred}, {"store.s3_object_lock", "compliance"},
                           {"store.s3_retain_days", "1"},  {"store.s3_put_check", check}};
    for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++)
        ck_assert_msg(cs_config_set(&t->cfg, kv[i][0], kv[i][1], "test") == 0, "%s: %s", kv[i][0],
                      cs_diag());
    cs_store_opts_from_config(&o, &t->cfg);
    ck_assert_msg(cs_store_open(&t->st, t->root, 1, &o) == 0, "%s", cs_diag());
    ck_assert_msg(cs_store_prepare(t->st) == 0, "%s", cs_diag());
}

static void
store_close(s3_store_t *t)
{
    cs_store_close(&t->st);
    cs_test_rmrf(t->root);
}

/* Our own client on the store's bucket and prefix, as someone with the keys would use it. */
static cs_s3_t *
direct(const s3_store_t *t)
{
    cs_s3_t *s3 = NULL;
    cs_s3_config_t c = {.endpoint = endpoint,
                        .bucket = t->bucket,
                        .region = region,
                        .access_key = access_key,
                        .secret_key = secret_key,
                        .path_style = 1,
                        .prefix = t->cfg.store_s3_prefix,
                        .timeout_s = 10,
                        .retries = 1,
                        .part_size = 64 * MIB,
                        .single_max = 64 * MIB};
    ck_assert_int_eq(cs_s3_open(&s3, &c), 0);
    return s3;
}

static void
file_sha(const char *path, char sha[65])
{
    size_t n;
    unsigned char d[32];
    unsigned int dl = 0;
    char *data = cs_test_read(path, &n);
    ck_assert_int_eq(EVP_Digest(data, n, d, &dl, EVP_sha256(), NULL), 1);
    for (int i = 0; i < 32; i++)
        snprintf(sha + 2 * i, 3, "%02x", d[i]);
    free(data);
}

/* Replaces the gateway's current version of object sha with other bytes of the same size,
 * sent unchecked under the same name and metadata: bytes changed in the object store. */
static void
corrupt_in_gateway(const s3_store_t *t, const char *sha, size_t size)
{
    char path[4300];
    cs_s3_t *s3 = direct(t);
    cs_s3_lock_t lock = {.mode = CS_S3_LOCK_COMPLIANCE, .retain_until = time(NULL) + 86400};
    cs_s3_put_opts_t o = {.lock = &lock, .check = CS_S3_CHECK_NONE};
    snprintf(path, sizeof path, "%s/other", t->root);
    cs_test_write_random(path, size, 99);
    ck_assert_msg(cs_s3_put_file(s3, sha, path, sha, &o, NULL) == 0, "%s", cs_diag());
    unlink(path);
    cs_s3_close(&s3);
}

static int
feed(void *arg, const void *p, size_t n)
{
    return EVP_DigestUpdate(arg, p, n) == 1 ? 0 : CS_ECRYPTO;
}

/* The gateway's current bytes of sha hash to it. */
static int
gateway_matches(const s3_store_t *t, const char *sha)
{
    char got[65];
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned char d[32];
    cs_s3_t *s3 = direct(t);
    ck_assert_int_eq(EVP_DigestInit_ex(md, EVP_sha256(), NULL), 1);
    ck_assert_int_eq(cs_s3_get(s3, sha, 0, 0, feed, md), 0);
    ck_assert_int_eq(EVP_DigestFinal_ex(md, d, NULL), 1);
    for (int i = 0; i < 32; i++)
        snprintf(got + 2 * i, 3, "%02x", d[i]);
    EVP_MD_CTX_free(md);
    cs_s3_close(&s3);
    return strcmp(got, sha) == 0;
}

static cs_store_health_t
health(s3_store_t *t)
{
    cs_store_health_t h;
    ck_assert_int_eq(cs_store_health(t->st, &h), 0);
    ck_assert_msg(h.ok, "%s", h.detail);
    return h;
}

START_TEST(test_md5_put_with_wrong_content_md5_is_refused_and_nothing_stored)
{
    s3_store_t t;
    char path[4300], sha[65];
    store_open(&t, "md5");
    snprintf(path, sizeof path, "%s/upload", t.root);
    cs_test_write_random(path, 2 * MIB, 7);
    file_sha(path, sha);
    cs_s3_t *s3 = direct(&t);
    cs_s3_head_t h;
    /* The MD5 of other bytes: the gateway compares it with the bytes it received. */
    cs_s3_put_opts_t o = {.check = CS_S3_CHECK_MD5, .content_md5 = "1B2M2Y8AsgTpgAmY7PhCfg=="};
    ck_assert_int_eq(cs_s3_put_file(s3, sha, path, sha, &o, NULL), CS_EMISMATCH);
    ck_assert_msg(strstr(cs_diag(), "Content-MD5") && strstr(cs_diag(), "nothing stored"), "%s",
                  cs_diag());
    ck_assert_int_eq(cs_s3_head(s3, sha, &h), CS_ENOTFOUND);
    /* Through the store: its MD5 computed from the bytes, the PUT accepted and checked. */
    cs_put_result_t res;
    ck_assert_msg(cs_store_put_file(t.st, path, &res) == 0, "%s", cs_diag());
    ck_assert_str_eq(res.sha256, sha);
    ck_assert_int_eq(cs_s3_head(s3, sha, &h), 0);
    ck_assert_uint_eq(h.size, 2 * MIB);
    ck_assert_uint_eq(health(&t).readback_waiting, 0); /* checked in transit: nothing waits */
    cs_s3_close(&s3);
    store_close(&t);
}
END_TEST

START_TEST(test_readback_catches_bytes_changed_in_the_gateway_and_sends_again)
{
    s3_store_t t;
    char path[4300], sha[65];
    cs_put_result_t res;
    cs_store_readback_t rb;
    uint64_t removed = 1;
    store_open(&t, "readback");
    snprintf(path, sizeof path, "%s/upload", t.root);
    cs_test_write_random(path, 9 * MIB, 8);
    file_sha(path, sha);
    ck_assert_msg(cs_store_put_file(t.st, path, &res) == 0, "%s", cs_diag());
    ck_assert_str_eq(res.sha256, sha);
    ck_assert_uint_eq(health(&t).readback_waiting, 1);
    corrupt_in_gateway(&t, sha, 9 * MIB);
    ck_assert(!gateway_matches(&t, sha));
    /* Waiting: a trim reads it back first, and keeps the local copy, the one known good. */
    ck_assert_int_eq(cs_store_trim(t.st, 0, 0, &removed), 0);
    ck_assert_uint_eq(removed, 0);
    ck_assert_uint_eq(health(&t).readback_waiting, 1);
    /* The read-back finds the difference and sends the local copy again. */
    ck_assert_msg(cs_store_readback(t.st, NULL, &rb) == 0, "%s", cs_diag());
    ck_assert_uint_eq(rb.checked, 1);
    ck_assert_uint_eq(rb.mismatched, 1);
    ck_assert_uint_eq(rb.resent, 1);
    ck_assert(gateway_matches(&t, sha));
    ck_assert_uint_eq(health(&t).readback_waiting, 1); /* the new version waits for its own */
    ck_assert_int_eq(cs_store_readback(t.st, NULL, &rb), 0);
    ck_assert_uint_eq(rb.checked, 1);
    ck_assert_uint_eq(rb.mismatched, 0);
    cs_store_health_t h = health(&t);
    ck_assert_uint_eq(h.readback_waiting, 0);
    ck_assert_uint_eq(h.readback_mismatched, 0);
    /* Read back: now the local copy may go. */
    ck_assert_int_eq(cs_store_trim(t.st, 0, 0, &removed), 0);
    ck_assert_uint_eq(removed, 9 * MIB);
    store_close(&t);
}
END_TEST

START_TEST(test_readback_without_a_good_local_copy_counts_the_object_as_differing)
{
    s3_store_t t;
    char path[4300], sha[65], local[4400];
    cs_put_result_t res;
    cs_store_readback_t rb;
    store_open(&t, "readback");
    snprintf(path, sizeof path, "%s/upload", t.root);
    cs_test_write_random(path, 8 * MIB, 9);
    file_sha(path, sha);
    ck_assert_msg(cs_store_put_file(t.st, path, &res) == 0, "%s", cs_diag());
    corrupt_in_gateway(&t, sha, 8 * MIB);
    ck_assert_int_eq(cs_store_path(t.st, sha, local, sizeof local), 0);
    ck_assert_int_eq(unlink(local), 0); /* the local copy lost (a disk replaced) */
    ck_assert_int_eq(cs_store_readback(t.st, NULL, &rb), 0);
    ck_assert_uint_eq(rb.mismatched, 1);
    ck_assert_uint_eq(rb.resent, 0);
    cs_store_health_t h = health(&t);
    ck_assert_uint_eq(h.readback_waiting, 0);
    ck_assert_uint_eq(h.readback_mismatched, 1);
    store_close(&t);
}
END_TEST

START_TEST(test_trim_reads_back_a_waiting_object_then_removes_its_local_copy)
{
    s3_store_t t;
    char path[4300];
    cs_put_result_t res;
    uint64_t removed = 0;
    store_open(&t, "readback");
    snprintf(path, sizeof path, "%s/upload", t.root);
    cs_test_write_random(path, 8 * MIB, 11);
    ck_assert_msg(cs_store_put_file(t.st, path, &res) == 0, "%s", cs_diag());
    ck_assert_uint_eq(health(&t).readback_waiting, 1);
    ck_assert_int_eq(cs_store_trim(t.st, 0, 0, &removed), 0);
    ck_assert_uint_eq(removed, 8 * MIB);
    ck_assert_uint_eq(health(&t).readback_waiting, 0); /* read back by the trim */
    store_close(&t);
}
END_TEST

START_TEST(test_readback_leaves_small_objects_signed)
{
    s3_store_t t;
    char path[4300];
    cs_put_result_t res;
    store_open(&t, "readback");
    snprintf(path, sizeof path, "%s/upload", t.root);
    cs_test_write_random(path, 8 * MIB - 1, 10);
    ck_assert_msg(cs_store_put_file(t.st, path, &res) == 0, "%s", cs_diag());
    ck_assert_uint_eq(health(&t).readback_waiting, 0); /* checked in transit, as signed */
    store_close(&t);
}
END_TEST

static int
have_ceph(void)
{
    return system("{ command -v ceph-mon && command -v ceph-osd && command -v radosgw && "
                  "command -v radosgw-admin; } >/dev/null 2>&1") == 0;
}

int
main(void)
{
    Suite *s = suite_create("s3_check");
    SRunner *sr;
    int failed;
    if (!have_ceph()) {
        fprintf(stderr, "test_s3_check: SKIPPED: the Ceph binaries are absent (apt-get install "
                        "ceph-mon ceph-osd radosgw ceph-common, or scripts/setup.sh test)\n");
        return 77;
    }
    TCase *tc = tcase_create("gateway");
    tcase_add_unchecked_fixture(tc, cluster_up, cluster_down);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_md5_put_with_wrong_content_md5_is_refused_and_nothing_stored);
    tcase_add_test(tc, test_readback_catches_bytes_changed_in_the_gateway_and_sends_again);
    tcase_add_test(tc, test_readback_without_a_good_local_copy_counts_the_object_as_differing);
    tcase_add_test(tc, test_trim_reads_back_a_waiting_object_then_removes_its_local_copy);
    tcase_add_test(tc, test_readback_leaves_small_objects_signed);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
