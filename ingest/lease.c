/* ingest/lease.c: the read lease an upload is stored under; see lease.h. */
#include "ingest/lease.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>

static void
ignore_sigio_once(void)
{
    struct sigaction sa;
    if (sigaction(SIGIO, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL) {
        sa.sa_handler = SIG_IGN;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = 0;
        sigaction(SIGIO, &sa, NULL);
    }
}

cs_lease_t
cs_lease_take(int fd)
{
    /* Without this, `echo x >> upload` while it is stored would kill the whole service
     * (SIGIO's default action; exit 157). */
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, ignore_sigio_once);
    if (fcntl(fd, F_SETLEASE, F_RDLCK) == 0)
        return CS_LEASE_HELD;
    return errno == EAGAIN ? CS_LEASE_WRITER : CS_LEASE_NONE;
}

int
cs_lease_whole(int fd, cs_lease_t lease)
{
    /* A lease being broken reads as F_UNLCK already, while the writer still waits. */
    return lease != CS_LEASE_HELD || fcntl(fd, F_GETLEASE) == F_RDLCK;
}
