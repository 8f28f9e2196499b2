/* tools/sitetime.c: the site's zone for the CLI's times. */
#include "tools/sitetime.h"

#include <stdio.h>
#include <string.h>

static const cs_tz_t *site_tz;

const cs_tz_t *
cs_cli_site_tz(const cs_cli_t *cli)
{
    char sys[CS_TZ_NAME_MAX + 1];
    const cs_tz_t *tz = NULL;
    if (cli->cfg.site_tz[0] != '\0' && cs_tz_get(cli->cfg.site_tz, &tz) == 0)
        return site_tz = tz; /* the config checked it: it loads */
    if (cs_clock_system_zone(sys) == 0 && cs_tz_get(sys, &tz) == 0)
        return site_tz = tz;
    if (cs_tz_get("UTC", &tz) != 0)
        tz = NULL;
    return site_tz = tz;
}

static char ring[CS_CLI_TIME_RING][CS_WHEN_MAX];
static unsigned next;

const char *
cs_cli_time(const char *s)
{
    char *buf = ring[next++ % CS_CLI_TIME_RING];
    if (s == NULL)
        snprintf(buf, CS_WHEN_MAX, "-");
    else
        (void)cs_clock_format_site(site_tz, s, buf); /* an unreadable time is shown as it came */
    return buf;
}

const char *
cs_cli_captured(const char *s)
{
    char *buf = ring[next++ % CS_CLI_TIME_RING];
    size_t len = s != NULL ? strlen(s) : 0;
    const char *zone = "";
    if (s == NULL)
        return "-";
    /* "YYYY-MM-DDTHH:MM:SS" then an optional fraction, then Z, +hh:mm or nothing */
    if (len < 19 || len >= CS_WHEN_MAX || s[10] != 'T')
        return s;
    if (s[len - 1] == 'Z')
        zone = " +00:00";
    else if (len >= 25 && (s[len - 6] == '+' || s[len - 6] == '-') && s[len - 3] == ':')
        zone = s + len - 6;
    /* fits: 19 bytes of s, a space and at most six more, under CS_WHEN_MAX */
    snprintf(buf, CS_WHEN_MAX, "%.10s %.8s%s%s", s, s + 11,
             *zone == ' ' || *zone == '\0' ? "" : " ", zone);
    return buf;
}
