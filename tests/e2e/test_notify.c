/* tests/e2e/test_notify.c: `custody serve` under a service manager (systemd Type=notify):
 * READY=1 once the API listens and the roots are watched, WATCHDOG=1 when asked, STOPPING=1
 * at SIGTERM, each received on a real datagram socket named by $NOTIFY_SOCKET. */
#include "tests/e2e/e2e.h"

#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static long
now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A datagram socket bound at `path`, as systemd makes for a Type=notify service. */
static int
manager_socket(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ck_assert_int_ge(fd, 0);
    ck_assert_uint_lt(strlen(path), sizeof sa.sun_path);
    strcpy(sa.sun_path, path);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    return fd;
}

typedef struct heard {
    int ready, stopping, watchdog;
    char status[512]; /* the STATUS= of the READY=1 message */
    char log_at_ready[64];
} heard_t;

/* Receives datagrams for up to `ms` or until `until` ("READY=1", "STOPPING=1") is heard. */
static void
listen_for(int fd, heard_t *h, const char *until, int ms, const char *log)
{
    long end = now_ms() + ms;
    char msg[1025];
    while (now_ms() < end) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 50) <= 0)
            continue;
        ssize_t n = recv(fd, msg, sizeof msg - 1, 0);
        ck_assert_int_gt(n, 0);
        msg[n] = '\0';
        if (strstr(msg, "READY=1") != NULL) {
            const char *st = strstr(msg, "STATUS=");
            snprintf(h->status, sizeof h->status, "%s", st ? st + 7 : "");
            /* What the log said when the service called itself ready. */
            char *text = cs_test_read(log, NULL);
            snprintf(h->log_at_ready, sizeof h->log_at_ready, "%s%s",
                     text && strstr(text, "\"api.listening\"") ? "listening " : "",
                     text && strstr(text, "\"service.started\"") ? "started" : "");
            free(text);
            h->ready++;
        }
        h->stopping += strstr(msg, "STOPPING=1") != NULL;
        h->watchdog += strcmp(msg, "WATCHDOG=1") == 0;
        if (until != NULL && strstr(msg, until) != NULL)
            return;
    }
}

START_TEST(serve_says_ready_then_stopping_and_feeds_the_watchdog)
{
    e2e_t t;
    heard_t h = {0};
    char sock[PATH_MAX], log[PATH_MAX];
    e2e_setup(&t);
    snprintf(sock, sizeof sock, "%s/notify", t.dir);
    snprintf(log, sizeof log, "%s/serve.log", t.dir);
    int fd = manager_socket(sock);
    setenv("NOTIFY_SOCKET", sock, 1);
    setenv("WATCHDOG_USEC", "400000", 1); /* WATCHDOG=1 every 200 ms */
    pid_t pid = cs_test_custody_bg(log, "serve", "--home", t.home, "--set",
                                   "api.listen=127.0.0.1:0", "--set", "worker.count=1", NULL);
    unsetenv("NOTIFY_SOCKET");
    unsetenv("WATCHDOG_USEC");

    listen_for(fd, &h, "READY=1", 30000, log);
    ck_assert_int_eq(h.ready, 1);
    ck_assert_str_eq(h.log_at_ready, "listening started");
    ck_assert_msg(strstr(h.status, t.home) != NULL, "STATUS=%s", h.status);

    listen_for(fd, &h, NULL, 1000, log);
    ck_assert_int_ge(h.watchdog, 3);
    ck_assert_int_eq(h.stopping, 0);

    kill(pid, SIGTERM);
    listen_for(fd, &h, "STOPPING=1", 30000, log);
    ck_assert_int_eq(h.stopping, 1);
    ck_assert_int_eq(cs_test_stop(pid, 0), 0);
    char *text = cs_test_read(log, NULL);
    ck_assert_ptr_null(strstr(text, "service.notify_failed"));
    free(text);
    close(fd);
    e2e_teardown(&t);
}
END_TEST

START_TEST(a_bad_notify_socket_is_logged_and_serving_goes_on)
{
    e2e_t t;
    char log[PATH_MAX];
    e2e_setup(&t);
    snprintf(log, sizeof log, "%s/serve.log", t.dir);
    setenv("NOTIFY_SOCKET", "relative/notify", 1);
    pid_t pid = cs_test_custody_bg(log, "serve", "--home", t.home, "--set",
                                   "api.listen=127.0.0.1:0", "--set", "worker.count=1", NULL);
    unsetenv("NOTIFY_SOCKET");
    char *text = NULL;
    for (int i = 0; i < 400 && (text == NULL || strstr(text, "service.notify_failed") == NULL);
         i++) {
        free(text);
        usleep(25 * 1000);
        text = cs_test_read(log, NULL);
    }
    ck_assert_ptr_nonnull(text);
    ck_assert_ptr_nonnull(strstr(text, "\"service.notify_failed\""));
    ck_assert_ptr_nonnull(strstr(text, "absolute path"));
    free(text);
    ck_assert_int_eq(cs_test_stop(pid, SIGTERM), 0);
    e2e_teardown(&t);
}
END_TEST

static Suite *
notify_suite(void)
{
    Suite *s = suite_create("notify");
    TCase *tc = tcase_create("serve");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, serve_says_ready_then_stopping_and_feeds_the_watchdog);
    tcase_add_test(tc, a_bad_notify_socket_is_logged_and_serving_goes_on);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(notify_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
