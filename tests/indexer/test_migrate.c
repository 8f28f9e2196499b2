/* tests/indexer/test_migrate.c: schema migrations are forward-only and work from every earlier
 * version. A catalog is built at each version v1..v(latest-1) by running only the first
 * migrations (indexer/schema.h), given rows of every table it has, then opened by the current
 * code: the rows must survive, the version must be the latest, and the catalog must work. A
 * catalog from a newer program is refused, and a migration that fails leaves the catalog at
 * the version it was. */
#include "core/error.h"
#include "indexer/access.h"
#include "indexer/backup.h"
#include "indexer/catalog.h"
#include "indexer/fixity.h"
#include "indexer/ledger.h"
#include "indexer/schema.h"
#include "tests/support/testutil.h"

#include <check.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SHA_ITEM "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"
#define SHA_COPY "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"
#define SHA_NEW "5555555555555555555555555555555555555555555555555555555555555555"
#define AT "2023-05-01T08:30:15.123Z"

/* Rows a catalog at `version` and later can hold, and how many each table has after them. */
typedef struct rows {
    int version;
    const char *sql;
    const char *count; /* SELECT count(*) that must give `want` after the migration */
    long want;
    int last; /* the last version whose catalogs get the row in this form; 0: every one */
} rows_t;

static const rows_t rows[] = {
    {1,
     "INSERT INTO cases (id, number, created_at) VALUES (1, '任水罚〔2023〕12号', '" AT "');"
     "INSERT INTO parties (id, case_id, name, created_at) VALUES (1, 1, '张三', '" AT "');"
     "INSERT INTO items (id, sha256, size, media_type, created_at)"
     "  VALUES (1, '" SHA_ITEM "', 1234, 'image/jpeg', '" AT "');"
     "INSERT INTO item_sources (item_id, original_name, source_path, received_by, received_at,"
     "  source_mtime) VALUES (1, 'IMG_0001.JPG', '/srv/uploads/x/IMG_0001.JPG', 'clerk.li', '" AT
     "', '1682929815123456789');"
     "INSERT INTO links (item_id, case_id, party_id, linked_by, linked_at, reason)"
     "  VALUES (1, 1, 1, 'clerk.li', '" AT "', 'uploaded to the case folder');"
     "INSERT INTO events (item_id, case_id, kind, actor, at, detail)"
     "  VALUES (1, 1, 'received', 'clerk.li', '" AT "', '{\"name\":\"IMG_0001.JPG\"}');",
     "SELECT count(*) FROM items i JOIN item_sources s ON s.item_id = i.id JOIN links l ON"
     " l.item_id = i.id JOIN parties p ON p.id = l.party_id JOIN cases c ON c.id = l.case_id"
     " JOIN events e ON e.item_id = i.id WHERE i.sha256 = '" SHA_ITEM "' AND i.size = 1234"
     " AND s.source_mtime = '1682929815123456789' AND p.name = '张三'"
     " AND c.number = '任水罚〔2023〕12号' AND e.detail = '{\"name\":\"IMG_0001.JPG\"}'",
     1, 0},
    {2,
     "INSERT INTO jobs (root, rel_path, state, size, sha256, item_id, created_at, updated_at,"
     "  done_at) VALUES ('/srv/uploads', 'x/IMG_0001.JPG', 'done', 1234, '" SHA_ITEM "', 1, '" AT
     "', '" AT "', '" AT "');"
     "INSERT INTO metadata (item_id, record, extracted_at)"
     "  VALUES (1, '{\"captured_at\":\"2023-05-01T16:30:15+08:00\"}', '" AT "');",
     "SELECT count(*) FROM jobs j JOIN metadata m ON m.item_id = j.item_id WHERE j.state = 'done'"
     " AND json_extract(m.record, '$.captured_at') = '2023-05-01T16:30:15+08:00'",
     1, 0},
    {3,
     "INSERT INTO item_index (item_id, captured_at, captured_utc, sort_time, lat, lon, device)"
     "  VALUES (1, '2023-05-01T16:30:15+08:00', '2023-05-01T08:30:15Z', '2023-05-01T08:30:15Z',"
     "  30.25, 120.5, 'Hikvision DSJ-1');"
     "INSERT INTO item_places (id, min_lat, max_lat, min_lon, max_lon)"
     "  VALUES (1, 30.25, 30.25, 120.5, 120.5);"
     "INSERT INTO item_text (rowid, text) VALUES (1, 'IMG_0001.JPG 张三 Hikvision');",
     "SELECT count(*) FROM item_index x JOIN item_places p ON p.id = x.item_id JOIN item_text t"
     " ON t.rowid = x.item_id WHERE x.device = 'Hikvision DSJ-1' AND t.text MATCH 'kvisi'",
     1, 0},
    {4,
     "INSERT INTO derivatives (item_id, profile, status, sha256, size, media_type, detail,"
     "  made_by, made_at) VALUES (1, 'thumbnail', 'verified', '" SHA_COPY "', 99, 'image/jpeg',"
     "  '{\"width\":256}', 'custody-worker', '" AT "');"
     "INSERT INTO derivatives (item_id, profile, status, reason, detail, made_by, made_at)"
     "  VALUES (1, 'preview', 'failed', 'cannot decode', '{}', 'custody-worker', '" AT "');",
     "SELECT count(*) FROM derivatives WHERE (status = 'verified' AND sha256 = '" SHA_COPY "')"
     " OR (status = 'failed' AND reason = 'cannot decode')",
     2, 0},
    {5,
     "INSERT INTO users (id, name, role, token_sha256, created_by, created_at)"
     "  VALUES (1, 'rev.wang', 'reviewer', '" SHA_COPY "', 'admin', '" AT "');"
     "INSERT INTO grants (user_id, case_id, purpose, clearance, granted_by, granted_at)"
     "  VALUES (1, 1, 'legal review', 'privacy', 'admin', '" AT "');"
     "INSERT INTO classifications (item_id, level, reason, set_by, set_at)"
     "  VALUES (1, 'privacy', 'a face', 'clerk.li', '" AT "');"
     "INSERT INTO ledger (seq, entry, leaf) VALUES (0, '{\"seq\":0,\"v\":1}', zeroblob(32));"
     "INSERT INTO checkpoints (size, root, note, frontier, made_at)"
     "  VALUES (1, zeroblob(32), 'a note', x'00', '" AT "');",
     "SELECT count(*) FROM users u JOIN grants g ON g.user_id = u.id JOIN classifications c"
     " ON c.item_id = 1 JOIN ledger l ON l.seq = 0 JOIN checkpoints k ON k.size = 1"
     " WHERE u.name = 'rev.wang' AND g.purposes = '[\"legal review\"]' AND g.any_purpose = 0"
     " AND c.level = 'privacy'",
     1, 8},
    /* The same rows, as v9 writes them. */
    {9,
     "INSERT INTO users (id, name, role, token_sha256, created_by, created_at)"
     "  VALUES (1, 'rev.wang', 'reviewer', '" SHA_COPY "', 'admin', '" AT "');"
     "INSERT INTO grants (user_id, case_id, purposes, clearance, granted_by, granted_at)"
     "  VALUES (1, 1, '[\"legal review\"]', 'privacy', 'admin', '" AT "');"
     "INSERT INTO classifications (item_id, level, reason, set_by, set_at)"
     "  VALUES (1, 'privacy', 'a face', 'clerk.li', '" AT "');"
     "INSERT INTO ledger (seq, entry, leaf) VALUES (0, '{\"seq\":0,\"v\":1}', zeroblob(32));"
     "INSERT INTO checkpoints (size, root, note, frontier, made_at)"
     "  VALUES (1, zeroblob(32), 'a note', x'00', '" AT "');",
     "SELECT count(*) FROM users u JOIN grants g ON g.user_id = u.id JOIN classifications c"
     " ON c.item_id = 1 JOIN ledger l ON l.seq = 0 JOIN checkpoints k ON k.size = 1"
     " WHERE u.name = 'rev.wang' AND g.purposes = '[\"legal review\"]' AND g.any_purpose = 0"
     " AND c.level = 'privacy'",
     1, 0},
    /* v8 takes an arrival's recorded_at and case from its `received` event. */
    {7,
     "INSERT INTO item_sources (item_id, original_name, source_path, received_by, received_at,"
     "  source_mtime, received_user_id) VALUES (1, '现场.jpg', '/srv/uploads/y/现场.jpg',"
     "  'rev.wang', '2023-05-02T00:00:00Z', '1682990000000000000', 1);"
     "INSERT INTO events (item_id, case_id, kind, actor, at, detail)"
     "  VALUES (1, 1, 'received', 'rev.wang', '2023-05-02T00:00:00Z', '{\"original_name\":"
     "  \"现场.jpg\",\"source_path\":\"/srv/uploads/y/现场.jpg\",\"case\":\"任水罚〔2023〕12号\","
     "  \"recorded_at\":\"2023-05-01T16:00:00+08:00\"}');",
     "SELECT count(*) FROM item_sources s WHERE (s.original_name = '现场.jpg'"
     " AND s.recorded_at = '2023-05-01T16:00:00+08:00' AND s.case_id = 1)"
     " OR (s.original_name = 'IMG_0001.JPG' AND s.recorded_at IS NULL AND s.case_id IS NULL)",
     2, 7},
    /* The same arrival, as v8 writes it. */
    {8,
     "INSERT INTO item_sources (item_id, original_name, source_path, received_by, received_at,"
     "  source_mtime, received_user_id, recorded_at, case_id) VALUES (1, '现场.jpg',"
     "  '/srv/uploads/y/现场.jpg', 'rev.wang', '2023-05-02T00:00:00Z', '1682990000000000000', 1,"
     "  '2023-05-01T16:00:00+08:00', 1);",
     "SELECT count(*) FROM item_sources s WHERE (s.original_name = '现场.jpg'"
     " AND s.recorded_at = '2023-05-01T16:00:00+08:00' AND s.case_id = 1)"
     " OR (s.original_name = 'IMG_0001.JPG' AND s.recorded_at IS NULL AND s.case_id IS NULL)",
     2, 0},
    /* v9 keeps a v8 grant's one purpose as its list: it accepts that purpose only. */
    {8,
     "INSERT INTO grants (user_id, case_id, purpose, clearance, granted_by, granted_at)"
     "  VALUES (1, 1, ' 法制审核', 'internal', 'admin', '" AT "');",
     "SELECT count(*) FROM grants WHERE purposes ->> '$[0]' = ' 法制审核'"
     " AND json_array_length(purposes) = 1 AND any_purpose = 0 AND revoked_at IS NULL",
     1, 8},
    {9,
     "INSERT INTO grants (user_id, case_id, purposes, clearance, granted_by, granted_at)"
     "  VALUES (1, 1, '[\" 法制审核\"]', 'internal', 'admin', '" AT "');",
     "SELECT count(*) FROM grants WHERE purposes ->> '$[0]' = ' 法制审核'"
     " AND json_array_length(purposes) = 1 AND any_purpose = 0 AND revoked_at IS NULL",
     1, 0},
    /* v10: a user of before has no password (signs in with the token only), no failures and
     * no lock. */
    {5, "SELECT 1;",
     "SELECT count(*) FROM users WHERE name = 'rev.wang' AND password_hash IS NULL"
     " AND failed_signins = 0 AND locked_until IS NULL",
     1, 0},
    /* The legal review's migration makes the role column again (to allow `legal`): every
     * user keeps their role. */
    {5, "SELECT 1;", "SELECT count(*) FROM users WHERE name = 'rev.wang' AND role = 'reviewer'", 1,
     0},
};

#define NROWS (sizeof rows / sizeof rows[0])

static char *dir;
static char db[4096];

static void
setup(void)
{
    dir = cs_test_tmpdir();
    snprintf(db, sizeof db, "%s/catalog.db", dir);
}

static void
teardown(void)
{
    cs_test_rmrf(dir);
    free(dir);
}

static int
count_object(void *arg, const cs_catalog_object_t *o)
{
    ck_assert_str_eq(o->item, SHA_ITEM);
    ck_assert_str_eq(o->cases, "任水罚〔2023〕12号");
    ck_assert(o->profile == NULL ? strcmp(o->sha256, SHA_ITEM) == 0 : o->size == 99);
    ++*(int *)arg;
    return 0;
}

static void
exec_ok(sqlite3 *h, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(h, sql, NULL, NULL, &msg);
    ck_assert_msg(rc == SQLITE_OK, "%s: %s", sql, msg ? msg : sqlite3_errstr(rc));
}

/* A catalog at `version`, made as that release made it: its migrations, each with its
 * user_version, then the rows its tables can hold. */
static void
build_at(int version)
{
    sqlite3 *h = NULL;
    char pragma[64];
    ck_assert_int_eq(sqlite3_open(db, &h), SQLITE_OK);
    exec_ok(h, "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON");
    for (int v = 1; v <= version; v++) {
        exec_ok(h, "BEGIN");
        exec_ok(h, cs_cat_schema_migration(v));
        snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", v);
        exec_ok(h, pragma);
        exec_ok(h, "COMMIT");
    }
    for (size_t i = 0; i < NROWS; i++)
        if (rows[i].version <= version && (rows[i].last == 0 || version <= rows[i].last))
            exec_ok(h, rows[i].sql);
    sqlite3_close(h);
}

START_TEST(every_earlier_version_migrates_forward_and_keeps_its_rows)
{
    int latest = cs_cat_schema_latest(), version = _i;
    cs_catalog_t *cat = NULL;
    cs_catalog_facts_t f;
    ck_assert_int_ge(latest, 6);
    build_at(version);
    ck_assert_int_eq(cs_test_sql_count(db, "PRAGMA user_version"), version);

    /* What a restore reads of an old backup, before any migration. */
    ck_assert_int_eq(cs_catalog_file_facts(db, &f), 0);
    ck_assert_int_eq(f.schema, version);
    ck_assert_int_eq(f.items, 1);
    ck_assert_int_eq(f.derivatives, version >= 4 ? 1 : 0);
    ck_assert_int_eq(f.ledger_size, version >= 5 ? 1 : 0);
    int objects = 0;
    ck_assert_int_eq(cs_catalog_file_objects(db, count_object, &objects), 0);
    ck_assert_int_eq(objects, version >= 4 ? 2 : 1);
    ck_assert_int_eq(cs_test_sql_count(db, "PRAGMA user_version"), version); /* read as it is */

    ck_assert_int_eq(cs_catalog_open(&cat, db, 0, NULL), 0);
    ck_assert_int_eq(cs_catalog_schema_version(cat), latest);
    ck_assert_int_eq(cs_test_sql_count(db, "PRAGMA user_version"), latest);
    for (size_t i = 0; i < NROWS; i++)
        if (rows[i].version <= version && (rows[i].last == 0 || version <= rows[i].last))
            ck_assert_msg(cs_test_sql_count(db, rows[i].count) == rows[i].want,
                          "v%d: the rows of v%d did not survive: %s", version, rows[i].version,
                          rows[i].count);

    /* v6: every object it already held is queued for the scrub, due from when it was stored. */
    ck_assert_int_eq(cs_test_sql_count(db, "SELECT count(*) FROM fixity WHERE sha256 = '" SHA_ITEM
                                           "' AND profile IS NULL AND checked_at = '" AT
                                           "' AND result IS NULL"),
                     1);
    ck_assert_int_eq(cs_test_sql_count(db, "SELECT count(*) FROM fixity WHERE sha256 = '" SHA_COPY
                                           "' AND profile = 'thumbnail'"),
                     version >= 4 ? 1 : 0);
    ck_assert_int_eq(cs_test_sql_count(db, "SELECT count(*) FROM fixity_state WHERE checks = 0"),
                     1);

    /* And it works: an arrival is recorded (queued for the scrub too), a check is ledgered. */
    cs_arrival_t a = {.sha256 = SHA_NEW,
                      .size = 10,
                      .media_type = "audio/wav",
                      .case_number = "任水罚〔2023〕12号",
                      .original_name = "a.wav",
                      .source_path = "/srv/uploads/a.wav",
                      .actor = "clerk.li"};
    ck_assert_int_eq(cs_catalog_record_arrival(cat, &a, NULL), 0);
    ck_assert_int_eq(
        cs_test_sql_count(db, "SELECT count(*) FROM fixity WHERE sha256 = '" SHA_NEW "'"), 1);
    cs_fixity_check_t c = {.sha256 = SHA_ITEM, .result = CS_FIXITY_OK, .actor = "test"};
    ck_assert_int_eq(cs_catalog_fixity_record(cat, &c), 0);
    ck_assert_int_eq(cs_test_sql_count(db, "SELECT count(*) FROM ledger WHERE entry LIKE"
                                           " '%\"action\":\"verified\"%'"),
                     1);
    cs_catalog_close(&cat);
    /* Opening again migrates nothing twice. */
    ck_assert_int_eq(cs_catalog_open(&cat, db, 0, NULL), 0);
    ck_assert_int_eq(cs_catalog_schema_version(cat), latest);
    cs_catalog_close(&cat);
}
END_TEST

/* v9: a v8 grant still reads for its purpose and for no other; it is revoked as before, and
 * stays write-once in its purposes. */
START_TEST(v9_an_old_grant_keeps_its_purpose)
{
    cs_catalog_t *cat = NULL;
    cs_grant_row_t g[4];
    size_t n = 0;
    int exists = 0, level = 0, mine = 0, unassigned = 0;
    build_at(8);
    ck_assert_int_eq(cs_catalog_open(&cat, db, 0, NULL), 0);
    ck_assert_int_eq(cs_catalog_access_rows(cat, 1, SHA_ITEM, NULL, AT, &exists, &level, &mine,
                                            &unassigned, g, 4, &n),
                     0);
    ck_assert_int_eq(n, 2);
    for (size_t i = 0; i < n; i++) {
        ck_assert_int_eq(g[i].npurposes, 1);
        ck_assert_int_eq(g[i].any_purpose, 0);
    }
    ck_assert_str_eq(g[0].purposes, "legal review"); /* privacy clears more: it comes first */
    ck_assert_str_eq(g[1].purposes, " 法制审核");
    ck_assert_int_eq(cs_catalog_grant_revoke(cat, 2, "admin", "the review is over"), 0);
    cs_catalog_close(&cat);
    sqlite3 *h = NULL;
    ck_assert_int_eq(sqlite3_open(db, &h), SQLITE_OK);
    ck_assert_int_ne(
        sqlite3_exec(h, "UPDATE grants SET purposes = '[\"x\"]' WHERE id = 1", NULL, NULL, NULL),
        SQLITE_OK);
    ck_assert_int_ne(sqlite3_exec(h,
                                  "INSERT INTO grants (user_id, case_id, clearance, granted_by,"
                                  " granted_at) VALUES (1, 1, 'public', 'admin', '" AT "')",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(h);
    ck_assert_int_eq(cs_test_sql_count(db, "SELECT count(*) FROM grants WHERE revoked_at IS NULL"),
                     1);
}
END_TEST

/* v8: a v7 record whose capture time was the file's mtime states it as unknown, the file time
 * kept apart, and its item leaves the dated ones in the index; a content time is untouched. */
START_TEST(v8_states_a_file_time_as_unknown)
{
    cs_catalog_t *cat = NULL;
    build_at(7);
    sqlite3 *h = NULL;
    ck_assert_int_eq(sqlite3_open(db, &h), SQLITE_OK);
    exec_ok(h, "INSERT INTO items (id, sha256, size, media_type, created_at)"
               "  VALUES (2, '" SHA_NEW "', 10, 'image/png', '" AT "');"
               "INSERT INTO metadata (item_id, record, extracted_at) VALUES (2,"
               "  '{\"captured_at\":\"2026-11-27T04:12:25Z\",\"captured_at_source\":"
               "\"file:mtime\",\"captured_at_utc\":\"2026-11-27T04:12:25Z\"}', '" AT "');"
               "INSERT INTO item_index (item_id, captured_at, captured_utc, sort_time)"
               "  VALUES (2, '2026-11-27T04:12:25Z', '2026-11-27T04:12:25Z',"
               "  '2026-11-27T04:12:25Z');");
    sqlite3_close(h);
    ck_assert_int_eq(cs_catalog_open(&cat, db, 0, NULL), 0);
    cs_catalog_close(&cat);
    ck_assert_int_eq(cs_test_sql_count(db,
                                       "SELECT count(*) FROM metadata WHERE item_id = 2"
                                       " AND record ->> '$.captured_at' IS NULL"
                                       " AND record ->> '$.captured_at_source' = 'file:mtime'"
                                       " AND record ->> '$.captured_at_estimate' = 'file_time'"
                                       " AND record ->> '$.file_time' = '2026-11-27T04:12:25Z'"),
                     1);
    ck_assert_int_eq(cs_test_sql_count(db, "SELECT count(*) FROM item_index WHERE item_id = 2"
                                           " AND sort_time IS NULL AND captured_at IS NULL"),
                     1);
    ck_assert_int_eq(cs_test_sql_count(db, "SELECT count(*) FROM item_index WHERE item_id = 1"
                                           " AND sort_time = '2023-05-01T08:30:15Z'"),
                     1);
}
END_TEST

/* v11: the reasons a v10 catalog stored as sentences get their codes once, by the sentence;
 * a failed step keeps its cause; nothing else changes, and a copy's row stays write-once. */
START_TEST(v11_gives_old_reasons_their_codes)
{
    cs_catalog_t *cat = NULL;
    build_at(10);
    sqlite3 *h = NULL;
    ck_assert_int_eq(sqlite3_open(db, &h), SQLITE_OK);
    exec_ok(h,
            "INSERT INTO jobs (id, root, rel_path, state, reason, created_at, updated_at)"
            " VALUES (11, '/u', 'x/a.jpg', 'rejected', '/u/x/a.jpg is empty (0 bytes): there"
            " is nothing to keep; if a copy failed, copy the file again', '" AT "', '" AT "'),"
            " (12, '/u', 'x/b.mp4', 'done', 'metadata extraction failed: worker killed by"
            " signal 11 (SIGSEGV) on 3 tries', '" AT "', '" AT "'),"
            " (13, '/u', 'x/c.jpg', 'rejected', 'something nobody wrote down', '" AT "', '" AT "'),"
            " (14, '/u', 'x/d.jpg', 'rejected', '/u/x/d.jpg kept changing while it was being"
            " stored (5 tries); make sure the copy has finished, then drop it again', '" AT
            "', '" AT "');"
            "INSERT INTO jobs (id, root, rel_path, state, route, created_at, updated_at)"
            " VALUES (15, '/u', 'abc/e.jpg', 'done', '{\"case\":\"\",\"problem\":\"folder"
            " \\\"abc\\\" is not a case number (no digits); the file is kept as unassigned;"
            " link it with custody link\"}', '" AT "', '" AT "');"
            "INSERT INTO derivatives (item_id, profile, status, reason, detail, made_by,"
            " made_at) VALUES (1, 'access', 'failed', 'transcoding failed: worker exited"
            " with status 3 on 3 tries', '{}', 'custody-worker', '" AT "');");
    sqlite3_close(h);
    ck_assert_int_eq(cs_catalog_open(&cat, db, 0, NULL), 0);
    cs_catalog_close(&cat);
    static const struct {
        const char *sql;
    } want[] = {
        {"SELECT count(*) FROM jobs WHERE id = 11 AND reason_code = 'empty'"
         " AND reason_params IS NULL AND reason LIKE '/u/x/a.jpg is empty%'"},
        {"SELECT count(*) FROM jobs WHERE id = 12 AND reason_code = 'extract'"
         " AND reason_params ->> '$.cause' = 'worker-signal'"},
        {"SELECT count(*) FROM jobs WHERE id = 13 AND reason_code = 'unknown'"},
        {"SELECT count(*) FROM jobs WHERE id = 14 AND reason_code = 'kept-changing'"},
        {"SELECT count(*) FROM jobs WHERE id = 15 AND reason_code IS NULL"
         " AND route ->> '$.problem_code' = 'case-folder'"},
        {"SELECT count(*) FROM derivatives WHERE profile = 'access' AND reason_code = 'transcode'"
         " AND reason_params ->> '$.cause' = 'worker-exit'"},
        /* v4's row: a copy's own words from the worker */
        {"SELECT count(*) FROM derivatives WHERE profile = 'preview' AND reason_code ="
         " 'copy-failed' AND reason = 'cannot decode'"},
        {"SELECT count(*) FROM derivatives WHERE status = 'verified' AND reason_code IS NULL"},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        ck_assert_msg(cs_test_sql_count(db, want[i].sql) == 1, "%s", want[i].sql);
    ck_assert_int_eq(sqlite3_open(db, &h), SQLITE_OK);
    ck_assert_int_ne(sqlite3_exec(h, "UPDATE derivatives SET reason_code = 'x'", NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(h);
}
END_TEST

START_TEST(a_newer_catalog_is_refused_and_left_as_it_is)
{
    cs_catalog_t *cat = NULL;
    cs_catalog_facts_t f;
    char pragma[64], want[64];
    int newer = cs_cat_schema_latest() + 1;
    ck_assert_int_eq(cs_catalog_open(&cat, db, 1, NULL), 0);
    cs_catalog_close(&cat);
    sqlite3 *h = NULL;
    ck_assert_int_eq(sqlite3_open(db, &h), SQLITE_OK);
    snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", newer);
    exec_ok(h, pragma);
    sqlite3_close(h);

    ck_assert_int_eq(cs_catalog_open(&cat, db, 0, NULL), CS_ECONFIG);
    ck_assert_ptr_null(cat);
    snprintf(want, sizeof want, "schema version %d, newer than this program's %d", newer,
             newer - 1);
    ck_assert_msg(strstr(cs_diag(), want) != NULL, "%s", cs_diag());
    ck_assert_ptr_nonnull(strstr(cs_diag(), "use the Custody release that wrote it"));
    /* Nor read as it is by a backup or a restore. */
    ck_assert_int_eq(cs_catalog_file_facts(db, &f), CS_ECONFIG);
    ck_assert_int_eq(cs_test_sql_count(db, "PRAGMA user_version"), newer);
}
END_TEST

/* The version of the migration whose text holds `needle`: migrations are named by what they
 * do, their numbers change as branches merge. */
static int
version_with(const char *needle)
{
    for (int v = 1; v <= cs_cat_schema_latest(); v++)
        if (strstr(cs_cat_schema_migration(v), needle) != NULL)
            return v;
    ck_abort_msg("no migration holds \"%s\"", needle);
    return 0;
}

/* Grant scopes and requests: every grant made before keeps originals (what it read then), no
 * request; its scope is as write-once as the rest of it. */
START_TEST(old_grants_keep_originals)
{
    cs_catalog_t *cat = NULL;
    build_at(version_with("CREATE TABLE requests") - 1);
    ck_assert_int_eq(cs_catalog_open(&cat, db, 0, NULL), 0);
    ck_assert_int_gt(cs_test_sql_count(db, "SELECT count(*) FROM grants"), 0);
    ck_assert_int_eq(cs_test_sql_count(db, "SELECT count(*) FROM grants WHERE scope IS NOT "
                                           "'originals' OR request_id IS NOT NULL"),
                     0);
    cs_catalog_close(&cat);
    sqlite3 *h = NULL;
    ck_assert_int_eq(sqlite3_open(db, &h), SQLITE_OK);
    ck_assert_int_ne(
        sqlite3_exec(h, "UPDATE grants SET scope = 'export', revoked_at = 'x'", NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(h);
}
END_TEST

START_TEST(a_failed_migration_leaves_the_version_it_was)
{
    int latest = version_with("CREATE TABLE decisions"); /* the migration blocked below */
    cs_catalog_t *cat = NULL;
    build_at(latest - 1);
    /* Something in the way of the legal review's migration's last table. */
    sqlite3 *h = NULL;
    ck_assert_int_eq(sqlite3_open(db, &h), SQLITE_OK);
    exec_ok(h, "CREATE TABLE decisions (id INTEGER PRIMARY KEY)");
    sqlite3_close(h);
    ck_assert_int_ne(cs_catalog_open(&cat, db, 0, NULL), 0);
    ck_assert_ptr_null(cat);
    ck_assert_msg(strstr(cs_diag(), "cannot migrate the schema to version") != NULL, "%s",
                  cs_diag());
    ck_assert_int_eq(cs_test_sql_count(db, "PRAGMA user_version"), latest - 1);
    ck_assert_int_eq(cs_test_sql_count(db, "SELECT count(*) FROM sqlite_schema WHERE name ="
                                           " 'review_rounds'"),
                     0);
    ck_assert_int_eq(cs_test_sql_count(db, "SELECT count(*) FROM pragma_table_info('users')"
                                           " WHERE name = 'role_v'"),
                     0);
    ck_assert_int_eq(cs_test_sql_count(db, "SELECT count(*) FROM grants WHERE purposes ->>"
                                           " '$[0]' = 'legal review'"),
                     1);
    ck_assert_int_eq(cs_test_sql_count(db, "SELECT count(*) FROM items"), 1);
}
END_TEST

static Suite *
migrate_suite(void)
{
    Suite *s = suite_create("migrate");
    TCase *tc = tcase_create("migrate");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, every_earlier_version_migrates_forward_and_keeps_its_rows, 1,
                        cs_cat_schema_latest());
    tcase_add_test(tc, v8_states_a_file_time_as_unknown);
    tcase_add_test(tc, v9_an_old_grant_keeps_its_purpose);
    tcase_add_test(tc, v11_gives_old_reasons_their_codes);
    tcase_add_test(tc, a_newer_catalog_is_refused_and_left_as_it_is);
    tcase_add_test(tc, a_failed_migration_leaves_the_version_it_was);
    tcase_add_test(tc, old_grants_keep_originals);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(migrate_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
