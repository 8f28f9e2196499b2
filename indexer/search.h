/* indexer/search.h: finding items by case, party, capture time, place, device and text. */
#ifndef CS_INDEXER_SEARCH_H
#define CS_INDEXER_SEARCH_H

#include "indexer/catalog.h"

#define CS_SEARCH_MAX_LIMIT 1000

typedef struct cs_search {
    const char *case_number; /* normalised; NULL: any */
    const char *party;       /* exact name; NULL: any */
    const char *from, *to;   /* RFC 3339 or a date (YYYY-MM-DD); NULL: open */
    int near;                /* 1: lat, lon, metres apply */
    double lat, lon, metres;
    const char *device; /* substring of make, model or serial; NULL: any */
    const char *text;   /* substring of names, place, note, officer, party, device */
    int limit;          /* 1..CS_SEARCH_MAX_LIMIT */
} cs_search_t;

/** Items matching every given criterion, in capture-time order (items without a capture
 * time last): [{sha256, captured_at, captured_at_source, cases: [...], parties: [...],
 * media_type, size, original_name, gps: {lat, lon} | null, device, distance_m (with near)}].
 * Times compare as instants where the offset is known, else as wall times. CS_EINVAL (with a
 * detail naming the criterion) for a bad time, place or limit. */
int cs_catalog_search(cs_catalog_t *cat, const cs_search_t *q, json_t **out);

#endif
