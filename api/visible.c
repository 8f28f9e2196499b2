/* api/visible.c: which members of a list or a search the user may see, asked of the gate
 * without writing: the list itself is one ledgered read (auth.c); an entry per member would
 * cost a commit each for what is not served. */
#include "api/api_int.h"

int
cs_api_visible(cs_api_call_t *c, const char *sha256, const char *case_number, int *ok)
{
    cs_access_policy_t pol = cs_access_policy(c->api->opts.cfg);
    cs_access_how_t h = cs_api_how(c, sha256 ? CS_READ_METADATA : CS_READ_LIST, "view");
    cs_access_decision_t d;
    /* The list itself was decided (and ledgered) once; each member is decided for the same
     * purpose: a grant that does not name it shows none of its items. */
    int rc =
        cs_access_decide(c->cat, &pol, &c->who, sha256, sha256 ? NULL : case_number, &h, &d, NULL);
    *ok = rc == 0 && d.allowed;
    return rc;
}

int
cs_api_filter_visible(cs_api_call_t *c, json_t *items)
{
    for (size_t i = 0; i < json_array_size(items);) {
        int ok = 0, rc;
        const char *sha = json_string_value(json_object_get(json_array_get(items, i), "sha256"));
        if (sha != NULL && (rc = cs_api_visible(c, sha, NULL, &ok)) != 0)
            return rc;
        if (ok)
            i++;
        else
            json_array_remove(items, i);
    }
    return 0;
}
