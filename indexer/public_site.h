/* indexer/public_site.h: what the public page may show (issue 23, part 4), read from the
 * catalog in one snapshot: every publication that was ever published, with the dates of its
 * versions, its withdrawal (date and category only) and, while it is live, the public copies
 * its latest version sent out that may still be served. Nothing else of the catalog reaches
 * the public page: no case numbers, no names, no reasons, no originals. api/public_site.c
 * renders it, for `custody serve`'s public listener and `custody publish site` alike. */
#ifndef CS_INDEXER_PUBLIC_SITE_H
#define CS_INDEXER_PUBLIC_SITE_H

#include "indexer/catalog.h"

#include <jansson.h>

/** *out = {"publications": [{id, decision_kind, kind, decided_on,
 *                            versions: [{version, published_on, correction: 0|1}],
 *                            withdrawn: {on, category} | null,
 *                            files: [{role: "decision"|"item", sha256, size, media_type}],
 *                            withheld: [sha256]}]},
 * newest first, of the publications with at least one published version. `files` is empty for
 * a withdrawn publication; for a live one it holds each public copy the latest version names
 * that is still servable: a verified derivative of profile `public` of the item named beside
 * it, approved, whose item is not classified state_secret now, and whose bytes are no item's
 * original (so that no path of the public page can ever serve an original). `withheld` names
 * the copies of a live latest version that fail this, for the operator (never rendered). */
int cs_catalog_public_site(cs_catalog_t *cat, json_t **out);

/** Makes `cat` a connection that can never write (PRAGMA query_only): the public listener's. */
int cs_catalog_public_site_readonly(cs_catalog_t *cat);

#endif
