/* indexer/access.h: the rows behind access control: users (a hash of each token, never the
 * token), grants (who may read which case, for what purpose, until when, up to which
 * classification) and classifications of items. Each change is a ledger entry in the same
 * transaction. The rules themselves are access/access.h's. */
#ifndef CS_INDEXER_ACCESS_H
#define CS_INDEXER_ACCESS_H

#include "core/clock.h"
#include "indexer/catalog.h"

#include <jansson.h>
#include <stdint.h>

#define CS_NAME_MAX 128

typedef struct cs_user {
    int64_t id;
    char name[CS_NAME_MAX];
    char role[16]; /* clerk, reviewer, auditor, admin, legal */
    int disabled;
    char token_sha256[65]; /* the hash of their current token */
} cs_user_t;

/** 1 for "clerk", "reviewer", "auditor", "admin", "legal". */
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
 * `party`, for the `npurposes` purposes (trimmed; 1..CS_GRANT_NPURPOSES_MAX of them, each
 * shorter than CS_GRANT_PURPOSE_MAX bytes, no control characters; none needed when
 * `any_purpose`: then any purpose stated is accepted), until `until` (RFC 3339 UTC or NULL),
 * up to `clearance`, within `scope` (metadata, media, originals, export; NULL: originals).
 * *id (may be NULL) is the grant's number. CS_EINVAL for purposes it
 * cannot take; CS_ENOTFOUND for an unknown user, case or party. */
int cs_catalog_grant_add(cs_catalog_t *cat, const char *user, const char *case_number,
                         const char *party, const char *const *purposes, size_t npurposes,
                         int any_purpose, const char *until, const char *clearance,
                         const char *scope, const char *by, int64_t *id);

/** The rank of a grant's scope: metadata 0, media 1, originals 2, export 3 (the order of
 * access/access.h's cs_scope_t); -1 for none of them. */
int cs_grant_scope_rank(const char *scope);

/** Revokes grant `id` with a reason. CS_ENOTFOUND if there is no such live grant. */
int cs_catalog_grant_revoke(cs_catalog_t *cat, int64_t id, const char *by, const char *reason);

/** *out = [{id, user, case, party, purposes: [text], any_purpose (bool), purpose (the first
 * of purposes, or null; kept for v8 readers), clearance, scope, request (the request that
 * made it, or null), until, granted_by, granted_at,
 * revoked_at, live}] of `user` (NULL: everyone's), newest first. `now` decides "live". */
int cs_catalog_grants(cs_catalog_t *cat, const char *user, const char *now, json_t **out);

/** Sets the item's classification with a reason (the previous one is superseded). */
int cs_catalog_classify(cs_catalog_t *cat, const char *sha256, const char *level,
                        const char *reason, const char *by);

/** Copies the item's classification into level (size >= 32); "" when it has none. */
int cs_catalog_classification(cs_catalog_t *cat, const char *sha256, char *level, size_t size);

#define CS_GRANT_PURPOSES_MAX 1024 /* a grant's purposes, NUL-terminated, end to end */
#define CS_GRANT_PURPOSE_MAX 256   /* bytes of one purpose given to a new grant, NUL included */
#define CS_GRANT_NPURPOSES_MAX 8   /* purposes a new grant names */

/** One live grant row of a user, as the access gate weighs it. */
typedef struct cs_grant_row {
    int64_t id;
    int clearance;   /* rank (cs_access_level_rank) */
    int any_purpose; /* it accepts any purpose stated */
    int scope;       /* cs_access_scope rank: metadata 0 .. export 3 */
    size_t npurposes;
    char purposes[CS_GRANT_PURPOSES_MAX]; /* npurposes texts, each NUL-terminated, in a row */
    char case_number[256];
} cs_grant_row_t;

/** The rows the access gate needs of item `sha256` (when not NULL) or of case `case_number`
 * (when sha256 is NULL), for user `user_id` (0: nobody: no grants, nothing brought in) at
 * `now`: *exists; the item's classification rank in *level (-1 when it has none); *brought_in
 * (the user brought the item in, or an item actively linked to the case, by identity);
 * *unassigned (the item has no active link); up to `max` live grants covering the item (on a
 * case it is actively linked to, for its party when the grant names one) or on the case, the
 * highest clearance first, in grants, their number in *ngrants. */
int cs_catalog_access_rows(cs_catalog_t *cat, int64_t user_id, const char *sha256,
                           const char *case_number, const char *now, int *exists, int *level,
                           int *brought_in, int *unassigned, cs_grant_row_t *grants, size_t max,
                           size_t *ngrants);

/** Names intake and the ledger use for who is not a Custody user ("uploads", "operator",
 * "scrub", ...), or that look like a client ("cli:", "http:"): 1 when `name` is one of them,
 * and so cannot be a user's name. */
int cs_access_name_reserved(const char *name);

/* indexer/signin.c: passwords and sign-ins (schema v10). */
#define CS_PASSWORD_HASH_CAP 128 /* bytes of users.password_hash, NUL included */

/** What a sign-in weighs of a user. */
typedef struct cs_signin_row {
    cs_user_t user;
    char password_hash[CS_PASSWORD_HASH_CAP]; /* "" when the user has none */
    int failed;                               /* failed sign-ins in a row */
    char locked_until[CS_TIME_MAX];           /* "" when not locked */
} cs_signin_row_t;

/** Sets enabled user `name`'s password hash (access/password.h encoding), clearing failures
 * and a lock, ledgered as "user.passwd" by `by`. CS_ENOTFOUND for no enabled such user. */
int cs_catalog_user_passwd(cs_catalog_t *cat, const char *name, const char *hash, const char *by);

/** The sign-in row of user `name`; CS_ENOTFOUND when there is none. */
int cs_catalog_signin_row(cs_catalog_t *cat, const char *name, cs_signin_row_t *r);

/** Records a failed sign-in as `name` from `client`, ledgered as "session.failed" with `why`.
 * For a user (`known`), counts it in a row; the `lock_after`th locks the account until now +
 * lock_s seconds (also ledgered, "session.locked") and *locked = 1. Not counted while
 * locked. */
int cs_catalog_signin_failed(cs_catalog_t *cat, const char *name, int known, const char *client,
                             const char *why, int lock_after, int lock_s, int *locked);

/** Records that client address `key` ("192.0.2.7", "2001:db8::/64") reached `failures` failed
 * sign-ins within `window_s` seconds and is refused until `until` (RFC 3339), ledgered as
 * "session.limited" with `client` as the actor: once a window, not once a refusal. */
int cs_catalog_signin_limited(cs_catalog_t *cat, const char *client, const char *key, int failures,
                              int window_s, const char *until);

/** Records a sign-in (`opened` 1, "session.open": failures reset) or a sign-out (0,
 * "session.close") of user `name` from `client`. */
int cs_catalog_signin_note(cs_catalog_t *cat, const char *name, const char *client, int opened);

#endif
