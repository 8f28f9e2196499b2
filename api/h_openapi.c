/* api/h_openapi.c: GET /openapi.json, made at each request (it is seldom asked for: nothing
 * is kept) from the route table and the files of api/openapi/ built in (openapi.c). */
#include "api/api_int.h"
#include "api/assets.h"
#include "api/openapi.h"

#include "core/error.h"

#include <string.h>

/* api/openapi/, built in by cmake/embed.cmake */
extern const cs_api_asset_t cs_api_openapi_files[];
extern const size_t cs_api_openapi_files_count;

/* Adds the operations of api/openapi/<name> to ops. */
static int
merge(const char *name, json_t *file, json_t *ops)
{
    const char *key;
    json_t *v;
    json_object_foreach(file, key, v)
    {
        if (json_object_get(ops, key) != NULL) {
            cs_diag_set("api/openapi/%s: operation \"%.64s\" is described twice", name, key);
            return CS_EINVAL;
        }
        if (json_object_set(ops, key, v) != 0)
            return CS_ENOMEM;
    }
    return 0;
}

int
cs_api_openapi_spec(json_t **spec)
{
    json_t *ops = json_object(), *doc = NULL;
    int rc = ops != NULL ? 0 : CS_ENOMEM;
    for (size_t i = 0; rc == 0 && i < cs_api_openapi_files_count; i++) {
        const cs_api_asset_t *f = &cs_api_openapi_files[i];
        json_error_t jerr;
        json_t *j = json_loadb((const char *)f->data, f->len, JSON_REJECT_DUPLICATES, &jerr);
        if (!json_is_object(j)) {
            cs_diag_set("api/openapi/%s line %d: %s", f->path, j ? 1 : jerr.line,
                        j ? "not a JSON object" : jerr.text);
            rc = CS_EINVAL;
        } else if (strcmp(f->path, "document.json") == 0) {
            doc = json_incref(j);
        } else {
            rc = merge(f->path, j, ops);
        }
        json_decref(j);
    }
    if (rc == 0 && doc == NULL) {
        cs_diag_set("api/openapi/document.json is missing (the document less its paths)");
        rc = CS_EINVAL;
    }
    if (rc == 0 && json_object_set(doc, "operations", ops) != 0)
        rc = CS_ENOMEM;
    json_decref(ops);
    if (rc != 0)
        json_decref(doc);
    *spec = rc == 0 ? doc : NULL;
    return rc;
}

int
cs_api_openapi_doc(json_t **doc)
{
    size_t n;
    const cs_api_route_t *routes = cs_api_routes(&n);
    json_t *spec;
    int rc = cs_api_openapi_spec(&spec);
    *doc = NULL;
    if (rc == 0)
        rc = cs_api_openapi_build(routes, n, spec, doc);
    json_decref(spec);
    return rc;
}

void
cs_api_h_openapi(cs_api_call_t *c)
{
    json_t *doc;
    int rc = cs_api_openapi_doc(&doc);
    if (rc == 0) {
        c->text = json_dumps(doc, JSON_INDENT(2));
        json_decref(doc);
    }
    if (c->text == NULL) {
        cs_api_fail(c, "internal", "the OpenAPI document: %s", rc ? cs_diag() : "out of memory");
        return;
    }
    c->text_len = strlen(c->text);
    c->ctype = "application/json";
    c->status = 200;
}
