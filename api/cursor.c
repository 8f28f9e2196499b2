/* api/cursor.c: list cursors (cursor.h): base64url, without padding, of "ID" or
 * "ID SORTTIME", then '.' and a seal (an HMAC of the list and the cursor). Opaque to clients;
 * decoding accepts only what encoding makes (the fuzzer checks that a cursor that opens seals
 * back to the same text). */
#include "api/cursor.h"

#include "api/b64url.h"
#include "core/error.h"
#include "ledger/b64.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RAW_MAX 96 /* bytes of the text inside a cursor */

int
cs_api_cursor_encode(const cs_search_key_t *key, char *out, size_t cap)
{
    char raw[RAW_MAX], b64[CS_B64_LEN(RAW_MAX) + 1];
    int n = key->timed ? snprintf(raw, sizeof raw, "%" PRId64 " %s", key->id, key->time)
                       : snprintf(raw, sizeof raw, "%" PRId64, key->id);
    size_t len;
    if (n < 0 || (size_t)n >= sizeof raw || cs_b64_encode(raw, (size_t)n, b64, sizeof b64) != 0)
        return CS_ENAMETOOLONG;
    len = strcspn(b64, "=");
    if (len >= cap)
        return CS_ENAMETOOLONG;
    for (size_t i = 0; i < len; i++)
        out[i] = b64[i] == '+' ? '-' : b64[i] == '/' ? '_' : b64[i];
    out[len] = '\0';
    return 0;
}

int
cs_api_cursor_decode(const char *text, cs_search_key_t *key)
{
    char b64[CS_API_CURSOR_MAX + 3], raw[RAW_MAX + 1], *end = NULL;
    size_t len = strlen(text), n = 0;
    memset(key, 0, sizeof *key);
    if (len == 0 || len >= CS_API_CURSOR_MAX || len % 4 == 1)
        return CS_EINVAL;
    for (size_t i = 0; i < len; i++) {
        char ch = text[i];
        if (ch == '+' || ch == '/' || ch == '=')
            return CS_EINVAL; /* base64url only */
        b64[i] = ch == '-' ? '+' : ch == '_' ? '/' : ch;
    }
    while (len % 4 != 0)
        b64[len++] = '=';
    if (cs_b64_decode(b64, len, (uint8_t *)raw, RAW_MAX, &n) != 0)
        return CS_EINVAL;
    raw[n] = '\0';
    if (strlen(raw) != n || n == 0 || raw[0] < '0' || raw[0] > '9' ||
        (raw[0] == '0' && raw[1] >= '0' &&
         raw[1] <= '9')) /* digits as encoded: no '+', no 0 lead */
        return CS_EINVAL;
    errno = 0;
    long long id = strtoll(raw, &end, 10);
    if (errno != 0 || id < 0)
        return CS_EINVAL;
    key->id = id;
    if (*end == '\0')
        return 0;
    if (*end != ' ' || end[1] == '\0' || strlen(end + 1) >= sizeof key->time)
        return CS_EINVAL;
    for (const char *p = end + 1; *p; p++)
        if (*p <= ' ' || *p > '~') /* sort times are printable ASCII */
            return CS_EINVAL;
    key->timed = 1;
    snprintf(key->time, sizeof key->time, "%s", end + 1); /* fits: its length checked above */
    return 0;
}

#define SEAL_LEN 16 /* bytes of the HMAC kept */

static int
seal_of(const uint8_t secret[32], const char *scope, const char *body, size_t body_len,
        uint8_t out[SEAL_LEN])
{
    /* No media URL's payload starts so (mediaurl.c): the two never stand for each other. */
    char msg[2048];
    uint8_t mac[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    int len = snprintf(msg, sizeof msg, "custody-cursor\n%s\n%.*s", scope, (int)body_len, body);
    if (len < 0 || (size_t)len >= sizeof msg)
        return CS_ENAMETOOLONG;
    if (HMAC(EVP_sha256(), secret, 32, (const uint8_t *)msg, (size_t)len, mac, &n) == NULL ||
        n < SEAL_LEN)
        return CS_ECRYPTO;
    memcpy(out, mac, SEAL_LEN);
    return 0;
}

int
cs_api_cursor_seal(const uint8_t secret[32], const char *scope, const cs_search_key_t *key,
                   char *out, size_t cap)
{
    uint8_t mac[SEAL_LEN];
    size_t len;
    int rc;
    if ((rc = cs_api_cursor_encode(key, out, cap)) != 0)
        return rc;
    len = strlen(out);
    if (len + 2 >= cap) {
        out[0] = '\0';
        return CS_ENAMETOOLONG;
    }
    if ((rc = seal_of(secret, scope, out, len, mac)) != 0 ||
        (rc = cs_api_b64url_encode(mac, sizeof mac, out + len + 1, cap - len - 1)) != 0) {
        out[0] = '\0';
        return rc;
    }
    out[len] = '.';
    return 0;
}

int
cs_api_cursor_open(const uint8_t secret[32], const char *scope, const char *text,
                   cs_search_key_t *key)
{
    char body[CS_API_CURSOR_MAX];
    uint8_t want[SEAL_LEN], got[SEAL_LEN];
    const char *dot = strchr(text, '.');
    size_t len, n = 0;
    memset(key, 0, sizeof *key);
    if (dot == NULL || (len = (size_t)(dot - text)) >= sizeof body)
        return CS_EINVAL;
    memcpy(body, text, len);
    body[len] = '\0';
    if (cs_api_b64url_decode(dot + 1, strlen(dot + 1), got, sizeof got, &n) != 0 || n != SEAL_LEN ||
        seal_of(secret, scope, body, len, want) != 0 || CRYPTO_memcmp(want, got, SEAL_LEN) != 0)
        return CS_EINVAL;
    return cs_api_cursor_decode(body, key);
}
