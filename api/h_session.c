/* api/h_session.c: POST /v1/session signs a person in by name and password (their scrypt
 * hash: access/password.h), DELETE /v1/session signs them out (session.c keeps the sessions).
 * A failed sign-in is counted and ledgered, enough in a row lock the account (schema v10),
 * and every failure gets the same answer after the same work, whether the user exists, is
 * locked or disabled, or typed a wrong password. An address that failed
 * auth.address_failures times in auth.address_window_s is refused (429) before its attempt is
 * weighed or counted against any account (access/addrlimit.h): one address cannot lock
 * accounts out at will. Thread pool. */
#include "api/api_int.h"

#include "access/password.h"
#include "core/clock.h"
#include "core/error.h"

#include <openssl/crypto.h>
#include <string.h>

static const char failed_en[] = "the user name or the password is wrong, or the account is "
                                "locked for a while after repeated failures";
static const char failed_zh[] = "用户名或密码错误，或账户因多次失败暂时锁定；请稍后再试，"
                                "或请管理员重设密码";
static const char limited_zh[] = "此网络地址登录失败次数过多，暂时不能登录；请稍后再试";

/* Monotonic milliseconds: the address windows do not move with the wall clock. */
static int64_t
mono_ms(void)
{
    return (int64_t)(uv_hrtime() / 1000000);
}

/* Counts the end of an attempt against the client's address; the failure that closes the
 * address is ledgered (once a window). */
static int
address_done(cs_api_call_t *c, int failed)
{
    const cs_config_t *cfg = c->api->opts.cfg;
    char key[CS_ADDRLIMIT_KEY_MAX], until[CS_TIME_MAX];
    int64_t now = mono_ms(), end = 0;
    int reached = 0;
    cs_addrlimit_done(c->api->signin_limit, c->client, now, failed, &reached, &end);
    if (!reached)
        return 0;
    cs_addrlimit_key(c->client, key);
    cs_clock_format_ms(cs_clock_now_ms() + (end - now), until);
    return cs_catalog_signin_limited(c->cat, c->client, key, cfg->auth_address_failures,
                                     cfg->auth_address_window_s, until);
}

/* Weighs the password of `name`; *why is NULL when the sign-in may go on, else the reason
 * a failure is ledgered with. The same scrypt work either way. */
static int
weigh(cs_api_call_t *c, const char *name, const char *password, cs_signin_row_t *row, int *known,
      const char **why)
{
    char now[CS_TIME_MAX];
    int rc, ok = 0;
    *why = NULL;
    cs_clock_now(now);
    rc = cs_catalog_signin_row(c->cat, name, row);
    if (rc != 0 && rc != CS_ENOTFOUND)
        return rc;
    *known = rc == 0;
    if (*known && row->password_hash[0] != '\0') {
        rc = cs_password_verify(password, row->password_hash, &ok);
        if (rc == CS_EINVAL)
            ok = 0; /* a hash that is not ours: a failure like another (the log does not say) */
        else if (rc != 0)
            return rc;
    } else {
        cs_password_dummy(password);
    }
    if (!*known)
        *why = "unknown-user";
    else if (row->user.disabled)
        *why = "disabled";
    else if (row->locked_until[0] != '\0' && strcmp(row->locked_until, now) > 0)
        *why = "locked";
    else if (row->password_hash[0] == '\0')
        *why = "no-password";
    else if (!ok)
        *why = "wrong-password";
    return 0;
}

void
cs_api_h_session_open(cs_api_call_t *c)
{
    const cs_config_t *cfg = c->api->opts.cfg;
    json_error_t jerr;
    json_t *body = NULL;
    const char *name, *password, *why;
    char cookie[CS_API_COOKIE_MAX], csrf[CS_API_COOKIE_MAX];
    cs_signin_row_t row;
    int known = 0, locked = 0, retry_s = 0, rc;
    body = c->body ? json_loadb(c->body, c->body_len, JSON_REJECT_DUPLICATES, &jerr) : NULL;
    name = json_string_value(json_object_get(body, "user"));
    password = json_string_value(json_object_get(body, "password"));
    if (name == NULL || password == NULL || name[0] == '\0' || strlen(name) >= CS_NAME_MAX ||
        strlen(password) > CS_PASSWORD_MAX) {
        cs_api_fail_code(c, "bad-request", "signin-malformed", "请填写用户名和密码",
                         "send {\"user\": \"<name>\", \"password\": \"<password>\"} (a name of "
                         "at most %d bytes, a password of at most %d)",
                         CS_NAME_MAX - 1, CS_PASSWORD_MAX);
        goto out;
    }
    if (cs_addrlimit_take(c->api->signin_limit, c->client, mono_ms(), &retry_s) != 0) {
        c->retry_after = retry_s;
        cs_api_fail_code(c, "too-many-requests", "signin-rate-limited", limited_zh,
                         "too many failed sign-ins from this address; try again in %d s", retry_s);
        goto out;
    }
    if ((rc = weigh(c, name, password, &row, &known, &why)) != 0) {
        (void)address_done(c, 0);
        cs_api_fail_rc(c, rc, "checking the password");
        goto out;
    }
    if (why != NULL) {
        rc = cs_catalog_signin_failed(c->cat, name, known && !row.user.disabled, c->client, why,
                                      cfg->auth_lockout_after, cfg->auth_lockout_s, &locked);
        int lrc = address_done(c, 1);
        if (rc == 0)
            rc = lrc;
        if (rc != 0)
            cs_api_fail_rc(c, rc, "recording the failed sign-in");
        else
            cs_api_fail_code(c, "unauthorized", "signin-failed", failed_zh, "%s", failed_en);
        goto out;
    }
    (void)address_done(c, 0);
    if ((rc = cs_api_session_open(c->api, row.user.name, cookie, csrf)) != 0 ||
        (rc = cs_catalog_signin_note(c->cat, row.user.name, c->client, 1)) != 0) {
        cs_api_session_close(c->api, cookie);
        cs_api_fail_rc(c, rc, "opening the session");
        goto out;
    }
    cs_api_session_cookie(c, cookie);
    cs_api_answer_json(c,
                       json_pack("{s:s, s:s, s:s, s:i, s:i}", "name", row.user.name, "role",
                                 row.user.role, "csrf", csrf, "idle_s", cfg->auth_session_idle_s,
                                 "max_s", cfg->auth_session_max_s),
                       200);
out:
    OPENSSL_cleanse(cookie, sizeof cookie);
    json_decref(body); /* the password in jansson's copy is not cleansed: jansson frees it */
}

void
cs_api_h_session_close(cs_api_call_t *c)
{
    int rc;
    if (!c->by_session) {
        cs_api_fail_code(c, "bad-request", "no-session", "此请求没有登录会话可退出",
                         "signing out ends the session of the custody_session cookie; a bearer "
                         "token is not a session (rotate it: custody user rotate)");
        return;
    }
    cs_api_session_close(c->api, c->cookie);
    cs_api_session_cookie(c, "");
    if ((rc = cs_catalog_signin_note(c->cat, c->user.name, c->client, 0)) != 0) {
        cs_api_fail_rc(c, rc, "recording the sign-out");
        return;
    }
    cs_api_answer_json(c, json_pack("{s:b}", "signed_out", 1), 200);
}
