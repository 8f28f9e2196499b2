/* tests/ledger/test_merkle.c: the RFC 6962 Merkle tree, its proofs and their verification.
 *
 * Known answers are the Certificate Transparency reference vectors: the eight leaves, the roots
 * of sizes 1..8, the paths and the consistency proofs of google/certificate-transparency
 * cpp/merkletree/merkle_tree_test.cc (kInputs, kSHA256Roots, kSHA256Paths, kSHA256Proofs),
 * which transparency-dev/merkle proof/verify_test.go carries on (and adds the 6 -> 7 proof).
 * Beyond them, proofs for every leaf and size up to 64 are compared with a direct recursive
 * transcription of RFC 6962 §2.1 PATH and PROOF. */
#include "core/error.h"
#include "ledger/merkle.h"

#include <check.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void
unhex(const char *s, uint8_t *out)
{
    for (size_t i = 0; s[2 * i]; i++) {
        unsigned v;
        ck_assert_int_eq(sscanf(s + 2 * i, "%2x", &v), 1);
        out[i] = (uint8_t)v;
    }
}

static const char *const ct_inputs[8] = {"",
                                         "00",
                                         "10",
                                         "2021",
                                         "3031",
                                         "40414243",
                                         "5051525354555657",
                                         "606162636465666768696a6b6c6d6e6f"};

static const char *const ct_roots[8] = {
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"};

static const char empty_root[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/* Leaves are 0-based here; the CT tables count them from 1. */
static const struct {
    uint64_t leaf, size;
    size_t n;
    const char *path[3];
} ct_paths[] = {
    {0, 1, 0, {NULL}},
    {0,
     8,
     3,
     {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
    {5,
     8,
     3,
     {"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
    {2, 3, 1, {"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"}},
    {1,
     5,
     3,
     {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
};

static const struct {
    uint64_t m, n;
    size_t len;
    const char *proof[3];
} ct_proofs[] = {
    {1, 1, 0, {NULL}},
    {1,
     8,
     3,
     {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
    {6,
     8,
     3,
     {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
    {2,
     5,
     2,
     {"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
    {6,
     7,
     3,
     {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
      "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
};

/* A tree held in memory, read through the callback, which counts what it hands out. */
typedef struct tree {
    uint8_t (*leaves)[32];
    uint64_t size;
    uint64_t reads;   /* leaf hashes handed out */
    uint64_t fail_at; /* an index whose read fails with CS_EIO, or UINT64_MAX */
} tree_t;

static int
tree_leaves(void *arg, uint64_t index, uint64_t count, uint8_t (*out)[32])
{
    tree_t *t = arg;
    ck_assert_uint_ge(count, 1);
    ck_assert_uint_le(count, CS_MERKLE_BATCH);
    ck_assert_uint_le(index + count, t->size);
    if (t->fail_at >= index && t->fail_at < index + count)
        return CS_EIO;
    memcpy(out, t->leaves + index, count * 32);
    t->reads += count;
    return 0;
}

static void
ct_tree(tree_t *t)
{
    static uint8_t leaves[8][32];
    for (int i = 0; i < 8; i++) {
        uint8_t data[16];
        unhex(ct_inputs[i], data);
        ck_assert_int_eq(cs_merkle_leaf_hash(data, strlen(ct_inputs[i]) / 2, leaves[i]), 0);
    }
    *t = (tree_t){leaves, 8, 0, UINT64_MAX};
}

/* A tree of `size` leaves whose data is the 4-byte big-endian index. */
static void
index_tree(tree_t *t, uint64_t size)
{
    t->leaves = malloc((size ? size : 1) * 32);
    ck_assert_ptr_nonnull(t->leaves);
    for (uint64_t i = 0; i < size; i++) {
        uint8_t data[4] = {(uint8_t)(i >> 24), (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i};
        ck_assert_int_eq(cs_merkle_leaf_hash(data, sizeof data, t->leaves[i]), 0);
    }
    t->size = size;
    t->reads = 0;
    t->fail_at = UINT64_MAX;
}

/* RFC 6962 §2.1 transcribed as it is written, for cross-checking. */
static uint64_t
ref_split(uint64_t n)
{
    uint64_t k = 1;
    while (k * 2 < n)
        k *= 2;
    return k;
}

static void
ref_mth(uint8_t (*d)[32], uint64_t n, uint8_t out[32])
{
    uint8_t a[32], b[32];
    if (n == 0) {
        unhex(empty_root, out);
    } else if (n == 1) {
        memcpy(out, d[0], 32);
    } else {
        uint64_t k = ref_split(n);
        ref_mth(d, k, a);
        ref_mth(d + k, n - k, b);
        ck_assert_int_eq(cs_merkle_node_hash(a, b, out), 0);
    }
}

static void
ref_path(uint8_t (*d)[32], uint64_t n, uint64_t m, uint8_t (*out)[32], size_t *len)
{
    if (n <= 1)
        return;
    uint64_t k = ref_split(n);
    if (m < k) {
        ref_path(d, k, m, out, len);
        ref_mth(d + k, n - k, out[(*len)++]);
    } else {
        ref_path(d + k, n - k, m - k, out, len);
        ref_mth(d, k, out[(*len)++]);
    }
}

static void
ref_subproof(uint8_t (*d)[32], uint64_t n, uint64_t m, int b, uint8_t (*out)[32], size_t *len)
{
    if (m == n) {
        if (!b)
            ref_mth(d, n, out[(*len)++]);
        return;
    }
    uint64_t k = ref_split(n);
    if (m <= k) {
        ref_subproof(d, k, m, b, out, len);
        ref_mth(d + k, n - k, out[(*len)++]);
    } else {
        ref_subproof(d + k, n - k, m - k, 0, out, len);
        ref_mth(d, k, out[(*len)++]);
    }
}

START_TEST(hashes_and_roots_match_the_ct_vectors)
{
    tree_t t;
    uint8_t want[32], got[32];
    cs_merkle_frontier_t f;
    ct_tree(&t);
    cs_merkle_frontier_init(&f);
    unhex(empty_root, want);
    ck_assert_int_eq(cs_merkle_root(tree_leaves, &t, 0, got), 0);
    ck_assert_mem_eq(got, want, 32);
    ck_assert_int_eq(cs_merkle_frontier_root(&f, got), 0);
    ck_assert_mem_eq(got, want, 32);
    for (int i = 0; i < 8; i++) {
        unhex(ct_roots[i], want);
        ck_assert_int_eq(cs_merkle_root(tree_leaves, &t, (uint64_t)i + 1, got), 0);
        ck_assert_mem_eq(got, want, 32);
        ck_assert_int_eq(cs_merkle_frontier_append(&f, t.leaves[i]), 0);
        ck_assert_uint_eq(f.size, (uint64_t)i + 1);
        ck_assert_int_eq(cs_merkle_frontier_root(&f, got), 0);
        ck_assert_mem_eq(got, want, 32);
    }
    /* The root of one leaf is its leaf hash; a node hashes 0x01 || left || right. */
    ck_assert_mem_eq(t.leaves[0], (unhex(ct_roots[0], want), want), 32);
    ck_assert_int_eq(cs_merkle_node_hash(t.leaves[0], t.leaves[1], got), 0);
    unhex(ct_roots[1], want);
    ck_assert_mem_eq(got, want, 32);
    /* A subrange is a tree of its own: leaves 4..7 are the right half of the 8-leaf tree. */
    uint8_t left[32], right[32];
    ck_assert_int_eq(cs_merkle_range_root(tree_leaves, &t, 0, 4, left), 0);
    ck_assert_int_eq(cs_merkle_range_root(tree_leaves, &t, 4, 8, right), 0);
    ck_assert_int_eq(cs_merkle_node_hash(left, right, got), 0);
    unhex(ct_roots[7], want);
    ck_assert_mem_eq(got, want, 32);
    ck_assert_int_eq(cs_merkle_range_root(tree_leaves, &t, 5, 4, got), CS_EINVAL);
}
END_TEST

START_TEST(proofs_match_the_ct_vectors)
{
    tree_t t;
    uint8_t path[CS_MERKLE_PROOF_MAX][32], want[32];
    size_t n;
    ct_tree(&t);
    for (size_t i = 0; i < sizeof ct_paths / sizeof ct_paths[0]; i++) {
        ck_assert_int_eq(cs_merkle_inclusion_proof(tree_leaves, &t, ct_paths[i].leaf,
                                                   ct_paths[i].size, path, &n),
                         0);
        ck_assert_uint_eq(n, ct_paths[i].n);
        for (size_t j = 0; j < n; j++) {
            unhex(ct_paths[i].path[j], want);
            ck_assert_mem_eq(path[j], want, 32);
        }
        unhex(ct_roots[ct_paths[i].size - 1], want);
        ck_assert_int_eq(cs_merkle_verify_inclusion(t.leaves[ct_paths[i].leaf], ct_paths[i].leaf,
                                                    ct_paths[i].size, path, n, want),
                         0);
    }
    /* CT's {0, 0} entry: no leaf, no path. */
    ck_assert_int_eq(cs_merkle_inclusion_proof(tree_leaves, &t, 0, 0, path, &n), CS_EINVAL);
    ck_assert_int_eq(cs_merkle_inclusion_proof(tree_leaves, &t, 8, 8, path, &n), CS_EINVAL);
    for (size_t i = 0; i < sizeof ct_proofs / sizeof ct_proofs[0]; i++) {
        uint8_t root_m[32], root_n[32];
        ck_assert_int_eq(
            cs_merkle_consistency_proof(tree_leaves, &t, ct_proofs[i].m, ct_proofs[i].n, path, &n),
            0);
        ck_assert_uint_eq(n, ct_proofs[i].len);
        for (size_t j = 0; j < n; j++) {
            unhex(ct_proofs[i].proof[j], want);
            ck_assert_mem_eq(path[j], want, 32);
        }
        unhex(ct_roots[ct_proofs[i].m - 1], root_m);
        unhex(ct_roots[ct_proofs[i].n - 1], root_n);
        ck_assert_int_eq(
            cs_merkle_verify_consistency(ct_proofs[i].m, ct_proofs[i].n, root_m, root_n, path, n),
            0);
    }
    ck_assert_int_eq(cs_merkle_consistency_proof(tree_leaves, &t, 5, 4, path, &n), CS_EINVAL);
}
END_TEST

/* The edge cases of CT's MerkleVerifierTest.VerifyConsistencyProof, with our codes. */
START_TEST(consistency_edge_cases)
{
    uint8_t empty[32], a[32], b[32], proof[1][32];
    unhex(empty_root, empty);
    memset(a, 0xaa, 32);
    memset(b, 0xbb, 32);
    memcpy(proof[0], empty, 32);
    const uint8_t(*p)[32] = proof;
    ck_assert_int_eq(cs_merkle_verify_consistency(0, 0, empty, empty, p, 0), 0);
    ck_assert_int_eq(cs_merkle_verify_consistency(0, 1, empty, b, p, 0), 0);
    ck_assert_int_eq(cs_merkle_verify_consistency(1, 1, a, a, p, 0), 0);
    ck_assert_int_eq(cs_merkle_verify_consistency(1, 1, a, b, p, 0), CS_EMISMATCH);
    ck_assert_int_eq(cs_merkle_verify_consistency(0, 0, empty, b, p, 0), CS_EMISMATCH);
    ck_assert_int_eq(cs_merkle_verify_consistency(0, 5, a, b, p, 0), CS_EMISMATCH);
    ck_assert_int_eq(cs_merkle_verify_consistency(1, 0, a, b, p, 0), CS_EINVAL);
    ck_assert_int_eq(cs_merkle_verify_consistency(2, 1, a, b, p, 0), CS_EINVAL);
    ck_assert_int_eq(cs_merkle_verify_consistency(1, 2, a, b, p, 0), CS_EINVAL);
    ck_assert_int_eq(cs_merkle_verify_consistency(0, 0, empty, empty, p, 1), CS_EINVAL);
    ck_assert_int_eq(cs_merkle_verify_consistency(0, 1, empty, empty, p, 1), CS_EINVAL);
    ck_assert_int_eq(cs_merkle_verify_consistency(1, 1, empty, empty, p, 1), CS_EINVAL);
    ck_assert_int_eq(cs_merkle_verify_inclusion(a, 0, 0, p, 0, a), CS_EINVAL);
    ck_assert_int_eq(cs_merkle_verify_inclusion(a, 2, 1, p, 0, a), CS_EINVAL);
    ck_assert_int_eq(cs_merkle_verify_inclusion(a, 0, 1, p, 0, a), 0);
    ck_assert_int_eq(cs_merkle_verify_inclusion(a, 0, 1, p, 0, b), CS_EMISMATCH);
    ck_assert_int_eq(cs_merkle_verify_inclusion(a, 0, 1, p, 1, a), CS_EINVAL);
}
END_TEST

START_TEST(the_frontier_matches_the_root_up_to_300)
{
    tree_t t;
    cs_merkle_frontier_t f, loaded;
    uint8_t a[32], b[32], c[32];
    index_tree(&t, 300);
    cs_merkle_frontier_init(&f);
    for (uint64_t size = 0; size <= 300; size++) {
        if (size > 0)
            ck_assert_int_eq(cs_merkle_frontier_append(&f, t.leaves[size - 1]), 0);
        ck_assert_int_eq(cs_merkle_frontier_root(&f, a), 0);
        ck_assert_int_eq(cs_merkle_root(tree_leaves, &t, size, b), 0);
        ref_mth(t.leaves, size, c);
        ck_assert_mem_eq(a, b, 32);
        ck_assert_mem_eq(a, c, 32);
        ck_assert_int_eq(cs_merkle_frontier_load(&loaded, tree_leaves, &t, size), 0);
        ck_assert_uint_eq(loaded.size, size);
        for (unsigned level = 0; level < 64; level++)
            if ((size >> level) & 1)
                ck_assert_mem_eq(loaded.hashes[level], f.hashes[level], 32);
    }
    free(t.leaves);
}
END_TEST

/* Everything a verifier must refuse, from one good inclusion proof. */
static void
inclusion_probes(const uint8_t leaf_hash[32], uint64_t leaf, uint64_t size, uint8_t (*path)[32],
                 size_t n, const uint8_t root[32])
{
    uint8_t bad[32], longer[CS_MERKLE_PROOF_MAX + 1][32];
    const uint8_t(*p)[32] = path;
    ck_assert_int_eq(cs_merkle_verify_inclusion(leaf_hash, leaf, size, p, n, root), 0);
    for (size_t i = 0; i < n; i++)
        for (int j = 0; j < 32; j++) {
            path[i][j] ^= 0x01;
            ck_assert_int_eq(cs_merkle_verify_inclusion(leaf_hash, leaf, size, p, n, root),
                             CS_EMISMATCH);
            path[i][j] ^= 0x01;
        }
    for (int j = 0; j < 32; j++) {
        memcpy(bad, root, 32);
        bad[j] ^= 0x80;
        ck_assert_int_eq(cs_merkle_verify_inclusion(leaf_hash, leaf, size, p, n, bad),
                         CS_EMISMATCH);
        memcpy(bad, leaf_hash, 32);
        bad[j] ^= 0x80;
        ck_assert_int_eq(cs_merkle_verify_inclusion(bad, leaf, size, p, n, root), CS_EMISMATCH);
    }
    if (leaf > 0)
        ck_assert_int_ne(cs_merkle_verify_inclusion(leaf_hash, leaf - 1, size, p, n, root), 0);
    ck_assert_int_ne(cs_merkle_verify_inclusion(leaf_hash, leaf + 1, size, p, n, root), 0);
    ck_assert_int_ne(cs_merkle_verify_inclusion(leaf_hash, leaf ^ 2, size, p, n, root), 0);
    ck_assert_int_ne(cs_merkle_verify_inclusion(leaf_hash, leaf, size * 2, p, n, root), 0);
    ck_assert_int_ne(cs_merkle_verify_inclusion(leaf_hash, leaf, size / 2, p, n, root), 0);
    /* Not size + 1: leaf 0 of 3 and leaf 0 of 4 hash their path the same way. The root binds
     * the size, and a checkpoint signs the two together. */
    /* A hash too many at either end, or one too few. */
    memcpy(longer[0], root, 32);
    memcpy(longer + 1, path, n * 32);
    ck_assert_int_eq(cs_merkle_verify_inclusion(leaf_hash, leaf, size, longer, n + 1, root),
                     CS_EINVAL);
    memcpy(longer, path, n * 32);
    memcpy(longer[n], root, 32);
    ck_assert_int_eq(cs_merkle_verify_inclusion(leaf_hash, leaf, size, longer, n + 1, root),
                     CS_EINVAL);
    if (n > 0)
        ck_assert_int_eq(cs_merkle_verify_inclusion(leaf_hash, leaf, size, p, n - 1, root),
                         CS_EINVAL);
}

static void
consistency_probes(uint64_t m, uint64_t n, const uint8_t root_m[32], const uint8_t root_n[32],
                   uint8_t (*proof)[32], size_t len)
{
    uint8_t bad[32], longer[CS_MERKLE_PROOF_MAX + 1][32];
    const uint8_t(*p)[32] = proof;
    ck_assert_int_eq(cs_merkle_verify_consistency(m, n, root_m, root_n, p, len), 0);
    for (size_t i = 0; i < len; i++)
        for (int j = 0; j < 32; j++) {
            proof[i][j] ^= 0x10;
            ck_assert_int_eq(cs_merkle_verify_consistency(m, n, root_m, root_n, p, len),
                             CS_EMISMATCH);
            proof[i][j] ^= 0x10;
        }
    for (int j = 0; j < 32; j++) {
        memcpy(bad, root_n, 32);
        bad[j] ^= 0x01;
        /* The empty tree is a prefix of every tree: its proof says nothing of root_n. */
        ck_assert_int_eq(cs_merkle_verify_consistency(m, n, root_m, bad, p, len),
                         m == 0 ? 0 : CS_EMISMATCH);
        memcpy(bad, root_m, 32);
        bad[j] ^= 0x01;
        ck_assert_int_eq(cs_merkle_verify_consistency(m, n, bad, root_n, p, len), CS_EMISMATCH);
    }
    if (len == 0)
        return; /* m == n (or m == 0): the sizes alone are consistent */
    ck_assert_int_ne(cs_merkle_verify_consistency(m, n, root_n, root_m, p, len), 0);
    ck_assert_int_ne(cs_merkle_verify_consistency(m - 1, n, root_m, root_n, p, len), 0);
    ck_assert_int_ne(cs_merkle_verify_consistency(m + 1, n, root_m, root_n, p, len), 0);
    ck_assert_int_ne(cs_merkle_verify_consistency(m ^ 2, n, root_m, root_n, p, len), 0);
    ck_assert_int_ne(cs_merkle_verify_consistency(m, n * 2, root_m, root_n, p, len), 0);
    ck_assert_int_ne(cs_merkle_verify_consistency(m, n / 2, root_m, root_n, p, len), 0);
    ck_assert_int_eq(cs_merkle_verify_consistency(m, n, root_m, root_n, p, 0), CS_EINVAL);
    ck_assert_int_eq(cs_merkle_verify_consistency(m, n, root_m, root_n, p, len - 1), CS_EINVAL);
    memcpy(longer[0], proof[0], 32);
    memcpy(longer + 1, proof, len * 32);
    ck_assert_int_eq(cs_merkle_verify_consistency(m, n, root_m, root_n, longer, len + 1),
                     CS_EINVAL);
    memcpy(longer, proof, len * 32);
    memcpy(longer[len], root_n, 32);
    ck_assert_int_eq(cs_merkle_verify_consistency(m, n, root_m, root_n, longer, len + 1),
                     CS_EINVAL);
}

START_TEST(every_proof_up_to_64_leaves_verifies_and_no_corruption_does)
{
    tree_t t;
    uint8_t roots[65][32], got[CS_MERKLE_PROOF_MAX][32], want[CS_MERKLE_PROOF_MAX][32];
    size_t n, wn;
    index_tree(&t, 64);
    for (uint64_t size = 0; size <= 64; size++)
        ck_assert_int_eq(cs_merkle_root(tree_leaves, &t, size, roots[size]), 0);
    for (uint64_t size = 1; size <= 64; size++) {
        for (uint64_t leaf = 0; leaf < size; leaf++) {
            t.reads = 0;
            ck_assert_int_eq(cs_merkle_inclusion_proof(tree_leaves, &t, leaf, size, got, &n), 0);
            ck_assert_uint_eq(t.reads, size - 1); /* every other leaf, once */
            wn = 0;
            ref_path(t.leaves, size, leaf, want, &wn);
            ck_assert_uint_eq(n, wn);
            ck_assert_mem_eq(got, want, n * 32);
            inclusion_probes(t.leaves[leaf], leaf, size, got, n, roots[size]);
        }
        for (uint64_t m = 0; m <= size; m++) {
            t.reads = 0;
            ck_assert_int_eq(cs_merkle_consistency_proof(tree_leaves, &t, m, size, got, &n), 0);
            ck_assert_uint_le(t.reads, size);
            wn = 0;
            if (m > 0)
                ref_subproof(t.leaves, size, m, 1, want, &wn);
            ck_assert_uint_eq(n, wn);
            ck_assert_mem_eq(got, want, n * 32);
            consistency_probes(m, size, roots[m], roots[size], got, n);
        }
    }
    free(t.leaves);
}
END_TEST

START_TEST(a_failing_leaf_read_is_passed_up)
{
    tree_t t;
    uint8_t root[32], path[CS_MERKLE_PROOF_MAX][32];
    cs_merkle_frontier_t f;
    size_t n = 99;
    index_tree(&t, 10000);
    t.fail_at = 9000;
    ck_assert_int_eq(cs_merkle_root(tree_leaves, &t, 10000, root), CS_EIO);
    ck_assert_int_eq(cs_merkle_root(tree_leaves, &t, 9000, root), 0);
    ck_assert_int_eq(cs_merkle_inclusion_proof(tree_leaves, &t, 3, 10000, path, &n), CS_EIO);
    ck_assert_uint_eq(n, 0);
    ck_assert_int_eq(cs_merkle_consistency_proof(tree_leaves, &t, 5000, 10000, path, &n), CS_EIO);
    cs_merkle_frontier_init(&f);
    ck_assert_int_eq(cs_merkle_frontier_load(&f, tree_leaves, &t, 10000), CS_EIO);
    ck_assert_uint_eq(f.size, 0);
    free(t.leaves);
}
END_TEST

/* Leaf hashes made from the index with one reused SHA-256 context, as a SQLite reader would
 * hand out stored hashes. */
typedef struct gen {
    EVP_MD_CTX *ctx;
    uint64_t calls;
    double secs; /* spent in the callback */
} gen_t;

static double now(void);

static int
gen_leaves(void *arg, uint64_t index, uint64_t count, uint8_t (*out)[32])
{
    gen_t *g = arg;
    double t0 = now();
    g->calls++;
    for (uint64_t i = 0; i < count; i++) {
        uint8_t data[9] = {0x00};
        for (int b = 0; b < 8; b++)
            data[1 + b] = (uint8_t)((index + i) >> (56 - 8 * b));
        if (EVP_DigestInit_ex2(g->ctx, EVP_sha256(), NULL) != 1 ||
            EVP_DigestUpdate(g->ctx, data, sizeof data) != 1 ||
            EVP_DigestFinal_ex(g->ctx, out[i], NULL) != 1)
            return CS_ECRYPTO;
    }
    g->secs += now() - t0;
    return 0;
}

static double
now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

START_TEST(a_million_leaves_stream_and_match_the_frontier)
{
    enum { N = 1000000 };
    gen_t g = {EVP_MD_CTX_new(), 0, 0};
    cs_merkle_frontier_t f;
    uint8_t root[32], froot[32], leaf[32], path[CS_MERKLE_PROOF_MAX][32];
    size_t n;
    double t0, t_root, t_cb, t_append, t_proof, t_cons;
    ck_assert_ptr_nonnull(g.ctx);

    t0 = now();
    ck_assert_int_eq(cs_merkle_root(gen_leaves, &g, N, root), 0);
    t_root = now() - t0;
    t_cb = g.secs;
    ck_assert_uint_eq(g.calls, (N + CS_MERKLE_BATCH - 1) / CS_MERKLE_BATCH);

    /* The appender's way: one leaf at a time, the root kept current. */
    cs_merkle_frontier_init(&f);
    g.secs = 0;
    t0 = now();
    for (uint64_t i = 0; i < N; i++) {
        ck_assert_int_eq(gen_leaves(&g, i, 1, &leaf), 0);
        ck_assert_int_eq(cs_merkle_frontier_append(&f, leaf), 0);
    }
    ck_assert_int_eq(cs_merkle_frontier_root(&f, froot), 0);
    t_append = now() - t0 - g.secs;
    ck_assert_mem_eq(root, froot, 32);

    t0 = now();
    ck_assert_int_eq(cs_merkle_inclusion_proof(gen_leaves, &g, 123456, N, path, &n), 0);
    t_proof = now() - t0;
    gen_leaves(&g, 123456, 1, &leaf);
    ck_assert_int_eq(cs_merkle_verify_inclusion(leaf, 123456, N, path, n, root), 0);

    uint8_t root_m[32];
    ck_assert_int_eq(cs_merkle_root(gen_leaves, &g, 654321, root_m), 0);
    t0 = now();
    ck_assert_int_eq(cs_merkle_consistency_proof(gen_leaves, &g, 654321, N, path, &n), 0);
    t_cons = now() - t0;
    ck_assert_int_eq(cs_merkle_verify_consistency(654321, N, root_m, root, path, n), 0);

    fprintf(stderr,
            "merkle, 1,000,000 leaves: root %.3f s (%.3f s in the leaf callback), "
            "1,000,000 frontier appends %.3f s, inclusion proof %.3f s, consistency proof "
            "%.3f s\n",
            t_root, t_cb, t_append, t_proof, t_cons);
    EVP_MD_CTX_free(g.ctx);
}
END_TEST

static Suite *
merkle_suite(void)
{
    Suite *s = suite_create("merkle");
    TCase *tc = tcase_create("merkle");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, hashes_and_roots_match_the_ct_vectors);
    tcase_add_test(tc, proofs_match_the_ct_vectors);
    tcase_add_test(tc, consistency_edge_cases);
    tcase_add_test(tc, the_frontier_matches_the_root_up_to_300);
    tcase_add_test(tc, every_proof_up_to_64_leaves_verifies_and_no_corruption_does);
    tcase_add_test(tc, a_failing_leaf_read_is_passed_up);
    tcase_add_test(tc, a_million_leaves_stream_and_match_the_frontier);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(merkle_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
