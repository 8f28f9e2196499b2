/* tests/media/test_mdpm.c: AVCHD camcorders' own clock, zone, maker, model and place, read
 * from the MDPM SEI of their H.264 streams: ExifTool's M2TS sample and a Sony-like stream
 * made with ffmpeg (both as ExifTool reads them), the parser on hand-built SEI units (zones,
 * GPS, emulation-prevention bytes, entries out of order or cut), and, in the wide run, every
 * corpus file where ExifTool found an H264:DateTimeOriginal. */
#include "core/error.h"
#include "indexer/sniff.h"
#include "media/extract.h"
#include "media/mdpm.h"
#include "tests/support/corpus.h"
#include "tests/support/testutil.h"

#include <check.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FFMPEG "/usr/bin/ffmpeg"

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

/* ExifTool: H264:DateTimeOriginal 2008:12:31 23:16:24+01:00, H264:Make 4113 (Canon). */
START_TEST(exiftool_sample)
{
    json_t *rec = extract(CUSTODY_TEST_DATA "/exiftool/M2TS.mts");
    ck_assert_str_eq(str(rec, "captured_at", NULL), "2008-12-31T23:16:24+01:00");
    ck_assert_str_eq(str(rec, "captured_at_source", NULL), "h264:MDPM.DateTimeOriginal");
    ck_assert_str_eq(str(rec, "captured_at_utc", NULL), "2008-12-31T22:16:24Z");
    ck_assert(json_is_true(json_object_get(rec, "offset_known")));
    ck_assert_str_eq(str(rec, "device", "make"), "Canon");
    ck_assert_ptr_null(json_object_get(json_object_get(rec, "device"), "model"));
    json_t *h264 = json_object_get(json_object_get(rec, "raw"), "h264");
    ck_assert_int_eq(json_integer_value(json_object_get(h264, "Make")), 4113);
    ck_assert_str_eq(str(h264, "DateTimeOriginal", NULL), "2008:12:31 23:16:24+01:00");
    json_decref(rec);
}
END_TEST

/* A Sony-like stream: x264's own SEI removed, then MDPM with a zone west of UTC and a half
 * hour (-04:30), maker 0x0108 and the model over 0xe4..0xe6. ExifTool 12.57 reads this file
 * as H264:DateTimeOriginal 2019:04:24 23:24:11-04:30, Make 264, Model HDR-CX405XYZ. Ten
 * packets long: libavformat's probing alone took it for MPEG-PS. */
START_TEST(made_sony_stream)
{
    static const unsigned char entries[] = {6,    0x18, 0x29, 0x20, 0x19, 0x04, 0x19, 0x24,
                                            0x23, 0x24, 0x11, 0xe0, 0x01, 0x08, 0x01, 0x01,
                                            0xe4, 'H',  'D',  'R',  '-',  0xe5, 'C',  'X',
                                            '4',  '0',  0xe6, '5',  'X',  'Y',  'Z',  0};
    char bsf[256], *dir = cs_test_tmpdir(), out[512];
    int n = snprintf(bsf, sizeof bsf,
                     "filter_units=remove_types=6,h264_metadata=sei_user_data="
                     "17ee8c60-f84d-11d9-8cd6-0800200c9a66+MDPM%s",
                     (const char *)entries);
    ck_assert_int_lt(n, (int)sizeof bsf);
    snprintf(out, sizeof out, "%s/sony.mts", dir);
    char *argv[] = {
        FFMPEG, "-nostdin", "-v",     "error", "-y", "-f",     "lavfi", "-i", "color=s=64x48:d=0.2",
        "-c:v", "libx264",  "-bsf:v", bsf,     "-f", "mpegts", out,     NULL};
    cs_run_t r;
    cs_test_run(&r, NULL, argv);
    ck_assert_msg(r.status == 0, "ffmpeg: %s", r.err);
    cs_test_run_free(&r);

    json_t *rec = extract(out);
    ck_assert_str_eq(str(rec, "captured_at", NULL), "2019-04-24T23:24:11-04:30");
    ck_assert_str_eq(str(rec, "captured_at_utc", NULL), "2019-04-25T03:54:11Z");
    ck_assert_str_eq(str(rec, "device", "make"), "Sony");
    ck_assert_str_eq(str(rec, "device", "model"), "HDR-CX405XYZ");
    json_decref(rec);
    cs_test_rmrf(dir);
    free(dir);
}
END_TEST

/* One SEI NAL unit in Annex B (start code, header 0x06, escaped RBSP) with an MDPM payload
 * of `n` entries (tag and 4 bytes each); `count` is what the payload says it holds. */
static size_t
sei_nal(unsigned char *out, const unsigned char (*ent)[5], size_t n, int count)
{
    static const unsigned char id[20] = {0x17, 0xee, 0x8c, 0x60, 0xf8, 0x4d, 0x11, 0xd9, 0x8c, 0xd6,
                                         0x08, 0x00, 0x20, 0x0c, 0x9a, 0x66, 'M',  'D',  'P',  'M'};
    unsigned char rbsp[512];
    size_t len = 0, o = 0, zeros = 0;
    ck_assert_uint_lt(21 + 5 * n, 255);
    rbsp[len++] = 5;
    rbsp[len++] = (unsigned char)(21 + 5 * n);
    memcpy(rbsp + len, id, sizeof id);
    len += sizeof id;
    rbsp[len++] = (unsigned char)count;
    for (size_t i = 0; i < n; i++, len += 5)
        memcpy(rbsp + len, ent[i], 5);
    rbsp[len++] = 0x80;
    memcpy(out, "\x00\x00\x00\x01\x06", 5);
    o = 5;
    for (size_t i = 0; i < len; i++) {
        if (zeros >= 2 && rbsp[i] <= 3) {
            out[o++] = 3;
            zeros = 0;
        }
        out[o++] = rbsp[i];
        zeros = rbsp[i] == 0 ? zeros + 1 : 0;
    }
    return o;
}

typedef struct {
    const char *name;
    unsigned char ent[12][5];
    size_t n;
    int count;        /* what the payload says it holds; -1: n */
    const char *want; /* what was read, as summary() writes it */
} case_t;

#define DATE(zone)                                                                                 \
    {0x18, zone, 0x20, 0x19, 0x04},                                                                \
    {                                                                                              \
        0x19, 0x24, 0x22, 0x24, 0x00                                                               \
    }
#define AT "2019-04-24T22:24:00"

/* clang-format off */
static const case_t cases[] = {
    {"an hour east", {DATE(0x02)}, 2, -1, AT " +60"},
    {"an hour west", {DATE(0x22)}, 2, -1, AT " -60"},
    {"UTC", {DATE(0x00)}, 2, -1, AT " +0"},
    {"nine and a half east", {DATE(0x13)}, 2, -1, AT " +570"},
    {"daylight saving flag", {DATE(0x44)}, 2, -1, AT " +120 DST"},
    {"a zone beyond 14 hours is none", {DATE(0x1e)}, 2, -1, AT " zone?"},
    {"date without its time", {{0x18, 0x02, 0x20, 0x19, 0x04}}, 1, -1, "-"},
    {"not BCD", {{0x18, 0x02, 0x20, 0x1a, 0x04}, {0x19, 0x24, 0x22, 0x24, 0x00}}, 2, -1, "-"},
    {"Sony model ended by NUL",
     {DATE(0x02), {0xe0, 0x01, 0x08, 0, 0}, {0xe4, 'N', 'E', 'X', '-'}, {0xe5, '5', 0, 'x', 'x'}},
     5, -1, AT " +60 make=0108 model=NEX-5"},
    {"model only for Sony", {DATE(0x02), {0xe0, 0x01, 0x03, 0, 0}, {0xe4, 'N', 'E', 'X', '-'}},
     4, -1, AT " +60 make=0103"},
    {"out of order ends the entries",
     {{0x19, 0x24, 0x22, 0x24, 0x00}, {0x18, 0x02, 0x20, 0x19, 0x04}}, 2, -1, "-"},
    {"count shorter than the entries", {DATE(0x02)}, 2, 1, "-"},
    {"GPS south, west, below sea level",
     {{0xb1, 'S', 0, 0, 0}, {0xb2, 0, 33, 0, 1}, {0xb3, 0, 51, 0, 1},
      {0xb4, 0x0b, 0xb8, 0, 100}, /* 3000/100: 30 s */
      {0xb5, 'W', 0, 0, 0}, {0xb6, 0, 70, 0, 1}, {0xb7, 0, 39, 0, 1}, {0xb8, 0, 0, 0, 1},
      {0xb9, 0, 0, 0, 1}, {0xba, 0, 12, 0, 2}},
     10, -1, "- gps=-33.858333,-70.650000,-6.00"},
    {"GPS with a zero denominator",
     {{0xb1, 'N', 0, 0, 0}, {0xb2, 0, 33, 0, 0}, {0xb3, 0, 51, 0, 1}, {0xb4, 0, 0, 0, 1},
      {0xb5, 'E', 0, 0, 0}, {0xb6, 0, 70, 0, 1}, {0xb7, 0, 39, 0, 1}, {0xb8, 0, 0, 0, 1}},
     8, -1, "-"},
};
/* clang-format on */

/* What the parser read, in a line: "<local time> <offset minutes>[ DST]" or "-", then the
 * make code, model and position when read. */
static void
summary(const cs_mdpm_t *m, char *buf, size_t size)
{
    int n = 0;
    if (m->has_time)
        n = snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d %s%d%s", m->year, m->mon, m->day,
                     m->hour, m->min, m->sec, m->offset_min < 0 || !m->has_offset ? "" : "+",
                     m->offset_min, m->dst ? " DST" : "");
    else
        n = snprintf(buf, size, "-");
    if (m->has_time && !m->has_offset)
        n = snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d zone?", m->year, m->mon, m->day,
                     m->hour, m->min, m->sec);
    if (m->has_make)
        n += snprintf(buf + n, size - (size_t)n, " make=%04x", m->make_code);
    if (m->model[0] != '\0')
        n += snprintf(buf + n, size - (size_t)n, " model=%s", m->model);
    if (m->has_gps)
        snprintf(buf + n, size - (size_t)n, " gps=%.6f,%.6f,%.2f", m->lat, m->lon, m->alt);
}

START_TEST(parser)
{
    const case_t *c = &cases[_i];
    unsigned char nal[1024];
    char got[256];
    cs_mdpm_t m;
    size_t len = sei_nal(nal, c->ent, c->n, c->count < 0 ? (int)c->n : c->count);
    ck_assert_msg(cs_mdpm_scan_annexb(nal, len, &m) == 1, "%s: no MDPM found", c->name);
    summary(&m, got, sizeof got);
    ck_assert_msg(strcmp(got, c->want) == 0, "%s: read \"%s\", want \"%s\"", c->name, got, c->want);
}
END_TEST

/* What is not MDPM, or is cut, is not read, and nothing is read past the end. */
START_TEST(not_mdpm)
{
    static const unsigned char ent[2][5] = {DATE(0x02)};
    unsigned char nal[256], *copy;
    cs_mdpm_t m;
    size_t len = sei_nal(nal, ent, 2, 2);
    /* every cut of the unit: on the heap, so that ASan sees a read past the end */
    for (size_t cut = 0; cut < len; cut++) {
        ck_assert_ptr_nonnull(copy = malloc(cut > 0 ? cut : 1));
        memcpy(copy, nal, cut);
        cs_mdpm_scan_annexb(copy, cut, &m);
        free(copy);
    }
    nal[9] ^= 1; /* the UUID */
    ck_assert_int_eq(cs_mdpm_scan_annexb(nal, len, &m), 0);
    ck_assert_int_eq(m.has_time, 0);
    nal[9] ^= 1;
    nal[4] = 0x01; /* a slice, not SEI */
    ck_assert_int_eq(cs_mdpm_scan_annexb(nal, len, &m), 0);
    nal[4] = 0x06;
    nal[6] = 0xf0; /* a payload size beyond the unit */
    ck_assert_int_eq(cs_mdpm_scan_annexb(nal, len, &m), 0);
    ck_assert_str_eq(cs_mdpm_make_name(0x0103), "Panasonic");
    ck_assert_str_eq(cs_mdpm_make_name(0x1104), "JVC");
    ck_assert_ptr_null(cs_mdpm_make_name(0x1234));
}
END_TEST

/* Every corpus file with an H264:DateTimeOriginal: the same wall time and zone, and the make. */
START_TEST(corpus_matches_the_oracle)
{
    json_error_t err;
    json_t *all = json_load_file(CUSTODY_CORPUS "/exiftool.json", 0, &err), *e;
    size_t i;
    int files = 0;
    char path[4096], want[64];
    ck_assert_msg(json_is_array(all), "exiftool.json: %s", err.text);
    json_array_foreach(all, i, e)
    {
        const char *dto = json_string_value(json_object_get(e, "H264:DateTimeOriginal"));
        const char *src = json_string_value(json_object_get(e, "SourceFile"));
        if (dto == NULL || strlen(dto) < 25 || strstr(src, ".fuzzed") != NULL)
            continue;
        snprintf(path, sizeof path, "%s/files/%s", CUSTODY_CORPUS, src + 2);
        /* "2008:12:31 23:16:24+01:00" -> "2008-12-31T23:16:24+01:00" */
        snprintf(want, sizeof want, "%.4s-%.2s-%.2sT%.8s%.6s", dto, dto + 5, dto + 8, dto + 11,
                 dto + 19);
        json_t *rec = extract(path);
        ck_assert_msg(str(rec, "captured_at", NULL) != NULL &&
                          strcmp(str(rec, "captured_at", NULL), want) == 0,
                      "%s: %s, ExifTool %s", path, str(rec, "captured_at", NULL), dto);
        json_t *make = json_object_get(e, "H264:Make");
        if (json_is_integer(make) && cs_mdpm_make_name((unsigned)json_integer_value(make)))
            ck_assert_str_eq(str(rec, "device", "make"),
                             cs_mdpm_make_name((unsigned)json_integer_value(make)));
        json_decref(rec);
        files++;
    }
    ck_assert_int_ge(files, 1);
    json_decref(all);
}
END_TEST

static Suite *
mdpm_suite(void)
{
    Suite *s = suite_create("mdpm");
    TCase *tc = tcase_create("mdpm");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, exiftool_sample);
    tcase_add_test(tc, made_sony_stream);
    tcase_add_loop_test(tc, parser, 0, (int)(sizeof cases / sizeof cases[0]));
    tcase_add_test(tc, not_mdpm);
    suite_add_tcase(s, tc);
    return s;
}

static Suite *
mdpm_corpus_suite(void)
{
    Suite *s = suite_create("mdpm_corpus");
    TCase *tc = tcase_create("corpus");
    tcase_add_test(tc, corpus_matches_the_oracle);
    suite_add_tcase(s, tc);
    return s;
}

int
main(int argc, char **argv)
{
    return cs_test_main(argc, argv, mdpm_suite, mdpm_corpus_suite);
}
