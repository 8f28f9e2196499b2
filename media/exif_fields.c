/* media/exif_fields.c: the typed members of the record (device, image, gps,
 * time_candidates) from entries libexif loaded. Entries may have any format, count and size
 * a writer chose: every read checks format, components and size first, and a value that
 * makes no sense becomes an entry in errors instead of a member. */
#include "media/exif_int.h"

#include "core/utf8.h"

#include <libexif/exif-content.h>
#include <libexif/exif-entry.h>
#include <libexif/exif-format.h>
#include <libexif/exif-utils.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Tags libexif 0.6.24 may name differently or not at all: read by number. */
#define TAG_OFFSET_TIME 0x9010
#define TAG_OFFSET_TIME_ORIGINAL 0x9011
#define TAG_OFFSET_TIME_DIGITIZED 0x9012
#define TAG_BODY_SERIAL_NUMBER 0xa431

static ExifEntry *
find(ExifData *ed, ExifIfd ifd, unsigned tag)
{
    if (ed == NULL || ed->ifd[ifd] == NULL)
        return NULL;
    return exif_content_get_entry(ed->ifd[ifd], (ExifTag)tag);
}

/* 1 when e holds at least `count` values of its format in its data. */
static int
holds(const ExifEntry *e, unsigned long count)
{
    size_t unit = exif_format_get_size(e->format);
    return e->data != NULL && unit > 0 && e->components >= count && e->size / unit >= count;
}

/* The first value of an unsigned integer entry (BYTE, SHORT or LONG: writers differ). */
static int
entry_uint(ExifData *ed, const ExifEntry *e, unsigned long *v)
{
    ExifByteOrder o;

    if (e == NULL || !holds(e, 1))
        return 0;
    o = exif_data_get_byte_order(ed);
    switch (e->format) {
    case EXIF_FORMAT_BYTE:
        *v = e->data[0];
        return 1;
    case EXIF_FORMAT_SHORT:
        *v = exif_get_short(e->data, o);
        return 1;
    case EXIF_FORMAT_LONG:
        *v = exif_get_long(e->data, o);
        return 1;
    default:
        return 0;
    }
}

/* The text of e (ASCII, or bytes where a writer chose UNDEFINED or BYTE), sanitised into
 * dst. 0 when there is none: absent, empty, another format, or too long (noted). */
static int
entry_text(cs_exif_ctx_t *cx, const ExifEntry *e, const char *what, char *dst, size_t cap)
{
    int cut;

    if (e == NULL || e->data == NULL || e->size == 0)
        return 0;
    if (e->format != EXIF_FORMAT_ASCII && e->format != EXIF_FORMAT_UNDEFINED &&
        e->format != EXIF_FORMAT_BYTE) {
        cs_exif_note(cx, "%s is a %s, not text", what, exif_format_get_name(e->format));
        return 0;
    }
    if (cs_exif_text(dst, cap, e->data, e->size, &cut) == 0)
        return 0;
    if (cut) {
        cs_exif_note(cx, "%s is longer than %zu bytes: left out", what, cap - 1);
        return 0;
    }
    return 1;
}

static void
device(cs_exif_ctx_t *cx, ExifData *ed)
{
    static const struct {
        const char *key, *what;
        ExifIfd ifd;
        unsigned tag;
    } fields[] = {
        {"make", "IFD0:Make", EXIF_IFD_0, EXIF_TAG_MAKE},
        {"model", "IFD0:Model", EXIF_IFD_0, EXIF_TAG_MODEL},
        {"serial", "ExifIFD:BodySerialNumber", EXIF_IFD_EXIF, TAG_BODY_SERIAL_NUMBER},
        {"software", "IFD0:Software", EXIF_IFD_0, EXIF_TAG_SOFTWARE},
    };
    char text[CS_EXIF_TEXT_MAX + 1];
    json_t *dev = NULL;

    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        ExifEntry *e = find(ed, fields[i].ifd, fields[i].tag);
        if (!entry_text(cx, e, fields[i].what, text, sizeof text))
            continue;
        if (dev == NULL && (dev = cs_exif_member(cx, cx->rec, "device", JSON_OBJECT)) == NULL)
            return;
        cs_exif_set(cx, dev, fields[i].key, json_string(text));
    }
}

/* The JPEG frame is what a decoder shows; PixelX/YDimension is what the camera wrote before
 * any later edit, so it only stands in when there is no frame header. */
static void
image(cs_exif_ctx_t *cx, ExifData *ed)
{
    unsigned long w = 0, h = 0, orient = 0;
    int have_size = 0, have_orient = 0;
    json_t *img;

    if (cx->width > 0 && cx->height > 0) {
        w = (unsigned long)cx->width;
        h = (unsigned long)cx->height;
        have_size = 1;
    } else if (entry_uint(ed, find(ed, EXIF_IFD_EXIF, EXIF_TAG_PIXEL_X_DIMENSION), &w) &&
               entry_uint(ed, find(ed, EXIF_IFD_EXIF, EXIF_TAG_PIXEL_Y_DIMENSION), &h) && w > 0 &&
               h > 0) {
        have_size = 1;
    }
    ExifEntry *e = find(ed, EXIF_IFD_0, EXIF_TAG_ORIENTATION);
    if (e != NULL) {
        if (!entry_uint(ed, e, &orient))
            cs_exif_note(cx, "IFD0:Orientation is not a number");
        else if (orient < 1 || orient > 8)
            cs_exif_note(cx, "IFD0:Orientation %lu is not one of 1..8", orient);
        else
            have_orient = 1;
    }
    if (!have_size && !have_orient)
        return;
    if ((img = cs_exif_member(cx, cx->rec, "image", JSON_OBJECT)) == NULL)
        return;
    if (have_size) {
        cs_exif_set(cx, img, "width", json_integer((json_int_t)w));
        cs_exif_set(cx, img, "height", json_integer((json_int_t)h));
    }
    if (have_orient)
        cs_exif_set(cx, img, "orientation", json_integer((json_int_t)orient));
}

/* Up to three rationals (degrees, minutes, seconds) summed into degrees, as ExifTool does. A
 * zero denominator makes the whole value unusable (ExifTool ignores it too). */
static int
gps_rationals(cs_exif_ctx_t *cx, ExifData *ed, const ExifEntry *e, const char *what,
              unsigned long max, double *out)
{
    ExifByteOrder o = exif_data_get_byte_order(ed);
    double v = 0, scale = 1;
    unsigned long n;

    if (e->format != EXIF_FORMAT_RATIONAL || !holds(e, 1)) {
        cs_exif_note(cx, "GPS:%s is a %s of %lu, not rationals", what,
                     exif_format_get_name(e->format), e->components);
        return 0;
    }
    n = e->components < max ? e->components : max;
    if (e->size / 8 < n)
        n = e->size / 8;
    for (unsigned long i = 0; i < n; i++, scale *= 60) {
        ExifRational r = exif_get_rational(e->data + 8 * i, o);
        if (r.denominator == 0) {
            cs_exif_note(cx, "GPS:%s has a zero denominator: ignored", what);
            return 0;
        }
        v += (double)r.numerator / r.denominator / scale;
    }
    *out = v;
    return 1;
}

/* The first letter of a Ref entry, or 0. */
static char
gps_ref(cs_exif_ctx_t *cx, ExifData *ed, unsigned tag, const char *what)
{
    char text[16];
    return entry_text(cx, find(ed, EXIF_IFD_GPS, tag), what, text, sizeof text) ? text[0] : 0;
}

static int
gps_coord(cs_exif_ctx_t *cx, ExifData *ed, unsigned tag, unsigned ref_tag, const char *what,
          const char *refs, double limit, double *out)
{
    char what_ref[32];
    ExifEntry *e = find(ed, EXIF_IFD_GPS, tag);
    char ref;

    if (e == NULL || !gps_rationals(cx, ed, e, what, 3, out))
        return 0;
    /* fits: `what` is one of this file's own names ("Latitude", "Longitude"), in 32 */
    snprintf(what_ref, sizeof what_ref, "GPS:%sRef", what);
    ref = gps_ref(cx, ed, ref_tag, what_ref);
    if (ref == refs[1] || ref == refs[1] + ('a' - 'A'))
        *out = -*out;
    else if (ref != refs[0] && ref != refs[0] + ('a' - 'A')) {
        /* Without N/S or E/W the sign is a guess: a wrong hemisphere is worse than none. */
        cs_exif_note(cx, "GPS:%s has no %c/%c reference: position left out", what, refs[0],
                     refs[1]);
        return 0;
    }
    if (!(fabs(*out) <= limit)) {
        cs_exif_note(cx, "GPS:%s %.6f is out of range", what, *out);
        return 0;
    }
    return 1;
}

static void
gps(cs_exif_ctx_t *cx, ExifData *ed)
{
    ExifContent *c = ed->ifd[EXIF_IFD_GPS];
    double lat, lon, alt;
    unsigned long ref = 0;
    json_t *g;

    if (c == NULL || c->count == 0)
        return;
    if (find(ed, EXIF_IFD_GPS, EXIF_TAG_GPS_LATITUDE) == NULL ||
        find(ed, EXIF_IFD_GPS, EXIF_TAG_GPS_LONGITUDE) == NULL) {
        cs_exif_note(cx, "the GPS IFD has no coordinates");
        return;
    }
    if (!gps_coord(cx, ed, EXIF_TAG_GPS_LATITUDE, EXIF_TAG_GPS_LATITUDE_REF, "Latitude", "NS", 90,
                   &lat) ||
        !gps_coord(cx, ed, EXIF_TAG_GPS_LONGITUDE, EXIF_TAG_GPS_LONGITUDE_REF, "Longitude", "EW",
                   180, &lon))
        return;
    if ((g = cs_exif_member(cx, cx->rec, "gps", JSON_OBJECT)) == NULL)
        return;
    cs_exif_set(cx, g, "lat", json_real(lat));
    cs_exif_set(cx, g, "lon", json_real(lon));
    ExifEntry *e = find(ed, EXIF_IFD_GPS, EXIF_TAG_GPS_ALTITUDE);
    if (e != NULL && gps_rationals(cx, ed, e, "Altitude", 1, &alt)) {
        /* AltitudeRef 1 is below sea level; absent or 0 is above. */
        entry_uint(ed, find(ed, EXIF_IFD_GPS, EXIF_TAG_GPS_ALTITUDE_REF), &ref);
        cs_exif_set(cx, g, "alt", json_real(ref == 1 ? -alt : alt));
    }
    cs_exif_set(cx, g, "source", json_string("exif:GPS"));
    if (lat == 0 && lon == 0) {
        /* 0,0 is in the Gulf of Guinea: far more often a receiver without a fix. */
        cs_exif_set(cx, g, "suspect", json_true());
        cs_exif_note(cx, "GPS position is 0,0: a receiver without a fix, most likely");
    }
}

static int
digits(const char *s, int n, int *v)
{
    *v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        *v = *v * 10 + (s[i] - '0');
    }
    return 1;
}

/* "YYYY:MM:DD HH:MM:SS" into "YYYY-MM-DDTHH:MM:SS". Returns 1, 0 for "no date" (blanks or
 * zeros, as the EXIF spec allows for an unknown time), or -1 for text that is not a date. */
static int
parse_date(const char *s, char out[20])
{
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y, mo, d, h, mi, sec;

    if (strspn(s, " :0") == strlen(s))
        return 0;
    if (strlen(s) != 19 || s[4] != ':' || s[7] != ':' || s[10] != ' ' || s[13] != ':' ||
        s[16] != ':' || !digits(s, 4, &y) || !digits(s + 5, 2, &mo) || !digits(s + 8, 2, &d) ||
        !digits(s + 11, 2, &h) || !digits(s + 14, 2, &mi) || !digits(s + 17, 2, &sec))
        return -1;
    if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || sec > 59)
        return -1;
    if (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
        return -1;
    /* fits: 19 characters of fixed widths, in 20 */
    snprintf(out, 20, "%.4s-%.2s-%.2sT%.2s:%.2s:%.2s", s, s + 5, s + 8, s + 11, s + 14, s + 17);
    return 1;
}

/* "+08:00" / "-05:00" as written; anything else is not an offset. */
static int
valid_offset(const char *s)
{
    int h, m;
    return strlen(s) == 6 && (s[0] == '+' || s[0] == '-') && s[3] == ':' && digits(s + 1, 2, &h) &&
           digits(s + 4, 2, &m) && h <= 23 && m <= 59;
}

static void
time_candidates(cs_exif_ctx_t *cx, ExifData *ed)
{
    static const struct {
        const char *source, *what, *off_what, *sub_what;
        ExifIfd ifd;
        unsigned tag, offset_tag, subsec_tag; /* the last two always in the EXIF IFD */
    } dates[] = {
        {"exif:DateTimeOriginal", "ExifIFD:DateTimeOriginal", "ExifIFD:OffsetTimeOriginal",
         "ExifIFD:SubSecTimeOriginal", EXIF_IFD_EXIF, EXIF_TAG_DATE_TIME_ORIGINAL,
         TAG_OFFSET_TIME_ORIGINAL, EXIF_TAG_SUB_SEC_TIME_ORIGINAL},
        {"exif:CreateDate", "ExifIFD:CreateDate", "ExifIFD:OffsetTimeDigitized",
         "ExifIFD:SubSecTimeDigitized", EXIF_IFD_EXIF, EXIF_TAG_DATE_TIME_DIGITIZED,
         TAG_OFFSET_TIME_DIGITIZED, EXIF_TAG_SUB_SEC_TIME_DIGITIZED},
        {"exif:ModifyDate", "IFD0:ModifyDate", "ExifIFD:OffsetTime", "ExifIFD:SubSecTime",
         EXIF_IFD_0, EXIF_TAG_DATE_TIME, TAG_OFFSET_TIME, EXIF_TAG_SUB_SEC_TIME},
    };
    char text[64], quoted[96], local[20];
    json_t *list = NULL;

    for (size_t i = 0; i < sizeof dates / sizeof dates[0]; i++) {
        ExifEntry *e = find(ed, dates[i].ifd, dates[i].tag);
        int r;

        if (e == NULL)
            continue;
        size_t noted = json_array_size(cx->errors);
        if (!entry_text(cx, e, dates[i].what, text, sizeof text)) {
            if (json_array_size(cx->errors) != noted)
                continue; /* not text at all: already said so */
            text[0] = '\0';
        }
        if ((r = parse_date(text, local)) <= 0) {
            cs_utf8_quote(quoted, sizeof quoted, text, strlen(text), 1);
            cs_exif_note(cx, r == 0 ? "%s \"%s\" is no date" : "%s \"%s\" is not a date",
                         dates[i].what, quoted);
            continue;
        }
        json_t *cand = json_object();
        if (list == NULL &&
            (list = cs_exif_member(cx, cx->rec, "time_candidates", JSON_ARRAY)) == NULL) {
            json_decref(cand);
            return;
        }
        if (cand == NULL || json_array_append_new(list, cand) != 0) {
            cx->oom = 1;
            return;
        }
        cs_exif_set(cx, cand, "source", json_string(dates[i].source));
        cs_exif_set(cx, cand, "local", json_string(local));

        json_t *offset = json_null();
        if (entry_text(cx, find(ed, EXIF_IFD_EXIF, dates[i].offset_tag), dates[i].off_what, text,
                       sizeof text) &&
            strspn(text, " :") != strlen(text)) {
            if (valid_offset(text)) {
                offset = json_string(text);
            } else {
                cs_utf8_quote(quoted, sizeof quoted, text, strlen(text), 1);
                cs_exif_note(cx, "%s \"%s\" is not an offset", dates[i].off_what, quoted);
            }
        }
        cs_exif_set(cx, cand, "offset", offset);

        json_t *subsec = json_null();
        if (entry_text(cx, find(ed, EXIF_IFD_EXIF, dates[i].subsec_tag), dates[i].sub_what, text,
                       sizeof text)) {
            size_t lead = strspn(text, " "), n = strspn(text + lead, "0123456789");
            if (n > 0 && n <= 9 && text[lead + n] == '\0') {
                subsec = json_string(text + lead);
            } else {
                cs_utf8_quote(quoted, sizeof quoted, text, strlen(text), 1);
                cs_exif_note(cx, "%s \"%s\" is not a fraction of a second", dates[i].sub_what,
                             quoted);
            }
        }
        cs_exif_set(cx, cand, "subsec", subsec);
    }
}

/* GPSDateStamp ("YYYY:MM:DD") and GPSTimeStamp (three rationals) as a UTC candidate, which
 * captime uses for the offset of a wall time that has none (whole seconds: a fraction of the
 * receiver's second says nothing about the shutter). */
static void
gps_time(cs_exif_ctx_t *cx, ExifData *ed)
{
    ExifEntry *de = find(ed, EXIF_IFD_GPS, EXIF_TAG_GPS_DATE_STAMP);
    ExifEntry *te = find(ed, EXIF_IFD_GPS, EXIF_TAG_GPS_TIME_STAMP);
    ExifByteOrder o = exif_data_get_byte_order(ed);
    char date[32], text[32], utc[24];
    unsigned hms[3];
    json_t *list, *cand;

    if (de == NULL || te == NULL || !entry_text(cx, de, "GPS:GPSDateStamp", date, sizeof date))
        return;
    if (te->format != EXIF_FORMAT_RATIONAL || te->components != 3 || te->size < 24) {
        cs_exif_note(cx, "GPS:GPSTimeStamp is not three rationals: ignored");
        return;
    }
    for (int i = 0; i < 3; i++) {
        ExifRational r = exif_get_rational(te->data + 8 * i, o);
        if (r.denominator == 0 || r.numerator / r.denominator > 60) {
            cs_exif_note(cx, "GPS:GPSTimeStamp is not a time of day: ignored");
            return;
        }
        hms[i] = r.numerator / r.denominator;
    }
    /* fits: the date is checked below to be 10 characters; the parts are at most 60 */
    snprintf(text, sizeof text, "%.10s %02u:%02u:%02u", date, hms[0], hms[1], hms[2]);
    if (strlen(date) != 10 || parse_date(text, utc) <= 0) {
        cs_exif_note(cx, "GPS:GPSDateStamp and GPSTimeStamp are not a date and time: ignored");
        return;
    }
    strcat(utc, "Z"); /* fits: 19 characters and Z, in 24 */
    if ((list = cs_exif_member(cx, cx->rec, "time_candidates", JSON_ARRAY)) == NULL)
        return;
    if ((cand = json_pack("{s:s, s:s}", "source", "exif:GPSDateTime", "utc", utc)) == NULL ||
        json_array_append_new(list, cand) != 0)
        cx->oom = 1;
}

void
cs_exif_fields(cs_exif_ctx_t *cx, ExifData *ed)
{
    image(cx, ed);
    if (ed == NULL)
        return;
    device(cx, ed);
    gps(cx, ed);
    time_candidates(cx, ed);
    gps_time(cx, ed);
}
