/* core/error.h: the one list of Custody error codes, and the detail of the last error.
 *
 * Every function in Custody returns 0 or a negative CS_E* code from this list. Foreign
 * codes (errno, SQLite, OpenSSL, FFmpeg) are converted by the module that called them.
 * Alongside the code, the failing module may leave a one-line detail naming the file or
 * key and what to do (cs_diag_set); faces print "custody: <detail>".
 */
#ifndef CS_CORE_ERROR_H
#define CS_CORE_ERROR_H

#include <stddef.h>

/* XX(name, message) */
#define CS_ERRNO_MAP(XX)                                                                           \
    XX(EINVAL, "invalid argument")                                                                 \
    XX(EUSAGE, "bad usage")                                                                        \
    XX(ENOMEM, "out of memory")                                                                    \
    XX(EIO, "input/output error")                                                                  \
    XX(ENOENT, "no such file or folder")                                                           \
    XX(EEXIST, "already exists")                                                                   \
    XX(EACCES, "permission denied")                                                                \
    XX(ENOSPC, "no space left on device")                                                          \
    XX(ENAMETOOLONG, "name or value too long")                                                     \
    XX(EISDIR, "is a folder, expected a file")                                                     \
    XX(ENOTDIR, "not a folder")                                                                    \
    XX(ELOOP, "symbolic link loop")                                                                \
    XX(ENOTREG, "not a regular file")                                                              \
    XX(EEMPTY, "file is empty")                                                                    \
    XX(ECHANGED, "file changed while it was being stored")                                         \
    XX(ECASE, "invalid case number")                                                               \
    XX(ECONFIG, "invalid configuration")                                                           \
    XX(EBUSY, "locked by another process")                                                         \
    XX(ECORRUPT, "corrupt data")                                                                   \
    XX(EMISMATCH, "content does not match its hash")                                               \
    XX(ENOTFOUND, "not found")                                                                     \
    XX(EAMBIGUOUS, "ambiguous prefix")                                                             \
    XX(ECRYPTO, "cryptographic library error")                                                     \
    XX(EDB, "catalog error")                                                                       \
    XX(EUTF8, "invalid UTF-8")                                                                     \
    XX(EWORKER, "media worker failed")                                                             \
    XX(ETIMEDOUT, "timed out")                                                                     \
    XX(ECANCELED, "canceled")                                                                      \
    XX(ESIDECAR, "bad sidecar")                                                                    \
    XX(EXDEV, "on another file system")                                                            \
    XX(EUNAVAILABLE, "the object store does not answer")

typedef enum {
    CS_OK = 0,
    CS_E__FIRST = -1000,
#define CS_XX(name, msg) CS_##name,
    CS_ERRNO_MAP(CS_XX)
#undef CS_XX
        CS_E__LAST
} cs_err_t;

/** Returns a static message for a CS_E* code (or "unknown error"). */
const char *cs_strerror(int err);

/** Returns the symbolic name ("ENOSPC") for a CS_E* code (or "EUNKNOWN"). */
const char *cs_errname(int err);

/** Converts an errno value to the nearest CS_E* code (never 0). */
int cs_err_from_errno(int e);

/* The longest detail kept, with its NUL; longer ones end in "...". */
#define CS_DIAG_MAX 1024

/** Records a one-line detail for the error being returned, printf-style; thread-local. */
void cs_diag_set(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/** Clears the detail. */
void cs_diag_clear(void);

/** Returns the detail set last on this thread, or "" when none was set. */
const char *cs_diag(void);

#endif
