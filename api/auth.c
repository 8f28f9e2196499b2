/* api/auth.c: who is asking (a bearer token), whether their role may call the route, and
 * the ledger entry of every read before anything is answered. Thread pool, catalog lock. */
#include "api/api_int.h"

#include "core/error.h"
#include "ledger/access.h"

#include <stdio.h>
#include <string.h>

int
cs_api_authorize(cs_api_call_t *c)
{
    const cs_api_route_t *routes;
    size_t n;
    char hash[65];
    int rc;
    routes = cs_api_routes(&n);
    cs_api_who_t who = routes[c->route].who;
    if (who == CS_API_ANYONE)
        return 0;
    if (c->auth_state == 0) {
        cs_api_fail(c, "unauthorized", "send Authorization: Bearer <token> (custody user add)");
        return 1;
    }
    if (c->auth_state < 0) {
        cs_api_fail(c, "unauthorized", "the Authorization header is not \"Bearer <token>\"");
        return 1;
    }
    cs_token_hash(c->token, hash);
    rc = cs_catalog_user_by_token(c->cat, hash, &c->user);
    if (rc == CS_ENOTFOUND || (rc == 0 && c->user.disabled)) {
        cs_api_fail(c, "unauthorized", "%s",
                    rc == 0 ? "this user is disabled" : "the token is not known (or was rotated)");
        return 1;
    }
    if (rc != 0) {
        cs_api_fail_rc(c, rc, "checking the token");
        return 1;
    }
    const char *role = c->user.role;
    if (who == CS_API_AUDIT && strcmp(role, "auditor") != 0 && strcmp(role, "admin") != 0) {
        cs_api_fail(c, "forbidden", "only auditors and admins read the ledger; %s is a %s",
                    c->user.name, role);
        return 1;
    }
    if (who == CS_API_QUEUE && strcmp(role, "reviewer") == 0) {
        cs_api_fail(c, "forbidden",
                    "only clerks, admins and auditors watch the ingest queue; %s is a %s",
                    c->user.name, role);
        return 1;
    }
    if (who == CS_API_EDIT && strcmp(role, "clerk") != 0 && strcmp(role, "admin") != 0) {
        cs_api_fail(c, "forbidden", "only clerks and admins change links; %s is a %s", c->user.name,
                    role);
        return 1;
    }
    return 0;
}

static const char *
purpose_problem(const cs_api_call_t *c)
{
    return c->purpose_state < 0 ? "X-Custody-Purpose is not percent-encoded UTF-8 text; the "
                                  "refusal is in the ledger"
                                : "every read states why: send X-Custody-Purpose (percent-encoded "
                                  "UTF-8); the refusal is in the ledger";
}

int
cs_api_ledger_list(cs_api_call_t *c, const char *action, const char *case_number)
{
    int ok = c->purpose_state == 1;
    c->entry = json_pack("{s:s, s:s, s:s, s:s, s:s?, s:s?, s:s, s:s, s:s?, s:I}", "kind",
                         "retrieval", "action", action, "actor", c->user.name, "role", c->user.role,
                         "case", case_number, "purpose", ok ? c->purpose : NULL, "client",
                         c->client, "result", ok ? "allowed" : "denied", "reason",
                         ok ? NULL : "no purpose stated", "bytes", (json_int_t)0);
    if (c->entry == NULL)
        return cs_api_fail(c, "internal", "out of memory recording the read"), 1;
    if (!ok)
        return cs_api_fail(c, "no-purpose", "%s", purpose_problem(c)), 1;
    return 0;
}

int
cs_api_decide(cs_api_call_t *c, const char *sha256, int media, const char *action,
              const char *object, const char *profile, int64_t bytes, const char *range)
{
    cs_access_result_t res;
    cs_access_req_t req = {
        .user = &c->user,
        .who = c->user.name,
        .sha256 = sha256,
        .read = media ? CS_READ_MEDIA : CS_READ_METADATA,
        .action = action,
        .object = object,
        .profile = profile,
        .purpose = c->purpose_state == 1 ? c->purpose : NULL,
        .client = c->client,
        .network = 1,
        .range = range,
    };
    int rc = cs_access_check(c->cat, c->api->opts.cfg, &req, &res);
    if (rc != 0)
        return cs_api_fail_rc(c, rc, "deciding the read"), 1;
    /* The entry goes to the ledger (record.c) before any answer, allowed or not. */
    if ((c->entry = cs_access_entry(&req, &res, bytes)) == NULL)
        return cs_api_fail(c, "internal", "out of memory recording the read"), 1;
    if (c->purpose_state != 1)
        return cs_api_fail(c, "no-purpose", "%s", purpose_problem(c)), 1;
    if (!res.allowed) {
        cs_api_fail(c, "forbidden", "%s", res.reason);
        c->seq_in_detail = 1;
        return 1;
    }
    return 0;
}
