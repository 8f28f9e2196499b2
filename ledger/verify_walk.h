/* ledger/verify_walk.h: the ledger's entries read on one thread and checked on another, in
 * order (ledger/verify.c's walk). The caller's thread steps SQLite and copies each entry
 * into a batch; a second thread calls the checker on each entry of each batch in seq order.
 * A ring of CS_WALK_SLOTS batches bounds the memory: each holds at most CS_WALK_BATCH entries
 * and CS_WALK_BYTES of text, or one entry alone when it is longer than that. */
#ifndef CS_LEDGER_VERIFY_WALK_H
#define CS_LEDGER_VERIFY_WALK_H

#include "indexer/catalog.h"

#include <stddef.h>
#include <stdint.h>

#define CS_WALK_SLOTS 16
#define CS_WALK_BATCH 1024       /* entries a batch (tests/ledger/test_verify_batch.c) */
#define CS_WALK_BYTES (1u << 19) /* bytes of entries a batch, unless one entry is longer */

/** One entry as the reader copied it. */
typedef struct cs_walk_entry {
    int64_t seq;      /* the row's seq */
    const char *text; /* the stored bytes, NUL-terminated, len long */
    size_t len;       /* ... */
    size_t leaf_len;  /* the stored leaf's length (only 32 is right) */
    uint8_t leaf[32]; /* its first min(32, leaf_len) bytes */
    long long own;    /* its own top-level "seq" by cs_json_check_entry (either thread) */
    int own_sure;     /* 1 when the scan is sure of own; 0: the checker parses the entry */
} cs_walk_entry_t;

/** The checker: 0 to go on; anything else stops the walk and is returned by cs_ledger_walk
 * (a negative CS_E* with its detail set on the checker's thread is set again on the
 * caller's). Called on one thread, for every entry in seq order. */
typedef int (*cs_walk_fn)(void *arg, const cs_walk_entry_t *e);

/** Calls fn for every entry of the ledger in seq order (a gap is handed over as it is), on a
 * thread of its own while this one reads the next batches (in line when no thread can be
 * made). Returns fn's first non-zero return, else the reader's error (SQLite, CS_ENOMEM),
 * else 0. */
int cs_ledger_walk(cs_catalog_t *cat, cs_walk_fn fn, void *arg);

#endif
