/* access/gate.c: the gate over the catalog (gate.h). */
#include "access/gate.h"

#include "core/buf.h"
#include "core/clock.h"
#include "core/error.h"
#include "indexer/dispose.h"
#include "indexer/derivatives.h"
#include "ledger/append.h"

#include <stdio.h>
#include <string.h>

cs_access_policy_t
cs_access_policy(const cs_config_t *cfg)
{
    cs_access_policy_t p = {.default_level = cfg->access_default_level,
                            .serve_state_secret = cfg->access_serve_state_secret,
                            .purpose_any = cfg->access_purpose_any};
    return p;
}

void
cs_access_who_user(cs_access_who_t *who, const cs_user_t *u, const char *name)
{
    memset(who, 0, sizeof *who);
    if (u != NULL) {
        who->id = u->id;
        who->role = cs_access_role(u->role);
        who->disabled = u->disabled;
        name = u->name;
    }
    /* A user's name fits (CS_NAME_MAX == CS_ACCESS_NAME_MAX); only a name asked for that is
     * longer than any user's can be cut, and it is then only the label of a refusal. */
    cs_snprintf_cut(who->name, sizeof who->name, "%s", name ? name : "");
}

void
cs_access_who_operator(cs_access_who_t *who, const char *os_user)
{
    memset(who, 0, sizeof *who);
    who->role = CS_ROLE_OPERATOR;
    /* An OS user's name is at most 32 bytes (useradd); a longer one is only a label. */
    cs_snprintf_cut(who->name, sizeof who->name, "%s", os_user ? os_user : "");
}

int
cs_access_load(cs_catalog_t *cat, const cs_access_policy_t *pol, const cs_access_who_t *who,
               const char *sha256, const char *case_number, const char *profile,
               cs_access_what_t *what)
{
    cs_grant_row_t rows[CS_ACCESS_GRANTS_MAX];
    char now[CS_TIME_MAX];
    int err;
    memset(what, 0, sizeof *what);
    what->sha256 = sha256;
    what->case_number = case_number;
    what->level = pol->default_level;
    if ((sha256 == NULL && case_number == NULL) || who->role == CS_ROLE_NONE)
        return 0;
    cs_clock_now(now);
    err = cs_catalog_access_rows(cat, who->id, sha256, case_number, now, &what->exists,
                                 &what->level, &what->brought_in, &what->unassigned, rows,
                                 CS_ACCESS_GRANTS_MAX, &what->ngrants);
    if (err != 0)
        return err;
    if (what->level < 0)
        what->level = pol->default_level;
    for (size_t i = 0; i < what->ngrants; i++) {
        what->grants[i].id = rows[i].id;
        what->grants[i].clearance = rows[i].clearance;
        what->grants[i].any_purpose = rows[i].any_purpose;
        _Static_assert(CS_SCOPE_METADATA == 0 && CS_SCOPE_EXPORT == 3,
                       "a grant's scope: one order in indexer/ (cs_grant_scope_rank) and access/");
        what->grants[i].scope = (cs_scope_t)rows[i].scope;
        what->grants[i].npurposes = rows[i].npurposes;
        _Static_assert(sizeof rows[i].purposes == sizeof what->grants[i].purposes,
                       "a grant's purposes: one bound in indexer/ and access/");
        memcpy(what->grants[i].purposes, rows[i].purposes, sizeof rows[i].purposes);
        /* fits: both are CS_CASENUM_MAX */
        snprintf(what->grants[i].case_number, sizeof what->grants[i].case_number, "%s",
                 rows[i].case_number);
    }
    if (sha256 != NULL && what->exists)
        err = cs_catalog_item_disposed(cat, sha256, &what->disposed, &what->disposed_seq);
    if (err == 0 && profile != NULL && sha256 != NULL && what->exists && !what->disposed)
        err = cs_catalog_copy_verified(cat, sha256, profile, &what->has_copy);
    return err;
}

int
cs_access_decide(cs_catalog_t *cat, const cs_access_policy_t *pol, const cs_access_who_t *who,
                 const char *sha256, const char *case_number, const cs_access_how_t *how,
                 cs_access_decision_t *dec, json_t **entry)
{
    cs_access_what_t what;
    int err;
    if (entry != NULL)
        *entry = NULL;
    memset(dec, 0, sizeof *dec);
    if ((err = cs_access_load(cat, pol, who, sha256, case_number, how->profile, &what)) != 0)
        return err;
    return cs_access_read(pol, who, &what, how, dec, entry);
}

int
cs_access_decide_synced(cs_catalog_t *cat, const cs_access_policy_t *pol,
                        const cs_access_who_t *who, const char *sha256, const char *case_number,
                        const cs_access_how_t *how, cs_access_decision_t *dec, int64_t *seq)
{
    json_t *e = NULL;
    int err = cs_access_decide(cat, pol, who, sha256, case_number, how, dec, &e);
    *seq = 0;
    /* Synced: the entry is durable before the caller sends a byte; if it cannot be written,
     * nothing is served. */
    if (err == 0 && e != NULL)
        err = cs_ledger_append(cat, e, seq);
    json_decref(e);
    if (err != 0)
        dec->allowed = 0;
    return err;
}
