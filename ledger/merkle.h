/* ledger/merkle.h: the RFC 6962 Merkle tree of the retrieval ledger (SHA-256).
 *
 * Leaf hash  = SHA-256(0x00 || data); node hash = SHA-256(0x01 || left || right); the hash of
 * an empty tree is SHA-256 of the empty string (RFC 6962 §2.1). A tree is the list of its
 * leaf hashes, which the caller hands out in batches through a cs_merkle_leaves_fn, so that a
 * tree of any size is hashed in O(log n) memory and never needs to be held whole. Proofs are
 * lists of hashes from the bottom of the tree up (RFC 6962 §2.1.1 PATH, §2.1.2 PROOF) and are
 * verified by the algorithms of RFC 9162 §2.1.3.2 and §2.1.4.2.
 */
#ifndef CS_LEDGER_MERKLE_H
#define CS_LEDGER_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#define CS_MERKLE_HASH_SIZE 32
#define CS_MERKLE_PROOF_MAX 64 /* hashes in any inclusion or consistency proof we make */
#define CS_MERKLE_BATCH 4096   /* leaf hashes asked of a cs_merkle_leaves_fn at a time */

/** Fills out[0..count) with the leaf hashes of leaves index .. index+count-1 (count is at
 * most CS_MERKLE_BATCH). Returns 0, or a negative CS_E* code that the caller passes up. */
typedef int (*cs_merkle_leaves_fn)(void *arg, uint64_t index, uint64_t count, uint8_t (*out)[32]);

/** The roots of the perfect subtrees that make up a tree of `size` leaves: hashes[i] holds the
 * root of a subtree of 2^i leaves when bit i of size is set (and is unused otherwise). Enough
 * to append leaves and get the root without reading the earlier leaves again. */
typedef struct cs_merkle_frontier {
    uint64_t size;
    uint8_t hashes[64][32];
} cs_merkle_frontier_t;

/** Writes SHA-256(0x00 || data[0..len)) to out. Returns 0, or CS_ECRYPTO if OpenSSL fails
 * (out of memory). */
int cs_merkle_leaf_hash(const void *data, size_t len, uint8_t out[32]);

/** Writes SHA-256(0x01 || l || r) to out. Returns 0, or CS_ECRYPTO if OpenSSL fails. */
int cs_merkle_node_hash(const uint8_t l[32], const uint8_t r[32], uint8_t out[32]);

/** Writes the root (MTH) of the first `size` leaves to root, reading them through fn in
 * batches; size 0 gives SHA-256(""). Returns 0, fn's error, CS_ENOMEM or CS_ECRYPTO. */
int cs_merkle_root(cs_merkle_leaves_fn fn, void *arg, uint64_t size, uint8_t root[32]);

/** Writes the root of the tree made of leaves begin .. end-1 alone (the MTH of that part of
 * the list, the subtree hash RFC 6962 proofs are made of). CS_EINVAL if begin > end. */
int cs_merkle_range_root(cs_merkle_leaves_fn fn, void *arg, uint64_t begin, uint64_t end,
                         uint8_t root[32]);

/** Makes f the frontier of an empty tree. */
void cs_merkle_frontier_init(cs_merkle_frontier_t *f);

/** Makes f the frontier of the first `size` leaves, read through fn (for an appender that
 * starts on an existing ledger). Returns 0 or what cs_merkle_root returns. */
int cs_merkle_frontier_load(cs_merkle_frontier_t *f, cs_merkle_leaves_fn fn, void *arg,
                            uint64_t size);

/** Appends one leaf hash (O(log n) node hashes). Returns 0, CS_ECRYPTO, or CS_EINVAL when
 * the tree holds 2^64 - 1 leaves already; on error f is unchanged. */
int cs_merkle_frontier_append(cs_merkle_frontier_t *f, const uint8_t leaf_hash[32]);

/* A SHA-256 set up once for many hashes (OpenSSL 3 fetches an algorithm under a lock: per hash,
 * that cost more than hashing a ledger entry). One thread at a time. */
typedef struct cs_merkle_hasher cs_merkle_hasher_t;

/** *out = a new hasher (free with cs_merkle_hasher_free). CS_ENOMEM or CS_ECRYPTO. */
int cs_merkle_hasher_new(cs_merkle_hasher_t **out);

/** Frees a hasher and sets *h to NULL; accepts NULL. */
void cs_merkle_hasher_free(cs_merkle_hasher_t **h);

/** cs_merkle_leaf_hash and cs_merkle_frontier_append with the hasher h. */
int cs_merkle_leaf_hash_with(cs_merkle_hasher_t *h, const void *data, size_t len, uint8_t out[32]);
int cs_merkle_frontier_append_with(cs_merkle_hasher_t *h, cs_merkle_frontier_t *f,
                                   const uint8_t leaf_hash[32]);

/** Writes the root of the tree f describes (SHA-256("") when empty). Returns 0 or
 * CS_ECRYPTO. */
int cs_merkle_frontier_root(const cs_merkle_frontier_t *f, uint8_t root[32]);

/** Writes to path[0..*n) the inclusion proof of leaf `leaf` in the tree of the first `size`
 * leaves (RFC 6962 PATH, the sibling of the leaf first); path has room for
 * CS_MERKLE_PROOF_MAX hashes. Reads each of the other size-1 leaves once. CS_EINVAL if
 * leaf >= size; fn's error, CS_ENOMEM or CS_ECRYPTO otherwise. */
int cs_merkle_inclusion_proof(cs_merkle_leaves_fn fn, void *arg, uint64_t leaf, uint64_t size,
                              uint8_t (*path)[32], size_t *n);

/** Writes to proof[0..*len) the proof that the tree of the first m leaves is a prefix of the
 * tree of the first n (RFC 6962 PROOF(m, D[n])); proof has room for CS_MERKLE_PROOF_MAX hashes.
 * Empty when m == 0 or m == n. CS_EINVAL if m > n. Reads at most n leaves. */
int cs_merkle_consistency_proof(cs_merkle_leaves_fn fn, void *arg, uint64_t m, uint64_t n,
                                uint8_t (*proof)[32], size_t *len);

/* Stored subtree roots (optional): the roots of the perfect subtrees of 2^level leaves, level
 * a multiple of CS_MERKLE_NODE_STEP, subtree i covering leaves i * 2^level .. (i + 1) *
 * 2^level - 1. */
#define CS_MERKLE_NODE_STEP 8

/** Fills out[0..*got) with the stored roots of subtrees index, index+1, ... of 2^level leaves
 * (at most count, which is at most 2^CS_MERKLE_NODE_STEP), stopping at the first that is
 * not stored; *got 0 when none is. Returns 0 or a negative CS_E* code. */
typedef int (*cs_merkle_nodes_fn)(void *arg, unsigned level, uint64_t index, uint64_t count,
                                  uint8_t (*out)[32], uint64_t *got);

/** cs_merkle_inclusion_proof, taking the subtrees `nodes` has stored instead of reading their
 * leaves (those it has not are hashed from below): O(log n) reads of at most 2^STEP hashes
 * each. nodes may be NULL. The hashes stored are trusted as the leaves are: check the proof
 * against a signed root. */
int cs_merkle_inclusion_proof_nodes(cs_merkle_leaves_fn fn, cs_merkle_nodes_fn nodes, void *arg,
                                    uint64_t leaf, uint64_t size, uint8_t (*path)[32], size_t *n);

/** cs_merkle_consistency_proof with stored subtrees, as above. */
int cs_merkle_consistency_proof_nodes(cs_merkle_leaves_fn fn, cs_merkle_nodes_fn nodes, void *arg,
                                      uint64_t m, uint64_t n, uint8_t (*proof)[32], size_t *len);

/** Checks that path[0..n) proves that leaf_hash is leaf number `leaf` of the tree of `size`
 * leaves whose root is `root` (RFC 9162 §2.1.3.2). Returns 0; CS_EMISMATCH when the hashes do
 * not lead to root; CS_EINVAL when leaf >= size or n is not the length such a proof has. The
 * root, not the path, pins the size (leaf 0 of 3 leaves and of 4 hash alike): take size and root
 * from one signed checkpoint. */
int cs_merkle_verify_inclusion(const uint8_t leaf_hash[32], uint64_t leaf, uint64_t size,
                               const uint8_t (*path)[32], size_t n, const uint8_t root[32]);

/** Checks that proof[0..len) proves the tree of m leaves with root root_m a prefix of the tree
 * of n leaves with root root_n (RFC 9162 §2.1.4.2). When m == n the proof must be empty and the
 * roots equal; when m == 0 the proof must be empty and root_m must be SHA-256(""). Returns 0;
 * CS_EMISMATCH when a root does not match; CS_EINVAL when m > n or len is not the length such a
 * proof has. */
int cs_merkle_verify_consistency(uint64_t m, uint64_t n, const uint8_t root_m[32],
                                 const uint8_t root_n[32], const uint8_t (*proof)[32], size_t len);

#endif
