/* api/auth.c: who is asking (a bearer token, or a session cookie: session.c) and the gate's answer
 * for the call: every decision comes from access/ (cs_access_read), whose ledger entry is appended
 * (record.c) before anything is answered. This file only translates a decision into HTTP. Thread
 * pool, catalog lock held. */
#include "api/api_int.h"

#include "core/buf.h"
#include "core/error.h"

#include <stdio.h>
#include <string.h>

/* A user who is not an admin calling the admin console: 403, code "role", ledgered as the
 * gate ledgers a role's refusal (the entry is appended before the answer, record.c). */
static int
refuse_admin(cs_api_call_t *c)
{
    const char *reason = "only an admin manages users, grants and classifications";
    const char *purpose = c->purpose_state == 1 ? c->purpose : NULL;
    json_t *e = json_pack("{s:s, s:s, s:s, s:s?, s:s?, s:s, s:s, s:s, s:I}", "kind", "retrieval",
                          "action", "admin", "actor", c->who.name, "role",
                          cs_access_role_name(c->who.role), "purpose", purpose, "client", c->client,
                          "result", "denied", "reason", reason, "bytes", (json_int_t)0);
    if (e == NULL)
        return cs_api_fail(c, "internal", "out of memory recording a refusal"), 1;
    json_decref(c->entry);
    c->entry = e;
    cs_api_fail(c, "forbidden", "%s (you are %s); the refusal is in the ledger", reason,
                c->user.role);
    c->deny = CS_DENY_ROLE;
    cs_snprintf_cut(c->detail_zh, sizeof c->detail_zh, "%s",
                    "只有管理员可以管理用户、授权和密级；本次拒绝已记入调阅记录");
    return 1;
}

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
    if (c->auth_state == 0 && c->cookie_state != 0) {
        if (cs_api_session_authorize(c) != 0) /* signed in on the web: the cookie */
            return 1;
    } else if (c->auth_state == 0) {
        cs_api_fail(c, "unauthorized",
                    "send Authorization: Bearer <token> (custody user add), or sign in "
                    "(POST /v1/session)");
        return 1;
    }
    if (c->auth_state < 0) {
        cs_api_fail(c, "unauthorized", "the Authorization header is not \"Bearer <token>\"");
        return 1;
    }
    if (!c->by_session) {
        cs_token_hash(c->token, hash);
        rc = cs_api_cache_user_by_token(cs_api_view(c), hash, &c->user);
        if (rc == CS_ENOTFOUND || (rc == 0 && c->user.disabled)) {
            cs_api_fail(c, "unauthorized", "%s",
                        rc == 0 ? "this user is disabled"
                                : "the token is not known (or was rotated)");
            return 1;
        }
        if (rc != 0) {
            cs_api_fail_rc(c, rc, "checking the token");
            return 1;
        }
    }
    cs_access_who_user(&c->who, &c->user, NULL);
    /* Routes that are one kind of read as a whole ask the gate before their work. */
    if (who == CS_API_AUDIT)
        return cs_api_gate(c, CS_READ_LEDGER, NULL, NULL, "ledger", NULL, NULL, 0, NULL);
    if (who == CS_API_QUEUE)
        return cs_api_gate(c, CS_READ_QUEUE, NULL, NULL, "queue", NULL, NULL, 0, NULL);
    if (who == CS_API_ADMIN && c->who.role != CS_ROLE_ADMIN)
        return refuse_admin(c);
    return 0;
}

/* The answer of a refusal. */
static void
refuse(cs_api_call_t *c, const cs_access_decision_t *d)
{
    if (d->deny == CS_DENY_NO_PURPOSE) {
        cs_api_fail(c, "no-purpose", "%s",
                    c->purpose_state < 0
                        ? "X-Custody-Purpose is not percent-encoded UTF-8 text; the refusal is "
                          "in the ledger"
                        : "every read states why: send X-Custody-Purpose (percent-encoded UTF-8); "
                          "the refusal is in the ledger");
        c->deny = d->deny;
        return;
    }
    cs_api_fail(c,
                d->status == 404   ? "not-found"
                : d->status == 410 ? "gone"
                                   : "forbidden",
                "%s", d->reason);
    c->deny = d->deny;
    snprintf(c->detail_zh, sizeof c->detail_zh, "%s", d->reason_zh); /* fits: the same size */
    c->seq_in_detail = d->ledgered;
}

cs_access_how_t
cs_api_how(const cs_api_call_t *c, cs_read_t read, const char *action)
{
    cs_access_how_t h = {.read = read,
                         .channel = c->channel,
                         .purpose = c->purpose_state == 1 ? c->purpose : NULL,
                         .client = c->client,
                         .action = action};
    return h;
}

int
cs_api_answer_decision(cs_api_call_t *c, const cs_access_decision_t *d, json_t *entry)
{
    json_decref(c->entry);
    c->entry = entry; /* appended before any answer (record.c), allowed or not */
    if (d->allowed)
        return 0;
    refuse(c, d);
    return 1;
}

int
cs_api_gate(cs_api_call_t *c, cs_read_t read, const char *sha256, const char *case_number,
            const char *action, const char *object, const char *profile, int64_t bytes,
            const char *range)
{
    cs_access_policy_t pol = cs_access_policy(c->api->opts.cfg);
    cs_access_how_t h = cs_api_how(c, read, action);
    cs_access_decision_t d;
    json_t *e = NULL;
    h.object = object;
    h.profile = profile;
    h.bytes = bytes;
    h.range = range;
    cs_access_what_t what;
    /* cs_access_decide, over rows kept between calls (cache.h): the rule runs every time. */
    int rc = cs_api_cache_access_load(cs_api_view(c), &pol, &c->who, sha256, case_number, profile,
                                      &what);
    if (rc == 0)
        rc = cs_access_read(&pol, &c->who, &what, &h, &d, &e);
    if (rc != 0)
        return cs_api_fail_rc(c, rc, "deciding the read"), 1;
    return cs_api_answer_decision(c, &d, e);
}
