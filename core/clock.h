/* core/clock.h: wall-clock times as RFC 3339 text, and as a person reads and writes them in
 * the site's zone (site.tz). */
#ifndef CS_CORE_CLOCK_H
#define CS_CORE_CLOCK_H

#include "core/tz.h"

#include <stdint.h>

#define CS_TIME_MAX 40 /* "2026-11-27T04:12:25.123456789Z" and a NUL fit */
#define CS_WHEN_MAX 40 /* "2026-12-07 21:48 +08:00", or an unreadable time cut, and a NUL */

/** Writes the current UTC time with milliseconds, e.g. "2026-11-27T04:12:25.123Z". */
void cs_clock_now(char buf[CS_TIME_MAX]);

/** Writes a UTC time given in nanoseconds since the epoch, with nanoseconds. */
void cs_clock_format_ns(int64_t ns, char buf[CS_TIME_MAX]);

/** Milliseconds since 1970 UTC, now. */
int64_t cs_clock_now_ms(void);

/** Writes ms (since 1970 UTC) as cs_clock_now does ("2026-12-31T15:59:59.999Z"): the form that
 * compares as text with the times the catalog stores. */
void cs_clock_format_ms(int64_t ms, char buf[CS_TIME_MAX]);

/** 0 and *ms (since 1970 UTC; a finer fraction is cut to milliseconds) for an RFC 3339 time
 * with "Z" or an offset, like "2026-12-07T13:48:00+00:00" or "2026-12-07T21:48:00.5+08:00";
 * else CS_EINVAL (no detail: the caller names the field). */
int cs_clock_parse(const char *s, int64_t *ms);

/** A time limit as a person writes it, into *ms: a date "YYYY-MM-DD" is the end of that day
 * (23:59:59.999) in zone tz (NULL: UTC), the UTC instant of that wall time; anything else must
 * be an RFC 3339 time with "Z" or an offset (cs_clock_parse). CS_EINVAL otherwise. */
int cs_clock_parse_limit(const cs_tz_t *tz, const char *s, int64_t *ms);

/** A bound of a time range as a person gives it (search and ledger filters), into out as
 * cs_clock_format_ms writes it: a date "YYYY-MM-DD" is that day in zone tz (NULL: UTC), from
 * its first instant (midnight at the site) or, with `end`, to its last (23:59:59.999); an RFC
 * 3339 time with Z or an offset is that instant. CS_EINVAL otherwise (no detail: the caller
 * names the field, and may read a wall time without offset its own way). */
int cs_clock_parse_bound(const cs_tz_t *tz, const char *s, int end, char out[CS_TIME_MAX]);

/** The date "YYYY-MM-DD" at the site (zone tz; NULL: UTC) of the instant ms since 1970 UTC:
 * the day a folder or a bag made then is named after. */
void cs_clock_site_date(const cs_tz_t *tz, int64_t ms, char out[11]);

/** The site's zone: `name` (site.tz) when it loads, else the system's zone, else UTC; NULL
 * (plain UTC) only when not even UTC's zone file can be read. Zones are kept for the process
 * (cs_tz_get): the pointer stays good. */
const cs_tz_t *cs_clock_site_zone(const char *name);

/** An end time (a grant's --until) as a person gives it (cs_clock_parse_limit in zone tz), which
 * must be after now_ms: 0 and the UTC instant as cs_clock_format_ms writes it into out (the form
 * the catalog stores); CS_EINVAL with a cs_diag_set detail naming `what` ("--until") for text
 * that is no such time or for a time not after now_ms. */
int cs_clock_parse_until(const cs_tz_t *tz, const char *s, int64_t now_ms, const char *what,
                         char out[CS_TIME_MAX]);

/** Writes the time `s` as people read it in zone tz (NULL: UTC), to the minute, with the
 * offset: "2026-12-07 21:48 +08:00". `s` is RFC 3339 with Z or an offset; a wall time without
 * one ("2023-11-03T10:15:00", a capture time whose zone is unknown) is written as it is, to the
 * minute, without an offset. CS_EINVAL for anything else, and buf then holds `s` (cut). */
int cs_clock_format_site(const cs_tz_t *tz, const char *s, char buf[CS_WHEN_MAX]);

/** The system's zone name into buf: /etc/timezone's line, else the target of the
 * /etc/localtime link after ".../zoneinfo/". CS_ENOENT if neither names a zone cs_tz_name_ok
 * accepts. */
int cs_clock_system_zone(char buf[CS_TZ_NAME_MAX + 1]);

#endif
