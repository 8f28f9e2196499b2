/* indexer/retention.h: how long an item is kept, and whether it may be disposed of now
 * (issue 22). An item's retention class and keep-until date follow from its links, its
 * cases' status and archive period, and holds: an item linked to any case not yet closed is
 * never due, nor is a held item. This is the one place that decides it: the disposal plan,
 * a batch's approval and its execution all ask here, so that a hold placed during a grace
 * period stops the disposal.
 *
 * The rules, in order (every date a site date, site.tz):
 *  - held: a hold not released on the item, or on any case it is actively linked to
 *    (links.superseded_at IS NULL): never due, whatever its class (code "held");
 *  - linked to any case not closed: class evidence (permanent if an admin set it so), kept
 *    with the case file, never due ("open-case"); an explicit class never lowers this;
 *  - an admin's explicit class (custody retention set) otherwise decides the class;
 *  - else linked to closed cases only: evidence; else non_evidence;
 *  - permanent: never due ("permanent");
 *  - evidence: kept until the latest of its closed cases' closed_on (else the day the case
 *    was closed) plus the case's archive period (cases.keep_period, else
 *    retention.default_period): long retention.long_years, short retention.short_years
 *    ("case-period", "case-period-ended"); a permanent period is never due
 *    ("case-permanent"); evidence linked to no case is kept ("evidence-unlinked");
 *  - non_evidence: kept retention.non_evidence_days from its capture (item_index
 *    captured_utc at the site, else its wall time, else when it arrived): "non-evidence",
 *    "non-evidence-ended".
 * Due: not held, a keep_until, and today (at the site) after it. */
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
    int open_case;                           /* linked to a case that is not closed */
    int explicit_class;                      /* the class is an admin's (custody retention set) */
    char since[11]; /* the date the period counts from (capture, closing); "" none */
} cs_retention_t;

/** Fills *out for the item of `sha256` as the rules of `cfg` say at `now_ms`. CS_ENOTFOUND for
 * no such item (or one disposed of already). */
int cs_retention_item(cs_catalog_t *cat, const cs_config_t *cfg, const char *sha256, int64_t now_ms,
                      cs_retention_t *out);

/** *out = [{sha256, size, media_type, class, keep_until, reason_code, reason, cases: [..]}]:
 * every item due at `now_ms` (the disposal plan), oldest keep_until first, at most `limit`.
 * `cases` are the numbers of the (closed) cases the item is actively linked to. One query:
 * items linked to an open case or held are left out before anything else is asked. */
int cs_retention_plan(cs_catalog_t *cat, const cs_config_t *cfg, int64_t now_ms, int limit,
                      json_t **out);

/** *out = {case, status, keep_period, keep_period_set (0: the default), closed, keep_until
 * ("" never or not yet closed), held, items: [{sha256, class, keep_until, held, due,
 * reason_code, reason}]} for case `number` (normalised). CS_ENOTFOUND for no such case. */
int cs_retention_case(cs_catalog_t *cat, const cs_config_t *cfg, const char *number, int64_t now_ms,
                      json_t **out);

/** {class, keep_until (null: never), held, due, reason_code, reason}: what the API sends. */
json_t *cs_retention_json(const cs_retention_t *r);

#endif
