/* api/h_media.c: downloads of an original or of a derivative: decided and ledgered (with the
 * byte range) before the file is opened; the bytes are then streamed by respond.c.
 * Thread pool, catalog lock held. */
#include "api/args.h"

#include "core/error.h"
#include "indexer/derivatives.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static const char *const profiles[] = {"archival", "access", "preview", "thumbnail"};

/* A media type safe to put in a header as is; else application/octet-stream. */
static void
set_media_type(cs_api_call_t *c, const char *mt)
{
    size_t n = mt ? strlen(mt) : 0;
    int ok = n > 0 && n < sizeof c->media_type;
    for (size_t i = 0; ok && i < n; i++)
        ok = isalnum((unsigned char)mt[i]) || strchr("/+-.;= _", mt[i]) != NULL;
    snprintf(c->media_type, sizeof c->media_type, "%s", ok ? mt : "application/octet-stream");
}

/* The object to serve: the item itself, or its current verified copy of `profile`. */
static int
object_of(cs_api_call_t *c, const char *sha, const char *profile, char obj[65])
{
    json_t *item = NULL, *list = NULL, *d;
    size_t i;
    int rc;
    if ((rc = cs_catalog_item(c->cat, sha, &item)) != 0)
        return cs_api_fail_rc(c, rc, "item"), 1;
    set_media_type(c, json_string_value(json_object_get(item, "media_type")));
    json_decref(item);
    if (profile == NULL) {
        memcpy(obj, sha, 65);
        return 0;
    }
    if ((rc = cs_catalog_derivatives(c->cat, sha, &list)) != 0)
        return cs_api_fail_rc(c, rc, "derivatives"), 1;
    rc = 1;
    json_array_foreach(list, i, d)
    {
        const char *p = json_string_value(json_object_get(d, "profile"));
        const char *o = json_string_value(json_object_get(d, "sha256"));
        const char *s = json_string_value(json_object_get(d, "status"));
        if (p && o && s && strcmp(p, profile) == 0 && strcmp(s, "verified") == 0) {
            snprintf(obj, 65, "%s", o);
            set_media_type(c, json_string_value(json_object_get(d, "media_type")));
            rc = 0;
        }
    }
    json_decref(list);
    if (rc != 0)
        cs_api_fail(c, "not-found", "item %.12s has no verified %s copy", sha, profile);
    return rc;
}

static void
download(cs_api_call_t *c, const char *profile)
{
    char sha[65], obj[65], range[80];
    uint64_t size = 0, first = 0, last = 0;
    int rc, partial = 0;
    if (cs_api_arg_sha256(c, 0, sha) != 0 || object_of(c, sha, profile, obj) != 0)
        return;
    if ((rc = cs_store_stat(c->api->store, obj, &size)) != 0 || size == 0) {
        cs_api_fail(c, "internal", "object %s of item %.12s is missing from the store", obj, sha);
        return;
    }
    if (c->range_state != 0) {
        partial =
            c->range_state > 0 ? cs_api_range_parse(c->range, size, &first, &last) : CS_EINVAL;
    }
    if (partial < 0) {
        /* Refused, but still decided and ledgered: nothing is served (bytes 0). */
        snprintf(range, sizeof range, "*/%llu", (unsigned long long)size);
        if (cs_api_decide(c, sha, 1, profile ? "get.derivative" : "get.original", obj, profile, 0,
                          range) != 0)
            return;
        snprintf(c->content_range, sizeof c->content_range, "bytes */%llu",
                 (unsigned long long)size);
        cs_api_fail(c, "range-not-satisfiable",
                    "Range \"%.60s\" does not fit an object of %llu bytes; give one range, "
                    "bytes=FIRST-LAST, bytes=FIRST- or bytes=-SUFFIX",
                    c->range, (unsigned long long)size);
        return;
    }
    if (partial == 0) {
        first = 0;
        last = size - 1;
    }
    snprintf(range, sizeof range, "%llu-%llu/%llu", (unsigned long long)first,
             (unsigned long long)last, (unsigned long long)size);
    if (cs_api_decide(c, sha, 1, profile ? "get.derivative" : "get.original", obj, profile,
                      (int64_t)(last - first + 1), range) != 0)
        return;
    if ((rc = cs_store_open_object(c->api->store, obj, &c->fd)) != 0) {
        c->fd = -1;
        cs_api_fail_rc(c, rc == CS_ENOTFOUND ? CS_EIO : rc, "opening the object");
        return;
    }
    c->off = first;
    c->len = last - first + 1;
    c->status = partial ? 206 : 200;
    snprintf(c->etag, sizeof c->etag, "\"%s\"", obj);
    if (partial)
        snprintf(c->content_range, sizeof c->content_range, "bytes %s", range);
}

void
cs_api_h_original(cs_api_call_t *c)
{
    download(c, NULL);
}

void
cs_api_h_derivative(cs_api_call_t *c)
{
    for (size_t i = 0; i < sizeof profiles / sizeof profiles[0]; i++)
        if (strcmp(c->params[1], profiles[i]) == 0) {
            download(c, profiles[i]);
            return;
        }
    cs_api_fail(c, "not-found", "no profile \"%.40s\"; use archival, access, preview or thumbnail",
                c->params[1]);
}
