/* media/captime.h: which capture time a record states, and how it knows. */
#ifndef CS_MEDIA_CAPTIME_H
#define CS_MEDIA_CAPTIME_H

#include <jansson.h>

/** Chooses the capture time of `rec` (borrowed) from rec.time_candidates, each
 * {"source", "local" (RFC 3339 wall time without offset) or "utc" (RFC 3339 ending in Z),
 * "offset" ("+08:00" or null)}, and sets:
 *   "captured_at": "2023-11-03T10:15:00+08:00" (offset known), "...Z" (a UTC source with no
 *                  local offset known), or "2023-11-03T10:15:00" (wall time, offset unknown)
 *   "captured_at_source": the chosen candidate's source, with "+<offset source>" where the
 *                  offset came from elsewhere (e.g. "exif:DateTimeOriginal+OffsetTimeOriginal",
 *                  "exif:DateTimeOriginal+config:ingest.default_tz")
 *   "captured_at_utc": the instant in UTC ("...Z"), or null when the offset is unknown
 *   "offset_known": true | false
 *   "captured_at_estimate": null, or "file_time" when only the file's mtime was there
 *   "file_time": that mtime ("...Z"), else null
 * Rules, in order of preference: the content's times: EXIF DateTimeOriginal; QuickTime
 * com.apple.quicktime.creationdate (local, with its offset); QuickTime/Matroska creation_time
 * (UTC); EXIF CreateDate; EXIF ModifyDate; the photo's GPS UTC stamp (exif:GPSDateTime); other
 * content sources; then a body-camera name's time (source "name:ingest.name_pattern", the
 * camera's own naming, ingest.name_pattern); then a sidecar's recorded_at (the clerk's statement,
 * source "sidecar"), only when the content states no time. The file's mtime is never a capture
 * time: with only that, captured_at is null, captured_at_source "file:mtime", captured_at_estimate
 * "file_time" and file_time holds it. An EXIF wall time without offset takes the offset its GPS
 * stamp implies (local - UTC to the quarter hour, within 14 hours; source "<rule>+gps",
 * offset_known true); else it stays without one (offset_known false) unless `default_tz`
 * (an offset like "+08:00", or a zone under CS_TZ_ROOT like "Europe/Berlin", whose offset is
 * the one that wall time had: source "<rule>+config:ingest.default_tz(Europe/Berlin)"; a wall
 * time the clocks passed twice or skipped takes the offset before the change, with a note in
 * errors; NULL or "" for none) is given, and then the record says so in captured_at_source.
 * No candidate: captured_at null and an entry in errors. Returns 0 or CS_ENOMEM. */
int cs_captime_choose(json_t *rec, const char *default_tz);

#endif
