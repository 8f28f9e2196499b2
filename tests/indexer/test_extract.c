/* tests/indexer/test_extract.c: what libavformat tells about real recordings and photos,
 * checked against ExifTool's reading of the same files, and that no corpus file, however
 * broken, makes the extractor crash or stay silent. */
#include "core/error.h"
#include "indexer/extract.h"
#include "indexer/sniff.h"
#include "tests/support/testutil.h"

#include <check.h>
#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CORPUS_FILES CUSTODY_CORPUS "/files"

/* Extracts with the media type the ingest pipeline would sniff. */
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
    const char *type = cs_sniff_media_type(head, n > 0 ? (size_t)n : 0);
    int rc = cs_extract_file(path, type, &rec);
    ck_assert_msg(rc == 0, "%s: %s (%s)", path, cs_strerror(rc), cs_diag());
    ck_assert_ptr_nonnull(rec);
    ck_assert_msg(json_is_array(json_object_get(rec, "errors")), "%s: no errors array", path);
    return rec;
}

static json_t *
load_oracle(void)
{
    json_error_t err;
    json_t *all = json_load_file(CUSTODY_CORPUS "/exiftool.json", 0, &err);
    ck_assert_msg(json_is_array(all), "exiftool.json: %s", err.text);
    return all;
}

static void
corpus_path(char *buf, size_t size, json_t *entry)
{
    const char *src = json_string_value(json_object_get(entry, "SourceFile"));
    ck_assert_ptr_nonnull(src);
    ck_assert(strncmp(src, "./", 2) == 0);
    ck_assert_int_lt(snprintf(buf, size, "%s/%s", CORPUS_FILES, src + 2), (int)size);
}

/* A video stream of the record (cover pictures aside) with this size. */
static int
has_video(json_t *media, json_int_t width, json_int_t height)
{
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(media, "streams"), i, s)
    {
        if (strcmp(json_string_value(json_object_get(s, "type")), "video") == 0 &&
            json_object_get(s, "attached_pic") == NULL &&
            json_integer_value(json_object_get(s, "width")) == width &&
            json_integer_value(json_object_get(s, "height")) == height)
            return 1;
    }
    return 0;
}

START_TEST(recordings_match_the_oracle)
{
    json_t *all = load_oracle(), *e;
    size_t i;
    int compared = 0, sizes = 0;
    char path[4096], key[64];
    json_array_foreach(all, i, e)
    {
        json_t *qt = json_object_get(e, "QuickTime:Duration");
        corpus_path(path, sizeof path, e);
        if (!json_is_number(qt) || strstr(path, ".fuzzed") != NULL)
            continue;
        json_t *rec = extract(path);
        json_t *media = json_object_get(rec, "media");
        json_t *dur = json_object_get(media, "duration_s");
        if (!json_is_number(dur)) {
            /* Cut or stripped samples: saying why is the right answer. */
            ck_assert_msg(json_array_size(json_object_get(rec, "errors")) > 0, "%s", path);
            json_decref(rec);
            continue;
        }
        double want = json_number_value(qt), got = json_number_value(dur);
        ck_assert_msg(fabs(got - want) <= fmax(0.02 * want, 0.1), "%s: duration %f, oracle %f",
                      path, got, want);
        compared++;
        /* Each video track ExifTool saw must be a video stream of the same size. */
        for (int t = 1; t < 16; t++) {
            snprintf(key, sizeof key, "Track%d:HandlerType", t);
            const char *handler = json_string_value(json_object_get(e, key));
            snprintf(key, sizeof key, "Track%d:ImageWidth", t);
            json_t *w = json_object_get(e, key);
            snprintf(key, sizeof key, "Track%d:ImageHeight", t);
            json_t *h = json_object_get(e, key);
            if (handler == NULL || strcmp(handler, "vide") != 0 || !json_is_integer(w))
                continue;
            ck_assert_msg(has_video(media, json_integer_value(w), json_integer_value(h)),
                          "%s: no %lldx%lld video stream", path, json_integer_value(w),
                          json_integer_value(h));
            sizes++;
        }
        json_decref(rec);
    }
    /* m4a, mov, mp4 (2), 3gp, 3g2 and ExifTool's QuickTime samples */
    ck_assert_int_ge(compared, 6);
    ck_assert_int_ge(sizes, 5);
    json_decref(all);
}
END_TEST

START_TEST(photos_match_the_oracle)
{
    json_t *all = load_oracle(), *e;
    size_t i;
    int compared = 0;
    char path[4096];
    json_array_foreach(all, i, e)
    {
        const char *mime = json_string_value(json_object_get(e, "File:MIMEType"));
        json_t *w = json_object_get(e, "File:ImageWidth");
        json_t *h = json_object_get(e, "File:ImageHeight");
        if (mime == NULL || strcmp(mime, "image/jpeg") != 0 || !json_is_integer(w))
            continue;
        corpus_path(path, sizeof path, e);
        json_t *rec = extract(path);
        json_t *img = json_object_get(rec, "image");
        if (img == NULL) {
            ck_assert_msg(json_array_size(json_object_get(rec, "errors")) > 0, "%s", path);
        } else {
            ck_assert_msg(
                json_integer_value(json_object_get(img, "width")) == json_integer_value(w) &&
                    json_integer_value(json_object_get(img, "height")) == json_integer_value(h),
                "%s: image size differs from the oracle", path);
            compared++;
        }
        json_decref(rec);
    }
    ck_assert_int_ge(compared, 90);
    json_decref(all);
}
END_TEST

static int nfiles, nunreadable;

static int
visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (type != FTW_F)
        return 0;
    json_t *rec = extract(path);
    json_t *errors = json_object_get(rec, "errors"), *m;
    size_t i;
    json_array_foreach(errors, i, m)
        ck_assert_msg(json_string_length(m) > 0, "%s: empty error message", path);
    if (json_is_null(json_object_get(rec, "media"))) {
        ck_assert_msg(json_array_size(errors) > 0, "%s: unreadable but no reason", path);
        nunreadable++;
    }
    nfiles++;
    json_decref(rec);
    return 0;
}

START_TEST(every_corpus_file_gets_a_record)
{
    ck_assert_int_eq(nftw(CORPUS_FILES, visit, 16, FTW_PHYS), 0);
    ck_assert_int_ge(nfiles, 180);
    ck_assert_int_gt(nunreadable, 0); /* the corpus has broken files on purpose */
    ck_assert_int_lt(nunreadable, nfiles / 2);
}
END_TEST

START_TEST(odd_inputs)
{
    char *dir = cs_test_tmpdir();
    char path[4096], *jpeg;
    json_t *rec = (json_t *)1;
    size_t len;

    snprintf(path, sizeof path, "%s/missing", dir);
    ck_assert_int_eq(cs_extract_file(path, NULL, &rec), CS_ENOENT);
    ck_assert_ptr_null(rec);
    ck_assert_int_eq(cs_extract_file(dir, NULL, &rec), CS_ENOTREG);

    snprintf(path, sizeof path, "%s/empty", dir);
    cs_test_write(path, "", 0);
    rec = extract(path);
    ck_assert(json_is_null(json_object_get(rec, "media")));
    ck_assert_str_eq(json_string_value(json_array_get(json_object_get(rec, "errors"), 0)),
                     "the file is empty");
    json_decref(rec);

    snprintf(path, sizeof path, "%s/noise", dir);
    cs_test_write_random(path, 100000, 7);
    rec = extract(path);
    ck_assert_int_gt(json_array_size(json_object_get(rec, "errors")), 0);
    json_decref(rec);

    /* Names are never patterns: '%d', '*' and '[' are just characters. */
    jpeg = cs_test_read(CORPUS_FILES "/exiftool/t/images/ExifTool.jpg", &len);
    ck_assert_ptr_nonnull(jpeg);
    snprintf(path, sizeof path, "%s/shot %%03d [1] *.jpg", dir);
    cs_test_write(path, jpeg, len);
    ck_assert_int_eq(cs_extract_file(path, "image/jpeg", &rec), 0);
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(rec, "image"), "width")),
                     8);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(rec, "media"), "container")),
                     "jpeg_pipe");
    json_decref(rec);
    free(jpeg);
    cs_test_rmrf(dir);
    free(dir);
}
END_TEST

static Suite *
extract_suite(void)
{
    Suite *s = suite_create("extract");
    TCase *tc = tcase_create("extract");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, recordings_match_the_oracle);
    tcase_add_test(tc, photos_match_the_oracle);
    tcase_add_test(tc, every_corpus_file_gets_a_record);
    tcase_add_test(tc, odd_inputs);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(extract_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
