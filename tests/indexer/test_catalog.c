/* tests/indexer/test_catalog.c: the catalog as a user sees it: rows in catalog.db, the JSON
 * records, and the errors (with their details) for locked, damaged and newer catalogs. */
#include "indexer/catalog.h"

#include "core/error.h"
#include "tests/support/testutil.h"

#include <check.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CASE_A "任水罚〔2023〕12号"
#define CASE_B "任水罚〔2023〕13号"
#define CASE_C "任水罚〔2024〕1号"
/* 2023-05-01T08:30:15.123456789Z */
#define MTIME_NS 1682929815123456789LL

static char *dir;
static char db[4096];
static cs_catalog_t *cat;

static void
setup(void)
{
    dir = cs_test_tmpdir();
    snprintf(db, sizeof db, "%s/catalog.db", dir);
    cs_catalog_opts_t opts = {.busy_timeout_ms = 1000};
    ck_assert_int_eq(cs_catalog_open(&cat, db, 1, &opts), 0);
}

static void
teardown(void)
{
    cs_catalog_close(&cat);
    ck_assert_ptr_null(cat);
    cs_test_rmrf(dir);
    free(dir);
}

/* A made-up but well-formed sha256: `head` then `fill` repeated. */
static void
fake_sha(char out[65], const char *head, char fill)
{
    size_t n = strlen(head);
    memcpy(out, head, n);
    memset(out + n, fill, 64 - n);
    out[64] = '\0';
}

static cs_arrival_t
arrival(const char *sha, const char *case_number, const char *party, const char *name)
{
    cs_arrival_t a = {
        .sha256 = sha,
        .size = 1234,
        .media_type = "image/jpeg",
        .case_number = case_number,
        .party = party,
        .original_name = name,
        .source_path = "/srv/uploads/x/IMG_0001.JPG",
        .actor = "clerk.li",
        .source_mtime_ns = MTIME_NS,
    };
    return a;
}

static long
count(const char *sql)
{
    return cs_test_sql_count(db, sql);
}

/* Runs SQL on the catalog through a second connection, as another process would. */
static void
exec_other(const char *sql)
{
    sqlite3 *h = NULL;
    ck_assert_int_eq(sqlite3_open(db, &h), SQLITE_OK);
    ck_assert_msg(sqlite3_exec(h, sql, NULL, NULL, NULL) == SQLITE_OK, "%s: %s", sql,
                  sqlite3_errmsg(h));
    sqlite3_close(h);
}

static json_t *
item(const char *sha)
{
    json_t *j = NULL;
    ck_assert_int_eq(cs_catalog_item(cat, sha, &j), 0);
    ck_assert_ptr_nonnull(j);
    return j;
}

static const char *
str_at(json_t *j, const char *path_key, size_t i, const char *key)
{
    json_t *v = json_object_get(json_array_get(json_object_get(j, path_key), i), key);
    return json_string_value(v);
}

static void
assert_rfc3339_ms(const char *t)
{
    int y, mo, d, h, mi, s, ms;
    char z;
    ck_assert_ptr_nonnull(t);
    ck_assert_uint_eq(strlen(t), 24);
    ck_assert_int_eq(sscanf(t, "%4d-%2d-%2dT%2d:%2d:%2d.%3d%c", &y, &mo, &d, &h, &mi, &s, &ms, &z),
                     8);
    ck_assert_int_eq(z, 'Z');
}

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

START_TEST(test_resolve_prefix)
{
    char a[65], b[65], c[65], out[65];
    fake_sha(a, "aaaaaaaa0", '5');
    fake_sha(b, "aaaaaaaa1", '5');
    fake_sha(c, "bbbbbbbb", '6');
    const char *shas[] = {a, b, c};
    for (int i = 0; i < 3; i++) {
        cs_arrival_t x = arrival(shas[i], CASE_A, NULL, "x.jpg");
        ck_assert_int_eq(cs_catalog_record_arrival(cat, &x, NULL), 0);
    }

    static const struct {
        const char *prefix;
        int err;
        const char *sha;    /* expected on success */
        const char *detail; /* part of the detail on failure */
    } cases[] = {
        {"aaaaaaaa", CS_EAMBIGUOUS, NULL, "2 items start with it"},
        {"aaaaaaaa0", 0, "aaaaaaaa0", NULL},
        {"AAAAAAAA1", 0, "aaaaaaaa1", NULL},
        {"bbbbbbbb", 0, "bbbbbbbb", NULL},
        {"cccccccc", CS_ENOTFOUND, NULL, "not found"},
        {"aaaaaaa", CS_EINVAL, NULL, "give the full sha256 or at least 8 hex digits"},
        {"", CS_EINVAL, NULL, "at least 8 hex digits"},
        {"aaaaaaaz", CS_EINVAL, NULL, "\"aaaaaaaz\""},
        {"aaaaaaaa' OR 1=1 --", CS_EINVAL, NULL, "at least 8 hex digits"},
        {"aaaaaaaa%", CS_EINVAL, NULL, "at least 8 hex digits"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memset(out, 0, sizeof out);
        int err = cs_catalog_resolve(cat, cases[i].prefix, out);
        ck_assert_msg(err == cases[i].err, "%s: got %s", cases[i].prefix, cs_errname(err));
        if (err == 0)
            ck_assert_msg(strncmp(out, cases[i].sha, strlen(cases[i].sha)) == 0 &&
                              strlen(out) == 64,
                          "%s -> %s", cases[i].prefix, out);
        else
            ck_assert_msg(strstr(cs_diag(), cases[i].detail) != NULL, "%s: detail \"%s\"",
                          cases[i].prefix, cs_diag());
    }
    /* The full hash, and one digit too many. */
    ck_assert_int_eq(cs_catalog_resolve(cat, c, out), 0);
    ck_assert_str_eq(out, c);
    char longer[66];
    snprintf(longer, sizeof longer, "%s0", c);
    ck_assert_int_eq(cs_catalog_resolve(cat, longer, out), CS_EINVAL);
    ck_assert_int_eq(cs_catalog_resolve(cat, NULL, out), CS_EINVAL);
}
END_TEST

START_TEST(test_cases_and_case_items)
{
    char s1[65], s2[65], s3[65];
    fake_sha(s1, "11111111", '1');
    fake_sha(s2, "22222222", '2');
    fake_sha(s3, "33333333", '3');
    cs_arrival_t a1 = arrival(s1, CASE_B, "张三", "one.jpg");
    cs_arrival_t a2 = arrival(s2, CASE_B, NULL, "two.mov");
    a2.media_type = "video/quicktime";
    a2.size = 777;
    cs_arrival_t a3 = arrival(s3, CASE_A, "李四", "three.jpg");
    cs_arrival_t a1again = arrival(s1, CASE_B, "张三", "one again.jpg");
    ck_assert_int_eq(cs_catalog_record_arrival(cat, &a1, NULL), 0);
    ck_assert_int_eq(cs_catalog_record_arrival(cat, &a2, NULL), 0);
    ck_assert_int_eq(cs_catalog_record_arrival(cat, &a3, NULL), 0);
    ck_assert_int_eq(cs_catalog_record_arrival(cat, &a1again, NULL), 0);
    /* Moving s3 away leaves CASE_A with no active item but keeps the case. */
    ck_assert_int_eq(cs_catalog_link(cat, s3, CASE_B, NULL, "clerk.li", "belongs to 13", 1), 0);

    json_t *cases = NULL;
    ck_assert_int_eq(cs_catalog_cases(cat, &cases), 0);
    ck_assert_uint_eq(json_array_size(cases), 2);
    json_t *ca = json_array_get(cases, 0), *cb = json_array_get(cases, 1);
    ck_assert_str_eq(json_string_value(json_object_get(ca, "case")), CASE_A);
    ck_assert_int_eq(json_integer_value(json_object_get(ca, "items")), 0);
    ck_assert_str_eq(json_string_value(json_array_get(json_object_get(ca, "parties"), 0)), "李四");
    ck_assert_str_eq(json_string_value(json_object_get(cb, "case")), CASE_B);
    ck_assert_int_eq(json_integer_value(json_object_get(cb, "items")), 3);
    ck_assert_uint_eq(json_array_size(json_object_get(cb, "parties")), 1);
    assert_rfc3339_ms(json_string_value(json_object_get(cb, "created_at")));
    ck_assert_ptr_null(json_object_get(cb, "id"));
    json_decref(cases);

    json_t *items = NULL;
    ck_assert_int_eq(cs_catalog_case_items(cat, CASE_B, &items), 0);
    ck_assert_uint_eq(json_array_size(items), 3);
    json_t *i0 = json_array_get(items, 0), *i1 = json_array_get(items, 1),
           *i2 = json_array_get(items, 2);
    ck_assert_str_eq(json_string_value(json_object_get(i0, "sha256")), s1);
    ck_assert_str_eq(json_string_value(json_object_get(i0, "party")), "张三");
    ck_assert_str_eq(json_string_value(json_object_get(i0, "original_name")), "one.jpg");
    assert_rfc3339_ms(json_string_value(json_object_get(i0, "linked_at")));
    ck_assert_str_eq(json_string_value(json_object_get(i1, "sha256")), s2);
    ck_assert_int_eq(json_integer_value(json_object_get(i1, "size")), 777);
    ck_assert_str_eq(json_string_value(json_object_get(i1, "media_type")), "video/quicktime");
    ck_assert(json_is_null(json_object_get(i1, "party")));
    ck_assert_str_eq(json_string_value(json_object_get(i2, "sha256")), s3);
    json_decref(items);

    ck_assert_int_eq(cs_catalog_case_items(cat, CASE_A, &items), 0);
    ck_assert_uint_eq(json_array_size(items), 0);
    json_decref(items);
    ck_assert_int_eq(cs_catalog_case_items(cat, "无此案〔2020〕1号", &items), CS_ENOTFOUND);
    ck_assert_ptr_null(items);
    ck_assert_ptr_nonnull(strstr(cs_diag(), "无此案〔2020〕1号"));
}
END_TEST

typedef struct walk {
    int calls, stop_at;
    char last[65];
    int ordered;
} walk_t;

static int
walk_fn(const char *sha256, uint64_t size, void *arg)
{
    walk_t *w = arg;
    if (strcmp(sha256, w->last) <= 0)
        w->ordered = 0;
    snprintf(w->last, sizeof w->last, "%s", sha256);
    ck_assert_uint_eq(size, 1234);
    /* The catalog is usable from inside the walk. */
    char out[65];
    ck_assert_int_eq(cs_catalog_resolve(cat, sha256, out), 0);
    return ++w->calls == w->stop_at ? 42 : 0;
}

START_TEST(test_each_item_walks_in_order_and_stops)
{
    enum { N = 300 }; /* more than one batch */
    char sha[65], head[9];
    for (int i = N; i > 0; i--) {
        snprintf(head, sizeof head, "%08x", (unsigned)i * 2654435761u);
        fake_sha(sha, head, 'e');
        cs_arrival_t a = arrival(sha, i % 2 ? CASE_A : NULL, NULL, "n.jpg");
        ck_assert_int_eq(cs_catalog_record_arrival(cat, &a, NULL), 0);
    }
    walk_t w = {.ordered = 1};
    ck_assert_int_eq(cs_catalog_each_item(cat, walk_fn, &w), 0);
    ck_assert_int_eq(w.calls, N);
    ck_assert_int_eq(w.ordered, 1);

    walk_t s = {.ordered = 1, .stop_at = 260};
    ck_assert_int_eq(cs_catalog_each_item(cat, walk_fn, &s), 42);
    ck_assert_int_eq(s.calls, 260);
}
END_TEST

START_TEST(test_migration_sets_user_version_and_wal)
{
    ck_assert_int_eq(cs_catalog_schema_version(cat), 7);
    ck_assert_int_eq(count("PRAGMA user_version"), 7);
    ck_assert_int_eq(count("SELECT count(*) FROM pragma_journal_mode WHERE journal_mode = 'wal'"),
                     1);
    ck_assert_int_eq(count("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN"
                           " ('cases', 'parties', 'items', 'item_sources', 'links', 'events')"),
                     6);

    /* Reopening keeps what is there and migrates nothing twice. */
    char sha[65];
    fake_sha(sha, "12345678", '9');
    cs_arrival_t a = arrival(sha, CASE_A, NULL, "keep.jpg");
    ck_assert_int_eq(cs_catalog_record_arrival(cat, &a, NULL), 0);
    cs_catalog_close(&cat);
    cs_catalog_close(&cat); /* NULL is fine */
    ck_assert_int_eq(cs_catalog_open(&cat, db, 0, NULL), 0);
    ck_assert_int_eq(cs_catalog_schema_version(cat), 7);
    ck_assert_int_eq(count("SELECT count(*) FROM items"), 1);
}
END_TEST

START_TEST(test_newer_schema_is_refused)
{
    cs_catalog_close(&cat);
    exec_other("PRAGMA user_version = 999");
    ck_assert_int_eq(cs_catalog_open(&cat, db, 0, NULL), CS_ECONFIG);
    ck_assert_ptr_null(cat);
    ck_assert_ptr_nonnull(strstr(cs_diag(), "schema version 999"));
    ck_assert_int_eq(count("PRAGMA user_version"), 999);
}
END_TEST

START_TEST(test_garbage_and_foreign_files_are_refused)
{
    cs_catalog_t *other = NULL; /* the fixture's catalog stays open */
    char path[4200];
    snprintf(path, sizeof path, "%s/garbage.db", dir);
    cs_test_write_random(path, 16384, 7);
    ck_assert_int_eq(cs_catalog_open(&other, path, 0, NULL), CS_ECORRUPT);
    ck_assert_ptr_null(other);
    ck_assert_ptr_nonnull(strstr(cs_diag(), "is damaged or not a Custody catalog"));
    ck_assert_ptr_nonnull(strstr(cs_diag(), "restore it from a backup"));

    /* Another program's SQLite database is left as it was. */
    snprintf(path, sizeof path, "%s/other.db", dir);
    sqlite3 *h = NULL;
    ck_assert_int_eq(sqlite3_open(path, &h), SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(h, "CREATE TABLE notes (t TEXT)", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(h);
    ck_assert_int_eq(cs_catalog_open(&other, path, 1, NULL), CS_ECORRUPT);
    ck_assert_ptr_nonnull(strstr(cs_diag(), "another application"));
    ck_assert_int_eq(cs_test_sql_count(path, "SELECT count(*) FROM sqlite_schema"), 1);
}
END_TEST

START_TEST(test_absent_catalog)
{
    cs_catalog_t *other = NULL; /* the fixture's catalog stays open */
    char path[4200];
    snprintf(path, sizeof path, "%s/none.db", dir);
    ck_assert_int_eq(cs_catalog_open(&other, path, 0, NULL), CS_ENOENT);
    ck_assert_ptr_nonnull(strstr(cs_diag(), path));
    snprintf(path, sizeof path, "%s/no/such/folder/catalog.db", dir);
    ck_assert_int_eq(cs_catalog_open(&other, path, 1, NULL), CS_ENOENT);
    ck_assert_ptr_null(other);
    cs_catalog_opts_t bad = {.busy_timeout_ms = -1};
    ck_assert_int_eq(cs_catalog_open(&other, db, 0, &bad), CS_EINVAL);
}
END_TEST

START_TEST(test_locked_catalog_is_busy_and_writes_nothing)
{
    char sha[65];
    fake_sha(sha, "10c0ed00", 'a');
    cs_arrival_t a = arrival(sha, CASE_A, "张三", "locked.jpg");
    cs_catalog_opts_t opts = {.busy_timeout_ms = 100};
    cs_catalog_close(&cat);
    ck_assert_int_eq(cs_catalog_open(&cat, db, 0, &opts), 0);

    sqlite3 *other = NULL;
    ck_assert_int_eq(sqlite3_open(db, &other), SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(other, "BEGIN EXCLUSIVE", NULL, NULL, NULL), SQLITE_OK);

    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ck_assert_int_eq(cs_catalog_record_arrival(cat, &a, NULL), CS_EBUSY);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    ck_assert_int_ge(ms, 90);
    char want[4200];
    snprintf(want, sizeof want,
             "catalog %s is locked by another process (waited 100 ms); try again", db);
    ck_assert_str_eq(cs_diag(), want);
    ck_assert_int_eq(cs_catalog_link(cat, sha, CASE_B, NULL, "x", "y", 0), CS_EBUSY);

    /* Reads go on beside the writer (WAL). */
    json_t *cases = NULL;
    ck_assert_int_eq(cs_catalog_cases(cat, &cases), 0);
    ck_assert_uint_eq(json_array_size(cases), 0);
    json_decref(cases);

    ck_assert_int_eq(sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(other);
    ck_assert_int_eq(count("SELECT (SELECT count(*) FROM cases) + (SELECT count(*) FROM parties)"
                           " + (SELECT count(*) FROM items) + (SELECT count(*) FROM events)"),
                     0);
    /* Once the lock is gone the same arrival goes through. */
    ck_assert_int_eq(cs_catalog_record_arrival(cat, &a, NULL), 0);
    ck_assert_int_eq(count("SELECT count(*) FROM items"), 1);
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
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_arrival_creates_item_source_link_events);
    tcase_add_test(tc, test_same_content_twice_is_one_item_two_sources_one_link);
    tcase_add_test(tc, test_same_content_to_other_case_has_two_active_links);
    tcase_add_test(tc, test_unassigned_arrival_gets_no_link);
    tcase_add_test(tc, test_relink_supersedes_and_keeps_history);
    tcase_add_test(tc, test_resolve_prefix);
    tcase_add_test(tc, test_cases_and_case_items);
    tcase_add_test(tc, test_each_item_walks_in_order_and_stops);
    tcase_add_test(tc, test_migration_sets_user_version_and_wal);
    tcase_add_test(tc, test_newer_schema_is_refused);
    tcase_add_test(tc, test_garbage_and_foreign_files_are_refused);
    tcase_add_test(tc, test_absent_catalog);
    tcase_add_test(tc, test_locked_catalog_is_busy_and_writes_nothing);
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
