/* api/route.c: the route table and matching a request's path against it. */
#include "api/api_int.h"

#include "core/error.h"

#include <string.h>

static const cs_api_route_t routes[] = {
    {"GET", "/healthz", CS_API_ANYONE, CS_API_LOOP, cs_api_h_healthz, NULL, 0, .op = "health"},
    {"GET", "/openapi.json", CS_API_ANYONE, CS_API_LOOP, cs_api_h_openapi, NULL, 0,
     .op = "openapi"},
    {"GET", "/metrics", CS_API_ANYONE, CS_API_POOL, cs_api_h_metrics, cs_api_metrics_render, 0,
     .op = "metrics"},
    {"GET", "/v1/cases", CS_API_USER, CS_API_POOL, cs_api_h_cases, NULL, 0, .op = "listCases"},
    {"GET", "/v1/cases/{case}/items", CS_API_USER, CS_API_POOL, cs_api_h_case_items, NULL, 0,
     .op = "listCaseItems"},
    {"POST", "/v1/cases/{case}/exports", CS_API_USER, CS_API_THREAD, cs_api_h_export, NULL, 0,
     .op = "exportCase"},
    {"GET", "/v1/cases/{case}/evidence-list", CS_API_USER, CS_API_POOL, cs_api_h_evidence_list,
     NULL, 0, .op = "getEvidenceList"},
    {"GET", "/v1/cases/{case}/reviews", CS_API_USER, CS_API_POOL, cs_api_h_reviews, NULL, 0,
     .op = "listReviews"},
    {"POST", "/v1/cases/{case}/reviews/opinion", CS_API_USER, CS_API_POOL, cs_api_h_review_opinion,
     NULL, 0, .op = "fileOpinion"},
    {"POST", "/v1/cases/{case}/reviews", CS_API_USER, CS_API_THREAD, cs_api_h_review_submit, NULL,
     0, .op = "submitReview"},
    {"POST", "/v1/cases/{case}/decision", CS_API_USER, CS_API_POOL, cs_api_h_decision, NULL, 0,
     .op = "recordDecision"},
    {"GET", "/v1/cases/{case}/record", CS_API_USER, CS_API_POOL, cs_api_h_case_record, NULL, 0,
     .op = "getCaseRecord"},
    {"POST", "/v1/cases/{case}/record", CS_API_USER, CS_API_POOL, cs_api_h_case_set, NULL, 0,
     .op = "setCaseRecord"},
    {"POST", "/v1/cases/{case}/status", CS_API_USER, CS_API_POOL, cs_api_h_case_status, NULL, 0,
     .op = "setCaseStatus"},
    {"GET", "/v1/register", CS_API_USER, CS_API_POOL, cs_api_h_register, NULL, 0,
     .op = "getCaseRegister"},
    {"GET", "/v1/items/{sha256}", CS_API_USER, CS_API_POOL, cs_api_h_item, NULL, 0,
     .op = "getItem"},
    {"GET", "/v1/items/{sha256}/original", CS_API_USER, CS_API_POOL, cs_api_h_original, NULL, 0,
     .op = "getOriginal"},
    {"GET", "/v1/items/{sha256}/dat63", CS_API_USER, CS_API_POOL, cs_api_h_dat63, NULL, 0,
     .op = "getItemDat63"},
    {"GET", "/v1/items/{sha256}/derivatives/{profile}", CS_API_USER, CS_API_POOL,
     cs_api_h_derivative, NULL, 0, .op = "getDerivative"},
    {"POST", "/v1/items/{sha256}/links", CS_API_EDIT, CS_API_POOL, cs_api_h_link, NULL, 0,
     .op = "linkItem"},
    {"GET", "/v1/items/{sha256}/public", CS_API_USER, CS_API_POOL, cs_api_h_public, NULL, 0,
     .op = "getPublicCopy"},
    {"PUT", "/v1/items/{sha256}/public/spec", CS_API_USER, CS_API_POOL, cs_api_h_public_spec, NULL,
     0, .op = "putRedactionSpec"},
    {"POST", "/v1/items/{sha256}/public/approve", CS_API_USER, CS_API_POOL, cs_api_h_public_approve,
     NULL, 0, .op = "approvePublicCopy"},
    {"GET", "/v1/public", CS_API_USER, CS_API_POOL, cs_api_h_public_list, NULL, 0,
     .op = "listPublicCopies"},
    {"GET", "/v1/search", CS_API_USER, CS_API_POOL, cs_api_h_search, NULL, 0, .op = "search"},
    {"GET", "/v1/ledger", CS_API_AUDIT, CS_API_POOL, cs_api_h_ledger, NULL, 0, .op = "listLedger"},
    {"GET", "/v1/ledger/checkpoint", CS_API_USER, CS_API_POOL, cs_api_h_checkpoint, NULL, 0,
     .op = "getCheckpoint"},
    {"GET", "/v1/ledger/proof", CS_API_USER, CS_API_POOL, cs_api_h_proof, NULL, 0,
     .op = "getInclusionProof"},
    {"GET", "/v1/ledger/consistency", CS_API_USER, CS_API_POOL, cs_api_h_consistency, NULL, 0,
     .op = "getConsistencyProof"},
    /* The web interface (h_ui.c) and what it needs beyond the records. */
    {"GET", "/", CS_API_ANYONE, CS_API_LOOP, cs_api_h_ui, NULL, 0, .op = "getUi"},
    {"GET", "/ui/{path}", CS_API_ANYONE, CS_API_LOOP, cs_api_h_ui, NULL, 1, .op = "getUiFile"},
    {"GET", "/v1/me", CS_API_USER, CS_API_POOL, cs_api_h_me, NULL, 0, .op = "getMe"},
    {"POST", "/v1/media-urls", CS_API_USER, CS_API_POOL, cs_api_h_media_urls, NULL, 0,
     .op = "createMediaUrls"},
    /* The token is the tail: it may be longer than a path parameter (it carries the purpose). */
    {"GET", "/media/{token}", CS_API_ANYONE, CS_API_POOL, cs_api_h_media_url, NULL, 1,
     .op = "getMedia"},
    {"GET", "/v1/jobs", CS_API_QUEUE, CS_API_POOL, cs_api_h_jobs, NULL, 0, .op = "listJobs"},
    {"GET", "/v1/unassigned", CS_API_QUEUE, CS_API_POOL, cs_api_h_unassigned, NULL, 0,
     .op = "listUnassigned"},
    {"GET", "/v1/ledger/key", CS_API_USER, CS_API_POOL, cs_api_h_ledger_key, NULL, 0,
     .op = "getLedgerKey"},
    /* The admin console (h_admin*.c): the same rows, ledgered alike, as `custody user`,
     * `grant`, `revoke` and `classify`, with the admin as the actor. */
    {"GET", "/v1/admin/users", CS_API_ADMIN, CS_API_POOL, cs_api_h_admin_users, NULL, 0,
     .op = "adminListUsers"},
    {"POST", "/v1/admin/users", CS_API_ADMIN, CS_API_POOL, cs_api_h_admin_user_add, NULL, 0,
     .op = "adminAddUser"},
    {"POST", "/v1/admin/users/{name}/disable", CS_API_ADMIN, CS_API_POOL,
     cs_api_h_admin_user_disable, NULL, 0, .op = "adminDisableUser"},
    {"POST", "/v1/admin/users/{name}/rotate", CS_API_ADMIN, CS_API_POOL, cs_api_h_admin_user_rotate,
     NULL, 0, .op = "adminRotateToken"},
    {"POST", "/v1/admin/users/{name}/password", CS_API_ADMIN, CS_API_POOL,
     cs_api_h_admin_user_password, NULL, 0, .op = "adminSetPassword"},
    {"GET", "/v1/admin/grants", CS_API_ADMIN, CS_API_POOL, cs_api_h_admin_grants, NULL, 0,
     .op = "adminListGrants"},
    {"POST", "/v1/admin/grants", CS_API_ADMIN, CS_API_POOL, cs_api_h_admin_grant_add, NULL, 0,
     .op = "adminGiveGrant"},
    {"POST", "/v1/admin/grants/{id}/revoke", CS_API_ADMIN, CS_API_POOL, cs_api_h_admin_grant_revoke,
     NULL, 0, .op = "adminRevokeGrant"},
    {"GET", "/v1/admin/classifications", CS_API_ADMIN, CS_API_POOL, cs_api_h_admin_classification,
     NULL, 0, .op = "adminGetClassification"},
    {"POST", "/v1/admin/classifications", CS_API_ADMIN, CS_API_POOL, cs_api_h_admin_classify, NULL,
     0, .op = "adminClassify"},
    /* People sign in on the web with a password (h_session.c); tokens stay for scripts. */
    /* The publication register (h_publish.c): who may change it, cs_access_case_editor. */
    {"GET", "/v1/publications", CS_API_USER, CS_API_POOL, cs_api_h_publications, NULL, 0,
     .op = "listPublications"},
    {"POST", "/v1/publications", CS_API_USER, CS_API_POOL, cs_api_h_publication_add, NULL, 0,
     .op = "addPublication"},
    {"POST", "/v1/publications/{id}/withdraw", CS_API_USER, CS_API_POOL,
     cs_api_h_publication_withdraw, NULL, 0, .op = "withdrawPublication"},
    {"POST", "/v1/publications/{id}/release", CS_API_USER, CS_API_POOL,
     cs_api_h_publication_release, NULL, 0, .op = "releasePublication"},
    {"POST", "/v1/publications/{id}/correct", CS_API_USER, CS_API_POOL,
     cs_api_h_publication_correct, NULL, 0, .op = "correctPublication"},
    /* Retrieval requests and their register (h_requests.c); who decides: indexer/requests.c,
     * who reads the register: the gate. */
    {"GET", "/v1/requests", CS_API_USER, CS_API_POOL, cs_api_h_requests, NULL, 0,
     .op = "listRequests"},
    {"POST", "/v1/requests", CS_API_USER, CS_API_POOL, cs_api_h_request_add, NULL, 0,
     .op = "addRequest"},
    {"POST", "/v1/requests/{id}/approve", CS_API_USER, CS_API_POOL, cs_api_h_request_approve, NULL,
     0, .op = "approveRequest"},
    {"POST", "/v1/requests/{id}/refuse", CS_API_USER, CS_API_POOL, cs_api_h_request_refuse, NULL, 0,
     .op = "refuseRequest"},
    {"GET", "/v1/register/retrievals", CS_API_USER, CS_API_POOL, cs_api_h_register_retrievals, NULL,
     0, .op = "getRetrievalRegister"},
    /* Holds (h_holds.c): admins place and release them; anyone else's attempt is ledgered. */
    {"GET", "/v1/holds", CS_API_AUDIT, CS_API_POOL, cs_api_h_holds, NULL, 0, .op = "listHolds"},
    {"POST", "/v1/holds", CS_API_USER, CS_API_POOL, cs_api_h_hold_add, NULL, 0, .op = "addHold"},
    {"POST", "/v1/holds/{id}/release", CS_API_USER, CS_API_POOL, cs_api_h_hold_release, NULL, 0,
     .op = "releaseHold"},
    /* Approved disposal (h_disposals.c); who decides: access/dispose.h. */
    {"GET", "/v1/disposals", CS_API_ADMIN, CS_API_POOL, cs_api_h_disposals, NULL, 0,
     .op = "listDisposals"},
    {"POST", "/v1/disposals", CS_API_ADMIN, CS_API_POOL, cs_api_h_disposal_propose, NULL, 0,
     .op = "proposeDisposal"},
    {"GET", "/v1/disposals/{id}", CS_API_ADMIN, CS_API_POOL, cs_api_h_disposal, NULL, 0,
     .op = "getDisposal"},
    {"POST", "/v1/disposals/{id}/approve", CS_API_ADMIN, CS_API_POOL, cs_api_h_disposal_approve,
     NULL, 0, .op = "approveDisposal"},
    {"POST", "/v1/disposals/{id}/cancel", CS_API_ADMIN, CS_API_POOL, cs_api_h_disposal_cancel, NULL,
     0, .op = "cancelDisposal"},
    /* The officers and devices registry (h_registry.c); who may: cs_access_registry. */
    {"GET", "/v1/officers", CS_API_EDIT, CS_API_POOL, cs_api_h_officers, NULL, 0,
     .op = "listOfficers"},
    {"POST", "/v1/officers", CS_API_EDIT, CS_API_POOL, cs_api_h_officer_put, NULL, 0,
     .op = "putOfficer"},
    {"GET", "/v1/devices", CS_API_EDIT, CS_API_POOL, cs_api_h_devices, NULL, 0,
     .op = "listDevices"},
    {"POST", "/v1/devices", CS_API_EDIT, CS_API_POOL, cs_api_h_device_put, NULL, 0,
     .op = "putDevice"},
    /* The format policy (h_policy.c); who may change it: cs_access_format_policy. */
    {"GET", "/v1/policy", CS_API_USER, CS_API_POOL, cs_api_h_policy, NULL, 0, .op = "getPolicy"},
    {"PUT", "/v1/policy", CS_API_USER, CS_API_POOL, cs_api_h_policy_put, NULL, 0,
     .op = "putPolicy"},
    {"POST", "/v1/session", CS_API_ANYONE, CS_API_POOL, cs_api_h_session_open, NULL, 0,
     .op = "createSession"},
    {"DELETE", "/v1/session", CS_API_USER, CS_API_POOL, cs_api_h_session_close, NULL, 0,
     .op = "deleteSession"},
};

_Static_assert(sizeof routes / sizeof routes[0] <= CS_API_ROUTES_MAX, "CS_API_ROUTES_MAX");

const cs_api_route_t *
cs_api_routes(size_t *n)
{
    *n = sizeof routes / sizeof routes[0];
    return routes;
}

/* Matches one route's pattern against the path's segments; 1 when it does. A tail route's last
 * parameter is not decoded: *tail (may be NULL) points at it in the path. With params NULL,
 * only the shape is matched. */
static int
pattern_matches(const cs_api_route_t *r, const char *path, size_t len,
                char params[][CS_API_PARAM_MAX], size_t nparams, const char **tail, int *err)
{
    const char *p = r->pattern, *s = path, *end = path + len;
    size_t np = 0;
    *err = 0;
    while (*p != '\0' && s < end) {
        if (*p != '/' || *s != '/')
            return 0;
        p++, s++;
        size_t plen = strcspn(p, "/");
        const char *seg_end = memchr(s, '/', (size_t)(end - s));
        size_t slen = seg_end ? (size_t)(seg_end - s) : (size_t)(end - s);
        if (p[0] == '{' && r->tail && p[plen] == '\0') {
            if (s == end)
                return 0;
            if (tail != NULL)
                *tail = s;
            return 1; /* the rest of the path, whatever its segments */
        }
        if (p[0] == '{') {
            if (slen == 0 || (params != NULL && np == nparams))
                return 0;
            int n = params ? cs_api_pct_decode(s, slen, 0, params[np], CS_API_PARAM_MAX) : 0;
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
        if (!pattern_matches(&routes[i], path, len, params, nparams, NULL, &err))
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

const char *
cs_api_route_tail(int route, const char *path, size_t len, size_t *tail_len)
{
    const char *tail = NULL;
    int err;
    *tail_len = 0;
    if (route < 0 || (size_t)route >= sizeof routes / sizeof routes[0] || !routes[route].tail ||
        !pattern_matches(&routes[route], path, len, NULL, 0, &tail, &err) || tail == NULL)
        return NULL;
    *tail_len = (size_t)(path + len - tail);
    return tail;
}
