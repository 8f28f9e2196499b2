/* api/h_review_write.c: the handling side of the legal review over HTTP (issue 21), as
 * `custody review submit` and `custody case decide`: POST /v1/cases/{case}/reviews freezes the
 * case as a bag stored as an object (a new round); POST /v1/cases/{case}/decision?kind=KIND
 * with the decision document as the body records the decision, only on an agreed opinion of
 * the latest submission and never by its author (access/review.h: refusals ledgered). */
#include "api/api_int.h"

#include "access/review.h"
#include "api/admin.h"
#include "api/args.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/error.h"
#include "export/export.h"
#include "indexer/review.h"
#include "ingest/ingest.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The rule's refusal as the answer (already ledgered): 0 when allowed, else 1. */
static int
ask(cs_api_call_t *c, const char *case_number, cs_review_act_t act, cs_review_state_t *st)
{
    cs_access_decision_t dec;
    int64_t seq = 0;
    int rc = cs_access_review_decide(c->cat, &c->who, case_number, act, c->client, st, &dec, &seq);
    if (rc != 0)
        return cs_api_fail_rc(c, rc, "the review rule"), 1;
    if (dec.allowed)
        return 0;
    c->deny = dec.deny;
    snprintf(c->detail_zh, sizeof c->detail_zh, "%s", dec.reason_zh); /* fits: same size */
    cs_api_fail_code(c,
                     dec.status == 409   ? "conflict"
                     : dec.status == 404 ? "not-found"
                                         : "forbidden",
                     cs_access_deny_code(dec.deny), dec.reason_zh, "%s", dec.reason);
    return 1;
}

/* A store handle of this call's own for a put: the API's shared handle is for reads only (a
 * handle serves one put at a time: its buffers and digest are the put's). */
static int
own_store(cs_api_call_t *c, cs_store_t **out)
{
    cs_store_opts_t o;
    cs_store_opts_from_config(&o, c->api->opts.cfg);
    return cs_store_open(out, c->api->opts.home->store, 0, &o);
}

void
cs_api_h_review_submit(cs_api_call_t *c)
{
    static const char *const known[] = {"note", NULL};
    cs_casenum_t cn;
    cs_review_state_t st;
    cs_access_who_t home;
    cs_export_opts_t eo = {0};
    cs_export_result_t res;
    json_t *body = NULL, *items = NULL;
    cs_store_t *store = NULL;
    const char *note = NULL;
    char sha[65];
    int64_t round = 0;
    int rc;
    if (cs_api_arg_case(c, c->params[0], &cn) != 0 || cs_api_admin_begin(c, 0, &body) != 0)
        return;
    if (cs_api_admin_only(c, body, known) != 0 ||
        cs_api_admin_str(c, body, "note", 1, &note) != 0 ||
        ask(c, cn.text, CS_REVIEW_SUBMIT, &st) != 0)
        goto out;
    /* The whole case is frozen (not what the submitter may read), into the store, to no one. */
    cs_access_who_operator(&home, "operator");
    eo.case_number = cn.text;
    eo.purpose = "法制审核送审 (legal review submission)";
    eo.who = &home;
    eo.policy = cs_access_policy(c->api->opts.cfg);
    eo.channel = CS_CHANNEL_HTTP;
    eo.client = c->client;
    if ((rc = own_store(c, &store)) != 0 ||
        (rc = cs_export_review_bag(c->cat, store, c->api->opts.home, &eo, &res, sha, &items)) !=
            0) {
        cs_api_fail_rc(c, rc, "the submission");
        goto out;
    }
    if (!res.allowed) {
        cs_api_fail(c, "conflict", "the case could not be frozen: %s", res.reason);
        goto out;
    }
    if ((rc = cs_catalog_review_submit(c->cat, cn.text, sha, items, note, c->who.name, &round)) !=
        0) {
        cs_api_fail_rc(c, rc, "the submission");
        goto out;
    }
    cs_api_answer_json(c,
                       json_pack("{s:s, s:I, s:s, s:I}", "case", cn.text, "round",
                                 (json_int_t)round, "bag_sha256", sha, "items",
                                 (json_int_t)json_array_size(items)),
                       201);
out:
    cs_store_close(&store);
    json_decref(items);
    json_decref(body);
}

/* The body written to a new file <dir>/decision under <home>/tmp: what the ingest reads. */
static int
body_file(cs_api_call_t *c, char *dir, size_t dsize, char *path, size_t psize)
{
    int fd, rc = 0;
    if (cs_snprintf(dir, dsize, "%s/tmp/decision.XXXXXX", c->api->opts.home->root) != 0)
        return CS_ENAMETOOLONG;
    if ((rc = cs_home_mkdir_parents(dir, 0700)) != 0)
        return rc;
    if (mkdtemp(dir) == NULL || cs_snprintf(path, psize, "%s/decision", dir) != 0) {
        rc = errno ? cs_err_from_errno(errno) : CS_ENAMETOOLONG;
        dir[0] = '\0';
        return rc;
    }
    if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0)
        return cs_err_from_errno(errno);
    for (size_t done = 0; done < c->body_len;) {
        ssize_t n = write(fd, c->body + done, c->body_len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            rc = cs_err_from_errno(errno);
            break;
        }
        done += (size_t)n;
    }
    if (close(fd) != 0 && rc == 0)
        rc = cs_err_from_errno(errno);
    return rc;
}

void
cs_api_h_decision(cs_api_call_t *c)
{
    cs_casenum_t cn;
    cs_review_state_t st;
    cs_ingest_result_t res;
    char kind[256], dir[PATH_MAX] = "", path[PATH_MAX] = "";
    int has_kind = 0, rc;
    if (cs_api_arg_case(c, c->params[0], &cn) != 0 ||
        cs_api_arg_str(c, "kind", kind, sizeof kind, &has_kind) != 0)
        return;
    if (!has_kind || kind[0] == '\0') {
        cs_api_fail_code(c, "bad-request", "bad-field", "须给出决定种类（kind）",
                         "kind: give the decision's kind (?kind=...)");
        return;
    }
    if (c->body == NULL || c->body_len == 0) {
        cs_api_fail_code(c, "bad-request", "bad-body", "请求内容须为决定文书",
                         "send the decision document as the body");
        return;
    }
    cs_store_t *store = NULL;
    if (ask(c, cn.text, CS_REVIEW_DECIDE, &st) != 0)
        return;
    if ((rc = own_store(c, &store)) != 0) {
        cs_api_fail_rc(c, rc, "the decision");
        return;
    }
    cs_ingest_ctx_t ctx = {.store = store,
                           .cat = c->cat,
                           .rule = c->api->rule,
                           .actor = c->who.name,
                           .user_id = c->who.id,
                           .default_tz = c->api->opts.cfg->ingest_default_tz,
                           .stage = "decision"};
    char today[11];
    cs_clock_site_date(cs_clock_site_zone(c->api->opts.cfg->site_tz), cs_clock_now_ms(), today);
    if ((rc = body_file(c, dir, sizeof dir, path, sizeof path)) != 0 ||
        (rc = cs_ingest_file(&ctx, path, cn.text, NULL, &res)) != 0 ||
        (rc = cs_catalog_sync(c->cat)) != 0 ||
        (rc = cs_catalog_decision_add(c->cat, cn.text, st.opinion_id, kind, res.sha256, c->who.name,
                                      today)) != 0)
        cs_api_fail_rc(c, rc, "the decision");
    else
        cs_api_answer_json(c,
                           json_pack("{s:s, s:s, s:s, s:I}", "case", cn.text, "kind", kind,
                                     "sha256", res.sha256, "round", (json_int_t)st.round),
                           201);
    cs_ingest_finish(&ctx);
    cs_store_close(&store);
    if (path[0] != '\0')
        unlink(path);
    if (dir[0] != '\0')
        rmdir(dir);
}
