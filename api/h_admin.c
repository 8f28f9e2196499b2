/* api/h_admin.c: the admin console's users (GET/POST /v1/admin/users, POST .../{name}/disable
 * and .../rotate), admins only (route.c: CS_API_ADMIN). Each change goes through the same row
 * function as `custody user`, which ledgers it in its transaction, with the admin as actor;
 * a new token is answered once and only its hash is kept. Also the helpers of admin.h.
 * Thread pool, catalog lock held. */
#include "api/admin.h"

#include "core/buf.h"
#include "core/error.h"

#include <string.h>

int
cs_api_admin_begin(cs_api_call_t *c, int may_be_empty, json_t **body)
{
    json_error_t jerr;
    *body = NULL;
    if (c->purpose_state != 1)
        return cs_api_fail_code(c, "no-purpose", "no-purpose",
                                "每项管理操作都须说明用途（X-Custody-Purpose 请求头）",
                                "every change states why: send X-Custody-Purpose "
                                "(percent-encoded UTF-8)"),
               1;
    if (may_be_empty && (c->body == NULL || c->body_len == 0)) {
        if ((*body = json_object()) == NULL)
            return cs_api_fail(c, "internal", "out of memory"), 1;
        return 0;
    }
    *body = c->body ? json_loadb(c->body, c->body_len, JSON_REJECT_DUPLICATES, &jerr) : NULL;
    if (!json_is_object(*body)) {
        json_decref(*body);
        *body = NULL;
        return cs_api_fail_code(c, "bad-request", "bad-body", "请求内容须为一个 JSON 对象",
                                "send a JSON object (Content-Type: application/json)%s%s",
                                c->body ? ": " : ": no body", c->body ? jerr.text : ""),
               1;
    }
    return 0;
}

int
cs_api_admin_bad_field(cs_api_call_t *c, const char *field, const char *why_zh, const char *why)
{
    cs_api_fail_code(c, "bad-request", "bad-field", "", "%s: %s", field, why);
    cs_snprintf_cut(c->detail_zh, sizeof c->detail_zh, "字段 %s 无效：%s", field, why_zh);
    return 1;
}

int
cs_api_admin_str(cs_api_call_t *c, json_t *body, const char *key, int required, const char **out)
{
    json_t *v = json_object_get(body, key);
    *out = NULL;
    if (v == NULL || json_is_null(v)) {
        if (required)
            return cs_api_admin_bad_field(c, key, "必填", "required");
        return 0;
    }
    if (!json_is_string(v) || (required && json_string_length(v) == 0))
        return cs_api_admin_bad_field(c, key, "须为非空文字", "must be a non-empty string");
    *out = json_string_value(v);
    return 0;
}

int
cs_api_admin_only(cs_api_call_t *c, json_t *body, const char *const *known)
{
    const char *key;
    json_t *v;
    json_object_foreach(body, key, v)
    {
        size_t i;
        for (i = 0; known[i] != NULL && strcmp(known[i], key) != 0; i++)
            ;
        if (known[i] == NULL)
            return cs_api_admin_bad_field(c, key, "不认识的字段", "not a field of this request");
    }
    return 0;
}

void
cs_api_admin_fail_rc(cs_api_call_t *c, int rc, const char *what, const char *zh)
{
    const char *d = *cs_diag() ? cs_diag() : cs_strerror(rc);
    const char *code = NULL, *zh_why = NULL;
    switch (rc) {
    case CS_ENOTFOUND:
        cs_api_fail_code(c, "not-found", "not-found", "", "%s: %s", what, d);
        code = "not-found", zh_why = "未找到（用户、案件、当事人或授权不存在）";
        break;
    case CS_EEXIST:
        cs_api_fail_code(c, "conflict", "exists", "", "%s: %s", what, d);
        code = "exists", zh_why = "已存在同名记录";
        break;
    case CS_EINVAL:
    case CS_ECASE:
    case CS_EUTF8:
    case CS_ENAMETOOLONG:
    case CS_EAMBIGUOUS:
        cs_api_fail_code(c, "bad-request", "bad-field", "", "%s: %s", what, d);
        code = "bad-field", zh_why = "所填内容无效";
        break;
    default:
        cs_api_fail_rc(c, rc, what);
        code = c->status == 503 ? "unavailable" : "internal";
        zh_why = c->status == 503 ? "服务繁忙，请稍后再试" : "服务内部错误（详情见服务日志）";
        break;
    }
    c->code = code;
    cs_snprintf_cut(c->detail_zh, sizeof c->detail_zh, "%s失败：%s", zh, zh_why);
}

void
cs_api_h_admin_users(cs_api_call_t *c)
{
    json_t *users = NULL;
    int rc = cs_catalog_users(c->cat, &users);
    if (rc != 0) {
        cs_api_admin_fail_rc(c, rc, "listing users", "读取用户列表");
        return;
    }
    cs_api_answer_json(c, json_pack("{s:o}", "users", users), 200);
}

/* A new token for user `name`: added with `role`, or (role NULL) rotated; answered once. */
static void
issue(cs_api_call_t *c, const char *name, const char *role)
{
    char token[CS_TOKEN_MAX], hash[65];
    int rc;
    cs_diag_clear();
    if ((rc = cs_token_new(token, sizeof token)) == 0) {
        cs_token_hash(token, hash);
        rc = role != NULL ? cs_catalog_user_add(c->cat, name, role, hash, c->user.name)
                          : cs_catalog_user_rotate(c->cat, name, hash, c->user.name);
    }
    if (rc != 0) {
        cs_api_admin_fail_rc(c, rc, role ? "adding a user" : "rotating a token",
                             role ? "添加用户" : "更换令牌");
        return;
    }
    cs_api_answer_json(c,
                       json_pack("{s:s, s:s?, s:s, s:s}", "name", name, "role", role, "token",
                                 token, "note", "keep this token: it is not shown again"),
                       role ? 201 : 200);
    memset(token, 0, sizeof token);
}

void
cs_api_h_admin_user_add(cs_api_call_t *c)
{
    static const char *const known[] = {"name", "role", NULL};
    json_t *body;
    const char *name, *role;
    if (cs_api_admin_begin(c, 0, &body) != 0)
        return;
    if (cs_api_admin_only(c, body, known) != 0 || cs_api_admin_str(c, body, "name", 1, &name) ||
        cs_api_admin_str(c, body, "role", 1, &role))
        goto out;
    if (strcmp(role, "legal") == 0) { /* its signing key is made and kept on the host */
        cs_api_admin_bad_field(
            c, "role",
            "法制审核人员须在服务器上以 custody user add NAME --role legal 添加（生成其签名密钥）",
            "add legal users on the host with custody user add NAME --role legal: it makes "
            "their signing key");
        goto out;
    }
    if (!cs_access_role_valid(role)) {
        cs_api_admin_bad_field(
            c, "role",
            "须为 clerk（证据管理员）、reviewer（审核人员）、auditor（审计人员）或 admin（管理员）",
            "must be clerk, reviewer, auditor or admin");
        goto out;
    }
    issue(c, name, role);
out:
    json_decref(body);
}

/* The user named by the path, after the change's preconditions (an empty body or {}). */
static int
target(cs_api_call_t *c)
{
    static const char *const known[] = {NULL};
    json_t *body;
    if (cs_api_admin_begin(c, 1, &body) != 0)
        return 1;
    int rc = cs_api_admin_only(c, body, known);
    json_decref(body);
    return rc;
}

void
cs_api_h_admin_user_disable(cs_api_call_t *c)
{
    const char *name = c->params[0];
    int rc;
    if (target(c) != 0)
        return;
    if (strcmp(name, c->user.name) == 0) { /* the console would lock its only admin out */
        cs_api_fail_code(c, "conflict", "self", "不能停用自己的账户：请由另一位管理员操作",
                         "an admin cannot disable themselves here; another admin (or "
                         "`custody user disable` on the host) can");
        return;
    }
    cs_diag_clear();
    if ((rc = cs_catalog_user_disable(c->cat, name, c->user.name)) != 0) {
        cs_api_admin_fail_rc(c, rc, "disabling a user", "停用用户");
        return;
    }
    cs_api_answer_json(c, json_pack("{s:s, s:b}", "name", name, "disabled", 1), 200);
}

void
cs_api_h_admin_user_rotate(cs_api_call_t *c)
{
    if (target(c) != 0)
        return;
    issue(c, c->params[0], NULL);
}
