/* core/notify.h: readiness and liveness for a service manager, through systemd's documented
 * notification protocol (sd_notify(3)) without libsystemd.
 *
 * $NOTIFY_SOCKET names a unix datagram socket: an absolute path, or "@name" for an abstract
 * one. Each call sends one datagram of newline-separated assignments ("READY=1",
 * "STOPPING=1", "STATUS=...", "WATCHDOG=1"). Without $NOTIFY_SOCKET (not started by a
 * service manager that asks for it) every call does nothing and succeeds.
 */
#ifndef CS_CORE_NOTIFY_H
#define CS_CORE_NOTIFY_H

#include <stdint.h>

#define CS_NOTIFY_MAX 1024 /* longest message cs_notifyf sends */

/** Sends `state` to $NOTIFY_SOCKET as one datagram. 0 when sent, or when $NOTIFY_SOCKET is
 * unset or empty; CS_EINVAL (with a detail) when it is neither an absolute path nor an
 * "@name", CS_ENAMETOOLONG when it does not fit a socket address, else the error of the
 * socket or the send (with a detail). Never blocks. */
int cs_notify(const char *state);

/** cs_notify of a printf-style message; CS_ENAMETOOLONG if it is longer than CS_NOTIFY_MAX. */
int cs_notifyf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/** The interval, in microseconds, within which the manager expects "WATCHDOG=1"
 * ($WATCHDOG_USEC), or 0 when none is asked of this process (unset, not a positive number,
 * or $WATCHDOG_PID names another process). */
uint64_t cs_notify_watchdog_usec(void);

#endif
