/* tests/e2e/test_s3.c: the store on a real S3 object store (issue 20): a single-node Ceph
 * cluster with its RADOS Gateway, started for this program by tests/storage/ceph.sh.
 *
 * Objects are in the object store under Object Lock, and neither Custody nor a direct S3
 * DELETE can remove a locked version; downloads stream ranges from the object store without
 * a local copy; migration there and back verifies every object; a gateway that stops answering
 * mid-ingest loses nothing and duplicates nothing. */
#include "tests/e2e/e2e_api.h"

#include "core/error.h"
#include "storage/s3.h"

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char gw[64];      /* the gateway's folder */
static char gw_env[128]; /* its env file */
static char ceph_sh[PATH_MAX];

static void
gateway(const char *verb)
{
    cs_run_t r;
    char *argv[] = {"/bin/sh", ceph_sh, (char *)verb, gw, NULL};
    cs_test_run(&r, NULL, argv);
    ck_assert_msg(r.status == 0, "ceph.sh %s: %s", verb, r.err);
    cs_test_run_free(&r);
}

/* Once for the program (an unchecked fixture): the cluster, and every home on it. */
static void
gateway_start(void)
{
    snprintf(ceph_sh, sizeof ceph_sh, "%s/../storage/ceph.sh", CUSTODY_TEST_DATA);
    snprintf(gw, sizeof gw, "/tmp/cs3.XXXXXX");
    if (mkdtemp(gw) == NULL) {
        perror("mkdtemp");
        exit(1);
    }
    snprintf(gw_env, sizeof gw_env, "%s/env", gw);
    char cmd[PATH_MAX + 200];
    snprintf(cmd, sizeof cmd, "/bin/sh %s start %s", ceph_sh, gw);
    if (system(cmd) != 0) {
        fprintf(stderr,
                "test_s3: the Ceph gateway did not start (%s); scripts/setup.sh test "
                "installs ceph-mon ceph-osd radosgw ceph-common\n",
                cmd);
        exit(1);
    }
    setenv("CUSTODY_TEST_S3_ENV", gw_env, 1);
}

static void
gateway_stop(void)
{
    char cmd[PATH_MAX + 200];
    snprintf(cmd, sizeof cmd, "/bin/sh %s stop %s", ceph_sh, gw);
    if (system(cmd) != 0)
        fprintf(stderr, "test_s3: ceph.sh stop failed\n");
    cs_test_rmrf(gw);
}

/* An S3 client of our own on the home's bucket, as someone with the keys would use it. */
static cs_s3_t *
direct(const e2e_t *t)
{
    static char endpoint[256], access[256], secret[256], region[64];
    ck_assert_int_eq(e2e_s3_env(gw_env, "S3_ENDPOINT", endpoint, sizeof endpoint), 0);
    ck_assert_int_eq(e2e_s3_env(gw_env, "S3_ACCESS_KEY", access, sizeof access), 0);
    ck_assert_int_eq(e2e_s3_env(gw_env, "S3_SECRET_KEY", secret, sizeof secret), 0);
    if (e2e_s3_env(gw_env, "S3_REGION", region, sizeof region) != 0)
        snprintf(region, sizeof region, "default");
    cs_s3_config_t c = {.endpoint = endpoint,
                        .bucket = t->bucket,
                        .region = region,
                        .access_key = access,
                        .secret_key = secret,
                        .path_style = 1,
                        .prefix = "objects/sha256/",
                        .timeout_s = 5,
                        .retries = 1,
                        .part_size = CS_S3_MIN_PART};
    cs_s3_t *s3 = NULL;
    ck_assert_int_eq(cs_s3_open(&s3, &c), 0);
    return s3;
}

static long
local_objects(const e2e_t *t)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s/store/objects", t->home);
    return cs_test_count_files(dir);
}

static void
custody_ok(cs_run_t *r, const char *what)
{
    ck_assert_msg(r->status == 0, "%s exited %d: %s", what, r->status, r->err);
}

static void
trim_all(const e2e_t *t)
{
    cs_run_t r;
    cs_test_custody(&r, "store", "trim", "--home", t->home, "--set", "store.s3_cache_mb=0", NULL);
    custody_ok(&r, "store trim");
    cs_test_run_free(&r);
    ck_assert_int_eq(local_objects(t), 0);
}

START_TEST(objects_are_locked_in_the_object_store)
{
    api_t a;
    cs_run_t r;
    api_setup(&a);
    /* show says where the original is and until when it is locked. */
    cs_test_custody(&r, "show", a.sha, "--home", a.t.home, "--purpose", "check", "--json", NULL);
    custody_ok(&r, "show");
    json_t *item = e2e_json(&r), *st = json_object_get(item, "store");
    ck_assert_str_eq(json_string_value(json_object_get(st, "backend")), "s3");
    ck_assert(json_is_true(json_object_get(st, "remote")));
    ck_assert_int_eq(json_integer_value(json_object_get(st, "size")), SIZE);
    ck_assert_str_eq(json_string_value(json_object_get(st, "lock_mode")), "COMPLIANCE");
    char tomorrow[16];
    time_t when = time(NULL) + 86400;
    strftime(tomorrow, sizeof tomorrow, "%Y-%m-%d", gmtime(&when));
    ck_assert_msg(strncmp(json_string_value(json_object_get(st, "retain_until")), tomorrow, 10) ==
                      0,
                  "retain_until %s, expected %s",
                  json_string_value(json_object_get(st, "retain_until")), tomorrow);
    json_decref(item);
    cs_test_run_free(&r);
    cs_test_custody(&r, "status", "--home", a.t.home, NULL);
    custody_ok(&r, "status");
    ck_assert_msg(strstr(r.out, "store     s3 ") != NULL && strstr(r.out, "answers") != NULL &&
                      strstr(r.out, "Object Lock compliance, 1 days") != NULL,
                  "status: %s", r.out);
    cs_test_run_free(&r);

    /* A direct DELETE of the locked version: refused by the store itself. */
    cs_s3_t *s3 = direct(&a.t);
    cs_s3_head_t h;
    ck_assert_int_eq(cs_s3_head(s3, a.sha, &h), 0);
    ck_assert_int_eq(h.lock.mode, CS_S3_LOCK_COMPLIANCE);
    ck_assert_str_ne(h.version_id, "");
    ck_assert_int_eq(cs_s3_delete(s3, a.sha, h.version_id), CS_EACCES);
    ck_assert_int_eq(cs_s3_head(s3, a.sha, &h), 0);

    /* Nor through Custody: a migration away that asks to remove the source keeps it. */
    cs_test_custody(&r, "store", "migrate", "--to", "local", "--remove-source", "--home", a.t.home,
                    NULL);
    custody_ok(&r, "store migrate --to local --remove-source");
    ck_assert_msg(strstr(r.out, "refused to delete (locked)") != NULL, "migrate: %s", r.out);
    cs_test_run_free(&r);
    ck_assert_int_eq(cs_s3_head(s3, a.sha, &h), 0);
    ck_assert_uint_eq(h.size, SIZE);
    cs_s3_close(&s3);
    api_teardown(&a);
}
END_TEST

/* The archival copy is kept as the original is; the access copy and the preview can be made
 * again and go unlocked. */
START_TEST(the_archival_copy_is_locked_and_the_access_copy_is_not)
{
    e2e_t t;
    cs_run_t r;
    char clip[PATH_MAX], cmd[PATH_MAX + 200];
    e2e_setup(&t);
    snprintf(clip, sizeof clip, "%s/clip.mp4", t.dir);
    snprintf(cmd, sizeof cmd,
             "ffmpeg -nostdin -loglevel error -y -f lavfi -i testsrc2=size=320x240:rate=25 -f "
             "lavfi -i sine=frequency=440 -t 1 -c:v libx264 -pix_fmt yuv420p '%s'",
             clip);
    ck_assert_int_eq(system(cmd), 0);
    /* The FFV1 profile for H.264 MP4 (the format policy keeps them by default): the clip
     * gets an archival copy. */
    cs_test_custody(&r, "policy", "set", "mp4-h264", "--action", "normalise", "--target",
                    "ffv1-mkv", "--home", t.home, NULL);
    custody_ok(&r, "policy set");
    cs_test_run_free(&r);
    cs_test_custody(&r, "ingest", "--home", t.home, "--case", "京公(2026)8号", "--json", clip,
                    NULL);
    custody_ok(&r, "ingest");
    json_t *v = e2e_json(&r);
    char sha[65];
    snprintf(sha, sizeof sha, "%s", json_string_value(json_object_get(v, "sha256")));
    json_decref(v);
    cs_test_run_free(&r);
    cs_test_custody(&r, "show", sha, "--home", t.home, "--purpose", "check", "--json", NULL);
    custody_ok(&r, "show");
    json_t *item = e2e_json(&r), *d;
    size_t i;
    int seen = 0;
    cs_s3_t *s3 = direct(&t);
    json_array_foreach(json_object_get(item, "derivatives"), i, d)
    {
        const char *profile = json_string_value(json_object_get(d, "profile"));
        const char *obj = json_string_value(json_object_get(d, "sha256"));
        cs_s3_head_t h;
        ck_assert_msg(obj != NULL, "%s copy failed", profile);
        ck_assert_int_eq(cs_s3_head(s3, obj, &h), 0);
        if (strcmp(profile, "archival") == 0) {
            ck_assert_int_eq(h.lock.mode, CS_S3_LOCK_COMPLIANCE);
            seen |= 1;
        } else if (strcmp(profile, "access") == 0) {
            ck_assert_int_eq(h.lock.mode, CS_S3_LOCK_NONE);
            seen |= 2;
        }
    }
    ck_assert_int_eq(seen, 3);
    cs_s3_head_t h;
    ck_assert_int_eq(cs_s3_head(s3, sha, &h), 0);
    ck_assert_int_eq(h.lock.mode, CS_S3_LOCK_COMPLIANCE); /* the original */
    cs_s3_close(&s3);
    json_decref(item);
    cs_test_run_free(&r);
    e2e_teardown(&t);
}
END_TEST

START_TEST(downloads_stream_ranges_from_the_object_store)
{
    api_t a;
    resp_t rs;
    api_setup(&a);
    trim_all(&a.t);
    char target[200];
    snprintf(target, sizeof target, "/v1/items/%s/original", a.sha);
    http(&a, &rs, "GET", target, a.alice, PURPOSE, "bytes=1000-299999", NULL);
    ck_assert_int_eq(rs.status, 206);
    ck_assert_uint_eq(rs.body_len, SIZE - 1000);
    ck_assert_int_eq(memcmp(rs.body, a.data + 1000, SIZE - 1000), 0);
    resp_free(&rs);
    http(&a, &rs, "GET", target, a.alice, PURPOSE, NULL, NULL);
    ck_assert_int_eq(rs.status, 200);
    ck_assert_uint_eq(rs.body_len, SIZE);
    ck_assert_int_eq(memcmp(rs.body, a.data, SIZE), 0);
    resp_free(&rs);
    /* Streamed: no local copy was made to serve it. */
    ck_assert_int_eq(local_objects(&a.t), 0);
    /* And the CLI's get fetches a verified one. */
    char out[PATH_MAX];
    cs_run_t r;
    snprintf(out, sizeof out, "%s/got.bin", a.t.dir);
    cs_test_custody(&r, "get", a.sha, "--home", a.t.home, "--as", "alice", "--purpose", "复核",
                    "--out", out, NULL);
    custody_ok(&r, "get");
    cs_test_run_free(&r);
    size_t len = 0;
    char *got = cs_test_read(out, &len);
    ck_assert_uint_eq(len, SIZE);
    ck_assert_int_eq(memcmp(got, a.data, SIZE), 0);
    free(got);
    api_teardown(&a);
}
END_TEST

/* Ingests `size` random bytes into CASE_A (the service running): its hash into sha, its bytes
 * into *data (malloc'd). */
static void
ingest_random(api_t *a, size_t size, unsigned seed, char sha[65], char **data)
{
    char path[PATH_MAX];
    cs_run_t r;
    snprintf(path, sizeof path, "%s/big%u.bin", a->t.dir, seed);
    cs_test_write_random(path, size, seed);
    size_t len = 0;
    *data = cs_test_read(path, &len);
    ck_assert_uint_eq(len, size);
    cs_test_custody(&r, "ingest", "--home", a->t.home, "--case", CASE_A, path, NULL);
    custody_ok(&r, "ingest");
    cs_test_run_free(&r);
    unsigned char md[32];
    unsigned int mdlen = 0;
    EVP_Digest(*data, size, md, &mdlen, EVP_sha256(), NULL);
    for (int i = 0; i < 32; i++)
        sprintf(sha + 2 * i, "%02x", md[i]);
}

/* custody_store_requests_total of /metrics (whose reading probes the store once). */
static unsigned long long
store_requests(api_t *a)
{
    resp_t m;
    http(a, &m, "GET", "/metrics", NULL, NULL, NULL, NULL);
    ck_assert_int_eq(m.status, 200);
    const char *p = strstr(m.body, "\ncustody_store_requests_total ");
    ck_assert_ptr_nonnull(p);
    unsigned long long n = strtoull(p + 30, NULL, 10);
    resp_free(&m);
    return n;
}

/* A download from the object store is one GET, as a client of the gateway would make it, not
 * one per few MiB; a range is one GET of that range. */
START_TEST(a_download_from_the_object_store_is_one_get)
{
    api_t a;
    resp_t rs;
    char sha[65], target[200], *data;
    enum { BIG = 9 * 1000 * 1000 }; /* more than two of the 4 MiB ranges read before */
    static const char *const sets[] = {"store.scrub_days=0", NULL}; /* no scrub's requests */
    api_setup_with(&a, sets);
    ingest_random(&a, BIG, 91, sha, &data);
    trim_all(&a.t);
    snprintf(target, sizeof target, "/v1/items/%s/original", sha);
    unsigned long long before = store_requests(&a);
    http(&a, &rs, "GET", target, a.alice, PURPOSE, NULL, NULL);
    ck_assert_int_eq(rs.status, 200);
    ck_assert_uint_eq(rs.body_len, BIG);
    ck_assert_int_eq(memcmp(rs.body, data, BIG), 0);
    resp_free(&rs);
    /* The second reading's probe, and the download's one GET. */
    unsigned long long used = store_requests(&a) - before;
    ck_assert_msg(used == 2, "the download made %llu requests to the object store, not 1",
                  used - 1);
    before = store_requests(&a);
    http(&a, &rs, "GET", target, a.alice, PURPOSE, "bytes=100-8999999", NULL);
    ck_assert_int_eq(rs.status, 206);
    ck_assert_uint_eq(rs.body_len, BIG - 100);
    ck_assert_int_eq(memcmp(rs.body, data + 100, BIG - 100), 0);
    resp_free(&rs);
    used = store_requests(&a) - before;
    ck_assert_msg(used == 2, "the range made %llu requests to the object store, not 1", used - 1);
    ck_assert_int_eq(local_objects(&a.t), 0);
    /* A client that leaves after the first bytes: its GET stops, the next download is whole
     * and the service still stops cleanly (api_teardown). */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)a.port)};
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&sin, sizeof sin), 0);
    char req[1024], buf[4096];
    int n = snprintf(req, sizeof req,
                     "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
                     "X-Custody-Purpose: %s\r\n\r\n",
                     target, a.alice, PURPOSE);
    ck_assert_int_eq(write(fd, req, (size_t)n), n);
    ck_assert_int_gt(read(fd, buf, sizeof buf), 0);
    close(fd);
    http(&a, &rs, "GET", target, a.alice, PURPOSE, NULL, NULL);
    ck_assert_int_eq(rs.status, 200);
    ck_assert_uint_eq(rs.body_len, BIG);
    resp_free(&rs);
    free(data);
    api_teardown(&a);
}
END_TEST

/* Ranges from the object store are exact at every size the hand-over between the GET's thread
 * and the loop treats apart (api/stream_remote.c): less than the least a slot goes to an idle
 * loop with (256 KiB), exactly that, one slot (1 MiB) and its edges, more than both slots, the
 * last byte; one after another on one connection of the service. */
START_TEST(ranges_from_the_object_store_are_exact_at_every_hand_over_size)
{
    api_t a;
    resp_t rs;
    char sha[65], target[200], range[96], *data;
    enum { K = 1024, M = 1024 * 1024, BIG = 3 * M + 12345 };
    static const struct {
        unsigned long long from, to;
    } ranges[] = {
        {0, 0},     {7, 256 * K - 2}, {0, 256 * K - 1}, {1, 256 * K}, {0, M - 1},
        {M - 1, M}, {M - 1, 2 * M},   {5, 2 * M + 6},   {0, BIG - 2}, {BIG - 1, BIG - 1},
    };
    static const char *const sets[] = {"store.scrub_days=0", NULL};
    api_setup_with(&a, sets);
    ingest_random(&a, BIG, 93, sha, &data);
    trim_all(&a.t);
    snprintf(target, sizeof target, "/v1/items/%s/original", sha);
    for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++) {
        size_t len = (size_t)(ranges[i].to - ranges[i].from + 1);
        snprintf(range, sizeof range, "bytes=%llu-%llu", ranges[i].from, ranges[i].to);
        http(&a, &rs, "GET", target, a.alice, PURPOSE, range, NULL);
        ck_assert_msg(rs.status == 206, "%s answered %d", range, rs.status);
        ck_assert_msg(rs.body_len == len, "%s gave %zu bytes", range, rs.body_len);
        ck_assert_msg(memcmp(rs.body, data + ranges[i].from, len) == 0, "%s: other bytes", range);
        resp_free(&rs);
    }
    http(&a, &rs, "GET", target, a.alice, PURPOSE, NULL, NULL);
    ck_assert_int_eq(rs.status, 200);
    ck_assert_uint_eq(rs.body_len, BIG);
    ck_assert_int_eq(memcmp(rs.body, data, BIG), 0);
    resp_free(&rs);
    ck_assert_int_eq(local_objects(&a.t), 0);
    free(data);
    api_teardown(&a);
}
END_TEST

/* A gateway that stops answering in the middle of a download: the answer ends short of its
 * Content-Length and the connection closes; never a shorter answer that looks complete. */
START_TEST(a_download_the_gateway_cuts_off_ends_short)
{
    api_t a;
    char sha[65], target[200], req[1024], *data;
    enum { BIG = 64 * 1000 * 1000, FIRST = 1000 * 1000 }; /* more than every buffer between */
    static const char *const sets[] = {"store.scrub_days=0", "store.s3_timeout_s=2", NULL};
    api_setup_with(&a, sets);
    ingest_random(&a, BIG, 92, sha, &data);
    trim_all(&a.t);
    snprintf(target, sizeof target, "/v1/items/%s/original", sha);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)a.port)};
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&sin, sizeof sin), 0);
    int n = snprintf(req, sizeof req,
                     "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAuthorization: "
                     "Bearer %s\r\nX-Custody-Purpose: %s\r\n\r\n",
                     target, a.alice, PURPOSE);
    ck_assert_int_lt(n, (int)sizeof req);
    ck_assert_int_eq(write(fd, req, (size_t)n), n);
    /* The head and the first bytes, then the gateway stops; the rest until the end. */
    size_t cap = BIG + 65536, len = 0;
    char *buf = malloc(cap), *body = NULL;
    ssize_t got;
    int paused = 0;
    while ((got = read(fd, buf + len, cap - len - 1)) > 0) {
        len += (size_t)got;
        buf[len] = '\0';
        if (body == NULL && (body = strstr(buf, "\r\n\r\n")) != NULL)
            body += 4;
        if (!paused && body != NULL && len - (size_t)(body - buf) >= FIRST) {
            gateway("pause-gateway");
            paused = 1;
        }
    }
    close(fd);
    if (paused)
        gateway("resume-gateway");
    ck_assert_msg(paused, "the answer ended after %zu bytes: %.200s", len, buf);
    int status = 0;
    ck_assert_int_eq(sscanf(buf, "HTTP/1.1 %d", &status), 1);
    ck_assert_int_eq(status, 200);
    char cl[64];
    snprintf(cl, sizeof cl, "content-length: %d\r\n", BIG);
    ck_assert_msg(strcasestr(buf, cl) != NULL, "%.400s", buf);
    size_t body_len = len - (size_t)(body - buf);
    ck_assert_msg(body_len < BIG, "all %zu bytes came although the gateway stopped", body_len);
    ck_assert_int_eq(memcmp(body, data, body_len), 0);
    free(buf);
    free(data);
    api_teardown(&a);
}
END_TEST

START_TEST(migration_there_and_back_verifies_every_object)
{
    e2e_t t;
    cs_run_t r;
    char p1[PATH_MAX], p2[PATH_MAX];
    e2e_setup_local(&t);
    e2e_s3_configure(&t, gw_env, 1, "local");
    e2e_file(&t, p1, "a.bin", "first object, local");
    snprintf(p2, sizeof p2, "%s/b.bin", t.dir);
    cs_test_write_random(p2, 7 * 1024 * 1024, 3); /* more than a part: a multipart upload */
    cs_test_custody(&r, "ingest", "--home", t.home, "--case", "京公(2026)7号", p1, p2, NULL);
    custody_ok(&r, "ingest");
    cs_test_run_free(&r);
    ck_assert_int_eq(local_objects(&t), 2);

    cs_test_custody(&r, "store", "migrate", "--to", "s3", "--home", t.home, NULL);
    custody_ok(&r, "store migrate --to s3");
    ck_assert_msg(strstr(r.out, "moved to s3: 2 objects verified there") != NULL, "%s", r.out);
    cs_test_run_free(&r);
    ck_assert_int_eq(
        cs_test_sql_count(t.db, "SELECT count(*) FROM ledger WHERE json_extract(entry, "
                                "'$.action') = 'store.migrated' AND json_extract(entry, '$.to') "
                                "= 's3' AND json_extract(entry, '$.objects') = 2"),
        1);
    trim_all(&t); /* now the object store alone holds them */
    cs_test_custody(&r, "verify", "--all", "--home", t.home, NULL);
    custody_ok(&r, "verify --all on s3");
    ck_assert_msg(strstr(r.err, "2 ok, 0 failed") != NULL, "%s", r.err);
    cs_test_run_free(&r);

    cs_test_custody(&r, "store", "migrate", "--to", "local", "--home", t.home, NULL);
    custody_ok(&r, "store migrate --to local");
    cs_test_run_free(&r);
    ck_assert_int_eq(local_objects(&t), 2);
    cs_test_custody(&r, "store", "status", "--home", t.home, NULL);
    custody_ok(&r, "store status");
    ck_assert_msg(strstr(r.out, "store     local ") != NULL, "%s", r.out);
    cs_test_run_free(&r);
    cs_test_custody(&r, "verify", "--all", "--home", t.home, NULL);
    custody_ok(&r, "verify --all, local again");
    cs_test_run_free(&r);
    e2e_teardown(&t);
}
END_TEST

/* A migration cut off half-way switches nothing; run again, it finishes what is left. */
START_TEST(a_migration_cut_off_switches_nothing_and_resumes)
{
    e2e_t t;
    cs_run_t r;
    char p[PATH_MAX], conf[PATH_MAX];
    e2e_setup_local(&t);
    e2e_s3_configure(&t, gw_env, 1, "local");
    for (int i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s/f%d.bin", t.dir, i);
        cs_test_write_random(p, 200000, 60 + (unsigned)i);
        cs_test_custody(&r, "ingest", "--home", t.home, "--case", "京公(2026)6号", p, NULL);
        custody_ok(&r, "ingest");
        cs_test_run_free(&r);
    }
    gateway("pause-gateway");
    cs_test_custody(&r, "store", "migrate", "--to", "s3", "--home", t.home, "--set",
                    "store.s3_timeout_s=1", NULL);
    gateway("resume-gateway");
    ck_assert_int_eq(r.status, 3);
    ck_assert_msg(strstr(r.err, "is the gateway up?") != NULL, "%s", r.err);
    cs_test_run_free(&r);
    snprintf(conf, sizeof conf, "%s/custody.conf", t.home);
    char *text = cs_test_read(conf, NULL);
    ck_assert_ptr_null(strstr(text, "\nbackend = s3")); /* a line of its own, not the help */
    free(text);
    ck_assert_int_eq(cs_test_sql_count(t.db, "SELECT count(*) FROM ledger WHERE "
                                             "json_extract(entry, '$.action') = 'store.migrated'"),
                     0);
    cs_test_custody(&r, "store", "migrate", "--to", "s3", "--home", t.home, NULL);
    custody_ok(&r, "store migrate, again");
    ck_assert_msg(strstr(r.out, "3 objects verified there") != NULL, "%s", r.out);
    cs_test_run_free(&r);
    cs_test_custody(&r, "store", "status", "--home", t.home, NULL);
    custody_ok(&r, "store status");
    ck_assert_msg(strstr(r.out, "store     s3 ") != NULL, "%s", r.out);
    cs_test_run_free(&r);
    e2e_teardown(&t);
}
END_TEST

START_TEST(a_gateway_that_stops_answering_loses_nothing)
{
    api_t a;
    resp_t rs;
    char dir[PATH_MAX], path[PATH_MAX];
    /* The service gives up on a silent gateway after 2 s (a request is tried 4 times). */
    static const char *const sets[] = {"store.s3_timeout_s=2", NULL};
    api_setup_with(&a, sets);
    trim_all(&a.t);
    gateway("pause-gateway");
    /* Reads: 503, nothing served. */
    char target[200];
    snprintf(target, sizeof target, "/v1/items/%s/original", a.sha);
    http(&a, &rs, "GET", target, a.alice, PURPOSE, NULL, NULL);
    ck_assert_int_eq(rs.status, 503);
    resp_free(&rs);
    /* status says so (its probe tries once, a few seconds at most). */
    cs_run_t st;
    cs_test_custody(&st, "store", "status", "--home", a.t.home, NULL);
    ck_assert_int_eq(st.status, 3);
    ck_assert_msg(strstr(st.out, "NOT ANSWERING") != NULL, "%s", st.out);
    cs_test_run_free(&st);
    /* Uploads while it is away stay in their folder. */
    snprintf(dir, sizeof dir, "%s/uploads/京公(2026)9号", a.t.home);
    ck_assert_int_eq(mkdir(dir, 0750), 0);
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/clip%d.bin", dir, i);
        cs_test_write_random(path, 100000 + (size_t)i, 40 + (unsigned)i);
    }
    sleep(8);
    ck_assert_int_eq(cs_test_sql_count(a.t.db, "SELECT count(*) FROM items"), 1);
    ck_assert_int_eq(cs_test_count_files(dir), 3);
    gateway("resume-gateway");
    /* Taken up again once it answers: each once. */
    ck_assert_int_eq(cs_test_wait_count(a.t.db, "SELECT count(*) FROM items", 4, 90000), 4);
    for (int i = 0; i < 200 && cs_test_count_files(dir) > 0; i++)
        usleep(100 * 1000);
    ck_assert_int_eq(cs_test_count_files(dir), 0);
    cs_run_t r;
    cs_test_custody(&r, "verify", "--all", "--home", a.t.home, NULL);
    custody_ok(&r, "verify --all");
    ck_assert_msg(strstr(r.err, "4 ok, 0 failed") != NULL, "%s", r.err);
    cs_test_run_free(&r);
    http(&a, &rs, "GET", target, a.alice, PURPOSE, NULL, NULL);
    ck_assert_int_eq(rs.status, 200);
    ck_assert_int_eq(memcmp(rs.body, a.data, SIZE), 0);
    resp_free(&rs);
    api_teardown(&a);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("s3");
    TCase *tc = tcase_create("s3");
    tcase_add_unchecked_fixture(tc, gateway_start, gateway_stop);
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, objects_are_locked_in_the_object_store);
    tcase_add_test(tc, the_archival_copy_is_locked_and_the_access_copy_is_not);
    tcase_add_test(tc, downloads_stream_ranges_from_the_object_store);
    tcase_add_test(tc, a_download_from_the_object_store_is_one_get);
    tcase_add_test(tc, ranges_from_the_object_store_are_exact_at_every_hand_over_size);
    tcase_add_test(tc, a_download_the_gateway_cuts_off_ends_short);
    tcase_add_test(tc, migration_there_and_back_verifies_every_object);
    tcase_add_test(tc, a_migration_cut_off_switches_nothing_and_resumes);
    tcase_add_test(tc, a_gateway_that_stops_answering_loses_nothing);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
