/* ledger/checkpoint.c: making signed checkpoints (checkpoint.h). */
#include "ledger/checkpoint.h"

#include "core/error.h"
#include "indexer/ledger.h"
#include "ledger/key.h"
#include "ledger/merkle.h"
#include "ledger/note.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int
cs_ledger_origin(const cs_home_t *home, char *buf, size_t size)
{
    char id[CS_KEY_ID_MAX];
    int rc = cs_ledger_key_id(home->pub, id);
    if (rc != 0)
        return rc;
    if ((size_t)snprintf(buf, size, "custody/%.16s", id) >= size)
        return CS_ENAMETOOLONG;
    return 0;
}

int
cs_ledger_leaves(void *cat, uint64_t index, uint64_t count, uint8_t (*out)[32])
{
    return cs_catalog_ledger_leaves(cat, index, count, out);
}

int
cs_ledger_checkpoint(cs_catalog_t *cat, const cs_home_t *home, int *made)
{
    cs_merkle_frontier_t f;
    uint8_t root[32], (*batch)[32] = NULL;
    char origin[64], when[CS_CHECKPOINT_TIME_MAX];
    char *body = NULL, *note = NULL;
    void *saved = NULL;
    size_t saved_len = 0;
    int64_t size = 0, covered = -1;
    int rc;

    if (made != NULL)
        *made = 0;
    if ((rc = cs_catalog_ledger_size(cat, &size)) != 0 ||
        (rc = cs_catalog_checkpoint_latest(cat, &covered, root, NULL, &saved, &saved_len)) != 0)
        goto out;
    if (covered == size) { /* nothing new to sign; stored subtrees may still be missing */
        rc = cs_ledger_nodes_fill(cat, (uint64_t)size);
        goto out;
    }
    if (covered > size) {
        cs_diag_set("the ledger has %lld entries but its latest checkpoint covers %lld: entries "
                    "were removed (run custody ledger verify)",
                    (long long)size, (long long)covered);
        rc = CS_ECORRUPT;
        goto out;
    }
    /* Go on from the latest checkpoint's frontier: only the new entries are read. */
    int resumed = 0;
    if (covered >= 0 && saved_len == sizeof f) {
        memcpy(&f, saved, sizeof f);
        resumed = f.size == (uint64_t)covered;
    }
    if (!resumed)
        cs_merkle_frontier_init(&f);
    if ((batch = malloc(CS_MERKLE_BATCH * sizeof *batch)) == NULL) {
        rc = CS_ENOMEM;
        goto out;
    }
    while (f.size < (uint64_t)size) {
        uint64_t n = (uint64_t)size - f.size;
        n = n < CS_MERKLE_BATCH ? n : CS_MERKLE_BATCH;
        if ((rc = cs_catalog_ledger_leaves(cat, f.size, n, batch)) != 0)
            goto out;
        for (uint64_t i = 0; i < n; i++)
            if ((rc = cs_merkle_frontier_append(&f, batch[i])) != 0)
                goto out;
    }
    if ((rc = cs_merkle_frontier_root(&f, root)) != 0 ||
        (rc = cs_ledger_origin(home, origin, sizeof origin)) != 0 ||
        (rc = cs_checkpoint_time((int64_t)time(NULL), when)) != 0 ||
        (rc = cs_checkpoint_format(origin, f.size, root, when, &body)) != 0 ||
        (rc = cs_note_sign(home->key, origin, body, &note)) != 0 ||
        (rc = cs_catalog_checkpoint_add(cat, (int64_t)f.size, root, note, &f, sizeof f)) != 0 ||
        /* The entries it covers may have been committed unsynced (ledger/appender.c syncs
         * them a moment later): the checkpoint and all they are durable before it is made. */
        (rc = cs_catalog_sync(cat)) != 0)
        goto out;
    if (made != NULL)
        *made = 1;
    /* The subtrees of what is signed, for proofs against it (ledger/nodes.c). */
    rc = cs_ledger_nodes_fill(cat, f.size);
out:
    free(batch);
    free(saved);
    free(body);
    free(note);
    return rc;
}
