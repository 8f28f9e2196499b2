/* api/public_serve.h: the public listener of `custody serve` (public.listen; issue 23 part 4):
 * a second h2o configuration on the service's loop, with one host and one handler of its own
 * and nothing of the API's: it answers GET and HEAD of `/` (the index of live publications),
 * `/p/<id>` (a publication's page: 410 when withdrawn, 404 when never published) and
 * `/p/<id>/<sha256>[.<ext>]` (a public copy that the publication's latest version names,
 * streamed from the store), everything else 404 and other methods 405. What may be shown and
 * served is api/public_site.c's to say, from indexer/public_site.c's snapshot. No token, no
 * purpose, no ledger entry (these are not retrievals of evidence by a user): each answer is a
 * `public.request` line of the service log. */
#ifndef CS_API_PUBLIC_SERVE_H
#define CS_API_PUBLIC_SERVE_H

#include "api/server.h"

#include <uv.h>

typedef struct cs_pubserve cs_pubserve_t;

/** Listens on opts->cfg->public_listen (must not be empty) with its own catalog connection and
 * store handle; logs "public.listening" with the address. CS_ECONFIG (bad address), CS_EBUSY,
 * CS_EACCES, or the catalog's or store's error; *out NULL on error. */
int cs_pubserve_start(cs_pubserve_t **out, uv_loop_t *loop, const cs_api_opts_t *opts);

/** Stops listening, lets answers in flight finish, closes the connections, and calls
 * done(arg) on the loop when all is released. Call once. */
void cs_pubserve_stop(cs_pubserve_t *s, void (*done)(void *), void *arg);

#endif
