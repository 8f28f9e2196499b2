/* core/namepat.h: body-camera and docking-station file names (`ingest.name_pattern`), read by
 * a PCRE2 regular expression with named groups:
 *   device     the camera's serial (resolved against the device registry)
 *   officer    the officer's 执法证号 certificate number (resolved against the officers)
 *   time       the capture's wall time: its digits, YYYYMMDDhhmmss or YYYYMMDDhhmm, any
 *              separators between them ("20231103143000", "2023-11-03_14-30-00")
 *   important  matched (non-empty) when the camera marked the file 重点文件
 * e.g. ^(?<device>[A-Za-z0-9-]+)_(?<officer>[0-9]+)_(?<time>[0-9]{14})(?:_(?<important>IMP))?\.
 * PCRE2, not POSIX regex: POSIX has no named groups. Names are matched as UTF-8: bytes that
 * are not match no part of a pattern. Each match stops after a bounded amount of backtracking
 * (then the name says nothing). A compiled pattern is read-only and may be used by several
 * threads at once. */
#ifndef CS_CORE_NAMEPAT_H
#define CS_CORE_NAMEPAT_H

#include <jansson.h>

typedef struct cs_namepat cs_namepat_t;

/** Compiles `pattern` (UTF-8) into *out; "" or NULL gives *out = NULL (no pattern) and 0.
 * CS_ECONFIG with a detail naming `key` and the offset of the fault when it does not compile
 * or names none of the four groups; CS_ENOMEM. */
int cs_namepat_new(const char *key, const char *pattern, cs_namepat_t **out);

/** Frees *p (NULL is fine) and leaves NULL. */
void cs_namepat_free(cs_namepat_t **p);

/** Matches the base name `name` (bytes; need not be UTF-8). *out = NULL when p is NULL or the
 * name does not match; else a new object with the groups that matched, as text: "device",
 * "officer", "time_text" (as written) and "time" (RFC 3339 wall time without offset,
 * "2023-11-03T14:30:00", only when its digits make one), "important" (true or false).
 * 0 or CS_ENOMEM. */
int cs_namepat_match(const cs_namepat_t *p, const char *name, json_t **out);

#endif
