/* access/review_gate.c: the separation rule (review.c) over the catalog's rows. */
#include "access/review.h"

#include "core/error.h"
#include "ledger/append.h"

#include <string.h>

int
cs_access_review_decide(cs_catalog_t *cat, const cs_access_who_t *who, const char *case_number,
                        cs_review_act_t act, const char *client, cs_review_state_t *st,
                        cs_access_decision_t *dec, int64_t *seq)
{
    cs_review_rows_t r;
    json_t *e = NULL;
    int err;
    *seq = 0;
    memset(dec, 0, sizeof *dec);
    memset(st, 0, sizeof *st);
    if ((err = cs_catalog_review_rows(cat, who->role == CS_ROLE_OPERATOR ? 0 : who->id, case_number,
                                      &r)) != 0)
        return err;
    st->case_number = case_number;
    st->exists = r.exists;
    st->brought_in = r.brought_in;
    st->officer = r.officer;
    st->round = r.round;
    st->round_id = r.round_id;
    st->opinion_id = r.opinion_id;
    memcpy(st->bag_sha256, r.bag_sha256, sizeof st->bag_sha256);
    st->has_opinion = r.opinion_id != 0;
    st->agree = r.agree;
    memcpy(st->judged, r.judged, sizeof st->judged);
    st->author_id = r.author_id;
    st->decided = r.decided;
    if ((err = cs_access_review(who, st, act, client, dec, &e)) == 0 && e != NULL)
        err = cs_ledger_append(cat, e, seq); /* durable before the refusal is answered */
    json_decref(e);
    if (err != 0)
        dec->allowed = 0;
    return err;
}
