/* api/mediaurl.c: making and checking the tokens of signed media URLs (mediaurl.h). */
#include "api/mediaurl.h"

#include "api/b64url.h"
#include "core/error.h"
#include "ledger/b64.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAC_LEN 32
#define PAYLOAD_MAX CS_API_MEDIA_TOKEN_MAX /* decoded bytes are fewer than encoded ones */

int
cs_api_media_key_new(uint8_t key[32])
{
    if (RAND_bytes(key, 32) != 1) {
        cs_diag_set("api: no random bytes for the media URL key (%s)",
                    ERR_reason_error_string(ERR_peek_last_error()));
        return CS_ECRYPTO;
    }
    return 0;
}

static int
mac(const uint8_t key[32], const void *data, size_t len, uint8_t out[MAC_LEN])
{
    unsigned int n = 0;
    if (HMAC(EVP_sha256(), key, 32, data, len, out, &n) == NULL || n != MAC_LEN)
        return CS_ECRYPTO;
    return 0;
}

void
cs_api_media_tok(const char *token_sha256, char tok[17])
{
    char h[65];
    cs_token_hash(token_sha256, h); /* a hash of the hash: the URL says nothing of the token */
    memcpy(tok, h, 16);
    tok[16] = '\0';
}

int
cs_api_media_token_make(const uint8_t key[32], const cs_api_media_claim_t *m, char *out, size_t cap)
{
    uint8_t sig[MAC_LEN];
    char *payload = NULL;
    json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:I, s:s}", "exp", (json_int_t)m->exp, "item",
                          m->item, "profile", m->profile, "purpose", m->purpose, "tok", m->tok,
                          "uid", (json_int_t)m->uid, "user", m->user);
    size_t len, n;
    int rc = CS_ENOMEM;
    out[0] = '\0';
    if (o == NULL || (payload = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
        goto out;
    len = strlen(payload);
    if ((rc = mac(key, payload, len, sig)) != 0)
        goto out;
    /* Each part is encoded in place; the '.' and the MAC follow the payload's text. */
    rc = CS_ENAMETOOLONG;
    if (cap < CS_B64_LEN(len) + 1 || cs_api_b64url_encode(payload, len, out, cap) != 0)
        goto out;
    n = strlen(out);
    if (cap - n < 2 + CS_B64_LEN(MAC_LEN) ||
        cs_api_b64url_encode(sig, MAC_LEN, out + n + 1, cap - n - 1) != 0)
        goto out;
    out[n] = '.';
    rc = 0;
out:
    if (rc != 0 && cap > 0)
        out[0] = '\0';
    free(payload);
    json_decref(o);
    return rc;
}

/* Copies a string of the claim into dst (cap bytes); CS_EINVAL when it does not fit. */
static int
copy(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n == 0 || n >= cap)
        return CS_EINVAL;
    memcpy(dst, src, n + 1);
    return 0;
}

int
cs_api_media_token_read(const uint8_t key[32], const char *token, int64_t now,
                        cs_api_media_claim_t *m)
{
    uint8_t payload[PAYLOAD_MAX], sig[MAC_LEN + 3], want[MAC_LEN];
    const char *dot = strchr(token, '.');
    const char *item, *profile, *purpose, *user, *tok;
    json_int_t exp, uid;
    size_t plen = 0, slen = 0;
    json_t *o = NULL;
    int rc = CS_EINVAL;
    memset(m, 0, sizeof *m);
    if (dot == NULL || strchr(dot + 1, '.') != NULL ||
        cs_api_b64url_decode(token, (size_t)(dot - token), payload, sizeof payload, &plen) != 0 ||
        cs_api_b64url_decode(dot + 1, strlen(dot + 1), sig, sizeof sig, &slen) != 0 ||
        slen != MAC_LEN)
        return CS_EINVAL;
    if ((rc = mac(key, payload, plen, want)) != 0)
        return rc;
    if (CRYPTO_memcmp(sig, want, MAC_LEN) != 0)
        return CS_EMISMATCH;
    /* Signed by this key: the payload is one this service wrote. Checked all the same. */
    rc = CS_EINVAL;
    o = json_loadb((const char *)payload, plen, JSON_REJECT_DUPLICATES, NULL);
    if (o == NULL ||
        json_unpack(o, "{s:I, s:s, s:s, s:s, s:s, s:I, s:s !}", "exp", &exp, "item", &item,
                    "profile", &profile, "purpose", &purpose, "tok", &tok, "uid", &uid, "user",
                    &user) != 0 ||
        copy(m->tok, sizeof m->tok, tok) != 0 || copy(m->item, sizeof m->item, item) != 0 ||
        strlen(m->item) != 64 || copy(m->profile, sizeof m->profile, profile) != 0 ||
        copy(m->purpose, sizeof m->purpose, purpose) != 0 ||
        copy(m->user, sizeof m->user, user) != 0)
        goto out;
    m->exp = exp;
    m->uid = uid;
    rc = now > m->exp ? CS_ETIMEDOUT : 0;
out:
    json_decref(o);
    return rc;
}
