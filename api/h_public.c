/* api/h_public.c: public copies over HTTP (issue 23, part 1), as `custody public`: GET
 * /v1/items/{sha256}/public (the state: spec, copy, approval; a read of the item's record,
 * ledgered), PUT .../public/spec (a redaction spec, checked against the media), POST
 * .../public/approve (by a legal user or admin other than the copy's maker). Who may is
 * access/public.h's (refusals ledgered); GET /v1/public lists the items with a spec or a copy
 * (?case=, ?awaiting=1: copies awaiting approval), each item one the gate lets the user read;
 * the copy itself is served by GET
 * /v1/items/{sha256}/derivatives/public through the gate like every copy. Making a copy runs a
 * media worker: `custody public make` on the host. */
#include "api/api_int.h"

#include "access/public.h"
#include "api/admin.h"
#include "api/args.h"
#include "core/error.h"
#include "indexer/jobs.h"
#include "indexer/public.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The rule's refusal as the answer (already ledgered): 0 when allowed, else 1. */
static int
ask(cs_api_call_t *c, const char *sha, cs_public_act_t act, cs_public_rows_t *rows)
{
    cs_access_policy_t pol = cs_access_policy(c->api->opts.cfg);
    cs_access_decision_t dec;
    cs_public_state_t st;
    int64_t seq = 0;
    int rc =
        cs_access_public_decide(c->cat, &pol, &c->who, sha, act, c->client, &st, rows, &dec, &seq);
    if (rc != 0)
        return cs_api_fail_rc(c, rc, "the rule of public copies"), 1;
    if (dec.allowed)
        return 0;
    c->deny = dec.deny;
    snprintf(c->detail_zh, sizeof c->detail_zh, "%s", dec.reason_zh); /* fits: same size */
    cs_api_fail_code(c,
                     dec.status == 409   ? "conflict"
                     : dec.status == 404 ? "not-found"
                                         : "forbidden",
                     cs_access_deny_code(dec.deny), dec.reason_zh, "%s", dec.reason);
    return 1;
}

void
cs_api_h_public(cs_api_call_t *c)
{
    char sha[65];
    json_t *out = NULL, *sp = NULL;
    int rc;
    if (cs_api_arg_sha256(c, 0, sha) != 0 ||
        cs_api_gate(c, CS_READ_METADATA, sha, NULL, "view", NULL, NULL, 0, NULL) != 0)
        return;
    if ((rc = cs_catalog_public_show(c->cat, sha, &out)) != 0 ||
        (rc = cs_catalog_public_spec(c->cat, sha, &sp)) != 0) {
        json_decref(out);
        cs_api_fail_rc(c, rc, "reading the item's public copy");
        return;
    }
    if (sp != NULL) /* the spec itself beside its row */
        json_object_set(json_object_get(out, "spec"), "spec", json_object_get(sp, "spec"));
    json_decref(sp);
    cs_api_answer_json(c, out, 200);
}

void
cs_api_h_public_spec(cs_api_call_t *c)
{
    cs_public_rows_t rows;
    json_t *body = NULL, *item = NULL, *meta = NULL;
    char sha[65], hash[65], *text = NULL;
    int64_t id = 0;
    int rc;
    if (cs_api_arg_sha256(c, 0, sha) != 0 || cs_api_admin_begin(c, 0, &body) != 0)
        return;
    if (ask(c, sha, CS_PUBLIC_SPEC, &rows) != 0)
        goto out;
    if ((rc = cs_catalog_item(c->cat, sha, &item)) != 0 ||
        (rc = cs_catalog_metadata(c->cat, sha, &meta)) != 0) {
        cs_api_fail_rc(c, rc, "reading the item");
        goto out;
    }
    rc = cs_public_spec_check(
        body, cs_public_kind(json_string_value(json_object_get(item, "media_type")), meta), meta,
        &text, hash);
    if (rc == CS_EINVAL) {
        cs_api_fail_code(c, "bad-request", "bad-spec", "脱敏规格有误：请按提示修改后重新提交", "%s",
                         cs_diag());
        goto out;
    }
    if (rc != 0 ||
        (rc = cs_catalog_public_spec_put(c->cat, sha, text, hash, c->who.name, &id)) != 0) {
        cs_api_fail_rc(c, rc, "storing the redaction spec");
        goto out;
    }
    cs_api_answer_json(
        c, json_pack("{s:s, s:I, s:s}", "item", sha, "id", (json_int_t)id, "sha256", hash), 201);
out:
    free(text);
    json_decref(body);
    json_decref(item);
    json_decref(meta);
}

void
cs_api_h_public_approve(cs_api_call_t *c)
{
    cs_public_rows_t rows;
    json_t *body = NULL;
    char sha[65];
    int rc;
    if (cs_api_arg_sha256(c, 0, sha) != 0 || cs_api_admin_begin(c, 1, &body) != 0)
        return;
    if (ask(c, sha, CS_PUBLIC_APPROVE, &rows) != 0)
        goto out;
    if ((rc = cs_catalog_public_approve(c->cat, sha, rows.copy_id, c->who.name, c->who.id)) != 0) {
        if (rc == CS_ENOTFOUND || rc == CS_EEXIST)
            cs_api_fail(c, "conflict", "%s", cs_diag());
        else
            cs_api_fail_rc(c, rc, "approving the public copy");
        goto out;
    }
    cs_api_answer_json(c,
                       json_pack("{s:s, s:s, s:s, s:s}", "item", sha, "copy", rows.copy_sha256,
                                 "maker", rows.maker, "approved_by", c->who.name),
                       200);
out:
    json_decref(body);
}

/* Keeps the states of `list` whose item c's user may read (and, with `awaiting`, whose current
 * copy is made and not yet approved). */
static int
keep_visible(cs_api_call_t *c, json_t *list, int awaiting)
{
    for (size_t i = 0; i < json_array_size(list);) {
        json_t *s = json_array_get(list, i), *copy = json_object_get(s, "copy");
        const char *status = json_string_value(json_object_get(copy, "status"));
        int ok = 0, rc;
        if ((rc = cs_api_visible(c, json_string_value(json_object_get(s, "item")), NULL, &ok)) != 0)
            return rc;
        if (ok && awaiting)
            ok = status != NULL && strcmp(status, "verified") == 0 &&
                 json_is_null(json_object_get(copy, "approved_by"));
        if (ok)
            i++;
        else
            json_array_remove(list, i);
    }
    return 0;
}

void
cs_api_h_public_list(cs_api_call_t *c)
{
    char kase[256], awaiting[8];
    cs_casenum_t cn;
    json_t *rows = NULL;
    int has_case, has_awaiting, rc;
    if (cs_api_arg_str(c, "case", kase, sizeof kase, &has_case) != 0 ||
        cs_api_arg_str(c, "awaiting", awaiting, sizeof awaiting, &has_awaiting) != 0)
        return;
    if (has_case && cs_api_arg_case(c, kase, &cn) != 0)
        return;
    if (has_awaiting && strcmp(awaiting, "1") != 0 && strcmp(awaiting, "0") != 0) {
        cs_api_fail_code(c, "bad-request", "bad-awaiting",
                         "awaiting 只能是 1（只列待审批的公开副本）或 0",
                         "awaiting is 1 (only copies awaiting approval) or 0");
        return;
    }
    if (cs_api_gate(c, CS_READ_LIST, NULL, has_case ? cn.text : NULL, "list", NULL, NULL, 0,
                    NULL) != 0)
        return;
    if ((rc = cs_catalog_public_list(c->cat, has_case ? cn.text : NULL, &rows)) != 0 ||
        (rc = keep_visible(c, rows, has_awaiting && awaiting[0] == '1')) != 0) {
        cs_api_fail_rc(c, rc, "listing public copies");
        goto out;
    }
    cs_api_answer_json(c, json_pack("{s:O}", "public", rows), 200);
out:
    json_decref(rows);
}
