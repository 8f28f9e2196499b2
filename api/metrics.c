/* api/metrics.c: GET /metrics in Prometheus text: requests by route and status, latency
 * histograms, the ledger's size and the jobs per state. The counters live on the loop
 * thread; the catalog figures are read on the thread pool. */
#include "api/api_int.h"

#include "core/error.h"
#include "indexer/fixity.h"
#include "indexer/jobs.h"
#include "indexer/ledger.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const int statuses[CS_API_STATUSES] = {200, 206, 400, 401, 403, 404, 405, 409,
                                              410, 413, 414, 416, 500, 503, 502};
static const double bounds[CS_API_BUCKETS - 1] = {0.001, 0.0025, 0.005, 0.01, 0.025,
                                                  0.05,  0.1,    0.5,   2.5};

void
cs_api_metrics_count(cs_api_t *a, int route, int status, uint64_t started_ns)
{
    size_t r = route < 0 ? CS_API_ROUTES_MAX : (size_t)route, s = CS_API_STATUSES, b;
    double secs = (double)(uv_hrtime() - started_ns) / 1e9;
    for (size_t i = 0; i < CS_API_STATUSES; i++)
        if (statuses[i] == status)
            s = i;
    a->counts[r][s]++;
    for (b = 0; b < CS_API_BUCKETS - 1 && secs > bounds[b]; b++)
        ;
    a->buckets[r][b]++;
    a->seconds[r] += secs;
}

void
cs_api_h_metrics(cs_api_call_t *c)
{
    int64_t size = 0;
    json_t *jobs = NULL, *fixity = NULL;
    int rc;
    if ((rc = cs_catalog_ledger_size(c->cat, &size)) != 0 ||
        (rc = cs_jobs_status(c->cat, &jobs)) != 0 ||
        (rc = cs_catalog_fixity_status(c->cat, 0, 0, &fixity)) != 0) {
        json_decref(jobs);
        cs_api_fail_rc(c, rc, "reading the catalog");
        return;
    }
    /* The store's backend: for s3 a HEAD of the bucket, here on the thread pool. */
    cs_store_health_t h;
    cs_store_health(c->api->store, &h);
    c->json = json_pack("{s:I, s:o, s:o, s:{s:s, s:b, s:f, s:I, s:I}}", "ledger", (json_int_t)size,
                        "jobs", jobs, "fixity", fixity, "store", "backend", h.backend, "ok", h.ok,
                        "seconds", h.latency_ms / 1000.0, "requests", (json_int_t)h.requests,
                        "failures", (json_int_t)h.failures);
    c->status = 200;
}

typedef struct out {
    char *buf;
    size_t len, cap;
    int failed;
} out_t;

static void __attribute__((format(printf, 2, 3))) put(out_t *o, const char *fmt, ...)
{
    va_list ap;
    for (int tries = 0; tries < 2 && !o->failed; tries++) {
        va_start(ap, fmt);
        int n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            o->failed = 1;
        } else if ((size_t)n < o->cap - o->len) {
            o->len += (size_t)n;
            return;
        } else {
            size_t cap = (o->cap + (size_t)n) * 2;
            char *p = cap <= 4u << 20 ? realloc(o->buf, cap) : NULL; /* 4 MiB at most */
            if (p == NULL)
                o->failed = 1;
            o->buf = p ? p : o->buf;
            o->cap = p ? cap : o->cap;
        }
    }
}

static const char *
route_name(size_t r, char *buf, size_t size)
{
    const cs_api_route_t *routes;
    size_t n;
    routes = cs_api_routes(&n);
    if (r >= n)
        return "unmatched";
    snprintf(buf, size, "%s %s", routes[r].method, routes[r].pattern); /* fits: routes < 64 */
    return buf;
}

void
cs_api_metrics_render(cs_api_call_t *c)
{
    cs_api_t *a = c->api;
    out_t o = {.cap = 8192};
    char name[160];
    const char *k;
    json_t *v;
    size_t nroutes;
    cs_api_routes(&nroutes);
    if ((o.buf = malloc(o.cap)) == NULL) {
        cs_api_fail(c, "internal", "out of memory");
        return;
    }
    put(&o, "# HELP custody_http_requests_total HTTP requests answered, by route and status.\n"
            "# TYPE custody_http_requests_total counter\n");
    for (size_t r = 0; r <= CS_API_ROUTES_MAX; r++) {
        if (r >= nroutes && r != CS_API_ROUTES_MAX)
            continue;
        for (size_t s = 0; s <= CS_API_STATUSES; s++)
            if (a->counts[r][s] != 0) {
                char st[16];
                snprintf(st, sizeof st, "%d", /* fits: an int in 16 */
                         s < CS_API_STATUSES ? statuses[s] : 0);
                put(&o, "custody_http_requests_total{route=\"%s\",status=\"%s\"} %llu\n",
                    route_name(r, name, sizeof name), s < CS_API_STATUSES ? st : "other",
                    (unsigned long long)a->counts[r][s]);
            }
    }
    put(&o, "# HELP custody_http_request_duration_seconds Time to answer (to the first byte of a "
            "download).\n# TYPE custody_http_request_duration_seconds histogram\n");
    for (size_t r = 0; r <= CS_API_ROUTES_MAX; r++) {
        uint64_t cum = 0;
        if (r >= nroutes && r != CS_API_ROUTES_MAX)
            continue;
        route_name(r, name, sizeof name);
        for (size_t b = 0; b < CS_API_BUCKETS; b++) {
            cum += a->buckets[r][b];
            if (b < CS_API_BUCKETS - 1)
                put(&o,
                    "custody_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n",
                    name, bounds[b], (unsigned long long)cum);
            else
                put(&o,
                    "custody_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} "
                    "%llu\n",
                    name, (unsigned long long)cum);
        }
        put(&o, "custody_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n", name,
            a->seconds[r]);
        put(&o, "custody_http_request_duration_seconds_count{route=\"%s\"} %llu\n", name,
            (unsigned long long)cum);
    }
    put(&o,
        "# HELP custody_ledger_entries Entries in the ledger.\n"
        "# TYPE custody_ledger_entries gauge\ncustody_ledger_entries %lld\n",
        (long long)json_integer_value(json_object_get(c->json, "ledger")));
    cs_ledger_appender_stats_t ls = {0};
    if (a->appender != NULL)
        cs_ledger_appender_stats(a->appender, &ls);
    put(&o,
        "# HELP custody_ledger_groups_total Group commits of ledgered reads (one transaction "
        "each).\n# TYPE custody_ledger_groups_total counter\ncustody_ledger_groups_total %lld\n"
        "# HELP custody_ledger_group_entries_total Entries those groups held (divided by the "
        "groups: entries a group).\n# TYPE custody_ledger_group_entries_total counter\n"
        "custody_ledger_group_entries_total %lld\n# HELP custody_ledger_syncs_total Syncs that "
        "made written groups durable (one may cover several groups).\n"
        "# TYPE custody_ledger_syncs_total counter\ncustody_ledger_syncs_total %lld\n",
        (long long)ls.groups, (long long)ls.entries, (long long)ls.syncs);
    json_t *st = json_object_get(c->json, "jobs");
    put(&o, "# HELP custody_jobs Ingest jobs by state.\n# TYPE custody_jobs gauge\n");
    json_object_foreach(json_object_get(st, "jobs"), k, v)
        put(&o, "custody_jobs{state=\"%s\"} %lld\n", k, (long long)json_integer_value(v));
    json_t *lm = json_object_get(st, "last_minute");
    put(&o,
        "# HELP custody_ingest_last_minute_files Files stored in the last minute.\n"
        "# TYPE custody_ingest_last_minute_files gauge\ncustody_ingest_last_minute_files %lld\n"
        "# HELP custody_ingest_last_minute_bytes Bytes stored in the last minute.\n"
        "# TYPE custody_ingest_last_minute_bytes gauge\ncustody_ingest_last_minute_bytes %lld\n"
        "# HELP custody_jobs_rejected Files rejected.\n# TYPE custody_jobs_rejected gauge\n"
        "custody_jobs_rejected %lld\n"
        "# HELP custody_items_damaged Items kept but flagged damaged (cut off, unreadable).\n"
        "# TYPE custody_items_damaged gauge\ncustody_items_damaged %lld\n",
        (long long)json_integer_value(json_object_get(lm, "files")),
        (long long)json_integer_value(json_object_get(lm, "bytes")),
        (long long)json_integer_value(json_object_get(st, "rejected")),
        (long long)json_integer_value(json_object_get(json_object_get(st, "damaged"), "count")));
    json_t *fx = json_object_get(c->json, "fixity"), *last = json_object_get(fx, "last_pass");
    put(&o,
        "# HELP custody_fixity_checks_total Fixity checks recorded (the scrub's and custody "
        "verify's).\n# TYPE custody_fixity_checks_total counter\ncustody_fixity_checks_total "
        "%lld\n# HELP custody_fixity_mismatches_total Checks that found an object altered, "
        "missing or unreadable.\n# TYPE custody_fixity_mismatches_total counter\n"
        "custody_fixity_mismatches_total %lld\n# HELP custody_fixity_failing_objects Objects "
        "whose last check failed.\n# TYPE custody_fixity_failing_objects gauge\n"
        "custody_fixity_failing_objects %lld\n# HELP custody_fixity_pass_objects Objects the "
        "running scrub pass has checked (0 between passes).\n# TYPE custody_fixity_pass_objects "
        "gauge\ncustody_fixity_pass_objects %lld\n",
        (long long)json_integer_value(json_object_get(fx, "checks")),
        (long long)json_integer_value(json_object_get(fx, "mismatches")),
        (long long)json_integer_value(json_object_get(fx, "failing")),
        (long long)json_integer_value(json_object_get(json_object_get(fx, "pass"), "objects")));
    if (json_is_object(last))
        put(&o,
            "# HELP custody_fixity_last_pass_seconds How long the last complete scrub pass "
            "took.\n# TYPE custody_fixity_last_pass_seconds gauge\n"
            "custody_fixity_last_pass_seconds %.3f\n# HELP "
            "custody_fixity_last_pass_end_timestamp_seconds When the last complete scrub pass "
            "ended (Unix time).\n# TYPE custody_fixity_last_pass_end_timestamp_seconds gauge\n"
            "custody_fixity_last_pass_end_timestamp_seconds %lld\n",
            json_number_value(json_object_get(last, "seconds")),
            (long long)json_integer_value(json_object_get(last, "ended_unix")));
    put(&o,
        "# HELP custody_http_connections Open HTTP connections.\n"
        "# TYPE custody_http_connections gauge\ncustody_http_connections %d\n"
        "# HELP custody_http_downloads Downloads streaming now.\n"
        "# TYPE custody_http_downloads gauge\ncustody_http_downloads %d\n",
        a->ls.nconns, a->ls.streams);
    json_t *h = json_object_get(c->json, "store");
    const char *backend = json_string_value(json_object_get(h, "backend"));
    put(&o,
        "# HELP custody_store_up Whether the store's backend answers (1) or not (0).\n"
        "# TYPE custody_store_up gauge\ncustody_store_up{backend=\"%s\"} %d\n"
        "# HELP custody_store_probe_seconds How long the backend took to answer the probe.\n"
        "# TYPE custody_store_probe_seconds gauge\ncustody_store_probe_seconds{backend=\"%s\"} "
        "%.6f\n# HELP custody_store_requests_total Requests to the object store (s3).\n"
        "# TYPE custody_store_requests_total counter\ncustody_store_requests_total %llu\n"
        "# HELP custody_store_failures_total Object store requests that failed after every "
        "retry.\n# TYPE custody_store_failures_total counter\ncustody_store_failures_total "
        "%llu\n",
        backend ? backend : "local", json_is_true(json_object_get(h, "ok")),
        backend ? backend : "local", json_number_value(json_object_get(h, "seconds")),
        (unsigned long long)json_integer_value(json_object_get(h, "requests")),
        (unsigned long long)json_integer_value(json_object_get(h, "failures")));
    if (o.failed) {
        free(o.buf);
        cs_api_fail(c, "internal", "out of memory writing the metrics");
        return;
    }
    json_decref(c->json);
    c->json = NULL;
    c->text = o.buf;
    c->text_len = o.len;
    c->ctype = "text/plain; version=0.0.4; charset=utf-8";
}

void
cs_api_h_healthz(cs_api_call_t *c)
{
    c->json = json_pack("{s:s}", "status", c->api->ls.stopping ? "stopping" : "ok");
    c->status = 200;
}
