/* tests/access/access_rows.h: the hand-written table of test_access.c, key rows of the gate's
 * rules with their answers spelled out (the oracle there must agree with each). Included by
 * test_access.c only, after its combo_t and the names it uses. */
#ifndef CS_TESTS_ACCESS_ROWS_H
#define CS_TESTS_ACCESS_ROWS_H

typedef struct row {
    const char *name;
    combo_t c;
    int allowed;
    cs_deny_t deny;
    int status;
    int ledgered;
    int personal; /* a case record's ID numbers shown (CS_READ_CASE) */
} row_t;

#define OK(ledgered) 1, CS_DENY_NONE, 200, ledgered, 0
#define NO(why, status) 0, CS_DENY_##why, status, 1, 0
#define REV CS_ROLE_REVIEWER
#define ADM CS_ROLE_ADMIN
#define CLK CS_ROLE_CLERK
#define AUD CS_ROLE_AUDITOR
#define OPR CS_ROLE_OPERATOR
#define CLI .channel = CS_CHANNEL_CLI
#define URL .channel = CS_CHANNEL_MEDIA_URL
#define AS(r, g, lv, k) .role = r, .grant = g, .level = lv, .kind = k
#define OUT .purpose = P_OUTSIDE
#define PADDED .purpose = P_PADDED
#define SCOPE NO(PURPOSE_OUT_OF_SCOPE, 403)
#define ID_SHOWN 1, CS_DENY_NONE, 200, 1, 1

static const row_t rows[] = {
    {"unknown user", {.role = CS_ROLE_NONE, .kind = K_META}, NO(UNKNOWN_USER, 403)},
    {"unknown user, ledger", {.role = CS_ROLE_NONE, .kind = K_LEDGER}, NO(UNKNOWN_USER, 403)},
    {"unknown user, no purpose", {.purpose = P_NULL, .kind = K_META}, NO(UNKNOWN_USER, 403)},
    {"disabled admin with a grant", {AS(ADM, G_LIVE, 1, K_META), .disabled = 1}, NO(DISABLED, 403)},
    {"disabled auditor, ledger", {.role = AUD, .disabled = 1, .kind = K_LEDGER}, NO(DISABLED, 403)},
    {"disabled operator", {.role = OPR, .disabled = 1, .kind = K_ORIG, CLI}, NO(DISABLED, 403)},
    {"reviewer, no purpose", {AS(REV, G_LIVE, 2, K_META), .purpose = P_NULL}, NO(NO_PURPOSE, 400)},
    {"rev, empty purpose", {AS(REV, G_LIVE, 2, K_META), .purpose = P_EMPTY}, NO(NO_PURPOSE, 400)},
    {"reviewer, live grant", {AS(REV, G_LIVE, 2, K_META)}, OK(1)},
    {"reviewer, no grant", {AS(REV, G_NONE, 2, K_META)}, NO(NO_GRANT, 403)},
    {"reviewer, expired grant = none", {AS(REV, G_EXPIRED, 0, K_META)}, NO(NO_GRANT, 403)},
    {"reviewer, revoked grant = none", {AS(REV, G_REVOKED, 0, K_ORIG)}, NO(NO_GRANT, 403)},
    {"rev, other party's grant", {AS(REV, G_OTHER_PARTY, 1, K_META)}, NO(NO_GRANT, 403)},
    {"reviewer, clearance too low", {AS(REV, G_LOW, 3, K_META)}, NO(CLEARANCE, 403)},
    {"rev, grant, no such item", {AS(REV, G_LIVE, 1, K_META), .absent = 1}, NO(NO_GRANT, 403)},
    {"reviewer, state_secret bytes over http", {AS(REV, G_LIVE, 4, K_ORIG)}, NO(STATE_SECRET, 403)},
    {"reviewer, state_secret served by policy", {AS(REV, G_LIVE, 4, K_ORIG), .serve = 1}, OK(1)},
    {"reviewer, state_secret bytes on the host", {AS(REV, G_LIVE, 4, K_ORIG), CLI}, OK(1)},
    {"reviewer, state_secret metadata", {AS(REV, G_LIVE, 4, K_META)}, OK(1)},
    {"rev, unclassified", {AS(REV, G_LOW, LV_DEFAULT, K_META)}, NO(CLEARANCE, 403)},
    {"reviewer, no verified copy", {AS(REV, G_LIVE, 1, K_DERIV)}, NO(NO_COPY, 404)},
    {"reviewer, no copy, no grant", {AS(REV, G_NONE, 1, K_DERIV)}, NO(NO_GRANT, 403)},
    {"reviewer, copy via media url", {AS(REV, G_LIVE, 2, K_DERIV), URL, .has_copy = 1}, OK(1)},
    {"reviewer, relink", {AS(REV, G_LIVE, 1, K_RELINK)}, NO(ROLE, 403)},
    {"reviewer, queue", {.role = REV, .kind = K_QUEUE}, NO(ROLE, 403)},
    {"reviewer, ledger", {.role = REV, .grant = G_LIVE, .kind = K_LEDGER}, NO(ROLE, 403)},
    {"reviewer, list without case", {AS(REV, G_NONE, 0, K_LIST)}, OK(1)},
    {"reviewer, list case, no grant", {AS(REV, G_NONE, 0, K_LIST_CASE)}, NO(NO_GRANT, 403)},
    {"reviewer, list case, low grant", {AS(REV, G_LOW, 3, K_LIST_CASE)}, OK(1)},
    {"rev, export case", {AS(REV, G_LIVE, 0, K_EXPORT_CASE), .members = 3, .readable = 2}, OK(1)},
    {"rev, export none readable",
     {AS(REV, G_LIVE, 0, K_EXPORT_CASE), .members = 3, .readable = 0},
     NO(NO_GRANT, 403)},
    {"reviewer, mint", {AS(REV, G_LIVE, 1, K_MINT)}, OK(0)},
    {"reviewer, mint, no grant", {AS(REV, G_NONE, 1, K_MINT)}, NO(NO_GRANT, 403)},
    {"reviewer, mint state_secret", {AS(REV, G_LIVE, 4, K_MINT)}, NO(STATE_SECRET, 403)},
    /* A URL is "decided as its fetch" (access.h), which comes over the network: state_secret
     * is refused whatever channel mints it (rules.c at 9917eef allowed it on the CLI). */
    {"rev, mint secret on cli", {AS(REV, G_LIVE, 4, K_MINT), CLI}, NO(STATE_SECRET, 403)},
    {"reviewer, mint copy missing", {AS(REV, G_LIVE, 1, K_MINT_DERIV)}, NO(NO_COPY, 404)},
    {"admin, ledger without purpose", {.role = ADM, .kind = K_LEDGER, .purpose = P_NULL}, OK(0)},
    {"admin, queue", {.role = ADM, .kind = K_QUEUE}, OK(0)},
    {"admin, relink with grant", {AS(ADM, G_LIVE, 3, K_RELINK)}, OK(1)},
    {"admin, relink without grant", {AS(ADM, G_NONE, 3, K_RELINK)}, NO(NO_GRANT, 403)},
    {"admin, original, low grant", {AS(ADM, G_LOW, 1, K_ORIG)}, NO(CLEARANCE, 403)},
    {"clerk, own item, any level", {AS(CLK, G_NONE, 4, K_ORIG), CLI, .brought_in = 1}, OK(1)},
    {"clerk, not theirs", {AS(CLK, G_NONE, 0, K_META)}, NO(NOT_YOURS, 403)},
    {"clerk, unassigned", {AS(CLK, G_NONE, 3, K_META), .unassigned = 1}, OK(1)},
    {"clerk, no such item", {AS(CLK, G_NONE, 0, K_META), .absent = 1}, NO(NOT_YOURS, 403)},
    {"clerk, a grant does not count", {AS(CLK, G_LIVE, 0, K_META)}, NO(NOT_YOURS, 403)},
    {"clerk, ledger", {.role = CLK, .kind = K_LEDGER}, NO(ROLE, 403)},
    {"clerk, queue", {.role = CLK, .kind = K_QUEUE}, OK(0)},
    {"clerk, list own case", {AS(CLK, G_NONE, 0, K_LIST_CASE), .brought_in = 1}, OK(1)},
    {"clerk, list other case", {AS(CLK, G_NONE, 0, K_LIST_CASE)}, NO(NOT_YOURS, 403)},
    {"clerk, relink unassigned", {AS(CLK, G_NONE, 2, K_RELINK), .unassigned = 1}, OK(1)},
    {"clerk, export secret, cli",
     {AS(CLK, G_NONE, 4, K_EXPORT_ITEM), CLI, .brought_in = 1},
     NO(STATE_SECRET, 403)},
    {"auditor, state_secret metadata", {AS(AUD, G_NONE, 4, K_META)}, OK(1)},
    {"auditor, original", {AS(AUD, G_NONE, 0, K_ORIG)}, NO(ROLE, 403)},
    {"auditor, export case", {AS(AUD, G_NONE, 0, K_EXPORT_CASE)}, NO(ROLE, 403)},
    {"auditor, mint", {AS(AUD, G_NONE, 0, K_MINT)}, NO(ROLE, 403)},
    {"auditor, no such item", {AS(AUD, G_NONE, 0, K_META), .absent = 1}, NO(NOT_FOUND, 404)},
    {"auditor, no such case", {AS(AUD, G_NONE, 0, K_LIST_CASE), .absent = 1}, NO(NOT_FOUND, 404)},
    {"auditor, ledger", {.role = AUD, .kind = K_LEDGER}, OK(0)},
    {"auditor, queue", {.role = AUD, .kind = K_QUEUE}, OK(0)},
    {"operator, state_secret on the host", {AS(OPR, G_NONE, 4, K_ORIG), CLI}, OK(1)},
    {"operator, export secret", {AS(OPR, G_NONE, 4, K_EXPORT_ITEM), CLI}, NO(STATE_SECRET, 403)},
    {"operator, no such item", {AS(OPR, G_NONE, 0, K_ORIG), CLI, .absent = 1}, NO(NOT_FOUND, 404)},
    {"operator, no purpose",
     {AS(OPR, G_NONE, 0, K_META), CLI, .purpose = P_NULL},
     NO(NO_PURPOSE, 400)},
    {"operator, relink", {AS(OPR, G_NONE, 0, K_RELINK), CLI}, OK(1)},
    {"rev, purpose trimmed, any case", {AS(REV, G_LIVE, 2, K_ORIG), CLI, PADDED}, OK(1)},
    {"rev, purpose not in list", {AS(REV, G_LIVE, 2, K_META), OUT}, SCOPE},
    {"rev, outside, low grant", {AS(REV, G_LOW, 3, K_META), OUT}, SCOPE},
    {"rev, outside, no grant", {AS(REV, G_NONE, 1, K_META), OUT}, NO(NO_GRANT, 403)},
    {"rev, list case, outside", {AS(REV, G_LIVE, 0, K_LIST_CASE), OUT}, SCOPE},
    {"rev, list, outside", {AS(REV, G_NONE, 0, K_LIST), OUT}, OK(1)},
    {"admin, mint, outside", {AS(ADM, G_LIVE, 1, K_MINT), OUT}, SCOPE},
    {"rev, grant for any purpose",
     {AS(REV, G_LIVE, 2, K_ORIG), CLI, .purpose = P_ANY_GRANT},
     OK(1)},
    {"rev, purpose_match any", {AS(REV, G_LIVE, 2, K_META), .purpose = P_ANY_MODE}, OK(1)},
    {"clerk, own item, outside", {AS(CLK, G_NONE, 1, K_META), .brought_in = 1, OUT}, OK(1)},
    /* A case's record: read as the case is listed; the ID numbers (privacy) only to some. */
    {"rev, case record, privacy grant", {AS(REV, G_LIVE, 2, K_CASE)}, ID_SHOWN},
    {"rev, case record, internal grant: no ID", {AS(REV, G_LIVE, 1, K_CASE)}, OK(1)},
    {"rev, case record, low grant: no ID", {AS(REV, G_LOW, 2, K_CASE)}, OK(1)},
    {"rev, case record, no grant", {AS(REV, G_NONE, 2, K_CASE)}, NO(NO_GRANT, 403)},
    {"rev, case record, outside", {AS(REV, G_LIVE, 2, K_CASE), OUT}, SCOPE},
    {"admin, case record, secret grant", {AS(ADM, G_LIVE, 4, K_CASE)}, ID_SHOWN},
    {"clerk, own case record", {AS(CLK, G_NONE, 0, K_CASE), .brought_in = 1}, ID_SHOWN},
    {"clerk, other case record", {AS(CLK, G_NONE, 0, K_CASE)}, NO(NOT_YOURS, 403)},
    {"auditor, case record: no ID", {AS(AUD, G_NONE, 4, K_CASE)}, OK(1)},
    {"operator, case record", {AS(OPR, G_NONE, 0, K_CASE), CLI}, ID_SHOWN},
    {"operator, no such case record",
     {AS(OPR, G_NONE, 0, K_CASE), CLI, .absent = 1},
     NO(NOT_FOUND, 404)},
};
#define NROWS ((int)(sizeof rows / sizeof rows[0]))

#endif
