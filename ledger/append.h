/* ledger/append.h: the ledger's one synced append, for callers outside ledger/ that must have
 * an entry durable before they serve anything (the gate's CLI reads, exports). The API's
 * reads go through the group commit (appender.h); custody events are appended by indexer/ in
 * the same transaction as their rows (indexer/ledger.h), which is why the row-level append
 * lives there. */
#ifndef CS_LEDGER_APPEND_H
#define CS_LEDGER_APPEND_H

#include "indexer/catalog.h"

#include <jansson.h>
#include <stdint.h>

/** Appends `entry` (borrowed) with a synced commit: durable when it returns 0; *seq (may be
 * NULL) is its leaf index. A CS_E* code when it could not be written: then nothing may be
 * served on its account. */
int cs_ledger_append(cs_catalog_t *cat, json_t *entry, int64_t *seq);

#endif
