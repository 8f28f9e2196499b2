/* indexer/access.c: users, grants (their purposes: v9) and classifications (schema v5), each change
 * ledgered. */
#include "indexer/access.h"

#include "core/error.h"
#include "indexer/catalog_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const levels[] = {"public", "internal", "privacy", "commercial_secret",
                                     "state_secret"};

int
cs_access_role_valid(const char *role)
{
    static const char *const roles[] = {"clerk", "reviewer", "auditor", "admin", "legal"};
    for (size_t i = 0; role != NULL && i < sizeof roles / sizeof roles[0]; i++)
        if (strcmp(role, roles[i]) == 0)
            return 1;
    return 0;
}

int
cs_access_level_rank(const char *level)
{
    for (int i = 0; level != NULL && i < (int)(sizeof levels / sizeof levels[0]); i++)
        if (strcmp(level, levels[i]) == 0)
            return i;
    return -1;
}

int
cs_catalog_user_add(cs_catalog_t *cat, const char *name, const char *role, const char *token_sha256,
                    const char *by)
{
    const char *what = "cannot add a user";
    char now[CS_TIME_MAX];
    cs_user_t u;
    int err;
    if (name == NULL || name[0] == '\0' || strlen(name) >= CS_NAME_MAX ||
        !cs_access_role_valid(role)) {
        cs_diag_set("a user needs a name (1..%d bytes) and a role: clerk, reviewer, auditor, "
                    "admin or legal",
                    CS_NAME_MAX - 1);
        return CS_EINVAL;
    }
    if (cs_access_name_reserved(name)) {
        cs_diag_set("%s is a name Custody uses for who is not a user (uploads, the operator, "
                    "clients): choose another",
                    name);
        return CS_EINVAL;
    }
    cs_clock_now(now);
    if ((err = cs_cat_begin(cat, what)) != 0)
        return err;
    if ((err = cs_catalog_user_by_name(cat, name, &u)) == 0) {
        cs_diag_set("there is already a user named %s; rotate their token instead "
                    "(custody user rotate %s)",
                    name, name);
        err = CS_EEXIST;
    } else if (err == CS_ENOTFOUND) {
        const char *args[] = {name, role, token_sha256, by, now};
        err = cs_cat_run(cat,
                         "INSERT INTO users (name, role, token_sha256, created_by, created_at)"
                         " VALUES (?1, ?2, ?3, ?4, ?5)",
                         args, 5, NULL, what);
        if (err == 0)
            err = cs_cat_ledger_custody(cat, "user.add", by,
                                        json_pack("{s:s, s:s}", "user", name, "role", role), what);
    }
    return cs_cat_finish(cat, err, what);
}

/* Updates one user row by name; CS_ENOTFOUND when no (enabled) user has that name. */
static int
user_update(cs_catalog_t *cat, const char *sql, const char *name, const char *value,
            const char *action, const char *by, const char *what)
{
    char now[CS_TIME_MAX];
    int err, changes = 0;
    cs_clock_now(now);
    if ((err = cs_cat_begin(cat, what)) != 0)
        return err;
    const char *args[] = {name, now, value};
    err = cs_cat_run(cat, sql, args, 3, &changes, what);
    if (err == 0 && changes == 0) {
        cs_diag_set("no enabled user named %s (custody user list)", name);
        err = CS_ENOTFOUND;
    }
    if (err == 0)
        err = cs_cat_ledger_custody(cat, action, by, json_pack("{s:s}", "user", name), what);
    return cs_cat_finish(cat, err, what);
}

int
cs_catalog_user_rotate(cs_catalog_t *cat, const char *name, const char *token_sha256,
                       const char *by)
{
    return user_update(cat,
                       "UPDATE users SET token_sha256 = ?3, rotated_at = ?2"
                       " WHERE name = ?1 AND disabled_at IS NULL",
                       name, token_sha256, "user.rotate", by, "cannot rotate a user's token");
}

int
cs_catalog_user_disable(cs_catalog_t *cat, const char *name, const char *by)
{
    return user_update(cat,
                       "UPDATE users SET disabled_at = ?2 WHERE name = ?1 AND disabled_at IS NULL",
                       name, NULL, "user.disable", by, "cannot disable a user");
}

static int
user_find(cs_catalog_t *cat, const char *sql, const char *key, cs_user_t *u)
{
    sqlite3_stmt *st = NULL;
    const char *what = "cannot look up a user";
    int err = cs_cat_prepare(cat, sql, &st, what), rc;
    if (err != 0)
        return err;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        u->id = sqlite3_column_int64(st, 0);
        u->disabled = sqlite3_column_type(st, 3) != SQLITE_NULL;
        if ((err = cs_cat_column_copy(st, 1, u->name, sizeof u->name, "user name")) == 0 &&
            (err = cs_cat_column_copy(st, 2, u->role, sizeof u->role, "user role")) == 0)
            err = cs_cat_column_copy(st, 4, u->token_sha256, sizeof u->token_sha256, "token hash");
    } else if (rc == SQLITE_DONE) {
        err = CS_ENOTFOUND;
    } else {
        err = cs_cat_err(cat, rc, what);
    }
    cs_cat_finalize(cat, st);
    return err;
}

int
cs_catalog_user_by_name(cs_catalog_t *cat, const char *name, cs_user_t *u)
{
    return user_find(cat,
                     "SELECT id, name, role, disabled_at, token_sha256 FROM users WHERE name = ?1",
                     name, u);
}

int
cs_catalog_user_by_token(cs_catalog_t *cat, const char *token_sha256, cs_user_t *u)
{
    return user_find(
        cat, "SELECT id, name, role, disabled_at, token_sha256 FROM users WHERE token_sha256 = ?1",
        token_sha256, u);
}

int
cs_catalog_users(cs_catalog_t *cat, json_t **out)
{
    return cs_cat_select_json(
        cat,
        "SELECT json_object('name', name, 'role', role, 'created_at', created_at,"
        " 'created_by', created_by, 'rotated_at', rotated_at, 'disabled_at',"
        " disabled_at) FROM users ORDER BY name",
        NULL, 0, out, "cannot list users");
}

/* purposes trimmed of the white space around them, as a JSON array (*out, caller's): what a
 * grant keeps, and what the gate compares the purpose stated with (access/purpose.c). */
static int
purposes_json(const char *const *purposes, size_t n, int any_purpose, json_t **out)
{
    json_t *a = json_array();
    *out = NULL;
    if (a == NULL)
        return CS_ENOMEM;
    if (n > CS_GRANT_NPURPOSES_MAX || (n == 0 && !any_purpose))
        goto bad;
    for (size_t i = 0; i < n; i++) {
        const char *p = purposes[i] ? purposes[i] : "";
        size_t len = strlen(p);
        while (*p == ' ' || (*p >= '\t' && *p <= '\r'))
            p++, len--;
        while (len > 0 && (p[len - 1] == ' ' || (p[len - 1] >= '\t' && p[len - 1] <= '\r')))
            len--;
        if (len == 0 || len >= CS_GRANT_PURPOSE_MAX)
            goto bad;
        for (size_t k = 0; k < len; k++)
            if ((unsigned char)p[k] < 0x20 || p[k] == 0x7f)
                goto bad;
        if (json_array_append_new(a, json_stringn(p, len)) != 0)
            goto bad; /* not UTF-8 */
    }
    *out = a;
    return 0;
bad:
    json_decref(a);
    cs_diag_set("purposes of a grant: 1 to %d texts (none needed with any purpose), each at most "
                "%d bytes without control characters",
                CS_GRANT_NPURPOSES_MAX, CS_GRANT_PURPOSE_MAX - 1);
    return CS_EINVAL;
}

int
cs_catalog_grant_add(cs_catalog_t *cat, const char *user, const char *case_number,
                     const char *party, const char *const *purposes, size_t npurposes,
                     int any_purpose, const char *until, const char *clearance, const char *scope,
                     const char *by, int64_t *id)
{
    const char *what = "cannot add a grant";
    char now[CS_TIME_MAX], *list = NULL;
    json_t *plist = NULL;
    cs_user_t u;
    int err, changes = 0;
    if (cs_access_level_rank(clearance) < 0) {
        cs_diag_set("a grant needs a clearance: public, internal, privacy, commercial_secret or "
                    "state_secret");
        return CS_EINVAL;
    }
    if (scope == NULL)
        scope = "originals";
    if (cs_grant_scope_rank(scope) < 0) {
        cs_diag_set("a grant's scope is metadata, media, originals or export, not \"%s\"", scope);
        return CS_EINVAL;
    }
    if ((err = purposes_json(purposes, npurposes, any_purpose, &plist)) != 0)
        return err;
    if ((list = json_dumps(plist, JSON_COMPACT)) == NULL) {
        json_decref(plist);
        return cs_cat_no_memory(cat, what);
    }
    cs_clock_now(now);
    if ((err = cs_cat_begin(cat, what)) != 0)
        goto done;
    if ((err = cs_catalog_user_by_name(cat, user, &u)) != 0 || u.disabled) {
        cs_diag_set("no enabled user named %s (custody user list)", user);
        err = CS_ENOTFOUND;
        goto out;
    }
    const char *args[] = {
        user, case_number, party, list, clearance, until, by, now, any_purpose ? "1" : "0", scope};
    err = cs_cat_run(
        cat,
        "INSERT INTO grants (user_id, case_id, party_id, purposes, any_purpose, clearance,"
        " until, granted_by, granted_at, scope)"
        " SELECT u.id, c.id, p.id, json(?4), CAST(?9 AS INTEGER), ?5, ?6, ?7, ?8, ?10"
        " FROM users u, cases c"
        " LEFT JOIN parties p ON p.case_id = c.id AND p.name = ?3"
        " WHERE u.name = ?1 AND c.number = ?2 AND (?3 IS NULL OR p.id IS NOT NULL)",
        args, 10, &changes, what);
    if (err == 0 && changes == 0)
        err = cs_cat_no_case(case_number, party);
    int64_t gid = sqlite3_last_insert_rowid(cat->db);
    if (err == 0)
        err = cs_cat_ledger_custody(cat, "grant.add", by,
                                    json_pack("{s:I, s:s, s:s, s:s?, s:O, s:b, s:s, s:s?, s:s}",
                                              "grant", (json_int_t)gid, "user", user, "case",
                                              case_number, "party", party, "purposes", plist,
                                              "any_purpose", any_purpose, "clearance", clearance,
                                              "until", until, "scope", scope),
                                    what);
    if (err == 0 && id != NULL)
        *id = gid;
out:
    err = cs_cat_finish(cat, err, what);
done:
    free(list);
    json_decref(plist);
    return err;
}

int
cs_catalog_grant_revoke(cs_catalog_t *cat, int64_t id, const char *by, const char *reason)
{
    const char *what = "cannot revoke a grant";
    char now[CS_TIME_MAX], idtext[24];
    int err, changes = 0;
    cs_clock_now(now);
    snprintf(idtext, sizeof idtext, "%lld", (long long)id); /* fits: 20 digits and a sign */
    if ((err = cs_cat_begin(cat, what)) != 0)
        return err;
    const char *args[] = {idtext, by, now, reason};
    err = cs_cat_run(cat,
                     "UPDATE grants SET revoked_by = ?2, revoked_at = ?3, revoke_reason = ?4"
                     " WHERE id = CAST(?1 AS INTEGER) AND revoked_at IS NULL",
                     args, 4, &changes, what);
    if (err == 0 && changes == 0) {
        cs_diag_set("no live grant %lld (custody grants)", (long long)id);
        err = CS_ENOTFOUND;
    }
    if (err == 0)
        err = cs_cat_ledger_custody(
            cat, "grant.revoke", by,
            json_pack("{s:I, s:s?}", "grant", (json_int_t)id, "reason", reason), what);
    return cs_cat_finish(cat, err, what);
}

int
cs_catalog_grants(cs_catalog_t *cat, const char *user, const char *now, json_t **out)
{
    const char *args[] = {user, now};
    return cs_cat_select_json(
        cat,
        "SELECT json_object('id', g.id, 'user', u.name, 'case', c.number, 'party', p.name,"
        " 'purposes', json(g.purposes), 'any_purpose', json(CASE g.any_purpose WHEN 1 THEN"
        " 'true' ELSE 'false' END), 'purpose', g.purposes ->> '$[0]', 'clearance', g.clearance,"
        " 'scope', g.scope, 'request', g.request_id, "
        "'until', g.until, 'granted_by',"
        " g.granted_by, 'granted_at', g.granted_at, 'revoked_at', g.revoked_at, 'live',"
        " json(CASE WHEN g.revoked_at IS NULL AND u.disabled_at IS NULL AND (g.until IS NULL OR"
        " g.until > ?2) THEN 'true' ELSE 'false' END))"
        " FROM grants g JOIN users u ON u.id = g.user_id JOIN cases c ON c.id = g.case_id"
        " LEFT JOIN parties p ON p.id = g.party_id WHERE ?1 IS NULL OR u.name = ?1"
        " ORDER BY g.id DESC",
        args, 2, out, "cannot list grants");
}

int
cs_cat_classify_rows(cs_catalog_t *cat, sqlite3_int64 item_id, const char *level,
                     const char *reason, const char *by, const char *now, const char *what)
{
    sqlite3_stmt *st = NULL;
    json_t *d = NULL;
    int err;
    if (cs_access_level_rank(level) < 0 || reason == NULL || reason[0] == '\0') {
        cs_diag_set("a classification needs a level (public, internal, privacy, "
                    "commercial_secret, state_secret) and a reason, not \"%s\"",
                    level ? level : "");
        return CS_EINVAL;
    }
    err = cs_cat_prepare(cat,
                         "UPDATE classifications SET superseded_at = ?2 WHERE item_id = ?1 AND"
                         " superseded_at IS NULL",
                         &st, what);
    if (err != 0)
        return err;
    sqlite3_bind_int64(st, 1, item_id);
    sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
    if ((err = cs_cat_step_done(cat, st, what)) != 0)
        goto out;
    cs_cat_finalize(cat, st);
    st = NULL;
    err = cs_cat_prepare(cat,
                         "INSERT INTO classifications (item_id, level, reason, set_by, set_at)"
                         " VALUES (?1, ?2, ?3, ?4, ?5)",
                         &st, what);
    if (err != 0)
        goto out;
    sqlite3_bind_int64(st, 1, item_id);
    sqlite3_bind_text(st, 2, level, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, reason, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, by, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, now, -1, SQLITE_STATIC);
    if ((err = cs_cat_step_done(cat, st, what)) != 0)
        goto out;
    d = json_pack("{s:s, s:s}", "level", level, "reason", reason);
    err = d ? cs_cat_insert_event(cat, item_id, 0, "classified", by, now, d, what)
            : cs_cat_no_memory(cat, what);
out:
    cs_cat_finalize(cat, st);
    json_decref(d);
    return err;
}

int
cs_catalog_classify(cs_catalog_t *cat, const char *sha256, const char *level, const char *reason,
                    const char *by)
{
    const char *what = "cannot classify an item";
    char now[CS_TIME_MAX];
    sqlite3_int64 item_id = 0;
    int err;
    cs_clock_now(now);
    if ((err = cs_cat_begin(cat, what)) != 0)
        return err;
    if ((err = cs_cat_item_id(cat, sha256, &item_id, what)) == 0)
        err = cs_cat_classify_rows(cat, item_id, level, reason, by, now, what);
    return cs_cat_finish(cat, err, what);
}

int
cs_catalog_classification(cs_catalog_t *cat, const char *sha256, char *level, size_t size)
{
    sqlite3_stmt *st = NULL;
    const char *what = "cannot read a classification";
    int err, rc;
    level[0] = '\0';
    err = cs_cat_prepare(cat,
                         "SELECT c.level FROM classifications c JOIN items i ON i.id = c.item_id"
                         " WHERE i.sha256 = ?1 AND c.superseded_at IS NULL",
                         &st, what);
    if (err != 0)
        return err;
    sqlite3_bind_text(st, 1, sha256, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        err = cs_cat_column_copy(st, 0, level, size, "classification");
    else if (rc != SQLITE_DONE)
        err = cs_cat_err(cat, rc, what);
    cs_cat_finalize(cat, st);
    return err;
}

int
cs_grant_scope_rank(const char *scope)
{
    static const char *const names[] = {"metadata", "media", "originals", "export"};
    for (int i = 0; scope != NULL && i < 4; i++)
        if (strcmp(scope, names[i]) == 0)
            return i;
    return -1;
}

int
cs_access_name_reserved(const char *name)
{
    static const char *const reserved[] = {"uploads", "operator", "fixity-scrub", "custody"};
    for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
        if (strcmp(name, reserved[i]) == 0)
            return 1;
    return strchr(name, ':') != NULL || strchr(name, '/') != NULL;
}

/* A grant's purposes (a JSON array) into g->purposes, end to end. A grant whose purposes do
 * not fit (a v8 grant's one long purpose) stops the read with a detail saying what to do. */
static int
purposes_row(cs_grant_row_t *g, const char *text)
{
    json_t *a = text ? json_loads(text, 0, NULL) : NULL, *v;
    size_t i, off = 0;
    int err = 0;
    g->npurposes = 0;
    memset(g->purposes, 0, sizeof g->purposes);
    json_array_foreach(a, i, v)
    {
        const char *p = json_string_value(v);
        size_t n = p ? strlen(p) : 0;
        if (n == 0)
            continue;
        if (n + 1 > sizeof g->purposes - off) {
            cs_diag_set("the purposes of grant %lld are longer than %zu bytes together: revoke "
                        "it and grant again with shorter ones (custody grant --purpose)",
                        (long long)g->id, sizeof g->purposes - 1);
            err = CS_ENAMETOOLONG;
            break;
        }
        memcpy(g->purposes + off, p, n + 1);
        off += n + 1;
        g->npurposes++;
    }
    json_decref(a);
    return err;
}

/* The live grants of user_id covering the item (sha256) or on the case. */
static int
grant_rows(cs_catalog_t *cat, int64_t user_id, const char *sha256, const char *case_number,
           const char *now, cs_grant_row_t *grants, size_t max, size_t *n)
{
    static const char *const by_item =
        "SELECT g.id, g.clearance, c.number, g.purposes, g.any_purpose, g.scope FROM grants g"
        " JOIN cases c ON c.id = g.case_id JOIN links l ON l.case_id = g.case_id AND "
        "l.superseded_at IS NULL"
        "   AND (g.party_id IS NULL OR l.party_id = g.party_id)"
        " JOIN items i ON i.id = l.item_id"
        " WHERE g.user_id = ?1 AND i.sha256 = ?2 AND g.revoked_at IS NULL"
        "   AND (g.until IS NULL OR g.until > ?3)"
        " ORDER BY CASE g.clearance WHEN 'state_secret' THEN 4 WHEN 'commercial_secret' THEN 3"
        "   WHEN 'privacy' THEN 2 WHEN 'internal' THEN 1 ELSE 0 END DESC, g.id";
    static const char *const by_case =
        "SELECT g.id, g.clearance, c.number, g.purposes, g.any_purpose, g.scope FROM grants g"
        " JOIN cases c ON c.id = g.case_id WHERE g.user_id = ?1 AND c.number = ?2 AND g.revoked_at "
        "IS NULL"
        "   AND (g.until IS NULL OR g.until > ?3)"
        " ORDER BY CASE g.clearance WHEN 'state_secret' THEN 4 WHEN 'commercial_secret' THEN 3"
        "   WHEN 'privacy' THEN 2 WHEN 'internal' THEN 1 ELSE 0 END DESC, g.id";
    const char *what = "cannot read grants";
    sqlite3_stmt *st = NULL;
    int err = cs_cat_prepare(cat, sha256 ? by_item : by_case, &st, what), rc;
    *n = 0;
    if (err != 0)
        return err;
    sqlite3_bind_int64(st, 1, user_id);
    sqlite3_bind_text(st, 2, sha256 ? sha256 : case_number, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < max) {
        cs_grant_row_t *g = &grants[(*n)++];
        g->id = sqlite3_column_int64(st, 0);
        g->clearance = cs_access_level_rank((const char *)sqlite3_column_text(st, 1));
        g->any_purpose = sqlite3_column_int(st, 4) == 1;
        g->scope = cs_grant_scope_rank((const char *)sqlite3_column_text(st, 5));
        if (g->scope < 0)
            g->scope = 0; /* the schema allows none other; read nothing but records */
        if ((err = cs_cat_column_copy(st, 2, g->case_number, sizeof g->case_number,
                                      "case number of a grant")) != 0 ||
            (err = purposes_row(g, (const char *)sqlite3_column_text(st, 3))) != 0)
            break;
    }
    if (err == 0 && rc != SQLITE_ROW && rc != SQLITE_DONE)
        err = cs_cat_err(cat, rc, what);
    cs_cat_finalize(cat, st);
    return err;
}

int
cs_catalog_access_rows(cs_catalog_t *cat, int64_t user_id, const char *sha256,
                       const char *case_number, const char *now, int *exists, int *level,
                       int *brought_in, int *unassigned, cs_grant_row_t *grants, size_t max,
                       size_t *ngrants)
{
    static const char *const item_sql =
        "SELECT (SELECT c.level FROM classifications c WHERE c.item_id = i.id AND"
        " c.superseded_at IS NULL), EXISTS (SELECT 1 FROM item_sources s WHERE s.item_id = i.id"
        " AND s.received_user_id = ?2), NOT EXISTS (SELECT 1 FROM links l WHERE l.item_id = i.id"
        " AND l.superseded_at IS NULL) FROM items i WHERE i.sha256 = ?1";
    static const char *const case_sql =
        "SELECT NULL, EXISTS (SELECT 1 FROM links l JOIN item_sources s ON s.item_id = l.item_id"
        " WHERE l.case_id = c.id AND l.superseded_at IS NULL AND s.received_user_id = ?2), 0"
        " FROM cases c WHERE c.number = ?1";
    const char *what = "cannot read what access is decided on";
    sqlite3_stmt *st = NULL;
    int err, rc;
    *exists = *brought_in = *unassigned = 0;
    *level = -1;
    *ngrants = 0;
    if ((err = cs_cat_prepare(cat, sha256 ? item_sql : case_sql, &st, what)) != 0)
        return err;
    sqlite3_bind_text(st, 1, sha256 ? sha256 : case_number, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, user_id > 0 ? user_id : -1);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *exists = 1;
        if (sqlite3_column_type(st, 0) != SQLITE_NULL)
            *level = cs_access_level_rank((const char *)sqlite3_column_text(st, 0));
        *brought_in = sqlite3_column_int(st, 1);
        *unassigned = sqlite3_column_int(st, 2);
    } else if (rc != SQLITE_DONE) {
        err = cs_cat_err(cat, rc, what);
    }
    cs_cat_finalize(cat, st);
    if (err == 0 && *exists && user_id > 0)
        err = grant_rows(cat, user_id, sha256, case_number, now, grants, max, ngrants);
    return err;
}
