/* ledger/merkle_proof.c: RFC 6962 inclusion and consistency proofs, made from the leaves.
 *
 * Both proofs walk from the root down, splitting at the largest power of two below the
 * subtree's size as MTH does, and take the root of the half they do not descend into. Those
 * halves are disjoint, so a proof reads each leaf at most once. The walk finds the hashes top
 * first; RFC 6962 lists them bottom first, hence the final reversal. */
#include "ledger/merkle.h"

#include "core/error.h"

#include <string.h>

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

/* Appends the root of leaves begin .. end-1 to out[*n]. */
static int
push_range(cs_merkle_leaves_fn fn, void *arg, uint64_t begin, uint64_t end, uint8_t (*out)[32],
           size_t *n)
{
    if (*n == CS_MERKLE_PROOF_MAX) {
        cs_diag_set("a Merkle proof would need more than %d hashes", CS_MERKLE_PROOF_MAX);
        return CS_EINVAL;
    }
    int rc = cs_merkle_range_root(fn, arg, begin, end, out[*n]);
    if (rc == 0)
        (*n)++;
    return rc;
}

int
cs_merkle_inclusion_proof(cs_merkle_leaves_fn fn, void *arg, uint64_t leaf, uint64_t size,
                          uint8_t (*path)[32], size_t *n)
{
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
            rc = push_range(fn, arg, lo + k, hi, path, n);
            hi = lo + k;
        } else {
            rc = push_range(fn, arg, lo, lo + k, path, n);
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
cs_merkle_consistency_proof(cs_merkle_leaves_fn fn, void *arg, uint64_t m, uint64_t n,
                            uint8_t (*proof)[32], size_t *len)
{
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
            rc = push_range(fn, arg, lo + k, hi, proof, len);
            hi = lo + k;
        } else {
            rc = push_range(fn, arg, lo, lo + k, proof, len);
            lo += k;
            whole = 0;
        }
        if (rc != 0)
            goto out;
    }
    if (!whole && (rc = push_range(fn, arg, lo, hi, proof, len)) != 0)
        goto out;
    reverse(proof, *len);
out:
    if (rc != 0)
        *len = 0;
    return rc;
}
