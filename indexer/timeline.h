/* indexer/timeline.h: a case's items as a timeline shows them: capture time with its source
 * and recorded offset, what the upload's folders and sidecar said (stage, officer, note,
 * place), the device, and how each copy fared. */
#ifndef CS_INDEXER_TIMELINE_H
#define CS_INDEXER_TIMELINE_H

#include "indexer/catalog.h"
#include "indexer/search.h"

#include <jansson.h>

/** *out = the items actively linked to case `case_number`, in capture order (the instant
 * where the offset is known, else the wall time; items without a capture time last, then by
 * link time): [{sha256, size, media_type, party, linked_at, original_name, received_at,
 * captured_at, captured_at_source, captured_at_utc, offset ("+08:00" when recorded, else
 * null), offset_known, stage, officer, note, place, device {make, model, ...} | null,
 * gps {lat, lon, ...} | null, classification, derivatives {"<profile>": "ok" | "failed"}}]
 * — the members of cs_catalog_case_items and more. The sidecar's words come from the item's
 * latest `received` event for this case (else its latest one). CS_ENOTFOUND if no such case. */
int cs_catalog_case_timeline(cs_catalog_t *cat, const char *case_number, json_t **out);

#define CS_TIMELINE_MAX_LIMIT 1000 /* items of a page */

typedef struct cs_timeline_q {
    const char *case_number;
    int limit;                    /* 1..CS_TIMELINE_MAX_LIMIT */
    const cs_search_key_t *after; /* NULL: from the first; else the page's key: id is the
                                   * last row's link (its row id); time is not used */
    /* NULL: every item; else only those for which keep sets *ok (before the limit, so a page
     * is full whenever enough kept items exist). A non-zero return is an error, as is. */
    int (*keep)(void *arg, const char *sha256, int *ok);
    void *keep_arg;
} cs_timeline_q_t;

/** One page of cs_catalog_case_timeline's rows, in the order the items were linked to the
 * case (the link's row id, which grows under the catalog's one writer, where linked_at is
 * taken before its lock) rather than by capture time, so that an item linked
 * while a client pages comes after every page already read and no item is read twice or
 * skipped: *out the page, *next the key of its last row (pass it as q->after for the next
 * page), *more 1 when a kept row follows it. Only one page (and a chunk) is in memory.
 * CS_ENOTFOUND if no such case; CS_EINVAL for a limit out of range. */
int cs_catalog_case_timeline_page(cs_catalog_t *cat, const cs_timeline_q_t *q, json_t **out,
                                  cs_search_key_t *next, int *more);

#endif
