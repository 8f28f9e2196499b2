/* access/gate.h: the gate over the catalog: the rows a decision needs loaded through indexer/,
 * then cs_access_read, and (for the CLI and exports) its entry appended with a synced commit
 * before the caller serves anything. The API appends through its group-commit appender. */
#ifndef CS_ACCESS_GATE_H
#define CS_ACCESS_GATE_H

#include "access/access.h"
#include "core/config.h"
#include "indexer/access.h"
#include "indexer/catalog.h"

/** The policy of `cfg` (access.default_classification, access.serve_state_secret). */
cs_access_policy_t cs_access_policy(const cs_config_t *cfg);

/** `who` for Custody user `u` (NULL: no user of the name `name`: refused). */
void cs_access_who_user(cs_access_who_t *who, const cs_user_t *u, const char *name);

/** `who` for the home's operator (the CLI without --as), recorded as OS user `os_user`. */
void cs_access_who_operator(cs_access_who_t *who, const char *os_user);

/** Loads into *what (which keeps the pointers sha256 and case_number) the rows the gate needs
 * of item `sha256` (or, when NULL, of case `case_number`; of nothing when both are NULL) for
 * `who`: existence, classification (the policy's default when none), what they brought in,
 * their covering live grants and, with `profile`, whether a verified copy of it exists. */
int cs_access_load(cs_catalog_t *cat, const cs_access_policy_t *pol, const cs_access_who_t *who,
                   const char *sha256, const char *case_number, const char *profile,
                   cs_access_what_t *what);

/** Loads what the gate needs of item `sha256` (or, when NULL, of case `case_number`, or of
 * nothing when both are NULL) for `who`, and decides `how`: 0 with dec set and, when `entry`
 * is not NULL, *entry the entry to append (NULL when not ledgered; caller owns it). A CS_E*
 * code when the rows could not be read. */
int cs_access_decide(cs_catalog_t *cat, const cs_access_policy_t *pol, const cs_access_who_t *who,
                     const char *sha256, const char *case_number, const cs_access_how_t *how,
                     cs_access_decision_t *dec, json_t **entry);

/** cs_access_decide, then its entry appended with a synced commit (*seq its number, 0 when
 * not ledgered): durable before the caller serves a byte. A CS_E* code when it could not be
 * decided or ledgered: dec->allowed is then 0 and nothing may be served. */
int cs_access_decide_synced(cs_catalog_t *cat, const cs_access_policy_t *pol,
                            const cs_access_who_t *who, const char *sha256, const char *case_number,
                            const cs_access_how_t *how, cs_access_decision_t *dec, int64_t *seq);

#endif
