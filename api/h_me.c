/* api/h_me.c: GET /v1/me: who the token belongs to and the grants they hold now, so that a
 * page can show what it may offer. The user's own record: nothing of the evidence is read,
 * so nothing is ledgered. Thread pool, catalog lock held. */
#include "api/api_int.h"

#include "core/clock.h"

void
cs_api_h_me(cs_api_call_t *c)
{
    char now[CS_TIME_MAX];
    json_t *all = NULL, *live = NULL, *g;
    size_t i;
    int rc;
    cs_clock_now(now);
    if ((rc = cs_catalog_grants(c->cat, c->user.name, now, &all)) != 0) {
        cs_api_fail_rc(c, rc, "reading the grants");
        return;
    }
    live = json_array();
    json_array_foreach(all, i, g)
    {
        if (json_is_true(json_object_get(g, "live")))
            json_array_append_new(
                live,
                json_pack("{s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O}", "id",
                          json_object_get(g, "id"), "case", json_object_get(g, "case"), "party",
                          json_object_get(g, "party"), "purposes", json_object_get(g, "purposes"),
                          "any_purpose", json_object_get(g, "any_purpose"), "purpose",
                          json_object_get(g, "purpose"), "until", json_object_get(g, "until"),
                          "clearance", json_object_get(g, "clearance"), "scope",
                          json_object_get(g, "scope"), "request", json_object_get(g, "request")));
    }
    json_decref(all);
    c->json = json_pack("{s:s, s:s, s:o, s:i}", "name", c->user.name, "role", c->user.role,
                        "grants", live, "media_url_ttl_s", c->api->opts.cfg->api_media_url_ttl_s);
    if (c->json != NULL && c->by_session) /* a page opened anew finds its CSRF token here */
        json_object_set_new(c->json, "csrf", json_string(c->csrf));
    if (c->json == NULL)
        cs_api_fail(c, "internal", "out of memory answering");
    else
        c->status = 200;
}
