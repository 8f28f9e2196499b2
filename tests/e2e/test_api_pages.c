/* tests/e2e/test_api_pages.c: a case's items answered a page at a time (GET
 * /v1/cases/{case}/items?limit=&cursor=): pages of a bounded size that join to the whole list,
 * each item once, while items arrive between pages; items the user may not see are never on a
 * page, and a page stays full while more visible items exist; each page is a ledgered list;
 * a cursor altered, made up, or taken to another case or user is refused (400, in Chinese
 * too) and nothing is listed. The cases (GET /v1/cases) page alike, each with the items the
 * user may see; the ledger (GET /v1/ledger) pages through a sealed cursor as through since. */
#include "tests/e2e/e2e_api.h"
#include "tests/support/testutil.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ITEMS "/v1/cases/" CASE_A_PCT "/items"
#define CASE_B_PCT "%E4%BB%BB%E6%B0%B4%E7%BD%9A%5B2023%5D13%E5%8F%B7" /* 任水罚[2023]13号 */

/* Ingests a file of random bytes (seed) into case_number; *sha (may be NULL) its hash. */
static void
ingest(api_t *a, const char *case_number, unsigned seed, char sha[65])
{
    char path[PATH_MAX];
    cs_run_t r;
    snprintf(path, sizeof path, "%s/extra-%u.bin", a->t.dir, seed);
    cs_test_write_random(path, 1000 + seed, seed);
    cs_test_custody(&r, "ingest", "--home", a->t.home, "--case", case_number, path, NULL);
    run_ok(&r);
    cs_test_run_free(&r);
    if (sha != NULL) {
        size_t len = 0;
        unsigned char md[32];
        unsigned int mdlen = 0;
        char *bytes = cs_test_read(path, &len);
        ck_assert(EVP_Digest(bytes, len, md, &mdlen, EVP_sha256(), NULL) == 1);
        free(bytes);
        for (int i = 0; i < 32; i++)
            snprintf(sha + 2 * i, 3, "%02x", md[i]);
    }
}

/* One page of `token`'s list of CASE_A: its items' hashes appended to seen, its cursor copied
 * to cursor ("" at the end); returns its size. */
static size_t
page(api_t *a, const char *token, int limit, json_t *seen, char *cursor, size_t cap)
{
    char target[512];
    resp_t r;
    snprintf(target, sizeof target, "%s?limit=%d%s%s", ITEMS, limit, cursor[0] ? "&cursor=" : "",
             cursor);
    http(a, &r, "GET", target, token, PURPOSE, NULL, NULL);
    ck_assert_msg(r.status == 200, "%d %.300s", r.status, r.body);
    json_t *v = body_json(&r), *item;
    size_t i, n = json_array_size(json_object_get(v, "items"));
    json_array_foreach(json_object_get(v, "items"), i, item)
    {
        ck_assert_ptr_nonnull(json_object_get(item, "retention")); /* as the whole list had */
        json_array_append(seen, json_object_get(item, "sha256"));
    }
    const char *next = json_string_value(json_object_get(v, "next_cursor"));
    ck_assert(next == NULL || strlen(next) < cap);
    snprintf(cursor, cap, "%s", next ? next : "");
    json_decref(v);
    resp_free(&r);
    return n;
}

static int
has(json_t *seen, const char *sha)
{
    size_t i, n = 0;
    json_t *v;
    json_array_foreach(seen, i, v) n += strcmp(json_string_value(v), sha) == 0;
    return (int)n;
}

START_TEST(pages_join_to_the_whole_list_once_each_while_items_arrive)
{
    api_t a;
    char cursor[256] = "", shas[32][65], hidden[65];
    unsigned n = 0;
    size_t sizes[16], pages = 0;
    cs_run_t r;
    json_t *seen = json_array();
    api_setup(&a);
    snprintf(shas[n++], sizeof shas[0], "%s", a.sha);
    for (unsigned i = 1; i <= 9; i++)
        ingest(&a, CASE_A, i, shas[n++]);
    ingest(&a, CASE_B, 100, NULL); /* another case's: never on CASE_A's pages */
    /* One of CASE_A's, above alice's clearance: in the case, never on her pages. */
    ingest(&a, CASE_A, 101, hidden);
    cs_test_custody(&r, "classify", hidden, "commercial_secret", "--home", a.t.home, "--reason",
                    "trade data", NULL);
    run_ok(&r);
    cs_test_run_free(&r);
    long lists = entries(&a, "json_extract(entry, '$.action') = 'list'");
    /* Pages of 4; two items arrive after the first page and one after the second. */
    do {
        ck_assert_uint_lt(pages, 16);
        sizes[pages++] = page(&a, a.alice, 4, seen, cursor, sizeof cursor);
        if (pages == 1) {
            ingest(&a, CASE_A, 10, shas[n++]);
            ingest(&a, CASE_A, 11, shas[n++]);
        } else if (pages == 2) {
            ingest(&a, CASE_A, 12, shas[n++]);
        }
    } while (cursor[0] != '\0');
    /* 13 items she may see: 4 + 4 + 4 + 1, every page full but the last. */
    ck_assert_uint_eq(pages, 4);
    ck_assert_uint_eq(sizes[0], 4);
    ck_assert_uint_eq(sizes[1], 4);
    ck_assert_uint_eq(sizes[2], 4);
    ck_assert_uint_eq(sizes[3], 1);
    ck_assert_uint_eq(json_array_size(seen), n);
    for (unsigned i = 0; i < n; i++)
        ck_assert_msg(has(seen, shas[i]) == 1, "item %u seen %d times", i, has(seen, shas[i]));
    ck_assert_int_eq(has(seen, hidden), 0);
    /* Each page a read on record. */
    ck_assert_int_eq(entries(&a, "json_extract(entry, '$.action') = 'list'"), lists + 4);
    /* An auditor sees the classified one too: 14 in pages of 10. */
    json_array_clear(seen);
    ck_assert_uint_eq(page(&a, a.carol, 10, seen, cursor, sizeof cursor), 10);
    ck_assert_uint_eq(page(&a, a.carol, 10, seen, cursor, sizeof cursor), 4);
    ck_assert_str_eq(cursor, "");
    ck_assert_int_eq(has(seen, hidden), 1);
    json_decref(seen);
    api_teardown(&a);
}
END_TEST

START_TEST(a_page_is_bounded_and_the_whole_list_by_default_is_one_page)
{
    api_t a;
    resp_t r;
    api_setup(&a);
    for (unsigned i = 1; i <= 3; i++)
        ingest(&a, CASE_A, i, NULL);
    http(&a, &r, "GET", ITEMS "?limit=1001", a.alice, PURPOSE, NULL, NULL);
    assert_problem(&r, 400, "bad-request");
    resp_free(&r);
    http(&a, &r, "GET", ITEMS "?limit=0", a.alice, PURPOSE, NULL, NULL);
    assert_problem(&r, 400, "bad-request");
    resp_free(&r);
    http(&a, &r, "GET", ITEMS, a.alice, PURPOSE, NULL, NULL); /* 100 at most */
    ck_assert_int_eq(r.status, 200);
    json_t *v = body_json(&r);
    ck_assert_uint_eq(json_array_size(json_object_get(v, "items")), 4);
    ck_assert(json_is_null(json_object_get(v, "next_cursor")));
    json_decref(v);
    resp_free(&r);
    api_teardown(&a);
}
END_TEST

/* The answer to `target` is 400 "cursor" with a Chinese detail, and no list is on record. */
static void
refused(api_t *a, const char *target, const char *token)
{
    resp_t r;
    long lists = entries(a, "json_extract(entry, '$.action') = 'list'");
    http(a, &r, "GET", target, token, PURPOSE, NULL, NULL);
    assert_problem(&r, 400, "bad-request");
    json_t *v = body_json(&r);
    ck_assert_str_eq(json_string_value(json_object_get(v, "code")), "cursor");
    const char *zh = json_string_value(json_object_get(v, "detail_zh"));
    ck_assert_ptr_nonnull(zh);
    ck_assert_ptr_nonnull(strstr(zh, "翻页标记无效"));
    ck_assert_ptr_null(json_object_get(v, "items"));
    json_decref(v);
    resp_free(&r);
    ck_assert_int_eq(entries(a, "json_extract(entry, '$.action') = 'list'"), lists);
}

START_TEST(a_cursor_altered_or_taken_elsewhere_is_refused)
{
    api_t a;
    char cursor[256] = "", target[512], bad[256];
    cs_run_t r;
    json_t *seen = json_array();
    api_setup(&a);
    for (unsigned i = 1; i <= 3; i++)
        ingest(&a, CASE_A, i, NULL);
    ingest(&a, CASE_B, 9, NULL);
    cs_test_custody(&r, "grant", "alice", "--home", a.t.home, "--case", CASE_B, "--purpose", "复核",
                    NULL);
    run_ok(&r);
    cs_test_run_free(&r);
    ck_assert_uint_eq(page(&a, a.alice, 2, seen, cursor, sizeof cursor), 2);
    ck_assert_str_ne(cursor, "");
    /* Its key altered (a later item's id, its time kept): the seal no longer matches. */
    snprintf(bad, sizeof bad, "%s", cursor);
    bad[0] = bad[0] == 'M' ? 'N' : 'M';
    snprintf(target, sizeof target, "%s?limit=2&cursor=%s", ITEMS, bad);
    refused(&a, target, a.alice);
    /* Its seal altered. */
    snprintf(bad, sizeof bad, "%s", cursor);
    bad[strlen(bad) - 1] = bad[strlen(bad) - 1] == 'A' ? 'B' : 'A';
    snprintf(target, sizeof target, "%s?limit=2&cursor=%s", ITEMS, bad);
    refused(&a, target, a.alice);
    /* Unsealed, as search cursors once were. */
    snprintf(bad, sizeof bad, "%.*s", (int)strcspn(cursor, "."), cursor);
    snprintf(target, sizeof target, "%s?limit=2&cursor=%s", ITEMS, bad);
    refused(&a, target, a.alice);
    /* Taken to another case she may list, or given to another user. */
    snprintf(target, sizeof target, "/v1/cases/%s/items?limit=2&cursor=%s", CASE_B_PCT, cursor);
    refused(&a, target, a.alice);
    snprintf(target, sizeof target, "%s?limit=2&cursor=%s", ITEMS, cursor);
    refused(&a, target, a.carol);
    /* Taken to search. */
    snprintf(target, sizeof target, "/v1/search?limit=2&cursor=%s", cursor);
    refused(&a, target, a.alice);
    /* As given, it goes on. */
    ck_assert_uint_eq(page(&a, a.alice, 2, seen, cursor, sizeof cursor), 2);
    ck_assert_str_eq(cursor, "");
    json_decref(seen);
    api_teardown(&a);
}
END_TEST

/* The cases alice may list, one a page: their numbers and counts into out ("case:items;"). */
static void
case_pages(api_t *a, const char *token, char *out, size_t cap, int *pages)
{
    char cursor[256] = "", target[512];
    out[0] = '\0';
    *pages = 0;
    do {
        resp_t r;
        json_t *v, *one;
        size_t i;
        snprintf(target, sizeof target, "/v1/cases?limit=1%s%s", cursor[0] ? "&cursor=" : "",
                 cursor);
        http(a, &r, "GET", target, token, PURPOSE, NULL, NULL);
        ck_assert_msg(r.status == 200, "%d %.300s", r.status, r.body);
        v = body_json(&r);
        ck_assert_uint_le(json_array_size(json_object_get(v, "cases")), 1);
        json_array_foreach(json_object_get(v, "cases"), i, one)
        {
            size_t n = strlen(out);
            snprintf(out + n, cap - n, "%s:%lld;", json_string_value(json_object_get(one, "case")),
                     (long long)json_integer_value(json_object_get(one, "items")));
        }
        const char *next = json_string_value(json_object_get(v, "next_cursor"));
        snprintf(cursor, sizeof cursor, "%s", next ? next : "");
        json_decref(v);
        resp_free(&r);
        ck_assert_int_lt(++*pages, 10);
    } while (cursor[0] != '\0');
}

START_TEST(cases_come_a_page_at_a_time_with_what_the_user_may_see)
{
    api_t a;
    char hidden[65], got[1024];
    int pages;
    cs_run_t r;
    api_setup(&a);
    ingest(&a, CASE_A, 1, NULL);
    ingest(&a, CASE_A, 2, hidden);
    cs_test_custody(&r, "classify", hidden, "commercial_secret", "--home", a.t.home, "--reason",
                    "trade data", NULL);
    run_ok(&r);
    cs_test_run_free(&r);
    ingest(&a, CASE_B, 3, NULL);
    ingest(&a, "任水罚〔2023〕14号", 4, NULL); /* made last, never granted */
    cs_test_custody(&r, "grant", "alice", "--home", a.t.home, "--case", CASE_B, "--purpose", "复核",
                    NULL);
    run_ok(&r);
    cs_test_run_free(&r);
    /* Alice: her two cases, a page each, without the classified item; the third not at all. */
    case_pages(&a, a.alice, got, sizeof got, &pages);
    ck_assert_str_eq(got, CASE_A ":2;" CASE_B ":1;");
    ck_assert_int_eq(pages, 2);
    /* An auditor: all three, with every item. */
    case_pages(&a, a.carol, got, sizeof got, &pages);
    ck_assert_str_eq(got, CASE_A ":3;" CASE_B ":1;任水罚〔2023〕14号:1;");
    ck_assert_int_eq(pages, 3);
    api_teardown(&a);
}
END_TEST

START_TEST(the_ledger_pages_through_its_cursor_as_through_since)
{
    api_t a;
    char cursor[256] = "", target[512];
    long long want = -1;
    int pages = 0;
    api_setup(&a);
    long size = entries(&a, "1");
    ck_assert_int_gt(size, 6);
    /* Newest first, 3 a page, to the first entry: each seq once, one less each time. */
    do {
        resp_t r;
        json_t *v, *e;
        size_t i;
        snprintf(target, sizeof target, "/v1/ledger?order=desc&limit=3%s%s",
                 cursor[0] ? "&cursor=" : "", cursor);
        http(&a, &r, "GET", target, a.carol, NULL, NULL, NULL);
        ck_assert_msg(r.status == 200, "%d %.300s", r.status, r.body);
        v = body_json(&r);
        json_array_foreach(json_object_get(v, "entries"), i, e)
        {
            long long seq = json_integer_value(json_object_get(e, "seq"));
            ck_assert(want < 0 || seq == want);
            want = seq - 1;
        }
        const char *next = json_string_value(json_object_get(v, "next_cursor"));
        ck_assert_int_eq(next == NULL, json_is_null(json_object_get(v, "next")));
        snprintf(cursor, sizeof cursor, "%s", next ? next : "");
        json_decref(v);
        resp_free(&r);
        ck_assert_int_lt(++pages, 64);
    } while (cursor[0] != '\0');
    ck_assert_int_eq(want, -1); /* down to seq 0 */
    /* A made-up cursor, or one of the other order, is refused. */
    resp_t r;
    http(&a, &r, "GET", "/v1/ledger?order=desc&cursor=NQ", a.carol, NULL, NULL, NULL);
    assert_problem(&r, 400, "bad-request");
    resp_free(&r);
    http(&a, &r, "GET", "/v1/ledger?limit=2", a.carol, NULL, NULL, NULL);
    json_t *v = body_json(&r);
    snprintf(target, sizeof target, "/v1/ledger?order=desc&cursor=%s",
             json_string_value(json_object_get(v, "next_cursor")));
    json_decref(v);
    resp_free(&r);
    http(&a, &r, "GET", target, a.carol, NULL, NULL, NULL);
    assert_problem(&r, 400, "bad-request");
    resp_free(&r);
    api_teardown(&a);
}
END_TEST

static Suite *
suite(void)
{
    Suite *s = suite_create("api_pages");
    TCase *tc = tcase_create("api_pages");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, pages_join_to_the_whole_list_once_each_while_items_arrive);
    tcase_add_test(tc, a_page_is_bounded_and_the_whole_list_by_default_is_one_page);
    tcase_add_test(tc, a_cursor_altered_or_taken_elsewhere_is_refused);
    tcase_add_test(tc, cases_come_a_page_at_a_time_with_what_the_user_may_see);
    tcase_add_test(tc, the_ledger_pages_through_its_cursor_as_through_since);
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
