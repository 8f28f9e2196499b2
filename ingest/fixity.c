/* ingest/fixity.c: fixity checks with provenance. */
#include "ingest/fixity.h"

#include "core/error.h"

int
cs_fixity_check(cs_store_t *store, cs_catalog_t *cat, const char *sha256, const char *actor,
                cs_fixity_t *result, char actual[CS_SHA256_HEX])
{
    uint64_t bytes = 0;
    actual[0] = '\0';
    int rc = cs_store_verify_paced(store, sha256, actual, NULL, &bytes);
    if (rc == 0)
        *result = CS_FIXITY_OK;
    else if (rc == CS_EMISMATCH)
        *result = CS_FIXITY_MISMATCH;
    else if (rc == CS_ENOTFOUND)
        *result = CS_FIXITY_MISSING;
    else
        return rc;
    cs_fixity_check_t c = {
        .sha256 = sha256, .result = *result, .actual = actual, .actor = actor, .bytes = bytes};
    return cs_catalog_fixity_record(cat, &c);
}
