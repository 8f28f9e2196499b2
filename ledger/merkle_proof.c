/* ledger/merkle_proof.c: RFC 6962 inclusion and consistency proofs, made from the leaves.
 *
 * Both proofs walk from the root down, splitting at the largest power of two below the
 * subtree's size as MTH does, and take the root of the half they do not descend into. Those
 * halves are disjoint. Without stored subtrees a proof reads each leaf once (the whole log);
 * with them (cs_merkle_nodes_fn), each half is made of perfect subtrees aligned on their size,
 * whose roots are folded from at most 2^(STEP-1) stored roots of the level below (or 2^STEP
 * leaves): a proof of a tree of 10^8 leaves reads a few thousand hashes. The walk finds the
 * hashes top first; RFC 6962 lists them bottom first, hence the final reversal. */
#include "ledger/merkle.h"

#include "core/error.h"

#include <string.h>

typedef struct tree {
    cs_merkle_leaves_fn leaves;
    cs_merkle_nodes_fn nodes; /* NULL: none stored */
    void *arg;
} tree_t;

/* A batch of hashes in memory, as a cs_merkle_leaves_fn: folding 2^k of them with
 * cs_merkle_range_root gives the root of the perfect subtree they are the level of. */
typedef struct held {
    uint8_t (*h)[32];
    uint64_t n;
} held_t;

static int
held_leaves(void *arg, uint64_t index, uint64_t count, uint8_t (*out)[32])
{
    held_t *m = arg;
    if (index + count > m->n)
        return CS_EINVAL;
    memcpy(out, m->h[index], count * 32);
    return 0;
}

/* The largest power of two below size (size >= 2). */
static uint64_t
split(uint64_t size)
{
    return (uint64_t)1 << (63 - __builtin_clzll(size - 1));
}

static void
reverse(uint8_t (*h)[32], size_t n)
{
    uint8_t t[32];
    for (size_t i = 0; i < n / 2; i++) {
        memcpy(t, h[i], 32);
        memcpy(h[i], h[n - 1 - i], 32);
        memcpy(h[n - 1 - i], t, 32);
    }
}

static int range_root(const tree_t *t, uint64_t begin, uint64_t end, uint8_t out[32]);

/* The root of the perfect subtree idx of 2^level leaves, folded from the stored roots of
 * level `base` (a multiple of STEP, level - STEP <= base <= level); each one not stored is made
 * from the level below it in turn, and from the leaves at the bottom. */
static int
subtree_root(const tree_t *t, unsigned level, uint64_t idx, unsigned base, uint8_t out[32])
{
    uint8_t h[1 << CS_MERKLE_NODE_STEP][32];
    uint64_t count = (uint64_t)1 << (level - base), first = idx << (level - base), got = 0;
    held_t m = {.h = h, .n = count};
    int rc;
    if (count > sizeof h / sizeof h[0]) /* never, as base >= level - STEP */
        return CS_EINVAL;
    if ((rc = t->nodes(t->arg, base, first, count, h, &got)) != 0)
        return rc;
    for (uint64_t i = got; i < count; i++) {
        uint64_t b = (first + i) << base;
        rc = base > CS_MERKLE_NODE_STEP
                 ? subtree_root(t, base, first + i, base - CS_MERKLE_NODE_STEP, h[i])
                 : cs_merkle_range_root(t->leaves, t->arg, b, b + ((uint64_t)1 << base), h[i]);
        if (rc != 0)
            return rc;
    }
    return cs_merkle_range_root(held_leaves, &m, 0, count, out);
}

/* MTH of leaves begin .. end-1, from stored subtrees where there are any. */
static int
range_root(const tree_t *t, uint64_t begin, uint64_t end, uint8_t out[32])
{
    uint64_t n = end - begin, small = (uint64_t)1 << CS_MERKLE_NODE_STEP;
    uint8_t l[32], r[32];
    int rc;
    if (t->nodes == NULL || begin > end || n < small)
        return cs_merkle_range_root(t->leaves, t->arg, begin, end, out);
    if ((n & (n - 1)) == 0 && begin % n == 0) {
        unsigned level = (unsigned)__builtin_ctzll(n);
        return subtree_root(t, level, begin / n, level - level % CS_MERKLE_NODE_STEP, out);
    }
    uint64_t k = split(n);
    if ((rc = range_root(t, begin, begin + k, l)) != 0 ||
        (rc = range_root(t, begin + k, end, r)) != 0)
        return rc;
    return cs_merkle_node_hash(l, r, out);
}

/* Appends the root of leaves begin .. end-1 to out[*n]. */
static int
push_range(const tree_t *t, uint64_t begin, uint64_t end, uint8_t (*out)[32], size_t *n)
{
    if (*n == CS_MERKLE_PROOF_MAX) {
        cs_diag_set("a Merkle proof would need more than %d hashes", CS_MERKLE_PROOF_MAX);
        return CS_EINVAL;
    }
    int rc = range_root(t, begin, end, out[*n]);
    if (rc == 0)
        (*n)++;
    return rc;
}

int
cs_merkle_inclusion_proof_nodes(cs_merkle_leaves_fn fn, cs_merkle_nodes_fn nodes, void *arg,
                                uint64_t leaf, uint64_t size, uint8_t (*path)[32], size_t *n)
{
    const tree_t t = {.leaves = fn, .nodes = nodes, .arg = arg};
    uint64_t lo = 0, hi = size;
    int rc = 0;
    *n = 0;
    if (leaf >= size) {
        cs_diag_set("leaf %llu is not in a tree of %llu leaves", (unsigned long long)leaf,
                    (unsigned long long)size);
        return CS_EINVAL;
    }
    while (hi - lo > 1) {
        uint64_t k = split(hi - lo);
        if (leaf - lo < k) {
            rc = push_range(&t, lo + k, hi, path, n);
            hi = lo + k;
        } else {
            rc = push_range(&t, lo, lo + k, path, n);
            lo += k;
        }
        if (rc != 0)
            goto out;
    }
    reverse(path, *n);
out:
    if (rc != 0)
        *n = 0;
    return rc;
}

int
cs_merkle_consistency_proof_nodes(cs_merkle_leaves_fn fn, cs_merkle_nodes_fn nodes, void *arg,
                                  uint64_t m, uint64_t n, uint8_t (*proof)[32], size_t *len)
{
    const tree_t t = {.leaves = fn, .nodes = nodes, .arg = arg};
    uint64_t lo = 0, hi = n;
    int whole = 1; /* still inside the subtree whose root is root_m itself (SUBPROOF's b) */
    int rc = 0;
    *len = 0;
    if (m > n) {
        cs_diag_set("a tree of %llu leaves cannot grow into one of %llu", (unsigned long long)m,
                    (unsigned long long)n);
        return CS_EINVAL;
    }
    if (m == 0 || m == n)
        return 0;
    while (m != hi) {
        uint64_t k = split(hi - lo);
        if (m - lo <= k) {
            rc = push_range(&t, lo + k, hi, proof, len);
            hi = lo + k;
        } else {
            rc = push_range(&t, lo, lo + k, proof, len);
            lo += k;
            whole = 0;
        }
        if (rc != 0)
            goto out;
    }
    if (!whole && (rc = push_range(&t, lo, hi, proof, len)) != 0)
        goto out;
    reverse(proof, *len);
out:
    if (rc != 0)
        *len = 0;
    return rc;
}

int
cs_merkle_inclusion_proof(cs_merkle_leaves_fn fn, void *arg, uint64_t leaf, uint64_t size,
                          uint8_t (*path)[32], size_t *n)
{
    return cs_merkle_inclusion_proof_nodes(fn, NULL, arg, leaf, size, path, n);
}

int
cs_merkle_consistency_proof(cs_merkle_leaves_fn fn, void *arg, uint64_t m, uint64_t n,
                            uint8_t (*proof)[32], size_t *len)
{
    return cs_merkle_consistency_proof_nodes(fn, NULL, arg, m, n, proof, len);
}
