/* ledger/nodes.c: the ledger's stored subtree roots (indexer/schema_scale.c), so that a proof
 * reads a few thousand hashes rather than the whole log (ledger/merkle_proof.c). Filled as
 * checkpoints are signed, level by level: the roots of 2^8 leaves from the leaves, those of
 * 2^16 from 2^8 of those, and so on. A catalog that had none (before the migration) is filled a
 * bounded stretch per checkpoint, so no one checkpoint reads the whole log. */
#include "ledger/checkpoint.h"

#include "core/error.h"
#include "indexer/ledger.h"
#include "ledger/merkle.h"

#include <stdlib.h>
#include <string.h>

#define STEP CS_MERKLE_NODE_STEP
#define FAN ((uint64_t)1 << STEP)
/* Leaves read to fill stored roots in one call (a catalog migrated with 10^8 entries is
 * filled over ~50 checkpoints; the service signs one a second when the ledger grew). */
#define FILL_BUDGET ((uint64_t)1 << 21)
/* Roots made before they are stored, in one transaction. */
#define RUN 64

int
cs_ledger_nodes(void *cat, unsigned level, uint64_t index, uint64_t count, uint8_t (*out)[32],
                uint64_t *got)
{
    return cs_catalog_ledger_nodes(cat, level, index, count, out, got);
}

typedef struct below {
    cs_catalog_t *cat;
    unsigned level; /* 0: the leaves */
} below_t;

/* The level below as a cs_merkle_leaves_fn: its hashes fold into the level above. */
static int
below_hashes(void *arg, uint64_t index, uint64_t count, uint8_t (*out)[32])
{
    below_t *b = arg;
    uint64_t got = 0;
    int rc;
    if (b->level == 0)
        return cs_catalog_ledger_leaves(b->cat, index, count, out);
    if ((rc = cs_catalog_ledger_nodes(b->cat, b->level, index, count, out, &got)) != 0)
        return rc;
    if (got < count) {
        cs_diag_set("the ledger's stored subtree %llu of level %u is missing",
                    (unsigned long long)(index + got), b->level);
        return CS_ENOTFOUND;
    }
    return 0;
}

/* Stores the roots of level `level` under `size` leaves not stored yet, within *budget hashes
 * read; *done when that level is complete. */
static int
fill_level(cs_catalog_t *cat, unsigned level, uint64_t size, uint64_t *budget)
{
    uint8_t(*run)[32] = NULL;
    below_t b = {.cat = cat, .level = level - STEP};
    uint64_t have = 0, want = size >> level, n = 0, first;
    int rc;
    if ((rc = cs_catalog_ledger_nodes_count(cat, level, &have)) != 0 || have >= want)
        return rc;
    if ((run = malloc(RUN * sizeof *run)) == NULL)
        return CS_ENOMEM;
    first = have;
    for (uint64_t idx = have; idx < want && *budget >= FAN; idx++) {
        if ((rc = cs_merkle_range_root(below_hashes, &b, idx * FAN, (idx + 1) * FAN, run[n])) != 0)
            break;
        *budget -= FAN;
        if (++n == RUN || idx + 1 == want || *budget < FAN) {
            if ((rc = cs_catalog_ledger_nodes_add(cat, level, first, n,
                                                  (const uint8_t(*)[32])run)) != 0)
                break;
            first += n;
            n = 0;
        }
    }
    free(run);
    return rc;
}

int
cs_ledger_nodes_fill(cs_catalog_t *cat, uint64_t size)
{
    uint64_t budget = FILL_BUDGET;
    int rc = 0;
    for (unsigned level = STEP; rc == 0 && level < 64 && (size >> level) > 0; level += STEP)
        rc = fill_level(cat, level, size, &budget);
    return rc;
}
