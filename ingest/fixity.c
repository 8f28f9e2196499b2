/* ingest/fixity.c: fixity checks with provenance. */
#include "ingest/fixity.h"

#include "core/error.h"

#include <jansson.h>

const char *
cs_fixity_name(cs_fixity_t f)
{
    return f == CS_FIXITY_OK ? "ok" : f == CS_FIXITY_MISMATCH ? "mismatch" : "missing";
}

int
cs_fixity_check(cs_store_t *store, cs_catalog_t *cat, const char *sha256, const char *actor,
                cs_fixity_t *result, char actual[CS_SHA256_HEX])
{
    actual[0] = '\0';
    int rc = cs_store_verify(store, sha256, actual);
    if (rc == 0)
        *result = CS_FIXITY_OK;
    else if (rc == CS_EMISMATCH)
        *result = CS_FIXITY_MISMATCH;
    else if (rc == CS_ENOTFOUND)
        *result = CS_FIXITY_MISSING;
    else
        return rc;
    json_t *detail = json_pack("{s:s}", "result", cs_fixity_name(*result));
    if (detail == NULL)
        return CS_ENOMEM;
    if (*result == CS_FIXITY_MISMATCH)
        json_object_set_new(detail, "actual_sha256", json_string(actual));
    rc = cs_catalog_add_event(cat, sha256, "verified", actor, detail);
    json_decref(detail);
    return rc;
}
