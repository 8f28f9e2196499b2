/* api/h_records.c: the records: cases, a case's items, one item, search, and relinking.
 * Every read is ledgered (auth.c) before it is answered and lists show only what the user
 * may read (visible.c). Thread pool, catalog lock held. */
#include "api/args.h"
#include "api/page.h"

#include "core/buf.h"
#include "core/clock.h"
#include "core/error.h"
#include "indexer/caselist.h"
#include "indexer/derivatives.h"
#include "indexer/jobs.h"
#include "indexer/archive.h"
#include "indexer/search.h"
#include "indexer/timeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What the user may see of a case: the items and their parties, counted a batch at a time
 * (caselist.h), each item decided by the gate (visible.c). */
typedef struct tally {
    cs_api_call_t *c;
    json_int_t items;
    json_t *parties;
} tally_t;

static int
count_member(void *arg, const char *sha256, const char *party)
{
    tally_t *t = arg;
    json_t *p;
    size_t i;
    int ok = 0, rc;
    if (sha256 == NULL)
        return 0;
    if ((rc = cs_api_visible(t->c, sha256, NULL, &ok)) != 0 || !ok)
        return rc;
    t->items++;
    if (party == NULL)
        return 0;
    json_array_foreach(t->parties, i, p)
    {
        if (strcmp(json_string_value(p), party) == 0)
            return 0;
    }
    return json_array_append_new(t->parties, json_string(party)) == 0 ? 0 : CS_ENOMEM;
}

/* Cases read per query while filtering for the user. */
#define CASES_CHUNK 64

void
cs_api_h_cases(cs_api_call_t *c)
{
    char cursor[CS_API_CURSOR_MAX];
    cs_search_key_t after, last = {0};
    json_t *page = NULL, *chunk = NULL, *v;
    long long limit;
    int64_t from = 0;
    size_t i, got;
    int rc = 0, has_cursor, more = 0;
    if (cs_api_arg_int(c, "limit", 100, 1, 1000, &limit) ||
        cs_api_arg_cursor(c, "cases", NULL, &after, &has_cursor) != 0 ||
        cs_api_gate(c, CS_READ_LIST, NULL, NULL, "list", NULL, NULL, 0, NULL) != 0)
        return;
    if (has_cursor)
        from = after.id;
    if ((page = json_array()) == NULL) {
        rc = CS_ENOMEM;
        goto fail;
    }
    /* The cases the user may list, in the order they were made, until the page is full and
     * one more follows; each with the items and parties the user may see. */
    do {
        if ((rc = cs_catalog_cases_after(c->cat, from, CASES_CHUNK, &chunk)) != 0)
            goto fail;
        got = json_array_size(chunk);
        json_array_foreach(chunk, i, v)
        {
            const char *number = json_string_value(json_object_get(v, "case"));
            tally_t t = {.c = c};
            int ok = 0;
            from = (int64_t)json_integer_value(json_object_get(v, "id"));
            if ((rc = cs_api_visible(c, NULL, number, &ok)) != 0)
                goto fail;
            if (!ok)
                continue;
            if (json_array_size(page) == (size_t)limit) {
                more = 1;
                goto done;
            }
            if ((t.parties = json_array()) == NULL) {
                rc = CS_ENOMEM;
                goto fail;
            }
            if ((rc = cs_catalog_case_each(c->cat, number, count_member, &t)) != 0) {
                json_decref(t.parties);
                goto fail;
            }
            json_t *row = json_pack("{s:s, s:O, s:I, s:o}", "case", number, "created_at",
                                    json_object_get(v, "created_at"), "items", t.items,
                                    "parties", t.parties);
            if (row != NULL && json_is_string(json_object_get(v, "reference"))) /* 档号 */
                json_object_set(row, "reference", json_object_get(v, "reference"));
            if (json_array_append_new(page, row) != 0) {
                rc = CS_ENOMEM;
                goto fail;
            }
            last.id = from;
        }
        json_decref(chunk);
        chunk = NULL;
    } while (got == CASES_CHUNK);
done:
    if (more && (rc = cs_api_next_cursor(c, "cases", NULL, &last, cursor, sizeof cursor)) != 0)
        goto fail;
    json_decref(chunk);
    c->json = json_pack("{s:o, s:s?}", "cases", page, "next_cursor", more ? cursor : NULL);
    c->status = 200;
    return;
fail:
    json_decref(chunk);
    json_decref(page);
    cs_api_fail_rc(c, rc, "listing cases");
}

/* The page's filter: the user's visibility, before the limit (timeline.h, search.h). */
static int
keep_visible(void *arg, const char *sha256, int *ok)
{
    *ok = 0;
    return sha256 != NULL ? cs_api_visible(arg, sha256, NULL, ok) : 0;
}

void
cs_api_h_case_items(cs_api_call_t *c)
{
    char cursor[CS_API_CURSOR_MAX];
    cs_casenum_t cn;
    cs_search_key_t after, last;
    cs_timeline_q_t q = {.keep = keep_visible, .keep_arg = c};
    json_t *items = NULL, *v;
    long long limit;
    size_t i;
    int rc, has_cursor, more = 0;
    /* The cursor is the user's for this case's list (page.h). Decided (and ledgered) before
     * the case is looked up: who may not list it is not told whether it exists. */
    if (cs_api_arg_case(c, c->params[0], &cn) != 0 ||
        cs_api_arg_int(c, "limit", 100, 1, CS_TIMELINE_MAX_LIMIT, &limit) ||
        cs_api_arg_cursor(c, "items", cn.text, &after, &has_cursor) != 0 ||
        cs_api_gate(c, CS_READ_LIST, NULL, cn.text, "list", NULL, NULL, 0, NULL) != 0)
        return;
    q.case_number = cn.text;
    q.limit = (int)limit;
    q.after = has_cursor ? &after : NULL;
    /* A page at a time, in the order items were linked: what a timeline needs (capture time
     * and offset, sidecar words, device, copies) and each item's retention. */
    if ((rc = cs_catalog_case_timeline_page(c->cat, &q, &items, &last, &more)) != 0)
        goto fail;
    json_array_foreach(items, i, v)
    {
        if ((rc = cs_api_retention_item(c, json_string_value(json_object_get(v, "sha256")), v)) !=
            0)
            goto fail;
    }
    if (more && (rc = cs_api_next_cursor(c, "items", cn.text, &last, cursor, sizeof cursor)) != 0)
        goto fail;
    c->json = json_pack("{s:o, s:s?}", "items", items, "next_cursor", more ? cursor : NULL);
    c->status = 200;
    return;
fail:
    json_decref(items);
    cs_api_fail_rc(c, rc, "listing the case");
}

void
cs_api_h_search(cs_api_call_t *c)
{
    char kase[CS_CASENUM_MAX], party[256], from[64], to[64], near[128], device[256], text[256];
    char cursor[CS_API_CURSOR_MAX];
    int has_case, has_party, has_from, has_to, has_near, has_device, has_text, has_cursor;
    long long limit;
    cs_casenum_t cn;
    cs_search_t q = {0};
    cs_search_key_t after, last;
    json_t *rows = NULL;
    int rc, more = 0;
    if (cs_api_arg_str(c, "case", kase, sizeof kase, &has_case) ||
        cs_api_arg_str(c, "party", party, sizeof party, &has_party) ||
        cs_api_arg_str(c, "from", from, sizeof from, &has_from) ||
        cs_api_arg_str(c, "to", to, sizeof to, &has_to) ||
        cs_api_arg_str(c, "near", near, sizeof near, &has_near) ||
        cs_api_arg_str(c, "device", device, sizeof device, &has_device) ||
        cs_api_arg_str(c, "text", text, sizeof text, &has_text) ||
        cs_api_arg_int(c, "limit", 100, 1, CS_SEARCH_MAX_LIMIT, &limit) ||
        cs_api_arg_cursor(c, "search", NULL, &after, &has_cursor))
        return;
    if (has_case && cs_api_arg_case(c, kase, &cn) != 0)
        return;
    /* reference: an archived case's 档号 (indexer/archive.h) stands for its case number. */
    char ref[CS_ARCHREF_MAX], refcase[CS_CASENUM_MAX];
    int has_ref = 0;
    if (cs_api_arg_str(c, "reference", ref, sizeof ref, &has_ref))
        return;
    if (has_ref && has_case) {
        cs_api_fail(c, "bad-request", "give case or reference, not both");
        return;
    }
    if (has_ref && (rc = cs_catalog_case_by_reference(c->cat, ref, refcase, sizeof refcase)) != 0) {
        cs_api_fail_rc(c, rc, "search by archival reference");
        return;
    }
    if (has_near) {
        char tail;
        if (sscanf(near, "%lf,%lf,%lf%c", &q.lat, &q.lon, &q.metres, &tail) != 3) {
            cs_api_fail(c, "bad-request", "near: give LAT,LON,METRES, e.g. 35.41,116.59,500");
            return;
        }
        q.near = 1;
    }
    q.case_number = has_case ? cn.text : has_ref ? refcase : NULL;
    q.party = has_party ? party : NULL;
    if (has_from)
        cs_api_arg_site_bound(c, from, sizeof from, 0);
    if (has_to)
        cs_api_arg_site_bound(c, to, sizeof to, 1);
    q.from = has_from ? from : NULL;
    q.to = has_to ? to : NULL;
    q.device = has_device ? device : NULL;
    q.text = has_text ? text : NULL;
    q.limit = (int)limit;
    q.after = has_cursor ? &after : NULL;
    q.keep = keep_visible;
    q.keep_arg = c;
    if (cs_api_gate(c, CS_READ_LIST, NULL, NULL, "search", NULL, NULL, 0, NULL) != 0)
        return;
    if (q.case_number != NULL &&
        json_object_set_new(c->entry, "case", json_string(q.case_number)) != 0) {
        cs_api_fail(c, "internal", "out of memory recording the read");
        return;
    }
    if ((rc = cs_catalog_search_page(c->cat, &q, &rows, &last, &more)) != 0 ||
        (more && (rc = cs_api_next_cursor(c, "search", NULL, &last, cursor, sizeof cursor)) != 0)) {
        json_decref(rows);
        cs_api_fail_rc(c, rc, "search");
        return;
    }
    c->json = json_pack("{s:o, s:s?}", "items", rows, "next_cursor", more ? cursor : NULL);
    c->status = 200;
}

void
cs_api_h_link(cs_api_call_t *c)
{
    char sha[65];
    json_error_t jerr;
    json_t *body = NULL;
    const char *kase = NULL, *party = NULL, *why = NULL;
    cs_casenum_t cn;
    int rc;
    if (cs_api_arg_sha256(c, 0, sha) != 0)
        return;
    body = c->body ? json_loadb(c->body, c->body_len, JSON_REJECT_DUPLICATES, &jerr) : NULL;
    if (body == NULL || json_unpack_ex(body, &jerr, JSON_STRICT, "{s:s, s?s, s:s}", "case", &kase,
                                       "party", &party, "reason", &why) != 0) {
        cs_api_fail(c, "bad-request",
                    "send a JSON object {\"case\", \"party\" (optional), \"reason\"}: %s",
                    c->body ? jerr.text : "no body");
        goto out;
    }
    if (why[0] == '\0' || (party != NULL && party[0] == '\0')) {
        cs_api_fail(c, "bad-request", "reason must not be empty, nor party when given");
        goto out;
    }
    if (cs_api_arg_case(c, kase, &cn) != 0)
        goto out;
    /* A relink is a read of the item in its current case, decided and ledgered as one: a
     * caller who may not read it there cannot move it somewhere they may. */
    if (c->purpose_state == 0) { /* the reason is the purpose of a relink */
        if (cs_snprintf(c->purpose, sizeof c->purpose, "%s", why) != 0) {
            cs_api_fail(c, "bad-request", "reason is longer than %zu bytes; shorten it",
                        sizeof c->purpose - 1);
            goto out;
        }
        c->purpose_state = 1;
    }
    if (cs_api_gate(c, CS_READ_RELINK, sha, NULL, "relink", NULL, NULL, 0, NULL) != 0)
        goto out;
    cs_diag_clear();
    if ((rc = cs_catalog_link(c->cat, sha, cn.text, party, c->user.name, why, 1)) != 0) {
        cs_api_fail_rc(c, rc, "relink");
        goto out;
    }
    c->json = json_pack("{s:s, s:s, s:s?, s:s, s:s}", "sha256", sha, "case", cn.text, "party",
                        party, "reason", why, "linked_by", c->user.name);
    c->status = 200;
out:
    json_decref(body);
}
