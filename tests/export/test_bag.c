/* tests/ledger/test_bag.c: the offline bag check (export/bag_verify.c, export/bag_tar.c) on
 * bags the fuzzer made (fuzz/fuzz_bag.c): each one that once crashed or fooled the verifier,
 * written back byte for byte, must now get a verdict, and the right one.
 *
 * These bugs show under the sanitizers (CUSTODY_SANITIZE=ON, as .ci/run builds the suite). */
#include "core/error.h"
#include "export/bag.h"
#include "tests/support/testutil.h"

#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define BAGIT "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"

typedef struct file {
    const char *name; /* under the bag; NULL ends the list */
    const char *data;
    size_t len; /* 0: strlen(data) */
} file_t;

/* Writes the files under dir, making their folders. */
static void
write_bag(const char *dir, const file_t *files)
{
    char path[PATH_MAX];
    for (const file_t *f = files; f->name != NULL; f++) {
        snprintf(path, sizeof path, "%s/%s", dir, f->name);
        for (char *p = path + strlen(dir) + 1; (p = strchr(p, '/')) != NULL; p++) {
            *p = '\0';
            mkdir(path, 0755);
            *p = '/';
        }
        cs_test_write(path, f->data, f->len ? f->len : strlen(f->data));
    }
}

/* fuzz_bag crash-19d4131b: an empty manifest-sha256.txt (a bag with no payload listed) made
 * the verifier sort a NULL array (qsort(NULL, 0, ...): undefined behaviour). */
static const file_t empty_payload_manifest[] = {
    {"bagit.txt", BAGIT, 0},
    {"bag-info.txt", "", 0},
    {"manifest-sha256.txt", "", 0},
    {"tagmanifest-sha256.txt",
     EMPTY_SHA256 "  bag-info.txt\n" EMPTY_SHA256 "  manifest-sha256.txt\n", 0},
    {"data/case.json", "", 0},
    {"data/ledger/entries.jsonl", "", 0},
    {"data/ledger/proofs.jsonl", "*\n*\n", 0},
    {"data/ledger/checkpoint.txt", "c0", 0},
    {"data/ledger/key.pem", "", 0},
    {NULL, NULL, 0},
};

static const struct {
    const char *name;
    const file_t *files;
    const char *problem; /* the verdict must say this */
} bags[] = {
    {"empty payload manifest", empty_payload_manifest,
     "is in the bag but not in manifest-sha256.txt"},
};

START_TEST(fuzzed_bags_get_a_verdict)
{
    char *dir = cs_test_tmpdir();
    cs_bag_report_t rep;
    write_bag(dir, bags[_i].files);
    ck_assert_int_eq(cs_bag_verify(dir, NULL, &rep), 0);
    ck_assert_msg(strstr(rep.problem, bags[_i].problem) != NULL, "%s: problem \"%s\"",
                  bags[_i].name, rep.problem);
    cs_test_rmrf(dir);
    free(dir);
}
END_TEST

/* A ustar header: name, type, the 12 bytes of the size field; mode, magic and checksum as
 * cs_tar_write makes them. */
static void
tar_header(unsigned char h[512], const char *name, char type, const unsigned char size[12])
{
    unsigned sum = 0;
    memset(h, 0, 512);
    memcpy(h, name, strlen(name));
    memcpy(h + 100, type == '5' ? "0000755" : "0000644", 8);
    memcpy(h + 108, "0000000", 8);
    memcpy(h + 116, "0000000", 8);
    memcpy(h + 124, size, 12);
    memcpy(h + 136, "00000000000", 12);
    h[156] = (unsigned char)type;
    memcpy(h + 257, "ustar", 6);
    memcpy(h + 263, "00", 2);
    memset(h + 148, ' ', 8);
    for (int i = 0; i < 512; i++)
        sum += h[i];
    snprintf((char *)h + 148, 8, "%06o", sum);
    h[155] = ' ';
}

/* Found by fuzz_bag's strict-reader property: a base-256 size of 2^64 - 1 wrapped the padded
 * length to 0, so the entry was unpacked as an empty file and the bag could verify, where
 * tar(1) refuses the archive ("out of off_t range"). */
START_TEST(a_tar_entry_larger_than_any_file_is_refused)
{
    static const unsigned char zero[12] = "00000000000",
                               huge[12] = {0x80, 0,    0,    0,    0xff, 0xff,
                                           0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    unsigned char tar[4 * 512] = {0};
    char *dir = cs_test_tmpdir(), path[PATH_MAX], out[PATH_MAX], top[64];
    tar_header(tar, "bag/", '5', zero);
    tar_header(tar + 512, "bag/junk", '0', huge);
    snprintf(path, sizeof path, "%s/bag.tar", dir);
    snprintf(out, sizeof out, "%s/out", dir);
    cs_test_write(path, tar, sizeof tar);
    ck_assert_int_eq(mkdir(out, 0755), 0);
    ck_assert_int_eq(cs_tar_extract(path, out, top, sizeof top), CS_ECORRUPT);
    ck_assert_msg(strstr(cs_diag(), "size") != NULL, "diag \"%s\"", cs_diag());
    cs_test_rmrf(dir);
    free(dir);
}
END_TEST

static Suite *
bag_suite(void)
{
    Suite *s = suite_create("bag");
    TCase *tc = tcase_create("fuzzed");
    tcase_add_loop_test(tc, fuzzed_bags_get_a_verdict, 0, (int)(sizeof bags / sizeof bags[0]));
    tcase_add_test(tc, a_tar_entry_larger_than_any_file_is_refused);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(bag_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
