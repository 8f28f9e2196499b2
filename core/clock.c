/* core/clock.c: RFC 3339 times. */
#include "core/clock.h"

#include <stdio.h>
#include <time.h>

static void
format(time_t sec, long frac, int digits, char buf[CS_TIME_MAX])
{
    struct tm tm;
    gmtime_r(&sec, &tm);
    int n = (int)strftime(buf, CS_TIME_MAX, "%Y-%m-%dT%H:%M:%S", &tm);
    /* fits: a year of 4 digits (time_t from int64 ns ends in 2262), 19 + 11 bytes < 40 */
    snprintf(buf + n, (size_t)(CS_TIME_MAX - n), ".%0*ldZ", digits, frac);
}

void
cs_clock_now(char buf[CS_TIME_MAX])
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    format(ts.tv_sec, ts.tv_nsec / 1000000, 3, buf);
}

void
cs_clock_format_ns(int64_t ns, char buf[CS_TIME_MAX])
{
    int64_t sec = ns / 1000000000, rem = ns % 1000000000;
    if (rem < 0) {
        rem += 1000000000;
        sec -= 1;
    }
    format((time_t)sec, (long)rem, 9, buf);
}
