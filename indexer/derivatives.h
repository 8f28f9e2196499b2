/* indexer/derivatives.h: the copies made of an item (archival, access, preview, thumbnail),
 * each a stored object of its own linked to its original with how it was made and whether it
 * was verified. A later copy of the same profile supersedes the earlier one, which stays. */
#ifndef CS_INDEXER_DERIVATIVES_H
#define CS_INDEXER_DERIVATIVES_H

#include "indexer/catalog.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

typedef struct cs_derivative {
    const char *profile;       /* "archival", "access", "preview", "thumbnail" */
    const char *status;        /* "verified" or "failed" */
    const char *sha256;        /* the stored object; NULL only when failed */
    int64_t size;              /* of the object; -1 when there is none */
    const char *media_type;    /* may be NULL */
    const char *reason;        /* why it failed (required then); NULL when verified */
    const char *reason_code;   /* its code (core/reason.h slug; required with a reason) */
    const char *reason_params; /* its parameters as a JSON object's text, or NULL */
    json_t *detail;            /* borrowed object (may be NULL): encoders, libraries, params,
                                * width, height, duration_s, frames, rotation */
} cs_derivative_t;

/** Records `n` derivatives of the item `sha256` in one transaction (a savepoint inside a
 * batch): each supersedes the current one of its profile, and each gets a "derived" event on
 * the item (profile, status, sha256, reason, reason_code, reason_params) by `actor`. CS_ENOTFOUND
 * for an unknown item, CS_EINVAL for a record that breaks the rules above. */
int cs_catalog_add_derivatives(cs_catalog_t *cat, const char *sha256, const cs_derivative_t *d,
                               size_t n, const char *actor);

/** *out = the item's current derivatives, by profile: [{"profile", "status", "sha256" | null,
 * "size" | null, "media_type" | null, "reason", "reason_code", "reason_params" (when failed),
 * "made_at", "made_by", and the
 * members of its detail}]; the caller owns it. CS_ENOTFOUND for an unknown item. */
int cs_catalog_derivatives(cs_catalog_t *cat, const char *sha256, json_t **out);

/** *verified = 1 when item `sha256` has a current verified copy of `profile`, else 0. */
int cs_catalog_copy_verified(cs_catalog_t *cat, const char *sha256, const char *profile,
                             int *verified);

/** *out = {"count": items with a failed current derivative, "recent": [{"sha256", "profile",
 * "reason", "reason_code", "reason_params", "made_at"}, ... at most `limit`, newest first]}: what
 * needs a clerk's attention. */
int cs_catalog_derivative_failures(cs_catalog_t *cat, int limit, json_t **out);

/** *named = 1 when some item or derivative row names the object `sha256`, else 0. */
int cs_catalog_object_named(cs_catalog_t *cat, const char *sha256, int *named);

/** 1 when `sha256` is the object of some derivative (so its bytes may be served as one). */
int cs_catalog_is_derivative(cs_catalog_t *cat, const char *sha256);

#endif
