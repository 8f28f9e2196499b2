/* api/cursor.h: the opaque cursors of the lists that page (the cases, a case's items, search,
 * the ledger; api/page.c):
 * where the last page ended (its last row's sort key), as base64url text a client passes
 * back, sealed with an HMAC over the list it belongs to (the route, the user, the case), so
 * that a cursor altered, made up or taken to another list or user is refused. Pure
 * functions, fuzzed. */
#ifndef CS_API_CURSOR_H
#define CS_API_CURSOR_H

#include "indexer/search.h"

#include <stddef.h>

#include <stdint.h>

#define CS_API_CURSOR_MAX 192 /* characters of a cursor, NUL included */

/** Writes the cursor of `key` into out (cap bytes). 0, or CS_ENAMETOOLONG. */
int cs_api_cursor_encode(const cs_search_key_t *key, char *out, size_t cap);

/** Reads a cursor of cs_api_cursor_encode into *key. 0, or CS_EINVAL for any other text. */
int cs_api_cursor_decode(const char *text, cs_search_key_t *key);

/** Writes the sealed cursor of `key` for the list `scope` into out (cap bytes): the cursor
 * of cs_api_cursor_encode, '.', and the base64url of the first 16 bytes of
 * HMAC-SHA256(secret, "custody-cursor\n" scope "\n" cursor). 0, CS_ENAMETOOLONG or
 * CS_ECRYPTO. */
int cs_api_cursor_seal(const uint8_t secret[32], const char *scope, const cs_search_key_t *key,
                       char *out, size_t cap);

/** Reads a cursor of cs_api_cursor_seal made for `scope` under `secret` into *key. 0, or
 * CS_EINVAL for any other text (altered, made up, of another list, of an earlier run). */
int cs_api_cursor_open(const uint8_t secret[32], const char *scope, const char *text,
                       cs_search_key_t *key);

#endif
