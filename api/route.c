/* api/route.c: the route table and matching a request's path against it. */
#include "api/api_int.h"

#include "core/error.h"

#include <string.h>

static const cs_api_route_t routes[] = {
    {"GET", "/healthz", CS_API_ANYONE, CS_API_LOOP, cs_api_h_healthz, NULL},
    {"GET", "/openapi.json", CS_API_ANYONE, CS_API_LOOP, cs_api_h_openapi, NULL},
    {"GET", "/metrics", CS_API_ANYONE, CS_API_POOL, cs_api_h_metrics, cs_api_metrics_render},
    {"GET", "/v1/cases", CS_API_USER, CS_API_POOL, cs_api_h_cases, NULL},
    {"GET", "/v1/cases/{case}/items", CS_API_USER, CS_API_POOL, cs_api_h_case_items, NULL},
    {"POST", "/v1/cases/{case}/exports", CS_API_USER, CS_API_THREAD, cs_api_h_export, NULL},
    {"GET", "/v1/items/{sha256}", CS_API_USER, CS_API_POOL, cs_api_h_item, NULL},
    {"GET", "/v1/items/{sha256}/original", CS_API_USER, CS_API_POOL, cs_api_h_original, NULL},
    {"GET", "/v1/items/{sha256}/derivatives/{profile}", CS_API_USER, CS_API_POOL,
     cs_api_h_derivative, NULL},
    {"POST", "/v1/items/{sha256}/links", CS_API_EDIT, CS_API_POOL, cs_api_h_link, NULL},
    {"GET", "/v1/search", CS_API_USER, CS_API_POOL, cs_api_h_search, NULL},
    {"GET", "/v1/ledger", CS_API_AUDIT, CS_API_POOL, cs_api_h_ledger, NULL},
    {"GET", "/v1/ledger/checkpoint", CS_API_USER, CS_API_POOL, cs_api_h_checkpoint, NULL},
    {"GET", "/v1/ledger/proof", CS_API_USER, CS_API_POOL, cs_api_h_proof, NULL},
    {"GET", "/v1/ledger/consistency", CS_API_USER, CS_API_POOL, cs_api_h_consistency, NULL},
};

_Static_assert(sizeof routes / sizeof routes[0] <= CS_API_ROUTES_MAX, "CS_API_ROUTES_MAX");

const cs_api_route_t *
cs_api_routes(size_t *n)
{
    *n = sizeof routes / sizeof routes[0];
    return routes;
}

/* Matches one route's pattern against the path's segments; 1 when it does. */
static int
pattern_matches(const char *pattern, const char *path, size_t len, char params[][CS_API_PARAM_MAX],
                size_t nparams, int *err)
{
    const char *p = pattern, *s = path, *end = path + len;
    size_t np = 0;
    *err = 0;
    while (*p != '\0' && s < end) {
        if (*p != '/' || *s != '/')
            return 0;
        p++, s++;
        size_t plen = strcspn(p, "/");
        const char *seg_end = memchr(s, '/', (size_t)(end - s));
        size_t slen = seg_end ? (size_t)(seg_end - s) : (size_t)(end - s);
        if (p[0] == '{') {
            if (slen == 0 || np == nparams)
                return 0;
            int n = cs_api_pct_decode(s, slen, 0, params[np], CS_API_PARAM_MAX);
            if (n < 0) {
                *err = n;
                return 1; /* the path has this shape: a bad parameter, not another route */
            }
            np++;
        } else if (plen != slen || memcmp(p, s, slen) != 0) {
            return 0;
        }
        p += plen;
        s += slen;
    }
    return *p == '\0' && s == end;
}

int
cs_api_route_match(const char *method, size_t method_len, const char *path, size_t len,
                   char params[][CS_API_PARAM_MAX], size_t nparams)
{
    int found = CS_ENOTFOUND, err;
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        if (!pattern_matches(routes[i].pattern, path, len, params, nparams, &err))
            continue;
        if (err != 0)
            return err;
        if (strlen(routes[i].method) == method_len &&
            memcmp(routes[i].method, method, method_len) == 0)
            return (int)i;
        found = CS_EEXIST;
    }
    return found;
}
