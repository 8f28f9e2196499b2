/* media/extract_camera.c: camera metadata libavformat does not hand over, read by our own
 * parsers: AVCHD's MDPM in the H.264 stream of MPEG-TS (media/mdpm.c), a DV frame's
 * recording time (media/dv.c), an ASF file's creation date (media/asf.c), and in MP4/MOV the 3GPP
 * loci box at full precision and the XMP packet (media/bmff.c, media/xmp.c). What they say goes
 * into the record as time candidates, gps, device and raw members. */
#include "media/extract_int.h"

#include "core/buf.h"
#include "core/error.h"
#include "core/io.h"
#include "media/asf.h"
#include "media/bmff.h"
#include "media/dv.h"
#include "media/mdpm.h"
#include "media/xmp.h"

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MDPM_MAX_PACKETS 64 /* packets read looking for the camera's SEI */
#define MDPM_MAX_VIDEO 8    /* H.264 frames looked at: Panasonic's is not in the first */
#define XMP_MAX_VALUE 256

static json_t *
object_member(json_t *rec, const char *key)
{
    json_t *m = json_object_get(rec, key);
    if (json_is_object(m))
        return m;
    m = json_object();
    return m != NULL && json_object_set_new(rec, key, m) == 0 ? m : NULL;
}

static int
note(json_t *errors, const char *line)
{
    return json_array_append_new(errors, json_string(line)) == 0 ? 0 : CS_ENOMEM;
}

/* rec.device[field] = value, unless the container already said. value is printable ASCII. */
static int
set_device(json_t *rec, const char *field, const char *value)
{
    json_t *dev = json_object_get(rec, "device");
    if (value[0] == '\0' || json_object_get(dev, field) != NULL)
        return 0;
    if ((dev = object_member(rec, "device")) == NULL)
        return CS_ENOMEM;
    return cs_extract_put(dev, field, json_string(value));
}

/* rec.gps from `source`; over what is there only when `over` says so. */
static int
set_gps(json_t *rec, json_t *errors, double lat, double lon, int has_alt, double alt,
        const char *source, int over)
{
    char line[160];
    json_t *gps;
    if (json_object_get(rec, "gps") != NULL && !over)
        return 0;
    gps = json_pack("{s:f, s:f, s:o, s:s}", "lat", lat, "lon", lon, "alt",
                    has_alt ? json_real(alt) : json_null(), "source", source);
    if (gps == NULL || cs_extract_put(rec, "gps", gps))
        return CS_ENOMEM;
    if (lat == 0 && lon == 0) {
        cs_snprintf_cut(line, sizeof line,
                        "%s gives latitude 0, longitude 0: a receiver without a fix, not a place",
                        source);
        if (cs_extract_put(gps, "suspect", json_true()) || note(errors, line))
            return CS_ENOMEM;
    }
    return 0;
}

static int
state_mdpm(const cs_mdpm_t *m, json_t *rec, json_t *errors)
{
    char local[32], offset[8] = "", exif[48];
    const char *make = m->has_make ? cs_mdpm_make_name(m->make_code) : NULL;
    json_t *raw = object_member(rec, "raw"), *h264,
           *cands = json_object_get(rec, "time_candidates");
    if (raw == NULL || (h264 = object_member(raw, "h264")) == NULL)
        return CS_ENOMEM;
    if (m->has_time) {
        int a = m->offset_min < 0 ? -m->offset_min : m->offset_min;
        /* fits: BCD fields are at most two digits each, the year four */
        snprintf(local, sizeof local, "%04d-%02d-%02dT%02d:%02d:%02d", m->year, m->mon, m->day,
                 m->hour, m->min, m->sec);
        if (m->has_offset)
            snprintf(offset, sizeof offset, "%c%02d:%02d", m->offset_min < 0 ? '-' : '+',
                     a / 60 % 100, a % 60);
        snprintf(exif, sizeof exif, "%04d:%02d:%02d %02d:%02d:%02d%s%s", m->year, m->mon, m->day,
                 m->hour, m->min, m->sec, offset, m->dst ? " DST" : "");
        json_t *c = json_pack("{s:s, s:s, s:s?}", "source", "h264:MDPM.DateTimeOriginal", "local",
                              local, "offset", m->has_offset ? offset : NULL);
        if (!json_is_array(cands) || c == NULL || json_array_append_new(cands, c) != 0 ||
            cs_extract_put(h264, "DateTimeOriginal", json_string(exif)))
            return CS_ENOMEM;
    }
    if (m->has_make && (cs_extract_put(h264, "Make", json_integer(m->make_code)) ||
                        (make != NULL && set_device(rec, "make", make))))
        return CS_ENOMEM;
    if (m->model[0] != '\0' && (cs_extract_put(h264, "Model", json_string(m->model)) ||
                                set_device(rec, "model", m->model)))
        return CS_ENOMEM;
    if (m->has_gps)
        return set_gps(rec, errors, m->lat, m->lon, m->has_alt, m->alt, "h264:MDPM.GPS", 0);
    return 0;
}

/* The first H.264 frames of the first H.264 stream, looked through for MDPM. */
static int
describe_mdpm(AVFormatContext *fmt, json_t *rec, json_t *errors)
{
    AVPacket *pkt = NULL;
    cs_mdpm_t m;
    int video = -1, found = 0, seen = 0;
    for (unsigned i = 0; i < fmt->nb_streams && video < 0; i++)
        if (fmt->streams[i]->codecpar->codec_id == AV_CODEC_ID_H264)
            video = (int)i;
    if (video < 0)
        return 0;
    if ((pkt = av_packet_alloc()) == NULL)
        return CS_ENOMEM;
    for (int n = 0; n < MDPM_MAX_PACKETS && seen < MDPM_MAX_VIDEO && !found; n++) {
        if (av_read_frame(fmt, pkt) < 0)
            break;
        if (pkt->stream_index == video && pkt->data != NULL && pkt->size > 0) {
            seen++;
            found = cs_mdpm_scan_annexb(pkt->data, (size_t)pkt->size, &m);
        }
        av_packet_unref(pkt);
    }
    av_packet_free(&pkt);
    return found ? state_mdpm(&m, rec, errors) : 0;
}

/* A time from XMP as a candidate: "YYYY-MM-DDTHH:MM[zone]" gets its seconds; a date alone
 * is not a capture time and stays in raw only. */
static int
xmp_time(json_t *cands, const char *source, const char *v)
{
    char buf[XMP_MAX_VALUE + 4];
    size_t len = strlen(v);
    if (len < 16)
        return 0;
    if (len == 16 || v[16] != ':') {
        /* fits: v is at most XMP_MAX_VALUE - 1 bytes, three more */
        snprintf(buf, sizeof buf, "%.16s:00%s", v, v + 16);
        v = buf;
    }
    return cs_extract_add_time(cands, source, v, 0);
}

/* One value read from XMP or XML: kept as printable ASCII (the bytes are untrusted, whatever
 * the format promises) in raw[ns][key] (*nsobj made on first use), and, as the property says,
 * a time candidate of `time_source` or rec.device[device]. Returns 0 or CS_ENOMEM. */
static int
state_value(json_t *rec, json_t *raw, const char *ns, json_t **nsobj, const char *key, char *v,
            const char *time_source, const char *device)
{
    for (char *p = v; *p != '\0'; p++)
        if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
            *p = '?';
    if ((*nsobj == NULL && (*nsobj = object_member(raw, ns)) == NULL) ||
        cs_extract_put(*nsobj, key, json_string(v)))
        return CS_ENOMEM;
    if (time_source != NULL && xmp_time(json_object_get(rec, "time_candidates"), time_source, v))
        return CS_ENOMEM;
    if (device != NULL && set_device(rec, device, v))
        return CS_ENOMEM;
    return 0;
}

int
cs_extract_describe_xmp(const char *xmp, size_t len, json_t *rec)
{
    static const struct {
        const char *name, *source, *device;
    } props[] = {
        {"exif:DateTimeOriginal", "xmp-exif:DateTimeOriginal", NULL},
        {"photoshop:DateCreated", "xmp-photoshop:DateCreated", NULL},
        {"xmp:CreateDate", "xmp-xmp:CreateDate", NULL},
        {"tiff:Make", NULL, "make"},
        {"tiff:Model", NULL, "model"},
    };
    char v[XMP_MAX_VALUE];
    json_t *raw = object_member(rec, "raw"), *xr = NULL;
    json_t *cands = json_object_get(rec, "time_candidates");
    if (raw == NULL || !json_is_array(cands))
        return CS_ENOMEM;
    for (size_t i = 0; i < sizeof props / sizeof props[0]; i++) {
        if (cs_xmp_get(xmp, len, props[i].name, v, sizeof v) != 0)
            continue;
        if (state_value(rec, raw, "xmp", &xr, props[i].name, v, props[i].source, props[i].device) !=
            0)
            return CS_ENOMEM;
    }
    return 0;
}

/* Attribute `attr` of the first element `<elem ...>` in the XML; -1 when there is none. */
static int
xml_attr(const char *xml, size_t len, const char *elem, const char *attr, char *out, size_t size)
{
    size_t el = strlen(elem);
    const char *p = xml, *stop = xml + len, *end;
    /* "<Device" followed by white space: not "<DeviceInfo" */
    while ((p = memmem(p, (size_t)(stop - p), elem, el)) != NULL) {
        if (p + el < stop && (p[el] == ' ' || p[el] == '\t' || p[el] == '\n' || p[el] == '\r'))
            break;
        p += el;
    }
    if (p == NULL || (end = memchr(p, '>', len - (size_t)(p - xml))) == NULL)
        return -1;
    return cs_xmp_get(p + el, (size_t)(end - p - el), attr, out, size);
}

/* Sony's NonRealTimeMeta (XAVC S and phones): <CreationDate value="...+02:00"/> and
 * <Device manufacturer="Sony" modelName="ILCE-7M3" .../>, as ExifTool's XML:CreationDateValue,
 * XML:DeviceManufacturer and XML:DeviceModelName. */
static int
state_nrt(const cs_bmff_meta_t *b, json_t *rec)
{
    static const struct {
        const char *elem, *attr, *raw, *device;
    } props[] = {
        {"<CreationDate", "value", "CreationDateValue", NULL},
        {"<Device", "manufacturer", "DeviceManufacturer", "make"},
        {"<Device", "modelName", "DeviceModelName", "model"},
    };
    char v[XMP_MAX_VALUE];
    json_t *raw = object_member(rec, "raw"), *xr = NULL;
    json_t *cands = json_object_get(rec, "time_candidates");
    if (raw == NULL || !json_is_array(cands))
        return CS_ENOMEM;
    for (size_t i = 0; i < sizeof props / sizeof props[0]; i++) {
        if (xml_attr(b->xml, b->xml_len, props[i].elem, props[i].attr, v, sizeof v) != 0)
            continue;
        if (state_value(rec, raw, "xml", &xr, props[i].raw, v,
                        props[i].device == NULL ? "xml:CreationDateValue" : NULL,
                        props[i].device) != 0)
            return CS_ENOMEM;
    }
    return 0;
}

static int
describe_bmff(int fd, int64_t size, json_t *rec, json_t *errors)
{
    cs_bmff_meta_t b;
    char source[48];
    int rc = cs_bmff_read_meta(fd, size, &b);
    if (rc != 0)
        goto out;
    if (b.has_loci) {
        /* The 3GPP box holds 16.16 fixed point; libavformat's "location" from it (or the
         * ©xyz text beside it) has 4 decimals. Apple's ISO 6709 key stays first. */
        const char *have =
            json_string_value(json_object_get(json_object_get(rec, "gps"), "source"));
        int over = have == NULL || strstr(have, "com.apple.quicktime.location") == NULL;
        /* fits: loci_path is one of two short literals */
        snprintf(source, sizeof source, "quicktime:%s", b.loci_path);
        if ((rc = set_gps(rec, errors, b.lat, b.lon, 1, b.alt, source, over)) != 0)
            goto out;
    }
    if (b.text_too_long &&
        (rc = note(errors, "an XMP or XML box over 1 MiB in the file was not read")) != 0)
        goto out;
    if (b.xmp != NULL && (rc = cs_extract_describe_xmp(b.xmp, b.xmp_len, rec)) != 0)
        goto out;
    if (b.xml != NULL)
        rc = state_nrt(&b, rec);
out:
    cs_bmff_meta_free(&b);
    return rc;
}

/* The first bytes of the file (at most `max`) in a new buffer: *got of them; NULL when
 * memory runs out. */
static uint8_t *
read_head(int fd, int64_t size, size_t max, size_t *got)
{
    size_t want = size < (int64_t)max ? (size_t)size : max;
    uint8_t *head = malloc(want > 0 ? want : 1);
    ssize_t n = head != NULL ? cs_pread_upto(fd, head, want, 0) : 0;
    *got = n > 0 ? (size_t)n : 0; /* a read error reads as nothing: no header time */
    return head;
}

/* A time the container's header states, as a candidate and in raw[ns][tag]: a wall time
 * without zone (DV), or UTC (ASF, ending in Z). */
static int
header_time(json_t *rec, const char *source, const char *ns, const char *tag, const char *at)
{
    json_t *cands = json_object_get(rec, "time_candidates"), *raw, *m;
    if (!json_is_array(cands) || cs_extract_add_time(cands, source, at, 0) ||
        (raw = object_member(rec, "raw")) == NULL || (m = object_member(raw, ns)) == NULL)
        return CS_ENOMEM;
    return cs_extract_put(m, tag, json_string(at));
}

/* The recording time of the first DV frame, or an ASF file's creation date. */
static int
describe_header(int fd, int64_t size, int asf, json_t *rec)
{
    size_t got;
    char at[32];
    uint8_t *head = read_head(fd, size, asf ? CS_ASF_HEAD : CS_DV_HEAD, &got);
    int rc = 0;
    if (head == NULL)
        return CS_ENOMEM;
    if (asf && cs_asf_creation_time(head, got, at, sizeof at) == 0)
        rc = header_time(rec, "asf:CreationDate", "asf", "CreationDate", at);
    else if (!asf && cs_dv_rec_time(head, got, at, sizeof at) == 0)
        rc = header_time(rec, "dv:DateTimeOriginal", "dv", "DateTimeOriginal", at);
    free(head);
    return rc;
}

int
cs_extract_describe_camera(AVFormatContext *fmt, int fd, int64_t size, json_t *rec, json_t *errors)
{
    const char *name = fmt->iformat->name;
    if (strcmp(name, "mpegts") == 0)
        return describe_mdpm(fmt, rec, errors);
    if (strcmp(name, "dv") == 0 || strcmp(name, "asf") == 0 || strcmp(name, "asf_o") == 0)
        return describe_header(fd, size, name[0] == 'a', rec);
    if (strstr(name, "mov") != NULL || strstr(name, "mp4") != NULL)
        return describe_bmff(fd, size, rec, errors);
    return 0;
}
