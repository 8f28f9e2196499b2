/* tests/indexer/test_status_totals.c: `custody status` reads its counts from running totals
 * kept by triggers (indexer/schema_totals.c) and from small indexes, never by reading every
 * job, fixity row, registry row or copy (~6 s at 10^6 items: bench/scale.sh); and the totals
 * are the counts count(*) gives, after ingests, failures, rejections, fixity checks, flags
 * and rows changed or deleted past the catalog's functions. */
#include "core/error.h"
#include "indexer/catalog_int.h"
#include "indexer/derivatives.h"
#include "indexer/fixity.h"
#include "indexer/jobs.h"
#include "indexer/registry.h"
#include "tests/support/testutil.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static void
sql(const char *text)
{
    sqlite3 *h = NULL;
    char *msg = NULL;
    ck_assert_int_eq(sqlite3_open(db, &h), SQLITE_OK);
    sqlite3_busy_timeout(h, 1000);
    ck_assert_msg(sqlite3_exec(h, text, NULL, NULL, &msg) == SQLITE_OK, "%s: %s", text, msg);
    sqlite3_close(h);
}

/* What status shows now, beside what count(*) over every row says. */
static void
assert_status_is_counted(void)
{
    json_t *st = NULL, *fx = NULL, *flags = NULL, *failed = NULL;
    char q[256];
    ck_assert_int_eq(cs_jobs_status(cat, &st), 0);
    ck_assert_int_eq(cs_catalog_fixity_status(cat, 3600, 10, &fx), 0);
    ck_assert_int_eq(cs_catalog_registry_flag_counts(cat, &flags), 0);
    ck_assert_int_eq(cs_catalog_derivative_failures(cat, 10, &failed), 0);
    for (int s = CS_JOB_DISCOVERED; s <= CS_JOB_REJECTED; s++) {
        const char *name = cs_job_state_name((cs_job_state_t)s);
        snprintf(q, sizeof q, "SELECT count(*) FROM jobs WHERE state = '%s'", name);
        ck_assert_msg(json_integer_value(json_object_get(json_object_get(st, "jobs"), name)) ==
                          cs_test_sql_count(db, q),
                      "jobs %s", name);
    }
    ck_assert_int_eq(json_integer_value(json_object_get(st, "rejected")),
                     cs_test_sql_count(db, "SELECT count(*) FROM jobs WHERE state = 'rejected'"));
    ck_assert_int_eq(json_integer_value(json_object_get(st, "failed")),
                     cs_test_sql_count(db, "SELECT count(*) FROM jobs WHERE failures > 0"));
    ck_assert_int_eq(json_integer_value(json_object_get(fx, "objects")),
                     cs_test_sql_count(db, "SELECT count(*) FROM fixity"));
    ck_assert_int_eq(json_integer_value(json_object_get(fx, "failing")),
                     cs_test_sql_count(db, "SELECT count(*) FROM fixity WHERE result <> 'ok'"));
    ck_assert_int_eq(json_integer_value(json_object_get(failed, "count")),
                     cs_test_sql_count(db, "SELECT count(DISTINCT item_id) FROM derivatives"
                                           " WHERE status = 'failed' AND superseded_at IS NULL"));
    /* Flags by code, as the whole registry counted them (an element that is no object with a
     * text code is not a flag: an odd one must not stop an ingest's trigger). */
    long total = 0;
    const char *code;
    json_t *n;
    json_object_foreach(flags, code, n)
    {
        snprintf(q, sizeof q,
                 "SELECT count(*) FROM item_registry r, json_each(r.flags) f"
                 " WHERE f.type = 'object' AND f.value ->> '$.code' = '%s'",
                 code);
        ck_assert_msg(json_integer_value(n) == cs_test_sql_count(db, q), "flag %s", code);
        total += (long)json_integer_value(n);
    }
    ck_assert_int_eq(total, cs_test_sql_count(db, "SELECT count(*) FROM item_registry r,"
                                                  " json_each(r.flags) f WHERE f.type = 'object'"
                                                  " AND json_type(f.value, '$.code') = 'text'"));
    json_decref(st);
    json_decref(fx);
    json_decref(flags);
    json_decref(failed);
}

static void
arrive(cs_job_t *job, const char *rel, const char *sha)
{
    cs_arrival_t a = {.sha256 = sha,
                      .size = 3,
                      .media_type = "image/jpeg",
                      .case_number = "任水罚〔2023〕12号",
                      .original_name = rel,
                      .source_path = rel,
                      .actor = "uploads"};
    cs_arrival_result_t r;
    ck_assert_int_eq(cs_jobs_find(cat, "/up", rel, job), 0);
    job->size = 3;
    ck_assert_int_eq(cs_jobs_claim(cat, job, NULL), 0);
    ck_assert_int_eq(cs_jobs_stored(cat, job, &a, &r), 0);
}

START_TEST(status_counts_are_the_rows_counted)
{
    static const char *const shas[] = {
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
        "486ea46224d1bb4fb680f34f7c9ad96a8f24ec88be73ea8e5a6c65260e9cb8a7"};
    const char *roots[] = {"/up", "/up", "/up", "/up", "/up"};
    const char *rels[] = {"a.jpg", "b.jpg", "c.jpg", "d.jpg", "e.jpg"};
    cs_job_t *job = calloc(1, sizeof *job);
    cs_reason_t why;
    assert_status_is_counted(); /* empty */
    ck_assert_int_eq(cs_jobs_discover_many(cat, roots, rels, 5), 0);
    assert_status_is_counted();
    /* Three ingests: one done, one done with a failed step, one left stored. */
    arrive(job, "a.jpg", shas[0]);
    ck_assert_int_eq(cs_jobs_extracted(cat, job, NULL, NULL, CS_JOB_DONE), 0);
    arrive(job, "b.jpg", shas[1]);
    cs_reason_set(&why, CS_R_EXTRACT, NULL, "%s", "the probe failed");
    ck_assert_int_eq(cs_jobs_extracted(cat, job, NULL, &why, CS_JOB_DONE), 0);
    arrive(job, "c.jpg", shas[2]);
    assert_status_is_counted();
    /* A rejection; a claim. */
    ck_assert_int_eq(cs_jobs_find(cat, "/up", "d.jpg", job), 0);
    cs_reason_set(&why, CS_R_EMPTY, NULL, "%s", "d.jpg is empty");
    ck_assert_int_eq(cs_jobs_reject(cat, job, &why), 0);
    ck_assert_int_eq(cs_jobs_find(cat, "/up", "e.jpg", job), 0);
    ck_assert_int_eq(cs_jobs_claim(cat, job, NULL), 0);
    assert_status_is_counted();
    /* Fixity checks: one bad, then good again, one missing. */
    cs_fixity_check_t c = {.sha256 = shas[0],
                           .result = CS_FIXITY_MISMATCH,
                           .actual = shas[1],
                           .actor = "scrub",
                           .bytes = 3};
    ck_assert_int_eq(cs_catalog_fixity_record(cat, &c), 0);
    assert_status_is_counted();
    c.result = CS_FIXITY_OK;
    c.actual = NULL;
    ck_assert_int_eq(cs_catalog_fixity_record(cat, &c), 0);
    c.sha256 = shas[1];
    c.result = CS_FIXITY_MISSING;
    ck_assert_int_eq(cs_catalog_fixity_record(cat, &c), 0);
    assert_status_is_counted();
    /* Registry flags written, changed and removed; a failed copy. */
    sql("INSERT INTO item_registry (item_id, flags, resolved_at) SELECT id,"
        " '[{\"code\":\"late-upload\"},{\"code\":\"no-officer\"},\"odd\",{\"code\":7}]',"
        " '2026-01-01T00:00:00.000Z' FROM items");
    assert_status_is_counted();
    sql("UPDATE item_registry SET flags = '[{\"code\":\"late-upload\"}]' WHERE item_id = 1");
    sql("UPDATE item_registry SET flags = '[]' WHERE item_id = 2");
    assert_status_is_counted();
    sql("INSERT INTO derivatives (item_id, profile, status, reason, detail, made_by, made_at)"
        " VALUES (1, 'preview', 'failed', 'no', '{}', 'test', '2026-01-01T00:00:00.000Z')");
    /* Rows changed and deleted past the catalog's functions (as a repair would). */
    sql("UPDATE jobs SET state = 'done', failures = 2 WHERE rel_path = 'c.jpg'");
    sql("UPDATE jobs SET failures = 0 WHERE rel_path = 'b.jpg'");
    sql("DELETE FROM jobs WHERE rel_path = 'd.jpg'");
    sql("DELETE FROM item_registry WHERE item_id = 3");
    sql("UPDATE fixity SET result = 'unreadable' WHERE sha256 = '" /* shas[2] */
        "486ea46224d1bb4fb680f34f7c9ad96a8f24ec88be73ea8e5a6c65260e9cb8a7'");
    assert_status_is_counted();
    free(job);
}
END_TEST

/* No statement status runs reads a table whole: each SCAN is of a partial index whose rows
 * are the ones shown (failing, failed). */
START_TEST(status_reads_no_table_whole)
{
    static const char *const small[] = {"fixity_failing", "derivatives_failed", "metadata_damaged"};
    json_t *o = NULL;
    int seen = 0;
    ck_assert_int_eq(cs_jobs_status(cat, &o), 0);
    json_decref(o);
    ck_assert_int_eq(cs_catalog_fixity_status(cat, 3600, 10, &o), 0);
    json_decref(o);
    ck_assert_int_eq(cs_catalog_registry_flag_counts(cat, &o), 0);
    json_decref(o);
    ck_assert_int_eq(cs_catalog_derivative_failures(cat, 10, &o), 0);
    json_decref(o);
    for (int i = 0; i < CS_CAT_STMTS; i++) {
        const char *t = cat->stmts[i].st ? sqlite3_sql(cat->stmts[i].st) : NULL;
        sqlite3_stmt *ex = NULL;
        if (t == NULL || strncmp(t, "SELECT", 6) != 0 ||
            !(strstr(t, "jobs") || strstr(t, "fixity") || strstr(t, "item_registry") ||
              strstr(t, "derivatives") || strstr(t, "status_totals")))
            continue; /* the catalog's own, when it opened */
        char *q = sqlite3_mprintf("EXPLAIN QUERY PLAN %s", t);
        ck_assert_int_eq(sqlite3_prepare_v2(cat->db, q, -1, &ex, NULL), SQLITE_OK);
        while (sqlite3_step(ex) == SQLITE_ROW) {
            const char *line = (const char *)sqlite3_column_text(ex, 3);
            int ok = strncmp(line, "SCAN ", 5) != 0 || strcmp(line, "SCAN CONSTANT ROW") == 0;
            for (size_t k = 0; k < sizeof small / sizeof small[0]; k++)
                ok = ok || strstr(line, small[k]) != NULL;
            ck_assert_msg(ok, "status reads a whole table: %s\n  in %s", line, t);
        }
        sqlite3_finalize(ex);
        sqlite3_free(q);
        seen++;
    }
    ck_assert_int_ge(seen, 10);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("status_totals");
    TCase *tc = tcase_create("status_totals");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, status_counts_are_the_rows_counted);
    tcase_add_test(tc, status_reads_no_table_whole);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
