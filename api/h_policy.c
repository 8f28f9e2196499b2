/* api/h_policy.c: the format policy (indexer/policy.h): GET /v1/policy for every user (the
 * rows, the version, the targets Custody can make), PUT /v1/policy for admins (one row's
 * action and target and/or its profile pattern, as `custody policy set`: a new version, ledgered
 * policy.set with the admin as actor; a refused change is ledgered too). Who may: access/
 * (cs_access_format_policy). Thread pool. */
#include "api/admin.h"
#include "api/api_int.h"

#include "core/error.h"
#include "indexer/policy.h"
#include "indexer/registry.h"

void
cs_api_h_policy(cs_api_call_t *c)
{
    json_t *policy = NULL;
    int rc = cs_policy_list(c->cat, NULL, &policy);
    if (rc != 0) {
        cs_api_fail_rc(c, rc, "reading the format policy");
        return;
    }
    cs_api_answer_json(c, policy, 200);
}

void
cs_api_h_policy_put(cs_api_call_t *c)
{
    static const char *const known[] = {"key", "action", "target", "profile", "reason", NULL};
    const char *key, *action, *target, *profile, *reason;
    json_t *body = NULL, *row = NULL;
    int rc;
    if (cs_api_admin_begin(c, 0, &body) != 0)
        return;
    if (cs_api_admin_only(c, body, known) != 0 || cs_api_admin_str(c, body, "key", 1, &key) ||
        cs_api_admin_str(c, body, "action", 0, &action) ||
        cs_api_admin_str(c, body, "target", 0, &target) ||
        cs_api_admin_str(c, body, "profile", 0, &profile) ||
        cs_api_admin_str(c, body, "reason", 0, &reason))
        goto out;
    if (!cs_access_format_policy(c->who.role)) {
        cs_api_fail_code(c, "forbidden", "role", "只有管理员可以修改归档格式策略",
                         "only admins change the format policy; %s is a%s %s", c->user.name,
                         c->who.role == CS_ROLE_AUDITOR ? "n" : "",
                         cs_access_role_name(c->who.role));
        if ((rc = cs_catalog_registry_refused(c->cat, "policy.set", key, c->user.name,
                                              cs_access_role_name(c->who.role), c->detail)) != 0)
            cs_api_fail_rc(c, rc, "recording the refusal");
        goto out;
    }
    cs_diag_clear();
    if ((rc = cs_policy_set(c->cat, key, action, target, profile, reason, c->user.name, NULL)) !=
        0) {
        cs_api_admin_fail_rc(c, rc, "changing the format policy", "修改归档格式策略");
        goto out;
    }
    if ((rc = cs_policy_list(c->cat, key, &row)) != 0) {
        cs_api_fail_rc(c, rc, "reading the format policy");
        goto out;
    }
    cs_api_answer_json(c,
                       json_pack("{s:O, s:O}", "version", json_object_get(row, "version"), "row",
                                 json_array_get(json_object_get(row, "rows"), 0)),
                       200);
out:
    json_decref(row);
    json_decref(body);
}
