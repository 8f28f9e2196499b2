/* tests/core/test_notify.c: the sd_notify datagrams, received on real sockets. */
#include "core/error.h"
#include "core/notify.h"
#include "tests/support/testutil.h"

#include <check.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* Binds a datagram socket at `name` ("/path" or "@abstract"), as a service manager does. */
static int
listener(const char *name)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    size_t n = strlen(name);
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ck_assert_int_ge(fd, 0);
    ck_assert_uint_lt(n, sizeof sa.sun_path);
    memcpy(sa.sun_path, name, n);
    if (name[0] == '@')
        sa.sun_path[0] = '\0';
    else
        n++;
    ck_assert_int_eq(
        bind(fd, (struct sockaddr *)&sa, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n)),
        0);
    return fd;
}

/* The next datagram, NUL-terminated. */
static void
receive(int fd, char *buf, size_t size)
{
    ssize_t n = recv(fd, buf, size - 1, MSG_DONTWAIT);
    ck_assert_int_gt(n, 0);
    buf[n] = '\0';
}

START_TEST(without_a_socket_nothing_is_sent)
{
    unsetenv("NOTIFY_SOCKET");
    ck_assert_int_eq(cs_notify("READY=1"), 0);
    setenv("NOTIFY_SOCKET", "", 1);
    ck_assert_int_eq(cs_notify("READY=1"), 0);
}
END_TEST

START_TEST(a_path_socket_receives_each_message_whole)
{
    char *dir = cs_test_tmpdir(), path[256], got[CS_NOTIFY_MAX + 1];
    snprintf(path, sizeof path, "%s/notify", dir);
    int fd = listener(path);
    setenv("NOTIFY_SOCKET", path, 1);
    ck_assert_int_eq(cs_notify("READY=1\nSTATUS=serving /var/lib/custody"), 0);
    receive(fd, got, sizeof got);
    ck_assert_str_eq(got, "READY=1\nSTATUS=serving /var/lib/custody");
    ck_assert_int_eq(cs_notifyf("STOPPING=1\nSTATUS=%s", "stopping: SIGTERM"), 0);
    receive(fd, got, sizeof got);
    ck_assert_str_eq(got, "STOPPING=1\nSTATUS=stopping: SIGTERM");
    close(fd);
    cs_test_rmrf(dir);
    free(dir);
}
END_TEST

START_TEST(an_abstract_socket_is_named_with_an_at_sign)
{
    char name[64], got[64];
    snprintf(name, sizeof name, "@custody-test-notify-%ld", (long)getpid());
    int fd = listener(name);
    setenv("NOTIFY_SOCKET", name, 1);
    ck_assert_int_eq(cs_notify("WATCHDOG=1"), 0);
    receive(fd, got, sizeof got);
    ck_assert_str_eq(got, "WATCHDOG=1");
    close(fd);
}
END_TEST

static const struct {
    const char *socket;
    int rc;
    const char *diag;
} bad_sockets[] = {
    {"relative/notify", CS_EINVAL, "absolute path"},
    {"/nonexistent-custody-dir/notify", CS_ENOENT, "cannot send"},
    {"/a/very/long/path/"
     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
     CS_ENAMETOOLONG, "longer than a socket address"},
};

START_TEST(a_bad_socket_is_named_in_the_error)
{
    setenv("NOTIFY_SOCKET", bad_sockets[_i].socket, 1);
    cs_diag_clear();
    ck_assert_int_eq(cs_notify("READY=1"), bad_sockets[_i].rc);
    ck_assert_msg(strstr(cs_diag(), bad_sockets[_i].diag) != NULL, "%s: %s", bad_sockets[_i].socket,
                  cs_diag());
}
END_TEST

START_TEST(a_message_too_long_is_refused)
{
    char big[CS_NOTIFY_MAX + 8];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    setenv("NOTIFY_SOCKET", "@custody-test-unused", 1);
    ck_assert_int_eq(cs_notifyf("STATUS=%s", big), CS_ENAMETOOLONG);
}
END_TEST

static const struct {
    const char *usec, *pid; /* "self": this process */
    uint64_t want;
} watchdogs[] = {
    {NULL, NULL, 0}, {"500000", NULL, 500000}, {"500000", "self", 500000}, {"500000", "1", 0},
    {"0", NULL, 0},  {"-5", NULL, 0},          {"12abc", NULL, 0},         {"", NULL, 0},
};

START_TEST(the_watchdog_interval_is_for_this_process_only)
{
    char self[32];
    snprintf(self, sizeof self, "%ld", (long)getpid());
    unsetenv("WATCHDOG_USEC");
    unsetenv("WATCHDOG_PID");
    if (watchdogs[_i].usec != NULL)
        setenv("WATCHDOG_USEC", watchdogs[_i].usec, 1);
    if (watchdogs[_i].pid != NULL)
        setenv("WATCHDOG_PID", strcmp(watchdogs[_i].pid, "self") == 0 ? self : watchdogs[_i].pid,
               1);
    ck_assert_uint_eq(cs_notify_watchdog_usec(), watchdogs[_i].want);
}
END_TEST

static Suite *
notify_suite(void)
{
    Suite *s = suite_create("notify");
    TCase *tc = tcase_create("notify");
    tcase_add_test(tc, without_a_socket_nothing_is_sent);
    tcase_add_test(tc, a_path_socket_receives_each_message_whole);
    tcase_add_test(tc, an_abstract_socket_is_named_with_an_at_sign);
    tcase_add_loop_test(tc, a_bad_socket_is_named_in_the_error, 0,
                        sizeof bad_sockets / sizeof bad_sockets[0]);
    tcase_add_test(tc, a_message_too_long_is_refused);
    tcase_add_loop_test(tc, the_watchdog_interval_is_for_this_process_only, 0,
                        sizeof watchdogs / sizeof watchdogs[0]);
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
