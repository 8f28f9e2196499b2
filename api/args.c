/* api/args.c: parameters of a call, each refused with a 400 that names it. */
#include "api/args.h"

#include "core/clock.h"
#include "core/error.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

int
cs_api_arg_sha256(cs_api_call_t *c, int i, char sha[65])
{
    const char *p = c->params[i];
    size_t n;
    for (n = 0; p[n] != '\0' && n < 64; n++) {
        if (!isxdigit((unsigned char)p[n]))
            break;
        sha[n] = (char)tolower((unsigned char)p[n]);
    }
    sha[n] = '\0';
    if (n != 64 || p[n] != '\0')
        return cs_api_fail(c, "bad-request", "an item is named by its sha256: 64 hex digits"), 1;
    return 0;
}

int
cs_api_arg_int(cs_api_call_t *c, const char *key, long long def, long long min, long long max,
               long long *out)
{
    char buf[32], *end = NULL;
    int rc = cs_api_query_get(c->query, key, buf, sizeof buf);
    *out = def;
    if (rc == 0)
        return 0;
    errno = 0;
    long long v = rc > 0 ? strtoll(buf, &end, 10) : 0;
    if (rc < 0 || errno != 0 || end == buf || *end != '\0' || v < min || v > max)
        return cs_api_fail(c, "bad-request", "%s must be a whole number in %lld..%lld", key, min,
                           max),
               1;
    *out = v;
    return 0;
}

int
cs_api_arg_str(cs_api_call_t *c, const char *key, char *buf, size_t size, int *set)
{
    int rc = cs_api_query_get(c->query, key, buf, size);
    *set = rc > 0;
    if (rc < 0)
        return cs_api_fail(c, "bad-request", "%s: %s", key,
                           rc == CS_ENAMETOOLONG ? "too long" : "not percent-encoded UTF-8 text"),
               1;
    return 0;
}

int
cs_api_arg_case(cs_api_call_t *c, const char *text, cs_casenum_t *cn)
{
    cs_diag_clear();
    int rc = cs_casenum_parse(c->api->rule, text, cn);
    if (rc != 0)
        return cs_api_fail(c, "bad-request", "case number: %s",
                           *cs_diag() ? cs_diag() : cs_strerror(rc)),
               1;
    return 0;
}

void
cs_api_arg_site_bound(const cs_api_call_t *c, char *v, size_t size, int end)
{
    char out[CS_TIME_MAX];
    if (size >= sizeof out &&
        cs_clock_parse_bound(cs_clock_site_zone(c->api->opts.cfg->site_tz), v, end, out) == 0)
        memcpy(v, out, strlen(out) + 1);
}
