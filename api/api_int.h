/* api/api_int.h: what the files of api/ share: the server, one request's call, the route
 * table and the helpers that answer. Only the loop thread touches h2o objects; the work
 * function of a route runs on the thread pool with a catalog connection of its own (c->cat)
 * and reads only the copies made in its cs_api_call_t. */
#ifndef CS_API_INT_H
#define CS_API_INT_H

#include "api/listen.h"
#include "api/route.h"
#include "api/server.h"
#include "core/casenum.h"
#include "indexer/access.h"
#include "indexer/catalog.h"
#include "access/addrlimit.h"
#include "access/gate.h"
#include "ledger/appender.h"
#include "api/cache.h"
#include "access/token.h"
#include "storage/store.h"

#include <h2o.h>
#include <jansson.h>
#include <stdint.h>
#include <uv.h>

#define CS_API_PATH_MAX 2048      /* bytes of a request target, query included (longer: 414) */
#define CS_API_PARAMS 4           /* path parameters of a route */
#define CS_API_PURPOSE_MAX 1024   /* bytes of a decoded X-Custody-Purpose */
#define CS_API_CHUNK (256 * 1024) /* bytes read from an object at a time */
/* an object streamed from the object store (stream_remote.c) passes through SLOTS slots of
 * SLOT bytes: the GET fills one while h2o sends another (4 slots, or 2 of 2 MiB, measured no
 * faster than 2); a slot goes to an idle loop once it holds MIN bytes (or the last ones) */
#define CS_API_REMOTE_SLOT (1024 * 1024)
#define CS_API_REMOTE_SLOTS 2
#define CS_API_REMOTE_MIN (256 * 1024)
#define CS_API_READERS 4     /* catalog connections of the work functions */
#define CS_API_SESSIONS 1024 /* signed-in people at once; the oldest goes for a new one */
#define CS_API_COOKIE_MAX 64 /* a session cookie's value: base64url of 32 bytes, and room */
#define CS_API_THREADS 2     /* long calls (CS_API_THREAD routes) at once; more get 503 */

/* Response status codes that /metrics counts one by one; others count as "other". */
#define CS_API_STATUSES 15
#define CS_API_BUCKETS 10 /* latency histogram buckets, +Inf included */

typedef struct cs_api_call cs_api_call_t;

struct cs_api {
    uv_loop_t *loop;
    cs_api_opts_t opts;
    /* listen.c: the listener, the connections, and the stop. ls.max_conns: api.max_conns,
     * under the fd limit; ls.works: calls on the thread pool or a thread of their own;
     * ls.streams: downloads whose object file is open. */
    cs_listen_t ls;
    h2o_globalconf_t config;
    h2o_context_t ctx;
    SSL_CTX *ssl;
    int threads; /* calls on a thread of their own (CS_API_THREAD), of ls.works */
    /* readers.c: the API's own catalog connections for reads and relinks, one per work
     * function at a time (as many as libuv's default thread pool, so none waits for one). */
    uv_mutex_t cat_lock; /* guards cats and ncats */
    uv_cond_t cat_free;
    cs_catalog_t *cats[CS_API_READERS];
    int ncats; /* free ones, cats[0..ncats) */
    /* record.c: the ledger entries of calls, group-committed on a connection of their own
     * (ledger_cat, the appender's thread only); answered calls come back through `recorded`. */
    cs_catalog_t *ledger_cat;
    cs_ledger_appender_t *appender;
    cs_api_cache_t *cache;    /* cache.h: rows kept between calls (readers.c); NULL: off */
    uv_async_t *recorded;     /* its own allocation: freed when closed, after the API maybe */
    uv_mutex_t recorded_lock; /* guards recorded_head */
    cs_api_call_t *recorded_head;
    cs_store_t *store; /* object reads only: safe from any thread */
    cs_casenum_rule_t *rule;
    /* mediaurl.c: the key of signed media URLs, made at start and never stored: a restart
     * ends every URL minted before it. */
    uint8_t media_key[32];
    /* session.c: people's sign-ins, in memory only (a restart ends every one): the SHA-256 of
     * each cookie, never the cookie. */
    uv_mutex_t sessions_lock;
    struct cs_api_session *sessions; /* CS_API_SESSIONS of them */
    cs_addrlimit_t *signin_limit;    /* failed sign-ins per client address (h_session.c) */
    /* /metrics: touched on the loop thread only */
    uint64_t counts[CS_API_ROUTES_MAX + 1][CS_API_STATUSES + 1];
    uint64_t buckets[CS_API_ROUTES_MAX + 1][CS_API_BUCKETS];
    double seconds[CS_API_ROUTES_MAX + 1];
};

struct cs_api_call {
    uv_work_t work;
    uv_thread_t thread; /* a CS_API_THREAD route's own thread */
    uv_async_t *ended;  /* its way back to the loop (its own allocation, freed when closed) */
    cs_api_t *api;
    h2o_req_t *req; /* NULL once h2o has disposed of the request (the client went away) */
    void **guard;   /* in req's pool: points back here until the call is answered */
    int route;      /* index into the route table; -1: none matched */
    uint64_t started_ns;
    cs_catalog_t *cat; /* the work function's connection (readers.c) */
    int64_t cache_gen; /* the catalog's generation + 1 once read (cache.h), 0 before */
    /* The request, copied on the loop for the work function. */
    char params[CS_API_PARAMS][CS_API_PARAM_MAX];
    char query[CS_API_PATH_MAX];
    char token[CS_TOKEN_MAX];
    int auth_state;                   /* 0 no header, 1 a bearer token, -1 malformed */
    char purpose[CS_API_PURPOSE_MAX]; /* decoded */
    int purpose_state;                /* 0 missing, 1 given, -1 not percent-encoded UTF-8 */
    char range[128];                  /* the Range header, "" when none */
    int range_state;                  /* 0 none, 1 given, -1 too long */
    char tail[CS_API_PATH_MAX];       /* a tail route's rest of the path, raw (route.h) */
    char if_none_match[256];          /* the If-None-Match header, "" when none or too long */
    char client[1040];                /* "http:<peer address>" */
    char cookie[CS_API_COOKIE_MAX];   /* the custody_session cookie (session.c) */
    int cookie_state;                 /* 0 none, 1 given, -1 malformed */
    char csrf[CS_API_COOKIE_MAX];     /* the X-CSRF-Token header, "" when none or too long */
    int unsafe;                       /* a method that changes state (not GET or HEAD) */
    int by_session;                   /* authenticated by the cookie, not a bearer token */
    char set_cookie[256];             /* a Set-Cookie header of the answer, "" when none */
    int retry_after;                  /* a Retry-After header of the answer (s), 0: none */
    char *body;                       /* POST body (malloc'd copy) */
    size_t body_len;
    cs_channel_t channel; /* HTTP, or a signed media URL */
    /* Filled by the work function. */
    cs_user_t user;
    cs_access_who_t who; /* the user, as the gate sees them (auth.c) */
    cs_deny_t deny;      /* why the gate refused, when the answer is its refusal */
    char detail_zh[512]; /* and why in Chinese (the decision's reason_zh); "" otherwise */
    const char *code;    /* a problem's own code (static text) when not the gate's: NULL */
    int status;
    const char *slug; /* a problem: its type; NULL when the answer is a success */
    char detail[512];
    json_t *json; /* a JSON body */
    char *text;   /* or a text body (malloc'd) */
    size_t text_len;
    const char *ctype; /* of text */
    char etag[72];
    const struct cs_embed_file *asset; /* a built-in file of the web interface (h_ui.c) */
    char content_range[96];
    char media_type[128];
    char disposition[1800]; /* Content-Disposition of a download, "" when none */
    int fd;                 /* a download: the object, from `off` for `len` bytes */
    char remote[65];        /* or the object, read from the object store in one GET ("": none) */
    struct cs_api_fetch *fetch; /* that GET, started once the read was allowed (NULL: not yet) */
    uint64_t off, len;
    /* The ledger entry of the call's decision: appended (record.c) before any answer. */
    json_t *entry;
    int seq_in_detail; /* the problem's detail ends with the entry's number */
    int entry_rc;      /* the append's result */
    int64_t entry_seq;
    cs_api_call_t *recorded_next;
    int posted;    /* the entry was posted from the thread pool (cs_api_record_post) */
    int recorded;  /* ...and its commit came back to the loop before the work's end did */
    int work_done; /* ...and the work's end came back (loop) */
};

/* A download in progress: kept in h2o shared memory so that a read in flight survives the
 * request (the last reference closes the file). */
typedef struct cs_api_stream {
    h2o_generator_t super;
    cs_api_t *api;
    h2o_req_t *req; /* NULL once stopped */
    uv_fs_t fs;
    int fd;
    uint64_t off, left;
    char buf[CS_API_CHUNK];
} cs_api_stream_t;

/* The head of a download's answer. */
typedef struct cs_api_dl_head {
    int status; /* 200 or 206 */
    uint64_t len;
    char media_type[128], etag[72], content_range[96], disposition[1800];
} cs_api_dl_head_t;

/* server.c */
void cs_api_maybe_finish(cs_api_t *a);

/* call.c */
int cs_api_on_req(h2o_handler_t *self, h2o_req_t *req);
/** Answers c (when its client is still there), frees it and counts the work done (loop). */
void cs_api_call_done(cs_api_call_t *c);

/* readers.c */
/** Opens the CS_API_READERS connections (cs_api_start). */
int cs_api_readers_open(cs_api_t *a);
/** Closes them; every one must have been given back. */
void cs_api_readers_close(cs_api_t *a);
/** A free connection for one work function (thread pool; waits while all are taken). */
cs_catalog_t *cs_api_reader_take(cs_api_t *a);
/** The call's view of the cache (cache.h): its connection and its generation. */
cs_api_cache_view_t cs_api_view(cs_api_call_t *c);
/** Gives back a connection of cs_api_reader_take. */
void cs_api_reader_give(cs_api_t *a, cs_catalog_t *cat);

/* record.c (loop thread unless said) */
/** Opens the ledger's connection, starts the appender and the `recorded` handle. */
int cs_api_record_start(cs_api_t *a);
/** Stops the appender (after the last call was answered) and closes what start opened. */
void cs_api_record_stop(cs_api_t *a);
/** Appends c->entry (taken) through the group commit, then calls cs_api_call_done on the
 * loop: the answer when the entry is durable, 503 unavailable with nothing served when it
 * could not be written. */
void cs_api_record(cs_api_call_t *c);
/** Thread pool, right after the work function: posts c->entry (taken) at once, so that it
 * joins the next group without a trip through the loop first. */
void cs_api_record_post(cs_api_call_t *c);
/** Loop, once the work function has ended: answers c when its entry (if any) is durable. */
void cs_api_record_work_ended(cs_api_call_t *c);

/* respond.c: answers (loop thread). */
/** Sets a download's status and headers on req (before h2o_start_response). */
void cs_api_stream_head(h2o_req_t *req, const cs_api_dl_head_t *h);
/** Sends the problem `slug` with `detail` as the whole answer. */
void cs_api_send_problem(h2o_req_t *req, const char *slug, const char *detail);

/* stream_remote.c */
/** Thread pool, once the read of c->remote [c->off, c->off + c->len) is allowed: starts its
 * GET on a thread of its own into c->fetch, holding the bytes until the answer takes them.
 * CS_ENOMEM, CS_EIO (no thread): the answer starts it then. */
int cs_api_fetch_start(cs_api_call_t *c);
/** A call answered otherwise (or not at all): its GET is cancelled and forgotten (NULL: none).
 * Any thread. */
void cs_api_fetch_drop(struct cs_api_fetch *f);
/** Loop: answers with c->remote from c->off for head->len bytes through c->fetch (started
 * now if it was not): the answer (head) starts with the first bytes, and is counted in the
 * metrics then. CS_ENOMEM, CS_EIO: nothing was sent; the caller answers. */
int cs_api_stream_remote(cs_api_call_t *c, const cs_api_dl_head_t *head);

void cs_api_respond(cs_api_call_t *c);
void cs_api_respond_problem(cs_api_t *a, h2o_req_t *req, int route, uint64_t started_ns,
                            const char *slug, const char *detail);

/* refusal.c */
/** Answers what h2o refuses before any handler runs (413 for a body over `max_body`, 400 for
 * broken framing) as problem+json: a filter on the host's fallback path. */
void cs_api_refusals_register(h2o_hostconf_t *host, int max_body);

/* problem.c */
/** Sets c's answer to problem `slug` with a printf-style detail; returns 0 so that a work
 * function can `return cs_api_fail(...)`. */
int cs_api_fail(cs_api_call_t *c, const char *slug, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/** cs_api_fail with the problem's own `code` (static text) and its Chinese text `zh` (for
 * people: the web interface shows it); returns 0. */
int cs_api_fail_code(cs_api_call_t *c, const char *slug, const char *code, const char *zh,
                     const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/** Sets c's answer: `json` (a new reference, stolen) with `status`; NULL (a json_pack that ran
 * out of memory) answers the internal problem instead. */
void cs_api_answer_json(cs_api_call_t *c, json_t *json, int status);
/** The status of problem `slug` (500 for an unknown one) and its title. */
int cs_api_problem_status(const char *slug, const char **title);
/** Sets c's answer for a CS_E* code from the catalog or store (404, 400, 503, 500). */
int cs_api_fail_rc(cs_api_call_t *c, int rc, const char *what);
/** The problem as a JSON object {type, title, status, detail}: a whole answer's body, or one
 * part's refusal inside an answer (POST /v1/media-urls). Caller owns it; NULL when out of
 * memory. */
json_t *cs_api_problem_json(const char *slug, const char *detail, cs_deny_t deny);
/** cs_api_problem_json whose "detail_zh" is `detail_zh` (the decision's reason_zh, which names
 * what the refusal's parameters are), or the code's own text when NULL or "". */
json_t *cs_api_problem_json_zh(const char *slug, const char *detail, cs_deny_t deny,
                               const char *detail_zh);
/** The problem+json body; a refusal of the gate (deny not CS_DENY_NONE) adds its "code" and
 * "detail_zh" (as cs_api_problem_json_zh). Caller frees. */
char *cs_api_problem_body(const char *slug, const char *detail, cs_deny_t deny,
                          const char *detail_zh, size_t *len);
/** cs_api_problem_body with `code` (not NULL: a code of the API's own, not the gate's). */
char *cs_api_problem_body_code(const char *slug, const char *detail, cs_deny_t deny,
                               const char *code, const char *detail_zh, size_t *len);

/* session.c (any thread unless said) */
/** Allocates the table (cs_api_start); cs_api_sessions_free frees it. */
int cs_api_sessions_new(cs_api_t *a);
void cs_api_sessions_free(cs_api_t *a);
/** Opens a session of `user`: a new cookie value and CSRF token into cookie and csrf
 * (CS_API_COOKIE_MAX bytes each). CS_ECRYPTO when there is no randomness. */
int cs_api_session_open(cs_api_t *a, const char *user, char *cookie, char *csrf);
/** The user and CSRF token of the live session of `cookie`, which counts as used now.
 * CS_ENOTFOUND when there is none, or it is past its idle or absolute timeout (then gone). */
int cs_api_session_find(cs_api_t *a, const char *cookie, char user[CS_NAME_MAX],
                        char csrf[CS_API_COOKIE_MAX]);
/** Ends the session of `cookie` (none: nothing to do). */
void cs_api_session_close(cs_api_t *a, const char *cookie);
/** The Set-Cookie value for `value` (empty: one that clears the cookie) into c->set_cookie. */
void cs_api_session_cookie(cs_api_call_t *c, const char *value);
/** Authenticates c by its session cookie: 0 with c->user set, 1 when answered (401, or 403
 * for a state-changing request without the session's X-CSRF-Token). Thread pool. */
int cs_api_session_authorize(cs_api_call_t *c);

/* auth.c (thread pool, catalog lock held) */
/** Authenticates c (401 problem on failure) and, for routes that are one kind of read as a
 * whole (the ledger, the queue), asks the gate. 0 when the work may go on, 1 when c's answer
 * is set. */
int cs_api_authorize(cs_api_call_t *c);
/** How c reads: `read` by its channel, purpose and client, recorded as `action`. */
cs_access_how_t cs_api_how(const cs_api_call_t *c, cs_read_t read, const char *action);
/** Takes the gate's decision d and its entry (may be NULL) into c: the entry is appended
 * before any answer; a refusal sets the answer (400 no-purpose, 403, 404). 0: allowed, 1:
 * answered. */
int cs_api_answer_decision(cs_api_call_t *c, const cs_access_decision_t *d, json_t *entry);
/** Asks the gate for c's user: `read` of item sha256 (or of case case_number, or of neither),
 * recorded as `action` with object, profile, bytes and range, then cs_api_answer_decision.
 * 0: allowed, 1: answered. */
int cs_api_gate(cs_api_call_t *c, cs_read_t read, const char *sha256, const char *case_number,
                const char *action, const char *object, const char *profile, int64_t bytes,
                const char *range);

/* visible.c (thread pool, catalog lock held) */
/** *ok = 1 when the gate lets c's user see item sha256 (a metadata read) or, with sha256 NULL,
 * list case case_number; nothing written. For filtering lists and search results. */
int cs_api_visible(cs_api_call_t *c, const char *sha256, const char *case_number, int *ok);
/** Keeps the members of `items` (objects with "sha256") whose record c's user may read. */
int cs_api_filter_visible(cs_api_call_t *c, json_t *items);

/* h_media.c (thread pool) */
/** The canonical name of a derivative profile ("preview", ...), NULL for an unknown one. */
const char *cs_api_media_profile(const char *name);
/** The object that a download of item sha256 serves (profile NULL: the original; else its
 * current verified copy) into obj, its media type (safe for a header) into media_type
 * (128 bytes) and the size the catalog recorded into *size (0 unknown; size may be NULL).
 * CS_ENOTFOUND (no such item, or no verified copy), or a catalog error. */
int cs_api_media_find(cs_catalog_t *cat, const char *sha256, const char *profile, char obj[65],
                      char media_type[128], uint64_t *size);
/** Serves item sha256 (64 lower-case hex digits; profile as above) to c's user for c's
 * purpose, with c's Range: decided and ledgered (c->entry) before the object is opened; the
 * bytes are streamed by respond.c. Sets c's answer either way. */
void cs_api_download(cs_api_call_t *c, const char *sha256, const char *profile);

/* metrics.c (loop thread) */
void cs_api_metrics_count(cs_api_t *a, int route, int status, uint64_t started_ns);
void cs_api_metrics_render(cs_api_call_t *c);

/* The work functions of the routes (h_*.c). */
void cs_api_h_healthz(cs_api_call_t *c);
void cs_api_h_openapi(cs_api_call_t *c);
void cs_api_h_metrics(cs_api_call_t *c);
void cs_api_h_cases(cs_api_call_t *c);
void cs_api_h_case_items(cs_api_call_t *c);
void cs_api_h_item(cs_api_call_t *c);
void cs_api_h_original(cs_api_call_t *c);
void cs_api_h_derivative(cs_api_call_t *c);
void cs_api_h_search(cs_api_call_t *c);
void cs_api_h_link(cs_api_call_t *c);
void cs_api_h_export(cs_api_call_t *c);
void cs_api_h_evidence_list(cs_api_call_t *c);
void cs_api_h_dat63(cs_api_call_t *c); /* h_dat63.c: an item's DA/T 63 record as XML */
void cs_api_h_reviews(cs_api_call_t *c);
void cs_api_h_review_opinion(cs_api_call_t *c);
void cs_api_h_review_submit(cs_api_call_t *c);
void cs_api_h_decision(cs_api_call_t *c);
/* h_public.c: public copies (issue 23). */
void cs_api_h_public(cs_api_call_t *c);
void cs_api_h_public_spec(cs_api_call_t *c);
void cs_api_h_public_approve(cs_api_call_t *c);
void cs_api_h_public_list(cs_api_call_t *c);
/* h_cases.c: a case as a record, and the case-file register. */
void cs_api_h_case_record(cs_api_call_t *c);
void cs_api_h_case_set(cs_api_call_t *c);
void cs_api_h_case_status(cs_api_call_t *c);
void cs_api_h_register(cs_api_call_t *c);
/** 0 when the caller may change case `number`'s records (cs_access_case_editor); else 1,
 * answered 403 (code role) with the refusal ledgered as `action`. */
int cs_api_refuse_non_editor(cs_api_call_t *c, const char *action, const char *number);
/** Removes what exports of an earlier run left in <home>/tmp/exports (a crash while one was
 * made or streamed); the number of folders removed. At start, before any call. */
int cs_api_exports_sweep(const char *home_root);
void cs_api_h_ledger(cs_api_call_t *c);
void cs_api_h_checkpoint(cs_api_call_t *c);
void cs_api_h_proof(cs_api_call_t *c);
void cs_api_h_consistency(cs_api_call_t *c);
void cs_api_h_ledger_key(cs_api_call_t *c);
void cs_api_h_ui(cs_api_call_t *c);
void cs_api_h_me(cs_api_call_t *c);
void cs_api_h_media_urls(cs_api_call_t *c);
void cs_api_h_media_url(cs_api_call_t *c);
void cs_api_h_jobs(cs_api_call_t *c);
void cs_api_h_unassigned(cs_api_call_t *c);
void cs_api_h_admin_users(cs_api_call_t *c);
void cs_api_h_admin_user_add(cs_api_call_t *c);
void cs_api_h_admin_user_disable(cs_api_call_t *c);
void cs_api_h_admin_user_rotate(cs_api_call_t *c);
void cs_api_h_admin_user_password(cs_api_call_t *c);
void cs_api_h_admin_grants(cs_api_call_t *c);
/* h_publish.c */
void cs_api_h_publications(cs_api_call_t *c);
void cs_api_h_publication_add(cs_api_call_t *c);
void cs_api_h_publication_withdraw(cs_api_call_t *c);
void cs_api_h_publication_release(cs_api_call_t *c);
void cs_api_h_publication_correct(cs_api_call_t *c);
/* h_registry.c: the officers and devices registry. */
void cs_api_h_officers(cs_api_call_t *c);
void cs_api_h_devices(cs_api_call_t *c);
void cs_api_h_officer_put(cs_api_call_t *c);
void cs_api_h_device_put(cs_api_call_t *c);
/* The format policy (h_policy.c). */
void cs_api_h_policy(cs_api_call_t *c);
void cs_api_h_policy_put(cs_api_call_t *c);
/* h_requests.c */
void cs_api_h_requests(cs_api_call_t *c);
void cs_api_h_request_add(cs_api_call_t *c);
void cs_api_h_request_approve(cs_api_call_t *c);
void cs_api_h_request_refuse(cs_api_call_t *c);
/* h_disposals.c */
void cs_api_h_disposals(cs_api_call_t *c);
void cs_api_h_disposal(cs_api_call_t *c);
void cs_api_h_disposal_propose(cs_api_call_t *c);
void cs_api_h_disposal_approve(cs_api_call_t *c);
void cs_api_h_disposal_cancel(cs_api_call_t *c);
void cs_api_h_register_retrievals(cs_api_call_t *c);
void cs_api_h_admin_grant_add(cs_api_call_t *c);
void cs_api_h_admin_grant_revoke(cs_api_call_t *c);
void cs_api_h_admin_classification(cs_api_call_t *c);
void cs_api_h_admin_classify(cs_api_call_t *c);
void cs_api_h_session_open(cs_api_call_t *c);
void cs_api_h_session_close(cs_api_call_t *c);
/* Holds, and the `retention` member of records (h_holds.c). */
void cs_api_h_holds(cs_api_call_t *c);
void cs_api_h_hold_add(cs_api_call_t *c);
void cs_api_h_hold_release(cs_api_call_t *c);
/** Sets item's member `retention` {class, keep_until, held, due, reason_code, reason}. */
int cs_api_retention_item(cs_api_call_t *c, const char *sha, json_t *item);
/** Sets `retention` on each member (with its sha256) of items, case `number`'s timeline. */
int cs_api_retention_case(cs_api_call_t *c, const char *number, json_t *items);

#endif
