/* api/visible.c: which items of a list or a search a user may see. The same rules as
 * ledger/access.c's decision for a metadata read (which is ledgered per item and so cannot
 * filter a list): an auditor sees every record; a clerk the items they brought in and the
 * unassigned ones; a reviewer or an admin those covered by a live grant whose clearance
 * reaches the item's classification. The list itself is ledgered once (auth.c). */
#include "api/api_int.h"

#include "core/clock.h"
#include "core/error.h"
#include "ledger/access.h"

#include <string.h>

int
cs_api_visible(cs_api_call_t *c, const char *sha256, int *ok)
{
    cs_catalog_t *cat = c->api->cat;
    const cs_user_t *u = &c->user;
    char now[CS_TIME_MAX], level[32];
    json_t *grants = NULL;
    int rc, received = 0, unassigned = 0;
    *ok = 0;
    if (u->disabled)
        return 0;
    if (strcmp(u->role, "auditor") == 0) {
        *ok = 1;
        return 0;
    }
    if (strcmp(u->role, "clerk") == 0) {
        if ((rc = cs_catalog_item_origin(cat, sha256, u->name, &received, &unassigned)) != 0)
            return rc;
        *ok = received || unassigned;
        return 0;
    }
    if ((rc = cs_catalog_classification(cat, sha256, level, sizeof level)) != 0)
        return rc;
    if (level[0] == '\0')
        strcpy(level, cs_config_levels[c->api->opts.cfg->access_default_level]);
    cs_clock_now(now);
    if ((rc = cs_catalog_item_grants(cat, u->id, sha256, now, &grants)) != 0)
        return rc;
    json_t *best = json_array_get(grants, 0); /* the highest clearance first */
    if (best != NULL)
        *ok = cs_access_level_rank(json_string_value(json_object_get(best, "clearance"))) >=
              cs_access_level_rank(level);
    json_decref(grants);
    return 0;
}
