/* media/extract_tags.c: what container and stream tags say: every tag into "raw", and the
 * time candidates (QuickTime, Matroska, AVI, and the caller's hints), the ISO 6709 place and
 * the device they state. Tags are untrusted bytes: they reach the record as valid UTF-8, and
 * bounded. */
#include "media/extract_int.h"
#include "core/buf.h"

#include "core/error.h"
#include "core/utf8.h"

#include <libavformat/avformat.h>
#include <libavutil/dict.h>

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXTRACT_MAX_TAG 8192 /* bytes of one tag kept in "raw" */

/* A JSON string of untrusted bytes: what is not UTF-8 becomes U+FFFD, and text longer than
 * EXTRACT_MAX_TAG is cut (*cut set) so that the caller can say so. */
static json_t *
text(const char *s, int *cut)
{
    size_t len = strlen(s), o = 0, n;
    uint32_t cp;
    char *buf;
    json_t *v;
    *cut = len > EXTRACT_MAX_TAG;
    if (*cut)
        len = EXTRACT_MAX_TAG;
    if ((buf = malloc(len * 3 + 1)) == NULL)
        return NULL;
    for (size_t i = 0; i < len; i += n) {
        if ((n = cs_utf8_next((const unsigned char *)s + i, len - i, &cp, NULL)) == 0) {
            memcpy(buf + o, "\xef\xbf\xbd", 3);
            o += 3;
            n = 1;
        } else {
            memcpy(buf + o, s + i, n);
            o += n;
        }
    }
    v = json_stringn(buf, o);
    free(buf);
    return v;
}

static int
note(json_t *errors, const char *line)
{
    return json_array_append_new(errors, json_string(line)) == 0 ? 0 : CS_ENOMEM;
}

/* obj[key] = value, both untrusted text. */
static int
put_text(json_t *obj, const char *key, const char *value, json_t *errors)
{
    int kcut, vcut, rc = CS_ENOMEM;
    char line[200], quoted[64];
    json_t *k = text(key, &kcut), *v = text(value, &vcut);
    if (k == NULL || v == NULL || json_object_set(obj, json_string_value(k), v) != 0)
        goto out;
    rc = 0;
    if (kcut || vcut) {
        cs_utf8_quote(quoted, sizeof quoted, key, strlen(key), 1);
        cs_snprintf_cut(line, sizeof line,
                        "tag \"%s\" is longer than %d bytes; only its start is kept", quoted,
                        EXTRACT_MAX_TAG);
        rc = note(errors, line);
    }
out:
    json_decref(k);
    json_decref(v);
    return rc;
}

static int
tags_object(AVDictionary *d, json_t **out, json_t *errors)
{
    const AVDictionaryEntry *t = NULL;
    json_t *o = json_object();
    if (o == NULL)
        return CS_ENOMEM;
    while ((t = av_dict_get(d, "", t, AV_DICT_IGNORE_SUFFIX)) != NULL)
        if (put_text(o, t->key, t->value, errors) != 0) {
            json_decref(o);
            return CS_ENOMEM;
        }
    *out = o;
    return 0;
}

/* rec[key] as an object or array, created if missing; NULL when memory runs out. */
static json_t *
member(json_t *rec, const char *key, int array)
{
    json_t *m = json_object_get(rec, key);
    if (array ? json_is_array(m) : json_is_object(m))
        return m;
    m = array ? json_array() : json_object();
    return m != NULL && json_object_set_new(rec, key, m) == 0 ? m : NULL;
}

/* Splits "YYYY-MM-DD[T ]HH:MM:SS[.fff][Z|+HH:MM|+HHMM|+HH]" into the wall time (with 'T', a
 * fraction of zeros dropped) and its zone: *zone is "Z", "+08:00" or "" (none). */
static int
split_time(const char *s, char local[48], char zone[8])
{
    size_t n = 19, f0 = 0, fd = 0, len = 19;
    if (strlen(s) < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') ||
        s[13] != ':' || s[16] != ':')
        return -1;
    for (size_t i = 0; i < 19; i++)
        if (i != 4 && i != 7 && i != 10 && i != 13 && i != 16 && !isdigit((unsigned char)s[i]))
            return -1;
    if (s[n] == '.') {
        for (f0 = ++n; isdigit((unsigned char)s[n]); n++)
            ;
        if ((fd = n - f0) == 0 || fd > 9)
            return -1;
    }
    memcpy(local, s, 19);
    local[10] = 'T';
    while (fd > 0 && s[f0 + fd - 1] == '0')
        fd--;
    if (fd > 0) {
        local[19] = '.';
        memcpy(local + 20, s + f0, fd);
        len = 20 + fd;
    }
    local[len] = '\0';
    s += n;
    if (*s == '\0')
        zone[0] = '\0';
    else if (strcmp(s, "Z") == 0)
        strcpy(zone, "Z");
    else if ((s[0] == '+' || s[0] == '-') && isdigit((unsigned char)s[1]) &&
             isdigit((unsigned char)s[2])) {
        const char *m = s[3] == ':' ? s + 4 : s + 3;
        if (s[3] == '\0')
            m = "00"; /* "+02" */
        if (strlen(m) != 2 || !isdigit((unsigned char)m[0]) || !isdigit((unsigned char)m[1]))
            return -1;
        /* fits: six characters, in 8 */
        snprintf(zone, 8, "%c%c%c:%c%c", s[0], s[1], s[2], m[0], m[1]);
    } else
        return -1;
    return 0;
}

int
cs_extract_add_time(json_t *cands, const char *source, const char *value, int zone_means_utc)
{
    char local[48], zone[8], utc[56];
    int cut;
    json_t *c;
    if (split_time(value, local, zone) != 0) {
        json_t *raw = text(value, &cut);
        c = raw != NULL ? json_pack("{s:s, s:o, s:n}", "source", source, "local", raw, "offset")
                        : NULL;
    } else if (strcmp(zone, "Z") == 0 || (zone_means_utc && strcmp(zone, "+00:00") == 0)) {
        /* fits: local is at most 47 bytes, utc 56 */
        snprintf(utc, sizeof utc, "%sZ", local);
        c = json_pack("{s:s, s:s}", "source", source, "utc", utc);
    } else
        c = json_pack("{s:s, s:s, s:s?}", "source", source, "local", local, "offset",
                      zone[0] != '\0' ? zone : NULL);
    return c != NULL && json_array_append_new(cands, c) == 0 ? 0 : CS_ENOMEM;
}

/* Reads "+DD.DD", "+DDMM.MM" or "+DDMMSS.SS" (deg_digits 2 for latitude, 3 for longitude). */
static const char *
iso6709_coord(const char *s, int deg_digits, double *out)
{
    char *end;
    size_t ip;
    double v, sign;
    if (*s != '+' && *s != '-')
        return NULL;
    sign = *s == '-' ? -1 : 1;
    s++;
    for (ip = 0; isdigit((unsigned char)s[ip]); ip++)
        ;
    if (ip == 0 || !isdigit((unsigned char)s[0]))
        return NULL;
    errno = 0;
    v = strtod(s, &end); /* digits and '.', no sign or exponent: checked below */
    for (const char *p = s; p < end; p++)
        if (!isdigit((unsigned char)*p) && *p != '.')
            return NULL;
    if (errno != 0 || end == s)
        return NULL;
    if (ip == (size_t)deg_digits + 2) /* DDMM.MM */
        v = floor(v / 100) + fmod(v, 100) / 60;
    else if (ip == (size_t)deg_digits + 4) /* DDMMSS.SS */
        v = floor(v / 10000) + floor(fmod(v, 10000) / 100) / 60 + fmod(v, 100) / 3600;
    else if (ip > (size_t)deg_digits)
        return NULL;
    *out = sign * v;
    return end;
}

/* ISO 6709 "+37.7858-122.4064+012.345/" (altitude and the trailing CRS part optional). */
static int
parse_iso6709(const char *s, double *lat, double *lon, double *alt, int *has_alt)
{
    const char *p;
    *has_alt = 0;
    if ((p = iso6709_coord(s, 2, lat)) == NULL || (p = iso6709_coord(p, 3, lon)) == NULL)
        return -1;
    if (*p == '+' || *p == '-') {
        char *end;
        errno = 0;
        *alt = strtod(p, &end);
        if (end == p + 1 || errno != 0)
            return -1;
        *has_alt = 1;
        p = end;
    }
    if (*p != '\0' && *p != '/' && strncmp(p, "CRS", 3) != 0)
        return -1;
    if (!isfinite(*lat) || !isfinite(*lon) || fabs(*lat) > 90 || fabs(*lon) > 180 ||
        (*has_alt && !isfinite(*alt)))
        return -1;
    return 0;
}

static const char *
tag(AVDictionary *d, const char *key)
{
    const AVDictionaryEntry *e = av_dict_get(d, key, NULL, 0);
    return e != NULL && e->value[0] != '\0' ? e->value : NULL;
}

/* The place a recording states, from the first ISO 6709 tag that reads. */
static int
describe_place(AVDictionary *d, const char *ns, json_t *rec, json_t *errors)
{
    static const char *const keys[] = {"com.apple.quicktime.location.ISO6709", "location",
                                       "\xc2\xa9xyz", "location-eng"};
    char source[96], line[256], quoted[96];
    double lat = 0, lon = 0, alt = 0;
    int has_alt;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const char *v = tag(d, keys[i]);
        if (v == NULL)
            continue;
        if (parse_iso6709(v, &lat, &lon, &alt, &has_alt) != 0) {
            cs_utf8_quote(quoted, sizeof quoted, v, strlen(v), 1);
            cs_snprintf_cut(line, sizeof line, "%s:%s is not an ISO 6709 position: \"%s\"", ns,
                            keys[i], quoted);
            if (note(errors, line))
                return CS_ENOMEM;
            continue;
        }
        /* fits: ns ("format", "stream") and the keys above are ours, at most 50 bytes, in 96 */
        snprintf(source, sizeof source, "%s:%s", ns, keys[i]);
        json_t *gps = json_pack("{s:f, s:f, s:o, s:s}", "lat", lat, "lon", lon, "alt",
                                has_alt ? json_real(alt) : json_null(), "source", source);
        if (gps == NULL || cs_extract_put(rec, "gps", gps))
            return CS_ENOMEM;
        if (lat == 0 && lon == 0) {
            cs_snprintf_cut(line, sizeof line,
                            "%s:%s gives latitude 0, longitude 0: a receiver without a fix, not a "
                            "place",
                            ns, keys[i]);
            if (cs_extract_put(gps, "suspect", json_true()) || note(errors, line))
                return CS_ENOMEM;
        }
        return 0;
    }
    return 0;
}

/* Make, model and software from Apple's keys, Android's, or the plain user data tags. */
static int
describe_device(AVDictionary *d, json_t *rec, json_t *errors)
{
    static const struct {
        const char *field, *keys[3];
    } fields[] = {
        {"make", {"com.apple.quicktime.make", "com.android.manufacturer", "make"}},
        {"model", {"com.apple.quicktime.model", "com.android.model", "model"}},
        {"software", {"com.apple.quicktime.software", "com.android.version", NULL}},
    };
    json_t *dev = NULL;
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        for (size_t k = 0; k < 3 && fields[i].keys[k] != NULL; k++) {
            const char *v = tag(d, fields[i].keys[k]);
            if (v == NULL)
                continue;
            if ((dev == NULL && (dev = member(rec, "device", 0)) == NULL) ||
                put_text(dev, fields[i].field, v, errors))
                return CS_ENOMEM;
            break;
        }
    return 0;
}

int
cs_extract_describe_tags(AVFormatContext *fmt, json_t *rec, json_t *errors)
{
    int is_mov =
        strstr(fmt->iformat->name, "mov") != NULL || strstr(fmt->iformat->name, "mp4") != NULL;
    const char *ns = is_mov ? "quicktime" : "container", *v;
    json_t *raw, *streams, *o, *cands;
    if ((raw = member(rec, "raw", 0)) == NULL || (streams = json_array()) == NULL)
        return CS_ENOMEM;
    if (cs_extract_put(raw, "streams", streams) || tags_object(fmt->metadata, &o, errors) ||
        cs_extract_put(raw, "container", o))
        return CS_ENOMEM;
    for (unsigned i = 0; i < fmt->nb_streams; i++)
        if (tags_object(fmt->streams[i]->metadata, &o, errors) ||
            json_array_append_new(streams, o) != 0)
            return CS_ENOMEM;
    if ((cands = member(rec, "time_candidates", 1)) == NULL)
        return CS_ENOMEM;
    /* Apple's local time first: the order the rules prefer, for a reader of the record. */
    if ((v = tag(fmt->metadata, "com.apple.quicktime.creationdate")) != NULL &&
        cs_extract_add_time(cands, "quicktime:com.apple.quicktime.creationdate", v, 0))
        return CS_ENOMEM;
    /* FFmpeg writes QuickTime's and Matroska's creation_time as UTC ("...Z"); AVI's IDIT is a
     * wall time without zone, and stays one. */
    if ((v = tag(fmt->metadata, "creation_time")) != NULL &&
        cs_extract_add_time(cands, is_mov ? "quicktime:creation_time" : "container:creation_time",
                            v, 1))
        return CS_ENOMEM;
    if (describe_place(fmt->metadata, ns, rec, errors) ||
        describe_device(fmt->metadata, rec, errors))
        return CS_ENOMEM;
    return 0;
}

int
cs_extract_add_hints(json_t *hints, json_t *rec, json_t *errors)
{
    static const struct {
        const char *key, *source;
    } from[] = {{"recorded_at", "sidecar"}, {"source_mtime", "file:mtime"}};
    json_t *cands = member(rec, "time_candidates", 1);
    char line[128];
    if (cands == NULL)
        return CS_ENOMEM;
    for (size_t i = 0; i < sizeof from / sizeof from[0]; i++) {
        json_t *v = json_object_get(hints, from[i].key);
        if (v == NULL || json_is_null(v))
            continue;
        if (!json_is_string(v)) {
            cs_snprintf_cut(line, sizeof line, "hint \"%s\" is not text; ignored", from[i].key);
            if (note(errors, line))
                return CS_ENOMEM;
            continue;
        }
        if (cs_extract_add_time(cands, from[i].source, json_string_value(v), 0))
            return CS_ENOMEM;
    }
    /* A body-camera name's time (ingest/jobstep.c), as the service read it: the capture-time
     * rules check it as a date like any other. */
    json_t *n = json_object_get(hints, "name_time");
    const char *src = json_string_value(json_object_get(n, "source"));
    const char *local = json_string_value(json_object_get(n, "local"));
    if (n != NULL && (src == NULL || strncmp(src, "name:", 5) != 0 || local == NULL))
        return note(errors, "hint \"name_time\" is not a time candidate; ignored");
    if (n != NULL &&
        json_array_append_new(cands,
                              json_pack("{s:s, s:s, s:s?}", "source", src, "local", local, "offset",
                                        json_string_value(json_object_get(n, "offset")))) != 0)
        return CS_ENOMEM;
    return 0;
}