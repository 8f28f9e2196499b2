/* api/admin.h: what the two files of the admin console (h_admin.c, h_admin_grants.c) share:
 * a change's preconditions and refusals, each with a code and its Chinese text. */
#ifndef CS_API_ADMIN_H
#define CS_API_ADMIN_H

#include "api/api_int.h"

/** A change's start: the X-Custody-Purpose header is required (400, code no-purpose) and the
 * body must be a JSON object (empty allowed when `may_be_empty`: *body is then {}); *body is
 * the caller's. 1 with the answer set. */
int cs_api_admin_begin(cs_api_call_t *c, int may_be_empty, json_t **body);

/** A bad field of the body or the query: 400, code bad-field, naming `field` in both
 * languages; `why` says what to send. Returns 1. */
int cs_api_admin_bad_field(cs_api_call_t *c, const char *field, const char *why_zh,
                           const char *why);

/** Reads string member `key` of body: *out NULL when absent (or null); 1 with a bad-field
 * answer when it is not a string, or is empty and `required`. */
int cs_api_admin_str(cs_api_call_t *c, json_t *body, const char *key, int required,
                     const char **out);

/** 1 with a bad-field answer when body has a member not in `known` (NULL-terminated). */
int cs_api_admin_only(cs_api_call_t *c, json_t *body, const char *const *known);

/** Answers a row function's error `rc` (CS_ENOTFOUND, CS_EEXIST, CS_EINVAL: the catalog's
 * detail, with a code and Chinese text; else as cs_api_fail_rc, coded). `what` names the
 * change for the log and the detail, `zh` in Chinese. */
void cs_api_admin_fail_rc(cs_api_call_t *c, int rc, const char *what, const char *zh);

#endif
