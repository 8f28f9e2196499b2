/* tests/e2e/test_api_ledger.c: the ledger for the auditor over a real socket: filtered
 * (actor, result, case, action, kind, item, role, purpose, time bounds), paged both ways, the
 * refusal of a non-auditor ledgered, and raw (the stored bytes, leaf hashes recomputed
 * here). */
#include "tests/e2e/e2e_ui.h"

#include <ftw.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- the ledger for the auditor ---- */

/* The ledger entry `seq` as stored (malloc'd). */
static char *
stored_entry(api_t *a, long seq)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    char *text = NULL;
    ck_assert_int_eq(sqlite3_open_v2(a->t.db, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    ck_assert_int_eq(
        sqlite3_prepare_v2(db, "SELECT entry FROM ledger WHERE seq = ?1", -1, &st, NULL),
        SQLITE_OK);
    sqlite3_bind_int64(st, 1, seq);
    if (sqlite3_step(st) == SQLITE_ROW)
        text = strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return text;
}

START_TEST(the_ledger_filters_and_gives_the_exact_bytes_to_hash)
{
    api_t a;
    resp_t r;
    char item[256], q[512];
    size_t i;
    json_t *e;
    api_setup(&a);
    path_of(&a, item, sizeof item, "");
    for (int k = 0; k < 3; k++) { /* bob denied three times, alice allowed once */
        refused_with(&a, "GET", item, a.bob, PURPOSE, NULL, 403, "forbidden");
    }
    http(&a, &r, "GET", item, a.alice, PURPOSE, NULL, NULL);
    ck_assert_int_eq(r.status, 200);
    resp_free(&r);
    /* actor and result, combined: exactly bob's denials. */
    http(&a, &r, "GET", "/v1/ledger?actor=bob&result=denied", a.carol, NULL, NULL, NULL);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    json_t *led = body_json(&r), *list = json_object_get(led, "entries");
    ck_assert_int_eq(json_array_size(list), 3);
    json_array_foreach(list, i, e)
    {
        ck_assert_str_eq(json_string_value(json_object_get(e, "actor")), "bob");
        ck_assert_str_eq(json_string_value(json_object_get(e, "result")), "denied");
        ck_assert_str_eq(json_string_value(json_object_get(e, "purpose")), "复核");
    }
    long size = json_integer_value(json_object_get(led, "size"));
    ck_assert_int_eq(size, entries(&a, "1"));
    ck_assert_int_eq(json_integer_value(json_object_get(led, "next")), size);
    json_decref(led);
    resp_free(&r);
    /* Newest first, paged: seq descending, next the one before the page. */
    http(&a, &r, "GET", "/v1/ledger?actor=bob&order=desc&limit=2", a.carol, NULL, NULL, NULL);
    led = body_json(&r);
    list = json_object_get(led, "entries");
    ck_assert_int_eq(json_array_size(list), 2);
    long s0 = json_integer_value(json_object_get(json_array_get(list, 0), "seq"));
    long s1 = json_integer_value(json_object_get(json_array_get(list, 1), "seq"));
    ck_assert_int_gt(s0, s1);
    ck_assert_int_eq(json_integer_value(json_object_get(led, "next")), s1 - 1);
    snprintf(q, sizeof q, "/v1/ledger?actor=bob&order=desc&limit=2&since=%ld", s1 - 1);
    json_decref(led);
    resp_free(&r);
    http(&a, &r, "GET", q, a.carol, NULL, NULL, NULL);
    led = body_json(&r);
    list = json_object_get(led, "entries");
    ck_assert_int_eq(json_array_size(list), 1);
    ck_assert_int_lt(json_integer_value(json_object_get(json_array_get(list, 0), "seq")), s1);
    ck_assert(json_is_null(json_object_get(led, "next"))); /* nothing older */
    json_decref(led);
    resp_free(&r);
    /* The other filters: case in any bracket form, action, kind, item, role, time bounds. */
    snprintf(q, sizeof q,
             "/v1/ledger?case=%s&action=view&kind=retrieval&role=reviewer&item=%s"
             "&purpose=%s&from=2000-01-01&to=2999-12-31T23:59:59%%2B08:00&limit=1000",
             CASE_A_PCT, a.sha, PURPOSE);
    http(&a, &r, "GET", q, a.carol, NULL, NULL, NULL);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    led = body_json(&r);
    ck_assert_int_eq(json_array_size(json_object_get(led, "entries")), 1); /* alice's view */
    ck_assert_str_eq(json_string_value(json_object_get(
                         json_array_get(json_object_get(led, "entries"), 0), "actor")),
                     "alice");
    json_decref(led);
    resp_free(&r);
    ck_assert_uint_eq(count_at(&a, "/v1/ledger?from=2999-01-01T00:00:00Z", a.carol, "entries"), 0);
    static const char *const bad[] = {"/v1/ledger?from=yesterday", "/v1/ledger?to=2026-13-01",
                                      "/v1/ledger?order=up", "/v1/ledger?raw=2",
                                      "/v1/ledger?case=nope"};
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        refused_with(&a, "GET", bad[i], a.carol, NULL, NULL, 400, "bad-request");
    }
    refused_with(&a, "GET", "/v1/ledger?actor=bob", a.alice, NULL, NULL, 403, "forbidden");
    /* The gate ledgers that refusal (reading the ledger is the auditors'); allowed reads of
     * the ledger are not reads of records and are not ledgered. */
    ck_assert_int_eq(entries(&a, "json_extract(entry, '$.action') = 'ledger' AND "
                                 "json_extract(entry, '$.actor') = 'alice' AND "
                                 "json_extract(entry, '$.result') = 'denied'"),
                     1);
    size++;
    /* raw=1: the stored bytes and their leaf; SHA-256(0x00 || entry) is the leaf. */
    http(&a, &r, "GET", "/v1/ledger?raw=1&limit=1000", a.carol, NULL, NULL, NULL);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    led = body_json(&r);
    list = json_object_get(led, "entries");
    ck_assert_int_eq(json_array_size(list), size);
    json_array_foreach(list, i, e)
    {
        const char *text = json_string_value(json_object_get(e, "entry"));
        const char *leaf = json_string_value(json_object_get(e, "leaf"));
        long seq = json_integer_value(json_object_get(e, "seq"));
        unsigned char md[32], want[48];
        unsigned int mdlen = 0;
        size_t n = strlen(text);
        char *prefixed = malloc(n + 1), *stored = stored_entry(&a, seq);
        ck_assert_int_eq(seq, (long)i);
        ck_assert_str_eq(text, stored);
        prefixed[0] = '\0';
        memcpy(prefixed + 1, text, n);
        EVP_Digest(prefixed, n + 1, md, &mdlen, EVP_sha256(), NULL);
        ck_assert_int_eq(EVP_DecodeBlock(want, (const unsigned char *)leaf, 44), 33);
        ck_assert_msg(memcmp(md, want, 32) == 0, "entry %ld: leaf does not match", seq);
        free(prefixed);
        free(stored);
    }
    json_decref(led);
    resp_free(&r);
    api_teardown(&a);
}
END_TEST

static Suite *
ledger_suite(void)
{
    Suite *s = suite_create("e2e_api_ledger");
    TCase *tc = tcase_create("ledger");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, the_ledger_filters_and_gives_the_exact_bytes_to_hash);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(ledger_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
