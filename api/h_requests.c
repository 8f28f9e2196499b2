/* api/h_requests.c: retrieval requests over HTTP, as `custody request` and `custody requests`
 * (indexer/requests.h decides who may decide), and GET /v1/register/retrievals, the monthly
 * retrieval register (a read the gate decides and ledgers, CS_READ_REGISTER). */
#include "api/admin.h"

#include "api/args.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/error.h"
#include "export/retrievals.h"
#include "indexer/access.h"
#include "indexer/requests.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A refused step (on record already): 403 with its code and Chinese text. */
static void
fail_rc(cs_api_call_t *c, int rc, const char *what, const char *zh)
{
    if (rc != CS_EACCES)
        return cs_api_admin_fail_rc(c, rc, what, zh);
    cs_api_fail_code(c, "forbidden", "not-decider",
                     "申请须由申请人以外的管理员审批；本次操作已记入调阅记录",
                     "%s: %s (the attempt is in the ledger)", what, cs_diag());
}

void
cs_api_h_request_add(cs_api_call_t *c)
{
    static const char *const known[] = {"case", "party", "purpose", "scope", "until", NULL};
    const char *kase, *party, *purpose, *scope, *until;
    char end[CS_TIME_MAX];
    int64_t id = 0;
    cs_casenum_t cn;
    json_t *body;
    int rc;
    if (cs_api_admin_begin(c, 0, &body) != 0)
        return;
    if (cs_api_admin_only(c, body, known) || cs_api_admin_str(c, body, "case", 1, &kase) ||
        cs_api_admin_str(c, body, "party", 0, &party) ||
        cs_api_admin_str(c, body, "purpose", 1, &purpose) ||
        cs_api_admin_str(c, body, "scope", 1, &scope) ||
        cs_api_admin_str(c, body, "until", 1, &until))
        goto out;
    if (party != NULL && party[0] == '\0')
        party = NULL;
    cs_diag_clear();
    if ((rc = cs_casenum_parse(c->api->rule, kase, &cn)) != 0) {
        cs_api_admin_bad_field(c, "case", "不是有效的案件编号",
                               *cs_diag() ? cs_diag() : cs_strerror(rc));
        goto out;
    }
    if (cs_grant_scope_rank(scope) < 0) {
        cs_api_admin_bad_field(c, "scope",
                               "须为 metadata（查看记录）、media（查看媒体）、originals（下载原件）"
                               "或 export（导出）",
                               "metadata, media, originals or export");
        goto out;
    }
    cs_diag_clear();
    if (cs_clock_parse_until(cs_clock_site_zone(c->api->opts.cfg->site_tz), until,
                             cs_clock_now_ms(), "until", end) != 0) {
        cs_api_admin_bad_field(c, "until",
                               "须为将来的日期（YYYY-MM-DD，当天结束，按本站时区）或带时区的 "
                               "RFC 3339 时间",
                               *cs_diag() ? cs_diag() : "not a time after now");
        goto out;
    }
    cs_diag_clear();
    if ((rc = cs_catalog_request_add(c->cat, c->user.name, cn.text, party, purpose, scope, end,
                                     &id)) != 0) {
        fail_rc(c, rc, "asking for access", "提交调阅申请");
        goto out;
    }
    cs_api_answer_json(c,
                       json_pack("{s:I, s:s, s:s, s:s?, s:s, s:s, s:s, s:s}", "id", (json_int_t)id,
                                 "user", c->user.name, "case", cn.text, "party", party, "purpose",
                                 purpose, "scope", scope, "until", end, "status", "pending"),
                       201);
out:
    json_decref(body);
}

void
cs_api_h_requests(cs_api_call_t *c)
{
    char status[16];
    json_t *list = NULL, *r;
    size_t i;
    int set, rc;
    if (cs_api_arg_str(c, "status", status, sizeof status, &set) != 0)
        return;
    if ((rc = cs_catalog_requests(c->cat, set ? status : NULL, &list)) != 0) {
        cs_api_admin_fail_rc(c, rc, "listing requests", "读取调阅申请");
        return;
    }
    /* Admins decide and auditors audit them all; anyone else sees their own. */
    if (c->who.role != CS_ROLE_ADMIN && c->who.role != CS_ROLE_AUDITOR)
        for (i = json_array_size(list); i-- > 0;) {
            r = json_array_get(list, i);
            if (strcmp(json_string_value(json_object_get(r, "user")), c->user.name) != 0)
                json_array_remove(list, i);
        }
    cs_api_answer_json(c, json_pack("{s:o}", "requests", list), 200);
}

/* POST /v1/requests/{id}/approve and .../refuse. */
static void
decide(cs_api_call_t *c, int approve)
{
    static const char *const known[] = {"clearance", "reason", NULL};
    const char *clearance, *reason;
    char *e = NULL;
    int64_t grant = 0;
    json_t *body;
    int rc;
    errno = 0;
    long long id = strtoll(c->params[0], &e, 10);
    if (errno != 0 || e == c->params[0] || *e != '\0' || id <= 0) {
        cs_api_admin_bad_field(c, "id", "申请编号须为正整数",
                               "a request's number (GET /v1/requests)");
        return;
    }
    if (cs_api_admin_begin(c, 1, &body) != 0)
        return;
    if (cs_api_admin_only(c, body, known) ||
        cs_api_admin_str(c, body, "clearance", 0, &clearance) ||
        cs_api_admin_str(c, body, "reason", !approve, &reason))
        goto out;
    if (clearance == NULL)
        clearance = cs_config_levels[c->api->opts.cfg->access_default_level];
    cs_diag_clear();
    if ((rc = cs_catalog_request_decide(c->cat, id, c->user.name, approve, clearance, reason,
                                        &grant)) != 0) {
        fail_rc(c, rc, approve ? "approving a request" : "refusing a request",
                approve ? "批准调阅申请" : "拒绝调阅申请");
        goto out;
    }
    cs_api_answer_json(c,
                       json_pack("{s:I, s:s, s:s, s:o}", "id", (json_int_t)id, "status",
                                 approve ? "approved" : "refused", "decided_by", c->user.name,
                                 "grant", approve ? json_integer(grant) : json_null()),
                       200);
out:
    json_decref(body);
}

void
cs_api_h_request_approve(cs_api_call_t *c)
{
    decide(c, 1);
}

void
cs_api_h_request_refuse(cs_api_call_t *c)
{
    decide(c, 0);
}

void
cs_api_h_register_retrievals(cs_api_call_t *c)
{
    char month[16], format[8], from[CS_TIME_MAX], to[CS_TIME_MAX], object[32];
    const cs_tz_t *tz = cs_clock_site_zone(c->api->opts.cfg->site_tz);
    int has_month, has_format, csv, rc;
    json_t *rows = NULL;
    if (cs_api_arg_str(c, "month", month, sizeof month, &has_month) != 0 ||
        cs_api_arg_str(c, "format", format, sizeof format, &has_format) != 0)
        return;
    csv = has_format && strcmp(format, "csv") == 0;
    if (has_format && !csv && strcmp(format, "json") != 0) {
        cs_api_fail(c, "bad-request", "format: give csv or json");
        return;
    }
    cs_diag_clear();
    if (!has_month || cs_request_month(tz, month, from, to) != 0) {
        cs_api_admin_bad_field(c, "month", "须为 YYYY-MM 形式的月份", "a month, YYYY-MM");
        return;
    }
    snprintf(object, sizeof object, "register:%s", month); /* fits: 9 + 15 bytes */
    if (cs_api_gate(c, CS_READ_REGISTER, NULL, NULL, "register.retrievals", object, NULL, 0,
                    NULL) != 0)
        return;
    if ((rc = cs_catalog_retrieval_register(c->cat, from, to, &rows)) != 0) {
        cs_api_fail_rc(c, rc, "the retrieval register"); /* the entry is appended by record.c */
        return;
    }
    if (!csv) {
        cs_api_answer_json(c, json_pack("{s:s, s:o}", "month", month, "requests", rows), 200);
        return;
    }
    cs_retrievals_t r = {.month = month,
                         .reader = c->user.name,
                         .role = cs_access_role_name(c->who.role),
                         .seq = -1,
                         .rows = rows,
                         .tz = tz};
    rc = cs_retrievals_render(&r, 0, &c->text, &c->text_len);
    json_decref(rows);
    if (rc != 0) {
        cs_api_fail_rc(c, rc, "writing the retrieval register");
        return;
    }
    c->ctype = "text/csv; charset=utf-8; header=present";
    snprintf(c->disposition, sizeof c->disposition, "attachment; filename=\"retrievals-%s.csv\"",
             month); /* fits: 1800 bytes */
    c->status = 200;
}
