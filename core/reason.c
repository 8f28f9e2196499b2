/* core/reason.c: reasons with a stable code (reason.h). */
#include "core/reason.h"

#include "core/buf.h"

#include <stdarg.h>
#include <string.h>

#define CS_REASON_SLUG(name, slug) slug,
static const char *const slugs[] = {CS_REASON_CODES(CS_REASON_SLUG)};
#undef CS_REASON_SLUG

const char *
cs_reason_slug(cs_reason_code_t code)
{
    return (unsigned)code < CS_R_COUNT ? slugs[code] : "unknown";
}

/* Keeps `params` (stolen) as r's parameters text; "" when none, or too long to keep. */
static void
keep_params(cs_reason_t *r, json_t *params)
{
    size_t n = 0;
    r->params[0] = '\0';
    if (json_is_object(params) && json_object_size(params) > 0) {
        n = json_dumpb(params, r->params, sizeof r->params - 1, JSON_COMPACT | JSON_SORT_KEYS);
        r->params[n > 0 && n < sizeof r->params ? n : 0] = '\0';
    }
    json_decref(params);
}

void
cs_reason_vset(cs_reason_t *r, cs_reason_code_t code, json_t *params, const char *fmt, va_list ap)
{
    r->code = code;
    keep_params(r, params);
    cs_vsnprintf_cut(r->text, sizeof r->text, fmt, ap);
}

void
cs_reason_set(cs_reason_t *r, cs_reason_code_t code, json_t *params, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cs_reason_vset(r, code, params, fmt, ap);
    va_end(ap);
}

json_t *
cs_reason_params_json(const cs_reason_t *r)
{
    json_t *p = r->params[0] ? json_loads(r->params, 0, NULL) : NULL;
    if (json_is_object(p))
        return p;
    json_decref(p);
    return json_object();
}

void
cs_reason_caused(cs_reason_t *r, cs_reason_code_t code, const char *prefix,
                 const cs_reason_t *cause)
{
    static const cs_reason_t none = {.code = CS_R_UNKNOWN, .text = "unknown"};
    json_t *p;
    if (cause == NULL)
        cause = &none;
    if ((p = cs_reason_params_json(cause)) != NULL)
        json_object_set_new(p, "cause", json_string(cs_reason_slug(cause->code)));
    cs_reason_set(r, code, p, "%s%s", prefix, cause->text);
}

void
cs_reason_param(cs_reason_t *r, const char *key, json_t *value)
{
    json_t *p = cs_reason_params_json(r);
    if (p != NULL)
        json_object_set_new(p, key, value);
    else
        json_decref(value);
    keep_params(r, p);
}

const char *
cs_reason_params_or_null(const cs_reason_t *r)
{
    return r->params[0] ? r->params : NULL;
}
