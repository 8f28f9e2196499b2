/* tests/media/test_asf.c: an ASF (WMV) file's creation date, which libavformat reads but does
 * not hand over: a WMV made with ffmpeg (ExifTool 12.57: ASF:CreationDate 2019:04:24
 * 20:30:00Z) through the extractor, and hand-built headers that lie or are cut. */
#include "core/error.h"
#include "indexer/sniff.h"
#include "media/asf.h"
#include "media/extract.h"
#include "tests/support/testutil.h"

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FFMPEG "/usr/bin/ffmpeg"

START_TEST(made_wmv)
{
    char *dir = cs_test_tmpdir(), path[512];
    unsigned char head[512];
    json_t *rec = NULL;
    snprintf(path, sizeof path, "%s/t.wmv", dir);
    char *argv[] = {FFMPEG,
                    "-nostdin",
                    "-v",
                    "error",
                    "-y",
                    "-f",
                    "lavfi",
                    "-i",
                    "color=s=64x48:d=0.5",
                    "-c:v",
                    "wmv2",
                    "-metadata",
                    "creation_time=2019-04-24T20:30:00Z",
                    path,
                    NULL};
    cs_run_t r;
    cs_test_run(&r, NULL, argv);
    ck_assert_msg(r.status == 0, "ffmpeg: %s", r.err);
    cs_test_run_free(&r);
    int fd = open(path, O_RDONLY);
    ssize_t n = read(fd, head, sizeof head);
    close(fd);
    ck_assert_int_eq(cs_extract_file(path, cs_sniff_media_type(head, (size_t)n), NULL, &rec), 0);
    ck_assert_str_eq(json_string_value(json_object_get(rec, "captured_at")),
                     "2019-04-24T20:30:00Z");
    ck_assert_str_eq(json_string_value(json_object_get(rec, "captured_at_source")),
                     "asf:CreationDate");
    json_decref(rec);
    cs_test_rmrf(dir);
    free(dir);
}
END_TEST

static void
le64(unsigned char *p, unsigned long long v)
{
    for (int i = 0; i < 8; i++, v >>= 8)
        p[i] = (unsigned char)(v & 255);
}

/* A header object holding `count` objects: a padding object of 40 bytes, then the file
 * properties (104 bytes) with the FILETIME `ft`. */
static size_t
header(unsigned char *h, unsigned count, unsigned long long ft)
{
    static const unsigned char hdr[16] = {0x30, 0x26, 0xb2, 0x75, 0x8e, 0x66, 0xcf, 0x11,
                                          0xa6, 0xd9, 0x00, 0xaa, 0x00, 0x62, 0xce, 0x6c};
    static const unsigned char props[16] = {0xa1, 0xdc, 0xab, 0x8c, 0x47, 0xa9, 0xcf, 0x11,
                                            0x8e, 0xe4, 0x00, 0xc0, 0x0c, 0x20, 0x53, 0x65};
    size_t len = 30 + 40 + 104;
    memset(h, 0, len);
    memcpy(h, hdr, 16);
    le64(h + 16, len);
    h[24] = (unsigned char)count;
    memset(h + 30, 0x55, 16); /* some other object */
    le64(h + 30 + 16, 40);
    memcpy(h + 70, props, 16);
    le64(h + 70 + 16, 104);
    le64(h + 70 + 24 + 24, ft);
    return len;
}

START_TEST(headers)
{
    /* 2004-10-28T17:23:34Z, as ExifTool's ASF.wmv states it */
    const unsigned long long ft = (1098984214ULL + 11644473600ULL) * 10000000ULL + 1234567;
    unsigned char h[256], *copy;
    char out[32];
    size_t len = header(h, 2, ft);
    ck_assert_int_eq(cs_asf_creation_time(h, len, out, sizeof out), 0);
    ck_assert_str_eq(out, "2004-10-28T17:23:34Z");
    /* every cut: on the heap, so that ASan sees a read past the end */
    for (size_t cut = 0; cut < len; cut++) {
        ck_assert_ptr_nonnull(copy = malloc(cut + 1));
        memcpy(copy, h, cut);
        ck_assert_int_eq(cs_asf_creation_time(copy, cut, out, sizeof out), -1);
        free(copy);
    }
    header(h, 1, ft); /* the count stops before the file properties */
    ck_assert_int_eq(cs_asf_creation_time(h, len, out, sizeof out), -1);
    header(h, 2, 0); /* unset */
    ck_assert_int_eq(cs_asf_creation_time(h, len, out, sizeof out), -1);
    header(h, 2, ft);
    le64(h + 30 + 16, 4000); /* an object longer than its header */
    ck_assert_int_eq(cs_asf_creation_time(h, len, out, sizeof out), -1);
    header(h, 2, ft);
    le64(h + 30 + 16, 8); /* shorter than its own GUID and size */
    ck_assert_int_eq(cs_asf_creation_time(h, len, out, sizeof out), -1);
    header(h, 2, ft);
    le64(h + 16, 29); /* a header shorter than its own fields */
    ck_assert_int_eq(cs_asf_creation_time(h, len, out, sizeof out), -1);
    header(h, 2, ft);
    h[0] ^= 1; /* not ASF */
    ck_assert_int_eq(cs_asf_creation_time(h, len, out, sizeof out), -1);
    header(h, 2, ~0ULL); /* beyond year 9999 */
    ck_assert_int_eq(cs_asf_creation_time(h, len, out, sizeof out), -1);
}
END_TEST

static Suite *
asf_suite(void)
{
    Suite *s = suite_create("asf");
    TCase *tc = tcase_create("asf");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, made_wmv);
    tcase_add_test(tc, headers);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(asf_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
