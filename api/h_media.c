/* api/h_media.c: downloads of an original or of a derivative: decided and ledgered (with the
 * byte range) before the file is opened; the bytes are then streamed by respond.c. The same
 * download serves signed media URLs (h_mediaurl.c). Thread pool, catalog lock held. */
#include "api/args.h"

#include "core/buf.h"
#include "core/error.h"
#include "indexer/derivatives.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const profiles[] = {"archival", "access", "preview", "thumbnail", "public"};

const char *
cs_api_media_profile(const char *name)
{
    for (size_t i = 0; i < sizeof profiles / sizeof profiles[0]; i++)
        if (strcmp(name, profiles[i]) == 0)
            return profiles[i];
    return NULL;
}

/* A media type safe to put in a header as is; else application/octet-stream. */
static void
safe_media_type(const char *mt, char out[128])
{
    size_t n = mt ? strlen(mt) : 0;
    int ok = n > 0 && n < 128;
    for (size_t i = 0; ok && i < n; i++)
        ok = isalnum((unsigned char)mt[i]) || strchr("/+-.;= _", mt[i]) != NULL;
    snprintf(out, 128, "%s", ok ? mt : "application/octet-stream"); /* fits: n < 128 */
}

int
cs_api_media_find(cs_catalog_t *cat, const char *sha, const char *profile, char obj[65],
                  char media_type[128], uint64_t *size)
{
    json_t *item = NULL, *list = NULL, *d;
    size_t i;
    int rc;
    if (size != NULL)
        *size = 0;
    if ((rc = cs_catalog_item(cat, sha, &item)) != 0)
        return rc;
    safe_media_type(json_string_value(json_object_get(item, "media_type")), media_type);
    json_int_t n = json_integer_value(json_object_get(item, "size"));
    json_decref(item);
    if (profile == NULL) {
        memcpy(obj, sha, 65);
        if (size != NULL && n > 0)
            *size = (uint64_t)n;
        return 0;
    }
    if ((rc = cs_catalog_derivatives(cat, sha, &list)) != 0)
        return rc;
    rc = CS_ENOTFOUND;
    json_array_foreach(list, i, d)
    {
        const char *p = json_string_value(json_object_get(d, "profile"));
        const char *o = json_string_value(json_object_get(d, "sha256"));
        const char *s = json_string_value(json_object_get(d, "status"));
        if (p && o && s && strcmp(p, profile) == 0 && strcmp(s, "verified") == 0 &&
            cs_snprintf(obj, 65, "%s", o) == 0) { /* a longer "hash" names no object */
            safe_media_type(json_string_value(json_object_get(d, "media_type")), media_type);
            n = json_integer_value(json_object_get(d, "size"));
            if (size != NULL && n > 0)
                *size = (uint64_t)n;
            rc = 0;
        }
    }
    json_decref(list);
    if (rc != 0)
        cs_diag_set("item %.12s has no verified %s copy", sha, profile);
    return rc;
}

void
cs_api_download(cs_api_call_t *c, const char *sha, const char *profile)
{
    cs_access_policy_t pol = cs_access_policy(c->api->opts.cfg);
    cs_access_how_t h = cs_api_how(c, profile ? CS_READ_DERIVATIVE : CS_READ_ORIGINAL,
                                   profile ? "get.derivative" : "get.original");
    cs_access_what_t what;
    cs_access_decision_t d;
    json_t *e = NULL;
    char obj[65], range[80];
    uint64_t size = 0, first = 0, last = 0;
    int rc, partial = 0;
    h.profile = profile;
    /* Decided before anything is looked up: a refusal says nothing of what exists. */
    if ((rc = cs_access_load(c->cat, &pol, &c->who, sha, NULL, profile, &what)) != 0 ||
        (rc = cs_access_read(&pol, &c->who, &what, &h, &d, &e)) != 0) {
        cs_api_fail_rc(c, rc, "deciding the read");
        return;
    }
    if (!d.allowed) {
        cs_api_answer_decision(c, &d, e);
        return;
    }
    json_decref(e);
    cs_diag_clear();
    if ((rc = cs_api_media_find(c->cat, sha, profile, obj, c->media_type, &size)) != 0) {
        cs_api_fail_rc(c, rc, profile ? "derivative" : "item");
        return;
    }
    /* The local copy, opened now (its size is the file's); without one (an s3 store) the
     * object store's copy, of the size the catalog recorded: no HEAD before the one GET, whose
     * failure before its first byte still answers 503 with nothing served (stream_remote.c). */
    struct stat st;
    if ((rc = cs_store_open_local(c->api->store, obj, &c->fd)) == 0) {
        if (fstat(c->fd, &st) != 0 || !S_ISREG(st.st_mode))
            rc = CS_EIO;
        else
            size = (uint64_t)st.st_size;
    } else if (rc == CS_ENOTFOUND && strcmp(cs_store_backend(c->api->store), "s3") == 0 &&
               size > 0) {
        memcpy(c->remote, obj, sizeof c->remote);
        rc = 0;
    }
    if (rc != 0 || size == 0) {
        if (c->fd >= 0)
            close(c->fd);
        c->fd = -1;
        c->remote[0] = '\0';
        cs_api_fail(c, "internal",
                    "object %.12s of item %.12s is missing from the store: the "
                    "operator runs custody verify",
                    obj, sha);
        return;
    }
    if (c->range_state != 0) {
        partial =
            c->range_state > 0 ? cs_api_range_parse(c->range, size, &first, &last) : CS_EINVAL;
    }
    h.object = obj;
    if (partial < 0) {
        /* Refused, but still decided and ledgered: nothing is served (bytes 0). */
        snprintf(range, sizeof range, "*/%llu", (unsigned long long)size); /* fits: 22 < 80 */
        h.range = range;
        if ((rc = cs_access_read(&pol, &c->who, &what, &h, &d, &e)) != 0) {
            cs_api_fail_rc(c, rc, "deciding the read");
            return;
        }
        cs_api_answer_decision(c, &d, e);
        snprintf(c->content_range, sizeof c->content_range, "bytes */%llu", /* fits: 28 < 96 */
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
    snprintf(range, sizeof range, "%llu-%llu/%llu", (unsigned long long)first, /* fits: 62 < 80 */
             (unsigned long long)last, (unsigned long long)size);
    h.range = range;
    h.bytes = (int64_t)(last - first + 1);
    if ((rc = cs_access_read(&pol, &c->who, &what, &h, &d, &e)) != 0) {
        cs_api_fail_rc(c, rc, "deciding the read");
        return;
    }
    if (cs_api_answer_decision(c, &d, e) != 0)
        return;
    c->off = first;
    c->len = last - first + 1;
    c->status = partial ? 206 : 200;
    snprintf(c->etag, sizeof c->etag, "\"%s\"", obj); /* fits: 66 < 72 */
    /* From the object store: its GET starts now, while the read's ledger entry is made
     * durable; no byte reaches the client before it is (stream_remote.c). */
    if (c->remote[0] != '\0' && c->len > 0)
        (void)cs_api_fetch_start(c); /* else it starts with the answer */
    if (partial)                     /* fits: 6 + 62 < 96 */
        snprintf(c->content_range, sizeof c->content_range, "bytes %s", range);
}

void
cs_api_h_original(cs_api_call_t *c)
{
    char sha[65];
    if (cs_api_arg_sha256(c, 0, sha) == 0)
        cs_api_download(c, sha, NULL);
}

void
cs_api_h_derivative(cs_api_call_t *c)
{
    char sha[65];
    const char *profile = cs_api_media_profile(c->params[1]);
    if (profile == NULL)
        cs_api_fail(c, "not-found",
                    "no profile \"%.40s\"; use archival, access, preview, thumbnail or public",
                    c->params[1]);
    else if (cs_api_arg_sha256(c, 0, sha) == 0)
        cs_api_download(c, sha, profile);
}
