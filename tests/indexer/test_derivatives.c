/* tests/indexer/test_derivatives.c: derivatives as the catalog keeps them: one current copy
 * per profile, the history kept when a copy is made again, failures listed for attention, and
 * rows that no write can alter except to mark them superseded. */
#include "indexer/derivatives.h"

#include "core/error.h"
#include "tests/support/testutil.h"

#include <check.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CASE_A "任水罚〔2023〕12号"

static char *dir;
static char db[4096];
static cs_catalog_t *cat;
static char item[65], copy1[65], copy2[65];

static void
sha_of(char out[65], char fill)
{
    memset(out, fill, 64);
    out[64] = '\0';
}

static void
setup(void)
{
    dir = cs_test_tmpdir();
    snprintf(db, sizeof db, "%s/catalog.db", dir);
    cs_catalog_opts_t opts = {.busy_timeout_ms = 1000};
    ck_assert_int_eq(cs_catalog_open(&cat, db, 1, &opts), 0);
    sha_of(item, 'a');
    sha_of(copy1, 'b');
    sha_of(copy2, 'c');
    cs_arrival_t a = {
        .sha256 = item,
        .size = 4096,
        .media_type = "video/mp4",
        .case_number = CASE_A,
        .original_name = "clip.mp4",
        .source_path = "/srv/uploads/clip.mp4",
        .actor = "clerk.li",
    };
    cs_arrival_result_t r;
    ck_assert_int_eq(cs_catalog_record_arrival(cat, &a, &r), 0);
}

static void
teardown(void)
{
    cs_catalog_close(&cat);
    cs_test_rmrf(dir);
    free(dir);
}

static long
count(const char *sql)
{
    return cs_test_sql_count(db, sql);
}

/* The error of running `sql` through a second connection, as another program would. */
static int
exec_other(const char *sql)
{
    sqlite3 *h = NULL;
    ck_assert_int_eq(sqlite3_open(db, &h), SQLITE_OK);
    int rc = sqlite3_exec(h, sql, NULL, NULL, NULL);
    sqlite3_close(h);
    return rc;
}

START_TEST(verified_and_failed_copies_are_listed_with_their_detail)
{
    json_t *detail =
        json_pack("{s:{s:s}, s:i, s:i}", "encoders", "video", "ffv1", "frames", 300, "width", 1280);
    cs_derivative_t d[2] = {
        {.profile = "archival",
         .status = "verified",
         .sha256 = copy1,
         .size = 99,
         .media_type = "video/x-matroska",
         .detail = detail},
        {.profile = "access",
         .status = "failed",
         .size = -1,
         .reason = "the encoder gave up",
         .reason_code = "copy-failed"},
    };
    ck_assert_int_eq(cs_catalog_add_derivatives(cat, item, d, 2, "worker"), 0);
    json_decref(detail);

    json_t *list = NULL;
    ck_assert_int_eq(cs_catalog_derivatives(cat, item, &list), 0);
    ck_assert_int_eq(json_array_size(list), 2);
    json_t *access = json_array_get(list, 0), *archival = json_array_get(list, 1);
    ck_assert_str_eq(json_string_value(json_object_get(access, "profile")), "access");
    ck_assert_str_eq(json_string_value(json_object_get(access, "status")), "failed");
    ck_assert(json_is_null(json_object_get(access, "sha256")));
    ck_assert_str_eq(json_string_value(json_object_get(access, "reason")), "the encoder gave up");
    ck_assert_str_eq(json_string_value(json_object_get(archival, "sha256")), copy1);
    ck_assert_int_eq(json_integer_value(json_object_get(archival, "size")), 99);
    ck_assert_int_eq(json_integer_value(json_object_get(archival, "frames")), 300);
    ck_assert_str_eq(
        json_string_value(json_object_get(json_object_get(archival, "encoders"), "video")), "ffv1");
    json_decref(list);
    ck_assert_int_eq(count("SELECT count(*) FROM events WHERE kind = 'derived'"), 2);
    ck_assert(cs_catalog_is_derivative(cat, copy1));
    ck_assert(!cs_catalog_is_derivative(cat, item));

    json_t *f = NULL;
    ck_assert_int_eq(cs_catalog_derivative_failures(cat, 10, &f), 0);
    ck_assert_int_eq(json_integer_value(json_object_get(f, "count")), 1);
    ck_assert_str_eq(json_string_value(json_object_get(
                         json_array_get(json_object_get(f, "recent"), 0), "sha256")),
                     item);
    json_decref(f);
}
END_TEST

START_TEST(a_copy_made_again_supersedes_and_history_stays)
{
    cs_derivative_t first = {.profile = "access",
                             .status = "failed",
                             .size = -1,
                             .reason = "x",
                             .reason_code = "copy-failed"};
    cs_derivative_t again = {.profile = "access", .status = "verified", .sha256 = copy2, .size = 7};
    ck_assert_int_eq(cs_catalog_add_derivatives(cat, item, &first, 1, "worker"), 0);
    ck_assert_int_eq(cs_catalog_add_derivatives(cat, item, &again, 1, "clerk.li"), 0);
    json_t *list = NULL;
    ck_assert_int_eq(cs_catalog_derivatives(cat, item, &list), 0);
    ck_assert_int_eq(json_array_size(list), 1);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(list, 0), "sha256")), copy2);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(list, 0), "made_by")),
                     "clerk.li");
    json_decref(list);
    ck_assert_int_eq(count("SELECT count(*) FROM derivatives"), 2);
    ck_assert_int_eq(count("SELECT count(*) FROM derivatives WHERE superseded_at IS NOT NULL"), 1);
    /* Fixed now: nothing needs attention. */
    json_t *f = NULL;
    ck_assert_int_eq(cs_catalog_derivative_failures(cat, 10, &f), 0);
    ck_assert_int_eq(json_integer_value(json_object_get(f, "count")), 0);
    json_decref(f);
}
END_TEST

START_TEST(rows_cannot_be_altered_or_deleted)
{
    cs_derivative_t d = {.profile = "archival", .status = "verified", .sha256 = copy1, .size = 1};
    ck_assert_int_eq(cs_catalog_add_derivatives(cat, item, &d, 1, "worker"), 0);
    ck_assert_int_ne(exec_other("DELETE FROM derivatives"), SQLITE_OK);
    ck_assert_int_ne(exec_other("UPDATE derivatives SET sha256 = '"
                                "cccccccccccccccccccccccccccc"
                                "cccccccccccccccccccccccccccccccccccc'"),
                     SQLITE_OK);
    ck_assert_int_ne(exec_other("UPDATE derivatives SET status = 'failed', reason = 'x'"),
                     SQLITE_OK);
    ck_assert_int_eq(count("SELECT count(*) FROM derivatives WHERE sha256 = '"
                           "bbbbbbbbbbbbbbbb"
                           "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'"),
                     1);
}
END_TEST

static const struct {
    cs_derivative_t d;
    int rc;
} bad[] = {
    {{.profile = "archival", .status = "verified", .size = 1}, CS_EINVAL}, /* no object */
    {{.profile = "archival", .status = "failed", .size = -1}, CS_EINVAL},  /* no reason */
    {{.profile = "archival", .status = "failed", .size = -1, .reason = "x"},
     CS_EINVAL}, /* no code */
    {{.profile = "", .status = "failed", .size = -1, .reason = "x", .reason_code = "copy-failed"},
     CS_EINVAL},
    {{.profile = "access",
      .status = "maybe",
      .size = -1,
      .reason = "x",
      .reason_code = "copy-failed"},
     CS_EINVAL},
};

START_TEST(bad_records_are_refused_whole)
{
    cs_derivative_t d[2] = {
        {.profile = "preview",
         .status = "failed",
         .size = -1,
         .reason = "fine",
         .reason_code = "copy-failed"},
        bad[_i].d,
    };
    ck_assert_int_eq(cs_catalog_add_derivatives(cat, item, d, 2, "worker"), bad[_i].rc);
    ck_assert_int_eq(count("SELECT count(*) FROM derivatives"), 0);
}
END_TEST

START_TEST(an_unknown_item_is_not_found)
{
    cs_derivative_t d = {.profile = "archival", .status = "verified", .sha256 = copy1, .size = 1};
    json_t *list = NULL;
    ck_assert_int_eq(cs_catalog_add_derivatives(cat, copy2, &d, 1, "worker"), CS_ENOTFOUND);
    ck_assert_int_eq(cs_catalog_derivatives(cat, copy2, &list), CS_ENOTFOUND);
    ck_assert_ptr_null(list);
    ck_assert_int_eq(count("SELECT count(*) FROM derivatives"), 0);
}
END_TEST

static Suite *
suite(void)
{
    Suite *s = suite_create("derivatives");
    TCase *tc = tcase_create("derivatives");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, verified_and_failed_copies_are_listed_with_their_detail);
    tcase_add_test(tc, a_copy_made_again_supersedes_and_history_stays);
    tcase_add_test(tc, rows_cannot_be_altered_or_deleted);
    tcase_add_loop_test(tc, bad_records_are_refused_whole, 0, sizeof bad / sizeof bad[0]);
    tcase_add_test(tc, an_unknown_item_is_not_found);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
