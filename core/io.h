/* core/io.h: whole reads at an offset, the loop every reader of a file's parts needs (EINTR,
 * short reads) written once. */
#ifndef CS_CORE_IO_H
#define CS_CORE_IO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/** Reads up to n bytes of fd at off into buf, going on after short reads and EINTR: the count
 * read (less than n only at the end of the file), or a negative CS_E* (cs_err_from_errno) when
 * a read fails. */
ssize_t cs_pread_upto(int fd, void *buf, size_t n, int64_t off);

/** Reads exactly n bytes of fd at off: 0, or -1 when the file ends first or a read fails. */
int cs_pread_exact(int fd, void *buf, size_t n, int64_t off);

#endif
