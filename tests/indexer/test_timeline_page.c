/* tests/indexer/test_timeline_page.c: a case's items a page at a time
 * (cs_catalog_case_timeline_page) and its members a batch at a time (cs_catalog_case_each):
 * pages in the order links were made join to the whole list, each item once, even when a link
 * committed later carries an earlier time (its time taken before the writer's lock); a filter
 * applies before the limit, so pages stay full; limits are bounded; no such case is
 * CS_ENOTFOUND. */
#include "tests/indexer/indexer_util.h"

#include "core/error.h"
#include "indexer/caselist.h"
#include "indexer/timeline.h"
#include "tests/support/testutil.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

/* Every page of CASE_A of `limit` items, their hashes appended to seen; the pages' sizes in
 * sizes (at most 16); returns the pages. */
static int
walk(int limit, int (*keep)(void *, const char *, int *), json_t *seen, size_t sizes[16])
{
    cs_search_key_t after, next;
    int pages = 0, more = 1;
    while (more) {
        cs_timeline_q_t q = {
            .case_number = CASE_A, .limit = limit, .after = pages ? &after : NULL, .keep = keep};
        json_t *page = NULL, *it;
        size_t i;
        ck_assert_int_lt(pages, 16);
        ck_assert_int_eq(cs_catalog_case_timeline_page(cat, &q, &page, &next, &more), 0);
        sizes[pages++] = json_array_size(page);
        json_array_foreach(page, i, it)
        {
            ck_assert_ptr_null(json_object_get(it, "_link")); /* the key stays inside */
            json_array_append(seen, json_object_get(it, "sha256"));
        }
        json_decref(page);
        after = next;
    }
    return pages;
}

static int
times_in(json_t *seen, const char *sha)
{
    json_t *v;
    size_t i;
    int n = 0;
    json_array_foreach(seen, i, v) n += strcmp(json_string_value(v), sha) == 0;
    return n;
}

static char shas[8][65];

static int
not_the_second(void *arg, const char *sha256, int *ok)
{
    (void)arg;
    *ok = strcmp(sha256, shas[1]) != 0;
    return 0;
}

START_TEST(pages_in_link_order_hold_every_item_once_even_a_late_commit)
{
    json_t *seen = json_array();
    size_t sizes[16];
    cs_search_key_t next;
    int more = 0;
    for (int i = 0; i < 6; i++) {
        char head[16];
        snprintf(head, sizeof head, "a%07d", i);
        fake_sha(shas[i], head, '1');
        cs_arrival_t a = arrival(shas[i], i == 5 ? CASE_B : CASE_A, NULL, "x.jpg");
        ck_assert_int_eq(cs_catalog_record_arrival(cat, &a, NULL), 0);
    }
    /* The first page of 2, then shas[5] linked to CASE_A with a time before every other: as
     * when its writer took the time, then waited for the lock while others committed. */
    cs_timeline_q_t q = {.case_number = CASE_A, .limit = 2};
    json_t *page = NULL;
    ck_assert_int_eq(cs_catalog_case_timeline_page(cat, &q, &page, &next, &more), 0);
    ck_assert_uint_eq(json_array_size(page), 2);
    ck_assert_int_eq(more, 1);
    json_array_append(seen, json_object_get(json_array_get(page, 0), "sha256"));
    json_array_append(seen, json_object_get(json_array_get(page, 1), "sha256"));
    json_decref(page);
    char sql[512];
    snprintf(sql, sizeof sql,
             "INSERT INTO links (item_id, case_id, linked_by, linked_at, reason) VALUES"
             " ((SELECT id FROM items WHERE sha256 = '%s'),"
             " (SELECT id FROM cases WHERE number = '%s'), 'clerk.li',"
             " '2000-01-01T00:00:00.000Z', 'arrival')",
             shas[5], CASE_A);
    exec_other(sql);
    /* The rest, from that cursor: the late one too, and nothing twice. */
    size_t rest = 0;
    do {
        cs_search_key_t after = next;
        q.after = &after;
        ck_assert_int_eq(cs_catalog_case_timeline_page(cat, &q, &page, &next, &more), 0);
        ck_assert_uint_le(json_array_size(page), 2);
        rest += json_array_size(page);
        json_t *it;
        size_t i;
        json_array_foreach(page, i, it) json_array_append(seen, json_object_get(it, "sha256"));
        json_decref(page);
    } while (more);
    ck_assert_uint_eq(rest, 4);
    for (int i = 0; i < 6; i++)
        ck_assert_int_eq(times_in(seen, shas[i]), 1);

    /* Filtered before the limit: 5 kept in pages of 2, 2 and 1. */
    json_array_clear(seen);
    ck_assert_int_eq(walk(2, not_the_second, seen, sizes), 3);
    ck_assert_uint_eq(sizes[0], 2);
    ck_assert_uint_eq(sizes[1], 2);
    ck_assert_uint_eq(sizes[2], 1);
    ck_assert_int_eq(times_in(seen, shas[1]), 0);

    json_decref(seen);
}
END_TEST

static int
count_members(void *arg, const char *sha256, const char *party)
{
    (void)party;
    (void)sha256;
    (*(int *)arg)++;
    return 0;
}

START_TEST(members_are_read_a_batch_at_a_time_and_limits_are_bounded)
{
    int n = 0;
    for (int i = 0; i < CS_CASELIST_BATCH + 3; i++) {
        char sha[65], head[16];
        snprintf(head, sizeof head, "b%07d", i);
        fake_sha(sha, head, '2');
        cs_arrival_t a = arrival(sha, CASE_A, NULL, "y.jpg");
        ck_assert_int_eq(cs_catalog_record_arrival(cat, &a, NULL), 0);
    }
    ck_assert_int_eq(cs_catalog_case_each(cat, CASE_A, count_members, &n), 0);
    ck_assert_int_eq(n, CS_CASELIST_BATCH + 3);
    n = 0;
    ck_assert_int_eq(cs_catalog_case_each(cat, CASE_C, count_members, &n), 0);
    ck_assert_int_eq(n, 0);

    cs_search_key_t next;
    json_t *page = NULL;
    int more;
    cs_timeline_q_t q = {.case_number = CASE_A, .limit = CS_TIMELINE_MAX_LIMIT + 1};
    ck_assert_int_eq(cs_catalog_case_timeline_page(cat, &q, &page, &next, &more), CS_EINVAL);
    q.limit = 0;
    ck_assert_int_eq(cs_catalog_case_timeline_page(cat, &q, &page, &next, &more), CS_EINVAL);
    q.limit = 10;
    q.case_number = CASE_C;
    ck_assert_int_eq(cs_catalog_case_timeline_page(cat, &q, &page, &next, &more), CS_ENOTFOUND);
    ck_assert_ptr_null(page);

    json_t *cases = NULL;
    ck_assert_int_eq(cs_catalog_cases_after(cat, 0, 10, &cases), 0);
    ck_assert_uint_eq(json_array_size(cases), 1);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(cases, 0), "case")), CASE_A);
    json_int_t id = json_integer_value(json_object_get(json_array_get(cases, 0), "id"));
    json_decref(cases);
    ck_assert_int_eq(cs_catalog_cases_after(cat, id, 10, &cases), 0);
    ck_assert_uint_eq(json_array_size(cases), 0);
    json_decref(cases);
    ck_assert_int_eq(cs_catalog_cases_after(cat, 0, 1001, &cases), CS_EINVAL);
}
END_TEST

static Suite *
suite(void)
{
    Suite *s = suite_create("timeline_page");
    TCase *tc = tcase_create("timeline_page");
    tcase_add_checked_fixture(tc, catalog_setup, catalog_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, pages_in_link_order_hold_every_item_once_even_a_late_commit);
    tcase_add_test(tc, members_are_read_a_batch_at_a_time_and_limits_are_bounded);
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
