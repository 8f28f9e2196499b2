/* indexer/search.h: finding items by case, party, capture time, place, device and text. */
#ifndef CS_INDEXER_SEARCH_H
#define CS_INDEXER_SEARCH_H

#include "indexer/catalog.h"

#include <stdint.h>

#define CS_SEARCH_MAX_LIMIT 1000

/* Where a result stands in the order of results: after it, a next page starts. */
typedef struct cs_search_key {
    int timed;     /* the item has a capture time (items without one come last) */
    char time[64]; /* its sort time, when timed */
    int64_t id;    /* its row id, which breaks ties */
} cs_search_key_t;

typedef struct cs_search {
    const char *case_number; /* normalised; NULL: any */
    const char *party;       /* exact name; NULL: any */
    const char *from, *to;   /* RFC 3339 or a date (YYYY-MM-DD); NULL: open */
    int near;                /* 1: lat, lon, metres apply */
    double lat, lon, metres;
    const char *device;           /* substring of make, model or serial; NULL: any */
    const char *text;             /* substring of names, place, note, officer, party, device */
    int limit;                    /* 1..CS_SEARCH_MAX_LIMIT */
    const cs_search_key_t *after; /* NULL: from the first result; else those after it */
    /* NULL: every match is a result; else only those for which keep sets *ok (a non-zero
     * return is an error, returned as is). Applied before the limit, so a page is full
     * whenever enough kept matches exist. */
    int (*keep)(void *arg, const char *sha256, int *ok);
    void *keep_arg;
} cs_search_t;

/** Items matching every given criterion, in capture-time order (items without a capture
 * time last): [{sha256, captured_at, captured_at_source, cases: [...], parties: [...],
 * media_type, size, original_name, gps: {lat, lon} | null, device, distance_m (with near)}].
 * Times compare as instants where the offset is known, else as wall times. CS_EINVAL (with a
 * detail naming the criterion) for a bad time, place or limit. */
int cs_catalog_search(cs_catalog_t *cat, const cs_search_t *q, json_t **out);

/** cs_catalog_search, one page: *next (may be NULL) is the key of the page's last result and
 * *more (may be NULL) is 1 when further results follow it (pass *next as q->after for them). */
int cs_catalog_search_page(cs_catalog_t *cat, const cs_search_t *q, json_t **out,
                           cs_search_key_t *next, int *more);

#endif
