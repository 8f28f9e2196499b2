/* api/openapi.h: the OpenAPI document served at /openapi.json, made from the route table
 * (route.h) and the descriptions of api/openapi/ (built in by cmake/embed.cmake). */
#ifndef CS_API_OPENAPI_H
#define CS_API_OPENAPI_H

#include "api/route.h"

#include <jansson.h>
#include <stddef.h>

/** Loads the built-in api/openapi/: document.json with "operations" added, the operations of
 * every other file (keyed by operationId). Returns 0 with *spec (the caller's: json_decref);
 * CS_EINVAL, cs_diag() naming the file, when one is not a JSON object, an operation is
 * described twice or document.json is missing; CS_ENOMEM. */
int cs_api_openapi_spec(json_t **spec);

/** Makes the document of routes[0..n) from spec (cs_api_openapi_spec's shape): each route's
 * operation spec.operations[route.op] with its path, method, path parameters, security and
 * the problem responses that follow from the table added (api/openapi/README.md). Returns 0
 * with *doc (the caller's: json_decref); CS_EINVAL, cs_diag() naming the route or operation,
 * when the two disagree: a route without an operation or a summary, an operation no route
 * names, a path parameter without its component, a response written that the table gives;
 * CS_ENOMEM. spec is not changed. */
int cs_api_openapi_build(const cs_api_route_t *routes, size_t n, json_t *spec, json_t **doc);

/** cs_api_openapi_build of cs_api_routes() and the built-in api/openapi/. */
int cs_api_openapi_doc(json_t **doc);

#endif
