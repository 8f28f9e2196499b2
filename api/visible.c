/* api/visible.c: which items of a list or a search a user may see: ledger/access.c's rule
 * for a metadata read over the network, checked without writing (a list is ledgered once, as
 * a whole, by auth.c; an entry per item would cost a commit each for what is not served). */
#include "api/api_int.h"

#include "ledger/access.h"

int
cs_api_visible(cs_api_call_t *c, const char *sha256, int *ok)
{
    cs_access_result_t res;
    cs_access_req_t req = {
        .user = &c->user,
        .who = c->user.name,
        .sha256 = sha256,
        .read = CS_READ_METADATA,
        .action = "view",
        /* The purpose was checked (and ledgered) once for the whole list or relink; what is
         * left to decide per item is the rest of the rule. */
        .purpose = "(checked for the whole request)",
        .client = c->client,
        .network = 1,
    };
    int rc = cs_access_check(c->cat, c->api->opts.cfg, &req, &res);
    *ok = rc == 0 && res.allowed;
    return rc;
}
