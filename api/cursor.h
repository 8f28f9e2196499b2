/* api/cursor.h: the opaque `cursor` of GET /v1/search: where the last page ended (its last
 * result's sort key), as base64url text a client passes back. Pure functions, fuzzed. */
#ifndef CS_API_CURSOR_H
#define CS_API_CURSOR_H

#include "indexer/search.h"

#include <stddef.h>

#define CS_API_CURSOR_MAX 128 /* characters of a cursor, NUL included */

/** Writes the cursor of `key` into out (cap bytes). 0, or CS_ENAMETOOLONG. */
int cs_api_cursor_encode(const cs_search_key_t *key, char *out, size_t cap);

/** Reads a cursor of cs_api_cursor_encode into *key. 0, or CS_EINVAL for any other text. */
int cs_api_cursor_decode(const char *text, cs_search_key_t *key);

#endif
