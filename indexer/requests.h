/* indexer/requests.h: retrieval requests (调阅申请): a user asks to read a case for a purpose,
 * within a scope, until a date; an admin other than the requester approves (which makes a
 * grant naming the request) or refuses. Every step, a refused attempt too, is a ledger entry
 * (request.add, request.approve, request.refuse) in the same transaction. The monthly
 * retrieval register (调阅台账) lists each request with its decision and the reads made under
 * its grant. The reading rules are access/access.h's; who may decide is here. */
#ifndef CS_INDEXER_REQUESTS_H
#define CS_INDEXER_REQUESTS_H

#include "core/clock.h"
#include "core/tz.h"
#include "indexer/catalog.h"

#include <jansson.h>
#include <stdint.h>

#define CS_REQUEST_PURPOSE_MAX 256 /* bytes of a request's purpose, NUL included */

/** A request by enabled user `user` (a reviewer or an admin: the roles that read through
 * grants) to read case `case_number` (normalised; party `party` only, when not NULL) for
 * `purpose` within `scope` (metadata, media, originals, export) until `until` (RFC 3339 UTC,
 * after now). *id (may be NULL) is its number. Ledgered as request.add. CS_EINVAL for a
 * purpose or scope it cannot take; CS_ENOTFOUND for an unknown user, case or party;
 * CS_EACCES (ledgered, result denied) for a role that does not read through grants. */
int cs_catalog_request_add(cs_catalog_t *cat, const char *user, const char *case_number,
                           const char *party, const char *purpose, const char *scope,
                           const char *until, int64_t *id);

/** Approves (`approve` 1) or refuses pending request `id` as user `by`. Only an enabled admin
 * other than the requester decides: anyone else gets CS_EACCES, and the attempt is ledgered
 * (result denied). Approval makes a grant of the request's user, case, party, purpose, scope
 * and period up to `clearance` (a level; required), naming the request (*grant, may be
 * NULL), ledgered as grant.add and request.approve; a refusal needs `reason` and is ledgered
 * as request.refuse. CS_ENOTFOUND for no such request; CS_EEXIST when already decided;
 * CS_EINVAL when its period has ended or the clearance is no level. */
int cs_catalog_request_decide(cs_catalog_t *cat, int64_t id, const char *by, int approve,
                              const char *clearance, const char *reason, int64_t *grant);

/** *out = [{id, user, role, case, party, purpose, scope, until, requested_at, status,
 * decided_by, decided_at, reason, grant}] with `status` (NULL: all), newest first. */
int cs_catalog_requests(cs_catalog_t *cat, const char *status, json_t **out);

/** The instants [from, to) of month `month` ("YYYY-MM") at the site (zone tz; NULL: UTC), as
 * the catalog stores times. CS_EINVAL (with a detail) for anything else. */
int cs_request_month(const cs_tz_t *tz, const char *month, char from[CS_TIME_MAX],
                     char to[CS_TIME_MAX]);

/** The retrieval register of [from, to): *out = [{id, user, role, case, party, purpose,
 * scope, until, requested_at, status, decided_by, decider_role, decided_at, reason, grant,
 * reads: [ledger seq of each read allowed under its grant in the range], refused (reads under
 * it refused in the range)}] of each request made, decided or read under in the range, by
 * number. */
int cs_catalog_retrieval_register(cs_catalog_t *cat, const char *from, const char *to,
                                  json_t **out);

#endif
