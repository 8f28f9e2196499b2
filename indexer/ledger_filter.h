/* indexer/ledger_filter.h: reading the ledger by what its entries say (who, which case, what
 * action, allowed or denied, when), for the auditor's table. Exact matches on the entries'
 * members with json_extract, in SQL; the entries come back as stored, with their leaf. */
#ifndef CS_INDEXER_LEDGER_FILTER_H
#define CS_INDEXER_LEDGER_FILTER_H

#include "indexer/catalog.h"

#include <stddef.h>
#include <stdint.h>

typedef struct cs_ledger_filter {
    /* Each NULL: any; else the entry's member of that name equals it exactly. */
    const char *actor, *role, *case_number, *action, *kind, *result, *item, *purpose;
    /* NULL: open; else a bound on "at", inclusive: RFC 3339 with Z or an offset, or a date
     * (UTC: from its first millisecond, to its last). */
    const char *from, *to;
    int64_t since; /* ascending: the first seq looked at; descending: the last (< 0: newest) */
    int desc;      /* newest first */
    int limit;     /* 1..1000 */
} cs_ledger_filter_t;

/** Calls fn (as cs_catalog_ledger_each's) for each entry matching f, at most f->limit, in
 * seq order (f->desc: newest first), in one read snapshot; stops at fn's first non-zero
 * return, which it returns. *next is the `since` of the following page: ascending, the seq
 * after the last one returned when the page is full, else the ledger's size then (new
 * entries start there); descending, the seq before the last one returned when the page is
 * full, else -1 (nothing older). CS_EINVAL (with a detail naming from or to) for a bad time
 * or limit. */
int cs_catalog_ledger_filter(cs_catalog_t *cat, const cs_ledger_filter_t *f,
                             int (*fn)(void *arg, int64_t seq, const char *entry, size_t len,
                                       const uint8_t *leaf, size_t leaf_len),
                             void *arg, int64_t *next);

#endif
