/* indexer/access.h: the rows behind access control: users (a hash of each token, never the
 * token), grants (who may read which case, for what purpose, until when, up to which
 * classification) and classifications of items. Each change is a ledger entry in the same
 * transaction. The rules themselves are ledger/access.h's. */
#ifndef CS_INDEXER_ACCESS_H
#define CS_INDEXER_ACCESS_H

#include "indexer/catalog.h"

#include <jansson.h>
#include <stdint.h>

#define CS_NAME_MAX 128

typedef struct cs_user {
    int64_t id;
    char name[CS_NAME_MAX];
    char role[16]; /* clerk, reviewer, auditor, admin */
    int disabled;
} cs_user_t;

/** 1 for "clerk", "reviewer", "auditor", "admin". */
int cs_access_role_valid(const char *role);

/** The rank of a classification level (public 0 .. state_secret 4), -1 if unknown. */
int cs_access_level_rank(const char *level);

/** Adds a user with the SHA-256 (hex) of their token. CS_EEXIST if the name is taken. */
int cs_catalog_user_add(cs_catalog_t *cat, const char *name, const char *role,
                        const char *token_sha256, const char *by);

/** Replaces a user's token hash (the old token stops working at once). */
int cs_catalog_user_rotate(cs_catalog_t *cat, const char *name, const char *token_sha256,
                           const char *by);

/** Disables a user: their token and grants stop working; the row stays. */
int cs_catalog_user_disable(cs_catalog_t *cat, const char *name, const char *by);

/** Finds a user by name or by token hash; CS_ENOTFOUND if none. */
int cs_catalog_user_by_name(cs_catalog_t *cat, const char *name, cs_user_t *u);
int cs_catalog_user_by_token(cs_catalog_t *cat, const char *token_sha256, cs_user_t *u);

/** *out = [{name, role, created_at, created_by, rotated_at, disabled_at}] by name. */
int cs_catalog_users(cs_catalog_t *cat, json_t **out);

/** Grants `user` reading case `case_number` (normalised; must exist), optionally only party
 * `party`, for `purpose`, until `until` (RFC 3339 UTC or NULL), up to `clearance`. *id (may
 * be NULL) is the grant's number. CS_ENOTFOUND for an unknown user, case or party. */
int cs_catalog_grant_add(cs_catalog_t *cat, const char *user, const char *case_number,
                         const char *party, const char *purpose, const char *until,
                         const char *clearance, const char *by, int64_t *id);

/** Revokes grant `id` with a reason. CS_ENOTFOUND if there is no such live grant. */
int cs_catalog_grant_revoke(cs_catalog_t *cat, int64_t id, const char *by, const char *reason);

/** *out = [{id, user, case, party, purpose, clearance, until, granted_by, granted_at,
 * revoked_at, live}] of `user` (NULL: everyone's), newest first. `now` decides "live". */
int cs_catalog_grants(cs_catalog_t *cat, const char *user, const char *now, json_t **out);

/** *out = the live grants (at `now`) of user `user_id` that cover the item: those on a case
 * the item is actively linked to, for its party when the grant names one; [{id, case, party,
 * clearance, purpose}], the highest clearance first. */
int cs_catalog_item_grants(cs_catalog_t *cat, int64_t user_id, const char *sha256, const char *now,
                           json_t **out);

/** Sets the item's classification with a reason (the previous one is superseded). */
int cs_catalog_classify(cs_catalog_t *cat, const char *sha256, const char *level,
                        const char *reason, const char *by);

/** Copies the item's classification into level (size >= 32); "" when it has none. */
int cs_catalog_classification(cs_catalog_t *cat, const char *sha256, char *level, size_t size);

/** *received = 1 if `actor` brought the item in (any arrival); *unassigned = 1 if it has no
 * active link. */
int cs_catalog_item_origin(cs_catalog_t *cat, const char *sha256, const char *actor, int *received,
                           int *unassigned);

#endif
