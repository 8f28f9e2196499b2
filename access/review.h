/* access/review.h: the legal review's separation of duties (办、审、定分离), decided here and
 * nowhere else, over plain structs like the gate (access.h):
 * - a review round is submitted by a clerk, an admin or the operator;
 * - an opinion is filed by a user of the `legal` role only, never by one who brought any of
 *   the case's evidence in (by Custody identity: item_sources.received_user_id) nor by an
 *   officer registered on the case, and only on a round that has no opinion yet;
 * - a decision is recorded by a clerk, an admin or the operator, never by the author of the
 *   opinion it rests on, and only when the latest round's opinion agrees and judged the
 *   latest submission (未经法制审核或者审核未通过的，不得作出决定).
 * Each refusal has a code, an English and a Chinese text, and a ledger entry built here. */
#ifndef CS_ACCESS_REVIEW_H
#define CS_ACCESS_REVIEW_H

#include "access/access.h"
#include "indexer/catalog.h"
#include "indexer/review.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    CS_REVIEW_SUBMIT,  /* `review submit`: a new round */
    CS_REVIEW_OPINION, /* `review opinion`: the legal section's written opinion */
    CS_REVIEW_DECIDE,  /* `case decide`: the decision */
} cs_review_act_t;

/** What the rule weighs of a case, for the user asking (indexer/review.h loads it). */
typedef struct cs_review_state {
    int64_t round_id;   /* the latest round's row (0: none) */
    int64_t opinion_id; /* its opinion's row (0: none) */
    const char *case_number;
    int exists;          /* the case is in the catalog */
    int brought_in;      /* the user brought an item of the case in */
    int officer;         /* the user is registered as an officer of the case */
    int64_t round;       /* the latest round's number; 0: none yet */
    char bag_sha256[65]; /* the latest round's submission */
    int has_opinion;     /* the latest round has an opinion */
    int agree;           /* ... whose verdict is agree */
    char judged[65];     /* the submission that opinion judged */
    int64_t author_id;   /* its author (a user id) */
    int decided;         /* a decision rests on that opinion already */
} cs_review_state_t;

/** Decides whether `who` may `act` on the case of `st`: 0 with dec filled (allowed, or the
 * refusal's deny, status, reason and reason_zh). When refused and `entry` is not NULL, *entry
 * is the refusal's ledger entry ({"kind": "review", "action", "actor", "role", "case",
 * "result": "denied", "code", "reason", "client"}; caller owns it, to be appended before the
 * answer); NULL when allowed (the write that follows is its own entry). CS_ENOMEM. */
int cs_access_review(const cs_access_who_t *who, const cs_review_state_t *st, cs_review_act_t act,
                     const char *client, cs_access_decision_t *dec, json_t **entry);

/** The ledger action of an act: "review.submit", "review.opinion", "case.decide". */
const char *cs_access_review_action(cs_review_act_t act);

#define CS_REVIEW_NPOINTS 8
/** The points of review, in the plan's order: subject (执法主体), jurisdiction (管辖权限),
 * qualification (执法人员资格), facts (事实证据), law (法律适用), procedure (程序), documents
 * (文书), referral (是否涉嫌犯罪需移送). */
extern const char *const cs_review_points[CS_REVIEW_NPOINTS];

/** <home_root>/keys/<name>.pem into buf: legal user `name`'s private key, kept by the operator
 * (0600). CS_EINVAL for a name that is no file name. */
int cs_review_key_path(const char *home_root, const char *name, char *buf, size_t size);

/** 0 when an opinion's parts are whole: verdict agree|problems; findings an object with exactly
 * the points of review, each {"result": ok|problem|na[, "text": TEXT]}; proposals an array of
 * texts, at least one for "problems". CS_EINVAL with the detail naming what is wrong. */
int cs_review_check(const char *verdict, const json_t *findings, const json_t *proposals);

/** Files `who`'s opinion on the latest round of `st` (allowed by cs_access_review first): the
 * canonical JSON {author, case, findings, proposals, round, submission, time, verdict} signed
 * with <home_root>/keys/<who>.pem, checked against the catalog's public key of `who`, stored
 * write-once and ledgered ("review.opinion"). hash gets the opinion's SHA-256, key_id the key.
 * findings and proposals are borrowed. CS_EINVAL (cs_review_check), CS_EMISMATCH for a key
 * that is not the catalog's, CS_EEXIST when the round has its opinion. */
int cs_review_file_opinion(cs_catalog_t *cat, const char *home_root, const cs_access_who_t *who,
                           const cs_review_state_t *st, const char *verdict, json_t *findings,
                           json_t *proposals, char hash[65], char key_id[65]);

/** The rule over the catalog: loads what it weighs of case `case_number` for `who`
 * (indexer/review.h) into *st, decides `act`, and appends a refusal's entry with a synced
 * commit (*seq its number; 0 when allowed) before returning. 0 with dec set; a CS_E* code
 * when the rows could not be read or the refusal not ledgered (dec->allowed is then 0). */
int cs_access_review_decide(cs_catalog_t *cat, const cs_access_who_t *who, const char *case_number,
                            cs_review_act_t act, const char *client, cs_review_state_t *st,
                            cs_access_decision_t *dec, int64_t *seq);

#endif
