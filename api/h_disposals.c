/* api/h_disposals.c: approved disposal over HTTP, as `custody dispose` (issue 22, part 3):
 * GET /v1/disposals (the plan, filtered by the gate, and the batches), GET /v1/disposals/{id},
 * POST /v1/disposals (propose), POST /v1/disposals/{id}/approve and .../cancel. Who may
 * decide is access/dispose.h's (its refusals ledgered, 403 with their code); whether an item
 * is due, indexer/retention.h's. Admins only (the route table). */
#include "api/admin.h"

#include "access/dispose.h"
#include "core/clock.h"
#include "core/error.h"
#include "indexer/dispose.h"
#include "indexer/retention.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PLAN_MAX 10000 /* items one answer plans */

static int
batch_id(cs_api_call_t *c, int64_t *id)
{
    char *e = NULL;
    errno = 0;
    long long n = strtoll(c->params[0], &e, 10);
    if (errno != 0 || e == c->params[0] || *e != '\0' || n <= 0)
        return cs_api_admin_bad_field(c, "id", "处置批次编号须为正整数",
                                      "a disposal batch's number (GET /v1/disposals)");
    *id = n;
    return 0;
}

/* Asks access/ whether the caller may `act` on batch `id`: 0 to go on; 1 with the refusal
 * (ledgered, 403 with its code and Chinese text) answered. */
static int
decide(cs_api_call_t *c, cs_dispose_act_t act, int64_t id)
{
    cs_access_decision_t dec;
    int64_t seq = -1;
    int rc = cs_access_dispose_decide(c->cat, &c->who, id, act, c->client, &dec, &seq);
    if (rc != 0) {
        cs_api_admin_fail_rc(c, rc, "deciding a disposal", "审批处置");
        return 1;
    }
    if (dec.allowed)
        return 0;
    cs_api_fail_code(c, "forbidden", cs_access_deny_code(dec.deny), dec.reason_zh,
                     "%s (ledger entry %lld)", dec.reason, (long long)seq);
    return 1;
}

void
cs_api_h_disposals(cs_api_call_t *c)
{
    json_t *plan = NULL, *keep = NULL, *batches = NULL, *r;
    size_t i;
    int rc;
    /* The plan is a list of records: one ledgered read, then what the caller may see. */
    if (cs_api_gate(c, CS_READ_LIST, NULL, NULL, "list", NULL, NULL, 0, NULL) != 0)
        return;
    if ((rc = cs_retention_plan(c->cat, c->api->opts.cfg, cs_clock_now_ms(), PLAN_MAX, &plan)) !=
            0 ||
        (keep = json_array()) == NULL) {
        cs_api_admin_fail_rc(c, rc ? rc : CS_ENOMEM, "planning disposals", "列出待处置记录");
        goto out;
    }
    json_array_foreach(plan, i, r)
    {
        int gone = 0;
        int64_t seq;
        if ((rc = cs_catalog_item_disposed(c->cat, json_string_value(json_object_get(r, "sha256")),
                                           &gone, &seq)) != 0)
            break;
        if (!gone)
            json_array_append(keep, r);
    }
    if (rc == 0)
        rc = cs_api_filter_visible(c, keep);
    if (rc == 0)
        rc = cs_catalog_disposals(c->cat, &batches);
    if (rc != 0) {
        cs_api_admin_fail_rc(c, rc, "listing disposals", "列出处置批次");
        goto out;
    }
    cs_api_answer_json(c,
                       json_pack("{s:O, s:O, s:i}", "plan", keep, "batches", batches, "grace_days",
                                 c->api->opts.cfg->retention_grace_days),
                       200);
out:
    json_decref(plan);
    json_decref(keep);
    json_decref(batches);
}

void
cs_api_h_disposal(cs_api_call_t *c)
{
    json_t *b = NULL;
    int64_t id;
    int rc;
    if (batch_id(c, &id) != 0)
        return;
    if ((rc = cs_catalog_disposal(c->cat, id, &b)) != 0) {
        cs_api_admin_fail_rc(c, rc, "reading a disposal batch", "读取处置批次");
        return;
    }
    cs_api_answer_json(c, b, 200);
}

void
cs_api_h_disposal_propose(cs_api_call_t *c)
{
    static const char *const known[] = {"items", "all_due", "reason", NULL};
    const char *reason, *shas[256];
    json_t *body, *items, *v;
    size_t n = 0, i;
    int64_t id = 0;
    int rc;
    if (cs_api_admin_begin(c, 0, &body) != 0)
        return;
    if (cs_api_admin_only(c, body, known) || cs_api_admin_str(c, body, "reason", 1, &reason))
        goto out;
    items = json_object_get(body, "items");
    int all = json_is_true(json_object_get(body, "all_due"));
    if ((items != NULL && !json_is_array(items)) || json_array_size(items) > 256 ||
        (json_array_size(items) > 0) == all) {
        cs_api_admin_bad_field(c, "items", "须列出记录的 sha256（至多 256 项），或 all_due 为 true",
                               "an array of up to 256 item hashes, or all_due: true, not both");
        goto out;
    }
    json_array_foreach(items, i, v)
    {
        if ((shas[n++] = json_string_value(v)) == NULL) {
            cs_api_admin_bad_field(c, "items", "每一项须为 sha256 文本", "item hashes (text)");
            goto out;
        }
    }
    if (decide(c, CS_DISPOSE_PROPOSE, 0) != 0)
        goto out;
    cs_diag_clear();
    if ((rc = cs_catalog_dispose_propose(c->cat, c->api->opts.cfg, c->user.name, shas, n, all,
                                         reason, cs_clock_now_ms(), &id)) != 0) {
        cs_api_admin_fail_rc(c, rc, "proposing a disposal", "提出处置");
        goto out;
    }
    if ((rc = cs_catalog_disposal(c->cat, id, &v)) != 0)
        cs_api_admin_fail_rc(c, rc, "reading a disposal batch", "读取处置批次");
    else
        cs_api_answer_json(c, v, 201);
out:
    json_decref(body);
}

/* POST /v1/disposals/{id}/approve and .../cancel. */
static void
step(cs_api_call_t *c, cs_dispose_act_t act)
{
    static const char *const known[] = {"reason", NULL};
    const char *reason;
    json_t *body, *b = NULL;
    int64_t id;
    int rc;
    if (batch_id(c, &id) != 0 || cs_api_admin_begin(c, act == CS_DISPOSE_APPROVE, &body) != 0)
        return;
    if (cs_api_admin_only(c, body, known) ||
        cs_api_admin_str(c, body, "reason", act == CS_DISPOSE_CANCEL, &reason) ||
        decide(c, act, id) != 0)
        goto out;
    cs_diag_clear();
    rc = act == CS_DISPOSE_APPROVE
             ? cs_catalog_dispose_approve(c->cat, id, c->user.name,
                                          c->api->opts.cfg->retention_grace_days, cs_clock_now_ms(),
                                          NULL)
             : cs_catalog_dispose_cancel(c->cat, id, c->user.name, reason, cs_clock_now_ms());
    if (rc == 0)
        rc = cs_catalog_disposal(c->cat, id, &b);
    if (rc != 0)
        cs_api_admin_fail_rc(
            c, rc, act == CS_DISPOSE_APPROVE ? "approving a disposal" : "cancelling a disposal",
            act == CS_DISPOSE_APPROVE ? "批准处置" : "撤销处置");
    else
        cs_api_answer_json(c, b, 200);
out:
    json_decref(body);
}

void
cs_api_h_disposal_approve(cs_api_call_t *c)
{
    step(c, CS_DISPOSE_APPROVE);
}

void
cs_api_h_disposal_cancel(cs_api_call_t *c)
{
    step(c, CS_DISPOSE_CANCEL);
}
