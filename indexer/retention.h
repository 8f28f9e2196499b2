/* indexer/retention.h: how long an item is kept, and whether it may be disposed of now
 * (issue 22). An item's retention class and keep-until date follow from its links, its
 * cases' status and archive period, and holds: an item linked to any case not yet closed is
 * never due, nor is a held item. This is the one place that decides it: the disposal plan,
 * a batch's approval and its execution all ask here, so that a hold placed during a grace
 * period stops the disposal. */
#ifndef CS_INDEXER_RETENTION_H
#define CS_INDEXER_RETENTION_H

#include "core/config.h"
#include "indexer/catalog.h"

#include <jansson.h>
#include <stdint.h>

#define CS_RETENTION_CLASS_MAX 32
#define CS_RETENTION_REASON_MAX 512
#define CS_RETENTION_CODE_MAX 48

typedef struct cs_retention {
    char klass[CS_RETENTION_CLASS_MAX]; /* evidence, non_evidence, permanent, ... */
    char keep_until[11]; /* the site date (YYYY-MM-DD) after which it may go; "" never */
    int held;            /* a hold on the item or on a case it is linked to */
    int due;             /* may be disposed of now: past keep_until, not held, no open case */
    char reason_code[CS_RETENTION_CODE_MAX]; /* why, as a code the web words in zh-CN */
    char reason[CS_RETENTION_REASON_MAX];    /* why, in English, for the CLI and logs */
} cs_retention_t;

/** Fills *out for the item of `sha256` as the rules of `cfg` say at `now_ms`. CS_ENOTFOUND for
 * no such item (or one disposed of already). */
int cs_retention_item(cs_catalog_t *cat, const cs_config_t *cfg, const char *sha256, int64_t now_ms,
                      cs_retention_t *out);

/** *out = [{sha256, size, media_type, class, keep_until, reason_code, reason, cases: [..]}]:
 * every item due at `now_ms` (the disposal plan), oldest keep_until first, at most `limit`. */
int cs_retention_plan(cs_catalog_t *cat, const cs_config_t *cfg, int64_t now_ms, int limit,
                      json_t **out);

#endif
