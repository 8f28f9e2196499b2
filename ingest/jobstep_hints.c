/* ingest/jobstep_hints.c: what the extractor should know beside the bytes (jobstep.h): the
 * upload's file time, a sidecar's recorded_at, ingest.default_tz and a body-camera name's time
 * (ingest.name_pattern) with the zone it is read in. */
#include "ingest/jobstep.h"

#include "core/clock.h"

#include <stdio.h>
#include <stdlib.h>

/* The route as stored with the job, as a new JSON object. */
static json_t *
job_route(const cs_job_t *job)
{
    json_t *r = json_loads(job->route, 0, NULL);
    return json_is_object(r) ? r : (json_decref(r), json_object());
}

/* The time candidate of a body-camera name: its wall time, in default_tz when there is one
 * (the capture-time rules apply it and say so), else with the offset it had at the site. */
static json_t *
name_candidate(json_t *route, const char *default_tz, const cs_tz_t *site)
{
    const char *t = json_string_value(json_object_get(json_object_get(route, "from_name"), "time"));
    char off[16];
    int y, mo, d, h, mi, sec, offset_s = 0;
    cs_tz_fit_t fit;
    if (t == NULL)
        return NULL;
    if ((default_tz != NULL && *default_tz != '\0') || site == NULL ||
        sscanf(t, "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &sec) != 6)
        return json_pack("{s:s, s:s, s:n}", "source", "name:ingest.name_pattern", "local", t,
                         "offset");
    cs_tz_wall_offset(site, y, mo, d, h, mi, sec, &offset_s, &fit);
    snprintf(off, sizeof off, "%c%02d:%02d", offset_s < 0 ? '-' : '+', abs(offset_s) / 3600,
             abs(offset_s) / 60 % 60); /* fits: within a day */
    return json_pack("{s:s, s:s, s:s}", "source", "name:ingest.name_pattern+config:site.tz",
                     "local", t, "offset", off);
}

json_t *
cs_job_hints(const cs_job_t *job, const char *default_tz, const cs_tz_t *site)
{
    char mtime[CS_TIME_MAX];
    json_t *route = job_route(job), *h = json_object();
    if (h == NULL) {
        json_decref(route);
        return NULL;
    }
    if (job->mtime_ns != 0) {
        cs_clock_format_ns(job->mtime_ns, mtime);
        json_object_set_new(h, "source_mtime", json_string(mtime));
    }
    if (json_is_string(json_object_get(route, "recorded_at")))
        json_object_set(h, "recorded_at", json_object_get(route, "recorded_at"));
    if (default_tz != NULL && *default_tz != '\0')
        json_object_set_new(h, "default_tz", json_string(default_tz));
    json_t *name = name_candidate(route, default_tz, site);
    if (name != NULL)
        json_object_set_new(h, "name_time", name);
    json_decref(route);
    return h;
}
