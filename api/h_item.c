/* api/h_item.c: GET /v1/items/{sha256}, one item's record: its rows (item, sources, links,
 * events, metadata, derivatives) and its retention (which depends on the site's day) as JSON,
 * kept as text between calls (cache.h: for that day, until any write to the catalog). The read is
 * decided and ledgered (auth.c, record.c) before anything is looked up. Thread pool: the JSON is
 * written here, not on the loop. */
#include "api/api_int.h"
#include "api/args.h"

#include "core/error.h"
#include "indexer/derivatives.h"
#include "indexer/jobs.h"
#include "indexer/policy.h"

#include <stdlib.h>
#include <string.h>

/* The record's rows, as JSON text (malloc'd). */
static int
record_text(cs_api_call_t *c, const char *sha, char **text, size_t *len)
{
    json_t *item = NULL, *meta = NULL, *derivs = NULL, *decision = NULL;
    int rc;
    *text = NULL;
    if ((rc = cs_catalog_item(c->cat, sha, &item)) != 0 ||
        (rc = cs_catalog_metadata(c->cat, sha, &meta)) != 0 ||
        (rc = cs_catalog_derivatives(c->cat, sha, &derivs)) != 0 ||
        (rc = cs_policy_item_decision(c->cat, sha, &decision)) != 0)
        goto out;
    if (json_object_set(item, "metadata", meta) != 0 ||
        json_object_set(item, "derivatives", derivs) != 0 ||
        /* indexer/policy.h: the format policy's archival decision, or null */
        json_object_set(item, "archival_decision", decision ? decision : json_null()) != 0 ||
        (*text = json_dumps(item, JSON_COMPACT)) == NULL) {
        cs_diag_set("out of memory writing item %.12s's record", sha);
        rc = CS_ENOMEM;
        goto out;
    }
    *len = strlen(*text);
out:
    json_decref(item);
    json_decref(meta);
    json_decref(derivs);
    json_decref(decision);
    return rc;
}

/* rec ("{...}") with its retention as the last member: the answer's text (malloc'd). */
static int
with_retention(cs_api_call_t *c, const char *sha, const char *rec, size_t len, char **out,
               size_t *out_len)
{
    static const char key[] = ",\"retention\":";
    json_t *holder = json_object();
    char *ret = NULL;
    int rc = holder ? cs_api_retention_item(c, sha, holder) : CS_ENOMEM;
    *out = NULL;
    if (rc == 0 && (ret = json_dumps(json_object_get(holder, "retention"),
                                     JSON_COMPACT | JSON_ENCODE_ANY)) == NULL)
        rc = CS_ENOMEM;
    json_decref(holder);
    if (rc != 0)
        goto out;
    if (len < 2 || rec[len - 1] != '}') {
        cs_diag_set("item %.12s's record is not a JSON object", sha);
        rc = CS_EINVAL;
        goto out;
    }
    size_t rlen = strlen(ret), n = len - 1 + (sizeof key - 1) + rlen + 1;
    if ((*out = malloc(n + 1)) == NULL) {
        rc = CS_ENOMEM;
        goto out;
    }
    memcpy(*out, rec, len - 1);
    memcpy(*out + len - 1, key, sizeof key - 1);
    memcpy(*out + len - 1 + sizeof key - 1, ret, rlen);
    (*out)[n - 1] = '}';
    (*out)[n] = '\0';
    *out_len = n;
out:
    free(ret);
    return rc;
}

void
cs_api_h_item(cs_api_call_t *c)
{
    char sha[65], today[11], after[11], *rec = NULL, *body = NULL;
    size_t len = 0, body_len = 0;
    int rc = 0;
    /* Decided and ledgered before the lookup (access.h: who may not read it is not told
     * whether it exists). The gate read the catalog's generation before its rows: a record
     * kept under it is no older than the decision. */
    if (cs_api_arg_sha256(c, 0, sha) != 0 ||
        cs_api_gate(c, CS_READ_METADATA, sha, NULL, "view", NULL, NULL, 0, NULL) != 0)
        return;
    /* The retention is that of the site's day: kept only when built within one day. */
    cs_api_cache_today(c->api->cache, c->api->opts.cfg->site_tz, today);
    if (!cs_api_cache_record_get(cs_api_view(c), sha, today, &body, &body_len)) {
        if ((rc = record_text(c, sha, &rec, &len)) == 0 &&
            (rc = with_retention(c, sha, rec, len, &body, &body_len)) == 0) {
            cs_api_cache_today(c->api->cache, c->api->opts.cfg->site_tz, after);
            if (strcmp(today, after) == 0)
                cs_api_cache_record_put(cs_api_view(c), sha, today, body, body_len);
        }
        free(rec);
    }
    if (rc != 0) {
        cs_api_fail_rc(c, rc, "reading the item");
        return;
    }
    c->text = body;
    c->text_len = body_len;
    c->ctype = "application/json";
    c->status = 200;
}
