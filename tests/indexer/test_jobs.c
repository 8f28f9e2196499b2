/* tests/indexer/test_jobs.c: the durable ingest jobs, through the catalog API. */
#include "core/error.h"
#include "indexer/catalog.h"
#include "indexer/jobs.h"
#include "tests/support/testutil.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A reason with no params, in a static slot (one in use at a time). */
static const cs_reason_t *
reason_of(cs_reason_code_t code, const char *text)
{
    static cs_reason_t r;
    cs_reason_set(&r, code, NULL, "%s", text);
    return &r;
}

static char *dir;
static char db[4096];
static cs_catalog_t *cat;

static void
setup(void)
{
    cs_catalog_opts_t o = {.busy_timeout_ms = 1000};
    dir = cs_test_tmpdir();
    snprintf(db, sizeof db, "%s/catalog.db", dir);
    ck_assert_int_eq(cs_catalog_open(&cat, db, 1, &o), 0);
}

static void
teardown(void)
{
    cs_catalog_close(&cat);
    cs_test_rmrf(dir);
    free(dir);
}

static const char sha[] = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

static void
arrival(cs_arrival_t *a)
{
    memset(a, 0, sizeof *a);
    a->sha256 = sha;
    a->size = 3;
    a->media_type = "image/jpeg";
    a->case_number = "任水罚〔2023〕12号";
    a->original_name = "a.jpg";
    a->source_path = "/up/a.jpg";
    a->actor = "uploads";
}

START_TEST(a_job_moves_through_its_states_once)
{
    cs_job_t *job = calloc(1, sizeof *job), *again = calloc(1, sizeof *again);
    cs_arrival_t a;
    cs_arrival_result_t r;
    const char *roots[] = {"/up"}, *rels[] = {"任水罚〔2023〕12号/a.jpg"};
    ck_assert_int_eq(cs_jobs_discover_many(cat, roots, rels, 1), 0);
    ck_assert_int_eq(cs_jobs_discover_many(cat, roots, rels, 1), 0); /* no second job */
    ck_assert_int_eq(cs_test_sql_count(db, "SELECT count(*) FROM jobs WHERE state='discovered'"),
                     1);
    ck_assert_int_eq(cs_jobs_find(cat, "/up", rels[0], job), 0);
    ck_assert_int_gt(job->id, 0);
    ck_assert_int_eq(job->state, CS_JOB_DISCOVERED);
    job->size = 3;
    ck_assert_int_eq(cs_jobs_claim(cat, job, NULL), 0);
    ck_assert_int_eq(job->state, CS_JOB_CLAIMED);
    /* A second claim of the same job is refused: no transition twice. */
    *again = *job;
    again->state = CS_JOB_DISCOVERED;
    ck_assert_int_eq(cs_jobs_claim(cat, again, NULL), CS_ENOTFOUND);
    arrival(&a);
    ck_assert_int_eq(cs_jobs_stored(cat, job, &a, &r), 0);
    ck_assert_int_eq(r.item_created, 1);
    json_t *rec = json_pack("{s:{s:s}}", "media", "container", "mjpeg");
    ck_assert_int_eq(cs_jobs_extracted(cat, job, rec, NULL, CS_JOB_DONE), 0);
    json_decref(rec);
    ck_assert_int_eq(job->state, CS_JOB_DONE);
    ck_assert_int_eq(cs_test_sql_count(db, "SELECT count(*) FROM jobs WHERE state='done' AND "
                                           "done_at IS NOT NULL AND item_id IS NOT NULL"),
                     1);
    json_t *meta = NULL;
    ck_assert_int_eq(cs_catalog_metadata(cat, sha, &meta), 0);
    ck_assert_str_eq(
        json_string_value(json_object_get(json_object_get(meta, "media"), "container")), "mjpeg");
    json_decref(meta);
    /* Done: the path is free for a new job. */
    ck_assert_int_eq(cs_jobs_find(cat, "/up", rels[0], again), 0);
    ck_assert_int_eq(again->id, 0);
    free(job);
    free(again);
}
END_TEST

START_TEST(unrecorded_jobs_are_inserted_when_stored_or_rejected)
{
    cs_job_t *job = calloc(1, sizeof *job);
    cs_arrival_t a;
    cs_arrival_result_t r;
    ck_assert_int_eq(cs_jobs_find(cat, "(cli)", "/x/a.jpg", job), 0);
    ck_assert_int_eq(job->id, 0);
    arrival(&a);
    job->state = CS_JOB_CLAIMED;
    ck_assert_int_eq(cs_jobs_stored(cat, job, &a, &r), 0);
    ck_assert_int_gt(job->id, 0);
    ck_assert_int_eq(cs_test_sql_count(db, "SELECT count(*) FROM jobs WHERE state='stored'"), 1);
    ck_assert_int_eq(cs_jobs_find(cat, "(cli)", "/x/empty.jpg", job), 0);
    ck_assert_int_eq(cs_jobs_reject(cat, job, reason_of(CS_R_EMPTY, "empty")), 0);
    ck_assert_int_eq(cs_test_sql_count(db, "SELECT count(*) FROM jobs WHERE state='rejected' AND "
                                           "reason='empty'"),
                     1);
    free(job);
}
END_TEST

static int
count_active(const cs_job_t *job, void *arg)
{
    (void)job;
    (*(int *)arg)++;
    return 0;
}

START_TEST(status_counts_states_and_active_jobs_resume)
{
    const char *roots[] = {"/up", "/up", "/up"}, *rels[] = {"a", "b", "c"};
    cs_job_t *job = calloc(1, sizeof *job);
    int n = 0;
    ck_assert_int_eq(cs_jobs_discover_many(cat, roots, rels, 3), 0);
    ck_assert_int_eq(cs_jobs_find(cat, "/up", "b", job), 0);
    ck_assert_int_eq(cs_jobs_reject(cat, job, reason_of(CS_R_EMPTY, "b is empty")), 0);
    ck_assert_int_eq(cs_jobs_each_active(cat, count_active, &n), 0);
    ck_assert_int_eq(n, 2);
    json_t *st = NULL;
    ck_assert_int_eq(cs_jobs_status(cat, &st), 0);
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(st, "jobs"), "discovered")),
                     2);
    ck_assert_int_eq(json_integer_value(json_object_get(st, "rejected")), 1);
    ck_assert_str_eq(
        json_string_value(json_object_get(json_object_get(st, "oldest_pending"), "path")), "a");
    ck_assert_str_eq(json_string_value(json_object_get(
                         json_array_get(json_object_get(st, "recent_rejections"), 0), "reason")),
                     "b is empty");
    json_decref(st);
    free(job);
}
END_TEST

START_TEST(batches_commit_many_transactions_at_once)
{
    cs_job_t *job = calloc(1, sizeof *job);
    ck_assert_int_eq(cs_catalog_batch_begin(cat), 0);
    ck_assert_int_eq(cs_catalog_batch_begin(cat), CS_EINVAL);
    for (int i = 0; i < 5; i++) {
        char rel[16];
        snprintf(rel, sizeof rel, "f%d", i);
        ck_assert_int_eq(cs_jobs_find(cat, "/up", rel, job), 0);
        ck_assert_int_eq(cs_jobs_reject(cat, job, reason_of(CS_R_UNKNOWN, "test")), 0);
    }
    /* Not visible to another connection before the batch commits. */
    ck_assert_int_eq(cs_test_sql_count(db, "SELECT count(*) FROM jobs"), 0);
    ck_assert_int_eq(cs_catalog_batch_commit(cat), 0);
    ck_assert_int_eq(cs_test_sql_count(db, "SELECT count(*) FROM jobs"), 5);
    free(job);
}
END_TEST

/* A path or a route that does not fit a job is refused, never kept cut: a cut path would name
 * another file, a cut route would be JSON that says something else or nothing. */
START_TEST(a_job_too_long_to_keep_whole_is_refused)
{
    cs_job_t *job = calloc(1, sizeof *job);
    char *rel = malloc(sizeof job->rel + 8);
    memset(rel, 'a', sizeof job->rel + 7);
    rel[sizeof job->rel + 7] = '\0';
    ck_assert_int_eq(cs_jobs_find(cat, "/up", rel, job), CS_ENAMETOOLONG);
    ck_assert_ptr_nonnull(strstr(cs_diag(), "longer than"));

    ck_assert_int_eq(cs_jobs_find(cat, "/up", "a.jpg", job), 0);
    char *note = malloc(sizeof job->route + 1);
    memset(note, 'n', sizeof job->route);
    note[sizeof job->route] = '\0';
    json_t *route = json_pack("{s:s}", "note", note);
    ck_assert_int_eq(cs_jobs_claim(cat, job, route), CS_ENAMETOOLONG);
    ck_assert_int_eq(cs_test_sql_count(db, "SELECT count(*) FROM jobs"), 0); /* nothing kept */
    json_decref(route);
    free(note);
    free(rel);
    free(job);
}
END_TEST

/* Stores `sha` again from its own path (a new arrival) and extracts `rec` (NULL: a failed
 * extraction); the item's record as the catalog then holds it. */
static json_t *
arrive_and_extract(const char *rel, const char *rec_json)
{
    cs_job_t *job = calloc(1, sizeof *job);
    cs_arrival_t a;
    cs_arrival_result_t r;
    json_t *meta = NULL, *rec = rec_json ? json_loads(rec_json, 0, NULL) : NULL;
    ck_assert_int_eq(cs_jobs_find(cat, "(cli)", rel, job), 0);
    job->state = CS_JOB_CLAIMED;
    arrival(&a);
    ck_assert_int_eq(cs_jobs_stored(cat, job, &a, &r), 0);
    ck_assert_int_eq(cs_jobs_extracted(cat, job, rec,
                                       rec ? NULL : reason_of(CS_R_EXTRACT, "the worker crashed"),
                                       CS_JOB_DONE),
                     0);
    json_decref(rec);
    free(job);
    ck_assert_int_eq(cs_catalog_metadata(cat, sha, &meta), 0);
    return meta;
}

static const char *
field(json_t *meta, const char *key)
{
    return json_string_value(json_object_get(meta, key));
}

/* The same content arriving again never rewrites the first capture time: a later arrival's
 * file time or sidecar changes nothing, and the arrival candidates stay the first's; only a
 * time from the content itself replaces an earlier one that was not. */
START_TEST(a_later_arrival_keeps_the_first_capture_time)
{
    json_t *m = arrive_and_extract(
        "/x/IMG_0001.JPG",
        "{\"captured_at\": null, \"captured_at_source\": \"file:mtime\", \"captured_at_utc\":"
        " null, \"offset_known\": false, \"captured_at_estimate\": \"file_time\", "
        "\"file_time\": \"2020-01-02T03:04:05Z\", \"time_candidates\": [{\"source\": "
        "\"file:mtime\", \"utc\": \"2020-01-02T03:04:05Z\"}]}");
    ck_assert_str_eq(field(m, "file_time"), "2020-01-02T03:04:05Z");
    json_decref(m);
    m = arrive_and_extract(
        "/y/现场.jpg",
        "{\"captured_at\": \"2022-02-02T10:00:00+08:00\", \"captured_at_source\": \"sidecar\","
        " \"captured_at_utc\": \"2022-02-02T02:00:00Z\", \"offset_known\": true,"
        " \"captured_at_estimate\": null, \"file_time\": null, \"time_candidates\": [{\"source\":"
        " \"sidecar\", \"local\": \"2022-02-02T10:00:00\", \"offset\": \"+08:00\"},"
        " {\"source\": \"file:mtime\", \"utc\": \"2021-02-02T03:04:05Z\"}]}");
    ck_assert(json_is_null(json_object_get(m, "captured_at")));
    ck_assert_str_eq(field(m, "captured_at_source"), "file:mtime");
    ck_assert_str_eq(field(m, "file_time"), "2020-01-02T03:04:05Z");
    json_t *cands = json_object_get(m, "time_candidates");
    ck_assert_int_eq(json_array_size(cands), 1);
    ck_assert_str_eq(field(json_array_get(cands, 0), "utc"), "2020-01-02T03:04:05Z");
    json_decref(m);
    ck_assert_int_eq(cs_test_sql_count(db, "SELECT count(*) FROM events WHERE kind = 'extracted'"
                                           " AND detail ->> '$.captured_at_kept' IS NOT NULL"),
                     1);
    /* A reader that now finds the content's own time: that time, the first arrival's claims. */
    m = arrive_and_extract(
        "/z/again.jpg",
        "{\"captured_at\": \"2019-07-24T11:25:41\", \"captured_at_source\": "
        "\"exif:DateTimeOriginal\", \"captured_at_utc\": null, \"offset_known\": false,"
        " \"time_candidates\": [{\"source\": \"exif:DateTimeOriginal\", \"local\":"
        " \"2019-07-24T11:25:41\"}, {\"source\": \"file:mtime\", \"utc\": "
        "\"2023-01-01T00:00:00Z\"}]}");
    ck_assert_str_eq(field(m, "captured_at"), "2019-07-24T11:25:41");
    cands = json_object_get(m, "time_candidates");
    ck_assert_int_eq(json_array_size(cands), 2);
    ck_assert_str_eq(field(json_array_get(cands, 1), "utc"), "2020-01-02T03:04:05Z");
    json_decref(m);
    /* And a content time is never replaced by a later arrival's claim. */
    m = arrive_and_extract("/w/w.jpg", "{\"captured_at\": \"2024-01-01T00:00:00+08:00\","
                                       " \"captured_at_source\": \"sidecar\"}");
    ck_assert_str_eq(field(m, "captured_at"), "2019-07-24T11:25:41");
    json_decref(m);
}
END_TEST

/* An earlier extraction that failed before choosing any time leaves nothing to keep. */
START_TEST(a_failed_first_extraction_keeps_nothing)
{
    json_t *m = arrive_and_extract("/x/a.jpg", NULL);
    ck_assert_ptr_null(json_object_get(m, "captured_at"));
    json_decref(m);
    m = arrive_and_extract("/y/a.jpg", "{\"captured_at\": null, \"captured_at_source\": "
                                       "\"file:mtime\", \"file_time\": \"2021-01-01T00:00:00Z\"}");
    ck_assert_str_eq(field(m, "file_time"), "2021-01-01T00:00:00Z");
    json_decref(m);
}
END_TEST

static Suite *
jobs_suite(void)
{
    Suite *s = suite_create("jobs");
    TCase *tc = tcase_create("jobs");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, a_job_moves_through_its_states_once);
    tcase_add_test(tc, unrecorded_jobs_are_inserted_when_stored_or_rejected);
    tcase_add_test(tc, status_counts_states_and_active_jobs_resume);
    tcase_add_test(tc, batches_commit_many_transactions_at_once);
    tcase_add_test(tc, a_job_too_long_to_keep_whole_is_refused);
    tcase_add_test(tc, a_later_arrival_keeps_the_first_capture_time);
    tcase_add_test(tc, a_failed_first_extraction_keeps_nothing);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(jobs_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
