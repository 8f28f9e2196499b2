/* tests/media/test_declared.c: what an AVI, Matroska or ASF header declares, for files that
 * libavformat cannot read whole: ExifTool's cut samples through the extractor (ExifTool
 * 12.57's readings: RIFF.avi Duration 15.533178, 320x240; Pentax.avi 24.9996, 1280x720;
 * Matroska.mkv Duration 148.608, 704x576, DateTimeOriginal 2010:02:03 21:17:48Z; ASF.wmv
 * 160x120, CreationDate 2004:10:28 17:23:34Z), then the readers on every cut of those
 * headers and on every byte of them overwritten (sizes that lie), which must never read
 * outside what they were given (run under ASan: -DCUSTODY_SANITIZE=ON). */
#include "core/error.h"
#include "indexer/sniff.h"
#include "media/asf.h"
#include "media/declared.h"
#include "media/extract.h"
#include "tests/support/testutil.h"

#include <check.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DATA CUSTODY_TEST_DATA "/exiftool/"

static const struct {
    const char *file;
    double duration_s; /* < 0: none declared */
    int width, height;
    const char *captured_at, *source; /* NULL: not asserted */
    const char *note_ends;
} samples[] = {
    {"RIFF.avi", 15.533178, 320, 240, "2003-03-10T15:04:43", "container:creation_time",
     "the file holds less: it was cut off"},
    {"Pentax.avi", 24.9996, 1280, 720, NULL, NULL, "the file holds less: it was cut off"},
    {"Matroska.mkv", 148.608, 704, 576, "2010-02-03T21:17:48Z", "matroska:DateUTC",
     "libavformat could not read the file to check"},
    /* play duration 99.132 s less a preroll of 5 s, as libavformat counts it */
    {"ASF.wmv", 94.132, 160, 120, "2004-10-28T17:23:34Z", "asf:CreationDate",
     "libavformat could not read the file to check"},
};

static json_t *
extract(const char *path)
{
    unsigned char head[512];
    json_t *rec = NULL;
    int fd = open(path, O_RDONLY);
    ck_assert_int_ge(fd, 0);
    ssize_t n = read(fd, head, sizeof head);
    close(fd);
    ck_assert_int_eq(cs_extract_file(path, cs_sniff_media_type(head, (size_t)n), NULL, &rec), 0);
    return rec;
}

START_TEST(exiftool_sample)
{
    char path[512];
    snprintf(path, sizeof path, "%s%s", DATA, samples[_i].file);
    json_t *rec = extract(path), *d = json_object_get(rec, "declared");
    const char *note = json_string_value(json_object_get(d, "note"));
    ck_assert_msg(json_is_object(d), "%s: no declared member", samples[_i].file);
    ck_assert_msg(
        fabs(json_number_value(json_object_get(d, "duration_s")) - samples[_i].duration_s) < 1e-6,
        "%s: declared %f s", samples[_i].file, json_number_value(json_object_get(d, "duration_s")));
    ck_assert_int_eq(json_integer_value(json_object_get(d, "width")), samples[_i].width);
    ck_assert_int_eq(json_integer_value(json_object_get(d, "height")), samples[_i].height);
    ck_assert_ptr_nonnull(note);
    ck_assert_msg(
        strlen(note) > strlen(samples[_i].note_ends) &&
            strcmp(note + strlen(note) - strlen(samples[_i].note_ends), samples[_i].note_ends) == 0,
        "%s: note %s", samples[_i].file, note);
    if (samples[_i].captured_at != NULL) {
        ck_assert_str_eq(json_string_value(json_object_get(rec, "captured_at")),
                         samples[_i].captured_at);
        ck_assert_str_eq(json_string_value(json_object_get(rec, "captured_at_source")),
                         samples[_i].source);
    }
    json_decref(rec);
}
END_TEST

static unsigned char *
slurp(const char *name, size_t *len)
{
    char path[512];
    snprintf(path, sizeof path, "%s%s", DATA, name);
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    unsigned char *b = malloc(1 << 16);
    ck_assert_ptr_nonnull(b);
    *len = fread(b, 1, 1 << 16, f);
    fclose(f);
    return b;
}

/* Every reader on `len` bytes of p, given on the heap.
 * Matroska reads a file: tmp holds the bytes. */
static void
read_all(const unsigned char *p, size_t len, const char *tmp, cs_declared_t *avi,
         cs_declared_t *mkv, cs_declared_t *asf)
{
    unsigned char *copy = malloc(len > 0 ? len : 1); /* exactly len: ASan sees one past */
    ck_assert_ptr_nonnull(copy);
    memcpy(copy, p, len);
    cs_declared_init(avi);
    cs_declared_init(mkv);
    cs_declared_init(asf);
    (void)cs_avi_head(copy, len, avi);
    (void)cs_asf_declared(copy, len, &asf->duration_s, &asf->width, &asf->height);
    char out[32];
    (void)cs_asf_creation_time(copy, len, out, sizeof out);
    free(copy);
    int fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC, 0600);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, p, len), (ssize_t)len);
    ck_assert_int_ne(cs_mkv_head(fd, (int64_t)len, mkv), CS_ENOMEM);
    close(fd);
}

static int
sane(const cs_declared_t *d)
{
    return (d->duration_s < 0 || isfinite(d->duration_s)) && d->width >= 0 && d->height >= 0 &&
           memchr(d->date_utc, '\0', sizeof d->date_utc) != NULL;
}

/* Cut at every length: never a read past the end, and the whole file reads as ExifTool does. */
START_TEST(cut_everywhere)
{
    static const char *names[] = {"RIFF.avi", "Pentax.avi", "Matroska.mkv", "ASF.wmv"};
    char *dir = cs_test_tmpdir(), tmp[512];
    snprintf(tmp, sizeof tmp, "%s/f", dir);
    for (size_t k = 0; k < 4; k++) {
        size_t len;
        unsigned char *b = slurp(names[k], &len);
        cs_declared_t avi, mkv, asf;
        for (size_t cut = 0; cut <= len; cut++) {
            read_all(b, cut, tmp, &avi, &mkv, &asf);
            ck_assert(sane(&avi) && sane(&mkv) && sane(&asf));
        }
        /* the whole file */
        if (k < 2)
            ck_assert_int_eq(avi.width, k == 0 ? 320 : 1280);
        if (k == 2) {
            ck_assert_int_eq(mkv.width, 704);
            ck_assert_str_eq(mkv.date_utc, "2010-02-03T21:17:48Z");
        }
        if (k == 3)
            ck_assert_int_eq(asf.height, 120);
        free(b);
    }
    cs_test_rmrf(dir);
    free(dir);
}
END_TEST

/* Every byte of the headers overwritten with 0x00, 0x01, 0x7f, 0x80 and 0xff: sizes that lie
 * about their parents, lengths of variable-length integers, counts. */
START_TEST(lying_sizes)
{
    static const char *names[] = {"RIFF.avi", "Matroska.mkv", "ASF.wmv"};
    static const unsigned char values[] = {0x00, 0x01, 0x7f, 0x80, 0xff};
    char *dir = cs_test_tmpdir(), tmp[512];
    snprintf(tmp, sizeof tmp, "%s/f", dir);
    for (size_t k = 0; k < 3; k++) {
        size_t len;
        unsigned char *b = slurp(names[k], &len);
        size_t upto = len < 700 ? len : 700; /* ASF: the header's objects up to the video */
        for (size_t i = 0; i < upto; i++) {
            unsigned char was = b[i];
            for (size_t v = 0; v < sizeof values; v++) {
                cs_declared_t avi, mkv, asf;
                b[i] = values[v];
                read_all(b, len, tmp, &avi, &mkv, &asf);
                ck_assert(sane(&avi) && sane(&mkv) && sane(&asf));
            }
            b[i] = was;
        }
        free(b);
    }
    cs_test_rmrf(dir);
    free(dir);
}
END_TEST

/* A Segment of unknown size (a live recording) still reads; a Tracks longer than its
 * Segment, or an AVI 'avih' longer than its 'hdrl', reads as the lie it is. */
START_TEST(unknown_and_lies)
{
    char *dir = cs_test_tmpdir(), tmp[512];
    size_t len;
    unsigned char *b = slurp("Matroska.mkv", &len);
    cs_declared_t avi, mkv, asf;
    snprintf(tmp, sizeof tmp, "%s/f", dir);
    /* the Segment's 8-byte size at 0x1c: all ones is "unknown" */
    memcpy(b + 0x1c, "\x01\xff\xff\xff\xff\xff\xff\xff", 8);
    read_all(b, len, tmp, &avi, &mkv, &asf);
    ck_assert(fabs(mkv.duration_s - 148.608) < 1e-6);
    ck_assert_int_eq(mkv.width, 704);
    /* the Segment 0x100 bytes long: Tracks at 0x10e runs past it and is not read */
    memcpy(b + 0x1c, "\x01\x00\x00\x00\x00\x00\x01\x00", 8);
    read_all(b, len, tmp, &avi, &mkv, &asf);
    ck_assert(fabs(mkv.duration_s - 148.608) < 1e-6);
    ck_assert_int_eq(mkv.width, 0);
    free(b);

    b = slurp("RIFF.avi", &len);
    read_all(b, len, tmp, &avi, &mkv, &asf);
    ck_assert_int_eq(avi.width, 320);
    /* 'avih' at 24 declares 56 bytes; make it claim more than 'hdrl' (size at 16) holds */
    ck_assert(memcmp(b + 24, "avih", 4) == 0);
    unsigned hdrl = b[16] | b[17] << 8;
    b[28] = (unsigned char)(hdrl & 255);
    b[29] = (unsigned char)(hdrl >> 8);
    read_all(b, len, tmp, &avi, &mkv, &asf);
    ck_assert_int_eq(avi.width, 0);
    ck_assert(avi.duration_s < 0);
    free(b);
    cs_test_rmrf(dir);
    free(dir);
}
END_TEST

static Suite *
declared_suite(void)
{
    Suite *s = suite_create("declared");
    TCase *tc = tcase_create("declared");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, exiftool_sample, 0, (int)(sizeof samples / sizeof samples[0]));
    tcase_add_test(tc, cut_everywhere);
    tcase_add_test(tc, lying_sizes);
    tcase_add_test(tc, unknown_and_lies);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(declared_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
