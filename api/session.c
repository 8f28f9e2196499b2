/* api/session.c: people's sign-ins (POST /v1/session, h_session.c): a table in the service's
 * memory of the SHA-256 of each session cookie, its user, its CSRF token and its times. A
 * restart ends every session, as it ends every media URL. The cookie authenticates a request
 * as a bearer token does; a request that changes state must also carry the session's CSRF
 * token in X-CSRF-Token (a page of another site can send the cookie, not read the token). */
#include "api/api_int.h"

#include "api/b64url.h"
#include "core/error.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cs_api_session {
    int used;
    uint8_t id_sha256[32];
    char user[CS_NAME_MAX];
    char csrf[CS_API_COOKIE_MAX];
    uint64_t begun_ms, last_ms; /* monotonic */
};

static uint64_t
now_ms(void)
{
    return uv_hrtime() / 1000000u;
}

int
cs_api_sessions_new(cs_api_t *a)
{
    a->sessions = calloc(CS_API_SESSIONS, sizeof *a->sessions);
    return a->sessions ? 0 : CS_ENOMEM;
}

void
cs_api_sessions_free(cs_api_t *a)
{
    if (a->sessions != NULL)
        OPENSSL_cleanse(a->sessions, CS_API_SESSIONS * sizeof *a->sessions);
    free(a->sessions);
    a->sessions = NULL;
}

static int
live(const cs_api_t *a, const struct cs_api_session *s, uint64_t now)
{
    const cs_config_t *cfg = a->opts.cfg;
    return s->used && now - s->last_ms < (uint64_t)cfg->auth_session_idle_s * 1000u &&
           now - s->begun_ms < (uint64_t)cfg->auth_session_max_s * 1000u;
}

static int
random_text(char *out)
{
    uint8_t raw[32];
    if (RAND_bytes(raw, sizeof raw) != 1) {
        cs_diag_set("OpenSSL has no randomness for a session");
        return CS_ECRYPTO;
    }
    return cs_api_b64url_encode(raw, sizeof raw, out, CS_API_COOKIE_MAX);
}

int
cs_api_session_open(cs_api_t *a, const char *user, char *cookie, char *csrf)
{
    struct cs_api_session *slot = NULL;
    uint64_t now = now_ms();
    int err;
    if ((err = random_text(cookie)) != 0 || (err = random_text(csrf)) != 0)
        return err;
    uv_mutex_lock(&a->sessions_lock);
    /* A free or dead slot, else the one unused the longest. */
    for (int i = 0; i < CS_API_SESSIONS; i++) {
        struct cs_api_session *s = &a->sessions[i];
        if (!live(a, s, now)) {
            slot = s;
            break;
        }
        if (slot == NULL || s->last_ms < slot->last_ms)
            slot = s;
    }
    memset(slot, 0, sizeof *slot);
    slot->used = 1;
    SHA256((const unsigned char *)cookie, strlen(cookie), slot->id_sha256);
    snprintf(slot->user, sizeof slot->user, "%s", user); /* fits: a user's name */
    snprintf(slot->csrf, sizeof slot->csrf, "%s", csrf); /* fits: the same size */
    slot->begun_ms = slot->last_ms = now;
    uv_mutex_unlock(&a->sessions_lock);
    return 0;
}

/* The slot of `cookie`, live or not; NULL when none. Lock held. */
static struct cs_api_session *
slot_of(cs_api_t *a, const char *cookie)
{
    uint8_t id[32];
    SHA256((const unsigned char *)cookie, strlen(cookie), id);
    for (int i = 0; i < CS_API_SESSIONS; i++)
        if (a->sessions[i].used && CRYPTO_memcmp(a->sessions[i].id_sha256, id, sizeof id) == 0)
            return &a->sessions[i];
    return NULL;
}

int
cs_api_session_find(cs_api_t *a, const char *cookie, char user[CS_NAME_MAX],
                    char csrf[CS_API_COOKIE_MAX])
{
    uint64_t now = now_ms();
    int err = CS_ENOTFOUND;
    uv_mutex_lock(&a->sessions_lock);
    struct cs_api_session *s = slot_of(a, cookie);
    if (s != NULL && live(a, s, now)) {
        s->last_ms = now;
        memcpy(user, s->user, CS_NAME_MAX);
        memcpy(csrf, s->csrf, CS_API_COOKIE_MAX);
        err = 0;
    } else if (s != NULL) {
        memset(s, 0, sizeof *s); /* timed out: gone */
    }
    uv_mutex_unlock(&a->sessions_lock);
    return err;
}

void
cs_api_session_close(cs_api_t *a, const char *cookie)
{
    uv_mutex_lock(&a->sessions_lock);
    struct cs_api_session *s = slot_of(a, cookie);
    if (s != NULL)
        memset(s, 0, sizeof *s);
    uv_mutex_unlock(&a->sessions_lock);
}

void
cs_api_session_cookie(cs_api_call_t *c, const char *value)
{
    /* fits: 43 bytes of value and the attributes */
    snprintf(c->set_cookie, sizeof c->set_cookie,
             "custody_session=%s; Path=/; HttpOnly; SameSite=Strict%s%s", value,
             c->api->ssl != NULL ? "; Secure" : "", value[0] == '\0' ? "; Max-Age=0" : "");
}

int
cs_api_session_authorize(cs_api_call_t *c)
{
    char user[CS_NAME_MAX], csrf[CS_API_COOKIE_MAX];
    int rc;
    if (c->cookie_state < 0 || cs_api_session_find(c->api, c->cookie, user, csrf) != 0) {
        cs_api_session_cookie(c, "");
        cs_api_fail_code(c, "unauthorized", "session-expired",
                         "登录已失效（超时、已退出或服务重启），请重新登录",
                         "the session has ended (timed out, signed out, or the service "
                         "restarted): sign in again");
        return 1;
    }
    rc = cs_api_cache_user_by_name(cs_api_view(c), user, &c->user);
    if (rc == CS_ENOTFOUND || (rc == 0 && c->user.disabled)) {
        cs_api_session_close(c->api, c->cookie);
        cs_api_session_cookie(c, "");
        cs_api_fail_code(c, "unauthorized", "user-disabled", "该用户已被停用",
                         "this user is disabled");
        return 1;
    }
    if (rc != 0) {
        cs_api_fail_rc(c, rc, "checking the session's user");
        return 1;
    }
    if (c->unsafe &&
        (strlen(c->csrf) != strlen(csrf) || CRYPTO_memcmp(c->csrf, csrf, strlen(csrf)) != 0)) {
        cs_api_fail_code(
            c, "forbidden", c->csrf[0] == '\0' ? "csrf-missing" : "csrf-mismatch",
            "此操作须附带本次登录的防伪令牌（X-CSRF-Token），请刷新页面后重试",
            "a request that changes something, signed in by the cookie, carries the session's "
            "X-CSRF-Token (from POST /v1/session or GET /v1/me)");
        return 1;
    }
    memcpy(c->csrf, csrf, sizeof c->csrf); /* the session's, for GET /v1/me to hand out */
    c->by_session = 1;
    return 0;
}
