/* api/h_registry.c: the officers and devices registry (indexer/registry.h): GET /v1/officers
 * and /v1/devices for clerks and admins, POST for admins (add, or change when the number is
 * registered), each change ledgered by the catalog in its transaction with the admin as actor
 * and every refused one ledgered too. Who may: access/ (cs_access_registry). Thread pool. */
#include "api/admin.h"
#include "api/api_int.h"

#include "core/buf.h"
#include "core/error.h"
#include "indexer/registry.h"

#include <string.h>

/* 0 when c's user may read (write = 0) or change (write = 1) the registry; else 1, answered
 * 403 code "role" and, for a change, the refusal ledgered as `action`. */
static int
refused(cs_api_call_t *c, int write, const char *action, const char *key)
{
    int may = cs_access_registry(c->who.role), rc;
    if (may == 1 || (!write && may == 2))
        return 0;
    cs_api_fail_code(c, "forbidden", "role",
                     write ? "只有管理员可以登记、修改执法人员和执法记录设备"
                           : "只有证据管理员和管理员可以查看执法人员和执法记录设备名录",
                     "only %s the officers and devices; %s is a%s %s",
                     write ? "admins keep" : "clerks and admins read", c->user.name,
                     c->who.role == CS_ROLE_AUDITOR ? "n" : "", cs_access_role_name(c->who.role));
    if (write &&
        (rc = cs_catalog_registry_refused(c->cat, action, key, c->user.name,
                                          cs_access_role_name(c->who.role), c->detail)) != 0)
        cs_api_fail_rc(c, rc, "recording the refusal");
    return 1;
}

static void
list(cs_api_call_t *c, int officers)
{
    json_t *rows = NULL;
    int rc;
    if (refused(c, 0, NULL, NULL))
        return;
    rc = officers ? cs_catalog_officers(c->cat, NULL, &rows)
                  : cs_catalog_devices(c->cat, NULL, &rows);
    if (rc != 0) {
        cs_api_fail_rc(c, rc, officers ? "listing officers" : "listing devices");
        return;
    }
    cs_api_answer_json(c, json_pack("{s:o}", officers ? "officers" : "devices", rows), 200);
}

void
cs_api_h_officers(cs_api_call_t *c)
{
    list(c, 1);
}

void
cs_api_h_devices(cs_api_call_t *c)
{
    list(c, 0);
}

/* The registered row of `key`, as the list gives it, answered with `status`. */
static void
answer_row(cs_api_call_t *c, int officer, const char *key, int status)
{
    json_t *rows = NULL;
    int rc =
        officer ? cs_catalog_officers(c->cat, key, &rows) : cs_catalog_devices(c->cat, key, &rows);
    if (rc != 0) {
        cs_api_fail_rc(c, rc, "reading the registry");
        return;
    }
    cs_api_answer_json(c, json_incref(json_array_get(rows, 0)), status);
    json_decref(rows);
}

void
cs_api_h_officer_put(cs_api_call_t *c)
{
    static const char *const known[] = {"cert",     "name", "unit", "valid_from",
                                        "valid_to", "user", NULL};
    cs_officer_fields_t f = {0};
    json_t *body = NULL, *rows = NULL;
    const char *cert;
    if (cs_api_admin_begin(c, 0, &body) != 0)
        return;
    /* "" empties an optional field: taken as given, not as missing. */
    if (cs_api_admin_only(c, body, known) != 0 || cs_api_admin_str(c, body, "cert", 1, &cert) ||
        cs_api_admin_str(c, body, "name", 0, &f.name) ||
        cs_api_admin_str(c, body, "unit", 0, &f.unit) ||
        cs_api_admin_str(c, body, "valid_from", 0, &f.valid_from) ||
        cs_api_admin_str(c, body, "valid_to", 0, &f.valid_to) ||
        cs_api_admin_str(c, body, "user", 0, &f.user))
        goto out;
    int exists = cs_catalog_officers(c->cat, cert, &rows) == 0;
    if (refused(c, 1, exists ? "officer.set" : "officer.add", cert))
        goto out;
    cs_diag_clear();
    int rc = exists ? cs_catalog_officer_set(c->cat, cert, &f, c->user.name)
                    : cs_catalog_officer_add(c->cat, cert, &f, c->user.name);
    if (rc != 0)
        cs_api_admin_fail_rc(c, rc, exists ? "changing an officer" : "adding an officer",
                             exists ? "修改执法人员" : "登记执法人员");
    else
        answer_row(c, 1, cert, exists ? 200 : 201);
out:
    json_decref(rows);
    json_decref(body);
}

void
cs_api_h_device_put(cs_api_call_t *c)
{
    static const char *const known[] = {"serial", "model", "kind", "holder", NULL};
    cs_device_fields_t f = {0};
    json_t *body = NULL, *rows = NULL;
    const char *serial;
    if (cs_api_admin_begin(c, 0, &body) != 0)
        return;
    if (cs_api_admin_only(c, body, known) != 0 || cs_api_admin_str(c, body, "serial", 1, &serial) ||
        cs_api_admin_str(c, body, "model", 0, &f.model) ||
        cs_api_admin_str(c, body, "kind", 0, &f.kind) ||
        cs_api_admin_str(c, body, "holder", 0, &f.holder))
        goto out;
    int exists = cs_catalog_devices(c->cat, serial, &rows) == 0;
    if (refused(c, 1, exists ? "device.set" : "device.add", serial))
        goto out;
    cs_diag_clear();
    int rc = exists ? cs_catalog_device_set(c->cat, serial, &f, c->user.name)
                    : cs_catalog_device_add(c->cat, serial, &f, c->user.name);
    if (rc != 0)
        cs_api_admin_fail_rc(c, rc, exists ? "changing a device" : "adding a device",
                             exists ? "修改执法记录设备" : "登记执法记录设备");
    else
        answer_row(c, 0, serial, exists ? 200 : 201);
out:
    json_decref(rows);
    json_decref(body);
}
