/* core/io.c: whole reads at an offset. */
#include "core/io.h"

#include "core/error.h"

#include <errno.h>
#include <unistd.h>

ssize_t
cs_pread_upto(int fd, void *buf, size_t n, int64_t off)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = pread(fd, (char *)buf + got, n - got, (off_t)(off + (int64_t)got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return cs_err_from_errno(errno);
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

int
cs_pread_exact(int fd, void *buf, size_t n, int64_t off)
{
    return cs_pread_upto(fd, buf, n, off) == (ssize_t)n ? 0 : -1;
}
