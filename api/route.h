/* api/route.h: the route table of the HTTP API and the parsing of what a client sends
 * (path, percent-encoding, query, Range). Pure functions, no I/O: api/openapi.c makes
 * /openapi.json of the table, and a fuzzer can drive the parsers. */
#ifndef CS_API_ROUTE_H
#define CS_API_ROUTE_H

#include <stddef.h>
#include <stdint.h>

#define CS_API_ROUTES_MAX 96
#define CS_API_PARAM_MAX 512 /* bytes of one decoded path parameter, NUL included */

struct cs_api_call;

/* Who may call a route (beyond it, ledger/access.h decides each item). */
typedef enum {
    CS_API_ANYONE, /* no token needed */
    CS_API_USER,   /* any enabled user */
    CS_API_AUDIT,  /* auditor or admin */
    CS_API_EDIT,   /* admin or clerk */
    CS_API_QUEUE,  /* clerk, admin or auditor: the ingest queue and what needs attention */
    CS_API_ADMIN,  /* admin only: users, grants and classifications (h_admin*.c); anyone else
                    * gets 403 (code "role"), ledgered */
} cs_api_who_t;

/* Where a route's work function runs. */
typedef enum {
    CS_API_POOL,   /* libuv's thread pool, with one of the API's catalog connections */
    CS_API_LOOP,   /* on the loop: no catalog, no disk */
    CS_API_THREAD, /* a thread and a catalog connection of its own: long work (an export) that
                    * must not hold a pool thread, which every other request shares */
} cs_api_runs_t;

typedef struct cs_api_route {
    const char *method;
    const char *pattern; /* "/v1/items/{sha256}/original": "{name}" matches one segment */
    cs_api_who_t who;
    cs_api_runs_t runs;
    void (*work)(struct cs_api_call *c);   /* the answer, where `runs` says */
    void (*finish)(struct cs_api_call *c); /* NULL, or run on the loop before answering */
    int tail; /* 1: the last "{name}" takes the rest of the path, slashes included, left raw
               * (not in params: see cs_api_route_tail) */
    /* Its operationId: the key of its description in api/openapi/ (openapi.c adds what this
     * table says: path, method, path parameters, security, the usual problems). */
    const char *op;
} cs_api_route_t;

/** The route table; *n its length. */
const cs_api_route_t *cs_api_routes(size_t *n);

/** Finds the route for `method` and the raw path (no query) and decodes its "{name}"
 * segments into params (in order). Returns the route's index; CS_ENOTFOUND when no pattern
 * matches the path; CS_EEXIST when one does but not with this method (405); CS_EINVAL for bad
 * percent-encoding, bad UTF-8 or a control character in a segment; CS_ENAMETOOLONG. */
int cs_api_route_match(const char *method, size_t method_len, const char *path, size_t len,
                       char params[][CS_API_PARAM_MAX], size_t nparams);

/** The raw (still percent-encoded) tail of `path` that the last "{name}" of tail route `route`
 * matched; *tail_len its length. NULL when the route has no tail or the path does not reach
 * it. */
const char *cs_api_route_tail(int route, const char *path, size_t len, size_t *tail_len);

/** Percent-decodes s[0..n) into out (cap bytes, NUL-terminated); with plus_is_space, '+' is a
 * space (query strings). The result must be UTF-8 without control characters. Returns its
 * length, or CS_EINVAL (bad escape), CS_EUTF8, CS_ENAMETOOLONG. */
int cs_api_pct_decode(const char *s, size_t n, int plus_is_space, char *out, size_t cap);

/** Looks up `key` in a query string ("a=1&b=2", no '?'), decoding its value into out.
 * Returns 1 when found, 0 when absent, or cs_api_pct_decode's error. */
int cs_api_query_get(const char *query, const char *key, char *out, size_t cap);

/** Parses a Range header against an object of `size` bytes (> 0). Returns 1 with *first and
 * *last (inclusive) for one satisfiable "bytes=a-b", "bytes=a-" or "bytes=-n"; 0 when the
 * header is to be ignored (another unit, several ranges: the whole object is served);
 * CS_EINVAL when it is malformed or cannot be satisfied (416). */
int cs_api_range_parse(const char *hdr, uint64_t size, uint64_t *first, uint64_t *last);

#endif
