/* api/cursor.c: search cursors (cursor.h): base64url, without padding, of "ID" or
 * "ID SORTTIME". Opaque to clients; decoding accepts only what encoding makes (the fuzzer
 * checks that a decoded cursor encodes back to the same text). */
#include "api/cursor.h"

#include "core/error.h"
#include "ledger/b64.h"

#include <errno.h>
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
