/* tests/media/test_exif.c: EXIF from crafted JPEGs (built here byte by byte: SOI, an APP1
 * with a little-endian TIFF, SOF0, EOI) and from mutated photos of tests/data; the wide run
 * (`corpus`): every JPEG of the corpus against ExifTool (the oracle), and every corpus file,
 * hostile ones included, without a crash. */
#include "media/exif.h"

#include "core/error.h"
#include "tests/support/corpus.h"
#include "tests/support/testutil.h"

#include <check.h>
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- building a JPEG ---------------------------------------------------------------- */

typedef struct ent {
    uint16_t tag, type; /* TIFF types: 1 BYTE, 2 ASCII, 3 SHORT, 4 LONG, 5 RATIONAL */
    uint32_t count;
    const void *data;
    size_t len;
} ent_t;

typedef struct buf {
    unsigned char b[8192];
    size_t n;
} buf_t;

static void
put(buf_t *t, const void *p, size_t n)
{
    ck_assert_uint_le(t->n + n, sizeof t->b);
    memcpy(t->b + t->n, p, n);
    t->n += n;
}

static void
put16(buf_t *t, unsigned v)
{
    unsigned char b[2] = {v & 0xff, v >> 8 & 0xff};
    put(t, b, 2);
}

static void
put32(buf_t *t, uint32_t v)
{
    unsigned char b[4] = {v & 0xff, v >> 8 & 0xff, v >> 16 & 0xff, v >> 24};
    put(t, b, 4);
}

/* Writes one IFD (entries in the order given, values over 4 bytes right after it); returns
 * its offset in the TIFF. */
static uint32_t
put_ifd(buf_t *t, const ent_t *e, size_t n)
{
    uint32_t at = (uint32_t)t->n, data = at + 2 + 12 * (uint32_t)n + 4;
    put16(t, (unsigned)n);
    for (size_t i = 0; i < n; i++) {
        put16(t, e[i].tag);
        put16(t, e[i].type);
        put32(t, e[i].count);
        if (e[i].len <= 4) {
            unsigned char v[4] = {0};
            memcpy(v, e[i].data, e[i].len);
            put(t, v, 4);
        } else {
            put32(t, data);
            data += (uint32_t)(e[i].len + (e[i].len & 1));
        }
    }
    put32(t, 0);
    for (size_t i = 0; i < n; i++) {
        if (e[i].len > 4) {
            put(t, e[i].data, e[i].len);
            if (e[i].len & 1)
                put(t, "", 1);
        }
    }
    return at;
}

typedef struct exif_case {
    const char *name;
    /* what the file holds */
    int no_exif;      /* a JPEG without APP1 */
    size_t cut;       /* the file ends this many bytes into the APP1 payload (0: whole) */
    const char *make; /* IFD0 Make, bytes up to make_len */
    size_t make_len;
    int orientation;         /* 0: none */
    int gps;                 /* write a GPS IFD */
    uint32_t lat[6], lon[6]; /* num/den pairs: degrees, minutes, seconds */
    const char *lat_ref, *lon_ref;
    uint32_t alt[2];  /* {0, 0}: none */
    int alt_ref;      /* -1: none */
    const char *date; /* DateTimeOriginal */
    const char *offset, *subsec;
    /* what the record must say */
    const char *want_make;
    int want_orientation; /* 0: absent */
    int want_gps;
    double want_lat, want_lon;
    int want_alt;
    double alt_m;
    int want_suspect;
    const char *want_local; /* NULL: no DateTimeOriginal candidate */
    const char *want_offset, *want_subsec;
    const char *want_error; /* a substring of one errors entry, or NULL */
} exif_case_t;

#define SOF_W 64
#define SOF_H 48

static void
build_jpeg(const exif_case_t *c, buf_t *out)
{
    buf_t t = {.n = 0};
    ent_t ifd0[4], exif[3], gps[6];
    size_t n0 = 0, ne = 0, ng = 0;
    unsigned char orient[2] = {(unsigned char)c->orientation, 0};
    unsigned char lat[24], lon[24], alt[8], altref = (unsigned char)c->alt_ref;
    unsigned char ptr_exif[4], ptr_gps[4];

    for (int i = 0; i < 6; i++) {
        for (int k = 0; k < 4; k++) {
            lat[4 * i + k] = (unsigned char)(c->lat[i] >> 8 * k);
            lon[4 * i + k] = (unsigned char)(c->lon[i] >> 8 * k);
            if (i < 2)
                alt[4 * i + k] = (unsigned char)(c->alt[i] >> 8 * k);
        }
    }
    put(&t, "II*\0\0\0\0\0", 8); /* IFD0's offset patched below: sub-IFDs are written first */
    if (c->date != NULL)
        exif[ne++] =
            (ent_t){0x9003, 2, (uint32_t)strlen(c->date) + 1, c->date, strlen(c->date) + 1};
    if (c->offset != NULL)
        exif[ne++] =
            (ent_t){0x9011, 2, (uint32_t)strlen(c->offset) + 1, c->offset, strlen(c->offset) + 1};
    if (c->subsec != NULL)
        exif[ne++] =
            (ent_t){0x9291, 2, (uint32_t)strlen(c->subsec) + 1, c->subsec, strlen(c->subsec) + 1};
    uint32_t exif_at = ne ? put_ifd(&t, exif, ne) : 0;
    if (c->gps) {
        if (c->lat_ref != NULL)
            gps[ng++] = (ent_t){1, 2, 2, c->lat_ref, 2};
        if (c->lat[1] != 0 || c->lat[0] != 0 || c->lat_ref != NULL)
            gps[ng++] = (ent_t){2, 5, 3, lat, 24};
        if (c->lon_ref != NULL)
            gps[ng++] = (ent_t){3, 2, 2, c->lon_ref, 2};
        if (c->lon[1] != 0 || c->lon[0] != 0 || c->lon_ref != NULL)
            gps[ng++] = (ent_t){4, 5, 3, lon, 24};
        if (c->alt_ref >= 0)
            gps[ng++] = (ent_t){5, 1, 1, &altref, 1};
        if (c->alt[1] != 0 || c->alt[0] != 0)
            gps[ng++] = (ent_t){6, 5, 1, alt, 8};
    }
    uint32_t gps_at = c->gps ? put_ifd(&t, gps, ng) : 0;
    if (c->make != NULL)
        ifd0[n0++] = (ent_t){0x010f, 2, (uint32_t)c->make_len, c->make, c->make_len};
    if (c->orientation)
        ifd0[n0++] = (ent_t){0x0112, 3, 1, orient, 2};
    for (int k = 0; k < 4; k++) {
        ptr_exif[k] = (unsigned char)(exif_at >> 8 * k);
        ptr_gps[k] = (unsigned char)(gps_at >> 8 * k);
    }
    if (exif_at)
        ifd0[n0++] = (ent_t){0x8769, 4, 1, ptr_exif, 4};
    if (gps_at)
        ifd0[n0++] = (ent_t){0x8825, 4, 1, ptr_gps, 4};
    uint32_t ifd0_at = put_ifd(&t, ifd0, n0);
    for (int k = 0; k < 4; k++)
        t.b[4 + k] = (unsigned char)(ifd0_at >> 8 * k);

    out->n = 0;
    put(out, "\xff\xd8", 2);
    if (!c->no_exif) {
        put(out, "\xff\xe1", 2);
        out->b[out->n++] = (unsigned char)((t.n + 8) >> 8);
        out->b[out->n++] = (unsigned char)(t.n + 8);
        put(out, "Exif\0\0", 6);
        put(out, t.b, t.n);
        if (c->cut) {
            ck_assert_uint_lt(c->cut, t.n + 6);
            out->n = 6 + c->cut; /* the file ends inside the segment */
            return;
        }
    }
    put(out, "\xff\xc0\x00\x11\x08", 5);
    unsigned char dims[4] = {SOF_H >> 8, SOF_H & 0xff, SOF_W >> 8, SOF_W & 0xff};
    put(out, dims, 4);
    put(out, "\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01", 10);
    put(out, "\xff\xd9", 2);
}

#define ASCII(s) s, sizeof s
#define R3(a, b, c, d, e, f)                                                                       \
    {                                                                                              \
        a, b, c, d, e, f                                                                           \
    }

static const exif_case_t cases[] = {
    {.name = "no EXIF", .no_exif = 1, .want_error = "no EXIF"},
    {.name = "truncated APP1",
     .make = ASCII("Canon"),
     .date = "2023:11:03 10:15:00",
     .cut = 40,
     .want_error = "cut short"},
    {.name = "make, orientation, date with offset and subsec",
     .make = ASCII("Canon"),
     .orientation = 6,
     .date = "2023:11:03 10:15:00",
     .offset = "+08:00",
     .subsec = "123",
     .want_make = "Canon",
     .want_orientation = 6,
     .want_local = "2023-11-03T10:15:00",
     .want_offset = "+08:00",
     .want_subsec = "123"},
    {.name = "date without offset",
     .date = "2020:02:29 23:59:59",
     .want_local = "2020-02-29T23:59:59"},
    {.name = "bad date",
     .date = "2023:13:45 99:00:00",
     .want_error = "\"2023:13:45 99:00:00\" is not a date"},
    {.name = "29 February of a common year",
     .date = "2023:02:29 10:00:00",
     .want_error = "is not a date"},
    {.name = "zero date", .date = "0000:00:00 00:00:00", .want_error = "is no date"},
    {.name = "blank date", .date = "    :  :     :  :  ", .want_error = "is no date"},
    {.name = "bad offset",
     .date = "2023:11:03 10:15:00",
     .offset = "+8h",
     .want_local = "2023-11-03T10:15:00",
     .want_error = "is not an offset"},
    {.name = "invalid UTF-8 and control characters in Make",
     .make = "Ca\xffnon\x01 \0\0",
     .make_len = 10,
     .want_make = "Ca\xef\xbf\xbdnon"},
    {.name = "Make of spaces only", .make = ASCII("    ")},
    {.name = "orientation out of range", .orientation = 9, .want_error = "not one of 1..8"},
    {.name = "GPS north-east with altitude",
     .gps = 1,
     .lat = R3(43, 1, 28, 1, 612, 100),
     .lat_ref = "N",
     .lon = R3(11, 1, 52, 1, 5400, 100),
     .lon_ref = "E",
     .alt = {1234, 10},
     .alt_ref = 0,
     .want_gps = 1,
     .want_lat = 43.0 + 28.0 / 60 + 6.12 / 3600,
     .want_lon = 11.0 + 52.0 / 60 + 54.0 / 3600,
     .want_alt = 1,
     .alt_m = 123.4},
    {.name = "GPS south-west is negative",
     .gps = 1,
     .lat = R3(33, 1, 52, 1, 0, 1),
     .lat_ref = "S",
     .lon = R3(151, 1, 12, 1, 36, 1),
     .lon_ref = "W",
     .alt_ref = -1,
     .want_gps = 1,
     .want_lat = -(33.0 + 52.0 / 60),
     .want_lon = -(151.0 + 12.0 / 60 + 36.0 / 3600)},
    {.name = "GPS below sea level",
     .gps = 1,
     .lat = R3(31, 1, 30, 1, 0, 1),
     .lat_ref = "N",
     .lon = R3(35, 1, 28, 1, 0, 1),
     .lon_ref = "E",
     .alt = {4300, 10},
     .alt_ref = 1,
     .want_gps = 1,
     .want_lat = 31.5,
     .want_lon = 35.0 + 28.0 / 60,
     .want_alt = 1,
     .alt_m = -430.0},
    {.name = "GPS zero denominator",
     .gps = 1,
     .lat = R3(43, 1, 28, 0, 0, 1),
     .lat_ref = "N",
     .lon = R3(11, 1, 52, 1, 0, 1),
     .lon_ref = "E",
     .alt_ref = -1,
     .want_error = "zero denominator"},
    {.name = "GPS altitude with a zero denominator",
     .gps = 1,
     .lat = R3(1, 1, 0, 1, 0, 1),
     .lat_ref = "N",
     .lon = R3(2, 1, 0, 1, 0, 1),
     .lon_ref = "E",
     .alt = {5, 0},
     .alt_ref = 0,
     .want_gps = 1,
     .want_lat = 1,
     .want_lon = 2,
     .want_error = "GPS:Altitude has a zero denominator"},
    {.name = "GPS 0,0 is suspect",
     .gps = 1,
     .lat = R3(0, 1, 0, 1, 0, 1),
     .lat_ref = "N",
     .lon = R3(0, 1, 0, 1, 0, 1),
     .lon_ref = "E",
     .alt_ref = -1,
     .want_gps = 1,
     .want_suspect = 1,
     .want_error = "0,0"},
    {.name = "GPS without a hemisphere",
     .gps = 1,
     .lat = R3(10, 1, 0, 1, 0, 1),
     .lon = R3(20, 1, 0, 1, 0, 1),
     .alt_ref = -1,
     .want_error = "no N/S reference"},
    {.name = "GPS IFD without coordinates",
     .gps = 1,
     .alt = {10, 1},
     .alt_ref = 0,
     .want_error = "no coordinates"},
};

static int
has_error(const json_t *rec, const char *want)
{
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(rec, "errors"), i, e)
    {
        if (strstr(json_string_value(e), want) != NULL)
            return 1;
    }
    return 0;
}

START_TEST(test_crafted)
{
    const exif_case_t *c = &cases[_i];
    char *dir = cs_test_tmpdir(), path[4200];
    buf_t jpeg;
    json_t *rec = json_object(), *cand = NULL, *list, *g, *img;
    size_t i;

    build_jpeg(c, &jpeg);
    snprintf(path, sizeof path, "%s/case.jpg", dir);
    cs_test_write(path, jpeg.b, jpeg.n);
    ck_assert_int_eq(cs_exif_read(path, rec), 0);
    char *dump = json_dumps(rec, JSON_SORT_KEYS);
    ck_assert_ptr_nonnull(dump); /* valid UTF-8 throughout, or jansson would have refused */

    const char *make = json_string_value(json_object_get(json_object_get(rec, "device"), "make"));
    if (c->want_make == NULL)
        ck_assert_msg(make == NULL, "%s: make %s in %s", c->name, make, dump);
    else
        ck_assert_msg(make != NULL && strcmp(make, c->want_make) == 0, "%s: %s", c->name, dump);

    img = json_object_get(rec, "image");
    if (c->cut == 0) {
        ck_assert_int_eq(json_integer_value(json_object_get(img, "width")), SOF_W);
        ck_assert_int_eq(json_integer_value(json_object_get(img, "height")), SOF_H);
    }
    ck_assert_int_eq(json_integer_value(json_object_get(img, "orientation")), c->want_orientation);

    g = json_object_get(rec, "gps");
    ck_assert_msg((g != NULL) == c->want_gps, "%s: %s", c->name, dump);
    if (g != NULL) {
        ck_assert_double_eq_tol(json_real_value(json_object_get(g, "lat")), c->want_lat, 1e-9);
        ck_assert_double_eq_tol(json_real_value(json_object_get(g, "lon")), c->want_lon, 1e-9);
        ck_assert_str_eq(json_string_value(json_object_get(g, "source")), "exif:GPS");
        ck_assert_int_eq(json_object_get(g, "alt") != NULL, c->want_alt);
        if (c->want_alt)
            ck_assert_double_eq_tol(json_real_value(json_object_get(g, "alt")), c->alt_m, 1e-9);
        ck_assert_int_eq(json_is_true(json_object_get(g, "suspect")), c->want_suspect);
    }

    list = json_object_get(rec, "time_candidates");
    json_array_foreach(list, i, g)
    {
        if (strcmp(json_string_value(json_object_get(g, "source")), "exif:DateTimeOriginal") == 0)
            cand = g;
    }
    ck_assert_msg((cand != NULL) == (c->want_local != NULL), "%s: %s", c->name, dump);
    if (cand != NULL) {
        json_t *off = json_object_get(cand, "offset"), *sub = json_object_get(cand, "subsec");
        ck_assert_str_eq(json_string_value(json_object_get(cand, "local")), c->want_local);
        ck_assert(off != NULL && sub != NULL); /* present, null when unknown */
        ck_assert_msg(c->want_offset ? json_is_string(off) &&
                                           strcmp(json_string_value(off), c->want_offset) == 0
                                     : json_is_null(off),
                      "%s: %s", c->name, dump);
        ck_assert_msg(c->want_subsec ? json_is_string(sub) &&
                                           strcmp(json_string_value(sub), c->want_subsec) == 0
                                     : json_is_null(sub),
                      "%s: %s", c->name, dump);
    }
    if (c->want_error != NULL)
        ck_assert_msg(has_error(rec, c->want_error), "%s: no error with \"%s\" in %s", c->name,
                      c->want_error, dump);
    if (c->make != NULL && c->cut == 0)
        ck_assert_ptr_nonnull(
            json_object_get(json_object_get(json_object_get(rec, "raw"), "exif"), "IFD0:Make"));

    /* Cut anywhere, the same file is read without a crash (ASan watches this). */
    for (size_t n = 0; n < jpeg.n; n++) {
        json_t *r = json_object();
        cs_test_write(path, jpeg.b, n);
        ck_assert_int_eq(cs_exif_read(path, r), 0);
        json_decref(r);
    }
    free(dump);
    json_decref(rec);
    cs_test_rmrf(dir);
    free(dir);
}
END_TEST

START_TEST(test_cannot_open)
{
    json_t *rec = json_object();
    ck_assert_int_eq(cs_exif_read("/nonexistent/custody/photo.jpg", rec), CS_ENOENT);
    ck_assert_int_eq(cs_exif_read(NULL, rec), CS_EINVAL);
    json_decref(rec);
}
END_TEST

/* ---- the corpus against ExifTool ---------------------------------------------------- */

enum { F_DATE, F_LAT, F_LON, F_MAKE, F_MODEL, F_WIDTH, F_HEIGHT, F_ORIENT, F_COUNT };

static const char *const field_names[F_COUNT] = {
    "DateTimeOriginal", "GPSLatitude", "GPSLongitude", "Make", "Model",
    "ImageWidth",       "ImageHeight", "Orientation",
};

static const char *const oracle_keys[F_COUNT] = {
    "ExifIFD:DateTimeOriginal",
    "Composite:GPSLatitude",
    "Composite:GPSLongitude",
    "IFD0:Make",
    "IFD0:Model",
    "File:ImageWidth",
    "File:ImageHeight",
    "IFD0:Orientation",
};

/* The value as comparable text: strings trimmed, numbers printed; "" when absent. */
static void
as_text(const json_t *v, char *dst, size_t cap)
{
    const char *s;
    size_t n;

    dst[0] = '\0';
    if (json_is_integer(v)) {
        snprintf(dst, cap, "%lld", (long long)json_integer_value(v));
    } else if (json_is_real(v)) {
        snprintf(dst, cap, "%.7f", json_real_value(v));
    } else if ((s = json_string_value(v)) != NULL) {
        while (*s == ' ')
            s++;
        n = strlen(s);
        while (n > 0 && s[n - 1] == ' ')
            n--;
        snprintf(dst, cap, "%.*s", (int)n, s);
    }
}

static const json_t *
our_value(const json_t *rec, int field)
{
    const json_t *g = json_object_get(rec, "gps"), *img = json_object_get(rec, "image");
    const json_t *dev = json_object_get(rec, "device"), *c;
    size_t i;

    switch (field) {
    case F_DATE:
        json_array_foreach(json_object_get(rec, "time_candidates"), i, c)
        {
            const char *src = json_string_value(json_object_get(c, "source"));
            if (src != NULL && strcmp(src, "exif:DateTimeOriginal") == 0)
                return json_object_get(c, "local");
        }
        return NULL;
    case F_LAT:
        return json_object_get(g, "lat");
    case F_LON:
        return json_object_get(g, "lon");
    case F_MAKE:
        return json_object_get(dev, "make");
    case F_MODEL:
        return json_object_get(dev, "model");
    case F_WIDTH:
        return json_object_get(img, "width");
    case F_HEIGHT:
        return json_object_get(img, "height");
    default:
        return json_object_get(img, "orientation");
    }
}

/* 1 when ours agrees with the oracle's value `want` (present, not empty). */
static int
agrees(int field, const json_t *ours, const json_t *want, char *o, char *w, size_t cap)
{
    as_text(ours, o, cap);
    as_text(want, w, cap);
    if (field == F_DATE) {
        /* ExifTool prints the EXIF text; a zero date is "no date" to us. */
        char iso[32];
        if (strcmp(w, "0000:00:00 00:00:00") == 0)
            return ours == NULL;
        if (strlen(w) < 19)
            return 0;
        snprintf(iso, sizeof iso, "%.4s-%.2s-%.2sT%.2s:%.2s:%.2s", w, w + 5, w + 8, w + 11, w + 14,
                 w + 17);
        return ours != NULL && strcmp(o, iso) == 0;
    }
    if (field == F_LAT || field == F_LON)
        return json_is_number(ours) && json_is_number(want) &&
               fabs(json_number_value(ours) - json_number_value(want)) <= 1e-5;
    return ours != NULL && strcmp(o, w) == 0;
}

START_TEST(test_corpus_against_exiftool)
{
    char path[4096], o[512], w[512];
    json_error_t jerr;
    size_t i, have[F_COUNT] = {0}, agree[F_COUNT] = {0}, files = 0, all_have = 0, all_agree = 0;
    json_t *entry;

    snprintf(path, sizeof path, "%s/exiftool.json", CUSTODY_CORPUS);
    json_t *oracle = json_load_file(path, 0, &jerr);
    ck_assert_msg(oracle != NULL, "%s: %s", path, jerr.text);

    json_array_foreach(oracle, i, entry)
    {
        const char *src = json_string_value(json_object_get(entry, "SourceFile"));
        const char *type = json_string_value(json_object_get(entry, "File:FileType"));
        if (type == NULL || (strcmp(type, "JPEG") != 0 && strcmp(type, "TIFF") != 0))
            continue;
        ck_assert(src != NULL && strncmp(src, "./", 2) == 0);
        snprintf(path, sizeof path, "%s/files/%s", CUSTODY_CORPUS, src + 2);
        json_t *rec = json_object();
        ck_assert_int_eq(cs_exif_read(path, rec), 0);
        files++;
        for (int f = 0; f < F_COUNT; f++) {
            const json_t *want = json_object_get(entry, oracle_keys[f]);
            if (want == NULL || (json_is_string(want) && json_string_length(want) == 0))
                continue; /* ExifTool has no value either ("" is its "unreadable") */
            if ((f == F_WIDTH || f == F_HEIGHT) && strcmp(type, "JPEG") != 0)
                continue;
            have[f]++;
            if (agrees(f, our_value(rec, f), want, o, w, sizeof o))
                agree[f]++;
            else
                printf("exif: %s: %s: ours \"%s\", ExifTool \"%s\"\n", src + 2, field_names[f],
                       our_value(rec, f) ? o : "(none)", w);
        }
        json_decref(rec);
    }
    for (int f = 0; f < F_COUNT; f++) {
        printf("exif: %-16s %3zu of %3zu agree\n", field_names[f], agree[f], have[f]);
        all_have += have[f];
        all_agree += agree[f];
    }
    printf("exif: all fields       %3zu of %3zu agree (%.1f%%) over %zu files\n", all_agree,
           all_have, 100.0 * (double)all_agree / (double)(all_have ? all_have : 1), files);
    ck_assert_uint_ge(files, 100);
    ck_assert_uint_ge(all_have, 400);
    ck_assert_msg(all_agree * 100 >= all_have * 98, "%zu of %zu agree", all_agree, all_have);
    json_decref(oracle);
}
END_TEST

/* Every file of the corpus (the fuzzed, the corrupt, the videos): 0 or a CS_E* code, and a
 * record jansson can print. */
START_TEST(test_corpus_every_file)
{
    char path[4096], line[4096];
    size_t files = 0;

    snprintf(path, sizeof path, "%s/SHA256SUMS", CUSTODY_CORPUS);
    FILE *sums = fopen(path, "r");
    ck_assert_msg(sums != NULL, "cannot open %s", path);
    while (fgets(line, sizeof line, sums) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        const char *name = line + 64;
        while (*name == ' ' || *name == '*')
            name++;
        if (strncmp(name, "./", 2) == 0)
            name += 2;
        snprintf(path, sizeof path, "%s/files/%s", CUSTODY_CORPUS, name);
        json_t *rec = json_object();
        int rc = cs_exif_read(path, rec);
        ck_assert_msg(rc == 0 || (rc > CS_E__FIRST && rc < CS_E__LAST), "%s: %d", name, rc);
        char *dump = json_dumps(rec, 0);
        ck_assert_msg(dump != NULL, "%s", name);
        free(dump);
        json_decref(rec);
        files++;
    }
    fclose(sums);
    ck_assert_uint_ge(files, 178);
}
END_TEST

/* Real photos with a few bytes changed inside their EXIF (a fixed seed, so a failure
 * repeats): libexif and our reads of its entries meet wrong types, counts and offsets. */
START_TEST(test_mutated_photos)
{
    static const char *const photos[] = {
        "exiftool/Canon.jpg", "exiftool/Apple.jpg", "exiftool/GPS.jpg",
        "exiftool/Nikon.jpg", "gps/DSCN0010.jpg",
    };
    char *dir = cs_test_tmpdir(), path[4200];
    unsigned seed = 12345;

    for (size_t p = 0; p < sizeof photos / sizeof photos[0]; p++) {
        size_t len;
        snprintf(path, sizeof path, "%s/%s", CUSTODY_TEST_DATA, photos[p]);
        unsigned char *orig = (unsigned char *)cs_test_read(path, &len);
        ck_assert_msg(orig != NULL && len > 64, "%s", path);
        unsigned char *copy = malloc(len);
        ck_assert_ptr_nonnull(copy);
        size_t span = len < 4096 ? len : 4096; /* the EXIF sits near the start */
        snprintf(path, sizeof path, "%s/mutated.jpg", dir);
        for (int round = 0; round < 200; round++) {
            memcpy(copy, orig, len);
            for (int k = 0; k < 1 + round % 8; k++) {
                seed = seed * 1103515245u + 12345u;
                size_t at = 2 + (seed >> 8) % (span - 2); /* keep SOI: a JPEG still */
                copy[at] = (unsigned char)(seed >> 24);
            }
            cs_test_write(path, copy, len);
            json_t *rec = json_object();
            ck_assert_int_eq(cs_exif_read(path, rec), 0);
            char *dump = json_dumps(rec, 0);
            ck_assert_ptr_nonnull(dump);
            free(dump);
            json_decref(rec);
        }
        free(copy);
        free(orig);
    }
    cs_test_rmrf(dir);
    free(dir);
}
END_TEST

static Suite *
exif_suite(void)
{
    Suite *s = suite_create("exif");
    TCase *tc = tcase_create("exif");
    tcase_add_loop_test(tc, test_crafted, 0, (int)(sizeof cases / sizeof cases[0]));
    tcase_add_test(tc, test_cannot_open);
    tcase_add_test(tc, test_mutated_photos);
    suite_add_tcase(s, tc);
    return s;
}

static Suite *
exif_corpus_suite(void)
{
    Suite *s = suite_create("exif_corpus");
    TCase *tc = tcase_create("corpus");
    tcase_add_test(tc, test_corpus_against_exiftool);
    tcase_add_test(tc, test_corpus_every_file);
    suite_add_tcase(s, tc);
    return s;
}

int
main(int argc, char **argv)
{
    return cs_test_main(argc, argv, exif_suite, exif_corpus_suite);
}
