/* tests/ledger/test_nodes.c: proofs made from the ledger's stored subtree roots
 * (ledger/nodes.c, merkle_proof.c) are the proofs made from the leaves, read a few hundred
 * hashes where those read every leaf, and are made whole again from below where roots are
 * missing; a damaged root gives a proof that fails against the signed root. */
#include "core/error.h"
#include "indexer/ledger.h"
#include "ledger/checkpoint.h"
#include "ledger/merkle.h"
#include "tests/support/testutil.h"

#include <check.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LEAVES 4133 /* 16 subtrees of 2^8 and a ragged tail */

static char *dir;
static char db[4096];
static cs_catalog_t *cat;
static uint64_t leaves_read;

static int
counting_leaves(void *arg, uint64_t index, uint64_t count, uint8_t (*out)[32])
{
    leaves_read += count;
    return cs_ledger_leaves(arg, index, count, out);
}

static void
setup(void)
{
    dir = cs_test_tmpdir();
    snprintf(db, sizeof db, "%s/catalog.db", dir);
    cs_catalog_opts_t opts = {.busy_timeout_ms = 1000};
    ck_assert_int_eq(cs_catalog_open(&cat, db, 1, &opts), 0);
    ck_assert_int_eq(cs_catalog_batch_begin(cat), 0);
    for (int i = 0; i < LEAVES; i++) {
        json_t *e = json_pack("{s:s, s:s, s:i}", "kind", "retrieval", "action", "test", "i", i);
        ck_assert_int_eq(cs_catalog_ledger_append(cat, e, NULL), 0);
        json_decref(e);
    }
    ck_assert_int_eq(cs_catalog_batch_commit(cat), 0);
    ck_assert_int_eq(cs_ledger_nodes_fill(cat, LEAVES), 0);
}

static void
teardown(void)
{
    cs_catalog_close(&cat);
    cs_test_rmrf(dir);
    free(dir);
}

static void
sql(const char *text)
{
    sqlite3 *h = NULL;
    ck_assert_int_eq(sqlite3_open(db, &h), SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(h, text, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(h);
}

/* Every proof of a few leaves and trees, with the stored roots and from the leaves alone, the
 * same hashes; *most_read the most leaves one proof with stored roots read. */
static void
proofs_agree(uint64_t *most_read)
{
    static const uint64_t sizes[] = {LEAVES, 4096, 3000, 257, 256, 255};
    uint8_t a[CS_MERKLE_PROOF_MAX][32], b[CS_MERKLE_PROOF_MAX][32];
    size_t na, nb;
    *most_read = 0;
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        uint64_t size = sizes[s];
        for (uint64_t leaf = 0; leaf < size; leaf += size / 7 + 1) {
            leaves_read = 0;
            ck_assert_int_eq(cs_merkle_inclusion_proof_nodes(counting_leaves, cs_ledger_nodes, cat,
                                                             leaf, size, a, &na),
                             0);
            *most_read = leaves_read > *most_read ? leaves_read : *most_read;
            ck_assert_int_eq(cs_merkle_inclusion_proof(cs_ledger_leaves, cat, leaf, size, b, &nb),
                             0);
            ck_assert_uint_eq(na, nb);
            ck_assert_int_eq(memcmp(a, b, na * 32), 0);
            /* leaf as the earlier tree's size: a consistency proof */
            ck_assert_int_eq(cs_merkle_consistency_proof_nodes(cs_ledger_leaves, cs_ledger_nodes,
                                                               cat, leaf, size, a, &na),
                             0);
            ck_assert_int_eq(cs_merkle_consistency_proof(cs_ledger_leaves, cat, leaf, size, b, &nb),
                             0);
            ck_assert_uint_eq(na, nb);
            ck_assert_int_eq(memcmp(a, b, na * 32), 0);
        }
    }
}

START_TEST(proofs_from_stored_roots_are_the_proofs_from_the_leaves_and_read_few)
{
    uint64_t most = 0, whole = 0;
    uint8_t path[CS_MERKLE_PROOF_MAX][32];
    size_t n;
    proofs_agree(&most);
    /* One subtree's leaves (2^8) at most beside the stored roots, where the proof from the
     * leaves reads all the others. */
    ck_assert_uint_le(most, 2 * 256);
    leaves_read = 0;
    ck_assert_int_eq(cs_merkle_inclusion_proof(counting_leaves, cat, 5, LEAVES, path, &n), 0);
    whole = leaves_read;
    ck_assert_uint_eq(whole, LEAVES - 1);
}
END_TEST

START_TEST(missing_roots_are_made_from_below)
{
    uint64_t most = 0, count = 0;
    sql("DELETE FROM ledger_nodes WHERE idx % 3 = 1");
    proofs_agree(&most);
    /* and filled again by the next fill */
    ck_assert_int_eq(cs_ledger_nodes_fill(cat, LEAVES), 0);
    ck_assert_int_eq(cs_catalog_ledger_nodes_count(cat, 8, &count), 0);
    ck_assert_uint_eq(count, LEAVES / 256);
}
END_TEST

START_TEST(a_damaged_root_gives_a_proof_that_fails_against_the_signed_root)
{
    uint8_t path[CS_MERKLE_PROOF_MAX][32], leaf[1][32], root[32];
    size_t n;
    ck_assert_int_eq(cs_merkle_root(cs_ledger_leaves, cat, LEAVES, root), 0);
    ck_assert_int_eq(cs_catalog_ledger_leaves(cat, 3000, 1, leaf), 0);
    sql("UPDATE ledger_nodes SET hash = zeroblob(32) WHERE level = 8 AND idx = 2");
    ck_assert_int_eq(cs_merkle_inclusion_proof_nodes(cs_ledger_leaves, cs_ledger_nodes, cat, 3000,
                                                     LEAVES, path, &n),
                     0);
    ck_assert_int_eq(
        cs_merkle_verify_inclusion(leaf[0], 3000, LEAVES, (const uint8_t(*)[32])path, n, root),
        CS_EMISMATCH);
}
END_TEST

static Suite *
suite(void)
{
    Suite *s = suite_create("nodes");
    TCase *tc = tcase_create("nodes");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, proofs_from_stored_roots_are_the_proofs_from_the_leaves_and_read_few);
    tcase_add_test(tc, missing_roots_are_made_from_below);
    tcase_add_test(tc, a_damaged_root_gives_a_proof_that_fails_against_the_signed_root);
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
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
