/* tests/storage/test_s3.c: the S3 client against a real Ceph RADOS Gateway, started by
 * tests/storage/ceph.sh in a temporary folder for the whole run and always stopped after it.
 * Without the Ceph binaries (ceph-mon ceph-osd radosgw ceph-common) the gateway cases are
 * skipped with a message (exit 77); everywhere else, CI included, they run. */
#include "storage/s3.h"

#include "core/error.h"
#include "tests/support/testutil.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CEPH_SH CUSTODY_TEST_DATA "/../storage/ceph.sh"
#define MIB (1024u * 1024u)

static char cluster[64]; /* the cluster's folder, "" when it did not start */
static char files[4096]; /* the test's own files */
static char endpoint[128], access_key[128], secret_key[128], region[64];

static int
ceph(const char *verb)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "sh %s %s %s >>%s/ceph.out 2>&1", CEPH_SH, verb, cluster, cluster);
    return system(cmd);
}

static void
env_value(const char *text, const char *name, char *dst, size_t cap)
{
    const char *p = strstr(text, name);
    size_t n;
    ck_assert_msg(p != NULL, "%s missing from the cluster's env", name);
    p += strlen(name) + 1;
    n = strcspn(p, "\n");
    ck_assert_uint_lt(n, cap);
    memcpy(dst, p, n);
    dst[n] = '\0';
}

/* Once for the gateway cases, in the runner's process: start the cluster, read its env. */
static void
cluster_up(void)
{
    char path[256], *text;
    size_t len;
    char owner[32];
    snprintf(cluster, sizeof cluster, "/tmp/cs3-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(cluster));
    /* Stopped by ceph.sh's watcher should this runner die before its teardown. */
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
    snprintf(files, sizeof files, "%s/files", cluster);
    ck_assert_int_eq(mkdir(files, 0700), 0);
}

static void
cluster_down(void)
{
    if (cluster[0] == '\0')
        return;
    ck_assert_int_eq(ceph("stop"), 0);
    cs_test_rmrf(cluster);
}

static cs_s3_t *
open_s3(uint64_t part_size, long timeout_s, const char *secret)
{
    cs_s3_t *s3 = NULL;
    cs_s3_config_t cfg = {.endpoint = endpoint,
                          .bucket = "custody-test",
                          .region = region,
                          .access_key = access_key,
                          .secret_key = secret ? secret : secret_key,
                          .path_style = 1,
                          .prefix = "objects/",
                          .timeout_s = timeout_s,
                          .retries = 1,
                          .part_size = part_size};
    ck_assert_msg(cluster[0], "the Ceph cluster did not start (see the output above)");
    ck_assert_int_eq(cs_s3_open(&s3, &cfg), 0);
    ck_assert_int_eq(cs_s3_bucket_create(s3, 1), 0);
    return s3;
}

/* Writes len random bytes to files/name; returns the path and fills the hex SHA-256. */
static const char *
make_file(const char *name, size_t len, unsigned seed, char sha[65])
{
    static char path[4200];
    unsigned char d[32];
    unsigned int dl = 0;
    size_t n;
    char *data;
    snprintf(path, sizeof path, "%s/%s", files, name);
    cs_test_write_random(path, len, seed);
    data = cs_test_read(path, &n);
    ck_assert_uint_eq(n, len);
    ck_assert_int_eq(EVP_Digest(data, n, d, &dl, EVP_sha256(), NULL), 1);
    for (int i = 0; i < 32; i++)
        snprintf(sha + 2 * i, 3, "%02x", d[i]);
    free(data);
    return path;
}

typedef struct sink {
    char *p;
    size_t len, cap;
    int calls;
} sink_t;

static int
to_memory(void *arg, const void *data, size_t len)
{
    sink_t *s = arg;
    if (s->len + len > s->cap) {
        s->cap = (s->len + len) * 2;
        s->p = realloc(s->p, s->cap);
        ck_assert_ptr_nonnull(s->p);
    }
    memcpy(s->p + s->len, data, len);
    s->len += len;
    s->calls++;
    return 0;
}

/* GETs [off, off + len) of key and compares it with the same bytes of the local file. */
static void
check_range(cs_s3_t *s3, const char *key, const char *path, uint64_t off, uint64_t len)
{
    sink_t got = {0};
    size_t n;
    char *want = cs_test_read(path, &n);
    uint64_t expect = len ? len : n - off;
    ck_assert_msg(cs_s3_get(s3, key, off, len, to_memory, &got) == 0, "GET %s [%llu,+%llu): %s",
                  key, (unsigned long long)off, (unsigned long long)len, cs_diag());
    ck_assert_uint_eq(got.len, expect);
    ck_assert_msg(memcmp(got.p, want + off, (size_t)expect) == 0, "bytes differ at %llu",
                  (unsigned long long)off);
    free(got.p);
    free(want);
}

START_TEST(test_put_small_and_read_back)
{
    char sha[65];
    const char *path = make_file("small", 300 * 1000, 1, sha);
    cs_s3_t *s3 = open_s3(5 * MIB, 10, NULL);
    cs_s3_put_result_t res;
    cs_s3_head_t head;

    ck_assert_msg(cs_s3_put_file(s3, sha, path, sha, NULL, &res) == 0, "%s", cs_diag());
    ck_assert_int_eq(res.multipart, 0);
    ck_assert_str_ne(res.version_id, ""); /* the Object Lock bucket is versioned */
    ck_assert_int_eq(cs_s3_head(s3, sha, &head), 0);
    ck_assert_uint_eq(head.size, 300 * 1000);
    ck_assert_str_eq(head.sha256, sha);
    ck_assert_str_eq(head.version_id, res.version_id);
    ck_assert_int_eq(head.lock.mode, CS_S3_LOCK_NONE);
    check_range(s3, sha, path, 0, 0);
    check_range(s3, sha, path, 0, 1);
    check_range(s3, sha, path, 12345, 100000);
    check_range(s3, sha, path, 300 * 1000 - 1, 0);
    ck_assert_int_eq(cs_s3_head(s3, "no-such-object", &head), CS_ENOTFOUND);
    ck_assert_int_eq(cs_s3_get(s3, sha, 300 * 1000 + 5, 0, to_memory, &(sink_t){0}), CS_EINVAL);
    cs_s3_close(&s3);
    ck_assert_ptr_null(s3);
}
END_TEST

START_TEST(test_put_multipart_and_read_back)
{
    char sha[65];
    const char *path = make_file("large", 12 * MIB + 7, 2, sha);
    cs_s3_t *s3 = open_s3(5 * MIB, 10, NULL);
    cs_s3_put_result_t res;
    cs_s3_head_t head;
    cs_s3_upload_t *up = NULL;
    size_t n = 1;

    ck_assert_msg(cs_s3_put_file(s3, sha, path, sha, NULL, &res) == 0, "%s", cs_diag());
    ck_assert_int_eq(res.multipart, 1);
    ck_assert_msg(strstr(res.etag, "-3") != NULL, "etag %s", res.etag); /* three parts */
    ck_assert_int_eq(cs_s3_head(s3, sha, &head), 0);
    ck_assert_uint_eq(head.size, 12 * MIB + 7);
    ck_assert_str_eq(head.sha256, sha);
    check_range(s3, sha, path, 0, 0);
    check_range(s3, sha, path, 5 * MIB - 10, 20); /* across the first part's end */
    check_range(s3, sha, path, 10 * MIB, 0);
    /* Nothing left in progress. */
    ck_assert_int_eq(cs_s3_uploads_list(s3, sha, &up, &n), 0);
    ck_assert_uint_eq(n, 0);
    cs_s3_close(&s3);
}
END_TEST

START_TEST(test_wrong_hash_is_refused_and_nothing_stored)
{
    char sha[65], wrong[65];
    const char *small = make_file("small-bad", 1000, 3, sha);
    cs_s3_t *s3 = open_s3(5 * MIB, 10, NULL);
    cs_s3_head_t head;
    cs_s3_upload_t *up = NULL;
    size_t n = 1;

    memcpy(wrong, sha, sizeof wrong);
    wrong[10] = wrong[10] == '0' ? '1' : '0';
    /* One PUT: the gateway checks x-amz-content-sha256 and refuses. */
    ck_assert_int_eq(cs_s3_put_file(s3, "bad-small", small, wrong, NULL, NULL), CS_EMISMATCH);
    ck_assert_ptr_nonnull(strstr(cs_diag(), "nothing stored"));
    ck_assert_int_eq(cs_s3_head(s3, "bad-small", &head), CS_ENOTFOUND);
    /* In parts: each part checked by the gateway, the whole by the client before completion. */
    const char *large = make_file("large-bad", 11 * MIB, 4, sha);
    memcpy(wrong, sha, sizeof wrong);
    wrong[0] = wrong[0] == 'a' ? 'b' : 'a';
    ck_assert_int_eq(cs_s3_put_file(s3, "bad-large", large, wrong, NULL, NULL), CS_EMISMATCH);
    ck_assert_int_eq(cs_s3_head(s3, "bad-large", &head), CS_ENOTFOUND);
    ck_assert_int_eq(cs_s3_uploads_list(s3, "bad-large", &up, &n), 0);
    ck_assert_uint_eq(n, 0); /* the upload was aborted */
    cs_s3_close(&s3);
}
END_TEST

START_TEST(test_compliance_lock_refuses_delete)
{
    char sha[65];
    const char *path = make_file("locked", 4096, 5, sha);
    cs_s3_t *s3 = open_s3(5 * MIB, 10, NULL);
    time_t until = time(NULL) + 86400;
    cs_s3_lock_t lock = {.mode = CS_S3_LOCK_COMPLIANCE, .retain_until = until};
    cs_s3_put_opts_t opts = {.lock = &lock};
    cs_s3_put_result_t res;
    cs_s3_head_t head;

    ck_assert_msg(cs_s3_put_file(s3, "locked", path, sha, &opts, &res) == 0, "%s", cs_diag());
    ck_assert_int_eq(cs_s3_head(s3, "locked", &head), 0);
    ck_assert_int_eq(head.lock.mode, CS_S3_LOCK_COMPLIANCE);
    ck_assert_int_eq(head.lock.retain_until, until);
    /* The store itself refuses to delete the locked version. */
    ck_assert_int_eq(cs_s3_delete(s3, "locked", res.version_id), CS_EACCES);
    ck_assert_ptr_nonnull(strstr(cs_diag(), "403"));
    ck_assert_int_eq(cs_s3_head(s3, "locked", &head), 0);
    ck_assert_str_eq(head.version_id, res.version_id);
    check_range(s3, "locked", path, 0, 0);
    /* An unlocked version can be deleted. */
    ck_assert_int_eq(cs_s3_put_file(s3, "unlocked", path, sha, NULL, &res), 0);
    ck_assert_int_eq(cs_s3_delete(s3, "unlocked", res.version_id), 0);
    ck_assert_int_eq(cs_s3_head(s3, "unlocked", &head), CS_ENOTFOUND);
    cs_s3_close(&s3);
}
END_TEST

typedef struct seen {
    char keys[8][64];
    uint64_t sizes[8];
    int n;
} seen_t;

static int
collect(void *arg, const char *key, uint64_t size)
{
    seen_t *s = arg;
    ck_assert_int_lt(s->n, 8);
    snprintf(s->keys[s->n], sizeof s->keys[0], "%s", key);
    s->sizes[s->n++] = size;
    return 0;
}

START_TEST(test_list_under_prefix)
{
    char sha[65];
    const char *path = make_file("listed", 10, 6, sha);
    cs_s3_t *s3 = open_s3(5 * MIB, 10, NULL);
    seen_t seen = {0};
    const char *keys[] = {"list/b", "list/a", "list/c/d", "other/x"};

    for (size_t i = 0; i < 4; i++)
        ck_assert_int_eq(cs_s3_put_file(s3, keys[i], path, sha, NULL, NULL), 0);
    ck_assert_int_eq(cs_s3_list(s3, "list/", collect, &seen), 0);
    ck_assert_int_eq(seen.n, 3);
    ck_assert_str_eq(seen.keys[0], "list/a"); /* relative to the prefix, in key order */
    ck_assert_str_eq(seen.keys[1], "list/b");
    ck_assert_str_eq(seen.keys[2], "list/c/d");
    ck_assert_uint_eq(seen.sizes[2], 10);
    cs_s3_close(&s3);
}
END_TEST

/* The callback of a process that dies once its upload is recorded, as after a crash. */
static int
record_and_die(void *arg, const char *key, const char *upload_id)
{
    FILE *f = fopen(arg, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "%s %s", key, upload_id);
    fclose(f);
    _exit(0);
}

START_TEST(test_upload_left_by_a_crash_is_listed_and_aborted)
{
    char sha[65], record[4200], key[256], id[CS_S3_ID_MAX];
    const char *path = make_file("crash", 6 * MIB, 7, sha);
    cs_s3_t *s3 = open_s3(5 * MIB, 10, NULL);
    cs_s3_upload_t *up = NULL;
    size_t n = 0;
    int status;
    pid_t pid;
    FILE *f;

    snprintf(record, sizeof record, "%s/upload.rec", files);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        cs_s3_t *child = open_s3(5 * MIB, 10, NULL);
        cs_s3_put_opts_t opts = {.on_upload = record_and_die, .arg = record};
        cs_s3_put_file(child, "crash/one", path, sha, &opts, NULL);
        _exit(1);
    }
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    f = fopen(record, "r");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(fscanf(f, "%255s %255s", key, id), 2);
    fclose(f);
    ck_assert_str_eq(key, "crash/one");
    /* At the next start: the upload is found by its prefix, and aborted. */
    ck_assert_int_eq(cs_s3_uploads_list(s3, "crash/", &up, &n), 0);
    ck_assert_uint_eq(n, 1);
    ck_assert_str_eq(up[0].key, "crash/one");
    ck_assert_str_eq(up[0].upload_id, id);
    free(up);
    ck_assert_int_eq(cs_s3_upload_abort(s3, key, id), 0);
    ck_assert_int_eq(cs_s3_uploads_list(s3, "crash/", &up, &n), 0);
    ck_assert_uint_eq(n, 0);
    ck_assert_int_eq(cs_s3_upload_abort(s3, key, id), 0); /* gone already: no error */
    cs_s3_close(&s3);
}
END_TEST

static int
record_id(void *arg, const char *key, const char *upload_id)
{
    (void)key;
    snprintf(arg, CS_S3_ID_MAX, "%s", upload_id);
    return 0;
}

START_TEST(test_kept_upload_is_resumed_keeping_matching_parts)
{
    char sha[65], id[CS_S3_ID_MAX] = "";
    const char *path = make_file("resume", 12 * MIB + 3, 10, sha);
    cs_s3_t *s3 = open_s3(5 * MIB, 10, NULL);
    cs_s3_put_opts_t keep = {.on_upload = record_id, .arg = id, .keep_on_failure = 1};
    cs_s3_put_opts_t resume = {.resume_upload_id = id};
    cs_s3_put_result_t res;
    cs_s3_head_t head;
    cs_s3_upload_t *up = NULL;
    size_t n = 0, len;
    char *bytes = cs_test_read(path, &len);
    FILE *f;

    /* The file changes in its third part while it is sent: the whole does not match. */
    f = fopen(path, "r+");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(fseek(f, 11 * MIB, SEEK_SET), 0);
    ck_assert_int_eq(fputc(bytes[11 * MIB] ^ 0x5a, f), bytes[11 * MIB] ^ 0x5a);
    fclose(f);
    ck_assert_int_eq(cs_s3_put_file(s3, "resume", path, sha, &keep, NULL), CS_EMISMATCH);
    ck_assert_int_eq(cs_s3_head(s3, "resume", &head), CS_ENOTFOUND);
    ck_assert_int_eq(cs_s3_uploads_list(s3, "resume", &up, &n), 0);
    ck_assert_uint_eq(n, 1); /* kept, not aborted */
    ck_assert_str_eq(up[0].upload_id, id);
    free(up);
    /* The file is right again: parts 1 and 2 are kept (same MD5), part 3 is sent again. */
    cs_test_write(path, bytes, len);
    ck_assert_msg(cs_s3_put_file(s3, "resume", path, sha, &resume, &res) == 0, "%s", cs_diag());
    ck_assert_int_eq(res.parts_kept, 2);
    check_range(s3, "resume", path, 0, 0);
    ck_assert_int_eq(cs_s3_uploads_list(s3, "resume", &up, &n), 0);
    ck_assert_uint_eq(n, 0);
    /* An upload the store no longer knows starts afresh. */
    ck_assert_int_eq(cs_s3_put_file(s3, "resume2", path, sha, &resume, &res), 0);
    ck_assert_int_eq(res.parts_kept, 0);
    check_range(s3, "resume2", path, 5 * MIB, 100);
    free(bytes);
    cs_s3_close(&s3);
}
END_TEST

START_TEST(test_paused_gateway_is_unavailable_then_back)
{
    char sha[65];
    const char *path = make_file("pause", 1000, 8, sha);
    cs_s3_t *s3 = open_s3(5 * MIB, 2, NULL);
    cs_s3_head_t head;
    time_t t0;

    ck_assert_int_eq(cs_s3_put_file(s3, "pause", path, sha, NULL, NULL), 0);
    ck_assert_int_eq(ceph("pause-gateway"), 0);
    t0 = time(NULL);
    int err = cs_s3_head(s3, "pause", &head);
    ck_assert_int_eq(ceph("resume-gateway"), 0);
    ck_assert_msg(err == CS_EUNAVAILABLE, "%s: %s", cs_errname(err), cs_diag());
    ck_assert_ptr_nonnull(strstr(cs_diag(), "is the gateway up?"));
    /* Two attempts of a 2 s timeout and one back-off; generous for a loaded machine. */
    ck_assert_int_le(time(NULL) - t0, 20);
    ck_assert_msg(cs_s3_head(s3, "pause", &head) == 0, "%s", cs_diag());
    ck_assert_uint_eq(head.size, 1000);
    cs_s3_close(&s3);
}
END_TEST

START_TEST(test_virtual_host_addressing)
{
    char sha[65], vhost[160];
    const char *path = make_file("vhost", 2000, 9, sha);
    cs_s3_t *s3 = open_s3(5 * MIB, 10, NULL), *v = NULL;
    cs_s3_head_t head;
    cs_s3_config_t cfg = {.endpoint = vhost,
                          .bucket = "custody-test",
                          .region = region,
                          .access_key = access_key,
                          .secret_key = secret_key,
                          .path_style = 0,
                          .prefix = "objects/",
                          .timeout_s = 10,
                          .retries = 1,
                          .part_size = 5 * MIB};
    /* custody-test.localhost: curl resolves *.localhost to loopback; rgw_dns_name = localhost. */
    snprintf(vhost, sizeof vhost, "http://localhost:%s", strrchr(endpoint, ':') + 1);
    ck_assert_int_eq(cs_s3_open(&v, &cfg), 0);
    ck_assert_msg(cs_s3_put_file(v, "vhost", path, sha, NULL, NULL) == 0, "%s", cs_diag());
    ck_assert_int_eq(cs_s3_head(s3, "vhost", &head), 0); /* the same object, path-style */
    ck_assert_uint_eq(head.size, 2000);
    check_range(v, "vhost", path, 100, 10);
    cs_s3_close(&v);
    cs_s3_close(&s3);
}
END_TEST

START_TEST(test_wrong_secret_refused_and_never_shown)
{
    cs_s3_t *s3 = NULL;
    cs_s3_head_t head;
    cs_s3_config_t cfg = {.endpoint = endpoint,
                          .bucket = "custody-test",
                          .region = region,
                          .access_key = access_key,
                          .secret_key = "not-the-secret-0123456789",
                          .path_style = 1,
                          .timeout_s = 5,
                          .retries = 0,
                          .part_size = 5 * MIB};
    ck_assert_msg(cluster[0], "the Ceph cluster did not start");
    ck_assert_int_eq(cs_s3_open(&s3, &cfg), 0);
    ck_assert_int_eq(cs_s3_head(s3, "x", &head), CS_EACCES);
    ck_assert_ptr_null(strstr(cs_diag(), "not-the-secret"));
    ck_assert_ptr_nonnull(strstr(cs_diag(), "403"));
    cs_s3_close(&s3);
}
END_TEST

START_TEST(test_credentials_file_mode_and_content)
{
    char *dir = cs_test_tmpdir(), path[4200], ak[64], sk[64];
    snprintf(path, sizeof path, "%s/s3.cred", dir);
    cs_test_write(path, "# test\naccess_key = AKIA1\n  secret_key=s3cr3t \n", 48);
    ck_assert_int_eq(chmod(path, 0644), 0);
    ck_assert_int_eq(cs_s3_credentials_read(path, ak, sizeof ak, sk, sizeof sk), CS_EACCES);
    ck_assert_ptr_nonnull(strstr(cs_diag(), "chmod 600"));
    ck_assert_ptr_null(strstr(cs_diag(), "s3cr3t"));
    ck_assert_int_eq(chmod(path, 0600), 0);
    ck_assert_int_eq(cs_s3_credentials_read(path, ak, sizeof ak, sk, sizeof sk), 0);
    ck_assert_str_eq(ak, "AKIA1");
    ck_assert_str_eq(sk, "s3cr3t");
    ck_assert_int_eq(cs_s3_credentials_read(path, ak, 3, sk, sizeof sk), CS_ENAMETOOLONG);
    cs_test_write(path, "access_key = AKIA1\n", 19);
    ck_assert_int_eq(cs_s3_credentials_read(path, ak, sizeof ak, sk, sizeof sk), CS_ECONFIG);
    ck_assert_ptr_nonnull(strstr(cs_diag(), "secret_key is missing"));
    cs_test_write(path, "access_key AKIA1\n", 17);
    ck_assert_int_eq(cs_s3_credentials_read(path, ak, sizeof ak, sk, sizeof sk), CS_ECONFIG);
    cs_test_rmrf(dir);
    free(dir);
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
    Suite *s = suite_create("s3");
    TCase *files_tc = tcase_create("credentials");
    SRunner *sr;
    int failed, skipped = !have_ceph();

    tcase_add_test(files_tc, test_credentials_file_mode_and_content);
    suite_add_tcase(s, files_tc);
    if (!skipped) {
        TCase *tc = tcase_create("gateway");
        tcase_add_unchecked_fixture(tc, cluster_up, cluster_down);
        tcase_set_timeout(tc, 120);
        tcase_add_test(tc, test_put_small_and_read_back);
        tcase_add_test(tc, test_put_multipart_and_read_back);
        tcase_add_test(tc, test_wrong_hash_is_refused_and_nothing_stored);
        tcase_add_test(tc, test_compliance_lock_refuses_delete);
        tcase_add_test(tc, test_list_under_prefix);
        tcase_add_test(tc, test_upload_left_by_a_crash_is_listed_and_aborted);
        tcase_add_test(tc, test_kept_upload_is_resumed_keeping_matching_parts);
        tcase_add_test(tc, test_paused_gateway_is_unavailable_then_back);
        tcase_add_test(tc, test_virtual_host_addressing);
        tcase_add_test(tc, test_wrong_secret_refused_and_never_shown);
        suite_add_tcase(s, tc);
    } else {
        fprintf(stderr, "test_s3: SKIPPED the gateway cases: the Ceph binaries are absent "
                        "(apt-get install ceph-mon ceph-osd radosgw ceph-common, or "
                        "scripts/setup.sh test)\n");
    }
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    if (failed)
        return EXIT_FAILURE;
    return skipped ? 77 : EXIT_SUCCESS;
}
