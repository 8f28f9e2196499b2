/* access/dispose.h: who may decide a disposal (issue 22, part 3), decided here and nowhere
 * else, over plain structs like the gate (access.h):
 * - an enabled admin, named (the CLI's --as, the API's user), proposes a batch, approves one
 *   and cancels one; nobody else, not even the host's operator: four eyes need two names;
 * - the admin who proposed a batch never approves it (CS_DENY_OWN_PROPOSAL);
 * - carrying out an approved batch is no decision: the runner (`custody dispose run`, the
 *   service) only does what two admins decided, once the grace has passed.
 * Each refusal has a code, an English and a Chinese text, and a ledger entry built here,
 * appended (synced) by cs_access_dispose_decide before the refusal is answered. */
#ifndef CS_ACCESS_DISPOSE_H
#define CS_ACCESS_DISPOSE_H

#include "access/access.h"
#include "indexer/catalog.h"

#include <jansson.h>
#include <stdint.h>

typedef enum {
    CS_DISPOSE_PROPOSE, /* dispose.propose: a new batch */
    CS_DISPOSE_APPROVE, /* dispose.approve: the second admin */
    CS_DISPOSE_CANCEL,  /* dispose.cancel: within the grace */
} cs_dispose_act_t;

/** The ledger action of an act: "dispose.propose", "dispose.approve", "dispose.cancel". */
const char *cs_access_dispose_action(cs_dispose_act_t act);

/** Decides whether `who` may `act` on batch `batch` (0 for a proposal) proposed by user
 * `proposer_id` (0 for a proposal): 0 with dec filled. When refused and `entry` is not NULL,
 * *entry is the refusal's ledger entry ({"kind": "custody", "action", "actor", "role",
 * "disposal", "result": "denied", "code", "reason", "client"}; caller owns it). CS_ENOMEM. */
int cs_access_dispose(const cs_access_who_t *who, int64_t batch, int64_t proposer_id,
                      cs_dispose_act_t act, const char *client, cs_access_decision_t *dec,
                      json_t **entry);

/** cs_access_dispose over the catalog's rows of batch `batch` (CS_ENOTFOUND for none), its
 * refusal appended with a synced commit (*seq its number, -1 when allowed). */
int cs_access_dispose_decide(cs_catalog_t *cat, const cs_access_who_t *who, int64_t batch,
                             cs_dispose_act_t act, const char *client, cs_access_decision_t *dec,
                             int64_t *seq);

#endif
