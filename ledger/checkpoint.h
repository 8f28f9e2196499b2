/* ledger/checkpoint.h: signed checkpoints of the ledger and their verification.
 *
 * A checkpoint (ledger/note.h) commits to the first N entries: their RFC 6962 root, signed
 * with the home's Ed25519 key under the origin "custody/<first 16 hex digits of the key id>".
 * The service signs one every ledger.checkpoint_ms when the ledger grew; every CLI command
 * that appended signs one before it exits. */
#ifndef CS_LEDGER_CHECKPOINT_H
#define CS_LEDGER_CHECKPOINT_H

#include "core/home.h"
#include "indexer/catalog.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/** Writes this home's checkpoint origin (also the note's key name) to buf. */
int cs_ledger_origin(const cs_home_t *home, char *buf, size_t size);

/** A cs_merkle_leaves_fn over the catalog's ledger (arg: the cs_catalog_t). */
int cs_ledger_leaves(void *cat, uint64_t index, uint64_t count, uint8_t (*out)[32]);

/** A cs_merkle_nodes_fn over the catalog's stored subtree roots (ledger/nodes.c): pass it
 * with cs_ledger_leaves to cs_merkle_*_proof_nodes. */
int cs_ledger_nodes(void *cat, unsigned level, uint64_t index, uint64_t count, uint8_t (*out)[32],
                    uint64_t *got);

/** Stores the roots of the perfect subtrees of 2^8, 2^16, ... leaves under the first `size`
 * leaves that are not stored yet, reading at most a bounded number of hashes (2^21) per call;
 * cs_ledger_checkpoint calls it for the size it signed. */
int cs_ledger_nodes_fill(cs_catalog_t *cat, uint64_t size);

/** Signs and records a checkpoint of the whole ledger unless the latest one already covers
 * it; *made (may be NULL) says whether one was made. Reads only the entries since the latest
 * checkpoint. CS_ECORRUPT when the ledger has fewer entries than that checkpoint covers. */
int cs_ledger_checkpoint(cs_catalog_t *cat, const cs_home_t *home, int *made);

/** The outcome of cs_ledger_verify. */
typedef struct cs_ledger_report {
    int64_t entries;         /* entries read */
    int64_t checkpoints;     /* checkpoints checked */
    int64_t uncovered;       /* entries after the latest checkpoint (not yet signed) */
    int64_t first_bad;       /* the first entry found bad (-1: none, or not one entry) */
    char problem[1024];      /* "" when the ledger verifies; else the first problem, for a person */
    int64_t newest_id;       /* when verified: the newest checkpoint's id (-1: none) */
    uint64_t newest_size;    /* ... the entries it covers */
    uint8_t newest_root[32]; /* ... and their root */
} cs_ledger_report_t;

typedef struct cs_ledger_witness cs_ledger_witness_t;

/** Recomputes every leaf from the bytes kept and the tree from the leaves; checks that the
 * entries run 0, 1, 2... with their own seq, every checkpoint's signature against the public
 * key at `pub_path` (the home's, or one the auditor holds) and its origin, that each
 * checkpoint's root is the root of that many entries (so all checkpoints are consistent with
 * one another and with the entries), and that no checkpoint covers more entries than exist.
 * Returns 0 with rep->problem empty (verified) or set (the first problem found), or a CS_E*
 * code when the ledger could not be read. */
int cs_ledger_verify(cs_catalog_t *cat, const char *pub_path, const char *origin,
                     cs_ledger_report_t *rep);

/** cs_ledger_verify, and also against `w` (ledger/witness.h; NULL: none), the newest
 * checkpoint an earlier verify saw: the problem is set when the catalog's newest checkpoint
 * covers fewer entries than it, or the tree of its size has another root. */
int cs_ledger_verify_witnessed(cs_catalog_t *cat, const char *pub_path, const char *origin,
                               const cs_ledger_witness_t *w, cs_ledger_report_t *rep);

#endif
