/* tests/indexer/indexer_util.c: the catalog fixture and helpers (indexer_util.h). */
#include "core/error.h"
#include "tests/indexer/indexer_util.h"

#include "tests/support/testutil.h"

#include <check.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *dir;
char db[4096];
cs_catalog_t *cat;

void
catalog_setup(void)
{
    dir = cs_test_tmpdir();
    snprintf(db, sizeof db, "%s/catalog.db", dir);
    cs_catalog_opts_t opts = {.busy_timeout_ms = 1000};
    ck_assert_int_eq(cs_catalog_open(&cat, db, 1, &opts), 0);
}

void
catalog_teardown(void)
{
    cs_catalog_close(&cat);
    ck_assert_ptr_null(cat);
    cs_test_rmrf(dir);
    free(dir);
}

/* A made-up but well-formed sha256: `head` then `fill` repeated. */
void
fake_sha(char out[65], const char *head, char fill)
{
    size_t n = strlen(head);
    memcpy(out, head, n);
    memset(out + n, fill, 64 - n);
    out[64] = '\0';
}

cs_arrival_t
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

long
count(const char *sql)
{
    return cs_test_sql_count(db, sql);
}

/* Runs SQL on the catalog through a second connection, as another process would. */
void
exec_other(const char *sql)
{
    sqlite3 *h = NULL;
    ck_assert_int_eq(sqlite3_open(db, &h), SQLITE_OK);
    ck_assert_msg(sqlite3_exec(h, sql, NULL, NULL, NULL) == SQLITE_OK, "%s: %s", sql,
                  sqlite3_errmsg(h));
    sqlite3_close(h);
}

json_t *
item(const char *sha)
{
    json_t *j = NULL;
    ck_assert_msg(cs_catalog_item(cat, sha, &j) == 0, "%s", cs_diag());
    ck_assert_ptr_nonnull(j);
    return j;
}

const char *
str_at(json_t *j, const char *path_key, size_t i, const char *key)
{
    json_t *v = json_object_get(json_array_get(json_object_get(j, path_key), i), key);
    return json_string_value(v);
}

void
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
