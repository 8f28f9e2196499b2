/* tests/fault/test_killnine.c: power loss, as near as a test gets: kill -9 at a random moment
 * of (a) a CLI ingest of a folder, (b) the service ingesting dropped files (photos that get
 * copies, and other files), (c) a burst of ledgered reads (API requests and `custody get`),
 * (d) an export; then the same work is run again to the end and the home must be whole:
 * `custody verify --all` and `custody ledger verify` pass, every file is an item exactly once,
 * the service recorded each dropped file once (consume: one arrival a drop), no job is left
 * active, no temporary file is left in the store, no read was served without its entry, and an
 * export is absent or verifies with `custody verify-bag`.
 *
 * CUSTODY_KILL_ROUNDS (default 10) rounds take the four in turn; the first line prints
 * seed=<n>, and CUSTODY_KILL_SEED=<n> replays that run. The last line says how many kills
 * landed inside the operation and how many rounds failed (the test fails unless none did);
 * bench/killnine.sh runs 100 rounds and records it. */
#include "tests/fault/fault.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PHOTO CUSTODY_TEST_DATA "/gps/DSCN0010.jpg"
#define ACTIVE "SELECT count(*) FROM jobs WHERE state NOT IN ('done', 'rejected')"
#define NKINDS 4

static const char *const kinds[NKINDS] = {"cli ingest", "service ingest", "reads", "export"};

static uint64_t rng;

static unsigned
rnd(unsigned n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return n ? (unsigned)(rng % n) : 0;
}

static long
now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* SIGKILL to the child's process group (it and its workers); 1 if it was still running. */
static int
kill9(pid_t pid)
{
    int st = 0;
    int running = waitpid(pid, &st, WNOHANG) == 0;
    kill(-pid, SIGKILL);
    if (running)
        ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    return running && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL;
}

/* A copy of the photo made distinct by a trailer JPEG readers ignore. */
static void
write_photo(const char *path, unsigned tag)
{
    size_t len = 0;
    char *jpg = cs_test_read(PHOTO, &len);
    ck_assert_ptr_nonnull(jpg);
    char *buf = malloc(len + 32);
    memcpy(buf, jpg, len);
    int n = snprintf(buf + len, 32, "custody-kill-%u", tag);
    cs_test_write(path, buf, len + (size_t)n);
    free(buf);
    free(jpg);
}

/* One home per kind, kept across its rounds. */
typedef struct kctx {
    e2e_t t;
    int ready;
    long calib_ms; /* how long the operation takes when nobody kills it */
    long files;    /* distinct files given to it so far */
    char log[PATH_MAX];
    pid_t serve;
    int port;
    char sha[65];
    char *token;
} kctx_t;

static kctx_t ctx[NKINDS];
static int kills[NKINDS], rounds_of[NKINDS];

/* ---- (a) CLI ingest of a folder ---- */

static void
make_folder(kctx_t *k, char dir[PATH_MAX], const char *name, int n)
{
    char p[PATH_MAX];
    snprintf(dir, PATH_MAX, "%s/%s", k->t.dir, name);
    ck_assert_int_eq(mkdir(dir, 0755), 0);
    for (int i = 0; i < n; i++) {
        snprintf(p, sizeof p, "%s/f%02d.bin", dir, i);
        cs_test_write_random(p, 65536 + rnd(6) * 65536, (unsigned)(rng & 0xffffffff));
    }
    k->files += n;
}

static void
check_cli(kctx_t *k)
{
    ck_assert_int_eq(fault_check_home(&k->t), k->files);
    ck_assert_int_eq(fault_count(&k->t, ACTIVE), 0);
    /* One arrival a run that got that far: the killed run's and the rerun's, never more. */
    ck_assert_int_eq(fault_count(&k->t, "SELECT count(*) FROM (SELECT source_path FROM "
                                        "item_sources GROUP BY source_path HAVING count(*) > 2)"),
                     0);
}

static int
round_cli(kctx_t *k, int round)
{
    char dir[PATH_MAX], name[32], log[PATH_MAX];
    cs_run_t r;
    if (!k->ready) {
        e2e_setup(&k->t);
        /* Timed three times, the shortest kept: the first run also warms the page cache and
         * the catalog, and a busy machine only lengthens a run. */
        for (int i = 0; i < 3; i++) {
            snprintf(name, sizeof name, "calib%d", i);
            make_folder(k, dir, name, 8);
            long t0 = now_ms();
            cs_test_custody(&r, "ingest", "--home", k->t.home, "--case", CASE_A, dir, NULL);
            fault_run_ok(&r);
            cs_test_run_free(&r);
            long took = now_ms() - t0;
            if (i == 0 || took < k->calib_ms)
                k->calib_ms = took;
        }
        k->ready = 1;
    }
    snprintf(name, sizeof name, "in-%d", round);
    make_folder(k, dir, name, 8);
    snprintf(log, sizeof log, "%s/ingest-%d.log", k->t.dir, round);
    pid_t pid = cs_test_custody_bg(log, "ingest", "--home", k->t.home, "--case", CASE_A, dir, NULL);
    usleep((useconds_t)rnd((unsigned)(k->calib_ms * 1000 + 1)));
    int killed = kill9(pid);
    cs_test_custody(&r, "ingest", "--home", k->t.home, "--case", CASE_A, dir, NULL);
    fault_run_ok(&r);
    cs_test_run_free(&r);
    check_cli(k);
    return killed;
}

/* ---- (b) the service ingesting dropped files ---- */

static int
starts(kctx_t *k)
{
    int n = 0;
    char *log = cs_test_read(k->log, NULL);
    for (const char *p = log; p && (p = strstr(p, "\"api.listening\"")) != NULL; p++)
        n++;
    free(log);
    return n;
}

static void
serve(kctx_t *k)
{
    int before = starts(k);
    k->serve = cs_test_custody_bg(k->log, "serve", "--home", k->t.home, "--set",
                                  "api.listen=127.0.0.1:0", "--set", "ingest.settle_ms=200",
                                  "--set", "ingest.rescan_ms=300", "--set", "worker.count=1", NULL);
    for (int i = 0; i < 800 && starts(k) == before; i++)
        usleep(25 * 1000);
    if (starts(k) == before) {
        char *log = cs_test_read(k->log, NULL);
        size_t n = log ? strlen(log) : 0;
        ck_abort_msg("custody serve did not start again; the end of its log:\n%s",
                     log ? log + (n > 2000 ? n - 2000 : 0) : "(none)");
    }
    /* The port of the last "api.listening" line. */
    char *log = cs_test_read(k->log, NULL), *p = log, *last = NULL;
    while ((p = strstr(p, "\"api.listening\"")) != NULL)
        last = p++;
    p = last ? strstr(last, "127.0.0.1:") : NULL;
    k->port = p ? atoi(p + strlen("127.0.0.1:")) : 0;
    free(log);
}

/* Drops n files (a photo among them) into uploads/<case>/r<round>/, through .part names. */
static void
drop(kctx_t *k, int round, int n)
{
    char dir[PATH_MAX], p[PATH_MAX], part[PATH_MAX];
    snprintf(dir, sizeof dir, "%s/uploads/%s", k->t.home, CASE_A);
    mkdir(dir, 0755);
    snprintf(dir + strlen(dir), sizeof dir - strlen(dir), "/r%d", round);
    ck_assert_int_eq(mkdir(dir, 0755), 0);
    for (int i = 0; i < n; i++) {
        snprintf(p, sizeof p, "%s/f%02d.%s", dir, i, i == 0 ? "jpg" : "bin");
        snprintf(part, sizeof part, "%s.part", p);
        if (i == 0)
            write_photo(part, (unsigned)(round * 100 + i) ^ (unsigned)rng);
        else
            cs_test_write_random(part, 32768 + rnd(8) * 32768, (unsigned)(rng & 0xffffffff));
        ck_assert_int_eq(rename(part, p), 0);
    }
    k->files += n;
}

static void
settle_all(kctx_t *k)
{
    char q[128], up[PATH_MAX];
    snprintf(q, sizeof q, "SELECT count(*) FROM jobs WHERE state = 'done'");
    ck_assert_int_eq(cs_test_wait_count(k->t.db, q, k->files, 90000), k->files);
    snprintf(up, sizeof up, "%s/uploads", k->t.home);
    for (int i = 0; i < 100 && fault_files_in(up) > 0; i++)
        usleep(50 * 1000);
    ck_assert_int_eq(fault_files_in(up), 0);
}

/* Prints the rows of a one-column query: what a failed check looked at. */
static void
dump(e2e_t *t, const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    if (sqlite3_open_v2(t->db, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK)
        while (sqlite3_step(st) == SQLITE_ROW)
            fprintf(stderr, "  %s\n", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(db);
}

static void
check_service(kctx_t *k)
{
    ck_assert_int_eq(fault_check_home(&k->t), k->files);
    ck_assert_int_eq(fault_count(&k->t, ACTIVE), 0);
    ck_assert_int_eq(fault_count(&k->t, "SELECT count(*) FROM jobs WHERE state = 'rejected'"), 0);
    /* Consumed uploads: exactly one arrival a dropped file. */
    ck_assert_int_eq(fault_count(&k->t, "SELECT count(*) FROM item_sources"), k->files);
    /* Photos got their copies, even those whose transcoding was killed. */
    long short_of = fault_count(&k->t, "SELECT count(*) FROM items i WHERE media_type = "
                                       "'image/jpeg' AND (SELECT count(*) FROM derivatives d "
                                       "WHERE d.item_id = i.id AND d.status = 'verified' AND "
                                       "d.superseded_at IS NULL) <> 2");
    if (short_of != 0)
        dump(&k->t, "SELECT i.sha256 || ' job ' || j.state || ' ' || coalesce(j.reason, '') || ' "
                    "copies: ' || coalesce((SELECT group_concat(d.profile || '=' || d.status || "
                    "'/' || coalesce(d.superseded_at, 'current') || '/' || coalesce(d.reason, ''), "
                    "'; ') FROM derivatives d WHERE d.item_id = i.id), 'none') FROM items i JOIN "
                    "jobs j ON j.item_id = i.id WHERE i.media_type = 'image/jpeg'");
    ck_assert_int_eq(short_of, 0);
}

static int
round_service(kctx_t *k, int round)
{
    if (!k->ready) {
        e2e_setup(&k->t);
        snprintf(k->log, sizeof k->log, "%s/serve.log", k->t.dir);
        serve(k);
        long t0 = now_ms();
        drop(k, 1000, 6);
        settle_all(k);
        k->calib_ms = now_ms() - t0;
        k->ready = 1;
    }
    drop(k, round, 6);
    usleep((useconds_t)rnd((unsigned)(k->calib_ms * 1200 + 1)));
    int killed = kill9(k->serve);
    serve(k);
    settle_all(k);
    check_service(k);
    return killed;
}

/* ---- (c) a burst of ledgered reads: API requests and `custody get` ---- */

/* One GET of the item's original; 1 when the whole item came back with 200. */
static int
api_get(kctx_t *k, size_t size)
{
    char req[1024], buf[65536];
    int fd = socket(AF_INET, SOCK_STREAM, 0), ok = 0;
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)k->port)};
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sin, sizeof sin) != 0)
        goto out;
    int n = snprintf(req, sizeof req,
                     "GET /v1/items/%s/original HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                     "Authorization: Bearer %s\r\nX-Custody-Purpose: review\r\n\r\n",
                     k->sha, k->token);
    if (write(fd, req, (size_t)n) != n)
        goto out;
    size_t got = 0;
    ssize_t r;
    int status = 0;
    while ((r = read(fd, buf, sizeof buf)) > 0) {
        if (got == 0)
            sscanf(buf, "HTTP/1.1 %d", &status);
        got += (size_t)r;
    }
    ok = status == 200 && got > size;
out:
    if (fd >= 0)
        close(fd);
    return ok;
}

/* A child process: reads until killed or told how many; appends "1\n" per whole answer. */
static pid_t
reader(kctx_t *k, const char *count_file, int cli, int round)
{
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid != 0)
        return pid;
    setpgid(0, 0);
    for (int i = 0; i < 40; i++) {
        int ok;
        if (cli) {
            char out[PATH_MAX];
            snprintf(out, sizeof out, "%s/get-%d-%d.bin", k->t.dir, round, i);
            char *argv[] = {(char *)CUSTODY_BIN, "get",    "--home", k->t.home, "--as", "alice",
                            "--purpose",         "review", "--out",  out,       k->sha, NULL};
            /* In this process's group: a kill of the group takes it too. */
            pid_t g = fork();
            if (g == 0) {
                int null = open("/dev/null", O_RDWR);
                dup2(null, 1);
                dup2(null, 2);
                execv(argv[0], argv);
                _exit(127);
            }
            int st = 0;
            waitpid(g, &st, 0);
            ok = WIFEXITED(st) && WEXITSTATUS(st) == 0;
        } else {
            ok = api_get(k, 300000);
        }
        if (ok) {
            FILE *f = fopen(count_file, "a");
            if (f != NULL) {
                fputs("1\n", f);
                fclose(f);
            }
        }
    }
    _exit(0);
}

static long
lines(const char *path)
{
    char *text = cs_test_read(path, NULL);
    long n = 0;
    for (char *p = text; p && *p; p++)
        n += *p == '\n';
    free(text);
    return n;
}

static int
round_reads(kctx_t *k, int round)
{
    char api_ok[PATH_MAX], cli_ok[PATH_MAX];
    cs_run_t r;
    if (!k->ready) {
        char src[PATH_MAX];
        e2e_setup(&k->t);
        snprintf(k->log, sizeof k->log, "%s/serve.log", k->t.dir);
        snprintf(src, sizeof src, "%s/item.bin", k->t.dir);
        cs_test_write_random(src, 300000, 9);
        cs_test_custody(&r, "ingest", "--home", k->t.home, "--case", CASE_A, src, NULL);
        fault_run_ok(&r);
        memcpy(k->sha, r.out, 64);
        cs_test_run_free(&r);
        cs_test_custody(&r, "user", "add", "alice", "--home", k->t.home, "--role", "reviewer",
                        NULL);
        fault_run_ok(&r);
        size_t n = strlen(r.out);
        while (n > 0 && r.out[n - 1] == '\n')
            n--;
        const char *start = r.out + n;
        while (start > r.out && start[-1] != '\n')
            start--;
        k->token = strndup(start, (size_t)(r.out + n - start));
        cs_test_run_free(&r);
        cs_test_custody(&r, "grant", "alice", "--any-purpose", "--home", k->t.home, "--case",
                        CASE_A, "--purpose", "review", NULL);
        fault_run_ok(&r);
        cs_test_run_free(&r);
        k->files = 1;
        serve(k);
        k->calib_ms = 600;
        k->ready = 1;
    }
    snprintf(api_ok, sizeof api_ok, "%s/api-ok-%d", k->t.dir, round);
    snprintf(cli_ok, sizeof cli_ok, "%s/cli-ok-%d", k->t.dir, round);
    long api_before = fault_count(&k->t, "SELECT count(*) FROM ledger WHERE entry LIKE "
                                         "'%\"client\":\"http:%' AND entry LIKE "
                                         "'%get.original%' AND entry LIKE '%allowed%'");
    long cli_before = fault_count(&k->t, "SELECT count(*) FROM ledger WHERE entry LIKE "
                                         "'%\"client\":\"cli:%' AND entry LIKE "
                                         "'%get.original%' AND entry LIKE '%allowed%'");
    pid_t a = reader(k, api_ok, 0, round), c = reader(k, cli_ok, 1, round);
    usleep((useconds_t)rnd((unsigned)(k->calib_ms * 1000)));
    int killed = kill9(k->serve);
    kill9(c);
    kill9(a);
    serve(k);
    ck_assert_int_eq(fault_check_home(&k->t), 1);
    /* Every whole answer had its entry first (a kill may leave an entry whose bytes never
     * arrived: recorded and not served is allowed, served and not recorded is not). */
    ck_assert_int_ge(fault_count(&k->t, "SELECT count(*) FROM ledger WHERE entry LIKE "
                                        "'%\"client\":\"http:%' AND entry LIKE "
                                        "'%get.original%' AND entry LIKE '%allowed%'") -
                         api_before,
                     lines(api_ok));
    ck_assert_int_ge(fault_count(&k->t, "SELECT count(*) FROM ledger WHERE entry LIKE "
                                        "'%\"client\":\"cli:%' AND entry LIKE "
                                        "'%get.original%' AND entry LIKE '%allowed%'") -
                         cli_before,
                     lines(cli_ok));
    return killed;
}

/* ---- (d) export ---- */

static int
verify_bag(const char *bag)
{
    cs_run_t r;
    cs_test_custody(&r, "verify-bag", bag, "--home", "/nonexistent", NULL);
    int st = r.status;
    if (st != 0)
        fprintf(stderr, "verify-bag %s: %s %s\n", bag, r.out, r.err);
    cs_test_run_free(&r);
    return st;
}

static int
round_export(kctx_t *k, int round)
{
    char bag[PATH_MAX], dir[PATH_MAX], log[PATH_MAX], cmd[PATH_MAX + 32];
    cs_run_t r;
    struct stat st;
    if (!k->ready) {
        e2e_setup(&k->t);
        make_folder(k, dir, "case", 12);
        cs_test_custody(&r, "ingest", "--home", k->t.home, "--case", CASE_A, dir, NULL);
        fault_run_ok(&r);
        cs_test_run_free(&r);
        for (int i = 0; i < 3; i++) { /* the shortest of three, as for the ingest */
            snprintf(bag, sizeof bag, "%s/bag-calib%d", k->t.dir, i);
            long t0 = now_ms();
            cs_test_custody(&r, "export", CASE_A, "--home", k->t.home, "--purpose", "review",
                            "--out", bag, NULL);
            fault_run_ok(&r);
            cs_test_run_free(&r);
            long took = now_ms() - t0;
            if (i == 0 || took < k->calib_ms)
                k->calib_ms = took;
            ck_assert_int_eq(verify_bag(bag), 0);
        }
        k->ready = 1;
    }
    int tar = rnd(2);
    snprintf(dir, sizeof dir, "%s/bag-%d", k->t.dir, round);
    snprintf(bag, sizeof bag, "%s%s", dir, tar ? ".tar" : "");
    snprintf(log, sizeof log, "%s/export-%d.log", k->t.dir, round);
    pid_t pid = tar ? cs_test_custody_bg(log, "export", CASE_A, "--home", k->t.home, "--purpose",
                                         "review", "--out", dir, "--tar", NULL)
                    : cs_test_custody_bg(log, "export", CASE_A, "--home", k->t.home, "--purpose",
                                         "review", "--out", dir, NULL);
    usleep((useconds_t)rnd((unsigned)(k->calib_ms * 1200 + 1)));
    int killed = kill9(pid);
    /* Absent, or whole. */
    if (lstat(bag, &st) == 0) {
        ck_assert_int_eq(verify_bag(bag), 0);
    } else {
        if (tar)
            cs_test_custody(&r, "export", CASE_A, "--home", k->t.home, "--purpose", "review",
                            "--out", dir, "--tar", NULL);
        else
            cs_test_custody(&r, "export", CASE_A, "--home", k->t.home, "--purpose", "review",
                            "--out", dir, NULL);
        fault_run_ok(&r);
        cs_test_run_free(&r);
        ck_assert_int_eq(verify_bag(bag), 0);
    }
    ck_assert_int_eq(fault_check_home(&k->t), k->files);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'*", dir); /* the bag and a killed run's .partial- */
    ck_assert_int_eq(system(cmd), 0);
    return killed;
}

/* Each round is a test of its own, run in this process (CK_NOFORK) so that the homes and
 * services of ctx[] carry over: a failed round is counted and the next rounds still run. */
static int rounds_ok, clean[NKINDS];

/* A kind whose last round failed starts again from a new home: its rounds fail on their own. */
static void
reset_kind(int kind)
{
    kctx_t *k = &ctx[kind];
    if (k->serve > 0)
        kill9(k->serve);
    free(k->token);
    if (k->ready)
        e2e_teardown(&k->t);
    memset(k, 0, sizeof *k);
}

START_TEST(kill9_at_random_points_loses_and_doubles_nothing)
{
    int kind = _i % NKINDS;
    int (*const run[NKINDS])(kctx_t *, int) = {round_cli, round_service, round_reads, round_export};
    if (rounds_of[kind] > 0 && !clean[kind]) {
        fprintf(stderr, "killnine: %s: the last round failed; a new home\n", kinds[kind]);
        reset_kind(kind);
    }
    clean[kind] = 0;
    rounds_of[kind]++;
    kills[kind] += run[kind](&ctx[kind], _i);
    clean[kind] = 1;
    rounds_ok++;
}
END_TEST

START_TEST(services_stop)
{
    for (int k = 0; k < NKINDS; k++) {
        if (ctx[k].serve > 0)
            ck_assert_int_eq(cs_test_stop(ctx[k].serve, SIGTERM), 0);
        ctx[k].serve = 0;
        if (ctx[k].ready) {
            fprintf(stderr, "killnine: %s: %d rounds, %d killed mid-operation (%ld ms unkilled)\n",
                    kinds[k], rounds_of[k], kills[k], ctx[k].calib_ms);
            free(ctx[k].token);
            e2e_teardown(&ctx[k].t);
        }
    }
}
END_TEST

int
main(void)
{
    const char *env = getenv("CUSTODY_KILL_ROUNDS");
    const char *seed_env = getenv("CUSTODY_KILL_SEED");
    int rounds = env != NULL && atoi(env) > 0 ? atoi(env) : 10;
    char *end = NULL;
    uint64_t seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 16);
    if (seed_env != NULL && *seed_env != '\0') {
        errno = 0;
        seed = strtoull(seed_env, &end, 10);
        if (errno != 0 || *end != '\0') {
            fprintf(stderr,
                    "killnine: CUSTODY_KILL_SEED=%s is not a number: give the seed=<n> "
                    "a run printed\n",
                    seed_env);
            return EXIT_FAILURE;
        }
    }
    rng = seed | 1;
    fprintf(stderr, "killnine: seed=%llu rounds=%d (CUSTODY_KILL_SEED=%llu replays this run)\n",
            (unsigned long long)seed, rounds, (unsigned long long)seed);
    long t0 = now_ms();

    Suite *s = suite_create("fault_killnine");
    TCase *tc = tcase_create("killnine");
    tcase_set_timeout(tc, 3600);
    tcase_add_loop_test(tc, kill9_at_random_points_loses_and_doubles_nothing, 0, rounds);
    tcase_add_test(tc, services_stop);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_set_fork_status(sr, CK_NOFORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);

    int total = kills[0] + kills[1] + kills[2] + kills[3];
    fprintf(stderr,
            "killnine: seed=%llu, rounds %d, killed mid-operation %d, failures %d, %.1f s\n",
            (unsigned long long)seed, rounds, total, rounds - rounds_ok,
            (double)(now_ms() - t0) / 1000.0);
    return failed == 0 && rounds_ok == rounds ? EXIT_SUCCESS : EXIT_FAILURE;
}
