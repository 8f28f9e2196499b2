/* indexer/timeline.h: a case's items as a timeline shows them: capture time with its source
 * and recorded offset, what the upload's folders and sidecar said (stage, officer, note,
 * place), the device, and how each copy fared. */
#ifndef CS_INDEXER_TIMELINE_H
#define CS_INDEXER_TIMELINE_H

#include "indexer/catalog.h"

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

#endif
