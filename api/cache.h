/* api/cache.h: the rows every request looks up again, kept in the service's memory: a token's
 * (or a signed-in name's) user, the rows the gate decides on (an item's classification, link
 * state and covering grants: cs_access_load), and an item's record (its item, metadata and
 * derivative rows and its retention, as the JSON text GET /v1/items/{sha256} answers with, for
 * the site's day it was built on: retention depends on the day). Never a decision:
 * the rules (access/rules.c) run on every request over these rows.
 *
 * Invalidation: each cached row is tagged with the catalog's generation (indexer/cache_gen.h),
 * which every committed write to a watched table moves, by any process (the CLI too), in the
 * same transaction. A call reads the generation once, before any row it uses, and a row tagged
 * otherwise is loaded again: a revoked grant, a disabled user, a reclassified item count from
 * the next request. A user's grants also lapse by themselves: rows with grants are used only
 * until the earliest end of that user's live grants. Should any table lack the triggers (a
 * migration that forgot them), the cache is off and every row comes from the catalog. */
#ifndef CS_API_CACHE_H
#define CS_API_CACHE_H

#include "access/access.h"
#include "indexer/access.h"
#include "indexer/catalog.h"

#include <stddef.h>
#include <stdint.h>

typedef struct cs_api_cache cs_api_cache_t;

/** Makes the cache, off (and said in the log) when the catalog has tables no write to which
 * would move the generation. CS_ENOMEM, or the catalog's error. */
int cs_api_cache_new(cs_api_cache_t **out, cs_catalog_t *cat);
void cs_api_cache_free(cs_api_cache_t **k);

/** A call's view: the generation it read first, before any row (*gen: 0 until read, then
 * the generation + 1, or -1 when the catalog has none). Every function below reads it through
 * `gen` when it is still 0, so a call's rows are never older than its generation. */
typedef struct cs_api_cache_view {
    cs_api_cache_t *k; /* NULL: no cache */
    cs_catalog_t *cat;
    int64_t *gen;
} cs_api_cache_view_t;

/** cs_catalog_user_by_token and cs_catalog_user_by_name, through the cache. */
int cs_api_cache_user_by_token(cs_api_cache_view_t v, const char *token_sha256, cs_user_t *u);
int cs_api_cache_user_by_name(cs_api_cache_view_t v, const char *name, cs_user_t *u);

/** cs_access_load (access/gate.h), through the cache. */
int cs_api_cache_access_load(cs_api_cache_view_t v, const cs_access_policy_t *pol,
                             const cs_access_who_t *who, const char *sha256,
                             const char *case_number, const char *profile, cs_access_what_t *what);

/** The site's day now (site.tz, else the system's zone, looked up at most once a second). */
void cs_api_cache_today(cs_api_cache_t *k, const char *site_tz, char today[11]);

/** An item's record text as answered on the site's day `today` (a malloc'd copy into *text,
 * *len): 1 when cached, 0 when not. */
int cs_api_cache_record_get(cs_api_cache_view_t v, const char *sha256, const char *today,
                            char **text, size_t *len);
/** Keeps a copy of the item's record text, loaded after the view's generation was read, all of
 * it on the site's day `today`. */
void cs_api_cache_record_put(cs_api_cache_view_t v, const char *sha256, const char *today,
                             const char *text, size_t len);

#endif
