/* fixity/fixity.c: one fixity check with provenance, and what its outcome means (fixity.h). */
#include "fixity/fixity.h"

#include "core/error.h"

int
cs_fixity_judge(int rc, int unreadable, cs_fixity_t *result)
{
    switch (rc) {
    case 0:
        *result = CS_FIXITY_OK;
        return 0;
    case CS_EMISMATCH:
        *result = CS_FIXITY_MISMATCH;
        return 0;
    case CS_ENOTFOUND:
        *result = CS_FIXITY_MISSING;
        return 0;
    case CS_EIO:
    case CS_EACCES:
    case CS_ECORRUPT:
    case CS_ENOTREG:
    case CS_ELOOP:
        if (!unreadable)
            return rc;
        *result = CS_FIXITY_UNREADABLE;
        return 0;
    default:
        return rc;
    }
}

int
cs_fixity_check(cs_store_t *store, cs_catalog_t *cat, const char *sha256, const char *actor,
                cs_fixity_t *result, char actual[CS_SHA256_HEX])
{
    uint64_t bytes = 0;
    actual[0] = '\0';
    int rc = cs_store_verify_paced(store, sha256, actual, NULL, &bytes);
    if ((rc = cs_fixity_judge(rc, 0, result)) != 0)
        return rc;
    cs_fixity_check_t c = {
        .sha256 = sha256, .result = *result, .actual = actual, .actor = actor, .bytes = bytes};
    return cs_catalog_fixity_record(cat, &c);
}
