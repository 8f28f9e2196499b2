/* tests/e2e/test_api_scale.c: the API under concurrent load and long results: requests that
 * arrive together share ledger commits yet each gets its own entry (the exact count, the
 * right result, a verifiable ledger), and search pages through a cursor, filtered per user
 * before the limit so that every page is full while more visible results exist. */
#include "tests/e2e/e2e_api.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CALLERS 32

typedef struct caller {
    api_t *a;
    pthread_barrier_t *start;
    int i;
    resp_t r;
} caller_t;

/* Caller i: a record read (200), a ranged download (206) or bob's ungranted read (403), with
 * a purpose of its own ("load-NN") to find its entry by. */
static void *
call(void *arg)
{
    caller_t *c = arg;
    char target[256], purpose[16];
    snprintf(purpose, sizeof purpose, "load-%02d", c->i);
    path_of(c->a, target, sizeof target, c->i % 4 == 1 ? "/original" : "");
    pthread_barrier_wait(c->start);
    http(c->a, &c->r, "GET", target, c->i % 4 == 0 ? c->a->bob : c->a->alice, purpose,
         c->i % 4 == 1 ? "bytes=0-99" : NULL, NULL);
    return NULL;
}

START_TEST(concurrent_reads_each_get_their_own_entry_and_the_ledger_verifies)
{
    api_t a;
    caller_t callers[CALLERS];
    pthread_t th[CALLERS];
    pthread_barrier_t start;
    char where[256];
    cs_run_t r;
    api_setup(&a);
    long before = entries(&a, "1");
    pthread_barrier_init(&start, NULL, CALLERS);
    for (int i = 0; i < CALLERS; i++) {
        callers[i] = (caller_t){.a = &a, .start = &start, .i = i};
        ck_assert_int_eq(pthread_create(&th[i], NULL, call, &callers[i]), 0);
    }
    for (int i = 0; i < CALLERS; i++)
        pthread_join(th[i], NULL);
    pthread_barrier_destroy(&start);
    for (int i = 0; i < CALLERS; i++) {
        resp_t *res = &callers[i].r;
        const char *want = i % 4 == 0 ? "denied" : "allowed";
        snprintf(where, sizeof where,
                 "json_extract(entry, '$.purpose') = 'load-%02d' AND "
                 "json_extract(entry, '$.result') = '%s' AND json_extract(entry, '$.bytes') = %d",
                 i, want, i % 4 == 1 ? 100 : 0);
        ck_assert_msg(entries(&a, where) == 1, "caller %d: %ld entries where %s", i,
                      entries(&a, where), where);
        if (i % 4 == 0) {
            /* The denial names its own entry. */
            assert_problem(res, 403, "forbidden");
            const char *n = strstr(res->body, "ledger entry ");
            ck_assert_ptr_nonnull(n);
            snprintf(where, sizeof where,
                     "seq = %ld AND json_extract(entry, '$.purpose') = 'load-%02d'",
                     atol(n + strlen("ledger entry ")), i);
            ck_assert_int_eq(entries(&a, where), 1);
        } else {
            ck_assert_msg(res->status == (i % 4 == 1 ? 206 : 200), "caller %d: %d %.200s", i,
                          res->status, res->body);
            if (i % 4 == 1)
                ck_assert_int_eq(res->body_len, 100);
        }
        resp_free(res);
    }
    ck_assert_int_eq(entries(&a, "1"), before + CALLERS);
    cs_test_custody(&r, "ledger", "verify", "--home", a.t.home, NULL);
    run_ok(&r);
    cs_test_run_free(&r);
    api_teardown(&a);
}
END_TEST

/* Ingests a file of `size` random bytes (seed) into case_number. */
static void
ingest(api_t *a, const char *case_number, unsigned seed)
{
    char path[PATH_MAX];
    cs_run_t r;
    snprintf(path, sizeof path, "%s/extra-%u.bin", a->t.dir, seed);
    cs_test_write_random(path, 1000 + seed, seed);
    cs_test_custody(&r, "ingest", "--home", a->t.home, "--case", case_number, path, NULL);
    run_ok(&r);
    cs_test_run_free(&r);
}

/* One page of alice's search; its items are added to seen, its cursor copied to cursor ("" at
 * the end). */
static size_t
page(api_t *a, const char *token, const char *query, json_t *seen, char *cursor, size_t cap)
{
    char target[512];
    resp_t r;
    snprintf(target, sizeof target, "/v1/search?%s%s%s", query, cursor[0] ? "&cursor=" : "",
             cursor);
    http(a, &r, "GET", target, token, PURPOSE, NULL, NULL);
    ck_assert_msg(r.status == 200, "%d %.300s", r.status, r.body);
    json_t *v = body_json(&r), *item;
    size_t i, n = json_array_size(json_object_get(v, "items"));
    json_array_foreach(json_object_get(v, "items"), i, item)
        json_array_append(seen, json_object_get(item, "sha256"));
    const char *next = json_string_value(json_object_get(v, "next_cursor"));
    ck_assert(next == NULL || strlen(next) < cap);
    snprintf(cursor, cap, "%s", next ? next : "");
    json_decref(v);
    resp_free(&r);
    return n;
}

START_TEST(search_pages_cover_what_the_user_may_see_once_and_pages_are_full)
{
    api_t a;
    resp_t r;
    char cursor[256] = "";
    json_t *seen = json_array();
    api_setup(&a);
    /* Interleaved: seven more items alice may see (CASE_A, eight with api_setup's) between
     * three she may not (CASE_B), so a limit applied before the filter would give short
     * pages. */
    for (unsigned i = 1; i <= 10; i++)
        ingest(&a, i % 3 == 0 ? CASE_B : CASE_A, i);
    long searches = entries(&a, "json_extract(entry, '$.action') = 'search'");
    size_t sizes[8], pages = 0;
    do {
        ck_assert_uint_lt(pages, 8);
        sizes[pages++] = page(&a, a.alice, "limit=3", seen, cursor, sizeof cursor);
    } while (cursor[0] != '\0');
    ck_assert_uint_eq(pages, 3);
    ck_assert_uint_eq(sizes[0], 3);
    ck_assert_uint_eq(sizes[1], 3);
    ck_assert_uint_eq(sizes[2], 2);
    /* Exactly once each, and only CASE_A's items. */
    ck_assert_uint_eq(json_array_size(seen), 8);
    for (size_t i = 0; i < 8; i++) {
        char where[256];
        const char *sha = json_string_value(json_array_get(seen, i));
        for (size_t j = 0; j < i; j++)
            ck_assert_str_ne(sha, json_string_value(json_array_get(seen, j)));
        snprintf(where, sizeof where,
                 "SELECT count(*) FROM items i JOIN links l ON l.item_id = i.id JOIN cases c ON "
                 "c.id = l.case_id WHERE i.sha256 = '%s' AND c.number = '%s' AND "
                 "l.superseded_at IS NULL",
                 sha, CASE_A);
        ck_assert_int_eq(cs_test_sql_count(a.t.db, where), 1);
    }
    ck_assert_int_eq(entries(&a, "json_extract(entry, '$.action') = 'search'"), searches + 3);
    /* An auditor sees all eleven: two full pages of 5, then one. */
    json_array_clear(seen);
    ck_assert_uint_eq(page(&a, a.carol, "limit=5", seen, cursor, sizeof cursor), 5);
    ck_assert_uint_eq(page(&a, a.carol, "limit=5", seen, cursor, sizeof cursor), 5);
    ck_assert_uint_eq(page(&a, a.carol, "limit=5", seen, cursor, sizeof cursor), 1);
    ck_assert_str_eq(cursor, "");
    /* Bob sees nothing and gets no cursor; a cursor not given by the server is refused. */
    ck_assert_uint_eq(page(&a, a.bob, "limit=3", seen, cursor, sizeof cursor), 0);
    ck_assert_str_eq(cursor, "");
    http(&a, &r, "GET", "/v1/search?cursor=bm90IGEgY3Vyc29y", a.alice, PURPOSE, NULL, NULL);
    assert_problem(&r, 400, "bad-request");
    resp_free(&r);
    json_decref(seen);
    api_teardown(&a);
}
END_TEST

START_TEST(a_read_the_ledger_cannot_record_serves_nothing)
{
    api_t a;
    resp_t r;
    char item[256];
    sqlite3 *db;
    api_setup(&a);
    /* The ledger refuses one purpose's entries: those reads must not be answered. */
    ck_assert_int_eq(sqlite3_open(a.t.db, &db), SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(db,
                                  "CREATE TRIGGER refuse BEFORE INSERT ON ledger WHEN "
                                  "json_extract(NEW.entry, '$.purpose') = 'refused' BEGIN "
                                  "SELECT RAISE(ABORT, 'refused by the test'); END",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    path_of(&a, item, sizeof item, "/original");
    http(&a, &r, "GET", item, a.alice, "refused", NULL, NULL);
    assert_problem(&r, 503, "unavailable");
    ck_assert_ptr_nonnull(strstr(r.body, "nothing was served"));
    ck_assert_ptr_null(header(&r, "etag"));
    resp_free(&r);
    http(&a, &r, "GET", item, a.alice, PURPOSE, "bytes=0-9", NULL);
    ck_assert_int_eq(r.status, 206);
    resp_free(&r);
    ck_assert_int_eq(entries(&a, "json_extract(entry, '$.purpose') = 'refused'"), 0);
    api_teardown(&a);
}
END_TEST

static Suite *
suite(void)
{
    Suite *s = suite_create("api_scale");
    TCase *tc = tcase_create("api_scale");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, concurrent_reads_each_get_their_own_entry_and_the_ledger_verifies);
    tcase_add_test(tc, search_pages_cover_what_the_user_may_see_once_and_pages_are_full);
    tcase_add_test(tc, a_read_the_ledger_cannot_record_serves_nothing);
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
    return failed == 0 ? 0 : 1;
}
