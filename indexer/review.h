/* indexer/review.h: the rows of the legal review (法制审核): each legal user's public key, a
 * case's review rounds (frozen submissions), the signed opinion filed on a round, and the
 * decisions recorded on an agreed round. Every write is write-once and ledgered in its own
 * transaction. Who may write them is access/review.h's to decide. */
#ifndef CS_INDEXER_REVIEW_H
#define CS_INDEXER_REVIEW_H

#include "indexer/catalog.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/** What the separation rule weighs of case `case_number` for user `user_id` (0: nobody). */
typedef struct cs_review_rows {
    int exists;          /* the case is in the catalog */
    int brought_in;      /* the user brought an item of the case in (an arrival routed to it, or
                          * an item actively linked to it) */
    int officer;         /* the user is registered as an officer of the case */
    int64_t round;       /* the latest round; 0: none */
    int64_t round_id;    /* its row */
    char bag_sha256[65]; /* its submission */
    int64_t opinion_id;  /* its opinion's row; 0: none */
    int agree;           /* the opinion's verdict is agree */
    char judged[65];     /* the submission the opinion judged */
    int64_t author_id;   /* its author */
    int decided;         /* a decision rests on that opinion */
} cs_review_rows_t;

/** Loads *r for user `user_id` and case `case_number` (normalised). */
int cs_catalog_review_rows(cs_catalog_t *cat, int64_t user_id, const char *case_number,
                           cs_review_rows_t *r);

/** Records round (latest + 1, into *round) of case `case_number`: the bag `bag_sha256` (a stored
 * object), the items it holds (`items`, a borrowed array of their hashes) and `note`, ledgered
 * as "review.submit" by `by`. */
int cs_catalog_review_submit(cs_catalog_t *cat, const char *case_number, const char *bag_sha256,
                             json_t *items, const char *note, const char *by, int64_t *round);

/** Files the opinion of round row `round_id` by user `author_id`: `opinion` the exact signed
 * bytes (canonical JSON: its "case", "round", "verdict" are recorded), its SHA-256, the
 * signature in hex and the signer's key id; ledgered as "review.opinion" by `by`. CS_EEXIST
 * when the round has its opinion already. */
int cs_catalog_review_opinion(cs_catalog_t *cat, int64_t round_id, int64_t author_id,
                              const char *opinion, const char *opinion_sha256, const char *sig_hex,
                              const char *key_id, const char *by);

/** Records the decision of case `case_number` resting on opinion row `opinion_id`: its `kind`
 * and the stored item `sha256` of its document, ledgered as "case.decided" by `by`; then the
 * case's record follows: status decided (cs_catalog_case_advance) and, when `on` (the site's
 * date, YYYY-MM-DD) is given, its decided date. */
int cs_catalog_decision_add(cs_catalog_t *cat, const char *case_number, int64_t opinion_id,
                            const char *kind, const char *sha256, const char *by, const char *on);

/** Keeps user `name`'s public key (PEM) and its id, ledgered as "user.key" by `by`. */
int cs_catalog_user_key_add(cs_catalog_t *cat, const char *name, const char *pem,
                            const char *key_id, const char *by);

/** User `user_id`'s public key PEM (cap bytes) and id; CS_ENOTFOUND when they have none. */
int cs_catalog_user_key(cs_catalog_t *cat, int64_t user_id, char *pem, size_t cap, char key_id[65]);

/** *out = {"case", "rounds": [{round, bag_sha256, items, note, submitted_by, submitted_at,
 * opinion: {author, verdict, opinion (the signed text), opinion_sha256, signature, key_id,
 * public_key, filed_at} | null}], "decisions": [{kind, sha256, round, decided_by,
 * decided_at}]}, oldest first. CS_ENOTFOUND for no such case. */
int cs_catalog_reviews(cs_catalog_t *cat, const char *case_number, json_t **out);

#endif
