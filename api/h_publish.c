/* api/h_publish.c: the publication register over HTTP, as `custody publications` and
 * `custody publish` (indexer/publications.h): GET /v1/publications (any signed-in user: it
 * holds what is to be made public), POST /v1/publications (register a decision) and POST
 * /v1/publications/{id}/withdraw, a clerk's or an admin's (cs_access_case_editor), ledgered by
 * the catalog in their transaction. Due dates and status come from the home's holiday
 * calendar (core/workdays.h), read at each request so that an updated file counts at once. */
#include "api/admin.h"

#include "api/args.h"
#include "core/clock.h"
#include "core/error.h"
#include "indexer/publications.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const cs_tz_t *
site(cs_api_call_t *c)
{
    return cs_clock_site_zone(c->api->opts.cfg->site_tz);
}

void
cs_api_h_publications(cs_api_call_t *c)
{
    char kase[256], status[16];
    cs_casenum_t cn;
    json_t *reg = NULL;
    int has_case, has_status, calendar_failed = 0, rc;
    if (cs_api_arg_str(c, "case", kase, sizeof kase, &has_case) != 0 ||
        cs_api_arg_str(c, "status", status, sizeof status, &has_status) != 0)
        return;
    if (has_case && cs_api_arg_case(c, kase, &cn) != 0)
        return;
    cs_diag_clear();
    rc = cs_publications_register(c->cat, c->api->opts.home->root, site(c),
                                  has_case ? cn.text : NULL, has_status ? status : NULL, &reg,
                                  &calendar_failed);
    if (rc != 0 && calendar_failed)
        cs_api_fail_code(c, "unavailable", "calendar-unreadable",
                         "节假日安排文件无法读取，无法计算公示期限；请管理员检查 holidays.txt",
                         "the holiday calendar cannot be read: %s", cs_diag());
    else if (rc != 0)
        cs_api_fail_rc(c, rc, "listing publications");
    else
        cs_api_answer_json(c, reg, 200);
}

void
cs_api_h_publication_add(cs_api_call_t *c)
{
    static const char *const known[] = {"case", "decision", "kind", NULL};
    const char *kase, *decision, *kind;
    cs_casenum_t cn;
    int64_t id = 0;
    json_t *body;
    int rc;
    if (cs_api_admin_begin(c, 0, &body) != 0)
        return;
    if (cs_api_admin_only(c, body, known) || cs_api_admin_str(c, body, "case", 1, &kase) ||
        cs_api_admin_str(c, body, "decision", 1, &decision) ||
        cs_api_admin_str(c, body, "kind", 1, &kind))
        goto out;
    if (strcmp(kind, "penalty") != 0 && strcmp(kind, "other") != 0) {
        cs_api_admin_bad_field(
            c, "kind",
            "须为 penalty（行政处罚决定，7 个工作日内公示）或 other（其他决定，20 个工作日内）",
            "penalty (due in 7 working days) or other (20)");
        goto out;
    }
    if (cs_api_arg_case(c, kase, &cn) != 0 ||
        cs_api_refuse_non_editor(c, "publish.register", cn.text))
        goto out;
    cs_diag_clear();
    if ((rc = cs_catalog_publication_add(c->cat, cn.text, decision, kind, site(c), c->user.name,
                                         &id)) != 0) {
        cs_api_admin_fail_rc(c, rc, "registering a publication", "登记待公示决定");
        goto out;
    }
    cs_api_answer_json(c,
                       json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)id, "case", cn.text,
                                 "kind", kind, "registered_by", c->user.name),
                       201);
out:
    json_decref(body);
}

/* Publication {id} of the path: 0 and *id, else 1 answered 400. */
static int
path_id(cs_api_call_t *c, int64_t *id)
{
    char *e = NULL;
    errno = 0;
    long long v = strtoll(c->params[0], &e, 10);
    if (errno != 0 || e == c->params[0] || *e != '\0' || v <= 0)
        return cs_api_admin_bad_field(c, "id", "公示编号须为正整数",
                                      "a publication's number (GET /v1/publications)");
    *id = v;
    return 0;
}

/* The case of publication `id` into number (size bytes): 0, else 1 answered (404 or 500). */
static int
pub_case(cs_api_call_t *c, int64_t id, char *number, size_t size)
{
    int rc = cs_catalog_publication_case(c->cat, id, number, size);
    if (rc == CS_ENOTFOUND)
        cs_api_fail_code(c, "not-found", "no-publication", "没有该公示记录", "no publication %lld",
                         (long long)id);
    else if (rc != 0)
        cs_api_fail_rc(c, rc, "reading a publication");
    return rc != 0;
}

#define WITH_MAX 64 /* items besides the decision in one version */

/* POST /v1/publications/{id}/release and .../correct: {with: [item, ...]} (and the reason of a
 * correction). Only approved public copies go out (cs_catalog_publication_content). */
static void
release(cs_api_call_t *c, int correct)
{
    static const char *const known[] = {"with", "reason", NULL};
    const char *reason = NULL, *with[WITH_MAX];
    char number[256];
    json_t *body = NULL, *list, *v, *content = NULL;
    int64_t id = 0;
    size_t i, n = 0;
    int rc, version = 0;
    if (path_id(c, &id) != 0 || cs_api_admin_begin(c, 1, &body) != 0)
        return;
    if (cs_api_admin_only(c, body, known) || cs_api_admin_str(c, body, "reason", correct, &reason))
        goto out;
    list = json_object_get(body, "with");
    if (list != NULL && (!json_is_array(list) || json_array_size(list) > WITH_MAX)) {
        cs_api_admin_bad_field(c, "with", "须为条目 SHA-256 的数组（最多 64 项）",
                               "an array of items' SHA-256 (at most 64)");
        goto out;
    }
    json_array_foreach(list, i, v)
    {
        if ((with[n++] = json_string_value(v)) == NULL) {
            cs_api_admin_bad_field(c, "with", "须为条目 SHA-256 的数组", "an array of strings");
            goto out;
        }
    }
    if (pub_case(c, id, number, sizeof number) != 0 ||
        cs_api_refuse_non_editor(c, correct ? "publish.correct" : "publish.release", number))
        goto out;
    cs_diag_clear();
    rc = cs_catalog_publication_content(c->cat, id, with, n, &content);
    if (rc == CS_ENOTFOUND) {
        cs_api_fail_code(
            c, "conflict", "no-public-copy",
            "只能公示经批准的公开副本（脱敏后的决定书及所附材料）；请先制作并经他人批准", "%s",
            cs_diag());
        goto out;
    }
    if (rc == 0)
        rc = cs_catalog_publication_release(c->cat, id, content, reason, site(c), c->user.name,
                                            &version);
    if (rc != 0) {
        cs_api_admin_fail_rc(c, rc, correct ? "correcting a publication" : "publishing",
                             correct ? "更正公示" : "公示");
        goto out;
    }
    cs_api_answer_json(c,
                       json_pack("{s:I, s:i, s:s, s:O}", "id", (json_int_t)id, "version", version,
                                 "published_by", c->user.name, "content", content),
                       201);
out:
    json_decref(content);
    json_decref(body);
}

void
cs_api_h_publication_release(cs_api_call_t *c)
{
    release(c, 0);
}

void
cs_api_h_publication_correct(cs_api_call_t *c)
{
    release(c, 1);
}

void
cs_api_h_publication_withdraw(cs_api_call_t *c)
{
    static const char *const known[] = {"category", "reason", NULL};
    const char *category, *reason;
    char number[256];
    int64_t id = 0;
    json_t *body;
    int rc;
    if (path_id(c, &id) != 0 || cs_api_admin_begin(c, 0, &body) != 0)
        return;
    if (cs_api_admin_only(c, body, known) || cs_api_admin_str(c, body, "category", 1, &category) ||
        cs_api_admin_str(c, body, "reason", 1, &reason) ||
        pub_case(c, id, number, sizeof number) != 0 ||
        cs_api_refuse_non_editor(c, "publish.withdraw", number))
        goto out;
    cs_diag_clear();
    if ((rc = cs_catalog_publication_withdraw(c->cat, id, category, reason, site(c),
                                              c->user.name)) != 0) {
        cs_api_admin_fail_rc(c, rc, "withdrawing a publication", "撤下公示");
        goto out;
    }
    cs_api_answer_json(c,
                       json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)id, "status",
                                 "withdrawn", "category", category, "withdrawn_by", c->user.name),
                       200);
out:
    json_decref(body);
}
