/* api/openapi.c: the OpenAPI document of a route table and the descriptions of api/openapi/.
 * What the table knows is written there only: a route's path and method, its path parameters,
 * its security and the problem responses that follow from whom it serves and where it runs.
 * The rest is the JSON's operation that the route's .op names (api/openapi/README.md). A route
 * and an operation that do not meet fail the document (tests/api/test_openapi.c). */
#include "api/openapi.h"

#include "core/buf.h"
#include "core/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define PARAM_REF "#/components/parameters/"

static int __attribute__((format(printf, 2, 3))) fail(const cs_api_route_t *r, const char *fmt, ...)
{
    char why[384];
    va_list ap;
    va_start(ap, fmt);
    cs_vsnprintf_cut(why, sizeof why, fmt, ap); /* a diagnostic: its names are cut at 64 bytes */
    va_end(ap);
    cs_diag_set("api/route.c and api/openapi/: %s %s (.op \"%.64s\"): %s", r->method, r->pattern,
                r->op ? r->op : "", why);
    return CS_EINVAL;
}

/* Parameter p with its $ref into components.parameters followed; NULL when it leads nowhere. */
static json_t *
deref(json_t *p, json_t *comps)
{
    const char *ref = json_string_value(json_object_get(p, "$ref"));
    if (ref == NULL)
        return p;
    if (strncmp(ref, PARAM_REF, strlen(PARAM_REF)) != 0)
        return NULL;
    return json_object_get(comps, ref + strlen(PARAM_REF));
}

static int
is_in(json_t *param, const char *where)
{
    const char *in = json_string_value(json_object_get(param, "in"));
    return in != NULL && strcmp(in, where) == 0;
}

/* Appends to params a $ref to the path parameter of components.parameters named as each
 * "{name}" of r's pattern; *input is 1 when one is decoded (not a tail): a bad one is a 400. */
static int
path_params(const cs_api_route_t *r, json_t *comps, json_t *params, int *input)
{
    for (const char *p = r->pattern; (p = strchr(p, '{')) != NULL;) {
        const char *e = strchr(p, '}'), *key, *found = NULL, *name;
        json_t *c;
        if (e == NULL)
            return fail(r, "a '{' without its '}'");
        int n = (int)(e - p - 1);
        json_object_foreach(comps, key, c)
        {
            name = json_string_value(json_object_get(c, "name"));
            if (is_in(c, "path") && name != NULL && strlen(name) == (size_t)n &&
                memcmp(name, p + 1, (size_t)n) == 0)
                found = key;
        }
        if (found == NULL)
            return fail(r, "components.parameters has no parameter \"in\": \"path\" named \"%.*s\"",
                        n, p + 1);
        if (json_array_append_new(params, json_pack("{s:s+}", "$ref", PARAM_REF, found)) != 0)
            return CS_ENOMEM;
        *input |= !(r->tail && e[1] == '\0');
        p = e + 1;
    }
    return 0;
}

/* r's responses in code order: spec's and the problems the table gives it (input: r takes
 * something that can be malformed). */
static int
responses(const cs_api_route_t *r, json_t *spec, int input, json_t *out)
{
    const char *codes[5], *key, *prev = NULL;
    json_t *mine = json_object_get(spec, "responses"), *all, *v;
    size_t n = 0;
    int rc = CS_ENOMEM;
    if (input)
        codes[n++] = "400";
    if (r->who != CS_API_ANYONE)
        codes[n++] = "401";
    if (r->who == CS_API_AUDIT || r->who == CS_API_EDIT || r->who == CS_API_QUEUE ||
        r->who == CS_API_ADMIN)
        codes[n++] = "403"; /* a role rule */
    if (r->runs != CS_API_LOOP) {
        codes[n++] = "500";
        codes[n++] = "503"; /* the catalog busy, the threads all taken, the service stopping */
    }
    if (json_object_size(mine) == 0)
        return fail(r, "the operation has no \"responses\": describe at least its success");
    for (size_t i = 0; i < n; i++)
        if (json_object_get(mine, codes[i]) != NULL)
            return fail(r, "response %s follows from the route table: remove it", codes[i]);
    if ((all = json_copy(mine)) == NULL)
        return CS_ENOMEM;
    for (size_t i = 0; i < n; i++)
        if (json_object_set_new(all, codes[i],
                                json_pack("{s:s}", "$ref", "#/components/responses/Problem")) != 0)
            goto out;
    for (size_t i = json_object_size(all); i > 0; i--) { /* each time the next code up */
        const char *next = NULL;
        json_object_foreach(all, key, v)
        {
            if ((prev == NULL || strcmp(key, prev) > 0) && (next == NULL || strcmp(key, next) < 0))
                next = key;
        }
        if (json_object_set(out, next, json_object_get(all, next)) != 0)
            goto out;
        prev = next;
    }
    rc = 0;
out:
    json_decref(all);
    return rc;
}

/* The operation of r: spec with the table's part added, into *out. */
static int
operation(const cs_api_route_t *r, json_t *spec, json_t *comps, json_t **out)
{
    json_t *o = json_object(), *params = json_array(), *resp = json_object(), *p, *v;
    const char *key;
    size_t i;
    int rc = CS_ENOMEM, input = json_object_get(spec, "requestBody") != NULL;
    if (o == NULL || params == NULL || resp == NULL)
        goto out;
    if ((rc = path_params(r, comps, params, &input)) != 0)
        goto out;
    json_array_foreach(json_object_get(spec, "parameters"), i, p)
    {
        json_t *d = deref(p, comps);
        if (d == NULL || is_in(d, "path")) {
            rc = fail(r, "parameter %zu: %s", i,
                      d ? "path parameters come from the route table" : "a $ref to nowhere");
            goto out;
        }
        /* Beside the path: a query parameter or a required header (X-Custody-Purpose). */
        input |= is_in(d, "query") ||
                 (is_in(d, "header") && json_is_true(json_object_get(d, "required")));
        if (json_array_append(params, p) != 0)
            goto out;
    }
    if ((rc = responses(r, spec, input, resp)) != 0)
        goto out;
    rc = CS_ENOMEM;
    if (json_object_set_new(o, "operationId", json_string(r->op)) != 0)
        goto out;
    json_object_foreach(spec, key, v)
    {
        if (strcmp(key, "parameters") != 0 && strcmp(key, "responses") != 0 &&
            json_object_set(o, key, v) != 0)
            goto out;
    }
    if ((r->who == CS_API_ANYONE ||
         json_object_set_new(o, "security", json_pack("[{s:[]}, {s:[]}]", "bearer", "session")) ==
             0) &&
        (json_array_size(params) == 0 || json_object_set(o, "parameters", params) == 0) &&
        json_object_set(o, "responses", resp) == 0)
        rc = 0;
out:
    json_decref(params);
    json_decref(resp);
    if (rc != 0)
        json_decref(o);
    *out = rc == 0 ? o : NULL;
    return rc;
}

/* Puts r's operation into paths; named: the operations used so far. */
static int
add_route(const cs_api_route_t *r, json_t *ops, json_t *comps, json_t *paths, json_t *named)
{
    json_t *spec = r->op ? json_object_get(ops, r->op) : NULL, *item, *op;
    char method[8];
    size_t k;
    if (!json_is_object(spec))
        return fail(r, r->op ? "no such operation in \"operations\"" : "the route has no .op");
    if (json_string_length(json_object_get(spec, "summary")) == 0)
        return fail(r, "the operation has no \"summary\"");
    if (json_object_get(named, r->op) != NULL)
        return fail(r, "another route names the same operation");
    for (k = 0; r->method[k] != '\0' && k < sizeof method - 1; k++)
        method[k] = (char)(r->method[k] | 0x20);
    method[k] = '\0';
    if ((item = json_object_get(paths, r->pattern)) == NULL &&
        json_object_set_new(paths, r->pattern, item = json_object()) != 0)
        return CS_ENOMEM;
    if (json_object_get(item, method) != NULL)
        return fail(r, "the table has this method and path twice");
    int rc = operation(r, spec, comps, &op);
    if (rc == 0 && (json_object_set_new(item, method, op) != 0 ||
                    json_object_set_new(named, r->op, json_true()) != 0))
        rc = CS_ENOMEM;
    return rc;
}

int
cs_api_openapi_build(const cs_api_route_t *routes, size_t n, json_t *spec, json_t **doc)
{
    json_t *out = json_object(), *paths = json_object(), *named = json_object(), *v;
    json_t *ops = json_object_get(spec, "operations");
    json_t *comps = json_object_get(json_object_get(spec, "components"), "parameters");
    const char *key;
    int rc = CS_ENOMEM;
    if (out == NULL || paths == NULL || named == NULL || json_object_update(out, spec) != 0 ||
        json_object_del(out, "operations") != 0)
        goto out;
    for (size_t i = 0; i < n; i++)
        if ((rc = add_route(&routes[i], ops, comps, paths, named)) != 0)
            goto out;
    json_object_foreach(ops, key, v)
    {
        if (json_object_get(named, key) == NULL) {
            cs_diag_set("api/openapi/: operation \"%.64s\" is no route's .op: add its route "
                        "to api/route.c or remove it",
                        key);
            rc = CS_EINVAL;
            goto out;
        }
    }
    rc = json_object_set(out, "paths", paths) != 0 ? CS_ENOMEM : 0;
out:
    json_decref(paths);
    json_decref(named);
    if (rc != 0)
        json_decref(out);
    *doc = rc == 0 ? out : NULL;
    return rc;
}
