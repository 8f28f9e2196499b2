/* tests/e2e/e2e_api.h: a `custody serve` with the HTTP API on a free loopback port, its
 * users and one ingested item, and plain HTTP/1.1 requests over a socket: what the tests of
 * api/ share (test_api.c, test_api_scale.c). */
#ifndef CS_TESTS_E2E_API_H
#define CS_TESTS_E2E_API_H

#include "tests/e2e/e2e.h"

#include <stddef.h>
#include <sys/types.h>

#define SIZE 300000                  /* bytes of the original: more than one chunk of a download */
#define PURPOSE "%E5%A4%8D%E6%A0%B8" /* "复核", percent-encoded */
#define CASE_A_PCT "%E4%BB%BB%E6%B0%B4%E7%BD%9A%5B2023%5D12%E5%8F%B7" /* 任水罚[2023]12号 */

typedef struct api {
    e2e_t t;
    char log[PATH_MAX];
    char src[PATH_MAX]; /* the original as ingested */
    char sha[65];
    char *data; /* its bytes */
    pid_t pid;
    int port;
    char *alice, *bob, *carol, *dave, *root; /* reviewer (granted), reviewer, auditor, clerk,
                                              * admin */
} api_t;

typedef struct resp {
    int status;
    char *raw;
    char *body;
    size_t body_len;
} resp_t;

/** Fails the test unless the command exited 0. */
void run_ok(cs_run_t *r);

/** `custody user add NAME --role ROLE`: its token (malloc'd). */
char *user_add(api_t *a, const char *name, const char *role);

/** The port of the log line `event` ("api.listening"), 0 when not there yet. */
int logged_port(const api_t *a, const char *event);

/** Starts `custody serve` on a port of the system's choosing; a->port is set. */
void api_start(api_t *a);

/** api_start with more configuration: `sets` is a NULL-terminated list of "key=value" passed
 * as --set (NULL: none). */
void api_start_with(api_t *a, const char *const *sets);

/** A home with one ingested item (SIZE random bytes in CASE_A), users alice (reviewer,
 * granted on CASE_A), bob (reviewer), carol (auditor), dave (clerk), root (admin), and the
 * service started. */
void api_setup(api_t *a);

/** api_setup whose service is started with api_start_with(a, sets). */
void api_setup_with(api_t *a, const char *const *sets);

/** Stops the service (fails the test unless it stops cleanly) and removes the home. */
void api_teardown(api_t *a);

/** One HTTP/1.1 request on its own connection (token, purpose, range, body may be NULL); the
 * whole answer is read into r. */
void http(api_t *a, resp_t *r, const char *method, const char *target, const char *token,
          const char *purpose, const char *range, const char *body);

/** http() with more request headers: `headers` is a NULL-terminated list of "Name: value"
 * (NULL: none). */
void http_h(api_t *a, resp_t *r, const char *method, const char *target, const char *token,
            const char *purpose, const char *range, const char *body, const char *const *headers);

/** A header's value (into a static buffer), NULL when absent. */
const char *header(resp_t *r, const char *name);

void resp_free(resp_t *r);

/** The body as JSON (fails the test if it is not). */
json_t *body_json(resp_t *r);

/** The answer is the problem `slug` with status `status`, in RFC 9457 shape. */
void assert_problem(resp_t *r, int status, const char *slug);

/** Ledger entries matching the SQL condition `where`. */
long entries(api_t *a, const char *where);

/** "/v1/items/<sha><suffix>" into buf. */
void path_of(api_t *a, char *buf, size_t size, const char *suffix);

#endif
