/* tests/media/test_dv.c: a DV camcorder's recording time, from the VAUX packs of the first
 * frame: ExifTool's DV sample (DV:DateTimeOriginal 2010:02:16 21:36:28) through the
 * extractor, and hand-built frames: the century, packs between the date and the time, dates
 * that are not BCD, a frame found by its subcode blocks, a frame cut short. */
#include "core/error.h"
#include "indexer/sniff.h"
#include "media/dv.h"
#include "media/extract.h"

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

START_TEST(exiftool_sample)
{
    const char *path = CUSTODY_TEST_DATA "/exiftool/DV.dv";
    unsigned char head[512];
    json_t *rec = NULL;
    int fd = open(path, O_RDONLY);
    ck_assert_int_ge(fd, 0);
    ssize_t n = read(fd, head, sizeof head);
    close(fd);
    ck_assert_int_eq(cs_extract_file(path, cs_sniff_media_type(head, (size_t)n), NULL, &rec), 0);
    ck_assert_str_eq(json_string_value(json_object_get(rec, "captured_at")), "2010-02-16T21:36:28");
    ck_assert_str_eq(json_string_value(json_object_get(rec, "captured_at_source")),
                     "dv:DateTimeOriginal");
    ck_assert(json_is_false(json_object_get(rec, "offset_known")));
    json_decref(rec);
}
END_TEST

typedef struct {
    const char *name;
    unsigned char packs[4][5]; /* from the first pack of the first VAUX block */
    int by_subcode;            /* the header block's ID broken: found by the subcode blocks */
    size_t len;                /* bytes of the frame given; 0: 480 */
    const char *want;          /* NULL: none */
} case_t;

#define DATE                                                                                       \
    {                                                                                              \
        0x62, 0xff, 0xd6, 0xe2, 0x10                                                               \
    }
#define TIME                                                                                       \
    {                                                                                              \
        0x63, 0xff, 0xa8, 0xb6, 0xe1                                                               \
    }

static const case_t cases[] = {
    {"date and time", {DATE, TIME}, 0, 0, "2010-02-16T21:36:28"},
    {"a year of the 1990s", {{0x62, 0xff, 0xd6, 0xe2, 0x95}, TIME}, 0, 0, "1995-02-16T21:36:28"},
    {"video control between", {DATE, {0x61, 3, 7, 0xfd, 0xff}, TIME}, 0, 0, "2010-02-16T21:36:28"},
    /* ExifTool keeps a date across other packs; only a time must come after its date */
    {"another pack between",
     {DATE, {0x60, 0xff, 0xff, 0x20, 0xff}, TIME},
     0,
     0,
     "2010-02-16T21:36:28"},
    {"time before date", {TIME, DATE}, 0, 0, NULL},
    {"a day that is not BCD", {{0x62, 0xff, 0xda, 0xe2, 0x10}, TIME}, 0, 0, NULL},
    {"found by the subcode blocks", {DATE, TIME}, 1, 0, "2010-02-16T21:36:28"},
    {"cut before its sixth block", {DATE, TIME}, 0, 479, NULL},
};

START_TEST(frames)
{
    const case_t *c = &cases[_i];
    unsigned char frame[480], *copy;
    char out[32];
    memset(frame, 0xff, sizeof frame);
    memcpy(frame, "\x1f\x07\x00\x3f", 4);
    memcpy(frame + 80, "\x3f\x07\x00", 3);
    memcpy(frame + 160, "\x3f\x07\x01", 3);
    memcpy(frame + 240, "\x50\x07\x00", 3);
    for (int j = 0; j < 4; j++)
        if (c->packs[j][0] != 0)
            memcpy(frame + 240 + 3 + 5 * j, c->packs[j], 5);
    if (c->by_subcode)
        memset(frame, 0, 4);
    size_t len = c->len ? c->len : sizeof frame;
    ck_assert_ptr_nonnull(copy = malloc(len)); /* on the heap: ASan sees a read past it */
    memcpy(copy, frame, len);
    int rc = cs_dv_rec_time(copy, len, out, sizeof out);
    free(copy);
    if (c->want == NULL)
        ck_assert_msg(rc == -1, "%s: read %s", c->name, out);
    else
        ck_assert_msg(rc == 0 && strcmp(out, c->want) == 0, "%s: rc %d, %s", c->name, rc,
                      rc == 0 ? out : "");
}
END_TEST

static Suite *
dv_suite(void)
{
    Suite *s = suite_create("dv");
    TCase *tc = tcase_create("dv");
    tcase_add_test(tc, exiftool_sample);
    tcase_add_loop_test(tc, frames, 0, (int)(sizeof cases / sizeof cases[0]));
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(dv_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
