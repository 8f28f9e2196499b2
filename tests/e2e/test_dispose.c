/* tests/e2e/test_dispose.c: approved disposal (issue 22, part 3) as one script shows it, with
 * build/custody and a running service: an old item of a closed case is planned and one of an
 * open case is not; the proposer's approval is refused (exit 1) and ledgered; a cancelled
 * batch removes nothing; after approval and the grace (retention.grace_days=0) `dispose run`
 * exports the batch's records, removes the bytes and leaves a tombstone; `verify --all` says
 * "1 disposed" and exits 0; `ledger verify` passes; the API answers 410 item-disposed naming
 * the `disposed` entry for the record and the original; the same bytes ingested again are a
 * new arrival. "Old": the items' arrival is moved back to 2020 in the catalog (the write-once
 * trigger lifted for that one statement), as no clock of the program can be set. */
#include "tests/e2e/e2e_api.h"

#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CASE_B_OPEN "任水罚〔2023〕13号"
#define GRACE0 "retention.grace_days=0"

static void
sql(api_t *a, const char *text)
{
    sqlite3 *db = NULL;
    char *err = NULL;
    ck_assert_int_eq(sqlite3_open(a->t.db, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    int rc = sqlite3_exec(db, text, NULL, NULL, &err);
    ck_assert_msg(rc == SQLITE_OK, "%s: %s", text, err ? err : "?");
    sqlite3_close(db);
}

/* Every item and arrival dated 2020: older than any retention period of non-evidence. */
static void
backdate(api_t *a)
{
    sql(a, "BEGIN IMMEDIATE;"
           "DROP TRIGGER items_no_update; DROP TRIGGER item_sources_no_update;"
           "UPDATE items SET created_at = '2020-01-01T00:00:00.000Z';"
           "UPDATE item_sources SET received_at = '2020-01-01T00:00:00.000Z';"
           "CREATE TRIGGER items_no_update BEFORE UPDATE ON items"
           "  BEGIN SELECT RAISE(ABORT, 'items are write-once'); END;"
           "CREATE TRIGGER item_sources_no_update BEFORE UPDATE ON item_sources"
           "  BEGIN SELECT RAISE(ABORT, 'item sources are write-once'); END;"
           "COMMIT;");
}

/* With CUSTODY_TEST_S3_ENV (the s3/ runs) the home's store is an S3 gateway whose objects are
 * under Object Lock in compliance mode for a day (e2e_setup). */
static int
s3_mode(void)
{
    const char *e = getenv("CUSTODY_TEST_S3_ENV");
    return e != NULL && *e != '\0';
}

static void
custody_ok(cs_run_t *r)
{
    ck_assert_msg(r->status == 0, "exit %d: %s %s", r->status, r->out, r->err);
}

/* Case A closed in 2000 with a short archive period (10 years): its items are due. */
static void
closed_long_ago(api_t *a)
{
    cs_run_t r;
    cs_test_custody(&r, "case", "set", CASE_A, "--closed", "2000-01-01", "--keep-period", "short",
                    "--home", a->t.home, NULL);
    custody_ok(&r);
    cs_test_run_free(&r);
}

static long
count(api_t *a, const char *q)
{
    return cs_test_sql_count(a->t.db, q);
}

static int
object_exists(api_t *a, const char *sha)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/store/objects/sha256/%.2s/%.2s/%s", a->t.home, sha, sha + 2,
             sha);
    return access(path, F_OK) == 0;
}

START_TEST(dispose_four_eyes_then_gone)
{
    api_t a;
    cs_run_t r;
    resp_t h;
    char other[PATH_MAX], open_src[PATH_MAX], other_sha[65], open_sha[65], target[512];
    api_setup(&a);
    char *wang = user_add(&a, "wang", "admin");
    e2e_file(&a.t, other, "other.bin", "another old recording of nothing\n");
    e2e_sha256("another old recording of nothing\n", other_sha);
    e2e_file(&a.t, open_src, "open.bin", "a recording of an open case\n");
    e2e_sha256("a recording of an open case\n", open_sha);
    /* Without Object Lock (an s3 run's object store then lets it go). */
    cs_test_custody(&r, "ingest", "--home", a.t.home, "--case", CASE_A, other, "--set",
                    "store.s3_object_lock=off", NULL);
    custody_ok(&r);
    cs_test_run_free(&r);
    cs_test_custody(&r, "ingest", "--home", a.t.home, "--case", CASE_B_OPEN, open_src, NULL);
    custody_ok(&r);
    cs_test_run_free(&r);
    const char *steps[] = {"investigating", "under_review", "decided", "served", "closed"};
    for (size_t i = 0; i < 5; i++) {
        cs_test_custody(&r, "case", "status", CASE_A, "--to", steps[i], "--home", a.t.home, NULL);
        custody_ok(&r);
        cs_test_run_free(&r);
    }
    closed_long_ago(&a);
    backdate(&a);

    /* The plan: the closed case's items, not the open one's. */
    cs_test_custody(&r, "dispose", "plan", "--purpose", "处置", "--home", a.t.home, NULL);
    custody_ok(&r);
    ck_assert_ptr_nonnull(strstr(r.out, a.sha));
    ck_assert_ptr_nonnull(strstr(r.out, other_sha));
    ck_assert_ptr_null(strstr(r.out, open_sha));
    cs_test_run_free(&r);
    cs_test_custody(&r, "dispose", "propose", open_sha, "--reason", "过期", "--as", "root",
                    "--home", a.t.home, NULL);
    ck_assert_int_ne(r.status, 0);
    ck_assert_msg(strstr(r.err, open_sha) && strstr(r.err, "not due"), "%s", r.err);
    cs_test_run_free(&r);

    /* A cancelled batch removes nothing. */
    cs_test_custody(&r, "dispose", "propose", other_sha, "--reason", "过期", "--as", "root",
                    "--home", a.t.home, NULL);
    custody_ok(&r);
    cs_test_run_free(&r);
    cs_test_custody(&r, "dispose", "approve", "1", "--as", "wang", "--home", a.t.home, NULL);
    custody_ok(&r);
    cs_test_run_free(&r);
    cs_test_custody(&r, "dispose", "cancel", "1", "--reason", "案件可能复查", "--as", "root",
                    "--home", a.t.home, NULL);
    custody_ok(&r);
    cs_test_run_free(&r);

    /* Four eyes: the proposer's own approval is refused and ledgered. */
    cs_test_custody(&r, "dispose", "propose", a.sha, "--reason", "非证据录像已过保管期限", "--as",
                    "root", "--home", a.t.home, NULL);
    custody_ok(&r);
    cs_test_run_free(&r);
    cs_test_custody(&r, "dispose", "approve", "2", "--as", "root", "--home", a.t.home, "--set",
                    GRACE0, NULL);
    ck_assert_int_eq(r.status, 1);
    ck_assert_msg(strstr(r.err, "refused"), "%s", r.err);
    cs_test_run_free(&r);
    ck_assert_int_eq(entries(&a, "entry ->> '$.action' = 'dispose.approve' AND entry ->>"
                                 " '$.actor' = 'root' AND entry ->> '$.result' = 'denied'"),
                     1);
    cs_test_custody(&r, "dispose", "approve", "2", "--as", "wang", "--home", a.t.home, "--set",
                    GRACE0, NULL);
    custody_ok(&r);
    cs_test_run_free(&r);

    cs_test_custody(&r, "dispose", "run", "--home", a.t.home, NULL);
    custody_ok(&r);
    cs_test_run_free(&r);
    if (s3_mode()) {
        /* The object store keeps the bytes until their date: nothing goes, nothing is
         * tombstoned, and the batch says which item waits and until when. */
        ck_assert(object_exists(&a, a.sha));
        ck_assert_int_eq(count(&a, "SELECT count(*) FROM tombstones"), 0);
        ck_assert_int_eq(count(&a, "SELECT count(*) FROM disposal_items WHERE state = 'locked'"
                                   " AND retain_until > '2026'"),
                         1);
        cs_test_custody(&r, "dispose", "show", "2", "--home", a.t.home, NULL);
        custody_ok(&r);
        ck_assert_msg(strstr(r.out, "kept by the object store until"), "%s", r.out);
        cs_test_run_free(&r);
        cs_test_custody(&r, "verify", "--all", "--home", a.t.home, NULL);
        custody_ok(&r);
        ck_assert_msg(strstr(r.err, "0 disposed"), "%s", r.err);
        cs_test_run_free(&r);
        /* An object stored without the lock goes from the object store and the folder. */
        cs_test_custody(&r, "dispose", "propose", other_sha, "--reason", "过期", "--as", "root",
                        "--home", a.t.home, NULL);
        custody_ok(&r);
        cs_test_run_free(&r);
        cs_test_custody(&r, "dispose", "approve", "3", "--as", "wang", "--home", a.t.home, "--set",
                        GRACE0, NULL);
        custody_ok(&r);
        cs_test_run_free(&r);
        cs_test_custody(&r, "dispose", "run", "--home", a.t.home, NULL);
        custody_ok(&r);
        cs_test_run_free(&r);
        ck_assert(!object_exists(&a, other_sha));
        ck_assert_int_eq(count(&a, "SELECT count(*) FROM disposal_items WHERE disposal_id = 3"
                                   " AND state = 'disposed'"),
                         1);
        free(wang);
        api_teardown(&a);
        return;
    }
    ck_assert(!object_exists(&a, a.sha));
    ck_assert(object_exists(&a, other_sha));
    ck_assert(object_exists(&a, open_sha));
    ck_assert_int_eq(count(&a, "SELECT count(*) FROM tombstones"), 1);
    char readme[PATH_MAX];
    snprintf(readme, sizeof readme, "%s/disposals/batch-2-records/README.txt", a.t.home);
    ck_assert_int_eq(access(readme, F_OK), 0);
    long seq = count(&a, "SELECT seq FROM ledger WHERE entry ->> '$.action' = 'disposed'");
    ck_assert_int_gt(seq, 0);

    cs_test_custody(&r, "verify", "--all", "--home", a.t.home, NULL);
    custody_ok(&r);
    ck_assert_msg(strstr(r.err, "1 disposed"), "%s", r.err);
    cs_test_run_free(&r);
    cs_test_custody(&r, "verify", a.sha, "--home", a.t.home, NULL);
    custody_ok(&r);
    ck_assert_msg(strstr(r.out, "disposed") && strstr(r.err, "1 disposed"), "%s %s", r.out, r.err);
    cs_test_run_free(&r);
    cs_test_custody(&r, "ledger", "verify", "--home", a.t.home, NULL);
    custody_ok(&r);
    cs_test_run_free(&r);

    /* The API: gone, naming the entry, in Chinese too, for the record and the original. */
    char want[64];
    snprintf(want, sizeof want, "ledger entry %ld", seq);
    const char *suffixes[] = {"", "/original"};
    for (size_t i = 0; i < 2; i++) {
        path_of(&a, target, sizeof target, suffixes[i]);
        http(&a, &h, "GET", target, a.alice, PURPOSE, NULL, NULL);
        assert_problem(&h, 410, "gone");
        json_t *p = body_json(&h);
        ck_assert_str_eq(json_string_value(json_object_get(p, "code")), "item-disposed");
        ck_assert_msg(strstr(json_string_value(json_object_get(p, "detail")), want), "%s", h.body);
        ck_assert_ptr_nonnull(json_string_value(json_object_get(p, "detail_zh")));
        json_decref(p);
        resp_free(&h);
    }

    /* The same bytes again: stored again, a new arrival; the tombstone stays. */
    cs_test_custody(&r, "ingest", "--home", a.t.home, "--case", CASE_B_OPEN, a.src, NULL);
    custody_ok(&r);
    cs_test_run_free(&r);
    ck_assert(object_exists(&a, a.sha));
    ck_assert_int_eq(count(&a, "SELECT count(*) FROM tombstones"), 1);
    ck_assert_int_eq(count(&a, "SELECT count(*) FROM item_disposed"), 0);
    ck_assert_int_eq(entries(&a, "entry ->> '$.action' = 'stored'"), 4);
    path_of(&a, target, sizeof target, "");
    http(&a, &h, "GET", target, a.root, PURPOSE, NULL, NULL);
    ck_assert_int_ne(h.status, 410);
    resp_free(&h);
    cs_test_custody(&r, "verify", "--all", "--home", a.t.home, NULL);
    custody_ok(&r);
    ck_assert_msg(strstr(r.err, "0 disposed"), "%s", r.err);
    cs_test_run_free(&r);
    free(wang);
    api_teardown(&a);
}
END_TEST

/* The service carries out an approved batch on its own, then stops cleanly. */
START_TEST(the_service_carries_out_a_batch)
{
    api_t a;
    cs_run_t r;
    if (s3_mode()) /* the object store's lock keeps the bytes: dispose_four_eyes_then_gone */
        return;
    api_setup(&a);
    free(user_add(&a, "wang", "admin"));
    const char *steps[] = {"investigating", "under_review", "decided", "served", "closed"};
    for (size_t i = 0; i < 5; i++) {
        cs_test_custody(&r, "case", "status", CASE_A, "--to", steps[i], "--home", a.t.home, NULL);
        custody_ok(&r);
        cs_test_run_free(&r);
    }
    closed_long_ago(&a);
    backdate(&a);
    cs_test_custody(&r, "dispose", "propose", "--all-due", "--reason", "过期", "--as", "root",
                    "--home", a.t.home, NULL);
    custody_ok(&r);
    cs_test_run_free(&r);
    cs_test_custody(&r, "dispose", "approve", "1", "--as", "wang", "--home", a.t.home, "--set",
                    GRACE0, NULL);
    custody_ok(&r);
    cs_test_run_free(&r);
    /* Its first look is a second after it starts. */
    ck_assert_int_eq(cs_test_stop(a.pid, SIGTERM), 0);
    api_start(&a);
    ck_assert_int_eq(cs_test_wait_count(
                         a.t.db, "SELECT count(*) FROM disposals WHERE status = 'done'", 1, 30000),
                     1);
    ck_assert(!object_exists(&a, a.sha));
    ck_assert_int_eq(entries(&a, "entry ->> '$.action' = 'disposed' AND entry ->> '$.actor' ="
                                 " 'custody'"),
                     1);
    api_teardown(&a);
}
END_TEST

/* The API: an admin proposes, approves another's batch (never their own), lists and cancels. */
START_TEST(the_api_proposes_approves_and_cancels)
{
    api_t a;
    resp_t h;
    cs_run_t r;
    char body[256];
    api_setup(&a);
    char *wang = user_add(&a, "wang", "admin");
    const char *steps[] = {"investigating", "under_review", "decided", "served", "closed"};
    for (size_t i = 0; i < 5; i++) {
        cs_test_custody(&r, "case", "status", CASE_A, "--to", steps[i], "--home", a.t.home, NULL);
        custody_ok(&r);
        cs_test_run_free(&r);
    }
    closed_long_ago(&a);
    backdate(&a);
    /* Only admins; the grant-less admin's plan is empty, the operator-free list is not. */
    http(&a, &h, "GET", "/v1/disposals", a.alice, PURPOSE, NULL, NULL);
    assert_problem(&h, 403, "forbidden");
    resp_free(&h);
    snprintf(body, sizeof body, "{\"items\": [\"%s\"], \"reason\": \"过期\"}", a.sha);
    http(&a, &h, "POST", "/v1/disposals", a.root, PURPOSE, NULL, body);
    ck_assert_msg(h.status == 201, "%d %s", h.status, h.body);
    json_t *b = body_json(&h);
    ck_assert_str_eq(json_string_value(json_object_get(b, "status")), "proposed");
    json_decref(b);
    resp_free(&h);
    http(&a, &h, "POST", "/v1/disposals/1/approve", a.root, PURPOSE, NULL, NULL);
    assert_problem(&h, 403, "forbidden");
    b = body_json(&h);
    ck_assert_str_eq(json_string_value(json_object_get(b, "code")), "own-proposal");
    ck_assert_ptr_nonnull(json_string_value(json_object_get(b, "detail_zh")));
    json_decref(b);
    resp_free(&h);
    ck_assert_int_eq(entries(&a, "entry ->> '$.action' = 'dispose.approve' AND entry ->>"
                                 " '$.result' = 'denied' AND entry ->> '$.actor' = 'root'"),
                     1);
    http(&a, &h, "POST", "/v1/disposals/1/approve", wang, PURPOSE, NULL, NULL);
    ck_assert_msg(h.status == 200, "%d %s", h.status, h.body);
    resp_free(&h);
    http(&a, &h, "GET", "/v1/disposals", wang, PURPOSE, NULL, NULL);
    ck_assert_msg(h.status == 200, "%d %s", h.status, h.body);
    b = body_json(&h);
    json_t *first = json_array_get(json_object_get(b, "batches"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(first, "status")), "approved");
    ck_assert_str_eq(json_string_value(json_object_get(first, "approved_by")), "wang");
    json_decref(b);
    resp_free(&h);
    http(&a, &h, "POST", "/v1/disposals/1/cancel", wang, PURPOSE, NULL,
         "{\"reason\": \"案件可能复查\"}");
    ck_assert_msg(h.status == 200, "%d %s", h.status, h.body);
    b = body_json(&h);
    ck_assert_str_eq(json_string_value(json_object_get(b, "status")), "cancelled");
    json_decref(b);
    resp_free(&h);
    ck_assert(object_exists(&a, a.sha));
    free(wang);
    api_teardown(&a);
}
END_TEST

static Suite *
dispose_suite(void)
{
    Suite *s = suite_create("dispose");
    TCase *tc = tcase_create("dispose");
    tcase_set_timeout(tc, 240);
    tcase_add_test(tc, dispose_four_eyes_then_gone);
    tcase_add_test(tc, the_service_carries_out_a_batch);
    tcase_add_test(tc, the_api_proposes_approves_and_cancels);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(dispose_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
