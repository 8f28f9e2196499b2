/* tools/review.h: what `custody review`, `custody case decide` and `custody user add --role
 * legal` share: the separation rule asked and its refusal printed, and where a legal user's
 * signing key lives. */
#ifndef CS_TOOLS_REVIEW_H
#define CS_TOOLS_REVIEW_H

#include "access/review.h"
#include "tools/cli.h"

/** <home>/keys/<name>.pem into buf: the private key of legal user `name`, kept by the
 * operator (0600). CS_EINVAL for a name that is no file name. */
int cs_cli_review_key_path(cs_cli_t *cli, const char *name, char *buf, size_t size);

/** Asks access/review.h whether the reader (--as, or the operator) may `act` on the case; a
 * refusal is ledgered and printed, and *code is then its exit status (1). Returns a CS_E*
 * code when it could not be decided. */
int cs_cli_review_gate(cs_cli_t *cli, const char *case_number, cs_review_act_t act,
                       cs_access_who_t *who, cs_review_state_t *st, int *code);

/** Prints a refusal (its code, reason, Chinese text, ledger entry); returns CS_EXIT_CHECK. */
int cs_cli_review_refused(cs_cli_t *cli, const cs_access_decision_t *dec, int64_t seq);

#endif
