/* access/review.c: the legal review's separation of duties (review.h). */
#include "access/review.h"

#include "core/buf.h"
#include "core/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Those who handle a case (办): they submit it and record its decision. */
static int
handles(cs_role_t r)
{
    return r == CS_ROLE_CLERK || r == CS_ROLE_ADMIN || r == CS_ROLE_OPERATOR;
}

static void
decide_opinion(const cs_access_who_t *w, const cs_review_state_t *s, cs_access_decision_t *d)
{
    if (w->role != CS_ROLE_LEGAL)
        return cs_access_refuse(d, CS_DENY_ROLE,
                                "only the legal section (role legal) files opinions; %s is %s",
                                w->name, cs_access_role_name(w->role));
    /* Checked before the round: handling and reviewing stay apart whatever the round. */
    if (s->brought_in)
        return cs_access_refuse(
            d, CS_DENY_OWN_EVIDENCE,
            "%s brought evidence of case %s in, and so files no legal opinion on it", w->name,
            s->case_number);
    if (s->officer)
        return cs_access_refuse(d, CS_DENY_CASE_OFFICER,
                                "%s is an officer of case %s, and so files no legal opinion on it",
                                w->name, s->case_number);
    if (s->round == 0)
        return cs_access_refuse(d, CS_DENY_NO_SUBMISSION,
                                "case %s was never submitted for review (custody review submit)",
                                s->case_number);
    if (s->has_opinion)
        return cs_access_refuse(
            d, CS_DENY_NO_SUBMISSION,
            "round %lld of case %s has its opinion already; a new submission starts "
            "the next round",
            (long long)s->round, s->case_number);
    d->allowed = 1;
}

static void
decide_decision(const cs_access_who_t *w, const cs_review_state_t *s, cs_access_decision_t *d)
{
    if (s->has_opinion && w->id != 0 && w->id == s->author_id)
        return cs_access_refuse(
            d, CS_DENY_OPINION_AUTHOR,
            "%s wrote the legal opinion of round %lld, and so records no decision on "
            "case %s",
            w->name, (long long)s->round, s->case_number);
    if (!handles(w->role))
        return cs_access_refuse(d, CS_DENY_ROLE,
                                "only clerks and admins record decisions; %s is %s", w->name,
                                cs_access_role_name(w->role));
    if (s->round == 0)
        return cs_access_refuse(
            d, CS_DENY_NOT_REVIEWED,
            "case %s was never submitted for legal review: no decision without it "
            "(custody review submit)",
            s->case_number);
    if (!s->has_opinion)
        return cs_access_refuse(
            d, CS_DENY_NOT_REVIEWED,
            "round %lld of case %s has no legal opinion yet: no decision without it",
            (long long)s->round, s->case_number);
    if (!s->agree)
        return cs_access_refuse(
            d, CS_DENY_NOT_REVIEWED,
            "the legal opinion of round %lld of case %s found problems: correct them "
            "and submit again (custody review show)",
            (long long)s->round, s->case_number);
    if (strcmp(s->judged, s->bag_sha256) != 0)
        return cs_access_refuse(
            d, CS_DENY_NOT_REVIEWED,
            "the agreed opinion judged submission %.12s, not the latest one (%.12s) of "
            "case %s",
            s->judged, s->bag_sha256, s->case_number);
    if (s->decided)
        return cs_access_refuse(
            d, CS_DENY_DECIDED,
            "round %lld of case %s has its decision already: another decision needs a "
            "new submission and review",
            (long long)s->round, s->case_number);
    d->allowed = 1;
}

const char *
cs_access_review_action(cs_review_act_t act)
{
    return act == CS_REVIEW_SUBMIT    ? "review.submit"
           : act == CS_REVIEW_OPINION ? "review.opinion"
                                      : "case.decide";
}

int
cs_access_review(const cs_access_who_t *who, const cs_review_state_t *st, cs_review_act_t act,
                 const char *client, cs_access_decision_t *dec, json_t **entry)
{
    memset(dec, 0, sizeof *dec);
    if (entry != NULL)
        *entry = NULL;
    if (st->case_number != NULL)
        (void)cs_snprintf(dec->case_number, sizeof dec->case_number, "%s", st->case_number);
    if (who->role == CS_ROLE_NONE)
        cs_access_refuse(dec, CS_DENY_UNKNOWN_USER, "no Custody user named %s", who->name);
    else if (who->disabled)
        cs_access_refuse(dec, CS_DENY_DISABLED, "user %s is disabled", who->name);
    else if (!st->exists)
        cs_access_refuse(dec, CS_DENY_NOT_FOUND, "no case %s",
                         st->case_number ? st->case_number : "");
    else if (act == CS_REVIEW_SUBMIT && !handles(who->role))
        cs_access_refuse(dec, CS_DENY_ROLE,
                         "only clerks and admins submit a case for review; %s is %s", who->name,
                         cs_access_role_name(who->role));
    else if (act == CS_REVIEW_SUBMIT)
        dec->allowed = 1;
    else if (act == CS_REVIEW_OPINION)
        decide_opinion(who, st, dec);
    else
        decide_decision(who, st, dec);
    if (dec->allowed) {
        dec->status = 200;
        return 0;
    }
    if (entry == NULL)
        return 0;
    *entry = json_pack(
        "{s:s, s:s, s:s, s:s?, s:s?, s:s, s:s?, s:s, s:s}", "kind", "review", "action",
        cs_access_review_action(act), "actor", who->name, "role", cs_access_role_name(who->role),
        "case", dec->case_number[0] ? dec->case_number : NULL, "result", "denied", "code",
        cs_access_deny_code(dec->deny), "reason", dec->reason, "client", client ? client : "");
    if (*entry == NULL) {
        cs_diag_set("out of memory recording a refusal");
        return CS_ENOMEM;
    }
    return 0;
}
