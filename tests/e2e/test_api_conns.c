/* tests/e2e/test_api_conns.c: the API under clients that hold connections: thousands of idle
 * ones are kept (past the default open-file limit of 1024) and closed after
 * api.idle_timeout_ms while requests are answered; a client that sends its request a byte at
 * a time is cut off; connections over api.max_conns are closed as they arrive; a client that
 * never reads its download holds up nobody; and what a crash left in <home>/tmp/exports is
 * swept at the next start. */
#include "tests/e2e/e2e_api.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>

#define IDLE 2000 /* idle connections: twice Debian's default soft limit of open files */

/* Restarts the service with `conf` appended to its custody.conf. */
static void
restart_with(api_t *a, const char *conf)
{
    char path[PATH_MAX];
    ck_assert_int_eq(cs_test_stop(a->pid, SIGTERM), 0);
    snprintf(path, sizeof path, "%s/custody.conf", a->t.home);
    FILE *f = fopen(path, "a");
    ck_assert_ptr_nonnull(f);
    fputs(conf, f);
    fclose(f);
    ck_assert_int_eq(truncate(a->log, 0), 0);
    api_start(a);
}

static int
connect_to(const api_t *a)
{
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)a->port)};
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ck_assert_int_ge(fd, 0);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&sin, sizeof sin), 0);
    return fd;
}

/* 1 when the server has closed fd (end of stream or reset), 0 when it is still open after
 * ms milliseconds. */
static int
closed_by_server(int fd, int ms)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    char buf[4096];
    for (;;) {
        int n = poll(&p, 1, ms);
        if (n == 0)
            return 0;
        ssize_t got = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
        if (got == 0 || (got < 0 && errno == ECONNRESET))
            return 1;
        ms = 100; /* an answer (a 408, say) came first: its end follows */
    }
}

static void
assert_served(api_t *a)
{
    resp_t r;
    char target[256];
    path_of(a, target, sizeof target, "");
    http(a, &r, "GET", target, a->alice, PURPOSE, NULL, NULL);
    ck_assert_msg(r.status == 200, "a request among held connections: %d %.300s", r.status, r.body);
    resp_free(&r);
}

START_TEST(thousands_of_idle_connections_are_held_then_closed_while_requests_are_served)
{
    api_t a;
    struct rlimit rl;
    static int fds[IDLE];
    ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
    if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < IDLE + 256)
        ck_abort_msg("this test needs %d open files; the hard limit is %llu", IDLE + 256,
                     (unsigned long long)rl.rlim_max);
    /* The test's own limit only: the service (a child) starts from the default 1024 and must
     * raise its own. */
    rlim_t soft = rl.rlim_cur;
    rl.rlim_cur = IDLE + 256;
    ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
    api_setup(&a);
    rl.rlim_cur = soft < 1024 ? soft : 1024;
    ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
    /* Long enough for 2,000 connects on a loaded machine (under ASan, beside other tests):
     * the first must still be open when the last is made. */
    restart_with(&a, "\n[api]\nidle_timeout_ms = 8000\n");
    rl.rlim_cur = IDLE + 256;
    ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);

    for (int i = 0; i < IDLE; i++)
        fds[i] = connect_to(&a);
    /* Every one was accepted (none closed at once), and a request is still answered. */
    for (int i = 0; i < IDLE; i += 97)
        if (closed_by_server(fds[i], 0)) {
            char *log = cs_test_read(a.log, NULL);
            ck_abort_msg("idle connection %d was refused; the service's log:\n%.3000s", i,
                         log ? log : "(none)");
        }
    assert_served(&a);
    /* After the idle timeout, the server closes them all. */
    int open = 0;
    for (int i = 0; i < IDLE; i++)
        open += !closed_by_server(fds[i], i == 0 ? 30000 : 3000);
    ck_assert_msg(open == 0, "%d of %d idle connections were still open", open, IDLE);
    for (int i = 0; i < IDLE; i++)
        close(fds[i]);
    assert_served(&a);
    api_teardown(&a);
}
END_TEST

START_TEST(a_client_sending_its_headers_a_byte_at_a_time_is_cut_off)
{
    api_t a;
    const char *head = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ";
    api_setup(&a);
    restart_with(&a, "\n[api]\nidle_timeout_ms = 1000\n");
    int fd = connect_to(&a);
    ck_assert_int_eq(send(fd, head, strlen(head), MSG_NOSIGNAL), (ssize_t)strlen(head));
    int cut = 0;
    for (int i = 0; i < 100 && !cut; i++) { /* 100 bytes over 20 s at most */
        if (send(fd, "a", 1, MSG_NOSIGNAL) != 1 || closed_by_server(fd, 200))
            cut = 1;
        if (i % 10 == 0)
            assert_served(&a); /* the others are answered meanwhile */
    }
    ck_assert_msg(cut, "a client sending a header byte every 200 ms was never cut off");
    close(fd);
    assert_served(&a);
    api_teardown(&a);
}
END_TEST

START_TEST(connections_over_max_conns_are_closed_as_they_arrive)
{
    api_t a;
    int fds[16], extra;
    api_setup(&a);
    restart_with(&a, "\n[api]\nmax_conns = 16\n");
    for (int i = 0; i < 16; i++)
        fds[i] = connect_to(&a);
    for (int i = 0; i < 16; i++)
        ck_assert_msg(!closed_by_server(fds[i], i == 15 ? 300 : 0), "connection %d refused", i);
    extra = connect_to(&a);
    ck_assert_msg(closed_by_server(extra, 5000), "the 17th connection was kept");
    close(extra);
    for (int i = 0; i < 16; i++)
        close(fds[i]);
    usleep(200 * 1000); /* the server sees them go */
    assert_served(&a);
    api_teardown(&a);
}
END_TEST

START_TEST(a_client_that_never_reads_its_download_holds_up_nobody)
{
    api_t a;
    char target[256], req[1024];
    int small = 4096;
    api_setup(&a);
    path_of(&a, target, sizeof target, "/original");
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    close(fd);
    fd = connect_to(&a);
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    int n = snprintf(req, sizeof req,
                     "GET %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                     "X-Custody-Purpose: %s\r\n\r\n",
                     target, a.alice, PURPOSE);
    ck_assert_int_eq(send(fd, req, (size_t)n, MSG_NOSIGNAL), n);
    usleep(300 * 1000); /* the download starts and stalls on the full socket */
    for (int i = 0; i < 5; i++)
        assert_served(&a);
    close(fd);
    assert_served(&a);
    api_teardown(&a);
}
END_TEST

START_TEST(what_a_crash_left_in_tmp_exports_is_swept_at_start)
{
    api_t a;
    char dir[PATH_MAX], file[PATH_MAX + 32], keep[PATH_MAX];
    struct stat st;
    api_setup(&a);
    snprintf(dir, sizeof dir, "%s/tmp/exports", a.t.home);
    mkdir(dir, 0700);
    snprintf(dir, sizeof dir, "%s/tmp/exports/x-AbC123", a.t.home);
    ck_assert_int_eq(mkdir(dir, 0700), 0);
    snprintf(file, sizeof file, "%s/case.tar", dir);
    cs_test_write(file, "partial", 7);
    snprintf(keep, sizeof keep, "%s/tmp/exports/not-ours", a.t.home);
    cs_test_write(keep, "x", 1);
    restart_with(&a, "");
    ck_assert_msg(stat(dir, &st) != 0 && errno == ENOENT, "%s is still there", dir);
    ck_assert_msg(stat(keep, &st) == 0, "a file the export did not make was removed");
    char *log = cs_test_read(a.log, NULL);
    ck_assert_ptr_nonnull(strstr(log, "\"api.exports_swept\""));
    free(log);
    api_teardown(&a);
}
END_TEST

static Suite *
suite(void)
{
    Suite *s = suite_create("api_conns");
    TCase *tc = tcase_create("api_conns");
    tcase_set_timeout(tc, 180);
    tcase_add_test(tc,
                   thousands_of_idle_connections_are_held_then_closed_while_requests_are_served);
    tcase_add_test(tc, a_client_sending_its_headers_a_byte_at_a_time_is_cut_off);
    tcase_add_test(tc, connections_over_max_conns_are_closed_as_they_arrive);
    tcase_add_test(tc, a_client_that_never_reads_its_download_holds_up_nobody);
    tcase_add_test(tc, what_a_crash_left_in_tmp_exports_is_swept_at_start);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
