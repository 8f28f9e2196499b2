/* core/tz.h: IANA time zones read from the system's TZif files, without the C library's
 * process-global TZ (the service is multi-threaded).
 *
 * A zone is read once from <root>/<name> (RFC 8536: the version 1 body, or the 64-bit body
 * of version 2+, and its footer TZ string when it is a simple M-rule), bounded to
 * CS_TZ_FILE_MAX bytes. The offset of a wall time is worked out for its own date.
 */
#ifndef CS_CORE_TZ_H
#define CS_CORE_TZ_H

#include <stdint.h>

#define CS_TZ_ROOT "/usr/share/zoneinfo" /* Debian's tzdata */
#define CS_TZ_FILE_MAX (256 * 1024)      /* bytes of one TZif file, at most */
#define CS_TZ_NAME_MAX 63                /* bytes of a zone name, at most */

typedef struct cs_tz cs_tz_t;

/* How a wall time fits the zone's clock. */
typedef enum {
    CS_TZ_UNIQUE,    /* the wall time happened once */
    CS_TZ_AMBIGUOUS, /* twice (clocks went back): the earlier offset is given */
    CS_TZ_SKIPPED    /* never (clocks went forward): the offset before the change is given */
} cs_tz_fit_t;

/** 1 if `name` may name a zone file: 1..CS_TZ_NAME_MAX bytes of [A-Za-z0-9_+-/], no leading
 * "/", no "." or ".." component, no "//"; else 0. */
int cs_tz_name_ok(const char *name);

/** 0 and *minutes east of UTC if `s` is an offset like "+08:00" or "-03:30"; else -1. */
int cs_tz_parse_offset(const char *s, int *minutes);

/** Reads the zone `name` under `root` (a folder; NULL for CS_TZ_ROOT) into a new *tz (free it
 * with cs_tz_free). CS_EINVAL for a name cs_tz_name_ok refuses, CS_ENOENT (or another errno
 * code) when the file cannot be read, CS_ECORRUPT when it is not a TZif file within bounds;
 * each with a cs_diag_set detail naming the file. */
int cs_tz_load(const char *root, const char *name, cs_tz_t **tz);

/** Frees *tz (NULL is fine) and leaves NULL behind. */
void cs_tz_free(cs_tz_t **tz);

/** The zone `name` under CS_TZ_ROOT, read once per process and kept (thread-safe); *tz is
 * borrowed for the life of the process. Errors as cs_tz_load. */
int cs_tz_get(const char *name, const cs_tz_t **tz);

/** The offset east of UTC, in seconds, of the instant `t` (seconds since 1970 UTC). */
int cs_tz_offset_at(const cs_tz_t *tz, int64_t t);

/** The offset east of UTC, in seconds, that the wall time year-mon-day hour:min:sec had in
 * the zone, into *offset_s; *fit says whether that wall time was unique, ambiguous or skipped
 * (then the offset in force before the change is given). */
void cs_tz_wall_offset(const cs_tz_t *tz, int year, int mon, int day, int hour, int min, int sec,
                       int *offset_s, cs_tz_fit_t *fit);

/** Days since 1970-01-01 of the proleptic Gregorian date y-m-d (H. Hinnant's
 * days_from_civil; any year). */
int64_t cs_tz_days_from_civil(int64_t y, int m, int d);

#endif
