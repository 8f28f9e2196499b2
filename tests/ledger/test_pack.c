/* tests/ledger/test_pack.c: the ledger's entries kept compressed (indexer/ledger_pack.c, issue
 * 24 part 5). Once the ledger has a dictionary, an entry takes a fifth of its bytes on disk,
 * and every entry still reads back byte for byte as it was written (the same bytes a catalog
 * that never compresses keeps), hashes to its leaf, verifies, proves against the root, and is
 * found by the auditor's filters; a catalog migrated with plain rows keeps them as they are
 * and verifies with its new compressed ones after them. */
#include "core/error.h"
#include "indexer/ledger.h"
#include "indexer/ledger_filter.h"
#include "indexer/schema.h"
#include "ledger/checkpoint.h"
#include "ledger/merkle.h"
#include "tests/support/testutil.h"

#include <check.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AFTER 1500   /* entries before the dictionary (the default is 8192) */
#define ENTRIES 3000 /* half plain, half compressed */
#define BATCH 100

static char *dir;
static char db[4096], plain_db[4096];

typedef struct texts {
    char **t;
    size_t n;
} texts_t;

/* A retrieval entry as the gate builds one: a random item, the same object, a growing seq. */
static json_t *
entry(int i)
{
    char sha[65], at[32];
    unsigned x = (unsigned)i * 2654435761u;
    for (int k = 0; k < 64; k++) {
        x = x * 1103515245u + 12345u;
        sha[k] = "0123456789abcdef"[(x >> 16) & 15];
    }
    sha[64] = '\0';
    snprintf(at, sizeof at, "2026-12-08T00:%02d:%02d.%03dZ", i / 3600 % 60, i / 60 % 60, i % 1000);
    return json_pack("{s:s, s:s, s:s, s:i, s:s, s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:n, s:n, "
                     "s:n, s:n, s:s}",
                     "action", i % 7 ? "view" : "get.original", "actor", "bench", "at", at, "bytes",
                     i % 7 ? 0 : 1000 + i, "case", "任水罚〔2023〕1号", "client", "http:127.0.0.1",
                     "grant", 1 + i % 3, "item", sha, "kind", "retrieval", "object", sha, "purpose",
                     "api bench", "result", i % 11 ? "allowed" : "denied", "profile", "range",
                     "reason", "via", "role", "reviewer");
}

/* Appends entries from..to in batches of BATCH: the dictionary is trained after the commit
 * of the batch that passed AFTER, and the batches after it are compressed. */
static void
fill(cs_catalog_t *cat, int from, int to)
{
    for (int i = from; i < to; i++) {
        if (i % BATCH == 0 || i == from)
            ck_assert_int_eq(cs_catalog_batch_begin(cat), 0);
        json_t *e = entry(i);
        ck_assert_int_eq(cs_catalog_ledger_append_batched(cat, e, NULL), 0);
        json_decref(e);
        if (i % BATCH == BATCH - 1 || i == to - 1)
            ck_assert_int_eq(cs_catalog_batch_commit(cat), 0);
    }
}

static int
keep(void *arg, int64_t seq, const char *text, size_t len, const uint8_t *leaf, size_t leaf_len)
{
    texts_t *t = arg;
    uint8_t want[32];
    ck_assert_int_eq(seq, (int64_t)t->n);
    ck_assert_uint_eq(strlen(text), len);
    ck_assert_int_eq(cs_merkle_leaf_hash(text, len, want), 0);
    ck_assert_uint_eq(leaf_len, 32);
    ck_assert_msg(memcmp(want, leaf, 32) == 0, "entry %lld does not hash to its leaf",
                  (long long)seq);
    ck_assert_ptr_nonnull(t->t[t->n++] = strdup(text));
    return 0;
}

/* Keeps what a filter returns (in its order). */
static int
keep_any(void *arg, int64_t seq, const char *text, size_t len, const uint8_t *leaf, size_t leaf_len)
{
    texts_t *t = arg;
    (void)seq, (void)leaf, (void)leaf_len;
    ck_assert_uint_eq(strlen(text), len);
    ck_assert_ptr_nonnull(t->t[t->n++] = strdup(text));
    return 0;
}

static void
read_all(cs_catalog_t *cat, texts_t *t)
{
    t->n = 0;
    ck_assert_ptr_nonnull(t->t = calloc(ENTRIES, sizeof *t->t));
    ck_assert_int_eq(cs_catalog_ledger_each(cat, 0, keep, t), 0);
}

static void
free_texts(texts_t *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->t[i]);
    free(t->t);
}

/* Verifies, and proves a few leaves of either kind against the root of all of them. */
static void
verifies_and_proves(cs_catalog_t *cat, const texts_t *t)
{
    cs_ledger_report_t rep;
    uint8_t root[32], path[CS_MERKLE_PROOF_MAX][32], leaf[32];
    size_t n = 0;
    ck_assert_int_eq(cs_ledger_verify(cat, "/nonexistent.pub", "custody/test", &rep), 0);
    ck_assert_msg(rep.problem[0] == '\0', "%s", rep.problem);
    ck_assert_int_eq(rep.entries, (int64_t)t->n);
    ck_assert_int_eq(cs_ledger_nodes_fill(cat, t->n), 0);
    ck_assert_int_eq(cs_merkle_root(cs_ledger_leaves, cat, t->n, root), 0);
    for (uint64_t i = 0; i < t->n; i += 271) {
        ck_assert_int_eq(cs_merkle_inclusion_proof_nodes(cs_ledger_leaves, cs_ledger_nodes, cat, i,
                                                         t->n, path, &n),
                         0);
        ck_assert_int_eq(cs_merkle_leaf_hash(t->t[i], strlen(t->t[i]), leaf), 0);
        ck_assert_int_eq(
            cs_merkle_verify_inclusion(leaf, i, t->n, (const uint8_t(*)[32])path, n, root), 0);
    }
}

static void
setup(void)
{
    dir = cs_test_tmpdir();
    snprintf(db, sizeof db, "%s/catalog.db", dir);
    snprintf(plain_db, sizeof plain_db, "%s/plain.db", dir);
}

static void
teardown(void)
{
    cs_test_rmrf(dir);
    free(dir);
}

START_TEST(entries_are_kept_compressed_and_read_back_byte_for_byte)
{
    cs_catalog_t *cat = NULL, *plain = NULL;
    texts_t a, b;
    ck_assert_int_eq(cs_catalog_open(&cat, db, 1, NULL), 0);
    ck_assert_int_eq(cs_catalog_open(&plain, plain_db, 1, NULL), 0);
    cs_catalog_ledger_dict_after(cat, AFTER);
    cs_catalog_ledger_dict_after(plain, 0); /* never */
    fill(cat, 0, ENTRIES);
    fill(plain, 0, ENTRIES);

    /* The first AFTER and the rest of their batch stay plain; the rest are compressed, with
     * the one dictionary. */
    ck_assert_int_eq(cs_test_sql_count(db, "SELECT count(*) FROM ledger_dicts"), 1);
    ck_assert_int_eq(cs_test_sql_count(db, "SELECT count(*) FROM ledger WHERE z IS NULL"),
                     AFTER + BATCH);
    ck_assert_int_eq(cs_test_sql_count(db, "SELECT count(*) FROM ledger WHERE z IS NOT NULL AND"
                                           " entry = '' AND dict = (SELECT id FROM ledger_dicts)"),
                     ENTRIES - AFTER - BATCH);
    /* Bytes kept an entry: ~430 plain, under 120 compressed. */
    long plain_bytes = cs_test_sql_count(db, "SELECT avg(length(CAST(entry AS BLOB))) FROM ledger"
                                             " WHERE z IS NULL");
    long packed = cs_test_sql_count(db, "SELECT avg(length(z) + length(entry)) FROM ledger"
                                        " WHERE z IS NOT NULL");
    ck_assert_int_gt(plain_bytes, 400);
    ck_assert_int_lt(packed, 120);

    /* Every entry, read as every reader reads it, is the plain catalog's, byte for byte. */
    read_all(cat, &a);
    read_all(plain, &b);
    ck_assert_uint_eq(a.n, ENTRIES);
    ck_assert_uint_eq(b.n, ENTRIES);
    for (size_t i = 0; i < a.n; i++)
        ck_assert_msg(strcmp(a.t[i], b.t[i]) == 0, "entry %zu: %s\nagainst %s", i, a.t[i], b.t[i]);
    verifies_and_proves(cat, &a);

    /* The auditor's filters look into compressed entries as into plain ones. */
    cs_ledger_filter_t f = {.action = "get.original", .result = "denied", .limit = 1000};
    texts_t fa = {0}, fb = {0};
    int64_t next = 0;
    ck_assert_ptr_nonnull(fa.t = calloc(ENTRIES, sizeof *fa.t));
    ck_assert_ptr_nonnull(fb.t = calloc(ENTRIES, sizeof *fb.t));
    ck_assert_int_eq(cs_catalog_ledger_filter(cat, &f, keep_any, &fa, &next), 0);
    ck_assert_int_eq(cs_catalog_ledger_filter(plain, &f, keep_any, &fb, &next), 0);
    ck_assert_uint_eq(fa.n, fb.n);
    ck_assert_uint_gt(fa.n, 20); /* some past AFTER */
    for (size_t i = 0; i < fa.n; i++)
        ck_assert_str_eq(fa.t[i], fb.t[i]);
    free_texts(&fa);
    free_texts(&fb);
    free_texts(&a);
    free_texts(&b);
    cs_catalog_close(&cat);
    cs_catalog_close(&plain);
}
END_TEST

/* A catalog of the schema before this one, its entries plain, as an older Custody wrote them:
 * the migration adds columns and a table, and those rows stay exactly as they were. */
START_TEST(a_migrated_catalog_keeps_its_plain_rows_and_verifies_with_new_compressed_ones)
{
    cs_catalog_t *cat = NULL, *plain = NULL;
    sqlite3 *h = NULL;
    texts_t a, b;
    int before = cs_cat_schema_latest() - 1;
    ck_assert_int_eq(sqlite3_open(db, &h), SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(h, "PRAGMA journal_mode=WAL", NULL, NULL, NULL), SQLITE_OK);
    for (int v = 1; v <= before; v++) {
        char pragma[64];
        snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", v);
        ck_assert_int_eq(sqlite3_exec(h, "BEGIN", NULL, NULL, NULL), SQLITE_OK);
        ck_assert_int_eq(sqlite3_exec(h, cs_cat_schema_migration(v), NULL, NULL, NULL), SQLITE_OK);
        ck_assert_int_eq(sqlite3_exec(h, pragma, NULL, NULL, NULL), SQLITE_OK);
        ck_assert_int_eq(sqlite3_exec(h, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    }
    sqlite3_close(h);
    /* The old rows, written through the plain catalog and copied as they are. */
    ck_assert_int_eq(cs_catalog_open(&plain, plain_db, 1, NULL), 0);
    cs_catalog_ledger_dict_after(plain, 0);
    fill(plain, 0, AFTER);
    cs_catalog_close(&plain);
    ck_assert_int_eq(sqlite3_open(db, &h), SQLITE_OK);
    char attach[4200];
    snprintf(attach, sizeof attach, "ATTACH '%s' AS p", plain_db);
    ck_assert_int_eq(sqlite3_exec(h, attach, NULL, NULL, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(h,
                                  "INSERT INTO main.ledger (seq, entry, leaf)"
                                  " SELECT seq, entry, leaf FROM p.ledger ORDER BY seq",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(h);
    long old_bytes = cs_test_sql_count(db, "SELECT sum(length(CAST(entry AS BLOB))) FROM ledger");

    /* Migrated; the appends that follow are compressed. */
    ck_assert_int_eq(cs_catalog_open(&cat, db, 0, NULL), 0);
    ck_assert_int_eq(cs_catalog_schema_version(cat), cs_cat_schema_latest());
    cs_catalog_ledger_dict_after(cat, AFTER);
    fill(cat, AFTER, ENTRIES);
    ck_assert_int_eq(cs_test_sql_count(db, "SELECT sum(length(CAST(entry AS BLOB))) FROM ledger"
                                           " WHERE seq < 1500 AND z IS NULL AND dict IS NULL"),
                     old_bytes);
    ck_assert_int_eq(cs_test_sql_count(db, "SELECT count(*) FROM ledger WHERE z IS NOT NULL"),
                     ENTRIES - AFTER - BATCH);
    ck_assert_int_eq(cs_catalog_open(&plain, plain_db, 0, NULL), 0);
    cs_catalog_ledger_dict_after(plain, 0);
    fill(plain, AFTER, ENTRIES);
    read_all(cat, &a);
    read_all(plain, &b);
    for (size_t i = 0; i < a.n; i++)
        ck_assert_str_eq(a.t[i], b.t[i]);
    verifies_and_proves(cat, &a);

    /* The dictionary is written once, and the ledger stays append-only. */
    ck_assert_int_eq(sqlite3_open(db, &h), SQLITE_OK);
    ck_assert_int_ne(sqlite3_exec(h, "DELETE FROM ledger_dicts", NULL, NULL, NULL), SQLITE_OK);
    ck_assert_int_ne(sqlite3_exec(h, "UPDATE ledger_dicts SET made_at = ''", NULL, NULL, NULL),
                     SQLITE_OK);
    ck_assert_int_ne(
        sqlite3_exec(h, "UPDATE ledger SET z = NULL WHERE seq = 2000", NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(h);
    free_texts(&a);
    free_texts(&b);
    cs_catalog_close(&cat);
    cs_catalog_close(&plain);
}
END_TEST

/* A compressed entry changed in the file is found by verify, as a plain one is. */
START_TEST(a_changed_compressed_entry_is_found)
{
    cs_catalog_t *cat = NULL;
    sqlite3 *h = NULL;
    cs_ledger_report_t rep;
    ck_assert_int_eq(cs_catalog_open(&cat, db, 1, NULL), 0);
    cs_catalog_ledger_dict_after(cat, AFTER);
    fill(cat, 0, AFTER + 300);
    ck_assert_int_eq(sqlite3_open(db, &h), SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(h,
                                  "DROP TRIGGER ledger_no_update;"
                                  " UPDATE ledger SET z = (SELECT z FROM ledger WHERE seq = 1720)"
                                  " WHERE seq = 1710",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(h);
    ck_assert_int_eq(cs_ledger_verify(cat, "/nonexistent.pub", "custody/test", &rep), 0);
    ck_assert_int_eq(rep.first_bad, 1710);
    cs_catalog_close(&cat);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("ledger_pack");
    TCase *tc = tcase_create("ledger_pack");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, entries_are_kept_compressed_and_read_back_byte_for_byte);
    tcase_add_test(tc,
                   a_migrated_catalog_keeps_its_plain_rows_and_verifies_with_new_compressed_ones);
    tcase_add_test(tc, a_changed_compressed_entry_is_found);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
