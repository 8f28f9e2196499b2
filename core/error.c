/* core/error.c: messages for the one error list and the thread-local detail. */
#include "core/error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

static _Thread_local char diag_buf[CS_DIAG_MAX];

const char *
cs_strerror(int err)
{
    switch (err) {
    case CS_OK:
        return "success";
#define CS_XX(name, msg)                                                                           \
    case CS_##name:                                                                                \
        return msg;
        CS_ERRNO_MAP(CS_XX)
#undef CS_XX
    default:
        return "unknown error";
    }
}

const char *
cs_errname(int err)
{
    switch (err) {
    case CS_OK:
        return "OK";
#define CS_XX(name, msg)                                                                           \
    case CS_##name:                                                                                \
        return #name;
        CS_ERRNO_MAP(CS_XX)
#undef CS_XX
    default:
        return "EUNKNOWN";
    }
}

int
cs_err_from_errno(int e)
{
    switch (e) {
    case ENOENT:
        return CS_ENOENT;
    case EEXIST:
        return CS_EEXIST;
    case EACCES:
    case EPERM:
    case EROFS:
        return CS_EACCES;
    case ENOSPC:
    case EDQUOT:
    case EFBIG:
        return CS_ENOSPC;
    case ENAMETOOLONG:
        return CS_ENAMETOOLONG;
    case EISDIR:
        return CS_EISDIR;
    case ENOTDIR:
        return CS_ENOTDIR;
    case ELOOP:
        return CS_ELOOP;
    case ENOMEM:
        return CS_ENOMEM;
    case EINVAL:
        return CS_EINVAL;
    case EBUSY:
    case EWOULDBLOCK:
        return CS_EBUSY;
    case ETIMEDOUT:
        return CS_ETIMEDOUT;
    case ECANCELED:
        return CS_ECANCELED;
    case EXDEV:
        return CS_EXDEV;
    default:
        return CS_EIO;
    }
}

void
cs_diag_set(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(diag_buf, sizeof diag_buf, fmt, ap);
    va_end(ap);
    if (n < 0)
        diag_buf[0] = '\0';
    else if ((size_t)n >= sizeof diag_buf)
        /* A detail longer than the buffer is marked, not silently cut. */
        snprintf(diag_buf + sizeof diag_buf - 5, 5, "..."); /* fits: 4 bytes in 5 */
}

void
cs_diag_clear(void)
{
    diag_buf[0] = '\0';
}

const char *
cs_diag(void)
{
    return diag_buf;
}
