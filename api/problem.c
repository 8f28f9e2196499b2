/* api/problem.c: RFC 9457 problem details: one stable type per kind of refusal. */
#include "api/api_int.h"

#include "core/buf.h"
#include "core/error.h"
#include "core/log.h"
#include "core/utf8.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define CS_API_PROBLEM_BASE "https://custody.invalid/problems/"

static const struct {
    const char *slug;
    int status;
    const char *title;
} kinds[] = {
    {"bad-request", 400, "The request is malformed"},
    {"no-purpose", 400, "No purpose stated"},
    {"unauthorized", 401, "A valid bearer token is required"},
    {"forbidden", 403, "Access denied"},
    {"media-url-invalid", 403, "The media URL is not one this service signed"},
    {"media-url-expired", 403, "The media URL has expired"},
    {"not-found", 404, "Not found"},
    {"method-not-allowed", 405, "Method not allowed"},
    {"conflict", 409, "Conflict with the current record"},
    {"gone", 410, "Gone: disposed of after its retention period"},
    {"too-large", 413, "Request too large"},
    {"uri-too-long", 414, "Request target too long"},
    {"range-not-satisfiable", 416, "Range not satisfiable"},
    {"too-many-requests", 429, "Too many requests"},
    {"internal", 500, "Internal error"},
    {"unavailable", 503, "Service unavailable"},
};

int
cs_api_problem_status(const char *slug, const char **title)
{
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(kinds[i].slug, slug) == 0) {
            if (title != NULL)
                *title = kinds[i].title;
            return kinds[i].status;
        }
    if (title != NULL)
        *title = "Internal error";
    return 500;
}

int
cs_api_fail(cs_api_call_t *c, const char *slug, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cs_vsnprintf_cut(c->detail, sizeof c->detail, fmt, ap); /* a detail for people: cut if long */
    va_end(ap);
    c->slug = slug;
    c->deny = CS_DENY_NONE; /* a refusal of the gate sets it after */
    c->code = NULL;
    c->detail_zh[0] = '\0';
    c->status = cs_api_problem_status(slug, NULL);
    json_decref(c->json);
    c->json = NULL;
    return 0;
}

int
cs_api_fail_rc(cs_api_call_t *c, int rc, const char *what)
{
    const char *d = *cs_diag() ? cs_diag() : cs_strerror(rc);
    switch (rc) {
    case CS_ENOTFOUND:
        return cs_api_fail(c, "not-found", "%s: %s", what, d);
    case CS_EINVAL:
    case CS_ECASE:
    case CS_EUTF8:
    case CS_ENAMETOOLONG:
        return cs_api_fail(c, "bad-request", "%s: %s", what, d);
    case CS_EEXIST:
        return cs_api_fail(c, "conflict", "%s: %s", what, d);
    case CS_EBUSY:
        return cs_api_fail(c, "unavailable", "%s: the catalog is busy; try again (%s)", what, d);
    case CS_EUNAVAILABLE:
        return cs_api_fail(c, "unavailable",
                           "%s: the object store does not answer; try again later", what);
    default:
        /* The detail may name server paths: it goes to the log, not to the caller. */
        cs_log(CS_LOG_ERROR, "api.internal",
               json_pack("{s:s, s:s, s:o}", "what", what, "error", cs_strerror(rc), "detail",
                         cs_json_string_lossless(d)));
        return cs_api_fail(c, "internal", "%s: %s (the service log has the details)", what,
                           cs_strerror(rc));
    }
}

json_t *
cs_api_problem_json(const char *slug, const char *detail, cs_deny_t deny)
{
    return cs_api_problem_json_zh(slug, detail, deny, NULL);
}

int
cs_api_fail_code(cs_api_call_t *c, const char *slug, const char *code, const char *zh,
                 const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cs_vsnprintf_cut(c->detail, sizeof c->detail, fmt, ap); /* a detail for people: cut if long */
    va_end(ap);
    c->slug = slug;
    c->deny = CS_DENY_NONE;
    c->code = code;
    cs_snprintf_cut(c->detail_zh, sizeof c->detail_zh, "%s", zh);
    c->status = cs_api_problem_status(slug, NULL);
    json_decref(c->json);
    c->json = NULL;
    return 0;
}

/* The problem as JSON; `code` (may be NULL) is the API's own, else the gate's refusal's. */
static json_t *
problem_json(const char *slug, const char *detail, cs_deny_t deny, const char *code,
             const char *detail_zh)
{
    const char *title;
    char type[128], clean[1024];
    int status = cs_api_problem_status(slug, &title);
    snprintf(type, sizeof type, CS_API_PROBLEM_BASE "%s", slug); /* fits: our slugs < 90 */
    /* Details may quote what a client sent: only valid UTF-8 goes into JSON. */
    cs_utf8_quote(clean, sizeof clean, detail, strlen(detail), 0);
    /* A refusal of the gate also says why by its code, and in Chinese for people. */
    if (code == NULL)
        code = cs_access_deny_code(deny);
    return json_pack("{s:s, s:s, s:i, s:s, s:s?, s:s?}", "type", type, "title", title, "status",
                     status, "detail", clean, "code", code, "detail_zh",
                     code == NULL                              ? NULL
                     : detail_zh != NULL && *detail_zh != '\0' ? detail_zh
                                                               : cs_access_deny_zh(deny));
}

json_t *
cs_api_problem_json_zh(const char *slug, const char *detail, cs_deny_t deny, const char *detail_zh)
{
    return problem_json(slug, detail, deny, NULL, detail_zh);
}

char *
cs_api_problem_body(const char *slug, const char *detail, cs_deny_t deny, const char *detail_zh,
                    size_t *len)
{
    return cs_api_problem_body_code(slug, detail, deny, NULL, detail_zh, len);
}

char *
cs_api_problem_body_code(const char *slug, const char *detail, cs_deny_t deny, const char *code,
                         const char *detail_zh, size_t *len)
{
    json_t *o = problem_json(slug, detail, deny, code, detail_zh);
    char *body = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    *len = body ? strlen(body) : 0;
    return body;
}

void
cs_api_answer_json(cs_api_call_t *c, json_t *json, int status)
{
    if (json == NULL) {
        cs_api_fail(c, "internal", "out of memory answering");
        return;
    }
    json_decref(c->json);
    c->json = json;
    c->status = status;
}
