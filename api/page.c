/* api/page.c: list cursors of a request (page.h), sealed by cursor.c. */
#include "api/page.h"

#include "api/args.h"
#include "core/buf.h"
#include "core/error.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

/* The cursors' key: one of the media URL key (made at start, never stored), so that the two
 * never stand for each other. */
static int
secret(cs_api_call_t *c, uint8_t out[32])
{
    static const char label[] = "custody list cursors";
    uint8_t mac[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (HMAC(EVP_sha256(), c->api->media_key, 32, (const uint8_t *)label, sizeof label - 1, mac,
             &n) == NULL ||
        n != 32)
        return CS_ECRYPTO;
    memcpy(out, mac, 32);
    return 0;
}

/* The list a cursor belongs to: its route, its user and its case. */
static int
scope(cs_api_call_t *c, const char *op, const char *case_number, char *out, size_t cap)
{
    return cs_snprintf(out, cap, "%s\n%s\n%s", op, c->user.name, case_number ? case_number : "");
}

int
cs_api_arg_cursor(cs_api_call_t *c, const char *op, const char *case_number, cs_search_key_t *after,
                  int *has)
{
    char text[CS_API_CURSOR_MAX], sc[1024];
    uint8_t key[32];
    int rc;
    if (cs_api_arg_str(c, "cursor", text, sizeof text, has) != 0)
        return 1;
    if (!*has)
        return 0;
    if ((rc = secret(c, key)) != 0 || (rc = scope(c, op, case_number, sc, sizeof sc)) != 0) {
        cs_api_fail_rc(c, rc, "reading the cursor");
        return 1;
    }
    if (cs_api_cursor_open(key, sc, text, after) != 0) {
        cs_api_fail_code(
            c, "bad-request", "cursor",
            "翻页标记无效：它已被改动、不属于这个列表，或服务已重启；请从第一页重新读取",
            "cursor: not one this service gave you for this list (altered, of "
            "another list or user, or from before a restart); pass back the "
            "next_cursor of a previous page as is, or start from the first page");
        return 1;
    }
    return 0;
}

int
cs_api_next_cursor(cs_api_call_t *c, const char *op, const char *case_number,
                   const cs_search_key_t *last, char *out, size_t cap)
{
    char sc[1024];
    uint8_t key[32];
    int rc;
    if ((rc = secret(c, key)) != 0 || (rc = scope(c, op, case_number, sc, sizeof sc)) != 0)
        return rc;
    return cs_api_cursor_seal(key, sc, last, out, cap);
}
