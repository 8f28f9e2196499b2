/* tests/e2e/test_probe_batch.c: `custody probe` asks the media workers for files in batches
 * and copies their records out as the workers wrote them (tools/cmd_probe_batch.c). What it
 * prints is what it printed when every file was its own request and every record was parsed
 * and written again: tests/data/probe/golden.json was written by that earlier custody. A
 * hostile file in a batch fails alone, as it did. */
#include "tests/e2e/e2e.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Photos and recordings of tests/data and two files no worker reads, under the names the
 * golden file has. */
static const struct {
    const char *from; /* NULL: `text` is the content */
    const char *name;
    const char *text;
} files[] = {
    {CUSTODY_TEST_DATA "/exiftool/Apple.jpg", "a_apple.jpg", NULL},
    {CUSTODY_TEST_DATA "/exiftool/Canon.jpg", "b_canon.jpg", NULL},
    {CUSTODY_TEST_DATA "/gps/DSCN0010.jpg", "c_gps.jpg", NULL},
    {CUSTODY_TEST_DATA "/heic/IMG_5195.HEIC", "d_iphone.heic", NULL},
    {CUSTODY_TEST_DATA "/exiftool/Pentax.avi", "e_cut.avi", NULL},
    {CUSTODY_TEST_DATA "/exiftool/QuickTime.mov", "f_movie.mov", NULL},
    {NULL, "g_notes.txt", "not a picture\n"},
    {NULL, "h_empty.jpg", ""},
};

static void
copy_in(const char *dir, size_t i)
{
    char to[4096];
    size_t len = 0;
    char *data = files[i].from ? cs_test_read(files[i].from, &len) : strdup(files[i].text);
    ck_assert_ptr_nonnull(data);
    if (files[i].from == NULL)
        len = strlen(data);
    snprintf(to, sizeof to, "%s/%s", dir, files[i].name);
    cs_test_write(to, data, len);
    free(data);
    /* The file time is in the record: one fixed time, 2023-11-14T22:13:20.123456789Z. */
    struct timespec t[2] = {{1700000000, 123456789}, {1700000000, 123456789}};
    ck_assert_int_eq(utimensat(AT_FDCWD, to, t, 0), 0);
}

/* s with every `from` replaced by `to`; to free(). */
static char *
replace_all(const char *s, const char *from, const char *to)
{
    size_t fl = strlen(from), tl = strlen(to), n = 0;
    char *out = malloc(strlen(s) * (tl > fl ? tl / fl + 1 : 1) + 1), *o = out;
    ck_assert_ptr_nonnull(out);
    for (const char *p = s; *p;) {
        if (strncmp(p, from, fl) == 0) {
            memcpy(o, to, tl);
            o += tl;
            p += fl;
            n++;
        } else {
            *o++ = *p++;
        }
    }
    *o = '\0';
    return out;
}

START_TEST(probe_prints_what_it_printed_before_batches)
{
    char *dir = cs_test_tmpdir();
    char home[4096], photos[4096], prefix[4200];
    cs_run_t r;
    snprintf(home, sizeof home, "%s/home", dir);
    snprintf(photos, sizeof photos, "%s/p", dir);
    ck_assert_int_eq(mkdir(photos, 0755), 0);
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        copy_in(photos, i);
    cs_test_custody(&r, "probe", "--home", home, "--json", photos, NULL);
    ck_assert_msg(r.status == 0, "%s", r.err);
    snprintf(prefix, sizeof prefix, "\"%s/", photos);
    char *got = replace_all(r.out, prefix, "\"@/");
    char *want = cs_test_read(CUSTODY_TEST_DATA "/probe/golden.json", NULL);
    ck_assert_ptr_nonnull(want);
    /* Byte for byte: the order of members, the digits of every number, every escape. */
    ck_assert_str_eq(got, want);
    free(got);
    free(want);
    cs_test_run_free(&r);
    cs_test_rmrf(dir);
    free(dir);
}
END_TEST

/* The record of `name` in a JSON array of records; borrowed from `arr`. */
static json_t *
record_of(json_t *arr, const char *name)
{
    json_t *m;
    size_t i;
    json_array_foreach(arr, i, m)
    {
        const char *f = json_string_value(json_object_get(m, "file"));
        if (f != NULL && strlen(f) >= strlen(name) &&
            strcmp(f + strlen(f) - strlen(name), name) == 0)
            return m;
    }
    return NULL;
}

START_TEST(a_crash_or_hang_in_a_batch_fails_that_file_alone)
{
    char *dir = cs_test_tmpdir();
    char home[4096], photos[4096], path[4200];
    char *env[] = {"CUSTODY_TEST_FAULTS=1", NULL};
    cs_run_t r, alone;
    snprintf(home, sizeof home, "%s/home", dir);
    snprintf(photos, sizeof photos, "%s/p", dir);
    ck_assert_int_eq(mkdir(photos, 0755), 0);
    copy_in(photos, 1); /* b_canon.jpg */
    copy_in(photos, 2); /* c_gps.jpg */
    copy_in(photos, 3); /* d_iphone.heic */
    /* JPEG-looking, so that the sniffer hands them to a worker; in one batch with the rest. */
    snprintf(path, sizeof path, "%s/c_crash.jpg", photos);
    cs_test_write(path, "\xff\xd8\xff CUSTODY-TEST-CRASH", 22);
    snprintf(path, sizeof path, "%s/c_hang.jpg", photos);
    cs_test_write(path, "\xff\xd8\xff CUSTODY-TEST-HANG", 21);
    cs_test_custody_env(&r, env, "probe", "--home", home, "--json", "--set",
                        "worker.timeout_ms=1000", photos, NULL);
    ck_assert_int_eq(r.status, 2); /* CS_EXIT_USAGE: some files had no record */
    ck_assert_msg(strstr(r.err, "c_crash.jpg: worker killed by signal 11 (SIGSEGV) on 2 tries") !=
                      NULL,
                  "%s", r.err);
    ck_assert_msg(strstr(r.err, "c_hang.jpg: timed out after 1000 ms on 2 tries") != NULL, "%s",
                  r.err);
    json_t *v = e2e_json(&r);
    ck_assert_uint_eq(json_array_size(v), 3);
    /* Each of the others has the record it has when probed alone. */
    for (size_t i = 1; i <= 3; i++) {
        snprintf(path, sizeof path, "%s/%s", photos, files[i].name);
        cs_test_custody(&alone, "probe", "--home", home, "--json", path, NULL);
        ck_assert_msg(alone.status == 0, "%s", alone.err);
        json_t *a = e2e_json(&alone);
        ck_assert_msg(json_equal(record_of(v, files[i].name), json_array_get(a, 0)), "%s",
                      files[i].name);
        json_decref(a);
        cs_test_run_free(&alone);
    }
    json_decref(v);
    cs_test_run_free(&r);
    cs_test_rmrf(dir);
    free(dir);
}
END_TEST

static Suite *
probe_batch_suite(void)
{
    Suite *s = suite_create("e2e_probe_batch");
    TCase *tc = tcase_create("probe_batch");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, probe_prints_what_it_printed_before_batches);
    tcase_add_test(tc, a_crash_or_hang_in_a_batch_fails_that_file_alone);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(probe_batch_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
