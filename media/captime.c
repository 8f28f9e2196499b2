/* media/captime.c: which capture time a record states, and how it knows.
 *
 * Candidates come from untrusted bytes (EXIF, container tags) and from the arrival (the
 * clerk's sidecar, the upload's file time): each is checked as a calendar date before it can
 * be chosen, and one that is not a date is skipped with a note in errors. The content's own
 * times come first; the clerk's statement only when the content has none; the file's mtime
 * (the moment of a copy, as often as not) is never stated as a capture time: the record then
 * says the time is unknown and keeps the file time apart. An offset is taken from the
 * candidate itself, else worked out from the photo's GPS UTC stamp, else from the configured
 * default, and the source says which. */
#include "media/captime.h"
#include "core/buf.h"

#include "core/error.h"
#include "core/tz.h"
#include "core/utf8.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define CAPTIME_FRAC_MAX 9            /* digits of a second kept: nanoseconds */
#define SOURCE_GPS "exif:GPSDateTime" /* the GPS receiver's UTC stamp of a photo */
#define GPS_OFFSET_STEP 900           /* seconds: zones are whole quarter hours */
#define GPS_OFFSET_MAX (14 * 3600)    /* seconds: the widest zones, -12:00 to +14:00 */

/* Preference of the content's sources, lowest first; content sources not listed rank after
 * these, then the clerk's sidecar, then the file's mtime. */
static const struct {
    const char *source;
    const char *offset_tag; /* where an EXIF candidate's offset came from */
} rules[] = {
    {"exif:DateTimeOriginal", "OffsetTimeOriginal"},
    {"quicktime:com.apple.quicktime.creationdate", NULL},
    {"h264:MDPM.DateTimeOriginal", NULL}, /* AVCHD camcorders' own clock and zone */
    {"dv:DateTimeOriginal", NULL},
    {"xml:CreationDateValue", NULL}, /* Sony's NonRealTimeMeta */
    {"xmp-exif:DateTimeOriginal", NULL},
    {"xmp-photoshop:DateCreated", NULL},
    {"xmp-xmp:CreateDate", NULL},
    {"quicktime:creation_time", NULL},
    {"container:creation_time", NULL},
    {"asf:CreationDate", NULL},
    {"exif:CreateDate", "OffsetTimeDigitized"},
    {"exif:ModifyDate", "OffsetTime"},
    {SOURCE_GPS, NULL},
};
#define RULE_COUNT (sizeof rules / sizeof rules[0])
#define RANK_OTHER (RULE_COUNT)
#define RANK_NAME (RULE_COUNT + 1) /* a body-camera name: the camera's, after its content */
#define RANK_SIDECAR (RULE_COUNT + 2)
#define RANK_MTIME (RULE_COUNT + 3)

typedef struct stamp {
    int year, mon, day, hour, min, sec;
    char frac[CAPTIME_FRAC_MAX + 1]; /* digits after the point, "" for none */
} stamp_t;

/* ingest.default_tz: an offset, or a zone whose offset is worked out for each date. */
typedef struct deftz {
    const char *name; /* NULL: none */
    int minutes;      /* the offset, when zone is NULL */
    const cs_tz_t *zone;
} deftz_t;

typedef struct choice {
    const char *source;
    stamp_t t;
    int is_utc;     /* the candidate is an instant ("...Z") */
    int has_offset; /* offset_min is the candidate's own offset */
    int offset_min;
    const char *offset_from; /* NULL: the candidate's own; else the offset's source */
} choice_t;

static int
rank_of(const char *source)
{
    for (size_t i = 0; i < RULE_COUNT; i++)
        if (strcmp(source, rules[i].source) == 0)
            return (int)i;
    if (strncmp(source, "name:", 5) == 0)
        return (int)RANK_NAME;
    if (strcmp(source, "sidecar") == 0)
        return (int)RANK_SIDECAR;
    return strcmp(source, "file:mtime") == 0 ? (int)RANK_MTIME : (int)RANK_OTHER;
}

static int
is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
days_in_month(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* Reads exactly n digits at s; -1 if any is not a digit. */
static int
digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* Parses "YYYY-MM-DDTHH:MM:SS[.fff]" followed by exactly `tail` ("" or "Z"). */
static int
parse_stamp(const char *s, const char *tail, stamp_t *t)
{
    size_t n = 0;
    memset(t, 0, sizeof *t);
    if (strlen(s) < 19 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
        s[16] != ':')
        return -1;
    t->year = digits(s, 4);
    t->mon = digits(s + 5, 2);
    t->day = digits(s + 8, 2);
    t->hour = digits(s + 11, 2);
    t->min = digits(s + 14, 2);
    t->sec = digits(s + 17, 2);
    if (t->year < 1 || t->mon < 1 || t->mon > 12 || t->day < 1 ||
        t->day > days_in_month(t->year, t->mon) || t->hour < 0 || t->hour > 23 || t->min < 0 ||
        t->min > 59 || t->sec < 0 || t->sec > 59)
        return -1;
    s += 19;
    if (*s == '.') {
        for (s++; s[n] >= '0' && s[n] <= '9'; n++)
            if (n >= CAPTIME_FRAC_MAX)
                return -1;
        if (n == 0)
            return -1;
        memcpy(t->frac, s, n);
        t->frac[n] = '\0';
        s += n;
    }
    return strcmp(s, tail) == 0 ? 0 : -1;
}

/* Parses "+08:00" / "-03:30" into minutes east of UTC. */
static int
parse_offset(const char *s, int *minutes)
{
    return cs_tz_parse_offset(s, minutes);
}

static void
civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

/* The wall time t at `offset_min` east of UTC, as the same instant in UTC. */
static stamp_t
to_utc(const stamp_t *t, int offset_min)
{
    stamp_t u = *t;
    int64_t s = cs_tz_days_from_civil(t->year, t->mon, t->day) * 86400 + t->hour * 3600 +
                t->min * 60 + t->sec - (int64_t)offset_min * 60;
    int64_t days = (s >= 0 ? s : s - 86399) / 86400, rem = s - days * 86400;
    civil_from_days(days, &u.year, &u.mon, &u.day);
    u.hour = (int)(rem / 3600);
    u.min = (int)(rem / 60 % 60);
    u.sec = (int)(rem % 60);
    return u;
}

/* RFC 3339 text of t followed by `zone` ("Z", "+08:00" or ""); -1 if it does not fit. */
static int
format_stamp(char *buf, size_t size, const stamp_t *t, const char *zone)
{
    int n;
    if (t->year < 0 || t->year > 9999)
        return -1;
    n = snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d%s%s%s", t->year, t->mon, t->day, t->hour,
                 t->min, t->sec, t->frac[0] != '\0' ? "." : "", t->frac, zone);
    return n < 0 || (size_t)n >= size ? -1 : 0;
}

static void
format_offset(char buf[8], int minutes)
{
    int a = minutes < 0 ? -minutes : minutes;
    /* fits: a sign, two digits (mod 100), a colon and two digits, in 8 */
    snprintf(buf, 8, "%c%02d:%02d", minutes < 0 ? '-' : '+', a / 60 % 100, a % 60);
}

/* Appends "<what>: <quoted value>" to errors; the value may be any text. */
static int
note(json_t *errors, const char *what, const char *value)
{
    char quoted[160], line[320];
    if (value == NULL)
        cs_snprintf_cut(line, sizeof line, "%s", what);
    else {
        cs_utf8_quote(quoted, sizeof quoted, value, strlen(value), 1);
        cs_snprintf_cut(line, sizeof line, "%s: \"%s\"", what, quoted);
    }
    return json_array_append_new(errors, json_string(line)) == 0 ? 0 : CS_ENOMEM;
}

/* Reads one candidate into *c; 1 if usable, 0 if skipped (noted in errors), or CS_ENOMEM. */
static int
read_candidate(json_t *cand, json_t *errors, choice_t *c)
{
    char what[200], quoted[96];
    const char *source = json_string_value(json_object_get(cand, "source"));
    json_t *local = json_object_get(cand, "local"), *utc = json_object_get(cand, "utc");
    json_t *offset = json_object_get(cand, "offset");
    memset(c, 0, sizeof *c);
    if (!json_is_object(cand) || source == NULL)
        return note(errors, "a time candidate without a source was skipped", NULL);
    cs_utf8_quote(quoted, sizeof quoted, source, strlen(source), 1);
    c->source = source;
    if (json_is_string(utc) && local == NULL) {
        c->is_utc = 1;
        if (parse_stamp(json_string_value(utc), "Z", &c->t) == 0)
            return 1;
        cs_snprintf_cut(what, sizeof what, "time candidate \"%s\" is not a UTC date and time",
                        quoted);
        return note(errors, what, json_string_value(utc));
    }
    if (!json_is_string(local) || utc != NULL) {
        cs_snprintf_cut(what, sizeof what,
                        "time candidate \"%s\" has neither a local nor a UTC time", quoted);
        return note(errors, what, NULL);
    }
    if (parse_stamp(json_string_value(local), "", &c->t) != 0) {
        cs_snprintf_cut(what, sizeof what, "time candidate \"%s\" is not a date and time", quoted);
        return note(errors, what, json_string_value(local));
    }
    if (json_is_string(offset)) {
        if (parse_offset(json_string_value(offset), &c->offset_min) == 0)
            c->has_offset = 1;
        else {
            /* The wall time still stands; only its offset is unknown. */
            cs_snprintf_cut(what, sizeof what, "time candidate \"%s\" has an unreadable offset",
                            quoted);
            if (note(errors, what, json_string_value(offset)))
                return CS_ENOMEM;
        }
    } else if (offset != NULL && !json_is_null(offset)) {
        cs_snprintf_cut(what, sizeof what, "time candidate \"%s\" has an offset that is not text",
                        quoted);
        if (note(errors, what, NULL))
            return CS_ENOMEM;
    }
    return 1;
}

static json_t *
errors_of(json_t *rec)
{
    json_t *errors = json_object_get(rec, "errors");
    if (json_is_array(errors))
        return errors;
    if ((errors = json_array()) == NULL || json_object_set_new(rec, "errors", errors) != 0)
        return NULL;
    return errors;
}

static int
set(json_t *rec, const char *key, json_t *v)
{
    return v != NULL && json_object_set_new(rec, key, v) == 0 ? 0 : CS_ENOMEM;
}

/* The offset, in minutes, the default zone had at the candidate's wall time; a wall time the
 * clocks passed twice or skipped takes the offset before the change, and errors says so. */
static int
zone_offset(json_t *errors, const choice_t *c, const deftz_t *def, int *minutes)
{
    char what[200];
    int secs;
    cs_tz_fit_t fit;
    cs_tz_wall_offset(def->zone, c->t.year, c->t.mon, c->t.day, c->t.hour, c->t.min, c->t.sec,
                      &secs, &fit);
    *minutes = secs / 60; /* zones since 1970 keep whole minutes */
    if (fit == CS_TZ_UNIQUE)
        return 0;
    cs_snprintf_cut(what, sizeof what,
                    fit == CS_TZ_AMBIGUOUS
                        ? "the wall time happened twice in ingest.default_tz %s (clocks went "
                          "back); the earlier offset was taken"
                        : "the wall time never happened in ingest.default_tz %s (clocks went "
                          "forward); the offset before the change was taken",
                    def->name);
    return note(errors, what, NULL);
}

/* Writes the chosen candidate's statement into rec. */
static int
state(json_t *rec, json_t *errors, const choice_t *c, const deftz_t *def)
{
    char at[64], utc_at[64], zone[8], source[256];
    const char *offset_tag = NULL;
    int known = 0, have_utc = 0, n;
    stamp_t u;
    for (size_t i = 0; i < RULE_COUNT; i++)
        if (strcmp(c->source, rules[i].source) == 0)
            offset_tag = rules[i].offset_tag;
    n = snprintf(source, sizeof source, "%s", c->source);
    if (c->is_utc) {
        if (format_stamp(at, sizeof at, &c->t, "Z") != 0)
            return CS_EINVAL;
        memcpy(utc_at, at, sizeof at);
        have_utc = 1;
    } else if (c->has_offset || def->name != NULL) {
        int off = c->has_offset ? c->offset_min : def->minutes;
        int rc;
        if (!c->has_offset && def->zone != NULL && (rc = zone_offset(errors, c, def, &off)) != 0)
            return rc;
        format_offset(zone, off);
        u = to_utc(&c->t, off);
        if (format_stamp(at, sizeof at, &c->t, zone) != 0 ||
            format_stamp(utc_at, sizeof utc_at, &u, "Z") != 0)
            return CS_EINVAL;
        have_utc = 1;
        known = c->has_offset;
        if (!c->has_offset && def->zone != NULL)
            n = snprintf(source, sizeof source, "%s+config:ingest.default_tz(%s)", c->source,
                         def->name);
        else if (!c->has_offset)
            n = snprintf(source, sizeof source, "%s+config:ingest.default_tz", c->source);
        else if (c->offset_from != NULL)
            n = snprintf(source, sizeof source, "%s+%s", c->source, c->offset_from);
        else if (offset_tag != NULL)
            n = snprintf(source, sizeof source, "%s+%s", c->source, offset_tag);
    } else if (format_stamp(at, sizeof at, &c->t, "") != 0)
        return CS_EINVAL;
    if (n < 0 || (size_t)n >= sizeof source)
        return CS_EINVAL;
    if (set(rec, "captured_at", json_string(at)) ||
        set(rec, "captured_at_source", json_string(source)) ||
        set(rec, "captured_at_utc", have_utc ? json_string(utc_at) : json_null()) ||
        set(rec, "offset_known", json_boolean(known)))
        return CS_ENOMEM;
    return 0;
}

static int
state_none(json_t *rec, json_t *errors, size_t seen)
{
    if (set(rec, "captured_at", json_null()) || set(rec, "captured_at_source", json_null()) ||
        set(rec, "captured_at_utc", json_null()) || set(rec, "offset_known", json_false()) ||
        set(rec, "captured_at_estimate", json_null()) || set(rec, "file_time", json_null()))
        return CS_ENOMEM;
    return note(errors,
                seen == 0 ? "no capture time found: no source of the file states one"
                          : "no capture time found: no time candidate could be read",
                NULL);
}

/* Only the file's time: the capture time is unknown. The file time is kept apart, named for
 * what it is, never in captured_at: a copy's mtime would put the photo at "today". */
static int
state_file_time(json_t *rec, const choice_t *c)
{
    char at[64];
    if (format_stamp(at, sizeof at, &c->t, "Z") != 0)
        return CS_EINVAL;
    if (set(rec, "captured_at", json_null()) ||
        set(rec, "captured_at_source", json_string(c->source)) ||
        set(rec, "captured_at_utc", json_null()) || set(rec, "offset_known", json_false()) ||
        set(rec, "captured_at_estimate", json_string("file_time")) ||
        set(rec, "file_time", json_string(at)))
        return CS_ENOMEM;
    return 0;
}

static int64_t
seconds_of(const stamp_t *t)
{
    return cs_tz_days_from_civil(t->year, t->mon, t->day) * 86400 + t->hour * 3600 + t->min * 60 +
           t->sec;
}

/* An EXIF wall time without offset takes the one the photo's GPS UTC stamp implies: the
 * difference, to the quarter hour, if it is one a zone can have (the stamp can lag the
 * shutter by a few minutes; rounding absorbs that). */
static void
offset_from_gps(choice_t *best, const choice_t *gps)
{
    int64_t diff, q;
    if (best->is_utc || best->has_offset || gps == NULL || strncmp(best->source, "exif:", 5) != 0)
        return;
    diff = seconds_of(&best->t) - seconds_of(&gps->t);
    q = (diff >= 0 ? diff + GPS_OFFSET_STEP / 2 : diff - GPS_OFFSET_STEP / 2) / GPS_OFFSET_STEP;
    if (q * GPS_OFFSET_STEP > GPS_OFFSET_MAX || q * GPS_OFFSET_STEP < -GPS_OFFSET_MAX)
        return;
    best->has_offset = 1;
    best->offset_min = (int)(q * GPS_OFFSET_STEP / 60);
    best->offset_from = "gps";
}

int
cs_captime_choose(json_t *rec, const char *default_tz)
{
    json_t *errors, *cands, *cand;
    choice_t best = {0}, c, gps = {0};
    deftz_t def = {0};
    int best_rank = -1, have_gps = 0, r;
    size_t i;

    if ((errors = errors_of(rec)) == NULL)
        return CS_ENOMEM;
    if (default_tz != NULL && default_tz[0] != '\0') {
        if (parse_offset(default_tz, &def.minutes) == 0 || cs_tz_get(default_tz, &def.zone) == 0)
            def.name = default_tz;
        else if (note(errors,
                      "ingest.default_tz is neither an offset like +08:00 nor a zone the system "
                      "has (like Asia/Shanghai); not applied",
                      default_tz))
            return CS_ENOMEM;
    }
    cands = json_object_get(rec, "time_candidates");
    if (cands != NULL && !json_is_array(cands)) {
        if (note(errors, "time_candidates is not a list; ignored", NULL))
            return CS_ENOMEM;
        cands = NULL;
    }
    json_array_foreach(cands, i, cand)
    {
        if ((r = read_candidate(cand, errors, &c)) < 0)
            return r;
        if (r == 0)
            continue;
        if (!have_gps && c.is_utc && strcmp(c.source, SOURCE_GPS) == 0) {
            gps = c;
            have_gps = 1;
        }
        int rank = rank_of(c.source);
        if (best_rank < 0 || rank < best_rank) {
            best = c;
            best_rank = rank;
        }
    }
    if (best_rank < 0)
        return state_none(rec, errors, json_array_size(cands));
    if (best_rank == (int)RANK_MTIME)
        r = state_file_time(rec, &best);
    else {
        offset_from_gps(&best, have_gps ? &gps : NULL);
        r = state(rec, errors, &best, &def);
        if (r == 0 &&
            (set(rec, "captured_at_estimate", json_null()) || set(rec, "file_time", json_null())))
            r = CS_ENOMEM;
    }
    /* A date near year 0 or 9999 can leave RFC 3339's range once shifted to UTC. */
    if (r == CS_EINVAL) {
        if (note(errors, "the chosen capture time is out of range", best.source))
            return CS_ENOMEM;
        return state_none(rec, errors, json_array_size(cands));
    }
    return r;
}
