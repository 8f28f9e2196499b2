/* tests/indexer/test_cache_gen.c: the catalog's generation (indexer/cache_gen.h), which the
 * service's caches check before they use a row: every table but the ledger's has its
 * triggers (a migration adding a table without them is listed here and turns the caches off);
 * a write by another connection moves it; the ledger's appends do not; a user's grants next
 * lapse at the earliest end of the live ones. */
#include "tests/indexer/indexer_util.h"

#include "core/error.h"
#include "indexer/cache_gen.h"
#include "indexer/ledger.h"
#include "tests/support/testutil.h"

#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

static int64_t
gen(void)
{
    int64_t g = -1;
    ck_assert_int_eq(cs_catalog_cache_gen(cat, &g), 0);
    ck_assert_int_ge(g, 0);
    return g;
}

START_TEST(every_table_but_the_ledgers_moves_the_generation)
{
    size_t n = 99;
    char first[128];
    ck_assert_int_eq(cs_catalog_cache_unwatched(cat, &n, first, sizeof first), 0);
    ck_assert_msg(n == 0,
                  "%zu table(s) have no cache_gen triggers, the first %s: add WATCH(\"%s\") to "
                  "indexer/schema_cache.c's migration (or a migration of its own)",
                  n, first, first);
    /* A table made without them is found, and so would turn the service's caches off. */
    exec_other("CREATE TABLE forgotten (id INTEGER PRIMARY KEY) STRICT");
    ck_assert_int_eq(cs_catalog_cache_unwatched(cat, &n, first, sizeof first), 0);
    ck_assert_uint_eq(n, 1);
    ck_assert_str_eq(first, "forgotten");
}
END_TEST

START_TEST(a_write_by_another_process_moves_it_and_the_ledger_does_not)
{
    char sha[65];
    int64_t g0 = gen(), seq = -1;
    /* The ledger is appended by every read: its appends leave every cached row standing. */
    json_t *e = json_pack("{s:s, s:s}", "kind", "retrieval", "action", "view");
    ck_assert_int_eq(cs_catalog_ledger_append(cat, e, &seq), 0);
    json_decref(e);
    ck_assert_int_eq(gen(), g0);
    /* A write of any other table, by another connection (the CLI), moves it at commit. */
    fake_sha(sha, "cafe", '1');
    cs_arrival_t a = arrival(sha, CASE_A, NULL, "a.jpg");
    ck_assert_int_eq(cs_catalog_record_arrival(cat, &a, NULL), 0);
    int64_t g1 = gen();
    ck_assert_int_gt(g1, g0);
    exec_other("UPDATE jobs SET state = state WHERE 0");
    ck_assert_int_eq(gen(), g1); /* no row: nothing moved */
    exec_other("INSERT INTO classifications (item_id, level, reason, set_by, set_at)"
               " SELECT id, 'privacy', 'test', 'x', '2026-01-01T00:00:00.000Z' FROM items");
    ck_assert_int_gt(gen(), g1);
}
END_TEST

START_TEST(a_users_grants_next_end_is_the_earliest_of_the_live_ones)
{
    char until[CS_TIME_MAX];
    exec_other("INSERT INTO users (id, name, token_sha256, created_by, created_at, role) VALUES"
               " (7, 'alice', printf('%064d', 7), 'root', '2026-01-01T00:00:00.000Z', 'reviewer'),"
               " (8, 'bob', printf('%064d', 8), 'root', '2026-01-01T00:00:00.000Z', 'reviewer')");
    exec_other("INSERT INTO cases (id, number, created_at) VALUES (1, '" CASE_A "',"
               " '2026-01-01T00:00:00.000Z')");
    ck_assert_int_eq(cs_catalog_grants_next_expiry(cat, 7, "2026-06-01T00:00:00.000Z", until), 0);
    ck_assert_str_eq(until, ""); /* no grant: nothing lapses */
    /* Open-ended, lapsed, revoked, another user's, and two live ones. */
    exec_other(
        "INSERT INTO grants (any_purpose, user_id, case_id, clearance, until, granted_by, "
        "granted_at,"
        " revoked_at) VALUES"
        " (1, 7, 1, 'internal', NULL, 'root', '2026-01-01T00:00:00.000Z', NULL),"
        " (1, 7, 1, 'internal', '2026-05-01T00:00:00.000Z', 'root', '2026-01-01T00:00:00.000Z',"
        " NULL),"
        " (1, 7, 1, 'internal', '2026-06-02T00:00:00.000Z', 'root', '2026-01-01T00:00:00.000Z',"
        " '2026-02-01T00:00:00.000Z'),"
        " (1, 8, 1, 'internal', '2026-06-01T00:00:01.000Z', 'root', '2026-01-01T00:00:00.000Z',"
        " NULL),"
        " (1, 7, 1, 'internal', '2026-07-01T00:00:00.000Z', 'root', '2026-01-01T00:00:00.000Z',"
        " NULL),"
        " (1, 7, 1, 'internal', '2026-06-03T00:00:00.000Z', 'root', '2026-01-01T00:00:00.000Z',"
        " NULL)");
    ck_assert_int_eq(cs_catalog_grants_next_expiry(cat, 7, "2026-06-01T00:00:00.000Z", until), 0);
    ck_assert_str_eq(until, "2026-06-03T00:00:00.000Z");
    /* At that instant it has lapsed (a grant is live while until > now): the next one. */
    ck_assert_int_eq(cs_catalog_grants_next_expiry(cat, 7, "2026-06-03T00:00:00.000Z", until), 0);
    ck_assert_str_eq(until, "2026-07-01T00:00:00.000Z");
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("cache_gen");
    TCase *tc = tcase_create("cache_gen");
    tcase_add_checked_fixture(tc, catalog_setup, catalog_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, every_table_but_the_ledgers_moves_the_generation);
    tcase_add_test(tc, a_write_by_another_process_moves_it_and_the_ledger_does_not);
    tcase_add_test(tc, a_users_grants_next_end_is_the_earliest_of_the_live_ones);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
