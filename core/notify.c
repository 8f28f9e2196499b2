/* core/notify.c: the sd_notify datagram protocol, without libsystemd. */
#include "core/notify.h"

#include "core/error.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* Fills *sa for $NOTIFY_SOCKET `name` and returns the address length, or a CS_E* code. */
static int
notify_addr(const char *name, struct sockaddr_un *sa, socklen_t *len)
{
    size_t n = strlen(name);
    memset(sa, 0, sizeof *sa);
    sa->sun_family = AF_UNIX;
    if (name[0] != '/' && name[0] != '@') {
        cs_diag_set("NOTIFY_SOCKET=%s: expected an absolute path or an @abstract name", name);
        return CS_EINVAL;
    }
    if (n >= sizeof sa->sun_path) {
        cs_diag_set("NOTIFY_SOCKET=%s: longer than a socket address (%zu bytes)", name,
                    sizeof sa->sun_path - 1);
        return CS_ENAMETOOLONG;
    }
    memcpy(sa->sun_path, name, n);
    if (name[0] == '@')
        sa->sun_path[0] = '\0'; /* abstract: no terminating NUL, the length says where it ends */
    else
        n++;
    *len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
    return 0;
}

int
cs_notify(const char *state)
{
    const char *name = getenv("NOTIFY_SOCKET");
    struct sockaddr_un sa;
    socklen_t len = 0;
    int fd = -1, rc;
    if (name == NULL || name[0] == '\0')
        return 0;
    if ((rc = notify_addr(name, &sa, &len)) != 0)
        return rc;
    fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        rc = cs_err_from_errno(errno);
        cs_diag_set("NOTIFY_SOCKET=%s: cannot make a socket: %s", name, strerror(errno));
        goto out;
    }
    ssize_t sent;
    size_t size = strlen(state);
    do
        sent = sendto(fd, state, size, MSG_NOSIGNAL, (struct sockaddr *)&sa, len);
    while (sent < 0 && errno == EINTR);
    if (sent < 0) {
        rc = cs_err_from_errno(errno);
        cs_diag_set("NOTIFY_SOCKET=%s: cannot send: %s", name, strerror(errno));
        goto out;
    }
    rc = (size_t)sent == size ? 0 : CS_EIO;
    if (rc != 0)
        cs_diag_set("NOTIFY_SOCKET=%s: sent %zd of %zu bytes", name, sent, size);
out:
    if (fd >= 0)
        close(fd);
    return rc;
}

int
cs_notifyf(const char *fmt, ...)
{
    char msg[CS_NOTIFY_MAX + 1];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof msg) {
        cs_diag_set("a notification longer than %d bytes", CS_NOTIFY_MAX);
        return CS_ENAMETOOLONG;
    }
    return cs_notify(msg);
}

/* A decimal number > 0, whole, or 0. */
static unsigned long long
positive(const char *s)
{
    char *end = NULL;
    if (s == NULL || *s < '0' || *s > '9')
        return 0;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    return errno == 0 && *end == '\0' ? v : 0;
}

uint64_t
cs_notify_watchdog_usec(void)
{
    const char *pid = getenv("WATCHDOG_PID");
    if (pid != NULL && positive(pid) != (unsigned long long)getpid())
        return 0;
    return (uint64_t)positive(getenv("WATCHDOG_USEC"));
}
