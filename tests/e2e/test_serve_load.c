/* tests/e2e/test_serve_load.c: the acceptance runs of `custody serve`: many files, slow
 * writers and duplicates; and kill -9 at random moments with restarts. */
#include "tests/e2e/e2e.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DONE "SELECT count(*) FROM jobs WHERE state = 'done'"

static pid_t
serve(const char *home, const char *log)
{
    return cs_test_custody_bg(log, "serve", "--home", home, "--set", "api.listen=127.0.0.1:0",
                              "--set", "ingest.settle_ms=300", "--set", "ingest.rescan_ms=300",
                              "--set", "worker.count=2", NULL);
}

/* Waits for the service's start-up line, so that a SIGTERM finds its handler installed. */
static void
wait_started(const char *log, int n)
{
    for (int i = 0; i < 400; i++) {
        int seen = 0;
        char *text = cs_test_read(log, NULL);
        for (const char *p = text; p && (p = strstr(p, "\"service.started\"")) != NULL; p++)
            seen++;
        free(text);
        if (seen >= n)
            return;
        usleep(25 * 1000);
    }
    ck_abort_msg("the service did not start: see %s", log);
}

/* Content of file i: unique unless i is a duplicate, then equal to file i - 100. */
static size_t
content(int i, char *buf, size_t cap)
{
    unsigned seed = (unsigned)i * 2654435761u;
    size_t len = 2000 + (seed % 6000);
    if (len > cap)
        len = cap;
    int n = snprintf(buf, cap, "custody load file %d |", i);
    for (size_t k = (size_t)n; k < len; k++) {
        seed = seed * 1103515245u + 12345u;
        buf[k] = (char)('a' + (seed >> 16) % 26);
    }
    return len;
}

static void
write_file(const char *path, const char *data, size_t len)
{
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s.part", path);
    cs_test_write(tmp, data, len);
    ck_assert_int_eq(rename(tmp, path), 0);
}

static void
expect_item(const char *db, const char *data, size_t len, int sources)
{
    char sha[65], q[256], *copy = malloc(len + 1);
    memcpy(copy, data, len);
    copy[len] = '\0';
    e2e_sha256(copy, sha);
    free(copy);
    snprintf(q, sizeof q,
             "SELECT count(*) FROM items i JOIN item_sources s ON s.item_id = i.id"
             " WHERE i.sha256 = '%s' AND i.size = %zu",
             sha, len);
    ck_assert_msg(cs_test_sql_count(db, q) == sources, "item %s: want %d sources", sha, sources);
}

START_TEST(three_hundred_files_slow_writers_and_duplicates)
{
    e2e_t t;
    char log[PATH_MAX], dir[PATH_MAX], path[PATH_MAX], buf[8192];
    pid_t writers[5];
    e2e_setup(&t);
    snprintf(log, sizeof log, "%s/serve.log", t.dir);
    snprintf(dir, sizeof dir, "%s/uploads/%s", t.home, CASE_A);
    mkdir(dir, 0755);
    pid_t pid = serve(t.home, log);
    /* Five slow writers: each holds its file open for 10 s, writing in bursts with pauses
     * three times the settle period. */
    for (int w = 0; w < 5; w++) {
        writers[w] = fork();
        ck_assert_int_ge(writers[w], 0);
        if (writers[w] == 0) {
            snprintf(path, sizeof path, "%s/slow%d.mp4", dir, w);
            int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
            for (int k = 0; k < 10; k++) {
                char chunk[64];
                int n = snprintf(chunk, sizeof chunk, "slow writer %d burst %d|", w, k);
                if (write(fd, chunk, (size_t)n) != n)
                    _exit(1);
                usleep(1000 * 1000);
            }
            close(fd);
            _exit(0);
        }
    }
    /* 275 distinct files, then 20 duplicates of earlier ones under other names. */
    for (int i = 0; i < 295; i++) {
        size_t len = content(i < 275 ? i : i - 100, buf, sizeof buf);
        snprintf(path, sizeof path, "%s/%s%03d.jpg", dir, i < 275 ? "f" : "dup", i);
        write_file(path, buf, len);
        if (i % 50 == 0)
            usleep(100 * 1000);
    }
    for (int w = 0; w < 5; w++) {
        int st = 0;
        waitpid(writers[w], &st, 0);
        ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    ck_assert_int_eq(cs_test_wait_count(t.db, DONE, 300, 90000), 300);
    wait_started(log, 1);
    ck_assert_int_eq(cs_test_stop(pid, SIGTERM), 0);
    /* Exactly once each: 280 items, 300 sources; duplicates are extra sources. */
    ck_assert_int_eq(cs_test_sql_count(t.db, "SELECT count(*) FROM items"), 280);
    ck_assert_int_eq(cs_test_sql_count(t.db, "SELECT count(*) FROM item_sources"), 300);
    for (int i = 0; i < 275; i++) {
        size_t len = content(i, buf, sizeof buf);
        expect_item(t.db, buf, len, i >= 175 && i < 195 ? 2 : 1);
    }
    /* The slow files were claimed only whole: every burst is in the stored bytes. */
    for (int w = 0; w < 5; w++) {
        size_t len = 0;
        buf[0] = '\0';
        for (int k = 0; k < 10; k++)
            len += (size_t)snprintf(buf + len, sizeof buf - len, "slow writer %d burst %d|", w, k);
        expect_item(t.db, buf, len, 1);
    }
    cs_run_t r;
    cs_test_custody(&r, "verify", "--home", t.home, "--all", NULL);
    ck_assert_int_eq(r.status, 0);
    cs_test_run_free(&r);
    e2e_teardown(&t);
}
END_TEST

START_TEST(kill_9_at_ten_random_moments_loses_and_repeats_nothing)
{
    e2e_t t;
    char log[PATH_MAX], dir[PATH_MAX], path[PATH_MAX], buf[8192];
    e2e_setup(&t);
    snprintf(log, sizeof log, "%s/serve.log", t.dir);
    snprintf(dir, sizeof dir, "%s/uploads/%s", t.home, CASE_A);
    mkdir(dir, 0755);
    for (int i = 0; i < 200; i++) {
        size_t len = content(1000 + i, buf, sizeof buf);
        snprintf(path, sizeof path, "%s/c%03d.mp4", dir, i);
        write_file(path, buf, len);
    }
    srand((unsigned)time(NULL));
    for (int round = 0; round < 10; round++) {
        pid_t pid = serve(t.home, log);
        usleep((useconds_t)(150 + rand() % 500) * 1000);
        ck_assert_int_eq(cs_test_stop(pid, SIGKILL), 128 + SIGKILL);
    }
    pid_t pid = serve(t.home, log);
    ck_assert_int_eq(cs_test_wait_count(t.db, DONE, 200, 90000), 200);
    wait_started(log, 1);
    ck_assert_int_eq(cs_test_stop(pid, SIGTERM), 0);
    /* Every file once; no object without a row, no row without its object. */
    ck_assert_int_eq(cs_test_sql_count(t.db, "SELECT count(*) FROM items"), 200);
    ck_assert_int_eq(cs_test_sql_count(t.db, "SELECT count(*) FROM item_sources"), 200);
    ck_assert_int_eq(cs_test_sql_count(t.db, "SELECT count(*) FROM jobs WHERE state <> 'done'"), 0);
    for (int i = 0; i < 200; i++) {
        size_t len = content(1000 + i, buf, sizeof buf);
        expect_item(t.db, buf, len, 1);
    }
    ck_assert_int_eq(e2e_objects(&t), 200);
    cs_run_t r;
    cs_test_custody(&r, "verify", "--home", t.home, "--all", NULL);
    ck_assert_msg(r.status == 0, "%s", r.out);
    cs_test_run_free(&r);
    e2e_teardown(&t);
}
END_TEST

static Suite *
load_suite(void)
{
    Suite *s = suite_create("e2e_serve_load");
    TCase *tc = tcase_create("load");
    tcase_set_timeout(tc, 240);
    tcase_add_test(tc, three_hundred_files_slow_writers_and_duplicates);
    tcase_add_test(tc, kill_9_at_ten_random_moments_loses_and_repeats_nothing);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(load_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
