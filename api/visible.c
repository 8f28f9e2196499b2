/* api/visible.c: what a user could read, decided without writing: which items of a list or
 * a search they may see, and whether a media URL may be minted for them. ledger/access.c's
 * rule over the network; a list is ledgered once, as a whole, by auth.c (an entry per item
 * would cost a commit each for what is not served), and a media URL's fetch is ledgered
 * when it serves (h_mediaurl.c). */
#include "api/api_int.h"

#include "ledger/access.h"

static int
check(cs_api_call_t *c, const char *sha256, cs_read_t read, const char *profile,
      const char *purpose, cs_access_result_t *res)
{
    cs_access_req_t req = {
        .user = &c->user,
        .who = c->user.name,
        .sha256 = sha256,
        .read = read,
        .action = read == CS_READ_MEDIA ? (profile ? "get.derivative" : "get.original") : "view",
        .profile = profile,
        .purpose = purpose,
        .client = c->client,
        .network = 1,
    };
    return cs_access_check(c->cat, c->api->opts.cfg, &req, res);
}

int
cs_api_visible(cs_api_call_t *c, const char *sha256, int *ok)
{
    cs_access_result_t res;
    /* The purpose was checked (and ledgered) once for the whole list or relink; what is left
     * to decide per item is the rest of the rule. */
    int rc = check(c, sha256, CS_READ_METADATA, NULL, "(checked for the whole request)", &res);
    *ok = rc == 0 && res.allowed;
    return rc;
}

int
cs_api_filter_visible(cs_api_call_t *c, json_t *items)
{
    for (size_t i = 0; i < json_array_size(items);) {
        int ok = 0, rc;
        const char *sha = json_string_value(json_object_get(json_array_get(items, i), "sha256"));
        if (sha != NULL && (rc = cs_api_visible(c, sha, &ok)) != 0)
            return rc;
        if (ok)
            i++;
        else
            json_array_remove(items, i);
    }
    return 0;
}

int
cs_api_may_download(cs_api_call_t *c, const char *sha256, const char *profile, const char *purpose,
                    cs_access_result_t *res)
{
    return check(c, sha256, CS_READ_MEDIA, profile, purpose, res);
}
