/* core/clock.h: wall-clock times as RFC 3339 text. */
#ifndef CS_CORE_CLOCK_H
#define CS_CORE_CLOCK_H

#include <stdint.h>

#define CS_TIME_MAX 40 /* "2026-11-27T04:12:25.123456789Z" and a NUL fit */

/** Writes the current UTC time with milliseconds, e.g. "2026-11-27T04:12:25.123Z". */
void cs_clock_now(char buf[CS_TIME_MAX]);

/** Writes a UTC time given in nanoseconds since the epoch, with nanoseconds. */
void cs_clock_format_ns(int64_t ns, char buf[CS_TIME_MAX]);

#endif
