/* tools/sitetime.h: the site's zone (site.tz) for what the CLI reads and prints: one time
 * format in every table, "2026-12-07 21:48 +08:00". */
#ifndef CS_TOOLS_SITETIME_H
#define CS_TOOLS_SITETIME_H

#include "core/clock.h"
#include "tools/cli.h"

#define CS_CLI_TIME_RING 8 /* cs_cli_time results alive at once (one printf's arguments) */

/** The site's zone from cli's config (cs_cli_load calls it): site.tz, else the system's zone,
 * else UTC; NULL (plain UTC) only when not even UTC's zone file can be read. Kept for the
 * process, and for cs_cli_time. */
const cs_tz_t *cs_cli_site_tz(const cs_cli_t *cli);

/** Time `s` (RFC 3339, or NULL) as the CLI shows times: cs_clock_format_site in the site's zone
 * ("2026-12-07 21:48 +08:00"); "-" for NULL; an unreadable time as it is. The text lives in one
 * of CS_CLI_TIME_RING static buffers, reused in turn (the CLI is one thread). */
const char *cs_cli_time(const char *s);

/** A capture time `s` as the record states it, in the same layout but with its own offset,
 * not turned into the site's zone: where and when the camera was is the evidence
 * ("2023-10-06 22:53:51 +02:00"; a UTC time "... +00:00"; a wall time whose offset is unknown
 * stays without one). "-" for NULL; anything else as it is. Same buffers as cs_cli_time. */
const char *cs_cli_captured(const char *s);

#endif
