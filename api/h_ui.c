/* api/h_ui.c: the web interface: GET / is web/index.html and GET /ui/{path} is web/{path},
 * from the files built into the binary (assets.h). No token: the files are the same for
 * everyone and hold no records; what the page shows comes from /v1 with the user's token.
 * On the loop: no disk, no catalog. */
#include "api/api_int.h"

#include "api/assets.h"

#include <string.h>

/* 1 when path is names joined by single '/', none of them empty or starting with '.': no
 * "..", no hidden files (none are built in; this says why they are refused). */
static int
path_ok(const char *path)
{
    for (const char *p = path;;) {
        size_t n = strcspn(p, "/");
        if (n == 0 || p[0] == '.')
            return 0;
        if (p[n] == '\0')
            return 1;
        p += n + 1;
    }
}

static const cs_api_asset_t *
find(const char *path)
{
    for (size_t i = 0; i < cs_api_assets_count; i++)
        if (strcmp(cs_api_assets[i].path, path) == 0)
            return &cs_api_assets[i];
    return NULL;
}

/* 1 when an If-None-Match value names etag, or is "*" (RFC 9110 13.1.2: weak comparison). */
static int
etag_listed(const char *list, const char *etag)
{
    size_t elen = strlen(etag);
    for (const char *p = list;;) {
        p += strspn(p, " \t,");
        if (*p == '\0')
            return 0;
        if (*p == '*')
            return 1;
        if (strncmp(p, "W/", 2) == 0)
            p += 2;
        size_t n = strcspn(p, ", \t");
        if (n == elen && memcmp(p, etag, n) == 0)
            return 1;
        p += n;
    }
}

void
cs_api_h_ui(cs_api_call_t *c)
{
    char path[CS_API_PATH_MAX] = "index.html";
    const cs_api_asset_t *f = NULL;
    /* GET / has no tail; GET /ui/{path} always has one. */
    if (c->tail[0] != '\0' &&
        (cs_api_pct_decode(c->tail, strlen(c->tail), 0, path, sizeof path) < 0 || !path_ok(path)))
        path[0] = '\0';
    if (path[0] == '\0' || (f = find(path)) == NULL) {
        cs_api_fail(c, "not-found", "the web interface has no file \"%.200s\"", c->tail);
        return;
    }
    c->asset = f;
    c->status = c->if_none_match[0] != '\0' && etag_listed(c->if_none_match, f->etag) ? 304 : 200;
}
