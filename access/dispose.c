/* access/dispose.c: who may propose, approve and cancel a disposal batch (dispose.h). */
#include "access/dispose.h"

#include "core/buf.h"
#include "core/error.h"
#include "indexer/dispose.h"
#include "ledger/append.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *
cs_access_dispose_action(cs_dispose_act_t act)
{
    return act == CS_DISPOSE_PROPOSE   ? "dispose.propose"
           : act == CS_DISPOSE_APPROVE ? "dispose.approve"
                                       : "dispose.cancel";
}

int
cs_access_dispose(const cs_access_who_t *who, int64_t batch, int64_t proposer_id,
                  cs_dispose_act_t act, const char *client, cs_access_decision_t *dec,
                  json_t **entry)
{
    memset(dec, 0, sizeof *dec);
    if (entry != NULL)
        *entry = NULL;
    if (who->role == CS_ROLE_NONE)
        cs_access_refuse(dec, CS_DENY_UNKNOWN_USER, "no Custody user named %s", who->name);
    else if (who->disabled)
        cs_access_refuse(dec, CS_DENY_DISABLED, "user %s is disabled", who->name);
    else if (who->role != CS_ROLE_ADMIN)
        cs_access_refuse(
            dec, CS_DENY_ROLE,
            "only a named admin (--as ADMIN) proposes, approves or cancels a disposal; %s is "
            "%s",
            who->name, cs_access_role_name(who->role));
    else if (act == CS_DISPOSE_APPROVE && who->id == proposer_id)
        cs_access_refuse(dec, CS_DENY_OWN_PROPOSAL,
                         "%s proposed disposal batch %lld: another admin approves it (four eyes)",
                         who->name, (long long)batch);
    else
        dec->allowed = 1;
    if (dec->allowed) {
        dec->status = 200;
        return 0;
    }
    if (entry == NULL)
        return 0;
    *entry = json_pack("{s:s, s:s, s:s, s:s?, s:I, s:s, s:s, s:s, s:s}", "kind", "custody",
                       "action", cs_access_dispose_action(act), "actor", who->name, "role",
                       cs_access_role_name(who->role), "disposal", (json_int_t)batch, "result",
                       "denied", "code", cs_access_deny_code(dec->deny), "reason", dec->reason,
                       "client", client ? client : "");
    if (*entry == NULL) {
        cs_diag_set("out of memory recording a refusal");
        return CS_ENOMEM;
    }
    return 0;
}

int
cs_access_dispose_decide(cs_catalog_t *cat, const cs_access_who_t *who, int64_t batch,
                         cs_dispose_act_t act, const char *client, cs_access_decision_t *dec,
                         int64_t *seq)
{
    cs_disposal_row_t r = {0};
    json_t *e = NULL;
    int err = 0;
    *seq = -1;
    memset(dec, 0, sizeof *dec);
    if (act != CS_DISPOSE_PROPOSE && (err = cs_catalog_disposal_row(cat, batch, &r)) != 0)
        return err;
    if ((err = cs_access_dispose(who, batch, r.proposer_id, act, client, dec, &e)) == 0 &&
        e != NULL)
        err = cs_ledger_append(cat, e, seq); /* durable before the refusal is answered */
    json_decref(e);
    if (err != 0)
        dec->allowed = 0;
    return err;
}
