/* ledger/access.h: who may read what, decided in one place, and every decision ledgered
 * before a byte is served.
 *
 * Rules: a reviewer or an admin reads an item only through a live grant on one of its cases
 * (its party, when the grant names one) whose clearance reaches the item's classification; a
 * clerk reads the items they brought in and unassigned items; an auditor reads metadata,
 * never media bytes; a disabled user reads nothing. Every read states a purpose. A
 * state_secret item is never served over the network unless access.serve_state_secret is 1.
 */
#ifndef CS_LEDGER_ACCESS_H
#define CS_LEDGER_ACCESS_H

#include "core/config.h"
#include "indexer/access.h"

#include <jansson.h>
#include <stdint.h>

typedef enum {
    CS_READ_METADATA, /* the record: metadata, links, events */
    CS_READ_MEDIA,    /* bytes of the original or of a derivative */
} cs_read_t;

typedef struct cs_access_req {
    const cs_user_t *user; /* NULL: unknown (refused) */
    const char *who;       /* the name given, recorded when user is NULL */
    const char *sha256;    /* the item */
    cs_read_t read;
    const char *action;  /* ledger action: "get.original", "get.derivative", "view", ... */
    const char *object;  /* what is read (the item, or the derivative's sha256) */
    const char *profile; /* derivative profile, or NULL */
    const char *purpose; /* required */
    const char *client;  /* "cli:<os user>" or "http:<address>" */
    int network;         /* served over the network */
    const char *range;   /* the byte range served ("0-99/1000"), recorded as "range"; NULL:
                          * the whole object, or not a read of bytes */
} cs_access_req_t;

typedef struct cs_access_result {
    int allowed;
    char reason[256];      /* why not, for the person asking */
    int64_t grant;         /* the grant used, 0 when none */
    int64_t seq;           /* the ledger entry of the decision */
    char case_number[256]; /* the case the grant is on, "" when none */
} cs_access_result_t;

/** Decides `req` without writing anything: 0 with res->allowed, reason, grant and case set
 * (a denial is a result, not an error; res->seq is 0), or a CS_E* code when the decision could
 * not be made. For callers that ledger through a cs_ledger_appender_t, and for filtering lists. */
int cs_access_check(cs_catalog_t *cat, const cs_config_t *cfg, const cs_access_req_t *req,
                    cs_access_result_t *res);

/** The ledger entry of the decision `res` on `req` ({"kind": "retrieval", "action", "actor",
 * "role", "object", "item", "case", "profile", "purpose", "client", "result": "allowed" |
 * "denied", "reason", "grant", "bytes": `bytes` when allowed else 0, and "range" when allowed
 * and req->range is set}). NULL when out of memory. Caller owns it. */
json_t *cs_access_entry(const cs_access_req_t *req, const cs_access_result_t *res, int64_t bytes);

/** cs_access_check, then its entry appended with a synced commit, so it is durable before the
 * caller serves anything: 0 with res->allowed and res->seq, or a CS_E* code when the decision
 * could not be made or ledgered (res->allowed is then 0): then nothing may be served. */
int cs_access_decide(cs_catalog_t *cat, const cs_config_t *cfg, const cs_access_req_t *req,
                     int64_t bytes, cs_access_result_t *res);

#endif
