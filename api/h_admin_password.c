/* api/h_admin_password.c: POST /v1/admin/users/{name}/password: an admin resets a user's web
 * sign-in password, as `custody user passwd` does on the host: the same policy and scrypt hash
 * (access/password.c), the same row function (indexer/signin.c), ledgered (user.passwd) with
 * the admin as actor; a new password also lifts a lock. The password is never answered or
 * logged. */
#include "access/password.h"
#include "api/admin.h"
#include "api/api_int.h"
#include "core/error.h"
#include "indexer/access.h"

#include <string.h>

void
cs_api_h_admin_user_password(cs_api_call_t *c)
{
    static const char *const known[] = {"password", NULL};
    const char *name = c->params[0], *pw;
    char hash[CS_PASSWORD_HASH_MAX];
    json_t *body;
    int rc;
    if (cs_api_admin_begin(c, 0, &body) != 0)
        return;
    if (cs_api_admin_only(c, body, known) != 0 || cs_api_admin_str(c, body, "password", 1, &pw))
        goto out;
    if (cs_password_policy(name, pw) != 0) {
        cs_api_admin_bad_field(c, "password", "至少 10 个字节，不含换行，且不能与用户名相同",
                               "must be at least 10 bytes, one line, and not the user name");
        goto out;
    }
    cs_diag_clear();
    if ((rc = cs_password_hash(pw, hash)) != 0 ||
        (rc = cs_catalog_user_passwd(c->cat, name, hash, c->user.name)) != 0) {
        cs_api_admin_fail_rc(c, rc, "setting a password", "设置密码");
        goto out;
    }
    cs_api_answer_json(c, json_pack("{s:s, s:b}", "name", name, "password_set", 1), 200);
out:
    memset(hash, 0, sizeof hash);
    json_decref(body); /* the password's text goes with it */
}
