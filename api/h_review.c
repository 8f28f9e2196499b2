/* api/h_review.c: a case's legal review over HTTP (issue 21): GET /v1/cases/{case}/reviews
 * lists its rounds, opinions and decisions (a read of the case: decided by the gate and
 * ledgered); POST /v1/cases/{case}/reviews/opinion files the signed opinion of a legal user,
 * allowed by access/review.h (its refusals ledgered) and signed with the key the operator
 * keeps for them (access/review_opinion.c), as `custody review show|opinion`. */
#include "api/api_int.h"

#include "access/review.h"
#include "api/admin.h"
#include "api/args.h"
#include "core/error.h"
#include "indexer/review.h"

#include <string.h>

void
cs_api_h_reviews(cs_api_call_t *c)
{
    cs_casenum_t cn;
    json_t *r = NULL;
    int rc;
    /* Decided (and its refusal ledgered) before the case is looked up. */
    if (cs_api_arg_case(c, c->params[0], &cn) != 0 ||
        cs_api_gate(c, CS_READ_LIST, NULL, cn.text, "review.show", NULL, NULL, 0, NULL) != 0)
        return;
    if ((rc = cs_catalog_reviews(c->cat, cn.text, &r)) != 0) {
        cs_api_fail_rc(c, rc, "the case's review");
        return;
    }
    cs_api_answer_json(c, r, 200);
}

/* The rule's refusal as the answer: its code, reason and Chinese text (already ledgered). */
static void
refused(cs_api_call_t *c, const cs_access_decision_t *dec)
{
    const char *slug = dec->status == 409   ? "conflict"
                       : dec->status == 404 ? "not-found"
                                            : "forbidden";
    c->deny = dec->deny;
    snprintf(c->detail_zh, sizeof c->detail_zh, "%s", dec->reason_zh); /* fits: same size */
    cs_api_fail_code(c, slug, cs_access_deny_code(dec->deny), dec->reason_zh, "%s", dec->reason);
}

void
cs_api_h_review_opinion(cs_api_call_t *c)
{
    static const char *const known[] = {"verdict", "findings", "proposals", NULL};
    cs_casenum_t cn;
    cs_review_state_t st;
    cs_access_decision_t dec;
    json_t *body = NULL, *proposals = NULL;
    const char *verdict = NULL;
    char hash[65], kid[65];
    int64_t seq = 0;
    int rc;
    if (cs_api_arg_case(c, c->params[0], &cn) != 0 || cs_api_admin_begin(c, 0, &body) != 0)
        return;
    if (cs_api_admin_only(c, body, known) != 0 ||
        cs_api_admin_str(c, body, "verdict", 1, &verdict) != 0)
        goto out;
    proposals = json_object_get(body, "proposals");
    proposals = proposals ? json_incref(proposals) : json_array();
    if ((rc = cs_review_check(verdict, json_object_get(body, "findings"), proposals)) != 0) {
        cs_api_fail_code(c, "bad-request", "bad-field", "审核意见不完整：每个审核要点都须给出结论",
                         "%s", cs_diag());
        goto out;
    }
    if ((rc = cs_access_review_decide(c->cat, &c->who, cn.text, CS_REVIEW_OPINION, c->client, &st,
                                      &dec, &seq)) != 0) {
        cs_api_fail_rc(c, rc, "the review rule");
        goto out;
    }
    if (!dec.allowed) {
        refused(c, &dec);
        goto out;
    }
    if ((rc = cs_review_file_opinion(c->cat, c->api->opts.home->root, &c->who, &st, verdict,
                                     json_object_get(body, "findings"), proposals, hash, kid)) !=
        0) {
        cs_api_fail_rc(c, rc, "the opinion");
        goto out;
    }
    cs_api_answer_json(c,
                       json_pack("{s:s, s:I, s:s, s:s, s:s}", "case", cn.text, "round",
                                 (json_int_t)st.round, "verdict", verdict, "opinion_sha256", hash,
                                 "key_id", kid),
                       201);
out:
    json_decref(proposals);
    json_decref(body);
}
