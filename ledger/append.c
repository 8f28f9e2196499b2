/* ledger/append.c: the ledger's one synced append (append.h). */
#include "ledger/append.h"

#include "indexer/ledger.h"

int
cs_ledger_append(cs_catalog_t *cat, json_t *entry, int64_t *seq)
{
    /* Outside a batch every catalog write is its own synced transaction. */
    return cs_catalog_ledger_append(cat, entry, seq);
}
