/* core/clock.c: RFC 3339 times, and times as people read and write them in the site's zone
 * (never the C library's TZ/localtime: the service is multi-threaded). */
#include "core/clock.h"

#include "core/buf.h"
#include "core/error.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

#define CLOCK_MS_MAX INT64_C(253402300799999) /* 9999-12-31T23:59:59.999Z */

int64_t
cs_clock_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Floor division: times before 1970 stay on the right second. */
static int64_t
floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

void
cs_clock_format_ms(int64_t ms, char buf[CS_TIME_MAX])
{
    int64_t sec = floor_div(ms, 1000);
    format((time_t)sec, (long)(ms - sec * 1000), 3, buf);
}

static int
month_days(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

/* n digits at s into *v; 0 or -1. */
static int
digits(const char *s, int n, int *v)
{
    *v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        *v = *v * 10 + (s[i] - '0');
    }
    return 0;
}

/* "YYYY-MM-DD" at s, a real date. */
static int
date_read(const char *s, int *y, int *m, int *d)
{
    if (digits(s, 4, y) != 0 || s[4] != '-' || digits(s + 5, 2, m) != 0 || s[7] != '-' ||
        digits(s + 8, 2, d) != 0 || *y < 1 || *m < 1 || *m > 12 || *d < 1 ||
        *d > month_days(*y, *m))
        return -1;
    return 0;
}

/* The wall time of "YYYY-MM-DDTHH:MM:SS[.frac]" at s into seconds since 1970 (as if UTC) and
 * milliseconds; *end after it. */
static int
wall_read(const char *s, int64_t *wall, int *ms, const char **end)
{
    int y, mo, d, h, mi, sec, n = 0;
    if (date_read(s, &y, &mo, &d) != 0 || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
        digits(s + 11, 2, &h) != 0 || s[13] != ':' || digits(s + 14, 2, &mi) != 0 || s[16] != ':' ||
        digits(s + 17, 2, &sec) != 0 || h > 23 || mi > 59 || sec > 60)
        return -1;
    s += 19;
    *ms = 0;
    if (*s == '.') {
        for (s++; *s >= '0' && *s <= '9'; s++, n++)
            if (n < 3)
                *ms = *ms * 10 + (*s - '0');
        if (n == 0 || n > 9)
            return -1;
        for (; n < 3; n++)
            *ms *= 10;
    }
    *wall = cs_tz_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
    *end = s;
    return 0;
}

int
cs_clock_parse(const char *s, int64_t *ms)
{
    int64_t wall;
    int frac, minutes = 0;
    const char *rest;
    if (s == NULL || wall_read(s, &wall, &frac, &rest) != 0)
        return CS_EINVAL;
    if (strcmp(rest, "Z") != 0 && strcmp(rest, "z") != 0 && cs_tz_parse_offset(rest, &minutes) != 0)
        return CS_EINVAL;
    *ms = (wall - (int64_t)minutes * 60) * 1000 + frac;
    return 0;
}

int
cs_clock_parse_limit(const cs_tz_t *tz, const char *s, int64_t *ms)
{
    int y, m, d, off = 0;
    cs_tz_fit_t fit;
    if (s != NULL && strlen(s) == 10 && date_read(s, &y, &m, &d) == 0) {
        if (tz != NULL)
            cs_tz_wall_offset(tz, y, m, d, 23, 59, 59, &off, &fit);
        *ms = (cs_tz_days_from_civil(y, m, d) * 86400 + 86399 - off) * 1000 + 999;
        return 0;
    }
    return cs_clock_parse(s, ms);
}

int
cs_clock_parse_bound(const cs_tz_t *tz, const char *s, int end, char out[CS_TIME_MAX])
{
    int y, m, d, off = 0;
    int64_t ms;
    cs_tz_fit_t fit;
    if (s != NULL && strlen(s) == 10 && date_read(s, &y, &m, &d) == 0) {
        if (end) {
            (void)cs_clock_parse_limit(tz, s, &ms); /* a date: it reads */
        } else {
            if (tz != NULL)
                cs_tz_wall_offset(tz, y, m, d, 0, 0, 0, &off, &fit);
            ms = (cs_tz_days_from_civil(y, m, d) * 86400 - off) * 1000;
        }
        cs_clock_format_ms(ms, out);
        return 0;
    }
    if (cs_clock_parse(s, &ms) != 0 || ms < 0 || ms > CLOCK_MS_MAX)
        return CS_EINVAL;
    cs_clock_format_ms(ms, out);
    return 0;
}

void
cs_clock_site_date(const cs_tz_t *tz, int64_t ms, char out[11])
{
    time_t sec = (time_t)floor_div(ms, 1000);
    struct tm tm;
    sec += tz != NULL ? cs_tz_offset_at(tz, (int64_t)sec) : 0;
    gmtime_r(&sec, &tm);
    if (strftime(out, 11, "%Y-%m-%d", &tm) == 0)
        memcpy(out, "0000-00-00", 11); /* a year past 9999: no such clock */
}

const cs_tz_t *
cs_clock_site_zone(const char *name)
{
    char sys[CS_TZ_NAME_MAX + 1];
    const cs_tz_t *tz = NULL;
    if (name != NULL && name[0] != '\0' && cs_tz_get(name, &tz) == 0)
        return tz;
    if (cs_clock_system_zone(sys) == 0 && cs_tz_get(sys, &tz) == 0)
        return tz;
    return cs_tz_get("UTC", &tz) == 0 ? tz : NULL;
}

int
cs_clock_parse_until(const cs_tz_t *tz, const char *s, int64_t now_ms, const char *what,
                     char out[CS_TIME_MAX])
{
    char when[CS_WHEN_MAX];
    int64_t ms;
    if (cs_clock_parse_limit(tz, s, &ms) != 0) {
        cs_diag_set("%s \"%.80s\" is neither a date (2026-12-31: the end of that day, site.tz) "
                    "nor an RFC 3339 time with Z or an offset (2026-12-31T18:00:00+08:00)",
                    what, s != NULL ? s : "");
        return CS_EINVAL;
    }
    if (ms > CLOCK_MS_MAX) { /* a 5-digit year would compare as text before every other */
        cs_diag_set("%s \"%.80s\" is past 9999-12-31T23:59:59Z; leave it out for a grant "
                    "until revoked",
                    what, s);
        return CS_EINVAL;
    }
    cs_clock_format_ms(ms, out);
    if (ms <= now_ms) {
        (void)cs_clock_format_site(tz, out, when);
        cs_diag_set("%s \"%.80s\" (%s) is not in the future: the grant would end before it "
                    "starts; give a later date or time",
                    what, s, when);
        return CS_EINVAL;
    }
    return 0;
}

int
cs_clock_format_site(const cs_tz_t *tz, const char *s, char buf[CS_WHEN_MAX])
{
    int64_t ms, wall;
    int frac, off;
    const char *rest;
    struct tm tm;
    if (s != NULL && wall_read(s, &wall, &frac, &rest) == 0 && *rest == '\0') {
        snprintf(buf, CS_WHEN_MAX, "%.10s %.5s", s, s + 11); /* fits: 16 < 40 */
        return 0;
    }
    if (s == NULL || cs_clock_parse(s, &ms) != 0) {
        snprintf(buf, CS_WHEN_MAX, "%s", s != NULL ? s : ""); /* cut: shown as it came */
        return CS_EINVAL;
    }
    time_t sec = (time_t)floor_div(ms, 1000);
    off = tz != NULL ? cs_tz_offset_at(tz, (int64_t)sec) : 0;
    sec += off;
    gmtime_r(&sec, &tm);
    int a = off < 0 ? -off : off;
    return cs_snprintf(buf, CS_WHEN_MAX, "%04d-%02d-%02d %02d:%02d %c%02d:%02d", tm.tm_year + 1900,
                       tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, off < 0 ? '-' : '+',
                       a / 3600, a / 60 % 60);
}

/* "Area/City" at the end of a link target ".../zoneinfo/Area/City". */
static int
zone_of_link(const char *target, char buf[CS_TZ_NAME_MAX + 1])
{
    const char *z = strstr(target, "zoneinfo/");
    if (z == NULL)
        return CS_ENOENT;
    z += strlen("zoneinfo/");
    if (strncmp(z, "posix/", 6) == 0)
        z += 6;
    if (!cs_tz_name_ok(z))
        return CS_ENOENT;
    snprintf(buf, CS_TZ_NAME_MAX + 1, "%s", z); /* fits: cs_tz_name_ok bounds it */
    return 0;
}

int
cs_clock_system_zone(char buf[CS_TZ_NAME_MAX + 1])
{
    char line[CS_TZ_NAME_MAX + 2] = "", target[4096];
    FILE *f = fopen("/etc/timezone", "re");
    if (f != NULL) {
        if (fgets(line, sizeof line, f) != NULL)
            line[strcspn(line, "\r\n")] = '\0';
        fclose(f);
        if (cs_tz_name_ok(line)) {
            memcpy(buf, line, strlen(line) + 1);
            return 0;
        }
    }
    ssize_t n = readlink("/etc/localtime", target, sizeof target - 1);
    if (n <= 0)
        return CS_ENOENT;
    target[n] = '\0';
    return zone_of_link(target, buf);
}
