/* tests/ingest/test_receipt.c: ingest/receipt.c writes one receipt per stored job, only under
 * receipts/, and a second call (recovery after a crash) writes nothing more. */
#include "core/error.h"
#include "ingest/receipt.h"
#include "tests/support/testutil.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CASE "任水罚〔2023〕12号"
#define SHA "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

typedef struct fixture {
    char *dir;
    char receipts[PATH_MAX];
    char outside[PATH_MAX];
} fixture_t;

static void
setup(fixture_t *f)
{
    f->dir = cs_test_tmpdir();
    snprintf(f->receipts, sizeof f->receipts, "%s/home/receipts", f->dir);
    snprintf(f->outside, sizeof f->outside, "%s/outside", f->dir);
    ck_assert_int_eq(mkdir(f->outside, 0755), 0);
    char home[PATH_MAX];
    snprintf(home, sizeof home, "%s/home", f->dir);
    ck_assert_int_eq(mkdir(home, 0755), 0);
}

static void
job_of(cs_job_t *job, int64_t id, const char *rel)
{
    memset(job, 0, sizeof *job);
    job->id = id;
    job->state = CS_JOB_STORED;
    job->size = 42;
    snprintf(job->root, sizeof job->root, "/srv/uploads");
    snprintf(job->rel, sizeof job->rel, "%s", rel);
    snprintf(job->sha256, sizeof job->sha256, SHA);
}

static json_t *
load(const fixture_t *f, const char *folder, const char *name)
{
    char p[PATH_MAX * 2];
    snprintf(p, sizeof p, "%s/%s/%s", f->receipts, folder, name);
    return json_load_file(p, 0, NULL);
}

START_TEST(one_receipt_per_job_however_often_it_is_written)
{
    fixture_t f;
    cs_job_t a, b;
    char folder[PATH_MAX * 2];
    setup(&f);
    json_t *route = json_pack("{s:s, s:s}", "case", CASE, "party", "某公司");
    job_of(&a, 7, CASE "/x.jpg");
    job_of(&b, 9, CASE "/警号0451/x.jpg");
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(cs_receipt_write(f.receipts, &a, "/srv/uploads/a/x.jpg", route), 0);
        ck_assert_int_eq(cs_receipt_write(f.receipts, &b, "/srv/uploads/b/x.jpg", route), 0);
    }
    snprintf(folder, sizeof folder, "%s/%s", f.receipts, CASE);
    ck_assert_int_eq(cs_test_count_files(folder), 2); /* no second receipt, no temporary left */
    json_t *r = load(&f, CASE, "x.jpg.receipt.json");
    ck_assert_ptr_nonnull(r);
    ck_assert_int_eq(json_integer_value(json_object_get(r, "job")), 7);
    ck_assert_str_eq(json_string_value(json_object_get(r, "sha256")), SHA);
    ck_assert_str_eq(json_string_value(json_object_get(r, "case")), CASE);
    ck_assert_str_eq(json_string_value(json_object_get(r, "party")), "某公司");
    ck_assert_str_eq(json_string_value(json_object_get(r, "source")), "/srv/uploads/a/x.jpg");
    json_decref(r);
    r = load(&f, CASE, "x.jpg.9.receipt.json"); /* the same name in the case: both kept */
    ck_assert_ptr_nonnull(r);
    ck_assert_int_eq(json_integer_value(json_object_get(r, "job")), 9);
    json_decref(r);
    /* Unassigned uploads have their own folder. */
    json_t *none = json_object();
    ck_assert_int_eq(cs_receipt_write(f.receipts, &a, "/srv/uploads/x.jpg", none), 0);
    r = load(&f, "_unassigned", "x.jpg.receipt.json");
    ck_assert_ptr_nonnull(r);
    json_decref(r);
    json_decref(none);
    json_decref(route);
    cs_test_rmrf(f.dir);
    free(f.dir);
}
END_TEST

/* uploads/<case>/<officer>/x.jpg: the receipt keeps the officer's level of the folder, so two
 * officers' files of one name each have their own receipt by the first name (issue 19). */
START_TEST(the_receipt_keeps_the_officer_level)
{
    fixture_t f;
    cs_job_t a, b;
    char folder[PATH_MAX * 2];
    setup(&f);
    json_t *ra = json_pack("{s:s, s:s}", "case", CASE, "officer", "警号0451");
    json_t *rb = json_pack("{s:s, s:s}", "case", CASE, "officer", "警号0452");
    job_of(&a, 7, CASE "/警号0451/x.jpg");
    job_of(&b, 9, CASE "/警号0452/x.jpg");
    ck_assert_int_eq(cs_receipt_write(f.receipts, &a, "/srv/uploads/a/x.jpg", ra), 0);
    ck_assert_int_eq(cs_receipt_write(f.receipts, &b, "/srv/uploads/b/x.jpg", rb), 0);
    json_t *r = load(&f, CASE "/警号0451", "x.jpg.receipt.json");
    ck_assert_ptr_nonnull(r);
    ck_assert_int_eq(json_integer_value(json_object_get(r, "job")), 7);
    json_decref(r);
    r = load(&f, CASE "/警号0452", "x.jpg.receipt.json");
    ck_assert_ptr_nonnull(r);
    ck_assert_int_eq(json_integer_value(json_object_get(r, "job")), 9);
    json_decref(r);
    snprintf(folder, sizeof folder, "%s/%s", f.receipts, CASE);
    ck_assert_int_eq(cs_test_count_files(folder), 2); /* one in each officer's folder */
    /* An officer that is not one name (a sidecar's text): the case's level, nothing outside. */
    json_t *odd = json_pack("{s:s, s:s}", "case", CASE, "officer", "../../x");
    job_of(&a, 11, CASE "/y.jpg");
    ck_assert_int_eq(cs_receipt_write(f.receipts, &a, "/srv/uploads/y.jpg", odd), 0);
    r = load(&f, CASE, "y.jpg.receipt.json");
    ck_assert_ptr_nonnull(r);
    json_decref(r);
    ck_assert_int_eq(cs_test_count_files(f.outside), 0);
    json_decref(odd);
    json_decref(ra);
    json_decref(rb);
    cs_test_rmrf(f.dir);
    free(f.dir);
}
END_TEST

/* Whatever a route says (a catalog written before case numbers were checked), nothing is
 * written outside receipts/. */
static const char *const hostile_cases[] = {"..", ".", "", "../../../outside/pwn〔2023〕1号",
                                            "a/b"};

START_TEST(a_case_that_is_not_one_name_writes_nothing)
{
    fixture_t f;
    cs_job_t a;
    setup(&f);
    json_t *route = json_pack("{s:s}", "case", hostile_cases[_i]);
    job_of(&a, 7, "x.jpg");
    ck_assert_int_eq(cs_receipt_write(f.receipts, &a, "/srv/uploads/x.jpg", route), CS_EINVAL);
    ck_assert_ptr_nonnull(strstr(cs_diag(), "not one folder or file name"));
    ck_assert_int_eq(cs_test_count_files(f.dir), 0);
    json_decref(route);
    cs_test_rmrf(f.dir);
    free(f.dir);
}
END_TEST

/* A link inside receipts/ is not followed: not as the case folder, not as the receipt. */
START_TEST(links_below_receipts_are_not_followed)
{
    fixture_t f;
    cs_job_t a;
    char link[PATH_MAX * 2], folder[PATH_MAX * 2], target[PATH_MAX * 2];
    setup(&f);
    json_t *route = json_pack("{s:s}", "case", CASE);
    job_of(&a, 7, "x.jpg");
    ck_assert_int_eq(mkdir(f.receipts, 0755), 0);
    snprintf(link, sizeof link, "%s/%s", f.receipts, CASE);
    ck_assert_int_eq(symlink(f.outside, link), 0);
    ck_assert_int_ne(cs_receipt_write(f.receipts, &a, "/srv/uploads/x.jpg", route), 0);
    ck_assert_int_eq(cs_test_count_files(f.outside), 0);

    /* A receipt name taken by a link to a file outside: the link and its target stay. */
    ck_assert_int_eq(unlink(link), 0);
    snprintf(folder, sizeof folder, "%s/%s", f.receipts, CASE);
    ck_assert_int_eq(mkdir(folder, 0755), 0);
    snprintf(target, sizeof target, "%s/secret", f.outside);
    cs_test_write(target, "secret", 6);
    snprintf(link, sizeof link, "%s/x.jpg.receipt.json", folder);
    ck_assert_int_eq(symlink(target, link), 0);
    ck_assert_int_eq(cs_receipt_write(f.receipts, &a, "/srv/uploads/x.jpg", route), 0);
    char *text = cs_test_read(target, NULL);
    ck_assert_str_eq(text, "secret");
    free(text);
    json_t *r = load(&f, CASE, "x.jpg.7.receipt.json");
    ck_assert_ptr_nonnull(r);
    json_decref(r);
    json_decref(route);
    cs_test_rmrf(f.dir);
    free(f.dir);
}
END_TEST

static Suite *
receipt_suite(void)
{
    Suite *s = suite_create("receipt");
    TCase *tc = tcase_create("receipt");
    tcase_add_test(tc, one_receipt_per_job_however_often_it_is_written);
    tcase_add_test(tc, the_receipt_keeps_the_officer_level);
    tcase_add_loop_test(tc, a_case_that_is_not_one_name_writes_nothing, 0,
                        (int)(sizeof hostile_cases / sizeof hostile_cases[0]));
    tcase_add_test(tc, links_below_receipts_are_not_followed);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(receipt_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
