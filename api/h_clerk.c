/* api/h_clerk.c: what a clerk watches: the ingest queue (jobs per state, the newest jobs, the
 * files rejected and the items flagged, each with its reason) and the items no case holds,
 * which POST /v1/items/{sha256}/links assigns. Clerks, admins and auditors (route.c).
 * Thread pool, catalog lock held. */
#include "api/args.h"

#include "indexer/jobs.h"
#include "indexer/queue.h"

void
cs_api_h_jobs(cs_api_call_t *c)
{
    long long limit;
    json_t *status = NULL, *queue = NULL;
    int rc;
    /* Paths and reasons of uploads, not records: like `custody status`, not ledgered. */
    if (cs_api_arg_int(c, "limit", 100, 1, 1000, &limit))
        return;
    if ((rc = cs_jobs_status(c->cat, &status)) != 0 ||
        (rc = cs_catalog_queue(c->cat, (int)limit, &queue)) != 0) {
        cs_api_fail_rc(c, rc, "reading the ingest queue");
        goto out;
    }
    if (json_object_set(queue, "counts", json_object_get(status, "jobs")) != 0 ||
        json_object_set(queue, "last_minute", json_object_get(status, "last_minute")) != 0 ||
        json_object_set(queue, "oldest_pending", json_object_get(status, "oldest_pending")) != 0) {
        cs_api_fail(c, "internal", "out of memory answering");
        goto out;
    }
    c->json = json_incref(queue);
    c->status = 200;
out:
    json_decref(status);
    json_decref(queue);
}

void
cs_api_h_unassigned(cs_api_call_t *c)
{
    long long limit;
    json_t *items = NULL;
    int rc;
    /* A list of items: stated, ledgered and filtered like a case's items. */
    if (cs_api_arg_int(c, "limit", 100, 1, 1000, &limit) ||
        cs_api_gate(c, CS_READ_LIST, NULL, NULL, "list", NULL, NULL, 0, NULL) != 0)
        return;
    if ((rc = cs_catalog_unassigned_recent(c->cat, (int)limit, &items)) != 0 ||
        (rc = cs_api_filter_visible(c, items)) != 0) {
        json_decref(items);
        cs_api_fail_rc(c, rc, "listing unassigned items");
        return;
    }
    c->json = items;
    c->status = 200;
}
