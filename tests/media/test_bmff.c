/* tests/media/test_bmff.c: what Custody reads of MP4/MOV boxes itself: the 3GPP loci place
 * at full precision (over the 4-decimal ©xyz beside it, in the movie's or a track's user
 * data), XMP dates, make and model (a top-level uuid box or moov/udta/XMP_), Sony's
 * NonRealTimeMeta XML (a top-level meta/'xml ' box), on MP4s made
 * with ffmpeg and given their boxes here; boxes that lie about their size; single XMP values.
 * Expected values are fixed; ExifTool 12.57 reads the same files the same way (GPS to its 5
 * decimals, XMP-exif:DateTimeOriginal, XMP-tiff:Make). */
#include "core/error.h"
#include "indexer/sniff.h"
#include "media/bmff.h"
#include "media/extract.h"
#include "media/xmp.h"
#include "tests/support/testutil.h"

#include <check.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FFMPEG "/usr/bin/ffmpeg"

/* 51.416912 N, 0.080612 W, 31.5 m, as 16.16 fixed point */
#define LAT_FIXED 3369659
#define LON_FIXED (-5283)
#define ALT_FIXED (63 * 32768)

typedef struct {
    unsigned char *p;
    size_t len;
} bytes_t;

static void
put(bytes_t *b, const void *p, size_t n)
{
    ck_assert_ptr_nonnull(b->p = realloc(b->p, b->len + n));
    memcpy(b->p + b->len, p, n);
    b->len += n;
}

static void
put32(bytes_t *b, uint32_t v)
{
    unsigned char x[4] = {v >> 24, v >> 16 & 255, v >> 8 & 255, v & 255};
    put(b, x, 4);
}

static uint32_t
get32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A box: size, type, payload. */
static bytes_t
box(const char *type, const void *payload, size_t n)
{
    bytes_t b = {0};
    put32(&b, (uint32_t)(8 + n));
    put(&b, type, 4);
    put(&b, payload, n);
    return b;
}

static bytes_t
loci_box(void)
{
    bytes_t p = {0};
    put(&p, "\0\0\0\0\x15\xc7", 6); /* version, flags, language "eng" */
    put(&p, "Home", 5);             /* name and its NUL */
    put(&p, "\0", 1);               /* role: shooting */
    put32(&p, (uint32_t)LON_FIXED);
    put32(&p, (uint32_t)LAT_FIXED);
    put32(&p, (uint32_t)ALT_FIXED);
    put(&p, "earth\0\0", 7); /* body, notes */
    bytes_t b = box("loci", p.p, p.len);
    free(p.p);
    return b;
}

static bytes_t
xyz_box(void)
{
    static const char s[] = "+51.4169-000.0806/";
    bytes_t p = {0};
    put(&p, "\0\x12\x15\xc7", 4); /* length, language */
    put(&p, s, sizeof s - 1);
    bytes_t b = box("\xa9xyz", p.p, p.len);
    free(p.p);
    return b;
}

/* Offset of the first box `type` in [start, end) of buf, or -1. */
static long
find(const bytes_t *f, size_t start, size_t end, const char *type)
{
    for (size_t at = start; at + 8 <= end;) {
        uint32_t size = get32(f->p + at);
        ck_assert_uint_ge(size, 8);
        if (memcmp(f->p + at + 4, type, 4) == 0)
            return (long)at;
        at += size;
    }
    return -1;
}

/* Inserts `child` at the end of the box at `path[depth-1]`, growing every box on the path. */
static void
insert(bytes_t *f, const long *path, int depth, const bytes_t *child)
{
    size_t at = (size_t)path[depth - 1] + get32(f->p + path[depth - 1]);
    ck_assert_ptr_nonnull(f->p = realloc(f->p, f->len + child->len));
    memmove(f->p + at + child->len, f->p + at, f->len - at);
    memcpy(f->p + at, child->p, child->len);
    f->len += child->len;
    for (int i = 0; i < depth; i++) {
        uint32_t size = get32(f->p + path[i]) + (uint32_t)child->len;
        unsigned char x[4] = {size >> 24, size >> 16 & 255, size >> 8 & 255, size & 255};
        memcpy(f->p + path[i], x, 4);
    }
}

/* An MP4 made with ffmpeg (its moov after mdat, so that growing moov moves no sample), read
 * into *f; the path of the file in `out`. */
static void
make_mp4(const char *dir, const char *name, bytes_t *f, char *out, size_t size)
{
    snprintf(out, size, "%s/%s", dir, name);
    char *argv[] = {FFMPEG,
                    "-nostdin",
                    "-v",
                    "error",
                    "-y",
                    "-f",
                    "lavfi",
                    "-i",
                    "color=s=64x48:d=0.2",
                    "-c:v",
                    "mpeg4",
                    "-metadata",
                    "creation_time=2019-04-24T20:30:00Z",
                    "-f",
                    "mp4",
                    out,
                    NULL};
    cs_run_t r;
    cs_test_run(&r, NULL, argv);
    ck_assert_msg(r.status == 0, "ffmpeg: %s", r.err);
    cs_test_run_free(&r);
    f->p = (unsigned char *)cs_test_read(out, &f->len);
    long moov = find(f, 0, f->len, "moov");
    ck_assert_int_ge(moov, 0);
    ck_assert_uint_eq((size_t)moov + get32(f->p + moov), f->len); /* the last box */
}

static json_t *
extract(const char *path)
{
    unsigned char head[512];
    ssize_t n = 0;
    json_t *rec = NULL;
    int fd = open(path, O_RDONLY);
    if (fd >= 0) {
        n = read(fd, head, sizeof head);
        close(fd);
    }
    int rc = cs_extract_file(path, cs_sniff_media_type(head, n > 0 ? (size_t)n : 0), NULL, &rec);
    ck_assert_msg(rc == 0, "%s: %s (%s)", path, cs_strerror(rc), cs_diag());
    return rec;
}

static const char *
str(json_t *rec, const char *a, const char *b)
{
    json_t *v = json_object_get(rec, a);
    return json_string_value(b != NULL ? json_object_get(v, b) : v);
}

static double
num(json_t *rec, const char *a, const char *b)
{
    return json_number_value(json_object_get(json_object_get(rec, a), b));
}

/* moov/udta holds ©xyz (4 decimals) and loci: the place is loci's, to the last bit. */
START_TEST(loci_beats_xyz)
{
    char *dir = cs_test_tmpdir(), path[512];
    bytes_t f = {0}, xyz = xyz_box(), loci = loci_box(), kids = {0};
    make_mp4(dir, "loci.mp4", &f, path, sizeof path);
    put(&kids, xyz.p, xyz.len);
    put(&kids, loci.p, loci.len);
    bytes_t udta = box("udta", kids.p, kids.len);
    long moov = find(&f, 0, f.len, "moov");
    insert(&f, &moov, 1, &udta);
    cs_test_write(path, f.p, f.len);

    json_t *rec = extract(path);
    ck_assert_str_eq(str(rec, "gps", "source"), "quicktime:moov/udta/loci");
    ck_assert_double_eq_tol(num(rec, "gps", "lat"), LAT_FIXED / 65536.0, 1e-12);
    ck_assert_double_eq_tol(num(rec, "gps", "lon"), LON_FIXED / 65536.0, 1e-12);
    ck_assert_double_eq_tol(num(rec, "gps", "alt"), 31.5, 1e-12);
    /* ExifTool: Lat=51.41692 Lon=-0.08061 */
    ck_assert_double_le(fabs(num(rec, "gps", "lat") - 51.41692), 5e-6);
    ck_assert_double_le(fabs(num(rec, "gps", "lon") + 0.08061), 5e-6);
    json_decref(rec);
    free(f.p), free(xyz.p), free(loci.p), free(kids.p), free(udta.p);
    cs_test_rmrf(dir);
    free(dir);
}
END_TEST

/* A loci in the video track's user data (no ©xyz anywhere) is read too. */
START_TEST(track_loci)
{
    char *dir = cs_test_tmpdir(), path[512];
    bytes_t f = {0}, loci = loci_box();
    make_mp4(dir, "track.mp4", &f, path, sizeof path);
    bytes_t udta = box("udta", loci.p, loci.len);
    long at[2];
    at[0] = find(&f, 0, f.len, "moov");
    at[1] = find(&f, (size_t)at[0] + 8, (size_t)at[0] + get32(f.p + at[0]), "trak");
    ck_assert_int_gt(at[1], 0);
    insert(&f, at, 2, &udta);
    cs_test_write(path, f.p, f.len);

    json_t *rec = extract(path);
    ck_assert_str_eq(str(rec, "gps", "source"), "quicktime:moov/trak/udta/loci");
    ck_assert_double_eq_tol(num(rec, "gps", "lat"), LAT_FIXED / 65536.0, 1e-12);
    /* the file still plays: its samples did not move */
    ck_assert_double_eq_tol(
        json_number_value(json_object_get(json_object_get(rec, "media"), "duration_s")), 0.2, 0.05);
    json_decref(rec);
    free(f.p), free(loci.p), free(udta.p);
    cs_test_rmrf(dir);
    free(dir);
}
END_TEST

static const char xmp_attrs[] =
    "<?xpacket begin='\xef\xbb\xbf' id='W5M0MpCehiHzreSzNTczkc9d'?>\n"
    "<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF "
    "xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>\n"
    " <rdf:Description rdf:about='' xmlns:xmp='http://ns.adobe.com/xap/1.0/'\n"
    "  xmlns:exif='http://ns.adobe.com/exif/1.0/' xmlns:tiff='http://ns.adobe.com/tiff/1.0/'\n"
    "  xmp:CreateDate='2019-04-24T22:24:00+02:00'\n"
    "  exif:DateTimeOriginal=\"2019-04-24T22:23:59.50+02:00\"\n"
    "  tiff:Make='GoPro' tiff:Model='HERO7 Black'/>\n"
    "</rdf:RDF></x:xmpmeta>\n<?xpacket end='w'?>";

static const char xmp_elements[] =
    "<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF "
    "xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>"
    "<rdf:Description rdf:about='' xmlns:photoshop='http://ns.adobe.com/photoshop/1.0/' "
    "xmlns:tiff='http://ns.adobe.com/tiff/1.0/'>"
    "<photoshop:DateCreated>2019-04-24T22:24-03:00</photoshop:DateCreated>"
    "<tiff:Make>Canon &amp; Co</tiff:Make>"
    "</rdf:Description></rdf:RDF></x:xmpmeta>";

/* A top-level uuid XMP box: exif:DateTimeOriginal beats QuickTime's UTC creation_time. */
START_TEST(xmp_uuid)
{
    static const unsigned char id[16] = {0xbe, 0x7a, 0xcf, 0xcb, 0x97, 0xa9, 0x42, 0xe8,
                                         0x9c, 0x71, 0x99, 0x94, 0x91, 0xe3, 0xaf, 0xac};
    char *dir = cs_test_tmpdir(), path[512];
    bytes_t f = {0}, p = {0};
    make_mp4(dir, "xmp.mp4", &f, path, sizeof path);
    put(&p, id, sizeof id);
    put(&p, xmp_attrs, sizeof xmp_attrs - 1);
    bytes_t uuid = box("uuid", p.p, p.len);
    put(&f, uuid.p, uuid.len);
    cs_test_write(path, f.p, f.len);

    json_t *rec = extract(path);
    ck_assert_str_eq(str(rec, "captured_at", NULL), "2019-04-24T22:23:59.5+02:00");
    ck_assert_str_eq(str(rec, "captured_at_source", NULL), "xmp-exif:DateTimeOriginal");
    ck_assert_str_eq(str(rec, "device", "make"), "GoPro");
    ck_assert_str_eq(str(rec, "device", "model"), "HERO7 Black");
    json_t *raw = json_object_get(json_object_get(rec, "raw"), "xmp");
    ck_assert_str_eq(str(raw, "xmp:CreateDate", NULL), "2019-04-24T22:24:00+02:00");
    /* all three times are candidates */
    ck_assert_int_eq(json_array_size(json_object_get(rec, "time_candidates")), 3);
    json_decref(rec);
    free(f.p), free(p.p), free(uuid.p);
    cs_test_rmrf(dir);
    free(dir);
}
END_TEST

/* moov/udta/XMP_ with elements: photoshop:DateCreated (minutes only) and an entity. */
START_TEST(xmp_udta)
{
    char *dir = cs_test_tmpdir(), path[512];
    bytes_t f = {0}, xmp = box("XMP_", xmp_elements, sizeof xmp_elements - 1);
    make_mp4(dir, "udta.mp4", &f, path, sizeof path);
    bytes_t udta = box("udta", xmp.p, xmp.len);
    long moov = find(&f, 0, f.len, "moov");
    insert(&f, &moov, 1, &udta);
    cs_test_write(path, f.p, f.len);

    json_t *rec = extract(path);
    ck_assert_str_eq(str(rec, "captured_at", NULL), "2019-04-24T22:24:00-03:00");
    ck_assert_str_eq(str(rec, "captured_at_source", NULL), "xmp-photoshop:DateCreated");
    ck_assert_str_eq(str(rec, "device", "make"), "Canon & Co");
    ck_assert_ptr_null(json_object_get(json_object_get(rec, "device"), "model"));
    json_decref(rec);
    free(f.p), free(xmp.p), free(udta.p);
    cs_test_rmrf(dir);
    free(dir);
}
END_TEST

/* Sony's NonRealTimeMeta in a top-level meta/'xml ' box: the camera's local time and zone
 * (ExifTool: XML:CreationDateValue 2019:04:24 22:24:00+02:00, XML:DeviceManufacturer Sony,
 * XML:DeviceModelName ILCE-7M3); "<DeviceInfo" is not "<Device". */
START_TEST(sony_nrt)
{
    static const char xml[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<NonRealTimeMeta xmlns=\"urn:schemas-professionalDisc:nonRealTimeMeta:ver.2.00\" "
        "lastUpdate=\"2019-04-24T22:24:31+02:00\">\n<Duration value=\"100\"/>\n"
        "<CreationDate value=\"2019-04-24T22:24:00+02:00\"/>\n<DeviceInfo modelName=\"x\"/>\n"
        "<Device manufacturer=\"Sony\" modelName=\"ILCE-7M3\" serialNo=\"4294967295\"/>\n"
        "</NonRealTimeMeta>\n";
    static const char hdlr[] = "\0\0\0\x21hdlr\0\0\0\0\0\0\0\0nrtm\0\0\0\0\0\0\0\0\0\0\0\0\0";
    char *dir = cs_test_tmpdir(), path[512];
    bytes_t f = {0}, body = {0}, kids = {0};
    make_mp4(dir, "nrt.mp4", &f, path, sizeof path);
    put(&body, "\0\0\0\0", 4);
    put(&body, xml, sizeof xml - 1);
    bytes_t x = box("xml ", body.p, body.len);
    put(&kids, "\0\0\0\0", 4); /* meta: a full box */
    put(&kids, hdlr, sizeof hdlr - 1);
    put(&kids, x.p, x.len);
    bytes_t meta = box("meta", kids.p, kids.len);
    put(&f, meta.p, meta.len);
    cs_test_write(path, f.p, f.len);

    json_t *rec = extract(path);
    ck_assert_str_eq(str(rec, "captured_at", NULL), "2019-04-24T22:24:00+02:00");
    ck_assert_str_eq(str(rec, "captured_at_source", NULL), "xml:CreationDateValue");
    ck_assert_str_eq(str(rec, "device", "make"), "Sony");
    ck_assert_str_eq(str(rec, "device", "model"), "ILCE-7M3");
    json_decref(rec);
    free(f.p), free(body.p), free(kids.p), free(x.p), free(meta.p);
    cs_test_rmrf(dir);
    free(dir);
}
END_TEST

/* Boxes that lie: each file is walked without reading past it, and what is whole is read. */
START_TEST(lying_boxes)
{
    char *dir = cs_test_tmpdir(), path[512];
    bytes_t loci = loci_box();
    struct {
        const char *name;
        const char *head; /* bytes before a moov/udta/loci */
        size_t head_len;
        uint32_t moov_size; /* 0: the true size */
        int found;
    } cases[] = {
        {"true sizes", "", 0, 0, 1},
        {"moov longer than the file", "", 0, 4096, 0},
        {"moov shorter than its udta", "", 0, 16, 0},
        {"a box of 3 bytes first",
         "\0\0\0\x03"
         "free",
         8, 0, 0},
        {"a 64-bit size first",
         "\0\0\0\x01"
         "free\0\0\0\0\0\0\0\x10",
         16, 0, 1},
        {"a 64-bit size past the end",
         "\0\0\0\x01"
         "free\xff\0\0\0\0\0\0\x10",
         16, 0, 0},
    };
    snprintf(path, sizeof path, "%s/lie.mp4", dir);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bytes_t f = {0}, udta = box("udta", loci.p, loci.len), moov = box("moov", udta.p, udta.len);
        if (cases[i].moov_size != 0) {
            uint32_t s = cases[i].moov_size;
            unsigned char x[4] = {s >> 24, s >> 16 & 255, s >> 8 & 255, s & 255};
            memcpy(moov.p, x, 4);
        }
        put(&f, cases[i].head, cases[i].head_len);
        put(&f, moov.p, moov.len);
        cs_test_write(path, f.p, f.len);
        int fd = open(path, O_RDONLY);
        cs_bmff_meta_t m;
        ck_assert_int_eq(cs_bmff_read_meta(fd, (int64_t)f.len, &m), 0);
        ck_assert_msg(m.has_loci == cases[i].found, "%s: loci %d", cases[i].name, m.has_loci);
        cs_bmff_meta_free(&m);
        close(fd);
        free(f.p), free(udta.p), free(moov.p);
    }
    /* a loci payload cut anywhere: never a place, never a read past it (on the heap: ASan) */
    for (size_t cut = 0; cut < loci.len - 8; cut++) {
        unsigned char *p = malloc(cut + 1);
        double lat, lon, alt;
        memcpy(p, loci.p + 8, cut);
        ck_assert_int_eq(cs_bmff_parse_loci(p, cut, &lat, &lon, &alt), cut >= 6 + 5 + 13 ? 0 : -1);
        free(p);
    }
    free(loci.p);
    cs_test_rmrf(dir);
    free(dir);
}
END_TEST

START_TEST(xmp_values)
{
    static const struct {
        const char *xmp, *name, *want; /* want NULL: not found */
    } cases[] = {
        {"<r xmp:CreateDate='2019-01-02T03:04:05Z'/>", "xmp:CreateDate", "2019-01-02T03:04:05Z"},
        {"<r xmp:CreateDate = \" 2019 \"/>", "xmp:CreateDate", "2019"},
        {"<r xmp:CreateDateX='1' xmp:CreateDate='2'/>", "xmp:CreateDate", "2"},
        {"<r axmp:CreateDate='1'/>", "xmp:CreateDate", NULL},
        {"<xmp:CreateDate>a&lt;b&#65;&#x42;&unknown;</xmp:CreateDate>", "xmp:CreateDate",
         "a<bAB&unknown;"},
        {"<tiff:Make><rdf:Alt><rdf:li>x</rdf:li></rdf:Alt></tiff:Make>", "tiff:Make", NULL},
        {"<tiff:Make/><tiff:Make>y</tiff:Make>", "tiff:Make", "y"},
        {"<tiff:Make>unclosed", "tiff:Make", NULL},
        {"<r tiff:Make='unclosed", "tiff:Make", NULL},
        {"<r tiff:Make=", "tiff:Make", NULL},
        {"tiff:Make", "tiff:Make", NULL},
        {"<r tiff:Make='01234567890123456789012345678901'/>", "tiff:Make",
         NULL}, /* longer than out */
    };
    char out[32];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len = strlen(cases[i].xmp);
        char *copy = malloc(len); /* not NUL-terminated: ASan sees a read past it */
        memcpy(copy, cases[i].xmp, len);
        int rc = cs_xmp_get(copy, len, cases[i].name, out, sizeof out);
        free(copy);
        if (cases[i].want == NULL)
            ck_assert_msg(rc == -1, "%s: found \"%s\"", cases[i].xmp, out);
        else
            ck_assert_msg(rc == 0 && strcmp(out, cases[i].want) == 0, "%s: rc %d, \"%s\"",
                          cases[i].xmp, rc, out);
    }
}
END_TEST

static Suite *
bmff_suite(void)
{
    Suite *s = suite_create("bmff");
    TCase *tc = tcase_create("bmff");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, loci_beats_xyz);
    tcase_add_test(tc, track_loci);
    tcase_add_test(tc, xmp_uuid);
    tcase_add_test(tc, xmp_udta);
    tcase_add_test(tc, sony_nrt);
    tcase_add_test(tc, lying_boxes);
    tcase_add_test(tc, xmp_values);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(bmff_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
