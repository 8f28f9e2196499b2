/* indexer/caselist.h: the cases a page at a time, and a case's members one at a time, for
 * lists that must not hold a whole catalog (GET /v1/cases): each call holds a bounded batch. */
#ifndef CS_INDEXER_CASELIST_H
#define CS_INDEXER_CASELIST_H

#include "indexer/catalog.h"

#include <jansson.h>
#include <stdint.h>

#define CS_CASELIST_BATCH 256 /* members read per query */

/** *out = up to n cases (1..1000) whose row id is above after_id, in the order they were
 * made (row id): [{id, case, created_at, parties: [names, by name]}]. */
int cs_catalog_cases_after(cs_catalog_t *cat, int64_t after_id, int n, json_t **out);

/** Calls fn(arg, sha256, party (NULL: none)) for every item actively linked to the case, in
 * link order, CS_CASELIST_BATCH at a time (so fn may use the catalog); stops at fn's first
 * non-zero return and returns it. 0 for a case without items or of no such number. */
int cs_catalog_case_each(cs_catalog_t *cat, const char *case_number,
                         int (*fn)(void *arg, const char *sha256, const char *party), void *arg);

#endif
