/* api/args.h: reading a call's parameters in the work functions (thread pool). */
#ifndef CS_API_ARGS_H
#define CS_API_ARGS_H

#include "api/api_int.h"

/** Copies path parameter `i` as a full sha256 in lower case into sha; 1 with a 400 answer
 * when it is not 64 hex digits. */
int cs_api_arg_sha256(cs_api_call_t *c, int i, char sha[65]);

/** Reads the query parameter `key` as a whole number in min..max (def when absent); 1 with a
 * 400 answer when it is not one. */
int cs_api_arg_int(cs_api_call_t *c, const char *key, long long def, long long min, long long max,
                   long long *out);

/** Reads the query parameter `key` into buf; *set says whether it was given. 1 with a 400
 * answer when it is not percent-encoded UTF-8 or is too long. */
int cs_api_arg_str(cs_api_call_t *c, const char *key, char *buf, size_t size, int *set);

/** Normalises a case number by the configured rule into cn; 1 with a 400 answer. */
int cs_api_arg_case(cs_api_call_t *c, const char *text, cs_casenum_t *cn);

/** A time range's bound `v` (a buffer of `size` >= CS_TIME_MAX bytes) as the site reads it,
 * rewritten in place: a date is that day in site.tz (its midnight, or with `end` its last
 * instant), an RFC 3339 time with an offset that instant in UTC; anything else is left for the
 * catalog to read or refuse. */
void cs_api_arg_site_bound(const cs_api_call_t *c, char *v, size_t size, int end);

#endif
