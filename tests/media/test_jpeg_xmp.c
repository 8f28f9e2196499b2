/* tests/media/test_jpeg_xmp.c: a JPEG whose dates and camera are only in its XMP packet (an
 * editor's or a scanner's save, as exif-samples' xmp/no_exif.jpg): the capture time comes from
 * xmp:CreateDate, ranked above EXIF's ModifyDate, and broken segments read no further. */
#include "core/error.h"
#include "media/extract.h"
#include "media/jpeg_xmp.h"

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[] = "/tmp/cs-jpeg-xmp-XXXXXX";
static unsigned char *plain; /* a JFIF picture made by ffmpeg, no EXIF, no XMP */
static size_t plain_len;

static const char packet[] =
    "<?xpacket begin='' id='W5M0MpCehiHzreSzNTczkc9d'?><x:xmpmeta xmlns:x='adobe:ns:meta/'>"
    "<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'><rdf:Description "
    "xmlns:xmp='http://ns.adobe.com/xap/1.0/' xmlns:tiff='http://ns.adobe.com/tiff/1.0/' "
    "xmp:CreateDate='2013-09-23T10:09:46+02:00' xmp:ModifyDate='2014-09-22T10:56:35'>"
    "<tiff:Make>NIKON CORPORATION</tiff:Make><tiff:Model>COOLSCAN V ED</tiff:Model>"
    "</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end='w'?>";

static void
setup(void)
{
    char out[64], cmd[256];
    FILE *f;
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(out, sizeof out, "%s/plain.jpg", dir);
    snprintf(cmd, sizeof cmd, "ffmpeg -v error -y -f lavfi -i testsrc2=size=64x48 -frames:v 1 '%s'",
             out);
    ck_assert_int_eq(system(cmd), 0);
    ck_assert_ptr_nonnull(f = fopen(out, "rb"));
    plain = malloc(1 << 20);
    plain_len = fread(plain, 1, 1 << 20, f);
    fclose(f);
    ck_assert_uint_gt(plain_len, 100);
}

static void
teardown(void)
{
    char cmd[96];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
    free(plain);
    strcpy(dir, "/tmp/cs-jpeg-xmp-XXXXXX");
}

/* Writes SOI, an APP1 segment whose length field says `seglen` (0: the right one) holding the
 * XMP namespace and `xmp`, then the rest of the plain picture; returns the file's path. */
static const char *
with_xmp(const char *name, const char *xmp, unsigned seglen)
{
    static char path[96];
    static const char ns[] = "http://ns.adobe.com/xap/1.0/";
    size_t body = sizeof ns + strlen(xmp);
    unsigned len = seglen ? seglen : (unsigned)(body + 2);
    unsigned char hdr[4] = {0xff, 0xe1, (unsigned char)(len >> 8), (unsigned char)len};
    FILE *f;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    ck_assert_ptr_nonnull(f = fopen(path, "wb"));
    ck_assert_uint_eq(fwrite(plain, 1, 2, f), 2);
    ck_assert_uint_eq(fwrite(hdr, 1, 4, f), 4);
    ck_assert_uint_eq(fwrite(ns, 1, sizeof ns, f), sizeof ns);
    ck_assert_uint_eq(fwrite(xmp, 1, strlen(xmp), f), strlen(xmp));
    ck_assert_uint_eq(fwrite(plain + 2, 1, plain_len - 2, f), plain_len - 2);
    ck_assert_int_eq(fclose(f), 0);
    return path;
}

START_TEST(dates_only_in_xmp)
{
    json_t *rec = NULL;
    const char *path = with_xmp("xmp.jpg", packet, 0);
    ck_assert_int_eq(cs_extract_file(path, "image/jpeg", NULL, &rec), 0);
    ck_assert_str_eq(json_string_value(json_object_get(rec, "captured_at")),
                     "2013-09-23T10:09:46+02:00");
    ck_assert_str_eq(json_string_value(json_object_get(rec, "captured_at_source")),
                     "xmp-xmp:CreateDate");
    json_t *dev = json_object_get(rec, "device");
    ck_assert_str_eq(json_string_value(json_object_get(dev, "make")), "NIKON CORPORATION");
    ck_assert_str_eq(json_string_value(json_object_get(dev, "model")), "COOLSCAN V ED");
    /* the picture is still described */
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(rec, "image"), "width")),
                     64);
    json_decref(rec);
}
END_TEST

START_TEST(no_xmp_no_candidate)
{
    json_t *rec = NULL;
    char path[96];
    char *xmp = (char *)"x";
    size_t len = 1;
    snprintf(path, sizeof path, "%s/plain.jpg", dir);
    ck_assert_int_eq(cs_extract_file(path, "image/jpeg", NULL, &rec), 0);
    ck_assert(json_is_null(json_object_get(rec, "captured_at")));
    json_decref(rec);
    int fd = open(path, O_RDONLY);
    ck_assert_int_eq(cs_jpeg_xmp_read(fd, (int64_t)plain_len, &xmp, &len), 1);
    ck_assert_ptr_null(xmp);
    close(fd);
}
END_TEST

/* A segment whose length runs past the end of the file, or is below its own two bytes: the
 * walk stops there, no packet, no read past the end (ASan), and the record still comes. */
START_TEST(lying_lengths)
{
    static const unsigned lengths[] = {0xffff, 1, 0};
    for (size_t i = 0; i < sizeof lengths / sizeof lengths[0]; i++) {
        json_t *rec = NULL;
        char *xmp = NULL;
        size_t len = 0;
        const char *path = with_xmp("lying.jpg", packet, lengths[i]);
        int fd = open(path, O_RDONLY);
        off_t size = lseek(fd, 0, SEEK_END);
        if (lengths[i] != 0) {
            ck_assert_int_eq(cs_jpeg_xmp_read(fd, size, &xmp, &len), 1);
            ck_assert_ptr_null(xmp);
        } else { /* the right length, but the file cut inside the packet */
            close(fd);
            ck_assert_int_eq(truncate(path, 40), 0);
            fd = open(path, O_RDONLY);
            ck_assert_int_eq(cs_jpeg_xmp_read(fd, 40, &xmp, &len), 1);
        }
        close(fd);
        ck_assert_int_eq(cs_extract_file(path, "image/jpeg", NULL, &rec), 0);
        ck_assert(json_is_null(json_object_get(rec, "captured_at")));
        json_decref(rec);
    }
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("jpeg_xmp");
    TCase *tc = tcase_create("jpeg_xmp");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, dates_only_in_xmp);
    tcase_add_test(tc, no_xmp_no_candidate);
    tcase_add_test(tc, lying_lengths);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
