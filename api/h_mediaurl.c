/* api/h_mediaurl.c: signed media URLs (mediaurl.h). POST /v1/media-urls mints them for the
 * items the user may download now, for the purpose stated, each decided by the gate as its
 * fetch would be: a refusal is ledgered like any denied read (an allowed mint serves nothing:
 * its fetch is ledgered). GET /media/{token} needs no Authorization header: the token names the
 * user, whose access is decided again, and the bytes go out through the same download as
 * /v1/items/{sha256}/original (h_media.c): Range, ETag, the synced ledger entry before any
 * byte, marked "via": "media-url". Thread pool, catalog lock held. */
#include "api/mediaurl.h"

#include "core/buf.h"
#include "core/error.h"
#include "ledger/note.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define MINT_MAX 200 /* requests in one POST */

/* One request's refusal, in the answer's place for it. */
static json_t *refused(json_t *item, json_t *profile, const char *slug, cs_deny_t deny,
                       const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static json_t *
refused(json_t *item, json_t *profile, const char *slug, cs_deny_t deny, const char *fmt, ...)
{
    char detail[512];
    va_list ap;
    va_start(ap, fmt);
    cs_vsnprintf_cut(detail, sizeof detail, fmt, ap); /* a problem's detail: cut if long */
    va_end(ap);
    return json_pack("{s:O?, s:O?, s:o}", "item", item, "profile", profile, "error",
                     cs_api_problem_json(slug, detail, deny));
}

/* One URL, or its refusal: the user must be allowed to download the item's profile now, for
 * this purpose (decided by the gate before anything is looked up; a refusal is ledgered). */
static json_t *
mint_one(cs_api_call_t *c, json_t *req, time_t exp, const char *expires_at)
{
    json_t *item = json_object_get(req, "item"), *profile = json_object_get(req, "profile");
    const char *sha_in = json_string_value(item), *name = json_string_value(profile);
    const char *deriv = NULL;
    char url[8 + CS_API_MEDIA_TOKEN_MAX];
    cs_api_media_claim_t m = {.uid = c->user.id, .exp = (int64_t)exp};
    cs_access_policy_t pol = cs_access_policy(c->api->opts.cfg);
    cs_access_how_t h = cs_api_how(c, CS_READ_MINT, "mint");
    cs_access_decision_t d;
    int64_t seq = 0;
    size_t n = 0;
    int rc;
    if (!json_is_object(req) || json_object_size(req) != 2 || sha_in == NULL || name == NULL)
        return refused(item, profile, "bad-request", CS_DENY_NONE,
                       "each request is {\"item\": \"<sha256>\", \"profile\": \"original\" | "
                       "\"archival\" | \"access\" | \"preview\" | \"thumbnail\"}");
    for (; n < 64 && isxdigit((unsigned char)sha_in[n]); n++)
        m.item[n] = (char)tolower((unsigned char)sha_in[n]);
    if (n != 64 || sha_in[n] != '\0')
        return refused(item, profile, "bad-request", CS_DENY_NONE,
                       "an item is named by its sha256: 64 hex digits");
    if (strcmp(name, "original") != 0 && (deriv = cs_api_media_profile(name)) == NULL)
        return refused(item, profile, "not-found", CS_DENY_NONE,
                       "no profile \"%.40s\"; use original, archival, access, preview or thumbnail",
                       name);
    h.profile = deriv;
    h.object = m.item;
    if ((rc = cs_access_decide_synced(c->cat, &pol, &c->who, m.item, NULL, &h, &d, &seq)) != 0)
        return refused(item, profile, rc == CS_EBUSY ? "unavailable" : "internal", CS_DENY_NONE,
                       "the decision could not be made or recorded (%s): try again",
                       cs_strerror(rc));
    if (!d.allowed) {
        json_t *r = refused(item, profile,
                            d.status == 404   ? "not-found"
                            : d.status == 410 ? "gone"
                                              : "forbidden",
                            d.deny, "%s (ledger entry %lld)", d.reason, (long long)seq);
        json_object_set_new(json_object_get(r, "error"), "detail_zh", json_string(d.reason_zh));
        return r;
    }
    /* fits, each: the same bound (CS_NAME_MAX, CS_API_PURPOSE_MAX), or a profile of the table */
    snprintf(m.user, sizeof m.user, "%s", c->user.name);
    snprintf(m.profile, sizeof m.profile, "%s", deriv ? deriv : "original");
    snprintf(m.purpose, sizeof m.purpose, "%s", c->purpose);
    cs_api_media_tok(c->user.token_sha256, m.tok);
    memcpy(url, "/media/", 8);
    if ((rc = cs_api_media_token_make(c->api->media_key, &m, url + 7, CS_API_MEDIA_TOKEN_MAX)) != 0)
        return refused(
            item, profile, rc == CS_ENAMETOOLONG ? "bad-request" : "internal", CS_DENY_NONE, "%s",
            rc == CS_ENAMETOOLONG ? "the purpose is too long to travel in a URL" : cs_strerror(rc));
    return json_pack("{s:O, s:O, s:s, s:s}", "item", item, "profile", profile, "url", url,
                     "expires_at", expires_at);
}

void
cs_api_h_media_urls(cs_api_call_t *c)
{
    json_error_t jerr;
    json_t *body = NULL, *reqs = NULL, *urls = NULL, *r;
    char expires_at[CS_CHECKPOINT_TIME_MAX];
    time_t exp = time(NULL) + c->api->opts.cfg->api_media_url_ttl_s;
    size_t i;
    /* Without a purpose nothing is decided: no URL is minted (each fetch is ledgered). */
    if (c->purpose_state != 1) {
        cs_api_fail(c, "no-purpose",
                    "a media URL carries the purpose of its reads: send X-Custody-Purpose "
                    "(percent-encoded UTF-8)");
        return;
    }
    body = c->body ? json_loadb(c->body, c->body_len, JSON_REJECT_DUPLICATES, &jerr) : NULL;
    if (body == NULL || json_unpack_ex(body, &jerr, JSON_STRICT, "{s:o}", "requests", &reqs) != 0 ||
        !json_is_array(reqs) || json_array_size(reqs) < 1 || json_array_size(reqs) > MINT_MAX) {
        cs_api_fail(c, "bad-request",
                    "send {\"requests\": [{\"item\": \"<sha256>\", \"profile\": \"original\" | "
                    "\"<derivative profile>\"}, ...]} with 1..%d requests%s%s",
                    MINT_MAX, body == NULL || reqs == NULL ? ": " : "",
                    body == NULL || reqs == NULL ? (c->body ? jerr.text : "no body") : "");
        goto out;
    }
    if (cs_checkpoint_time((int64_t)exp, expires_at) != 0) {
        cs_api_fail(c, "internal", "the clock is out of range");
        goto out;
    }
    urls = json_array();
    json_array_foreach(reqs, i, r)
    {
        json_t *u = mint_one(c, r, exp, expires_at);
        if (u == NULL || json_array_append_new(urls, u) != 0) {
            cs_api_fail(c, "internal", "out of memory minting media URLs");
            goto out;
        }
    }
    c->json = json_pack("{s:O}", "urls", urls);
    c->status = 200;
out:
    json_decref(urls);
    json_decref(body);
}

void
cs_api_h_media_url(cs_api_call_t *c)
{
    char token[CS_API_MEDIA_TOKEN_MAX], when[CS_CHECKPOINT_TIME_MAX] = "";
    cs_api_media_claim_t m;
    const char *profile = NULL;
    int n = cs_api_pct_decode(c->tail, strlen(c->tail), 0, token, sizeof token), rc;
    rc = n < 0 ? CS_EINVAL : cs_api_media_token_read(c->api->media_key, token, time(NULL), &m);
    if (rc == CS_ETIMEDOUT) {
        cs_checkpoint_time(m.exp, when);
        cs_api_fail(c, "media-url-expired",
                    "this media URL expired at %s; the page asks POST /v1/media-urls for a "
                    "new one",
                    when);
        return;
    }
    if (rc == 0 && strcmp(m.profile, "original") != 0 &&
        (profile = cs_api_media_profile(m.profile)) == NULL)
        rc = CS_EINVAL;
    if (rc == 0) {
        cs_diag_clear();
        if ((rc = cs_catalog_user_by_name(c->cat, m.user, &c->user)) != 0 && rc != CS_ENOTFOUND) {
            cs_api_fail_rc(c, rc, "reading the user");
            return;
        }
        if (rc == 0 && c->user.id != m.uid)
            rc = CS_ENOTFOUND; /* not the user it was minted for */
        if (rc == 0) {
            char tok[17];
            cs_api_media_tok(c->user.token_sha256, tok);
            if (strcmp(tok, m.tok) != 0)
                rc = CS_ENOTFOUND; /* minted under a token since rotated */
        }
    }
    if (rc != 0) {
        cs_api_fail(c, "media-url-invalid",
                    "this media URL was not signed by this service, was minted before it "
                    "restarted, or before its user's token was rotated: the page asks POST "
                    "/v1/media-urls for a new one");
        return;
    }
    /* A disabled user or a revoked grant is refused here, and the refusal ledgered. */
    snprintf(c->purpose, sizeof c->purpose, "%s", m.purpose); /* fits: both PURPOSE_MAX */
    c->purpose_state = 1;
    c->channel = CS_CHANNEL_MEDIA_URL;
    cs_access_who_user(&c->who, &c->user, NULL);
    cs_api_download(c, m.item, profile);
}
