/* bench/ledger_bench.c: the load half of bench/ledger.sh (built on demand, not installed).
 *   custody-bench-ledger HOME appends THREADS SECONDS
 *     THREADS callers each append retrieval-like entries through the group-commit appender,
 *     each waiting until its entry is durable; prints appends per second.
 *   custody-bench-ledger HOME fill N
 *     appends N entries in large transactions (only to make a big ledger to verify) and
 *     signs a checkpoint of them. */
#include "access/access.h"
#include "core/error.h"
#include "core/home.h"
#include "indexer/catalog.h"
#include "indexer/ledger.h"
#include "ledger/appender.h"
#include "ledger/checkpoint.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uv.h>

static cs_ledger_appender_t *app;
static atomic_long done_count;
static atomic_int failed;
static double deadline;

static double
now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* A reviewer's allowed download, as the gate (access/) makes its entry. */
static json_t *
entry(long i)
{
    static const char item[] = "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03";
    cs_access_policy_t pol = {.default_level = 1};
    cs_access_who_t who = {.id = 1, .role = CS_ROLE_REVIEWER, .name = "reviewer.zhang"};
    cs_access_what_t what = {.sha256 = item, .exists = 1, .level = 1, .ngrants = 1};
    cs_access_how_t how = {.read = CS_READ_ORIGINAL,
                           .purpose = "复核 legal review of case 任水罚〔2023〕12号",
                           .client = "http:127.0.0.1",
                           .action = "get.original",
                           .bytes = 1000 + i};
    cs_access_decision_t dec;
    json_t *e = NULL;
    what.grants[0] =
        (cs_access_grant_t){.id = 1, .clearance = 2, .case_number = "任水罚〔2023〕12号"};
    return cs_access_read(&pol, &who, &what, &how, &dec, &e) == 0 ? e : NULL;
}

static void
caller(void *arg)
{
    (void)arg;
    for (long i = 0; now_s() < deadline; i++) {
        json_t *e = entry(i);
        if (cs_ledger_appender_append(app, e, NULL) != 0)
            atomic_store(&failed, 1);
        else
            atomic_fetch_add(&done_count, 1);
        json_decref(e);
    }
}

int
main(int argc, char **argv)
{
    cs_home_t home;
    cs_catalog_t *cat = NULL;
    cs_catalog_opts_t opts = {.busy_timeout_ms = 10000};
    int rc;
    if (argc < 4 || cs_home_resolve(&home, argv[1]) != 0 ||
        cs_catalog_open(&cat, home.catalog, 0, &opts) != 0) {
        fprintf(stderr, "usage: %s HOME appends THREADS SECONDS | HOME fill N\n", argv[0]);
        return 2;
    }
    if (strcmp(argv[2], "appends") == 0 && argc == 5) {
        int threads = atoi(argv[3]);
        uv_thread_t th[256];
        if (threads < 1 || threads > 256 || cs_ledger_appender_start(&app, cat, NULL) != 0)
            return 2;
        double start = now_s();
        deadline = start + atof(argv[4]);
        for (int t = 0; t < threads; t++)
            uv_thread_create(&th[t], caller, NULL);
        for (int t = 0; t < threads; t++)
            uv_thread_join(&th[t]);
        double took = now_s() - start;
        cs_ledger_appender_stop(&app);
        printf("%.0f\n", (double)atomic_load(&done_count) / took);
        rc = atomic_load(&failed);
    } else if (strcmp(argv[2], "fill") == 0) {
        long n = atol(argv[3]);
        rc = 0;
        for (long i = 0; rc == 0 && i < n; i += 10000) {
            if ((rc = cs_catalog_batch_begin(cat)) != 0)
                break;
            for (long j = i; rc == 0 && j < i + 10000 && j < n; j++) {
                json_t *e = entry(j);
                rc = cs_catalog_ledger_append(cat, e, NULL);
                json_decref(e);
            }
            rc = rc == 0 ? cs_catalog_batch_commit(cat) : rc;
        }
        if (rc == 0)
            rc = cs_ledger_checkpoint(cat, &home, NULL);
        if (rc != 0)
            fprintf(stderr, "fill: %s: %s\n", cs_strerror(rc), cs_diag());
    } else {
        rc = 2;
    }
    cs_catalog_close(&cat);
    return rc != 0;
}
