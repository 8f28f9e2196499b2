/* api/h_holds.c: holds over HTTP, as `custody hold` and `custody release` (indexer/holds.h;
 * who may: access/ cs_access_retention_admin, a refusal ledgered), and the `retention` member
 * (indexer/retention.h) of an item's record and of a case's timeline. */
#include "api/admin.h"

#include "api/args.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/error.h"
#include "indexer/holds.h"
#include "indexer/retention.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* {class, keep_until, held, due, reason_code, reason}: the API's subset of a retention. */
static json_t *
brief(json_t *r)
{
    return json_pack("{s:O, s:O, s:O, s:O, s:O, s:O}", "class", json_object_get(r, "class"),
                     "keep_until", json_object_get(r, "keep_until"), "held",
                     json_object_get(r, "held"), "due", json_object_get(r, "due"), "reason_code",
                     json_object_get(r, "reason_code"), "reason", json_object_get(r, "reason"));
}

int
cs_api_retention_item(cs_api_call_t *c, const char *sha, json_t *item)
{
    cs_retention_t r;
    int rc = cs_retention_item(c->cat, c->api->opts.cfg, sha, cs_clock_now_ms(), &r);
    json_t *j = rc == 0 ? cs_retention_json(&r) : NULL;
    if (rc == 0 && j != NULL)
        json_object_set_new(item, "retention", brief(j));
    json_decref(j);
    return rc == 0 && j == NULL ? CS_ENOMEM : rc;
}

int
cs_api_retention_case(cs_api_call_t *c, const char *number, json_t *items)
{
    json_t *ret = NULL, *v, *w;
    size_t i, k;
    int rc = cs_retention_case(c->cat, c->api->opts.cfg, number, cs_clock_now_ms(), &ret);
    if (rc != 0)
        return rc;
    /* Both lists are short (a case's items) and each item is matched once. */
    json_array_foreach(items, i, v)
    {
        const char *sha = json_string_value(json_object_get(v, "sha256"));
        json_array_foreach(json_object_get(ret, "items"), k, w)
        {
            if (sha != NULL && strcmp(sha, json_string_value(json_object_get(w, "sha256"))) == 0) {
                json_object_set_new(v, "retention", brief(w));
                break;
            }
        }
    }
    json_decref(ret);
    return 0;
}

/* 1 when the caller may not change holds: the refusal ledgered and answered 403. */
static int
refused(cs_api_call_t *c, const char *action, int64_t hold, const char *sha, const char *kase)
{
    char why[256];
    int rc;
    if (cs_access_retention_admin(c->who.role))
        return 0;
    cs_snprintf_cut(why, sizeof why, "only admins place and release holds; %s is a%s %s",
                    c->user.name, c->who.role == CS_ROLE_AUDITOR ? "n" : "",
                    cs_access_role_name(c->who.role));
    if ((rc = cs_catalog_hold_refused(c->cat, action, hold, sha, kase, c->user.name,
                                      cs_access_role_name(c->who.role), why)) != 0) {
        cs_api_admin_fail_rc(c, rc, "recording a refused hold", "记录被拒绝的冻结操作");
        return 1;
    }
    cs_api_fail_code(c, "forbidden", "not-admin",
                     "只有管理员可以冻结或解除冻结；本次操作已记入调阅记录",
                     "%s (the attempt is in the ledger)", why);
    return 1;
}

void
cs_api_h_holds(cs_api_call_t *c)
{
    long long all = 0;
    json_t *list = NULL;
    int rc;
    if (cs_api_arg_int(c, "all", 0, 0, 1, &all) != 0)
        return;
    if ((rc = cs_catalog_holds(c->cat, all == 0, &list)) != 0) {
        cs_api_admin_fail_rc(c, rc, "listing holds", "读取冻结记录");
        return;
    }
    cs_api_answer_json(c, json_pack("{s:o}", "holds", list), 200);
}

void
cs_api_h_hold_add(cs_api_call_t *c)
{
    static const char *const known[] = {"item", "case", "reason", NULL};
    const char *item, *kase, *reason;
    char sha[65] = "";
    cs_casenum_t cn;
    int64_t id = 0;
    json_t *body;
    int rc;
    if (cs_api_admin_begin(c, 0, &body) != 0)
        return;
    if (cs_api_admin_only(c, body, known) || cs_api_admin_str(c, body, "item", 0, &item) ||
        cs_api_admin_str(c, body, "case", 0, &kase) ||
        cs_api_admin_str(c, body, "reason", 1, &reason))
        goto out;
    if ((item == NULL) == (kase == NULL)) {
        cs_api_admin_bad_field(c, "item", "须指定证据（item）或案件（case）之一",
                               "give one of item (a sha256) or case");
        goto out;
    }
    cs_diag_clear();
    if (item != NULL && cs_catalog_resolve(c->cat, item, sha) != 0) {
        cs_api_admin_bad_field(c, "item", "不是已知证据的 SHA-256（或唯一前缀）",
                               *cs_diag() ? cs_diag() : "no such item");
        goto out;
    }
    if (kase != NULL && (rc = cs_casenum_parse(c->api->rule, kase, &cn)) != 0) {
        cs_api_admin_bad_field(c, "case", "不是有效的案件编号",
                               *cs_diag() ? cs_diag() : cs_strerror(rc));
        goto out;
    }
    const char *number = kase != NULL ? cn.text : NULL;
    if (refused(c, "hold.add", 0, item ? sha : NULL, number))
        goto out;
    cs_diag_clear();
    if ((rc = cs_catalog_hold_add(c->cat, item ? sha : NULL, number, reason, c->user.name, &id)) !=
        0) {
        cs_api_admin_fail_rc(c, rc, "placing a hold", "冻结");
        goto out;
    }
    cs_api_answer_json(c,
                       json_pack("{s:I, s:s?, s:s?, s:s, s:s}", "id", (json_int_t)id, "item",
                                 item ? sha : NULL, "case", number, "reason", reason, "by",
                                 c->user.name),
                       201);
out:
    json_decref(body);
}

void
cs_api_h_hold_release(cs_api_call_t *c)
{
    static const char *const known[] = {"reason", NULL};
    const char *reason;
    char *e = NULL;
    json_t *body;
    int rc, n = 0;
    errno = 0;
    long long id = strtoll(c->params[0], &e, 10);
    if (errno != 0 || e == c->params[0] || *e != '\0' || id <= 0) {
        cs_api_admin_bad_field(c, "id", "冻结编号须为正整数", "a hold's number (GET /v1/holds)");
        return;
    }
    if (cs_api_admin_begin(c, 0, &body) != 0)
        return;
    if (cs_api_admin_only(c, body, known) || cs_api_admin_str(c, body, "reason", 1, &reason) ||
        refused(c, "hold.release", id, NULL, NULL))
        goto out;
    cs_diag_clear();
    if ((rc = cs_catalog_hold_release(c->cat, id, NULL, NULL, reason, c->user.name, &n)) != 0) {
        cs_api_admin_fail_rc(c, rc, "releasing a hold", "解除冻结");
        goto out;
    }
    cs_api_answer_json(c,
                       json_pack("{s:I, s:s, s:s}", "id", (json_int_t)id, "released_by",
                                 c->user.name, "reason", reason),
                       200);
out:
    json_decref(body);
}
