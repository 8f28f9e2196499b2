/* tests/indexer/test_catalog.c: the catalog as a user sees it when files arrive: rows in
 * catalog.db and the JSON records of items, sources, links and events; relinking, history
 * that cannot be rewritten, no half rows. Queries: test_catalog_query.c; opening, migrating
 * and refusing catalogs: test_catalog_open.c. */
#include "tests/indexer/indexer_util.h"

#include "core/error.h"
#include "indexer/timeline.h"
#include "tests/support/testutil.h"

#include <check.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

START_TEST(test_arrival_creates_item_source_link_events)
{
    char sha[65];
    fake_sha(sha, "0123abcd", '7');
    cs_arrival_t a = arrival(sha, CASE_A, "张三", "IMG_0001.JPG");
    cs_arrival_result_t r = {-1, -1};

    ck_assert_int_eq(cs_catalog_record_arrival(cat, &a, &r), 0);
    ck_assert_int_eq(r.item_created, 1);
    ck_assert_int_eq(r.link_created, 1);
    ck_assert_int_eq(count("SELECT count(*) FROM items WHERE size = 1234"), 1);
    ck_assert_int_eq(count("SELECT count(*) FROM cases"), 1);
    ck_assert_int_eq(count("SELECT count(*) FROM parties"), 1);
    ck_assert_int_eq(count("SELECT count(*) FROM item_sources"), 1);
    ck_assert_int_eq(count("SELECT count(*) FROM links WHERE superseded_at IS NULL"), 1);
    ck_assert_int_eq(count("SELECT count(*) FROM events"), 3);

    json_t *j = item(sha);
    ck_assert_str_eq(json_string_value(json_object_get(j, "sha256")), sha);
    ck_assert_int_eq(json_integer_value(json_object_get(j, "size")), 1234);
    ck_assert_str_eq(json_string_value(json_object_get(j, "media_type")), "image/jpeg");
    assert_rfc3339_ms(json_string_value(json_object_get(j, "created_at")));
    ck_assert_uint_eq(json_array_size(json_object_get(j, "cases")), 1);
    ck_assert_str_eq(json_string_value(json_array_get(json_object_get(j, "cases"), 0)), CASE_A);

    ck_assert_str_eq(str_at(j, "sources", 0, "original_name"), "IMG_0001.JPG");
    ck_assert_str_eq(str_at(j, "sources", 0, "source_path"), "/srv/uploads/x/IMG_0001.JPG");
    ck_assert_str_eq(str_at(j, "sources", 0, "received_by"), "clerk.li");
    assert_rfc3339_ms(str_at(j, "sources", 0, "received_at"));
    ck_assert_str_eq(str_at(j, "sources", 0, "source_mtime"), "2023-05-01T08:30:15.123456789Z");

    json_t *link = json_array_get(json_object_get(j, "links"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(link, "case")), CASE_A);
    ck_assert_str_eq(json_string_value(json_object_get(link, "party")), "张三");
    ck_assert_str_eq(json_string_value(json_object_get(link, "linked_by")), "clerk.li");
    ck_assert(json_is_true(json_object_get(link, "active")));
    ck_assert(json_is_null(json_object_get(link, "superseded_at")));

    json_t *ev = json_object_get(j, "events");
    ck_assert_uint_eq(json_array_size(ev), 3);
    ck_assert_str_eq(str_at(j, "events", 0, "kind"), "received");
    ck_assert_str_eq(str_at(j, "events", 1, "kind"), "stored");
    ck_assert_str_eq(str_at(j, "events", 2, "kind"), "linked");
    ck_assert_str_eq(str_at(j, "events", 0, "actor"), "clerk.li");
    json_t *d0 = json_object_get(json_array_get(ev, 0), "detail");
    ck_assert_str_eq(json_string_value(json_object_get(d0, "original_name")), "IMG_0001.JPG");
    json_t *d1 = json_object_get(json_array_get(ev, 1), "detail");
    ck_assert_int_eq(json_integer_value(json_object_get(d1, "size")), 1234);
    ck_assert_str_eq(json_string_value(json_object_get(d1, "media_type")), "image/jpeg");
    json_t *d2 = json_object_get(json_array_get(ev, 2), "detail");
    ck_assert_str_eq(json_string_value(json_object_get(d2, "case")), CASE_A);
    ck_assert_str_eq(json_string_value(json_object_get(d2, "party")), "张三");
    json_decref(j);

    /* Upper-case hex names the same item. */
    char upper[65];
    for (int i = 0; i < 65; i++)
        upper[i] = (char)(sha[i] >= 'a' && sha[i] <= 'f' ? sha[i] - 32 : sha[i]);
    j = item(upper);
    ck_assert_str_eq(json_string_value(json_object_get(j, "sha256")), sha);
    json_decref(j);
}
END_TEST

START_TEST(test_same_content_twice_is_one_item_two_sources_one_link)
{
    char sha[65];
    fake_sha(sha, "feedbeef", '0');
    cs_arrival_t a = arrival(sha, CASE_A, NULL, "first.jpg");
    cs_arrival_t b = arrival(sha, CASE_A, NULL, "copy of first.jpg");
    cs_arrival_result_t r;

    ck_assert_int_eq(cs_catalog_record_arrival(cat, &a, &r), 0);
    ck_assert_int_eq(cs_catalog_record_arrival(cat, &b, &r), 0);
    ck_assert_int_eq(r.item_created, 0);
    ck_assert_int_eq(r.link_created, 0);
    ck_assert_int_eq(count("SELECT count(*) FROM items"), 1);
    ck_assert_int_eq(count("SELECT count(*) FROM item_sources"), 2);
    ck_assert_int_eq(count("SELECT count(*) FROM links"), 1);
    ck_assert_int_eq(count("SELECT count(*) FROM events WHERE kind = 'received'"), 2);
    ck_assert_int_eq(count("SELECT count(*) FROM events WHERE kind = 'stored'"), 1);
    ck_assert_int_eq(count("SELECT count(*) FROM events WHERE kind = 'linked'"), 1);

    json_t *j = item(sha);
    ck_assert_str_eq(str_at(j, "sources", 0, "original_name"), "first.jpg");
    ck_assert_str_eq(str_at(j, "sources", 1, "original_name"), "copy of first.jpg");
    json_decref(j);

    /* The same hash with another size is not the same content: refused, nothing written. */
    cs_arrival_t c = arrival(sha, CASE_B, NULL, "liar.jpg");
    c.size = 99;
    ck_assert_int_eq(cs_catalog_record_arrival(cat, &c, &r), CS_EMISMATCH);
    ck_assert_ptr_nonnull(strstr(cs_diag(), "1234 bytes"));
    ck_assert_int_eq(count("SELECT count(*) FROM item_sources"), 2);
    ck_assert_int_eq(count("SELECT count(*) FROM cases"), 1);
}
END_TEST

START_TEST(test_same_content_to_other_case_has_two_active_links)
{
    char sha[65];
    fake_sha(sha, "c0ffee00", '1');
    cs_arrival_t a = arrival(sha, CASE_A, NULL, "a.mp4");
    cs_arrival_t b = arrival(sha, CASE_B, "李四", "b.mp4");
    cs_arrival_result_t r;

    ck_assert_int_eq(cs_catalog_record_arrival(cat, &a, &r), 0);
    ck_assert_int_eq(cs_catalog_record_arrival(cat, &b, &r), 0);
    ck_assert_int_eq(r.item_created, 0);
    ck_assert_int_eq(r.link_created, 1);
    ck_assert_int_eq(count("SELECT count(*) FROM links WHERE superseded_at IS NULL"), 2);

    json_t *j = item(sha);
    json_t *cases = json_object_get(j, "cases");
    ck_assert_uint_eq(json_array_size(cases), 2);
    ck_assert_str_eq(json_string_value(json_array_get(cases, 0)), CASE_A);
    ck_assert_str_eq(json_string_value(json_array_get(cases, 1)), CASE_B);
    json_decref(j);
}
END_TEST

/* Each arrival keeps its own claims (file time, the sidecar's recorded_at) and its case; each
 * link shows the name the file had when it came into that case, not the first arrival's. */
START_TEST(test_each_link_shows_its_own_arrival_name_and_claims)
{
    char sha[65];
    fake_sha(sha, "c0ffee02", '3');
    cs_arrival_t a = arrival(sha, CASE_A, NULL, "IMG_0001.JPG");
    cs_arrival_t b = arrival(sha, CASE_B, NULL, "现场照片.jpg");
    json_t *side = json_pack("{s:s}", "recorded_at", "2023-05-01T16:00:00+08:00");
    b.source_mtime_ns = MTIME_NS + 86400000000000LL;
    b.detail = side;
    cs_arrival_t c = arrival(sha, CASE_A, NULL, "copy.jpg"); /* again in A: A keeps its name */
    ck_assert_int_eq(cs_catalog_record_arrival(cat, &a, NULL), 0);
    ck_assert_int_eq(cs_catalog_record_arrival(cat, &b, NULL), 0);
    ck_assert_int_eq(cs_catalog_record_arrival(cat, &c, NULL), 0);

    json_t *j = item(sha);
    ck_assert_str_eq(str_at(j, "links", 0, "case"), CASE_A);
    ck_assert_str_eq(str_at(j, "links", 0, "original_name"), "IMG_0001.JPG");
    ck_assert_str_eq(str_at(j, "links", 1, "case"), CASE_B);
    ck_assert_str_eq(str_at(j, "links", 1, "original_name"), "现场照片.jpg");
    ck_assert_ptr_null(str_at(j, "sources", 0, "recorded_at"));
    ck_assert_str_eq(str_at(j, "sources", 0, "case"), CASE_A);
    ck_assert_str_eq(str_at(j, "sources", 1, "recorded_at"), "2023-05-01T16:00:00+08:00");
    ck_assert_str_eq(str_at(j, "sources", 1, "source_mtime"), "2023-05-02T08:30:15.123456789Z");
    ck_assert_str_eq(str_at(j, "sources", 1, "case"), CASE_B);
    json_decref(j);

    json_t *items = NULL;
    ck_assert_int_eq(cs_catalog_case_items(cat, CASE_B, &items), 0);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(items, 0), "original_name")),
                     "现场照片.jpg");
    json_decref(items);
    ck_assert_int_eq(cs_catalog_case_timeline(cat, CASE_B, &items), 0);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(items, 0), "original_name")),
                     "现场照片.jpg");
    json_decref(items);
    ck_assert_int_eq(cs_catalog_case_timeline(cat, CASE_A, &items), 0);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(items, 0), "original_name")),
                     "IMG_0001.JPG");
    json_decref(items);
    json_decref(side);
}
END_TEST

START_TEST(test_unassigned_arrival_gets_no_link)
{
    char sha[65];
    fake_sha(sha, "abcdef01", '2');
    cs_arrival_t a = arrival(sha, NULL, NULL, "loose.wav");
    a.source_mtime_ns = 0; /* unknown */
    cs_arrival_result_t r;

    ck_assert_int_eq(cs_catalog_record_arrival(cat, &a, &r), 0);
    ck_assert_int_eq(r.item_created, 1);
    ck_assert_int_eq(r.link_created, 0);
    ck_assert_int_eq(count("SELECT count(*) FROM links"), 0);
    ck_assert_int_eq(count("SELECT count(*) FROM cases"), 0);
    json_t *j = item(sha);
    ck_assert_uint_eq(json_array_size(json_object_get(j, "cases")), 0);
    ck_assert_uint_eq(json_array_size(json_object_get(j, "events")), 2);
    ck_assert(json_is_null(
        json_object_get(json_array_get(json_object_get(j, "sources"), 0), "source_mtime")));
    json_decref(j);

    /* Relinking an item that has no active link is a plain link. */
    ck_assert_int_eq(cs_catalog_link(cat, sha, CASE_A, NULL, "clerk.li", "found its case", 1), 0);
    ck_assert_int_eq(count("SELECT count(*) FROM events WHERE kind = 'linked'"), 1);
    ck_assert_int_eq(count("SELECT count(*) FROM events WHERE kind = 'relinked'"), 0);

    /* A party without a case has nowhere to belong. */
    cs_arrival_t b = arrival(sha, NULL, "王五", "loose.wav");
    ck_assert_int_eq(cs_catalog_record_arrival(cat, &b, &r), CS_EINVAL);
}
END_TEST

START_TEST(test_relink_supersedes_and_keeps_history)
{
    char sha[65], other[65];
    fake_sha(sha, "0badcafe", '3');
    fake_sha(other, "0badcafe", '4');
    cs_arrival_t a = arrival(sha, CASE_A, NULL, "wrong-folder.jpg");
    ck_assert_int_eq(cs_catalog_record_arrival(cat, &a, NULL), 0);

    ck_assert_int_eq(cs_catalog_link(cat, sha, CASE_B, "赵六", "clerk.wu",
                                     "filed under the wrong "
                                     "case",
                                     1),
                     0);
    ck_assert_int_eq(count("SELECT count(*) FROM links"), 2);
    ck_assert_int_eq(count("SELECT count(*) FROM links WHERE superseded_at IS NULL"), 1);
    ck_assert_int_eq(count("SELECT count(*) FROM links WHERE superseded_by ="
                           " (SELECT max(id) FROM links)"),
                     1);

    json_t *j = item(sha);
    json_t *links = json_object_get(j, "links");
    ck_assert_uint_eq(json_array_size(links), 2);
    json_t *old = json_array_get(links, 0), *cur = json_array_get(links, 1);
    ck_assert_str_eq(json_string_value(json_object_get(old, "case")), CASE_A);
    ck_assert(json_is_false(json_object_get(old, "active")));
    assert_rfc3339_ms(json_string_value(json_object_get(old, "superseded_at")));
    ck_assert_str_eq(json_string_value(json_object_get(cur, "case")), CASE_B);
    ck_assert_str_eq(json_string_value(json_object_get(cur, "party")), "赵六");
    ck_assert_str_eq(json_string_value(json_object_get(cur, "reason")),
                     "filed under the wrong case");
    ck_assert_str_eq(json_string_value(json_object_get(cur, "linked_by")), "clerk.wu");
    ck_assert(json_is_true(json_object_get(cur, "active")));
    ck_assert_uint_eq(json_array_size(json_object_get(j, "cases")), 1);
    ck_assert_str_eq(json_string_value(json_array_get(json_object_get(j, "cases"), 0)), CASE_B);

    json_t *ev = json_object_get(j, "events");
    json_t *last = json_array_get(ev, json_array_size(ev) - 1);
    ck_assert_str_eq(json_string_value(json_object_get(last, "kind")), "relinked");
    ck_assert_str_eq(json_string_value(json_object_get(last, "actor")), "clerk.wu");
    json_t *d = json_object_get(last, "detail");
    ck_assert_str_eq(json_string_value(json_array_get(json_object_get(d, "from"), 0)), CASE_A);
    ck_assert_str_eq(json_string_value(json_object_get(d, "to")), CASE_B);
    ck_assert_str_eq(json_string_value(json_object_get(d, "reason")), "filed under the wrong case");
    json_decref(j);

    /* The same link again: refused, with or without replace, and nothing changes. */
    ck_assert_int_eq(cs_catalog_link(cat, sha, CASE_B, "赵六", "clerk.wu", "again", 1), CS_EEXIST);
    ck_assert_ptr_nonnull(strstr(cs_diag(), "already linked"));
    ck_assert_int_eq(cs_catalog_link(cat, sha, CASE_B, "赵六", "clerk.wu", "again", 0), CS_EEXIST);
    ck_assert_int_eq(count("SELECT count(*) FROM links"), 2);

    /* Without replace a link is added beside the active one. */
    ck_assert_int_eq(cs_catalog_link(cat, sha, CASE_C, NULL, "clerk.wu", "also evidence there", 0),
                     0);
    ck_assert_int_eq(count("SELECT count(*) FROM links WHERE superseded_at IS NULL"), 2);
    ck_assert_int_eq(count("SELECT count(*) FROM events WHERE kind = 'linked'"), 2);

    /* A reason is required; an unknown item is not found; a short name is no sha256. */
    ck_assert_int_eq(cs_catalog_link(cat, sha, CASE_A, NULL, "clerk.wu", "", 1), CS_EINVAL);
    ck_assert_int_eq(cs_catalog_link(cat, sha, CASE_A, NULL, "clerk.wu", NULL, 1), CS_EINVAL);
    ck_assert_int_eq(cs_catalog_link(cat, other, CASE_A, NULL, "clerk.wu", "why", 1), CS_ENOTFOUND);
    ck_assert_int_eq(cs_catalog_link(cat, "0badcafe", CASE_A, NULL, "clerk.wu", "why", 1),
                     CS_EINVAL);
    ck_assert_int_eq(count("SELECT count(*) FROM links"), 3);

    /* Replacing with one of two active links moves the item to that one only. */
    ck_assert_int_eq(cs_catalog_link(cat, sha, CASE_C, NULL, "clerk.wu", "only 2024/1", 1), 0);
    ck_assert_int_eq(count("SELECT count(*) FROM links WHERE superseded_at IS NULL"), 1);
    ck_assert_int_eq(count("SELECT count(*) FROM links l JOIN cases c ON c.id = l.case_id"
                           " WHERE l.superseded_at IS NULL AND c.number = '" CASE_C "'"),
                     1);
    ck_assert_int_eq(count("SELECT count(*) FROM links WHERE superseded_at IS NOT NULL"
                           " AND superseded_by IS NULL"),
                     0);
}
END_TEST

START_TEST(test_failure_mid_arrival_leaves_no_half_row)
{
    char sha[65];
    fake_sha(sha, "deadbeef", 'b');
    cs_arrival_t a = arrival(sha, CASE_A, "张三", "half.jpg");
    const char *all = "SELECT (SELECT count(*) FROM cases) + (SELECT count(*) FROM parties)"
                      " + (SELECT count(*) FROM items) + (SELECT count(*) FROM item_sources)"
                      " + (SELECT count(*) FROM links) + (SELECT count(*) FROM events)";

    /* Refused before any SQL: size 0, no actor, empty case. */
    a.size = 0;
    ck_assert_int_eq(cs_catalog_record_arrival(cat, &a, NULL), CS_EINVAL);
    a.size = 1234;
    a.actor = NULL;
    ck_assert_int_eq(cs_catalog_record_arrival(cat, &a, NULL), CS_EINVAL);
    a.actor = "clerk.li";
    a.case_number = "";
    ck_assert_int_eq(cs_catalog_record_arrival(cat, &a, NULL), CS_EINVAL);
    a.case_number = CASE_A;
    ck_assert_int_eq(count(all), 0);

    /* Refused by SQLite after the case, party and item rows went in: the source insert fails
     * (a trigger stands in for a full disk or a crash), and the whole arrival rolls back. */
    exec_other("CREATE TRIGGER test_fail BEFORE INSERT ON item_sources"
               " BEGIN SELECT RAISE(ABORT, 'simulated failure'); END");
    cs_arrival_result_t r = {-1, -1};
    ck_assert_int_eq(cs_catalog_record_arrival(cat, &a, &r), CS_EDB);
    ck_assert_int_eq(r.item_created, 0);
    ck_assert_ptr_nonnull(strstr(cs_diag(), "simulated failure"));
    ck_assert_ptr_nonnull(strstr(cs_diag(), sha));
    ck_assert_int_eq(count(all), 0);

    exec_other("DROP TRIGGER test_fail");
    ck_assert_int_eq(cs_catalog_record_arrival(cat, &a, &r), 0);
    ck_assert_int_eq(count(all), 1 + 1 + 1 + 1 + 1 + 3);
}
END_TEST

START_TEST(test_history_is_write_once)
{
    char sha[65];
    fake_sha(sha, "0f0f0f0f", 'c');
    cs_arrival_t a = arrival(sha, CASE_A, NULL, "once.jpg");
    ck_assert_int_eq(cs_catalog_record_arrival(cat, &a, NULL), 0);

    static const char *const tamper[] = {
        "UPDATE items SET size = 1",
        "DELETE FROM items",
        "UPDATE item_sources SET original_name = 'other.jpg'",
        "DELETE FROM events",
        "UPDATE events SET actor = 'nobody'",
        "UPDATE links SET reason = 'rewritten'",
        "DELETE FROM links",
    };
    sqlite3 *h = NULL;
    ck_assert_int_eq(sqlite3_open(db, &h), SQLITE_OK);
    for (size_t i = 0; i < sizeof tamper / sizeof tamper[0]; i++)
        ck_assert_msg(sqlite3_exec(h, tamper[i], NULL, NULL, NULL) == SQLITE_CONSTRAINT, "%s",
                      tamper[i]);
    sqlite3_close(h);
    ck_assert_int_eq(count("SELECT count(*) FROM items WHERE size = 1234"), 1);
    ck_assert_int_eq(count("SELECT count(*) FROM events"), 3);
}
END_TEST

START_TEST(test_add_event)
{
    char sha[65], unknown[65];
    fake_sha(sha, "e0e0e0e0", 'd');
    fake_sha(unknown, "e0e0e0e1", 'd');
    cs_arrival_t a = arrival(sha, CASE_A, NULL, "ev.jpg");
    ck_assert_int_eq(cs_catalog_record_arrival(cat, &a, NULL), 0);

    json_t *d = json_pack("{s:s, s:i}", "encoder", "libx264", "crf", 23);
    ck_assert_int_eq(cs_catalog_add_event(cat, sha, "derived", "worker", d), 0);
    ck_assert_int_eq(cs_catalog_add_event(cat, sha, "checked", "scrub", NULL), 0);
    ck_assert_int_eq(cs_catalog_add_event(cat, unknown, "derived", "worker", d), CS_ENOTFOUND);
    ck_assert_int_eq(cs_catalog_add_event(cat, sha, "", "worker", d), CS_EINVAL);
    json_t *notobj = json_string("x");
    ck_assert_int_eq(cs_catalog_add_event(cat, sha, "derived", "worker", notobj), CS_EINVAL);
    json_decref(notobj);
    ck_assert_int_eq(d->refcount, 1); /* borrowed, not stolen */
    json_decref(d);

    json_t *j = item(sha);
    json_t *ev = json_object_get(j, "events");
    ck_assert_uint_eq(json_array_size(ev), 5);
    json_t *e3 = json_array_get(ev, 3), *e4 = json_array_get(ev, 4);
    ck_assert_str_eq(json_string_value(json_object_get(e3, "kind")), "derived");
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(e3, "detail"), "encoder")),
                     "libx264");
    ck_assert_str_eq(json_string_value(json_object_get(e4, "kind")), "checked");
    ck_assert(json_is_object(json_object_get(e4, "detail")));
    json_decref(j);

    ck_assert_int_eq(cs_catalog_item(cat, unknown, &j), CS_ENOTFOUND);
    ck_assert_ptr_null(j);
}
END_TEST

START_TEST(test_non_utf8_name_is_kept)
{
    char sha[65];
    fake_sha(sha, "9a9a9a9a", '0');
    /* "案件.jpg" in GBK, as a Windows share hands it over. */
    cs_arrival_t a = arrival(sha, CASE_A, NULL, "\xb0\xb8\xbc\xfe.jpg");
    ck_assert_int_eq(cs_catalog_record_arrival(cat, &a, NULL), 0);
    ck_assert_int_eq(
        count("SELECT count(*) FROM item_sources WHERE original_name = CAST(X'B0B8BCFE2E6A7067'"
              " AS TEXT)"),
        1);
    /* Shown escaped, byte for byte: two GBK names never show the same. */
    json_t *j = item(sha);
    ck_assert_str_eq(str_at(j, "sources", 0, "original_name"), "\\xb0\\xb8\\xbc\\xfe.jpg");
    json_decref(j);
}
END_TEST

static Suite *
catalog_suite(void)
{
    Suite *s = suite_create("catalog");
    TCase *tc = tcase_create("catalog");
    tcase_add_checked_fixture(tc, catalog_setup, catalog_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_arrival_creates_item_source_link_events);
    tcase_add_test(tc, test_same_content_twice_is_one_item_two_sources_one_link);
    tcase_add_test(tc, test_same_content_to_other_case_has_two_active_links);
    tcase_add_test(tc, test_each_link_shows_its_own_arrival_name_and_claims);
    tcase_add_test(tc, test_unassigned_arrival_gets_no_link);
    tcase_add_test(tc, test_relink_supersedes_and_keeps_history);
    tcase_add_test(tc, test_failure_mid_arrival_leaves_no_half_row);
    tcase_add_test(tc, test_history_is_write_once);
    tcase_add_test(tc, test_add_event);
    tcase_add_test(tc, test_non_utf8_name_is_kept);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(catalog_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
