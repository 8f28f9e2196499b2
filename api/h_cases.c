/* api/h_cases.c: a case as a record (indexer/cases.h) and the case-file register
 * (export/register.h): GET and POST /v1/cases/{case}/record, POST /v1/cases/{case}/status,
 * GET /v1/register?format=csv|json. Reads are decided by the gate (CS_READ_CASE: whether the
 * ID numbers are shown too; the register as a list) and ledgered; changes are a clerk's or an
 * admin's (cs_access_case_editor), ledgered by the catalog in their transaction. */
#include "api/api_int.h"

#include "api/args.h"
#include "core/error.h"
#include "export/register.h"
#include "indexer/cases.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
cs_api_h_case_record(cs_api_call_t *c)
{
    cs_access_policy_t pol = cs_access_policy(c->api->opts.cfg);
    cs_access_how_t h = cs_api_how(c, CS_READ_CASE, "view.case");
    cs_access_decision_t d;
    cs_casenum_t cn;
    json_t *e = NULL, *rec = NULL;
    int rc;
    if (cs_api_arg_case(c, c->params[0], &cn) != 0)
        return;
    /* The gate decides the read and whether the parties' ID numbers are shown. */
    if ((rc = cs_access_decide(c->cat, &pol, &c->who, NULL, cn.text, &h, &d, &e)) != 0) {
        cs_api_fail_rc(c, rc, "deciding the read");
        return;
    }
    if (cs_api_answer_decision(c, &d, e) != 0)
        return;
    if ((rc = cs_catalog_case_record(c->cat, cn.text, d.personal_data, &rec)) != 0) {
        cs_api_fail_rc(c, rc, "the case's record");
        return;
    }
    c->json = rec;
    c->status = 200;
}

/* 0 when c's user may change a case's record; else 1, the refusal ledgered as `action` and
 * answered 403 with code "role". */
int
cs_api_refuse_non_editor(cs_api_call_t *c, const char *action, const char *number)
{
    int rc;
    if (cs_access_case_editor(c->who.role))
        return 0;
    cs_api_fail_code(c, "forbidden", "role", "只有书记员和管理员可以完善案件记录、变更案件状态",
                     "only clerks and admins complete a case's record; %s is a%s %s", c->user.name,
                     c->who.role == CS_ROLE_AUDITOR ? "n" : "", cs_access_role_name(c->who.role));
    if ((rc = cs_catalog_case_refused(c->cat, action, number, c->user.name,
                                      cs_access_role_name(c->who.role), c->detail)) != 0)
        cs_api_fail_rc(c, rc, "recording the refusal"); /* not on record: not answered so */
    return 1;
}

/* The request's JSON object, or NULL answered 400. */
static json_t *
body_object(cs_api_call_t *c, const char *shape)
{
    json_error_t jerr;
    json_t *body = c->body ? json_loadb(c->body, c->body_len, JSON_REJECT_DUPLICATES, &jerr) : NULL;
    if (!json_is_object(body)) {
        cs_api_fail(c, "bad-request", "send a JSON object %s: %s", shape,
                    c->body == NULL ? "no body"
                    : body == NULL  ? jerr.text
                                    : "not an object");
        json_decref(body);
        return NULL;
    }
    return body;
}

void
cs_api_h_case_set(cs_api_call_t *c)
{
    static const char shape[] =
        "{\"kind\", \"procedure\", \"cause\", \"filed\", \"decided\", "
        "\"served\", \"closed\", \"party\": {\"name\", \"kind\", "
        "\"id_number\"}, \"officers\": [...], \"keep_period\"}, each optional";
    cs_case_set_t s = {0};
    json_error_t jerr;
    json_t *body = NULL, *officers = NULL, *v;
    cs_casenum_t cn;
    size_t i;
    int rc;
    if (cs_api_arg_case(c, c->params[0], &cn) != 0 ||
        cs_api_refuse_non_editor(c, "case.set", cn.text) || (body = body_object(c, shape)) == NULL)
        return;
    if (json_unpack_ex(body, &jerr, JSON_STRICT,
                       "{s?s, s?s, s?s, s?s, s?s, s?s, s?s, s?{s:s, s?s, s?s}, s?o, s?s}", "kind",
                       &s.kind, "procedure", &s.procedure, "cause", &s.cause, "filed", &s.filed,
                       "decided", &s.decided, "served", &s.served, "closed", &s.closed, "party",
                       "name", &s.party, "kind", &s.party_kind, "id_number", &s.id_number,
                       "officers", &officers, "keep_period", &s.keep_period) != 0) {
        cs_api_fail(c, "bad-request", "send a JSON object %s: %s", shape, jerr.text);
        goto out;
    }
    if (officers != NULL &&
        (!json_is_array(officers) || json_array_size(officers) > CS_CASE_OFFICERS_MAX)) {
        cs_api_fail(c, "bad-request", "officers: an array of at most %d user names",
                    CS_CASE_OFFICERS_MAX);
        goto out;
    }
    json_array_foreach(officers, i, v)
    {
        if ((s.officers[s.nofficers++] = json_string_value(v)) == NULL) {
            cs_api_fail(c, "bad-request", "officers: an array of user names");
            goto out;
        }
    }
    cs_diag_clear();
    if ((rc = cs_catalog_case_set(c->cat, cn.text, &s, c->user.name)) != 0) {
        cs_api_fail_rc(c, rc, "changing the case's record");
        goto out;
    }
    c->json = json_pack("{s:s, s:s}", "case", cn.text, "changed_by", c->user.name);
    c->status = 200;
out:
    json_decref(body);
}

void
cs_api_h_case_status(cs_api_call_t *c)
{
    json_error_t jerr;
    json_t *body = NULL;
    const char *to = NULL, *reason = NULL;
    cs_casenum_t cn;
    int rc;
    if (cs_api_arg_case(c, c->params[0], &cn) != 0 ||
        cs_api_refuse_non_editor(c, "case.status", cn.text) ||
        (body = body_object(c, "{\"to\", \"reason\" (to reopen)}")) == NULL)
        return;
    if (json_unpack_ex(body, &jerr, JSON_STRICT, "{s:s, s?s}", "to", &to, "reason", &reason) != 0) {
        cs_api_fail(c, "bad-request", "send a JSON object {\"to\", \"reason\" (to reopen)}: %s",
                    jerr.text);
        goto out;
    }
    cs_diag_clear();
    rc = cs_catalog_case_status(c->cat, cn.text, to, reason, c->user.name);
    if (rc == CS_EINVAL && strstr(cs_diag(), "is not one of") == NULL) {
        /* A status it may not go to now: the record's state, not the request's form. */
        cs_api_fail_code(c, "conflict", "case-transition",
                         "案件状态不能如此变更：请按 登记→调查→法制审核→决定→送达→结案 的顺序，"
                         "重新调查须说明理由",
                         "%s", cs_diag());
        goto out;
    }
    if (rc != 0) {
        cs_api_fail_rc(c, rc, "changing the case's status");
        goto out;
    }
    c->json =
        json_pack("{s:s, s:s, s:s}", "case", cn.text, "status", to, "changed_by", c->user.name);
    c->status = 200;
out:
    json_decref(body);
}

/* The register's rows the user may list, or a negative CS_E*. */
static int
visible_rows(cs_api_call_t *c, json_t *rows)
{
    for (size_t i = 0; i < json_array_size(rows);) {
        const char *kase = json_string_value(json_object_get(json_array_get(rows, i), "case"));
        int ok = 0, rc;
        if (kase != NULL && (rc = cs_api_visible(c, NULL, kase, &ok)) != 0)
            return rc;
        if (ok)
            i++;
        else
            json_array_remove(rows, i);
    }
    return 0;
}

void
cs_api_h_register(cs_api_call_t *c)
{
    char format[8], status[32], from[16], to[16];
    int has_format, has_status, has_from, has_to, csv, rc;
    const char *cols = c->api->opts.cfg->case_register_columns;
    json_t *rows = NULL, *shown = NULL;
    if (cs_api_arg_str(c, "format", format, sizeof format, &has_format) != 0 ||
        cs_api_arg_str(c, "status", status, sizeof status, &has_status) != 0 ||
        cs_api_arg_str(c, "from", from, sizeof from, &has_from) != 0 ||
        cs_api_arg_str(c, "to", to, sizeof to, &has_to) != 0)
        return;
    csv = has_format && strcmp(format, "csv") == 0;
    if (has_format && !csv && strcmp(format, "json") != 0) {
        cs_api_fail(c, "bad-request", "format: give csv or json");
        return;
    }
    if (cs_api_gate(c, CS_READ_LIST, NULL, NULL, "register", NULL, NULL, 0, NULL) != 0)
        return;
    cs_diag_clear();
    if ((rc = cs_catalog_case_register(c->cat, has_status ? status : NULL, has_from ? from : NULL,
                                       has_to ? to : NULL, &rows)) != 0 ||
        (rc = visible_rows(c, rows)) != 0)
        goto fail;
    if (csv) {
        if ((rc = cs_register_csv(rows, cols, &c->text, &c->text_len)) != 0)
            goto fail;
        c->ctype = "text/csv; charset=utf-8; header=present";
        snprintf(c->disposition, sizeof c->disposition,
                 "attachment; filename=\"case-register.csv\""); /* fits: 1800 bytes */
    } else {
        if ((rc = cs_register_json(rows, cols, &shown)) != 0)
            goto fail;
        c->json = json_pack("{s:o}", "cases", shown);
    }
    c->status = 200;
    json_decref(rows);
    return;
fail:
    json_decref(rows);
    cs_api_fail_rc(c, rc, "the case register");
}
