/* indexer/ledger.h: the ledger's rows in catalog.db. An entry is a JSON object written once
 * as compact UTF-8 with sorted keys; those exact bytes are leaf `seq` (from 0) of the ledger's
 * RFC 6962 Merkle tree, whose hash SHA-256(0x00 || bytes) is kept beside them. Every custody
 * event the catalog records is appended in the same transaction (cs_cat_insert_event);
 * retrievals and denials are appended by ledger/. The math (tree, proofs, signed checkpoints)
 * is ledger/'s; this module only keeps rows. docs/LEDGER.md describes the format. */
#ifndef CS_INDEXER_LEDGER_H
#define CS_INDEXER_LEDGER_H

#include "indexer/catalog.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/** Appends one entry: the members of `fields` (borrowed object; values strings, integers,
 * booleans, null or objects of those) plus "v": 1, "seq" and "at" (now, unless given), in
 * one transaction (a savepoint inside a batch). *seq (may be NULL) is its leaf index. */
int cs_catalog_ledger_append(cs_catalog_t *cat, json_t *fields, int64_t *seq);

/** cs_catalog_ledger_append inside an open batch (cs_catalog_batch_begin), without a savepoint
 * of its own: an entry that fails is not in the batch, and the others stand, unless SQLite
 * rolled the whole batch back (a full disk, an I/O error: cs_catalog_in_batch is then 0, and
 * nothing of the batch stands). The ledger's group commit (ledger/appender.c). */
int cs_catalog_ledger_append_batched(cs_catalog_t *cat, json_t *fields, int64_t *seq);

/** Sets the number of entries after which appends through this connection train the
 * ledger's zstd dictionary, when the catalog has none, and compress with it (default 8192,
 * CS_LEDGER_DICT_AFTER in indexer/ledger_pack.h; 0 never compresses). For tests. */
void cs_catalog_ledger_dict_after(cs_catalog_t *cat, int64_t entries);

/** *size = the number of entries: one more than the last seq, read from the index (a gap is
 * found where the leaves are read). */
int cs_catalog_ledger_size(cs_catalog_t *cat, int64_t *size);

/** Fills `count` stored leaf hashes from leaf `index` (a cs_merkle_leaves_fn for ledger/).
 * CS_ENOTFOUND if the ledger ends before. */
int cs_catalog_ledger_leaves(cs_catalog_t *cat, uint64_t index, uint64_t count, uint8_t (*out)[32]);

/** Fills out[0..*got) with the stored roots of the perfect subtrees of 2^level leaves number
 * index, index+1, ... (at most count, indexer/schema_scale.c), stopping at the first one not
 * stored (a cs_merkle_nodes_fn for ledger/). *got 0 when none is. */
int cs_catalog_ledger_nodes(cs_catalog_t *cat, unsigned level, uint64_t index, uint64_t count,
                            uint8_t (*out)[32], uint64_t *got);

/** *count = 1 + the highest stored subtree index at `level` (0 when none is). */
int cs_catalog_ledger_nodes_count(cs_catalog_t *cat, unsigned level, uint64_t *count);

/** Stores `count` subtree roots of `level` from index on, in one transaction. */
int cs_catalog_ledger_nodes_add(cs_catalog_t *cat, unsigned level, uint64_t index, uint64_t count,
                                const uint8_t (*hashes)[32]);

/** Calls fn for entries from leaf `from` on, in order, with the entry's bytes (decompressed
 * when the row is compressed: indexer/ledger_pack.h) and the stored leaf hash;
 * stops at fn's first non-zero return, which it returns. A gap in seq is reported to fn as
 * it is (the caller checks the order). */
int cs_catalog_ledger_each(cs_catalog_t *cat, int64_t from,
                           int (*fn)(void *arg, int64_t seq, const char *entry, size_t len,
                                     const uint8_t *leaf, size_t leaf_len),
                           void *arg);

/** Records a signed checkpoint of the first `size` leaves with its root, note text and the
 * tree's frontier (opaque bytes of ledger/). */
int cs_catalog_checkpoint_add(cs_catalog_t *cat, int64_t size, const uint8_t root[32],
                              const char *note, const void *frontier, size_t frontier_len);

/** The latest checkpoint: *size -1 when there is none; *note and *frontier (may be NULL)
 * are malloc'd copies the caller frees. */
int cs_catalog_checkpoint_latest(cs_catalog_t *cat, int64_t *size, uint8_t root[32], char **note,
                                 void **frontier, size_t *frontier_len);

/** Calls fn for every checkpoint, oldest first, with its size, root (root_len bytes) and
 * note; stops at fn's first non-zero return, which it returns. */
int cs_catalog_checkpoints_each(cs_catalog_t *cat,
                                int (*fn)(void *arg, int64_t id, int64_t size, const uint8_t *root,
                                          size_t root_len, const char *note),
                                void *arg);

#endif
