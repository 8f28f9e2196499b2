/* indexer/requests.c: retrieval requests and the retrieval register (requests.h). */
#include "indexer/requests.h"

#include "core/error.h"
#include "indexer/access.h"
#include "indexer/catalog_int.h"
#include "indexer/ledger_pack.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A purpose as a grant keeps it: no white space around it, 1..255 bytes, no control bytes. */
static int
purpose_ok(const char *p, char *out, size_t size)
{
    size_t len;
    if (p == NULL)
        return 0;
    while (*p == ' ' || (*p >= '\t' && *p <= '\r'))
        p++;
    len = strlen(p);
    while (len > 0 && (p[len - 1] == ' ' || (p[len - 1] >= '\t' && p[len - 1] <= '\r')))
        len--;
    if (len == 0 || len >= size)
        return 0;
    for (size_t k = 0; k < len; k++)
        if ((unsigned char)p[k] < 0x20 || p[k] == 0x7f)
            return 0;
    memcpy(out, p, len);
    out[len] = '\0';
    return 1;
}

/* A refused step: its entry appended and committed, then CS_EACCES with `why` as the detail. */
static int
refuse_step(cs_catalog_t *cat, const char *action, const char *by, json_t *fields, const char *why,
            const char *what)
{
    int err;
    if (fields != NULL) {
        json_object_set_new(fields, "result", json_string("denied"));
        json_object_set_new(fields, "reason", json_string(why));
    }
    err = cs_cat_ledger_custody(cat, action, by, fields, what);
    if ((err = cs_cat_finish(cat, err, what)) != 0)
        return err;
    cs_diag_set("%s", why);
    return CS_EACCES;
}

int
cs_catalog_request_add(cs_catalog_t *cat, const char *user, const char *case_number,
                       const char *party, const char *purpose, const char *scope, const char *until,
                       int64_t *id)
{
    const char *what = "cannot add a request";
    char now[CS_TIME_MAX], p[CS_REQUEST_PURPOSE_MAX];
    cs_user_t u;
    int err, changes = 0;
    if (!purpose_ok(purpose, p, sizeof p)) {
        cs_diag_set("a request states one purpose: 1 to %d bytes without control characters",
                    CS_REQUEST_PURPOSE_MAX - 1);
        return CS_EINVAL;
    }
    if (cs_grant_scope_rank(scope) < 0) {
        cs_diag_set("a request's scope is metadata, media, originals or export");
        return CS_EINVAL;
    }
    cs_clock_now(now);
    if (until == NULL || strcmp(until, now) <= 0) {
        cs_diag_set("a request asks for a period that ends after now (--until DATE)");
        return CS_EINVAL;
    }
    if ((err = cs_cat_begin(cat, what)) != 0)
        return err;
    if ((err = cs_catalog_user_by_name(cat, user, &u)) != 0 || u.disabled) {
        cs_diag_set("no enabled user named %s (custody user list)", user);
        err = CS_ENOTFOUND;
        goto out;
    }
    if (strcmp(u.role, "reviewer") != 0 && strcmp(u.role, "admin") != 0)
        return refuse_step(
            cat, "request.add", user,
            json_pack("{s:s, s:s, s:s}", "case", case_number, "purpose", p, "scope", scope),
            "only reviewers and admins read through grants, and so request them", what);
    const char *args[] = {user, case_number, party, p, scope, until, now, u.role};
    err = cs_cat_run(cat,
                     "INSERT INTO requests (user_id, role, case_id, party_id, purpose, scope,"
                     " until, requested_at)"
                     " SELECT u.id, ?8, c.id, p.id, ?4, ?5, ?6, ?7 FROM users u, cases c"
                     " LEFT JOIN parties p ON p.case_id = c.id AND p.name = ?3"
                     " WHERE u.name = ?1 AND c.number = ?2 AND (?3 IS NULL OR p.id IS NOT NULL)",
                     args, 8, &changes, what);
    if (err == 0 && changes == 0)
        err = cs_cat_no_case(case_number, party);
    int64_t rid = sqlite3_last_insert_rowid(cat->db);
    if (err == 0)
        err = cs_cat_ledger_custody(cat, "request.add", user,
                                    json_pack("{s:I, s:s, s:s, s:s?, s:s, s:s, s:s, s:s}",
                                              "request", (json_int_t)rid, "role", u.role, "case",
                                              case_number, "party", party, "purpose", p, "scope",
                                              scope, "until", until, "result", "allowed"),
                                    what);
    if (err == 0 && id != NULL)
        *id = rid;
out:
    return cs_cat_finish(cat, err, what);
}

/* The request's row: its requester, status and period. */
typedef struct req_row {
    char user[CS_NAME_MAX], status[16], until[CS_TIME_MAX], scope[16];
} req_row_t;

static int
load_request(cs_catalog_t *cat, int64_t id, req_row_t *r, const char *what)
{
    sqlite3_stmt *st = NULL;
    int err = cs_cat_prepare(cat,
                             "SELECT u.name, r.status, r.until, r.scope FROM requests r"
                             " JOIN users u ON u.id = r.user_id WHERE r.id = ?1",
                             &st, what),
        rc;
    if (err != 0)
        return err;
    sqlite3_bind_int64(st, 1, id);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        if ((err = cs_cat_column_copy(st, 0, r->user, sizeof r->user, "requester")) == 0 &&
            (err = cs_cat_column_copy(st, 1, r->status, sizeof r->status, "status")) == 0 &&
            (err = cs_cat_column_copy(st, 2, r->until, sizeof r->until, "until")) == 0)
            err = cs_cat_column_copy(st, 3, r->scope, sizeof r->scope, "scope");
    } else if (rc == SQLITE_DONE) {
        cs_diag_set("no request %lld (custody requests)", (long long)id);
        err = CS_ENOTFOUND;
    } else {
        err = cs_cat_err(cat, rc, what);
    }
    cs_cat_finalize(cat, st);
    return err;
}

int
cs_catalog_request_decide(cs_catalog_t *cat, int64_t id, const char *by, int approve,
                          const char *clearance, const char *reason, int64_t *grant)
{
    const char *what = approve ? "cannot approve a request" : "cannot refuse a request";
    const char *action = approve ? "request.approve" : "request.refuse";
    char now[CS_TIME_MAX], idtext[24];
    req_row_t r;
    cs_user_t u;
    int err, changes = 0;
    if (approve && cs_access_level_rank(clearance) < 0) {
        cs_diag_set("an approval gives a clearance: public, internal, privacy, "
                    "commercial_secret or state_secret");
        return CS_EINVAL;
    }
    if (!approve && (reason == NULL || reason[0] == '\0')) {
        cs_diag_set("a refusal states its reason (--reason TEXT)");
        return CS_EINVAL;
    }
    cs_clock_now(now);
    snprintf(idtext, sizeof idtext, "%lld", (long long)id); /* fits: 20 digits and a sign */
    if ((err = cs_cat_begin(cat, what)) != 0)
        return err;
    if ((err = load_request(cat, id, &r, what)) != 0)
        goto out;
    int known = cs_catalog_user_by_name(cat, by, &u) == 0 && !u.disabled;
    if (!known || strcmp(u.role, "admin") != 0)
        return refuse_step(cat, action, by, json_pack("{s:I}", "request", (json_int_t)id),
                           "only an enabled admin decides a request", what);
    if (strcmp(u.name, r.user) == 0)
        return refuse_step(cat, action, by, json_pack("{s:I}", "request", (json_int_t)id),
                           "a request is decided by someone else than its requester", what);
    if (strcmp(r.status, "pending") != 0) {
        cs_diag_set("request %lld is already %s (custody requests)", (long long)id, r.status);
        err = CS_EEXIST;
        goto out;
    }
    if (approve && strcmp(r.until, now) <= 0) {
        cs_diag_set("request %lld asked for a period that has ended: refuse it, and ask again",
                    (long long)id);
        err = CS_EINVAL;
        goto out;
    }
    const char *args[] = {
        idtext, by, now, approve ? "approved" : "refused", approve ? NULL : reason, clearance};
    err = cs_cat_run(cat,
                     "UPDATE requests SET status = ?4, decided_by = ?2, decided_at = ?3,"
                     " reason = ?5 WHERE id = CAST(?1 AS INTEGER) AND status = 'pending'",
                     args, 5, &changes, what);
    if (err != 0 || !approve) {
        if (err == 0)
            err = cs_cat_ledger_custody(cat, action, by,
                                        json_pack("{s:I, s:s, s:s, s:s}", "request", (json_int_t)id,
                                                  "user", r.user, "reason", reason, "result",
                                                  "allowed"),
                                        what);
        goto out;
    }
    err = cs_cat_run(cat,
                     "INSERT INTO grants (user_id, case_id, party_id, purposes, any_purpose,"
                     " clearance, until, granted_by, granted_at, scope, request_id)"
                     " SELECT user_id, case_id, party_id, json_array(purpose), 0, ?6, until, ?2,"
                     " ?3, scope, id FROM requests WHERE id = CAST(?1 AS INTEGER)",
                     args, 6, &changes, what);
    int64_t gid = sqlite3_last_insert_rowid(cat->db);
    if (err == 0)
        err = cs_cat_ledger_custody(cat, "grant.add", by,
                                    json_pack("{s:I, s:s, s:s, s:s, s:s, s:I}", "grant",
                                              (json_int_t)gid, "user", r.user, "clearance",
                                              clearance, "until", r.until, "scope", r.scope,
                                              "request", (json_int_t)id),
                                    what);
    if (err == 0)
        err = cs_cat_ledger_custody(
            cat, action, by,
            json_pack("{s:I, s:s, s:I, s:s, s:s}", "request", (json_int_t)id, "user", r.user,
                      "grant", (json_int_t)gid, "clearance", clearance, "result", "allowed"),
            what);
    if (err == 0 && grant != NULL)
        *grant = gid;
out:
    return cs_cat_finish(cat, err, what);
}

#define REQUEST_JSON                                                                               \
    "json_object('id', r.id, 'user', u.name, 'role', r.role, 'case', c.number, 'party', p.name,"   \
    " 'purpose', r.purpose, 'scope', r.scope, 'until', r.until, 'requested_at', r.requested_at,"   \
    " 'status', r.status, 'decided_by', r.decided_by, 'decided_at', r.decided_at, 'reason',"       \
    " r.reason, 'grant', g.id"
#define REQUEST_FROM                                                                               \
    " FROM requests r JOIN users u ON u.id = r.user_id JOIN cases c ON c.id = r.case_id"           \
    " LEFT JOIN parties p ON p.id = r.party_id LEFT JOIN grants g ON g.request_id = r.id"

int
cs_catalog_requests(cs_catalog_t *cat, const char *status, json_t **out)
{
    const char *args[] = {status};
    return cs_cat_select_json(cat,
                              "SELECT " REQUEST_JSON ")" REQUEST_FROM
                              " WHERE ?1 IS NULL OR r.status = ?1 ORDER BY r.id DESC",
                              args, 1, out, "cannot list requests");
}

int
cs_request_month(const cs_tz_t *tz, const char *month, char from[CS_TIME_MAX], char to[CS_TIME_MAX])
{
    int y = 0, m = 0, n = 0;
    char day[32];
    if (month == NULL || sscanf(month, "%4d-%2d%n", &y, &m, &n) != 2 || n != 7 ||
        month[7] != '\0' || y < 1970 || m < 1 || m > 12)
        goto bad;
    snprintf(day, sizeof day, "%04d-%02d-01", y, m); /* fits: 10 bytes */
    if (cs_clock_parse_bound(tz, day, 0, from) != 0)
        goto bad;
    snprintf(day, sizeof day, "%04d-%02d-01", m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1);
    if (cs_clock_parse_bound(tz, day, 0, to) != 0)
        goto bad;
    return 0;
bad:
    cs_diag_set("a month is YYYY-MM (like 2026-12), not \"%s\"", month ? month : "");
    return CS_EINVAL;
}

int
cs_catalog_retrieval_register(cs_catalog_t *cat, const char *from, const char *to, json_t **out)
{
    const char *args[] = {from, to};
    /* One pass over the month's retrieval entries that name a grant, then each request. */
    return cs_cat_select_json(
        cat,
        "WITH entries AS (SELECT seq, " CS_LEDGER_TEXT " AS entry FROM ledger),"
        " reads AS MATERIALIZED (SELECT seq, CAST(entry ->> '$.grant' AS INTEGER) AS gid,"
        " entry ->> '$.result' AS result FROM entries WHERE entry ->> '$.kind' = 'retrieval'"
        " AND entry ->> '$.grant' IS NOT NULL AND entry ->> '$.at' >= ?1"
        " AND entry ->> '$.at' < ?2)"
        " SELECT " REQUEST_JSON ", 'decider_role', du.role,"
        " 'reads', json(coalesce((SELECT json_group_array(seq) FROM (SELECT seq FROM reads"
        " WHERE gid = g.id AND result = 'allowed' ORDER BY seq)), '[]')),"
        " 'refused', (SELECT count(*) FROM reads WHERE gid = g.id AND result = "
        "'denied'))" REQUEST_FROM " LEFT JOIN users du ON du.name = r.decided_by"
        " WHERE (r.requested_at >= ?1 AND r.requested_at < ?2)"
        " OR (r.decided_at >= ?1 AND r.decided_at < ?2)"
        " OR EXISTS (SELECT 1 FROM reads WHERE gid = g.id) ORDER BY r.id",
        args, 2, out, "cannot read the retrieval register");
}
