/* api/mediaurl.h: signed media URLs, /media/<token>, for <img>, <video> and <audio> sources
 * that cannot send a bearer token. A token binds one user, item, profile and purpose until
 * an expiry, signed with HMAC-SHA256 under a key made when the API starts (never stored: a
 * restart ends every URL):
 *
 *   token   = base64url(payload) "." base64url(HMAC-SHA256(key, payload))   (no padding)
 *   payload = compact JSON, sorted keys: {"exp": unix seconds, "item": "<sha256>",
 *             "profile": "original" | "<derivative profile>", "purpose": "...",
 *             "tok": "<16 hex digits>", "uid": <user id>, "user": "<user name>"}
 *   tok     = the first 16 hex digits of SHA-256 of the user's token hash when minted: a
 *             rotated token ends every URL minted under the old one
 *
 * A token proves only that this service minted it; the fetch decides access again and is
 * ledgered like any download (h_mediaurl.c). Pure functions: no catalog, no I/O. */
#ifndef CS_API_MEDIAURL_H
#define CS_API_MEDIAURL_H

#include "api/api_int.h"

/* Bytes of a token and its NUL: "/media/<token>" must fit a request target. */
#define CS_API_MEDIA_TOKEN_MAX (CS_API_PATH_MAX - 7)

typedef struct cs_api_media_claim {
    int64_t uid;
    char tok[17]; /* the user's token generation (cs_api_media_tok) */
    char user[CS_NAME_MAX];
    char item[65];    /* sha256, lower-case hex */
    char profile[16]; /* "original" or a derivative profile */
    char purpose[CS_API_PURPOSE_MAX];
    int64_t exp; /* unix seconds: valid up to and including this second */
} cs_api_media_claim_t;

/** The token generation of a user whose token hash is `token_sha256` into tok. */
void cs_api_media_tok(const char *token_sha256, char tok[17]);

/** Fills key with 32 random bytes; CS_ECRYPTO (with a detail) when there are none to be had. */
int cs_api_media_key_new(uint8_t key[32]);

/** Writes the token of claim m, signed with key, into out (cap bytes). CS_ENAMETOOLONG when
 * it does not fit (a purpose too long to travel in a URL), CS_ENOMEM. */
int cs_api_media_token_make(const uint8_t key[32], const cs_api_media_claim_t *m, char *out,
                            size_t cap);

/** Checks token (MAC first, in constant time; then expiry against `now`, unix seconds) and
 * fills *m. 0; CS_EMISMATCH when the MAC is not key's (tampered, or minted before a restart);
 * CS_EINVAL when it is not a token at all; CS_ETIMEDOUT when it has expired. */
int cs_api_media_token_read(const uint8_t key[32], const char *token, int64_t now,
                            cs_api_media_claim_t *m);

#endif
