/* ledger/witness.h: <home>/ledger.witness, the newest checkpoint `custody ledger verify` has
 * verified, kept beside the catalog as a witness would keep it: a later verify fails when
 * the catalog's newest checkpoint is older than it, or when the tree of that many entries
 * no longer has its root (checkpoints deleted, the ledger cut back to an older one). */
#ifndef CS_LEDGER_WITNESS_H
#define CS_LEDGER_WITNESS_H

#include "core/clock.h"
#include "core/home.h"

#include <stdint.h>

typedef struct cs_ledger_witness {
    int64_t checkpoint;        /* its id in the catalog, for the message */
    uint64_t size;             /* entries it covers */
    uint8_t root[32];          /* their RFC 6962 root */
    char seen_at[CS_TIME_MAX]; /* when verify saw it */
} cs_ledger_witness_t;

/** Reads <home>/ledger.witness into *w. 0; CS_ENOENT when there is none (a new or restored
 * home); CS_ECORRUPT with a detail naming the file when it cannot be read as one. */
int cs_ledger_witness_read(const cs_home_t *home, cs_ledger_witness_t *w);

/** Writes *w as <home>/ledger.witness: a temporary file, fsync, rename, fsync of the folder,
 * so a crash leaves the old witness or the new one. 0 or a CS_E* code with a detail. */
int cs_ledger_witness_write(const cs_home_t *home, const cs_ledger_witness_t *w);

#endif
