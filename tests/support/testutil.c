/* tests/support/testutil.c: see testutil.h. Real processes and files; nothing mocked. */
#include "tests/support/testutil.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* The log of each custody started in the background: cs_test_stop looks there for the leak
 * reports of the process and of the workers it started (their stderr is the same log). */
static struct {
    pid_t pid;
    char log[PATH_MAX];
} bg_logs[64];

const char *
cs_test_leak_report(const char *text)
{
    return text != NULL ? strstr(text, "ERROR: LeakSanitizer") : NULL;
}

/* Fails the test when `text` holds a LeakSanitizer report: an exit status alone misses the
 * workers' (their reports go to the stderr of the custody that started them). */
static void
assert_no_leak(const char *what, const char *text)
{
    const char *report = cs_test_leak_report(text);
    if (report != NULL)
        ck_abort_msg("%s leaked memory (a child, or one of its workers):\n%.3000s", what, report);
}

char *
cs_test_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    char tmpl[4096];
    snprintf(tmpl, sizeof tmpl, "%s/custody-test-XXXXXX", base && *base ? base : "/tmp");
    char *p = mkdtemp(tmpl);
    ck_assert_msg(p != NULL, "mkdtemp: %s", strerror(errno));
    return strdup(p);
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (flag == FTW_DP)
        return rmdir(path) == 0 ? 0 : 0;
    chmod(path, 0644);
    unlink(path);
    return 0;
}

void
cs_test_rmrf(const char *path)
{
    if (path != NULL)
        nftw(path, rm_one, 32, FTW_DEPTH | FTW_PHYS);
}

static long counted;

static int
count_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)path;
    (void)st;
    (void)ftw;
    counted += flag == FTW_F || flag == FTW_SL;
    return 0;
}

long
cs_test_count_files(const char *dir)
{
    counted = 0;
    nftw(dir, count_one, 16, FTW_PHYS);
    return counted;
}

void
cs_test_write(const char *path, const void *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ck_assert_msg(fd >= 0, "open %s: %s", path, strerror(errno));
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        ck_assert_msg(n > 0, "write %s: %s", path, strerror(errno));
        p += n;
        len -= (size_t)n;
    }
    close(fd);
}

void
cs_test_write_random(const char *path, size_t len, unsigned seed)
{
    char *buf = malloc(len ? len : 1);
    ck_assert_ptr_nonnull(buf);
    uint64_t x = 0x9e3779b97f4a7c15ull ^ seed;
    for (size_t i = 0; i < len; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        buf[i] = (char)(x & 0xff);
    }
    cs_test_write(path, buf, len);
    free(buf);
}

char *
cs_test_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            cap *= 2;
            buf = realloc(buf, cap + 1);
        }
    }
    fclose(f);
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

static void
drain(int fd, char **buf, size_t *len, size_t *cap)
{
    if (*len + 4096 + 1 > *cap) {
        *cap = (*cap + 4096) * 2;
        *buf = realloc(*buf, *cap);
    }
    ssize_t n = read(fd, *buf + *len, *cap - *len - 1);
    if (n > 0)
        *len += (size_t)n;
}

/* The test's environment with `env` ("KEY=VALUE") set over it: a malloc'd array of borrowed
 * strings, made before fork (the child only execs). */
static char **
env_merge(char *const env[])
{
    size_t n = 0, k = 0, m = 0;
    while (environ[n] != NULL)
        n++;
    while (env != NULL && env[k] != NULL)
        k++;
    char **out = calloc(n + k + 1, sizeof *out);
    ck_assert_ptr_nonnull(out);
    for (size_t i = 0; i < n; i++) {
        size_t klen = strcspn(environ[i], "=");
        int overridden = 0;
        for (size_t j = 0; j < k && !overridden; j++)
            overridden = strncmp(env[j], environ[i], klen + 1) == 0;
        if (!overridden)
            out[m++] = environ[i];
    }
    for (size_t j = 0; j < k; j++)
        out[m++] = env[j];
    return out;
}

void
cs_test_run(cs_run_t *r, const char *in, char *const argv[])
{
    cs_test_run_env(r, NULL, in, argv);
}

void
cs_test_run_env(cs_run_t *r, char *const env[], const char *in, char *const argv[])
{
    int pin[2], pout[2], perr[2];
    char **envp = env_merge(env);
    memset(r, 0, sizeof *r);
    ck_assert(pipe(pin) == 0 && pipe(pout) == 0 && pipe(perr) == 0);
    pid_t pid = fork();
    ck_assert(pid >= 0);
    if (pid == 0) {
        dup2(pin[0], 0);
        dup2(pout[1], 1);
        dup2(perr[1], 2);
        close(pin[1]);
        close(pout[0]);
        close(perr[0]);
        execve(argv[0], argv, envp);
        _exit(127);
    }
    free(envp);
    close(pin[0]);
    close(pout[1]);
    close(perr[1]);
    if (in != NULL) {
        size_t left = strlen(in);
        while (left > 0) {
            ssize_t n = write(pin[1], in, left);
            if (n <= 0)
                break;
            in += n;
            left -= (size_t)n;
        }
    }
    close(pin[1]);
    size_t ocap = 0, ecap = 0;
    struct pollfd fds[2] = {{pout[0], POLLIN, 0}, {perr[0], POLLIN, 0}};
    int open_fds = 2;
    while (open_fds > 0) {
        if (poll(fds, 2, -1) < 0 && errno == EINTR)
            continue;
        for (int i = 0; i < 2; i++) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            char **b = i == 0 ? &r->out : &r->err;
            size_t *l = i == 0 ? &r->out_len : &r->err_len;
            size_t before = *l;
            drain(fds[i].fd, b, l, i == 0 ? &ocap : &ecap);
            if (*l == before) {
                close(fds[i].fd);
                fds[i].fd = -1;
                open_fds--;
            }
        }
    }
    if (r->out == NULL)
        r->out = calloc(1, 1);
    if (r->err == NULL)
        r->err = calloc(1, 1);
    r->out[r->out_len] = '\0';
    r->err[r->err_len] = '\0';
    int st = 0;
    struct rusage ru;
    ck_assert(wait4(pid, &st, 0, &ru) == pid);
    r->maxrss_kb = ru.ru_maxrss;
    r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    assert_no_leak(argv[0], r->err);
}

/* argv of build/custody from a NULL-terminated list of arguments. */
static void
custody_argv(char *argv[64], const char *arg, va_list ap)
{
    int n = 0;
    argv[n++] = (char *)CUSTODY_BIN;
    for (const char *a = arg; a != NULL && n < 63; a = va_arg(ap, const char *))
        argv[n++] = (char *)a;
    argv[n] = NULL;
}

void
cs_test_custody(cs_run_t *r, const char *arg, ...)
{
    char *argv[64];
    va_list ap;
    va_start(ap, arg);
    custody_argv(argv, arg, ap);
    va_end(ap);
    cs_test_run(r, NULL, argv);
}

void
cs_test_custody_env(cs_run_t *r, char *const env[], const char *arg, ...)
{
    char *argv[64];
    va_list ap;
    va_start(ap, arg);
    custody_argv(argv, arg, ap);
    va_end(ap);
    cs_test_run_env(r, env, NULL, argv);
}

void
cs_test_run_free(cs_run_t *r)
{
    free(r->out);
    free(r->err);
    r->out = r->err = NULL;
}

long
cs_test_sql_count(const char *db, const char *sql)
{
    sqlite3 *h = NULL;
    sqlite3_stmt *st = NULL;
    long n = -1;
    ck_assert_int_eq(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_busy_timeout(h, 5000);
    ck_assert_msg(sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK, "%s: %s", sql,
                  sqlite3_errmsg(h));
    if (sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(h);
    return n;
}

static pid_t
custody_bg(const char *log, char *const env[], char *const argv[])
{
    char **envp = env_merge(env);
    pid_t pid = fork();
    ck_assert(pid >= 0);
    if (pid == 0) {
        /* A process group of its own: whatever it signals as a group stays among its own. */
        setpgid(0, 0);
        /* A test that fails before it stops the service must not leave it running. */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
        int devnull = open("/dev/null", O_RDONLY);
        dup2(devnull, 0);
        dup2(fd, 1);
        dup2(fd, 2);
        execve(argv[0], argv, envp);
        _exit(127);
    }
    free(envp);
    for (size_t i = 0; i < sizeof bg_logs / sizeof bg_logs[0]; i++)
        if (bg_logs[i].pid == 0) {
            bg_logs[i].pid = pid;
            snprintf(bg_logs[i].log, sizeof bg_logs[i].log, "%s", log);
            break;
        }
    return pid;
}

pid_t
cs_test_custody_bg(const char *log, const char *arg, ...)
{
    char *argv[64];
    va_list ap;
    va_start(ap, arg);
    custody_argv(argv, arg, ap);
    va_end(ap);
    return custody_bg(log, NULL, argv);
}

pid_t
cs_test_custody_bg_env(const char *log, char *const env[], const char *arg, ...)
{
    char *argv[64];
    va_list ap;
    va_start(ap, arg);
    custody_argv(argv, arg, ap);
    va_end(ap);
    return custody_bg(log, env, argv);
}

/* A count that tolerates a catalog being written by another process (or not yet there). */
static long
try_count(const char *db, const char *sql)
{
    sqlite3 *h = NULL;
    sqlite3_stmt *st = NULL;
    long n = -1;
    if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
        sqlite3_busy_timeout(h, 2000);
        if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW)
            n = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    sqlite3_close(h);
    return n;
}

long
cs_test_wait_count(const char *db, const char *sql, long want, int timeout_ms)
{
    long n = -1;
    for (int waited = 0; waited <= timeout_ms; waited += 50) {
        if ((n = try_count(db, sql)) == want)
            return n;
        usleep(50 * 1000);
    }
    return n;
}

int
cs_test_stop(pid_t pid, int sig)
{
    int st = 0;
    kill(pid, sig);
    ck_assert(waitpid(pid, &st, 0) == pid);
    for (size_t i = 0; i < sizeof bg_logs / sizeof bg_logs[0]; i++)
        if (bg_logs[i].pid == pid) {
            bg_logs[i].pid = 0;
            char *log = cs_test_read(bg_logs[i].log, NULL);
            assert_no_leak(bg_logs[i].log, log);
            free(log);
        }
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
