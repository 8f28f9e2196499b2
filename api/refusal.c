/* api/refusal.c: what h2o refuses itself, before any handler runs (a body over api.max_body,
 * a broken Content-Length or chunked encoding), answered as problem+json like every other
 * refusal of the API instead of h2o's text/plain. h2o binds such a request to its host's
 * fallback path; this filter sits there and replaces the body it sends. */
#include "api/api_int.h"

#include "core/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct refusal_filter {
    h2o_filter_t super;
    int max_body;
} refusal_filter_t;

typedef struct refusal_ostr {
    h2o_ostream_t super;
    h2o_iovec_t body;
} refusal_ostr_t;

/* h2o sends its refusal whole, in one final call: ours goes out instead. */
static void
refusal_send(h2o_ostream_t *self, h2o_req_t *req, h2o_iovec_t *bufs, size_t bufcnt,
             h2o_send_state_t state)
{
    refusal_ostr_t *o = (refusal_ostr_t *)self;
    (void)bufs;
    (void)bufcnt;
    if (h2o_send_state_is_in_progress(state))
        h2o_ostream_send_next(self, req, NULL, 0, state);
    else
        h2o_ostream_send_next(self, req, &o->body, 1, state);
}

static void
refusal_setup(h2o_filter_t *self, h2o_req_t *req, h2o_ostream_t **slot)
{
    refusal_filter_t *f = (refusal_filter_t *)self;
    const char *slug = req->res.status == 413   ? "too-large"
                       : req->res.status == 400 ? "bad-request"
                                                : NULL;
    char detail[256];
    char *body = NULL;
    size_t len = 0;
    refusal_ostr_t *o;

    if (slug == NULL)
        goto next;
    /* fits, both: fixed words and an int */
    if (req->res.status == 413)
        snprintf(detail, sizeof detail,
                 "the request body is larger than api.max_body (%d bytes); nothing was done",
                 f->max_body);
    else
        snprintf(detail, sizeof detail,
                 "the request body's framing (its Content-Length or chunked encoding) is "
                 "broken; nothing was done");
    if ((body = cs_api_problem_body(slug, detail, CS_DENY_NONE, NULL, &len)) == NULL)
        goto next; /* out of memory: h2o's own answer goes out */
    o = (refusal_ostr_t *)h2o_add_ostream(req, sizeof *o, slot);
    o->super.do_send = refusal_send;
    o->body.base = h2o_mem_alloc_pool(&req->pool, len);
    o->body.len = len;
    memcpy(o->body.base, body, len);
    free(body);
    req->res.content_length = len;
    h2o_set_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE,
                   H2O_STRLIT("application/problem+json"), 1);
    slot = &o->super.next;
    cs_log(CS_LOG_WARN, "api.refused",
           json_pack("{s:i, s:s}", "status", req->res.status, "problem", slug));
next:
    h2o_setup_next_ostream(req, slot);
}

void
cs_api_refusals_register(h2o_hostconf_t *host, int max_body)
{
    refusal_filter_t *f = (refusal_filter_t *)h2o_create_filter(&host->fallback_path, sizeof *f);
    f->super.on_setup_ostream = refusal_setup;
    f->max_body = max_body;
}
