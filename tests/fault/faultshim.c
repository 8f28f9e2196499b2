/* tests/fault/faultshim.c: a test-only LD_PRELOAD library that makes chosen libc calls fail.
 *
 * Built only with the tests (CMakeLists.txt, custody_faultshim) and never linked into
 * custody: a test puts it in LD_PRELOAD of the child it runs. It interposes the calls through
 * which bytes reach a disk (write and its kin, fsync, fdatasync, syncfs, rename, link, open,
 * ftruncate, fallocate, mkdir); SQLite's unix VFS calls the same libc functions through the
 * PLT (its syscall table holds their addresses), so the catalog's journal and WAL writes are
 * covered too. glibc's own stdio (fwrite, fclose) writes through internal aliases and is not.
 *
 * CUSTODY_FAULT holds rules separated by ';', each fields separated by ',':
 *   op=write|fsync|...  the calls (several joined by '|'): write (write, pwrite, pwrite64,
 *                       writev, pwritev), fsync, fdatasync, syncfs, sync (all three and
 *                       sync_file_range), rename (rename, renameat, renameat2), link (link,
 *                       linkat), open (every open/openat), openw (opens that write, create or
 *                       truncate), ftruncate, fallocate (and posix_fallocate), mkdir
 *   errno=ENOSPC        ENOSPC, EIO, EINTR, EDQUOT, EROFS, EACCES, EPERM or a number; KILL:
 *                       the process kills itself (SIGKILL) at that call, before it is made:
 *                       a crash at an exact point
 *   path=SUBSTR         only calls on a path containing SUBSTR (fd calls: /proc/self/fd/N)
 *   exe=NAME            only in the program named NAME (custody, custody-worker)
 *   after=N             let the first N matching calls through (default 0)
 *   count=N             fail N matching calls, then none (default 1; 0: every one after)
 *   bytes=N             a disk of N bytes: writes (and fallocate) pass while they fit, the
 *                       one that crosses is cut short, later ones fail (implies count=0)
 *   while=FILE          only while FILE exists (a test clears the fault by removing it)
 *   stall=FILE          the call does not fail: it waits while FILE exists, then goes on
 *                       (logged as errno=stall when it starts waiting); a test holds the
 *                       program at that call and lets it go by removing FILE
 * Counters are per process. CUSTODY_FAULT_LOG=FILE appends one line per injected failure:
 * "fault op=fsync errno=EIO pid=123 exe=custody path=/.../store/tmp/#42 (deleted)".
 * CUSTODY_FAULT_LEAK=N (with CUSTODY_FAULT_LEAK_EXE=NAME, only in that program) leaks N bytes
 * at start: the test of the tests that shows a leak under LeakSanitizer is noticed.
 *
 * Every wrapper is reentrant: no locks, no malloc after the first call, counters atomic, the
 * log written with one O_APPEND write.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <limits.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "faultshim_int.h"

static fs_rule_t fs_rules[FS_MAX_RULES];
static int fs_nrules;
static char fs_log[FS_PATH];
static atomic_int fs_state; /* 0 not read, 1 reading, 2 ready */
static void *volatile fs_leaked;

/* The real functions, found once. */
#define FS_REAL(ret, name, params)                                                                 \
    typedef ret(*name##_fn) params;                                                                \
    static name##_fn real_##name;
FS_REAL(ssize_t, write, (int, const void *, size_t))
FS_REAL(ssize_t, pwrite, (int, const void *, size_t, off_t))
FS_REAL(ssize_t, pwrite64, (int, const void *, size_t, off_t))
FS_REAL(ssize_t, writev, (int, const struct iovec *, int))
FS_REAL(ssize_t, pwritev, (int, const struct iovec *, int, off_t))
FS_REAL(ssize_t, pwritev64, (int, const struct iovec *, int, off_t))
FS_REAL(int, fsync, (int))
FS_REAL(int, fdatasync, (int))
FS_REAL(int, syncfs, (int))
FS_REAL(int, sync_file_range, (int, off_t, off_t, unsigned))
FS_REAL(int, rename, (const char *, const char *))
FS_REAL(int, renameat, (int, const char *, int, const char *))
FS_REAL(int, renameat2, (int, const char *, int, const char *, unsigned))
FS_REAL(int, link, (const char *, const char *))
FS_REAL(int, linkat, (int, const char *, int, const char *, int))
FS_REAL(int, open, (const char *, int, ...))
FS_REAL(int, open64, (const char *, int, ...))
FS_REAL(int, openat, (int, const char *, int, ...))
FS_REAL(int, openat64, (int, const char *, int, ...))
FS_REAL(int, ftruncate, (int, off_t))
FS_REAL(int, ftruncate64, (int, off_t))
FS_REAL(int, fallocate, (int, int, off_t, off_t))
FS_REAL(int, fallocate64, (int, int, off_t, off_t))
FS_REAL(int, posix_fallocate, (int, off_t, off_t))
FS_REAL(int, posix_fallocate64, (int, off_t, off_t))
FS_REAL(int, mkdir, (const char *, mode_t))
FS_REAL(int, mkdirat, (int, const char *, mode_t))

#define FS_FIND(name)                                                                              \
    do {                                                                                           \
        if (real_##name == NULL)                                                                   \
            real_##name = (name##_fn)dlsym(RTLD_NEXT, #name);                                      \
    } while (0)

static void
fs_find_all(void)
{
    FS_FIND(write);
    FS_FIND(pwrite);
    FS_FIND(pwrite64);
    FS_FIND(writev);
    FS_FIND(pwritev);
    FS_FIND(pwritev64);
    FS_FIND(fsync);
    FS_FIND(fdatasync);
    FS_FIND(syncfs);
    FS_FIND(sync_file_range);
    FS_FIND(rename);
    FS_FIND(renameat);
    FS_FIND(renameat2);
    FS_FIND(link);
    FS_FIND(linkat);
    FS_FIND(open);
    FS_FIND(open64);
    FS_FIND(openat);
    FS_FIND(openat64);
    FS_FIND(ftruncate);
    FS_FIND(ftruncate64);
    FS_FIND(fallocate);
    FS_FIND(fallocate64);
    FS_FIND(posix_fallocate);
    FS_FIND(posix_fallocate64);
    FS_FIND(mkdir);
    FS_FIND(mkdirat);
}

/* Reads the rules once; a call made while they are being read (dlsym's own) passes. */
static int
fs_ready(void)
{
    int st = atomic_load(&fs_state);
    if (st == 2)
        return 1;
    int expect = 0;
    if (!atomic_compare_exchange_strong(&fs_state, &expect, 1))
        return 0;
    fs_find_all();
    fs_parse(getenv("CUSTODY_FAULT"), fs_rules, &fs_nrules);
    const char *log = getenv("CUSTODY_FAULT_LOG");
    if (log != NULL)
        snprintf(fs_log, sizeof fs_log, "%s", log);
    const char *leak = getenv("CUSTODY_FAULT_LEAK"), *leak_exe = getenv("CUSTODY_FAULT_LEAK_EXE");
    if (leak != NULL && atoi(leak) > 0 &&
        (leak_exe == NULL || strcmp(leak_exe, program_invocation_short_name) == 0)) {
        fs_leaked = malloc((size_t)atoi(leak));
        if (fs_leaked != NULL)
            memset(fs_leaked, 1, (size_t)atoi(leak));
        fs_leaked = NULL; /* nothing points at it any more */
    }
    atomic_store(&fs_state, 2);
    return 1;
}

__attribute__((constructor)) static void
fs_init(void)
{
    fs_ready();
}

/* The path behind an fd ("" if unknown). */
static void
fs_fd_path(int fd, char *out, size_t size)
{
    char link[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, out, size - 1);
    out[n > 0 ? n : 0] = '\0';
}

/* dirfd + name as a path. */
static void
fs_at_path(int dirfd, const char *name, char *out, size_t size)
{
    if (name == NULL) {
        out[0] = '\0';
        return;
    }
    if (name[0] == '/' || dirfd == AT_FDCWD) {
        char cwd[FS_PATH] = "";
        if (name[0] != '/' && getcwd(cwd, sizeof cwd) == NULL)
            cwd[0] = '\0';
        snprintf(out, size, "%s%s%s", cwd, cwd[0] ? "/" : "", name);
        return;
    }
    char dir[FS_PATH];
    fs_fd_path(dirfd, dir, sizeof dir);
    /* A path too long for out is cut: the rules match substrings of it. */
    if ((size_t)snprintf(out, size, "%s/%s", dir, name) >= size)
        out[size - 1] = '\0';
}

static void
fs_record(const char *fn, int err, const char *path)
{
    char line[FS_PATH + 160];
    const char *ename = NULL;
    if (fs_log[0] == '\0')
        return;
    ename = fs_errno_name(err);
    if (err == 0)
        ename = "stall";
    int n = snprintf(line, sizeof line, "fault op=%s errno=%s pid=%ld exe=%s path=%s\n", fn,
                     ename ? ename : "?", (long)getpid(), program_invocation_short_name, path);
    if (n <= 0)
        return;
    if ((size_t)n >= sizeof line)
        n = (int)sizeof line - 1;
    int fd = real_open(fs_log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0)
        return;
    ssize_t w = real_write(fd, line, (size_t)n);
    (void)w;
    close(fd);
}

/* Decides one call. `len` is the bytes a write would add (0 for others); *allow is set to how
 * many of them may pass (a budget cut short), or len. Returns the errno to fail with, or 0. */
static int
fs_decide(unsigned op, const char *fn, int fd, const char *p1, const char *p2, size_t len,
          size_t *allow)
{
    char path[FS_PATH * 2 + 4];
    int have_path = 0;
    int saved = errno;

    if (allow != NULL)
        *allow = len;
    if (!fs_ready() || fs_nrules == 0)
        return 0;
    for (int i = 0; i < fs_nrules; i++) {
        fs_rule_t *r = &fs_rules[i];
        struct stat st;
        if (!(r->ops & op))
            continue;
        if (r->path[0] != '\0') {
            if (!have_path) {
                if (fd >= 0)
                    fs_fd_path(fd, path, sizeof path);
                else
                    snprintf(path, sizeof path, "%s%s%s", p1 ? p1 : "", p2 ? " -> " : "",
                             p2 ? p2 : "");
                have_path = 1;
            }
            if (strstr(path, r->path) == NULL)
                continue;
        }
        if (r->when[0] != '\0' && stat(r->when, &st) != 0)
            continue;
        if (r->bytes >= 0) {
            long long before = atomic_fetch_add(&r->used, (long long)len);
            if (before + (long long)len <= r->bytes)
                continue;
            if (before < r->bytes && allow != NULL && len > 0) {
                *allow = (size_t)(r->bytes - before); /* a short write, as a full disk gives */
                errno = saved;
                return 0;
            }
        } else {
            long n = atomic_fetch_add(&r->seen, 1);
            if (n < r->after || (r->count > 0 && n >= r->after + r->count))
                continue;
        }
        if (!have_path) {
            if (fd >= 0)
                fs_fd_path(fd, path, sizeof path);
            else
                snprintf(path, sizeof path, "%s%s%s", p1 ? p1 : "", p2 ? " -> " : "", p2 ? p2 : "");
        }
        if (r->stall[0] != '\0') {
            struct timespec nap = {0, 10 * 1000 * 1000};
            fs_record(fn, 0, path);
            while (stat(r->stall, &st) == 0)
                nanosleep(&nap, NULL);
            errno = saved;
            return 0;
        }
        fs_record(fn, r->err, path);
        if (r->err == FS_KILL)
            kill(getpid(), SIGKILL);
        errno = saved;
        return r->err;
    }
    errno = saved;
    return 0;
}

static size_t
fs_iov_len(const struct iovec *iov, int n)
{
    size_t len = 0;
    for (int i = 0; i < n; i++)
        len += iov[i].iov_len;
    return len;
}

/* The writes. A budget that leaves part of a buffer writes that part. */
#define FS_WRITE_BODY(call_real, short_real)                                                       \
    size_t allow;                                                                                  \
    int e = fs_decide(FS_WRITE, __func__, fd, NULL, NULL, n, &allow);                              \
    if (e != 0) {                                                                                  \
        errno = e;                                                                                 \
        return -1;                                                                                 \
    }                                                                                              \
    if (allow < n)                                                                                 \
        return short_real;                                                                         \
    return call_real;

ssize_t
write(int fd, const void *buf, size_t n)
{
    fs_ready();
    if (real_write == NULL)
        FS_FIND(write);
    FS_WRITE_BODY(real_write(fd, buf, n), real_write(fd, buf, allow))
}

ssize_t
pwrite(int fd, const void *buf, size_t n, off_t off)
{
    fs_ready();
    FS_FIND(pwrite);
    FS_WRITE_BODY(real_pwrite(fd, buf, n, off), real_pwrite(fd, buf, allow, off))
}

ssize_t
pwrite64(int fd, const void *buf, size_t n, off_t off)
{
    fs_ready();
    FS_FIND(pwrite64);
    FS_WRITE_BODY(real_pwrite64(fd, buf, n, off), real_pwrite64(fd, buf, allow, off))
}

/* A vector crossing the budget fails whole (a simplification: no test needs the cut). */
ssize_t
writev(int fd, const struct iovec *iov, int cnt)
{
    size_t n = fs_iov_len(iov, cnt);
    fs_ready();
    FS_FIND(writev);
    FS_WRITE_BODY(real_writev(fd, iov, cnt), (errno = ENOSPC, -1))
}

ssize_t
pwritev(int fd, const struct iovec *iov, int cnt, off_t off)
{
    size_t n = fs_iov_len(iov, cnt);
    fs_ready();
    FS_FIND(pwritev);
    FS_WRITE_BODY(real_pwritev(fd, iov, cnt, off), (errno = ENOSPC, -1))
}

ssize_t
pwritev64(int fd, const struct iovec *iov, int cnt, off_t off)
{
    size_t n = fs_iov_len(iov, cnt);
    fs_ready();
    FS_FIND(pwritev64);
    FS_WRITE_BODY(real_pwritev64(fd, iov, cnt, off), (errno = ENOSPC, -1))
}

/* Calls on an fd that return 0 or -1 with errno. */
#define FS_FD_CALL(op, real, ...)                                                                  \
    do {                                                                                           \
        fs_ready();                                                                                \
        int e_ = fs_decide(op, __func__, fd, NULL, NULL, 0, NULL);                                 \
        if (e_ != 0) {                                                                             \
            errno = e_;                                                                            \
            return -1;                                                                             \
        }                                                                                          \
        return real(__VA_ARGS__);                                                                  \
    } while (0)

int
fsync(int fd)
{
    FS_FIND(fsync);
    FS_FD_CALL(FS_FSYNC, real_fsync, fd);
}

int
fdatasync(int fd)
{
    FS_FIND(fdatasync);
    FS_FD_CALL(FS_FDATASYNC, real_fdatasync, fd);
}

int
syncfs(int fd)
{
    FS_FIND(syncfs);
    FS_FD_CALL(FS_SYNCFS, real_syncfs, fd);
}

int
sync_file_range(int fd, off_t off, off_t n, unsigned flags)
{
    FS_FIND(sync_file_range);
    FS_FD_CALL(FS_RANGE, real_sync_file_range, fd, off, n, flags);
}

int
ftruncate(int fd, off_t len)
{
    FS_FIND(ftruncate);
    FS_FD_CALL(FS_FTRUNCATE, real_ftruncate, fd, len);
}

int
ftruncate64(int fd, off_t len)
{
    FS_FIND(ftruncate64);
    FS_FD_CALL(FS_FTRUNCATE, real_ftruncate64, fd, len);
}

/* The errno a fallocate of len bytes fails with (a budget counts it as written), or 0. */
static int
fs_alloc(const char *fn, int fd, off_t len)
{
    size_t allow;
    fs_ready();
    int e = fs_decide(FS_FALLOCATE | FS_WRITE, fn, fd, NULL, NULL, (size_t)len, &allow);
    return e != 0 ? e : allow < (size_t)len ? ENOSPC : 0;
}

int
fallocate(int fd, int mode, off_t off, off_t len)
{
    FS_FIND(fallocate);
    int e = fs_alloc(__func__, fd, len);
    if (e != 0) {
        errno = e;
        return -1;
    }
    return real_fallocate(fd, mode, off, len);
}

int
fallocate64(int fd, int mode, off_t off, off_t len)
{
    FS_FIND(fallocate64);
    int e = fs_alloc(__func__, fd, len);
    if (e != 0) {
        errno = e;
        return -1;
    }
    return real_fallocate64(fd, mode, off, len);
}

/* posix_fallocate returns the error instead of setting errno. */
int
posix_fallocate(int fd, off_t off, off_t len)
{
    FS_FIND(posix_fallocate);
    int e = fs_alloc(__func__, fd, len);
    return e != 0 ? e : real_posix_fallocate(fd, off, len);
}

int
posix_fallocate64(int fd, off_t off, off_t len)
{
    FS_FIND(posix_fallocate64);
    int e = fs_alloc(__func__, fd, len);
    return e != 0 ? e : real_posix_fallocate64(fd, off, len);
}

/* Calls on paths. */
#define FS_PATH_CALL(op, p1, p2, real, ...)                                                        \
    do {                                                                                           \
        fs_ready();                                                                                \
        int e_ = fs_decide(op, __func__, -1, p1, p2, 0, NULL);                                     \
        if (e_ != 0) {                                                                             \
            errno = e_;                                                                            \
            return -1;                                                                             \
        }                                                                                          \
        return real(__VA_ARGS__);                                                                  \
    } while (0)

int
rename(const char *from, const char *to)
{
    char a[FS_PATH], b[FS_PATH];
    FS_FIND(rename);
    fs_at_path(AT_FDCWD, from, a, sizeof a);
    fs_at_path(AT_FDCWD, to, b, sizeof b);
    FS_PATH_CALL(FS_RENAME, a, b, real_rename, from, to);
}

int
renameat(int fromfd, const char *from, int tofd, const char *to)
{
    char a[FS_PATH], b[FS_PATH];
    FS_FIND(renameat);
    fs_at_path(fromfd, from, a, sizeof a);
    fs_at_path(tofd, to, b, sizeof b);
    FS_PATH_CALL(FS_RENAME, a, b, real_renameat, fromfd, from, tofd, to);
}

int
renameat2(int fromfd, const char *from, int tofd, const char *to, unsigned flags)
{
    char a[FS_PATH], b[FS_PATH];
    FS_FIND(renameat2);
    fs_at_path(fromfd, from, a, sizeof a);
    fs_at_path(tofd, to, b, sizeof b);
    FS_PATH_CALL(FS_RENAME, a, b, real_renameat2, fromfd, from, tofd, to, flags);
}

int
link(const char *from, const char *to)
{
    char a[FS_PATH], b[FS_PATH];
    FS_FIND(link);
    fs_at_path(AT_FDCWD, from, a, sizeof a);
    fs_at_path(AT_FDCWD, to, b, sizeof b);
    FS_PATH_CALL(FS_LINK, a, b, real_link, from, to);
}

int
linkat(int fromfd, const char *from, int tofd, const char *to, int flags)
{
    char a[FS_PATH], b[FS_PATH];
    FS_FIND(linkat);
    fs_at_path(fromfd, from, a, sizeof a);
    fs_at_path(tofd, to, b, sizeof b);
    FS_PATH_CALL(FS_LINK, a, b, real_linkat, fromfd, from, tofd, to, flags);
}

int
mkdir(const char *path, mode_t mode)
{
    char a[FS_PATH];
    FS_FIND(mkdir);
    fs_at_path(AT_FDCWD, path, a, sizeof a);
    FS_PATH_CALL(FS_MKDIR, a, NULL, real_mkdir, path, mode);
}

int
mkdirat(int dirfd, const char *path, mode_t mode)
{
    char a[FS_PATH];
    FS_FIND(mkdirat);
    fs_at_path(dirfd, path, a, sizeof a);
    FS_PATH_CALL(FS_MKDIR, a, NULL, real_mkdirat, dirfd, path, mode);
}

/* The opens. The mode is there only when the flags create a file. */
static unsigned
fs_open_ops(int flags)
{
    int writes = (flags & O_ACCMODE) != O_RDONLY || (flags & (O_CREAT | O_TRUNC)) ||
                 (flags & O_TMPFILE) == O_TMPFILE;
    return FS_OPEN | (writes ? FS_OPENW : 0);
}

static int
fs_open_decide(const char *fn, int dirfd, const char *path, int flags)
{
    char a[FS_PATH];
    /* Before the rules are read (dlsym's own opens), or with no rules: no path work. */
    if (atomic_load(&fs_state) != 2 || fs_nrules == 0)
        return 0;
    fs_at_path(dirfd, path, a, sizeof a);
    return fs_decide(fs_open_ops(flags), fn, -1, a, NULL, 0, NULL);
}

/* One open: the mode only when the flags create a file; then the rules, then the real call. */
#define FS_OPEN_CALL(real, dirfd, ...)                                                             \
    mode_t mode = 0;                                                                               \
    if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) {                                   \
        va_list ap;                                                                                \
        va_start(ap, flags);                                                                       \
        mode = (mode_t)va_arg(ap, int);                                                            \
        va_end(ap);                                                                                \
    }                                                                                              \
    FS_FIND(real);                                                                                 \
    int e = fs_open_decide(__func__, dirfd, path, flags);                                          \
    if (e != 0) {                                                                                  \
        errno = e;                                                                                 \
        return -1;                                                                                 \
    }                                                                                              \
    return real_##real(__VA_ARGS__, flags, mode);

int
open(const char *path, int flags, ...)
{
    FS_OPEN_CALL(open, AT_FDCWD, path)
}

int
open64(const char *path, int flags, ...)
{
    FS_OPEN_CALL(open64, AT_FDCWD, path)
}

int
openat(int dirfd, const char *path, int flags, ...)
{
    FS_OPEN_CALL(openat, dirfd, dirfd, path)
}

int
openat64(int dirfd, const char *path, int flags, ...)
{
    FS_OPEN_CALL(openat64, dirfd, dirfd, path)
}
