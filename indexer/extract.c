/* indexer/extract.c: the normalised metadata record of a media file: container and stream
 * metadata and tags with libavformat, EXIF through indexer/exif.c, the capture time through
 * indexer/captime.c.
 *
 * FFmpeg reads the file through our own AVIOContext on a descriptor we opened, never by
 * name: a hostile playlist or reference movie cannot make it open other files or URLs,
 * and names with '%', '*' or '[' are never taken for image-sequence patterns. Probing is
 * bounded in bytes, in media time and in wall time. FFmpeg's own error messages are kept
 * in the record's "errors" instead of going to stderr. Tags are untrusted bytes: they reach
 * the record as valid UTF-8, and bounded. */
#include "indexer/extract.h"

#include "core/error.h"
#include "core/utf8.h"
#include "indexer/captime.h"
#include "indexer/exif.h"

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/avutil.h>
#include <libavutil/display.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define EXTRACT_IO_BUF (64 * 1024)
#define EXTRACT_PROBESIZE "5000000"       /* bytes read to find and describe streams */
#define EXTRACT_ANALYZEDURATION "5000000" /* microseconds of media looked at */
#define EXTRACT_MAX_STREAMS "100"
#define EXTRACT_DEADLINE_S 30 /* wall time: the worker's timeout is the outer bound */
#define EXTRACT_MAX_MESSAGES 16
#define EXTRACT_MAX_TAG 8192 /* bytes of one tag kept in "raw" */

typedef struct source {
    int fd;
    int64_t size;
    struct timespec deadline;
} source_t;

/* Where FFmpeg's messages go while cs_extract_file runs on this thread (NULL: dropped). */
static _Thread_local json_t *log_sink;
static _Thread_local int log_count;

static void
on_av_log(void *avcl, int level, const char *fmt, va_list ap)
{
    char msg[256];
    char line[320];
    const char *who = NULL;
    size_t len;
    int n;
    if (log_sink == NULL || level > AV_LOG_ERROR)
        return;
    if (log_count++ >= EXTRACT_MAX_MESSAGES) {
        if (log_count == EXTRACT_MAX_MESSAGES + 1)
            json_array_append_new(log_sink, json_string("further libavformat messages dropped"));
        return;
    }
    if ((n = vsnprintf(msg, sizeof msg, fmt, ap)) < 0)
        return;
    if ((size_t)n >= sizeof msg)
        memcpy(msg + sizeof msg - 4, "...", 4); /* marked, not silently cut */
    /* Messages may quote bytes of the file: keep them printable ASCII, valid JSON text. */
    for (char *p = msg; *p != '\0'; p++)
        if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
            *p = ' ';
    len = strlen(msg);
    while (len > 0 && msg[len - 1] == ' ')
        msg[--len] = '\0';
    if (len == 0)
        return;
    if (avcl != NULL && *(AVClass **)avcl != NULL && (*(AVClass **)avcl)->item_name != NULL)
        who = (*(AVClass **)avcl)->item_name(avcl);
    snprintf(line, sizeof line, "%s%s%s", who ? who : "", who ? ": " : "", msg);
    const char *last = json_string_value(json_array_get(log_sink, json_array_size(log_sink) - 1));
    if (last != NULL && strcmp(last, line) == 0)
        return; /* FFmpeg repeats itself for every packet it skips */
    json_array_append_new(log_sink, json_string(line));
}

static int
past_deadline(void *opaque)
{
    const source_t *src = opaque;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec > src->deadline.tv_sec ||
           (now.tv_sec == src->deadline.tv_sec && now.tv_nsec >= src->deadline.tv_nsec);
}

static int
read_packet(void *opaque, uint8_t *buf, int size)
{
    source_t *src = opaque;
    ssize_t n;
    if (past_deadline(src))
        return AVERROR_EXIT; /* every demuxer reads, not every one checks for interrupts */
    do
        n = read(src->fd, buf, (size_t)size);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return AVERROR(errno);
    return n == 0 ? AVERROR_EOF : (int)n;
}

static int64_t
seek_packet(void *opaque, int64_t offset, int whence)
{
    source_t *src = opaque;
    if (whence & AVSEEK_SIZE)
        return src->size;
    off_t r = lseek(src->fd, (off_t)offset, whence & ~AVSEEK_FORCE);
    return r < 0 ? AVERROR(errno) : (int64_t)r;
}

/* A demuxer asking to open another URL (playlists, reference movies) is refused. */
static int
refuse_io_open(AVFormatContext *s, AVIOContext **pb, const char *url, int flags,
               AVDictionary **options)
{
    (void)s;
    (void)pb;
    (void)url;
    (void)flags;
    (void)options;
    return AVERROR(EPERM);
}

/* Photos whose type the sniffer has already established are read with the matching image
 * demuxer: content probing misses JPEGs that start with long or unusual APP segments. */
static const struct {
    const char *media_type;
    const char *demuxer;
} image_demuxers[] = {
    {"image/jpeg", "jpeg_pipe"}, {"image/png", "png_pipe"},   {"image/gif", "gif"},
    {"image/webp", "webp_pipe"}, {"image/tiff", "tiff_pipe"}, {"image/bmp", "bmp_pipe"},
};

static const AVInputFormat *
forced_demuxer(const char *media_type)
{
    if (media_type == NULL)
        return NULL;
    for (size_t i = 0; i < sizeof image_demuxers / sizeof image_demuxers[0]; i++)
        if (strcmp(media_type, image_demuxers[i].media_type) == 0)
            return av_find_input_format(image_demuxers[i].demuxer);
    return NULL;
}

/* Image demuxers report a nominal 25 fps and no duration: neither means anything. */
static int
is_image_demuxer(const AVInputFormat *f)
{
    size_t len = strlen(f->name);
    return strcmp(f->name, "gif") == 0 || (len > 5 && strcmp(f->name + len - 5, "_pipe") == 0);
}

/* Sets obj[key] = v (stolen); returns CS_ENOMEM if v is NULL or the set fails. */
static int
put(json_t *obj, const char *key, json_t *v)
{
    if (v == NULL || json_object_set_new(obj, key, v) != 0)
        return CS_ENOMEM;
    return 0;
}

static json_t *
int_or_null(int64_t v)
{
    return v > 0 ? json_integer((json_int_t)v) : json_null();
}

static int
add_error(json_t *errors, const char *what, int averr)
{
    char buf[AV_ERROR_MAX_STRING_SIZE] = "";
    char line[256];
    av_strerror(averr, buf, sizeof buf);
    snprintf(line, sizeof line, "%s: %s", what, buf);
    return json_array_append_new(errors, json_string(line)) == 0 ? 0 : CS_ENOMEM;
}

/* Says in words why reading stopped early, if it did ("Immediate exit requested" does not). */
static int
note_deadline(const source_t *src, json_t *errors)
{
    char line[64];
    if (!past_deadline((void *)src))
        return 0;
    snprintf(line, sizeof line, "gave up reading after %d s", EXTRACT_DEADLINE_S);
    return json_array_append_new(errors, json_string(line)) == 0 ? 0 : CS_ENOMEM;
}

/* Degrees clockwise to turn the picture for display (0, 90, 180 or 270), from the display
 * matrix; av_display_rotation_get counts counterclockwise. */
static int
rotation(const AVStream *st)
{
    size_t size = 0;
    const uint8_t *m = av_stream_get_side_data(st, AV_PKT_DATA_DISPLAYMATRIX, &size);
    int32_t matrix[9];
    double deg;
    if (m == NULL || size < sizeof matrix)
        return 0;
    memcpy(matrix, m, sizeof matrix); /* side data need not be aligned for int32_t */
    deg = -av_display_rotation_get(matrix);
    if (!isfinite(deg))
        return 0;
    long quarter = lround(deg / 90.0) % 4;
    return (int)((quarter + 4) % 4) * 90;
}

static int
describe_stream(AVFormatContext *fmt, AVStream *st, json_t **out)
{
    const AVCodecParameters *par = st->codecpar;
    const char *type = av_get_media_type_string(par->codec_type);
    json_t *s = json_object();
    int rc = CS_ENOMEM;
    if (s == NULL)
        goto out;
    if (put(s, "type", json_string(type ? type : "unknown")) ||
        put(s, "codec", json_string(avcodec_get_name(par->codec_id))))
        goto out;
    if (par->codec_type == AVMEDIA_TYPE_VIDEO) {
        AVRational r = av_guess_frame_rate(fmt, st, NULL);
        if (put(s, "width", int_or_null(par->width)) ||
            put(s, "height", int_or_null(par->height)) ||
            put(s, "frame_rate",
                r.num > 0 && r.den > 0 && !is_image_demuxer(fmt->iformat) &&
                        !(st->disposition & AV_DISPOSITION_ATTACHED_PIC)
                    ? json_real(av_q2d(r))
                    : json_null()))
            goto out;
        if ((st->disposition & AV_DISPOSITION_ATTACHED_PIC) && put(s, "attached_pic", json_true()))
            goto out;
        if (put(s, "rotation", json_integer(rotation(st))))
            goto out;
    } else if (par->codec_type == AVMEDIA_TYPE_AUDIO) {
        if (put(s, "sample_rate", int_or_null(par->sample_rate)) ||
            put(s, "channels", int_or_null(par->ch_layout.nb_channels)))
            goto out;
    }
    if (put(s, "bit_rate", int_or_null(par->bit_rate)))
        goto out;
    *out = s;
    s = NULL;
    rc = 0;
out:
    json_decref(s);
    return rc;
}

static int
describe_media(AVFormatContext *fmt, json_t **out)
{
    json_t *media = json_object(), *streams = json_array(), *s;
    int rc = CS_ENOMEM;
    if (media == NULL || streams == NULL)
        goto out;
    if (put(media, "container", json_string(fmt->iformat->name)) ||
        put(media, "duration_s",
            fmt->duration != AV_NOPTS_VALUE && fmt->duration >= 0
                ? json_real((double)fmt->duration / AV_TIME_BASE)
                : json_null()) ||
        put(media, "bit_rate", int_or_null(fmt->bit_rate)))
        goto out;
    for (unsigned i = 0; i < fmt->nb_streams; i++) {
        if ((rc = describe_stream(fmt, fmt->streams[i], &s)) != 0)
            goto out;
        if (json_array_append_new(streams, s) != 0) {
            rc = CS_ENOMEM;
            goto out;
        }
    }
    rc = put(media, "streams", streams);
    streams = NULL;
    if (rc == 0) {
        *out = media;
        media = NULL;
    }
out:
    json_decref(streams);
    json_decref(media);
    return rc;
}

/* The decoded size of a photo's picture, or 0x0 when no stream has one. */
static void
frame_size(AVFormatContext *fmt, int *width, int *height)
{
    *width = *height = 0;
    for (unsigned i = 0; i < fmt->nb_streams; i++) {
        const AVCodecParameters *par = fmt->streams[i]->codecpar;
        if (par->codec_type == AVMEDIA_TYPE_VIDEO && par->width > 0 && par->height > 0) {
            *width = par->width;
            *height = par->height;
            return;
        }
    }
}

/* Photos get their size at the top of the record, beside what EXIF says (orientation). The
 * decoded frame wins over EXIF's pixel dimensions, which editors often leave stale. */
static int
describe_image(const char *media_type, int is_image, int width, int height, json_t *rec,
               json_t *errors)
{
    json_t *img = json_object_get(rec, "image");
    if ((media_type == NULL || strncmp(media_type, "image/", 6) != 0) && !is_image)
        return 0;
    if (width > 0 && height > 0) {
        if (!json_is_object(img) && put(rec, "image", img = json_object()))
            return CS_ENOMEM;
        return put(img, "width", json_integer(width)) || put(img, "height", json_integer(height))
                   ? CS_ENOMEM
                   : 0;
    }
    if (json_is_integer(json_object_get(img, "width")))
        return 0;
    return json_array_append_new(errors, json_string("no picture size found in the image")) == 0
               ? 0
               : CS_ENOMEM;
}

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
        snprintf(line, sizeof line, "tag \"%s\" is longer than %d bytes; only its start is kept",
                 quoted, EXTRACT_MAX_TAG);
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
        snprintf(zone, 8, "%c%c%c:%c%c", s[0], s[1], s[2], m[0], m[1]);
    } else
        return -1;
    return 0;
}

/* Appends the candidate {"source", "local"+"offset" | "utc"} read from `value`; text that is
 * not a time goes in as it is, for cs_captime_choose to reject in words. */
static int
add_candidate(json_t *cands, const char *source, const char *value, int zone_means_utc)
{
    char local[48], zone[8], utc[56];
    int cut;
    json_t *c;
    if (split_time(value, local, zone) != 0) {
        json_t *raw = text(value, &cut);
        c = raw != NULL ? json_pack("{s:s, s:o, s:n}", "source", source, "local", raw, "offset")
                        : NULL;
    } else if (strcmp(zone, "Z") == 0 || (zone_means_utc && strcmp(zone, "+00:00") == 0)) {
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
    double lat, lon, alt;
    int has_alt;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const char *v = tag(d, keys[i]);
        if (v == NULL)
            continue;
        if (parse_iso6709(v, &lat, &lon, &alt, &has_alt) != 0) {
            cs_utf8_quote(quoted, sizeof quoted, v, strlen(v), 1);
            snprintf(line, sizeof line, "%s:%s is not an ISO 6709 position: \"%s\"", ns, keys[i],
                     quoted);
            if (note(errors, line))
                return CS_ENOMEM;
            continue;
        }
        snprintf(source, sizeof source, "%s:%s", ns, keys[i]);
        json_t *gps = json_pack("{s:f, s:f, s:o, s:s}", "lat", lat, "lon", lon, "alt",
                                has_alt ? json_real(alt) : json_null(), "source", source);
        if (gps == NULL || put(rec, "gps", gps))
            return CS_ENOMEM;
        if (lat == 0 && lon == 0) {
            snprintf(line, sizeof line,
                     "%s:%s gives latitude 0, longitude 0: a receiver without a fix, not a "
                     "place",
                     ns, keys[i]);
            if (put(gps, "suspect", json_true()) || note(errors, line))
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

/* Every container and stream tag into raw, and what they say about time, place and device. */
static int
describe_tags(AVFormatContext *fmt, json_t *rec, json_t *errors)
{
    int is_mov =
        strstr(fmt->iformat->name, "mov") != NULL || strstr(fmt->iformat->name, "mp4") != NULL;
    const char *ns = is_mov ? "quicktime" : "container", *v;
    json_t *raw, *streams, *o, *cands;
    if ((raw = member(rec, "raw", 0)) == NULL || (streams = json_array()) == NULL)
        return CS_ENOMEM;
    if (put(raw, "streams", streams) || tags_object(fmt->metadata, &o, errors) ||
        put(raw, "container", o))
        return CS_ENOMEM;
    for (unsigned i = 0; i < fmt->nb_streams; i++)
        if (tags_object(fmt->streams[i]->metadata, &o, errors) ||
            json_array_append_new(streams, o) != 0)
            return CS_ENOMEM;
    if ((cands = member(rec, "time_candidates", 1)) == NULL)
        return CS_ENOMEM;
    /* Apple's local time first: the order the rules prefer, for a reader of the record. */
    if ((v = tag(fmt->metadata, "com.apple.quicktime.creationdate")) != NULL &&
        add_candidate(cands, "quicktime:com.apple.quicktime.creationdate", v, 0))
        return CS_ENOMEM;
    /* FFmpeg writes QuickTime's and Matroska's creation_time as UTC ("...Z"); AVI's IDIT is a
     * wall time without zone, and stays one. */
    if ((v = tag(fmt->metadata, "creation_time")) != NULL &&
        add_candidate(cands, is_mov ? "quicktime:creation_time" : "container:creation_time", v, 1))
        return CS_ENOMEM;
    if (describe_place(fmt->metadata, ns, rec, errors) ||
        describe_device(fmt->metadata, rec, errors))
        return CS_ENOMEM;
    return 0;
}

/* The times the caller knows: the clerk's sidecar and the upload's mtime. */
static int
add_hints(json_t *hints, json_t *rec, json_t *errors)
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
            snprintf(line, sizeof line, "hint \"%s\" is not text; ignored", from[i].key);
            if (note(errors, line))
                return CS_ENOMEM;
            continue;
        }
        if (add_candidate(cands, from[i].source, json_string_value(v), 0))
            return CS_ENOMEM;
    }
    return 0;
}
/* What libavformat reads: "media", and for recordings "raw" tags and what they say. */
static int
probe(source_t *src, const char *media_type, int photo, json_t *rec, json_t *errors, int *width,
      int *height, int *is_image)
{
    AVFormatContext *fmt = NULL;
    AVIOContext *pb = NULL;
    unsigned char *iobuf = NULL;
    AVDictionary *opts = NULL;
    json_t *media = NULL;
    int rc = CS_ENOMEM, err;

    *width = *height = *is_image = 0;
    if ((iobuf = av_malloc(EXTRACT_IO_BUF)) == NULL ||
        (pb = avio_alloc_context(iobuf, EXTRACT_IO_BUF, 0, src, read_packet, NULL, seek_packet)) ==
            NULL)
        goto out;
    iobuf = NULL; /* pb owns it now (and may replace it) */
    if ((fmt = avformat_alloc_context()) == NULL)
        goto out;
    fmt->pb = pb;
    fmt->flags |= AVFMT_FLAG_CUSTOM_IO;
    fmt->io_open = refuse_io_open;
    fmt->interrupt_callback.callback = past_deadline;
    fmt->interrupt_callback.opaque = src;
    if (av_dict_set(&opts, "probesize", EXTRACT_PROBESIZE, 0) < 0 ||
        av_dict_set(&opts, "analyzeduration", EXTRACT_ANALYZEDURATION, 0) < 0 ||
        av_dict_set(&opts, "max_streams", EXTRACT_MAX_STREAMS, 0) < 0)
        goto out;

    av_log_set_callback(on_av_log);
    log_sink = errors;
    log_count = 0;
    /* The empty URL keeps name-based guessing (extensions, patterns) out of probing. */
    if ((err = avformat_open_input(&fmt, "", forced_demuxer(media_type), &opts)) < 0) {
        log_sink = NULL;
        if (add_error(errors, "libavformat could not open the file", err) ||
            put(rec, "media", json_null()) || note_deadline(src, errors))
            goto out;
        rc = 0;
        goto out;
    }
    err = avformat_find_stream_info(fmt, NULL);
    log_sink = NULL;
    if ((err < 0 && add_error(errors, "libavformat could not read the stream information", err)) ||
        note_deadline(src, errors))
        goto out;
    if (fmt->nb_streams == 0 &&
        json_array_append_new(errors, json_string("no audio, video or picture stream found")))
        goto out;
    if ((rc = describe_media(fmt, &media)) != 0 || (rc = put(rec, "media", media)) != 0)
        goto out;
    *is_image = is_image_demuxer(fmt->iformat);
    frame_size(fmt, width, height);
    /* A photo's metadata is its EXIF; its demuxer has no tags worth a "raw" member. */
    rc = photo ? 0 : describe_tags(fmt, rec, errors);
out:
    log_sink = NULL;
    av_dict_free(&opts);
    avformat_close_input(&fmt); /* leaves our AVIOContext alone (AVFMT_FLAG_CUSTOM_IO) */
    if (pb != NULL)
        av_freep(&pb->buffer);
    avio_context_free(&pb);
    av_free(iobuf);
    return rc;
}

static int
is_photo(const char *media_type)
{
    return media_type != NULL &&
           (strcmp(media_type, "image/jpeg") == 0 || strcmp(media_type, "image/tiff") == 0);
}

int
cs_extract_wanted(const char *media_type)
{
    return media_type == NULL || strcmp(media_type, "application/octet-stream") != 0;
}

json_t *
cs_extract_unrecognised(void)
{
    return json_pack("{s:n, s:[s]}", "media", "errors",
                     "the content is not a photo, audio or video format that Custody "
                     "recognises; it is stored as it is");
}

int
cs_extract_file(const char *path, const char *media_type, json_t *hints, json_t **record)
{
    source_t src = {.fd = -1};
    struct stat st;
    json_t *rec = NULL, *errors = NULL;
    const char *default_tz = json_string_value(json_object_get(hints, "default_tz"));
    int rc, width = 0, height = 0, is_image = 0, photo = is_photo(media_type);

    *record = NULL;
    /* O_NONBLOCK: a FIFO must not block the open; on a regular file it changes nothing. */
    if ((src.fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) < 0 ||
        fstat(src.fd, &st) != 0) {
        rc = cs_err_from_errno(errno);
        cs_diag_set("cannot open %s: %s", path, strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = CS_ENOTREG;
        cs_diag_set("%s is not a regular file", path);
        goto out;
    }
    src.size = (int64_t)st.st_size;
    clock_gettime(CLOCK_MONOTONIC, &src.deadline);
    src.deadline.tv_sec += EXTRACT_DEADLINE_S;

    rc = CS_ENOMEM;
    if ((rec = json_object()) == NULL || (errors = json_array()) == NULL ||
        json_object_set(rec, "errors", errors) != 0 || put(rec, "time_candidates", json_array()))
        goto out;
    if (st.st_size == 0) {
        if (put(rec, "media", json_null()) ||
            json_array_append_new(errors, json_string("the file is empty")) != 0)
            goto out;
    } else if (media_type != NULL && !cs_extract_wanted(media_type)) {
        /* The sniffer knows every container a recorder writes; probing unknown bytes with
         * every demuxer FFmpeg has costs tens of milliseconds and finds nothing. The service
         * writes this same record without a worker, so it stays exactly that. */
        json_decref(rec);
        rec = cs_extract_unrecognised();
        rc = rec != NULL ? 0 : CS_ENOMEM;
        goto out;
    } else {
        if ((rc = probe(&src, media_type, photo, rec, errors, &width, &height, &is_image)) != 0)
            goto out;
        if (photo) {
            /* libexif reads the file on its own: a broken picture may still have its EXIF. */
            if ((rc = cs_exif_read(path, rec)) == CS_ENOMEM)
                goto out;
            if (rc != 0 &&
                json_array_append_new(errors, json_sprintf("libexif could not read the file: %s",
                                                           cs_strerror(rc))) != 0) {
                rc = CS_ENOMEM;
                goto out;
            }
        }
        if ((rc = describe_image(media_type, is_image, width, height, rec, errors)) != 0)
            goto out;
    }
    if ((rc = add_hints(hints, rec, errors)) != 0 || (rc = cs_captime_choose(rec, default_tz)) != 0)
        goto out;
out:
    if (rc == CS_ENOMEM)
        cs_diag_set("out of memory while describing %s", path);
    if (rc == 0) {
        *record = rec;
        rec = NULL;
    }
    json_decref(errors);
    json_decref(rec);
    if (src.fd != -1)
        close(src.fd);
    return rc;
}
