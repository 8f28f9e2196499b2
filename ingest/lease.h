/* ingest/lease.h: the read lease (F_SETLEASE) an upload is held under while it is stored.
 *
 * A read lease is refused while any process has the file open for writing, and is broken
 * when one opens it for writing later: the kernel then signals the holder and makes the
 * writer wait (up to /proc/sys/fs/lease-break-time) until the holder lets go. The service
 * does not act on the signal; it asks whether the lease is still whole after reading the
 * file and before making it evidence, and lets a file whose lease broke settle again.
 */
#ifndef CS_INGEST_LEASE_H
#define CS_INGEST_LEASE_H

typedef enum cs_lease {
    CS_LEASE_NONE = 0,   /* this file system has no leases: settling is all there is */
    CS_LEASE_HELD = 1,   /* held until the fd is closed */
    CS_LEASE_WRITER = 2, /* refused: a process has the file open for writing */
} cs_lease_t;

/** Takes a read lease on the file open read-only at `fd`. First makes sure that a writer
 * breaking it cannot end the process: SIGIO, the signal a break sends and whose default
 * action is to terminate, is ignored unless the program handles it. */
cs_lease_t cs_lease_take(int fd);

/** 1 while the lease that cs_lease_take gave (`lease`) is whole: no process has opened the
 * file for writing since; also 1 for CS_LEASE_NONE (nothing to tell). 0 once broken. */
int cs_lease_whole(int fd, cs_lease_t lease);

#endif
