/* tests/e2e/e2e_ui.h: what the tests of the web interface's routes share (test_api_ui.c,
 * test_api_media_urls.c, test_api_clerk.c, test_api_ledger.c): the security headers every
 * answer carries, a refusal with its problem, and counting a JSON list. */
#ifndef CS_TESTS_E2E_UI_H
#define CS_TESTS_E2E_UI_H

#include "tests/e2e/e2e_api.h"

#include <stddef.h>

/** Fails the test unless r carries the security headers every answer carries (CSP,
 * nosniff, no referrer, no framing). */
void assert_protected(resp_t *r);

/** Fails the test unless the request is refused with problem `slug` (and `status`), with the
 * security headers. */
void refused_with(api_t *a, const char *method, const char *target, const char *token,
                  const char *purpose, const char *body, int status, const char *slug);

/** GET target as token (no purpose): fails the test unless 200; the length of the array
 * `key` of its JSON. */
size_t count_at(api_t *a, const char *target, const char *token, const char *key);

#endif
