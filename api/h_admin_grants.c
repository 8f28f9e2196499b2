/* api/h_admin_grants.c: the admin console's grants (GET/POST /v1/admin/grants, POST
 * .../{id}/revoke) and classifications (GET/POST /v1/admin/classifications), admins only
 * (route.c: CS_API_ADMIN). Each change goes through the same row function as `custody grant`,
 * `revoke` and `classify`, which ledgers it in its transaction, with the admin as actor; a
 * grant's end is read as the CLI reads --until (a date is the end of that day in site.tz).
 * Thread pool, catalog lock held. */
#include "api/admin.h"

#include "api/args.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/tz.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define LEVELS_ZH "须为 public、internal、privacy、commercial_secret 或 state_secret"
#define LEVELS_EN "must be public, internal, privacy, commercial_secret or state_secret"

/* The site's zone, as the CLI finds it (tools/sitetime.c): site.tz, else the system's, else
 * UTC; NULL (plain UTC) when not even UTC's can be read. */
static const cs_tz_t *
site_tz(const cs_config_t *cfg)
{
    char sys[CS_TZ_NAME_MAX + 1];
    const cs_tz_t *tz = NULL;
    if (cfg->site_tz[0] != '\0' && cs_tz_get(cfg->site_tz, &tz) == 0)
        return tz;
    if (cs_clock_system_zone(sys) == 0 && cs_tz_get(sys, &tz) == 0)
        return tz;
    return cs_tz_get("UTC", &tz) == 0 ? tz : NULL;
}

void
cs_api_h_admin_grants(cs_api_call_t *c)
{
    char user[CS_NAME_MAX], now[CS_TIME_MAX];
    json_t *grants = NULL;
    int set, rc;
    if (cs_api_arg_str(c, "user", user, sizeof user, &set) != 0)
        return;
    cs_clock_now(now);
    if ((rc = cs_catalog_grants(c->cat, set ? user : NULL, now, &grants)) != 0) {
        cs_api_admin_fail_rc(c, rc, "listing grants", "读取授权列表");
        return;
    }
    cs_api_answer_json(c, json_pack("{s:o}", "grants", grants), 200);
}

/* The purposes of a grant's body into p (*n of them); 1 with a bad-field answer. */
static int
purposes_of(cs_api_call_t *c, json_t *body, const char *p[CS_GRANT_NPURPOSES_MAX], size_t *n,
            int *any)
{
    json_t *list = json_object_get(body, "purposes"), *anyj = json_object_get(body, "any_purpose"),
           *v;
    size_t i;
    *n = 0;
    if (anyj != NULL && !json_is_boolean(anyj))
        return cs_api_admin_bad_field(c, "any_purpose", "须为 true 或 false", "must be a boolean");
    *any = json_is_true(anyj);
    if (list != NULL && !json_is_array(list))
        return cs_api_admin_bad_field(c, "purposes", "须为文字的数组", "must be an array of text");
    if (json_array_size(list) > CS_GRANT_NPURPOSES_MAX)
        return cs_api_admin_bad_field(c, "purposes", "最多 8 项", "at most 8 purposes");
    json_array_foreach(list, i, v)
    {
        if (!json_is_string(v) || json_string_length(v) == 0)
            return cs_api_admin_bad_field(c, "purposes", "每项须为非空文字",
                                          "each purpose must be a non-empty string");
        p[(*n)++] = json_string_value(v);
    }
    if (*n == 0 && !*any)
        return cs_api_admin_bad_field(c, "purposes", "至少填写一项用途，或选择“任何用途”",
                                      "name at least one purpose, or set any_purpose");
    return 0;
}

void
cs_api_h_admin_grant_add(cs_api_call_t *c)
{
    static const char *const known[] = {"user",  "case",      "party", "purposes", "any_purpose",
                                        "until", "clearance", "scope", NULL};
    const cs_config_t *cfg = c->api->opts.cfg;
    const char *user, *kase, *party, *until, *clearance, *scope, *purposes[CS_GRANT_NPURPOSES_MAX];
    char end[CS_TIME_MAX];
    size_t np = 0;
    int any = 0, rc;
    int64_t id = 0;
    cs_casenum_t cn;
    json_t *body, *plist = NULL;
    if (cs_api_admin_begin(c, 0, &body) != 0)
        return;
    if (cs_api_admin_only(c, body, known) || cs_api_admin_str(c, body, "user", 1, &user) ||
        cs_api_admin_str(c, body, "case", 1, &kase) ||
        cs_api_admin_str(c, body, "party", 0, &party) ||
        cs_api_admin_str(c, body, "until", 0, &until) ||
        cs_api_admin_str(c, body, "clearance", 0, &clearance) ||
        cs_api_admin_str(c, body, "scope", 0, &scope) || purposes_of(c, body, purposes, &np, &any))
        goto out;
    if (party != NULL && party[0] == '\0')
        party = NULL;
    if (until != NULL && until[0] == '\0')
        until = NULL;
    cs_diag_clear();
    if ((rc = cs_casenum_parse(c->api->rule, kase, &cn)) != 0) {
        cs_api_admin_bad_field(c, "case", "不是有效的案件编号",
                               *cs_diag() ? cs_diag() : cs_strerror(rc));
        goto out;
    }
    if (clearance == NULL)
        clearance = cs_config_levels[cfg->access_default_level];
    else if (cs_access_level_rank(clearance) < 0) {
        cs_api_admin_bad_field(c, "clearance", LEVELS_ZH, LEVELS_EN);
        goto out;
    }
    if (scope == NULL || scope[0] == '\0')
        scope = "originals";
    else if (cs_grant_scope_rank(scope) < 0) {
        cs_api_admin_bad_field(c, "scope",
                               "须为 metadata（查看记录）、media（查看媒体）、originals（下载原件）"
                               "或 export（导出）",
                               "metadata, media, originals or export");
        goto out;
    }
    cs_diag_clear();
    if (until != NULL &&
        cs_clock_parse_until(site_tz(cfg), until, cs_clock_now_ms(), "until", end) != 0) {
        cs_api_admin_bad_field(c, "until",
                               "须为将来的日期（YYYY-MM-DD，当天结束，按本站时区）或带时区的 "
                               "RFC 3339 时间",
                               *cs_diag() ? cs_diag() : "not a time after now");
        goto out;
    }
    cs_diag_clear();
    if ((rc = cs_catalog_grant_add(c->cat, user, cn.text, party, purposes, np, any,
                                   until ? end : NULL, clearance, scope, c->user.name, &id)) != 0) {
        cs_api_admin_fail_rc(c, rc, "giving a grant", "授权");
        goto out;
    }
    plist = json_array();
    for (size_t i = 0; plist != NULL && i < np; i++)
        json_array_append_new(plist, json_string(purposes[i]));
    cs_api_answer_json(c,
                       json_pack("{s:I, s:s, s:s, s:s?, s:o, s:b, s:s, s:s, s:s?, s:s}", "id",
                                 (json_int_t)id, "user", user, "case", cn.text, "party", party,
                                 "purposes", plist, "any_purpose", any, "clearance", clearance,
                                 "scope", scope, "until", until ? end : NULL, "granted_by",
                                 c->user.name),
                       201);
    plist = NULL; /* stolen by "o", even when the pack failed */
out:
    json_decref(body);
}

void
cs_api_h_admin_grant_revoke(cs_api_call_t *c)
{
    static const char *const known[] = {"reason", NULL};
    const char *reason;
    char *e = NULL;
    json_t *body;
    int rc;
    errno = 0;
    long long id = strtoll(c->params[0], &e, 10);
    if (errno != 0 || e == c->params[0] || *e != '\0' || id <= 0) {
        cs_api_admin_bad_field(c, "id", "授权编号须为正整数",
                               "a grant's number (GET /v1/admin/grants)");
        return;
    }
    if (cs_api_admin_begin(c, 0, &body) != 0)
        return;
    if (cs_api_admin_only(c, body, known) || cs_api_admin_str(c, body, "reason", 1, &reason))
        goto out;
    cs_diag_clear();
    if ((rc = cs_catalog_grant_revoke(c->cat, id, c->user.name, reason)) != 0) {
        cs_api_admin_fail_rc(c, rc, "revoking a grant", "撤销授权");
        goto out;
    }
    cs_api_answer_json(c,
                       json_pack("{s:I, s:b, s:s, s:s}", "id", (json_int_t)id, "revoked", 1,
                                 "reason", reason, "revoked_by", c->user.name),
                       200);
out:
    json_decref(body);
}

void
cs_api_h_admin_classification(cs_api_call_t *c)
{
    char item[CS_API_PARAM_MAX], sha[65], level[32];
    int set, rc;
    if (cs_api_arg_str(c, "sha256", item, sizeof item, &set) != 0)
        return;
    if (!set) {
        cs_api_admin_bad_field(c, "sha256", "请给出记录的 SHA-256（至少 8 位）",
                               "send ?sha256= (the item, or a prefix of 8 or more hex digits)");
        return;
    }
    cs_diag_clear();
    if ((rc = cs_catalog_resolve(c->cat, item, sha)) != 0 ||
        (rc = cs_catalog_classification(c->cat, sha, level, sizeof level)) != 0) {
        cs_api_admin_fail_rc(c, rc, "reading a classification", "读取密级");
        return;
    }
    cs_api_answer_json(c, json_pack("{s:s, s:s?}", "sha256", sha, "level", level[0] ? level : NULL),
                       200);
}

void
cs_api_h_admin_classify(cs_api_call_t *c)
{
    static const char *const known[] = {"sha256", "level", "reason", NULL};
    const char *item, *level, *reason;
    char sha[65];
    json_t *body;
    int rc;
    if (cs_api_admin_begin(c, 0, &body) != 0)
        return;
    if (cs_api_admin_only(c, body, known) || cs_api_admin_str(c, body, "sha256", 1, &item) ||
        cs_api_admin_str(c, body, "level", 1, &level) ||
        cs_api_admin_str(c, body, "reason", 1, &reason))
        goto out;
    if (cs_access_level_rank(level) < 0) {
        cs_api_admin_bad_field(c, "level", LEVELS_ZH, LEVELS_EN);
        goto out;
    }
    cs_diag_clear();
    if ((rc = cs_catalog_resolve(c->cat, item, sha)) != 0) {
        if (rc == CS_EINVAL || rc == CS_EAMBIGUOUS)
            cs_api_admin_bad_field(c, "sha256", "须为记录的 SHA-256 或其唯一前缀（至少 8 位）",
                                   *cs_diag() ? cs_diag() : cs_strerror(rc));
        else
            cs_api_admin_fail_rc(c, rc, "classifying an item", "设定密级");
        goto out;
    }
    cs_diag_clear();
    if ((rc = cs_catalog_classify(c->cat, sha, level, reason, c->user.name)) != 0) {
        cs_api_admin_fail_rc(c, rc, "classifying an item", "设定密级");
        goto out;
    }
    cs_api_answer_json(c,
                       json_pack("{s:s, s:s, s:s, s:s}", "sha256", sha, "level", level, "reason",
                                 reason, "classified_by", c->user.name),
                       200);
out:
    json_decref(body);
}
