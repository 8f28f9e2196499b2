/* api/page.h: the `cursor` and `limit` of the lists that page (a case's items, search): a
 * cursor is read back only for the list and the user it was given to, and sealed with a key
 * of this run of the service (a restart ends every cursor: the client starts again). */
#ifndef CS_API_PAGE_H
#define CS_API_PAGE_H

#include "api/api_int.h"
#include "api/cursor.h"

/** Reads the query's `cursor` for the list `op` (of the case `case_number`, NULL: none) into
 * *after, *has 1 when one was given. 1 with a 400 answer (code "cursor", in Chinese too) when
 * it is not one this run gave this user for this list. */
int cs_api_arg_cursor(cs_api_call_t *c, const char *op, const char *case_number,
                      cs_search_key_t *after, int *has);

/** Writes the cursor after `last` for the list `op` (and case) into out (cap bytes). */
int cs_api_next_cursor(cs_api_call_t *c, const char *op, const char *case_number,
                       const cs_search_key_t *last, char *out, size_t cap);

#endif
