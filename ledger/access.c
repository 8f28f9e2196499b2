/* ledger/access.c: the access rules (access.h) and the ledger entry of each decision. */
#include "ledger/access.h"

#include "core/clock.h"
#include "core/error.h"
#include "indexer/ledger.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void
deny(cs_access_result_t *res, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(res->reason, sizeof res->reason, fmt, ap);
    va_end(ap);
    res->allowed = 0;
}

/* A reviewer's or an admin's read: through the best live grant that covers the item. */
static int
by_grant(cs_catalog_t *cat, const cs_access_req_t *req, const char *level, cs_access_result_t *res)
{
    char now[CS_TIME_MAX];
    json_t *grants = NULL, *best;
    int err;
    cs_clock_now(now);
    if ((err = cs_catalog_item_grants(cat, req->user->id, req->sha256, now, &grants)) != 0)
        return err;
    best = json_array_get(grants, 0); /* the highest clearance first */
    if (best == NULL) {
        deny(res, "%s has no live grant on a case of item %.12s", req->user->name, req->sha256);
    } else {
        const char *clearance = json_string_value(json_object_get(best, "clearance"));
        res->grant = (int64_t)json_integer_value(json_object_get(best, "id"));
        snprintf(res->case_number, sizeof res->case_number, "%s",
                 json_string_value(json_object_get(best, "case")));
        if (cs_access_level_rank(clearance) < cs_access_level_rank(level))
            deny(res, "item %.12s is %s; grant %lld clears up to %s", req->sha256, level,
                 (long long)res->grant, clearance);
        else
            res->allowed = 1;
    }
    json_decref(grants);
    return 0;
}

/* The decision alone, in res (allowed, reason, grant, case). */
static int
decide(cs_catalog_t *cat, const cs_config_t *cfg, const cs_access_req_t *req,
       cs_access_result_t *res)
{
    const cs_user_t *u = req->user;
    char level[32];
    int err, received = 0, unassigned = 0;

    if (u == NULL)
        return deny(res, "unknown user"), 0;
    if (u->disabled)
        return deny(res, "user %s is disabled", u->name), 0;
    if (req->purpose == NULL || req->purpose[0] == '\0')
        return deny(res, "no purpose stated: every retrieval states why"), 0;
    if ((err = cs_catalog_classification(cat, req->sha256, level, sizeof level)) != 0)
        return err;
    if (level[0] == '\0')
        snprintf(level, sizeof level, "%s", cs_config_levels[cfg->access_default_level]);
    if (req->network && req->read == CS_READ_MEDIA && strcmp(level, "state_secret") == 0 &&
        !cfg->access_serve_state_secret)
        return deny(res, "item %.12s is state_secret: never served over the network", req->sha256),
               0;
    if (strcmp(u->role, "auditor") == 0) {
        if (req->read == CS_READ_MEDIA)
            return deny(res, "auditors read the ledger and metadata, never media bytes"), 0;
        res->allowed = 1;
        return 0;
    }
    if (strcmp(u->role, "clerk") == 0) {
        if ((err = cs_catalog_item_origin(cat, req->sha256, u->name, &received, &unassigned)) != 0)
            return err;
        if (received || unassigned)
            res->allowed = 1;
        else
            deny(res, "clerk %s did not bring item %.12s in, and it is assigned to a case", u->name,
                 req->sha256);
        return 0;
    }
    return by_grant(cat, req, level, res);
}

int
cs_access_check(cs_catalog_t *cat, const cs_config_t *cfg, const cs_access_req_t *req,
                cs_access_result_t *res)
{
    memset(res, 0, sizeof *res);
    int err = decide(cat, cfg, req, res);
    if (err != 0)
        res->allowed = 0;
    return err;
}

json_t *
cs_access_entry(const cs_access_req_t *req, const cs_access_result_t *res, int64_t bytes)
{
    return json_pack(
        "{s:s, s:s, s:s?, s:s?, s:s, s:s, s:s?, s:s?, s:s?, s:s?, s:s, s:s?, s:o?, "
        "s:I, s:s?}",
        "kind", "retrieval", "action", req->action, "actor", req->user ? req->user->name : req->who,
        "role", req->user ? req->user->role : NULL, "object",
        req->object ? req->object : req->sha256, "item", req->sha256, "case",
        res->case_number[0] ? res->case_number : NULL, "profile", req->profile, "purpose",
        req->purpose && req->purpose[0] ? req->purpose : NULL, "client", req->client, "result",
        res->allowed ? "allowed" : "denied", "reason", res->allowed ? NULL : res->reason, "grant",
        res->grant ? json_integer(res->grant) : NULL, "bytes",
        (json_int_t)(res->allowed ? bytes : 0), "range", res->allowed ? req->range : NULL);
}

int
cs_access_decide(cs_catalog_t *cat, const cs_config_t *cfg, const cs_access_req_t *req,
                 int64_t bytes, cs_access_result_t *res)
{
    json_t *e;
    int err;
    if ((err = cs_access_check(cat, cfg, req, res)) != 0)
        return err;
    if ((e = cs_access_entry(req, res, bytes)) == NULL) {
        res->allowed = 0;
        cs_diag_set("out of memory recording a retrieval");
        return CS_ENOMEM;
    }
    /* Synced: the entry is durable before the caller sends a byte; if it cannot be written,
     * nothing is served. */
    err = cs_catalog_ledger_append(cat, e, &res->seq);
    json_decref(e);
    if (err != 0)
        res->allowed = 0;
    return err;
}
