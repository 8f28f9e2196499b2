/* tests/media/test_transcode_photo_hostile.c: hostile and broken pictures: each refused or
 * failed with a reason, never a crash; the wide run (`corpus`) takes the corpus's own. */
#include "tests/media/photo_util.h"

#include "core/error.h"
#include "media/transcode_int.h"
#include "tests/support/corpus.h"
#include "tests/support/testutil.h"

#include <check.h>
#include <jansson.h>
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/pixdesc.h>
#include <libexif/exif-data.h>

#include <dirent.h>
#include <ftw.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- files that are no picture -------------------------------------------------------- */

typedef struct hostile {
    const char *name;
    const char *reason; /* a part of the reason expected */
} hostile_t;

static const hostile_t hostiles[] = {
    {"truncated.jpg", "could not be decoded"},
    {"truncated.png", "could not be decoded"},
    {"headers_only.jpg", "could not be decoded"},
    {"random.jpg", ""},
    {"empty.jpg", "the file is empty"},
    {"zero_by_zero.jpg", "could not be decoded"},
    {"text.jpg", ""},
};

/* The corpus's own (the wide run). */
static const hostile_t corpus_hostiles[] = {
    {"corrupted.jpg", "could not be decoded"}, /* only its top decodes */
};

/* Copies the first `len` bytes of from to `to` (all of it with len 0). */
static void
copy_head(const char *from, const char *to, size_t len)
{
    size_t n;
    char *b = cs_test_read(from, &n);
    ck_assert_ptr_nonnull(b);
    cs_test_write(to, b, len > 0 && len < n ? len : n);
    free(b);
}

static void
make_hostile(const char *name, const char *path)
{
    char jpg[4096];
    path_in(jpg, sizeof jpg, tmp, strcmp(name, "truncated.png") == 0 ? "source.png" : "source.jpg");
    if (strcmp(name, "random.jpg") == 0) {
        cs_test_write_random(path, 200000, 7);
    } else if (strcmp(name, "empty.jpg") == 0) {
        cs_test_write(path, "", 0);
    } else if (strcmp(name, "text.jpg") == 0) {
        const char *t = "not a picture at all, only words\n";
        cs_test_write(path, t, strlen(t));
    } else if (strcmp(name, "corrupted.jpg") == 0) {
        copy_head(CORPUS_FILES "/exif-samples/jpg/corrupted.jpg", path, 0);
    } else {
        ffmpeg_make("testsrc2=size=1024x768,noise=alls=20:allf=t", jpg, NULL);
        size_t n;
        unsigned char *b = (unsigned char *)cs_test_read(jpg, &n);
        ck_assert_ptr_nonnull(b);
        size_t keep = n;
        if (strncmp(name, "truncated.", 10) == 0)
            keep = n * 6 / 10;
        else if (strcmp(name, "headers_only.jpg") == 0)
            keep = 700;
        else /* zero_by_zero: the frame header says 0x0 */
            for (size_t i = 0; i + 8 < n; i++)
                if (b[i] == 0xff && b[i + 1] == 0xc0) {
                    memset(b + i + 5, 0, 4);
                    break;
                }
        cs_test_write(path, b, keep);
        free(b);
        unlink(jpg);
    }
}

static void
check_hostile(const hostile_t *h)
{
    char src[4096], out[4096];
    path_in(src, sizeof src, tmp, h->name);
    path_in(out, sizeof out, tmp, "out");
    ck_assert_int_eq(mkdir(out, 0755), 0);
    make_hostile(h->name, src);
    cs_transcode_opts_t o = opts_in(out);
    json_t *outputs = photo(src, &o);
    size_t i;
    json_t *rec;
    json_array_foreach(outputs, i, rec)
    {
        check_record(rec, "failed", 0, 4);
        ck_assert_ptr_null(json_object_get(rec, "path"));
        ck_assert(json_is_null(json_object_get(rec, "width")));
        const char *reason = str_at(rec, "reason");
        ck_assert_msg(strstr(reason, h->reason) != NULL, "%s: %s", h->name, reason);
        if (i == 0)
            fprintf(stderr, "transcode_photo: %s: %s\n", h->name, reason);
    }
    ck_assert_int_eq(files_in(out), 0);
    json_decref(outputs);
}

START_TEST(test_hostile)
{
    check_hostile(&hostiles[_i]);
}
END_TEST

START_TEST(test_corpus_hostile)
{
    check_hostile(&corpus_hostiles[_i]);
}
END_TEST

static Suite *
transcode_photo_hostile_suite(void)
{
    Suite *s = suite_create("transcode_photo_hostile");
    TCase *tc = tcase_create("transcode_photo_hostile");
    tcase_add_checked_fixture(tc, photo_setup, photo_teardown);
    tcase_add_loop_test(tc, test_hostile, 0, (int)(sizeof hostiles / sizeof hostiles[0]));
    suite_add_tcase(s, tc);
    return s;
}

static Suite *
transcode_photo_hostile_corpus_suite(void)
{
    Suite *s = suite_create("transcode_photo_hostile_corpus");
    TCase *tc = tcase_create("corpus");
    tcase_add_checked_fixture(tc, photo_setup, photo_teardown);
    tcase_add_loop_test(tc, test_corpus_hostile, 0,
                        (int)(sizeof corpus_hostiles / sizeof corpus_hostiles[0]));
    suite_add_tcase(s, tc);
    return s;
}

int
main(int argc, char **argv)
{
    return cs_test_main(argc, argv, transcode_photo_hostile_suite,
                        transcode_photo_hostile_corpus_suite);
}
