/* ledger/merkle.c: RFC 6962 hashing, streamed roots, the frontier, and proof verification. */
#include "ledger/merkle.h"

#include "core/error.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

/* One fetched SHA-256 and one context reused for every hash of a call: in OpenSSL 3 a fetch
 * per hash would cost more than the hash itself. */
typedef struct hasher {
    EVP_MD *md;
    EVP_MD_CTX *ctx;
} hasher_t;

static void
hasher_close(hasher_t *h)
{
    EVP_MD_CTX_free(h->ctx);
    EVP_MD_free(h->md);
    h->ctx = NULL;
    h->md = NULL;
}

static int
hasher_open(hasher_t *h)
{
    h->md = EVP_MD_fetch(NULL, "SHA2-256", NULL);
    h->ctx = EVP_MD_CTX_new();
    if (h->md == NULL || h->ctx == NULL) {
        hasher_close(h);
        cs_diag_set("OpenSSL could not set up SHA-256");
        return CS_ECRYPTO;
    }
    return 0;
}

/* out = SHA-256(a || b); either part may be empty. */
static int
hash2(hasher_t *h, const void *a, size_t alen, const void *b, size_t blen, uint8_t out[32])
{
    if (EVP_DigestInit_ex2(h->ctx, h->md, NULL) != 1 ||
        (alen > 0 && EVP_DigestUpdate(h->ctx, a, alen) != 1) ||
        (blen > 0 && EVP_DigestUpdate(h->ctx, b, blen) != 1) ||
        EVP_DigestFinal_ex(h->ctx, out, NULL) != 1) {
        cs_diag_set("OpenSSL could not hash with SHA-256");
        return CS_ECRYPTO;
    }
    return 0;
}

/* out may alias l or r. */
static int
node(hasher_t *h, const uint8_t l[32], const uint8_t r[32], uint8_t out[32])
{
    uint8_t buf[65];
    buf[0] = 0x01;
    memcpy(buf + 1, l, 32);
    memcpy(buf + 33, r, 32);
    return hash2(h, buf, sizeof buf, NULL, 0, out);
}

int
cs_merkle_leaf_hash(const void *data, size_t len, uint8_t out[32])
{
    static const uint8_t prefix = 0x00;
    hasher_t h;
    int rc = hasher_open(&h);
    if (rc == 0)
        rc = hash2(&h, &prefix, 1, data, len, out);
    hasher_close(&h);
    return rc;
}

int
cs_merkle_node_hash(const uint8_t l[32], const uint8_t r[32], uint8_t out[32])
{
    hasher_t h;
    int rc = hasher_open(&h);
    if (rc == 0)
        rc = node(&h, l, r, out);
    hasher_close(&h);
    return rc;
}

/* Leaves only change hashes[level] and size, so a failed hash leaves f as it was. */
static int
frontier_push(hasher_t *h, cs_merkle_frontier_t *f, const uint8_t leaf[32])
{
    uint8_t acc[32];
    unsigned level = 0;
    int rc;
    if (f->size == UINT64_MAX) {
        cs_diag_set("the Merkle tree is full");
        return CS_EINVAL;
    }
    memcpy(acc, leaf, 32);
    for (; (f->size >> level) & 1; level++)
        if ((rc = node(h, f->hashes[level], acc, acc)) != 0)
            return rc;
    memcpy(f->hashes[level], acc, 32);
    f->size++;
    return 0;
}

/* The root folds the perfect subtrees from the smallest (rightmost) up, as MTH splits a tree
 * at the largest power of two below its size. */
static int
frontier_fold(hasher_t *h, const cs_merkle_frontier_t *f, uint8_t root[32])
{
    uint8_t acc[32];
    int have = 0, rc;
    if (f->size == 0)
        return hash2(h, NULL, 0, NULL, 0, root);
    for (unsigned level = 0; level < 64; level++) {
        if (!((f->size >> level) & 1))
            continue;
        if (!have) {
            memcpy(acc, f->hashes[level], 32);
            have = 1;
        } else if ((rc = node(h, f->hashes[level], acc, acc)) != 0) {
            return rc;
        }
    }
    memcpy(root, acc, 32);
    return 0;
}

/* Pushes leaves begin .. end-1 onto f, reading them CS_MERKLE_BATCH at a time. */
static int
stream(hasher_t *h, cs_merkle_leaves_fn fn, void *arg, uint64_t begin, uint64_t end,
       cs_merkle_frontier_t *f)
{
    uint64_t cap = end - begin < CS_MERKLE_BATCH ? end - begin : CS_MERKLE_BATCH;
    uint8_t(*batch)[32] = NULL;
    int rc = 0;
    if (cap == 0)
        return 0;
    if ((batch = malloc(cap * sizeof *batch)) == NULL)
        return CS_ENOMEM;
    for (uint64_t i = begin; i < end;) {
        uint64_t count = end - i < cap ? end - i : cap;
        if ((rc = fn(arg, i, count, batch)) != 0) {
            if (rc > 0) {
                cs_diag_set("the Merkle leaf reader returned %d", rc);
                rc = CS_EINVAL;
            }
            goto out;
        }
        for (uint64_t j = 0; j < count; j++)
            if ((rc = frontier_push(h, f, batch[j])) != 0)
                goto out;
        i += count;
    }
out:
    free(batch);
    return rc;
}

void
cs_merkle_frontier_init(cs_merkle_frontier_t *f)
{
    memset(f, 0, sizeof *f);
}

int
cs_merkle_frontier_load(cs_merkle_frontier_t *f, cs_merkle_leaves_fn fn, void *arg, uint64_t size)
{
    cs_merkle_frontier_t tmp;
    hasher_t h;
    int rc;
    cs_merkle_frontier_init(&tmp);
    if ((rc = hasher_open(&h)) != 0)
        return rc;
    if ((rc = stream(&h, fn, arg, 0, size, &tmp)) == 0)
        *f = tmp;
    hasher_close(&h);
    return rc;
}

int
cs_merkle_frontier_append(cs_merkle_frontier_t *f, const uint8_t leaf_hash[32])
{
    hasher_t h;
    int rc = hasher_open(&h);
    if (rc == 0)
        rc = frontier_push(&h, f, leaf_hash);
    hasher_close(&h);
    return rc;
}

struct cs_merkle_hasher {
    hasher_t h;
};

int
cs_merkle_hasher_new(cs_merkle_hasher_t **out)
{
    cs_merkle_hasher_t *m = calloc(1, sizeof *m);
    int rc = m != NULL ? hasher_open(&m->h) : CS_ENOMEM;
    if (rc != 0) {
        free(m);
        m = NULL;
    }
    *out = m;
    return rc;
}

void
cs_merkle_hasher_free(cs_merkle_hasher_t **m)
{
    if (*m != NULL)
        hasher_close(&(*m)->h);
    free(*m);
    *m = NULL;
}

int
cs_merkle_leaf_hash_with(cs_merkle_hasher_t *m, const void *data, size_t len, uint8_t out[32])
{
    static const uint8_t prefix = 0x00;
    return hash2(&m->h, &prefix, 1, data, len, out);
}

int
cs_merkle_frontier_append_with(cs_merkle_hasher_t *m, cs_merkle_frontier_t *f,
                               const uint8_t leaf_hash[32])
{
    return frontier_push(&m->h, f, leaf_hash);
}

int
cs_merkle_frontier_root(const cs_merkle_frontier_t *f, uint8_t root[32])
{
    hasher_t h;
    int rc = hasher_open(&h);
    if (rc == 0)
        rc = frontier_fold(&h, f, root);
    hasher_close(&h);
    return rc;
}

int
cs_merkle_range_root(cs_merkle_leaves_fn fn, void *arg, uint64_t begin, uint64_t end,
                     uint8_t root[32])
{
    cs_merkle_frontier_t f;
    hasher_t h;
    int rc;
    if (begin > end) {
        cs_diag_set("Merkle range %llu..%llu is backwards", (unsigned long long)begin,
                    (unsigned long long)end);
        return CS_EINVAL;
    }
    cs_merkle_frontier_init(&f);
    if ((rc = hasher_open(&h)) != 0)
        return rc;
    if ((rc = stream(&h, fn, arg, begin, end, &f)) == 0)
        rc = frontier_fold(&h, &f, root);
    hasher_close(&h);
    return rc;
}

int
cs_merkle_root(cs_merkle_leaves_fn fn, void *arg, uint64_t size, uint8_t root[32])
{
    return cs_merkle_range_root(fn, arg, 0, size, root);
}

/* Verification (RFC 9162 §2.1.3.2, §2.1.4.2). The expected proof lengths come from splitting
 * the path from leaf to root into the levels where the leaf's subtree and the tree's last
 * subtree differ (inner) and the levels above where they coincide (border). */

static unsigned
bitlen(uint64_t x)
{
    return x == 0 ? 0 : 64 - (unsigned)__builtin_clzll(x);
}

static size_t
inclusion_length(uint64_t leaf, uint64_t size)
{
    unsigned inner = bitlen(leaf ^ (size - 1));
    return inner + (size_t)__builtin_popcountll(inner >= 64 ? 0 : leaf >> inner);
}

int
cs_merkle_verify_inclusion(const uint8_t leaf_hash[32], uint64_t leaf, uint64_t size,
                           const uint8_t (*path)[32], size_t n, const uint8_t root[32])
{
    uint64_t fn = leaf, sn = size - 1;
    uint8_t r[32];
    hasher_t h;
    int rc = 0;
    if (leaf >= size) {
        cs_diag_set("leaf %llu is not in a tree of %llu leaves", (unsigned long long)leaf,
                    (unsigned long long)size);
        return CS_EINVAL;
    }
    if (n != inclusion_length(leaf, size)) {
        cs_diag_set("an inclusion proof for leaf %llu of %llu has %zu hashes, not %zu",
                    (unsigned long long)leaf, (unsigned long long)size,
                    inclusion_length(leaf, size), n);
        return CS_EINVAL;
    }
    if ((rc = hasher_open(&h)) != 0)
        return rc;
    memcpy(r, leaf_hash, 32);
    for (size_t i = 0; i < n; i++) {
        if (sn == 0) {
            rc = CS_EMISMATCH;
            goto out;
        }
        if ((fn & 1) || fn == sn) {
            if ((rc = node(&h, path[i], r, r)) != 0)
                goto out;
            while (!(fn & 1) && fn != 0) {
                fn >>= 1;
                sn >>= 1;
            }
        } else if ((rc = node(&h, r, path[i], r)) != 0) {
            goto out;
        }
        fn >>= 1;
        sn >>= 1;
    }
    if (sn != 0 || memcmp(r, root, 32) != 0)
        rc = CS_EMISMATCH;
out:
    hasher_close(&h);
    if (rc == CS_EMISMATCH)
        cs_diag_set("the inclusion proof for leaf %llu does not lead to the root of %llu leaves",
                    (unsigned long long)leaf, (unsigned long long)size);
    return rc;
}

static size_t
consistency_length(uint64_t m, uint64_t n)
{
    unsigned inner = bitlen((m - 1) ^ (n - 1));
    size_t border = (size_t)__builtin_popcountll(inner >= 64 ? 0 : (m - 1) >> inner);
    unsigned shift = (unsigned)__builtin_ctzll(m);
    return (m == (uint64_t)1 << shift ? 0 : 1) + (inner - shift) + border;
}

/* 0 < m < n and len checked: the RFC 9162 loop, with root_m as the seed when m is a power of
 * two (the proof then leaves it out). */
static int
consistency_walk(hasher_t *h, uint64_t m, uint64_t n, const uint8_t root_m[32],
                 const uint8_t root_n[32], const uint8_t (*proof)[32], size_t len)
{
    uint64_t fn = m - 1, sn = n - 1;
    uint8_t fr[32], sr[32];
    size_t i = 0;
    int rc;
    if ((m & (m - 1)) == 0)
        memcpy(fr, root_m, 32);
    else
        memcpy(fr, proof[i++], 32);
    memcpy(sr, fr, 32);
    while (fn & 1) {
        fn >>= 1;
        sn >>= 1;
    }
    for (; i < len; i++) {
        if (sn == 0)
            return CS_EMISMATCH;
        if ((fn & 1) || fn == sn) {
            if ((rc = node(h, proof[i], fr, fr)) != 0 || (rc = node(h, proof[i], sr, sr)) != 0)
                return rc;
            while (!(fn & 1) && fn != 0) {
                fn >>= 1;
                sn >>= 1;
            }
        } else if ((rc = node(h, sr, proof[i], sr)) != 0) {
            return rc;
        }
        fn >>= 1;
        sn >>= 1;
    }
    if (sn != 0 || memcmp(fr, root_m, 32) != 0 || memcmp(sr, root_n, 32) != 0)
        return CS_EMISMATCH;
    return 0;
}

int
cs_merkle_verify_consistency(uint64_t m, uint64_t n, const uint8_t root_m[32],
                             const uint8_t root_n[32], const uint8_t (*proof)[32], size_t len)
{
    size_t want = 0;
    hasher_t h;
    int rc;
    if (m > n) {
        cs_diag_set("a tree of %llu leaves cannot grow into one of %llu", (unsigned long long)m,
                    (unsigned long long)n);
        return CS_EINVAL;
    }
    if (m != 0 && m != n)
        want = consistency_length(m, n);
    if (len != want) {
        cs_diag_set("a consistency proof from %llu to %llu leaves has %zu hashes, not %zu",
                    (unsigned long long)m, (unsigned long long)n, want, len);
        return CS_EINVAL;
    }
    if ((rc = hasher_open(&h)) != 0)
        return rc;
    if (m == n) {
        rc = memcmp(root_m, root_n, 32) != 0 ? CS_EMISMATCH : 0;
    } else if (m == 0) {
        uint8_t empty[32];
        if ((rc = hash2(&h, NULL, 0, NULL, 0, empty)) == 0 && memcmp(root_m, empty, 32) != 0)
            rc = CS_EMISMATCH;
    } else {
        rc = consistency_walk(&h, m, n, root_m, root_n, proof, len);
    }
    hasher_close(&h);
    if (rc == CS_EMISMATCH)
        cs_diag_set("the roots of %llu and %llu leaves are not consistent", (unsigned long long)m,
                    (unsigned long long)n);
    return rc;
}
