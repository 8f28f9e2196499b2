/* indexer/public_spec.c: checking a redaction spec against the media it redacts (public.h). */
#include "indexer/public.h"

#include "core/buf.h"
#include "core/error.h"

#include <math.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What the spec is checked against. */
typedef struct media {
    const char *kind;
    int width, height; /* of the first picture; 0: none */
    double duration_s; /* -1: unknown */
    int has_audio;
} media_t;

static int bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
bad(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    cs_vsnprintf_cut(buf, sizeof buf, fmt, ap);
    va_end(ap);
    cs_diag_set("redaction spec: %s", buf);
    return CS_EINVAL;
}

static void
media_of(const char *kind, json_t *record, media_t *m)
{
    json_t *media = json_object_get(record, "media"), *s;
    size_t i;
    memset(m, 0, sizeof *m);
    m->kind = kind;
    m->duration_s = json_is_number(json_object_get(media, "duration_s"))
                        ? json_number_value(json_object_get(media, "duration_s"))
                        : -1;
    json_array_foreach(json_object_get(media, "streams"), i, s)
    {
        const char *type = json_string_value(json_object_get(s, "type"));
        if (type != NULL && strcmp(type, "video") == 0 && m->width == 0) {
            m->width = (int)json_integer_value(json_object_get(s, "width"));
            m->height = (int)json_integer_value(json_object_get(s, "height"));
        } else if (type != NULL && strcmp(type, "audio") == 0) {
            m->has_audio = 1;
        }
    }
    json_t *img = json_object_get(record, "image");
    if (json_integer_value(json_object_get(img, "width")) > 0) { /* a photo's own size */
        m->width = (int)json_integer_value(json_object_get(img, "width"));
        m->height = (int)json_integer_value(json_object_get(img, "height"));
    }
}

/* Every member of o is one of `keys` (NULL-terminated). */
static int
known_keys(json_t *o, const char *where, const char *const *keys, const char *list)
{
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v)
    {
        int ok = 0;
        for (size_t i = 0; keys[i] != NULL && !ok; i++)
            ok = strcmp(k, keys[i]) == 0;
        if (!ok)
            return bad("%s%sunknown field \"%.64s\" (its fields: %s)", where, where[0] ? ": " : "",
                       k, list);
    }
    return 0;
}

static int
check_int(json_t *o, const char *where, const char *key, long min, long max, long *out)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_integer(v))
        return bad("%s.%s: a whole number of pixels is required", where, key);
    json_int_t x = json_integer_value(v);
    if (x < min || x > max)
        return bad("%s.%s: %lld is outside %ld..%ld", where, key, (long long)x, min, max);
    *out = (long)x;
    return 0;
}

/* start and end: both (0 <= start < end <= duration) or, when `optional`, neither. */
static int
check_times(json_t *o, const char *where, const media_t *m, int optional)
{
    json_t *s = json_object_get(o, "start"), *e = json_object_get(o, "end");
    if (s == NULL && e == NULL && optional)
        return 0;
    if (!json_is_number(s) || !json_is_number(e))
        return bad("%s: \"start\" and \"end\" (seconds) are required%s", where,
                   optional ? " together, or neither for the whole recording" : "");
    double a = json_number_value(s), b = json_number_value(e);
    if (!isfinite(a) || !isfinite(b) || a < 0 || b <= a)
        return bad("%s: start %.3f and end %.3f must be 0 <= start < end", where, a, b);
    if (m->duration_s >= 0 && b > m->duration_s + 0.001)
        return bad("%s.end: %.3f s is past the end of the recording (%.3f s)", where, b,
                   m->duration_s);
    return 0;
}

static int
check_mode(json_t *o, const char *where, const char *a, const char *b)
{
    const char *mode = json_string_value(json_object_get(o, "mode"));
    if (mode == NULL || (strcmp(mode, a) != 0 && strcmp(mode, b) != 0))
        return bad("%s.mode: \"%s\" or \"%s\" is required", where, a, b);
    return 0;
}

static int
check_regions(json_t *list, const media_t *m)
{
    static const char *const keys[] = {"x", "y", "w", "h", "start", "end", "mode", NULL};
    char where[48];
    json_t *r;
    size_t i;
    int rc;
    if (!json_is_array(list) || json_array_size(list) > CS_PUBLIC_REGIONS_MAX)
        return bad("regions: a list of at most %d rectangles is required", CS_PUBLIC_REGIONS_MAX);
    if (json_array_size(list) > 0 && strcmp(m->kind, "audio") == 0)
        return bad("regions: an audio recording has no pictures to redact");
    if (json_array_size(list) > 0 && m->width <= 0)
        return bad("regions: the item's picture size is not known (custody show)");
    json_array_foreach(list, i, r)
    {
        long x, y, w, h;
        snprintf(where, sizeof where, "regions[%zu]", i); /* fits */
        if (!json_is_object(r))
            return bad("%s: an object {x, y, w, h, mode} is required", where);
        if ((rc = known_keys(r, where, keys, "x, y, w, h, start, end, mode")) != 0 ||
            (rc = check_int(r, where, "x", 0, m->width - 1, &x)) != 0 ||
            (rc = check_int(r, where, "y", 0, m->height - 1, &y)) != 0 ||
            (rc = check_int(r, where, "w", 1, m->width - x, &w)) != 0 ||
            (rc = check_int(r, where, "h", 1, m->height - y, &h)) != 0 ||
            (rc = check_mode(r, where, "blur", "black")) != 0)
            return rc;
        if (strcmp(m->kind, "photo") == 0) {
            if (json_object_get(r, "start") != NULL || json_object_get(r, "end") != NULL)
                return bad("%s: a photo's rectangle has no start or end", where);
        } else if ((rc = check_times(r, where, m, 1)) != 0) {
            return rc;
        }
    }
    return 0;
}

static int
check_ranges(json_t *list, const char *name, const media_t *m, int audio)
{
    static const char *const akeys[] = {"start", "end", "mode", NULL};
    static const char *const fkeys[] = {"start", "end", NULL};
    char where[48];
    json_t *r;
    size_t i;
    int rc;
    if (!json_is_array(list) || json_array_size(list) > CS_PUBLIC_RANGES_MAX)
        return bad("%s: a list of at most %d time ranges is required", name, CS_PUBLIC_RANGES_MAX);
    if (json_array_size(list) == 0)
        return 0;
    if (audio ? !(strcmp(m->kind, "video") == 0 || strcmp(m->kind, "audio") == 0)
              : strcmp(m->kind, "video") != 0)
        return bad("%s: a %s has no %s", name, m->kind, audio ? "sound" : "moving pictures");
    if (audio && !m->has_audio)
        return bad("%s: the recording has no sound", name);
    json_array_foreach(list, i, r)
    {
        snprintf(where, sizeof where, "%s[%zu]", name, i); /* fits */
        if (!json_is_object(r))
            return bad("%s: an object {start, end%s} is required", where, audio ? ", mode" : "");
        if ((rc = known_keys(r, where, audio ? akeys : fkeys,
                             audio ? "start, end, mode" : "start, end")) != 0 ||
            (rc = check_times(r, where, m, 0)) != 0 ||
            (audio && (rc = check_mode(r, where, "mute", "bleep")) != 0))
            return rc;
    }
    return 0;
}

int
cs_public_spec_check(json_t *spec, const char *kind, json_t *record, char **text, char sha256[65])
{
    static const char *const keys[] = {"regions", "blur_frames", "audio", NULL};
    json_t *empty = json_array();
    media_t m;
    unsigned char md[32];
    unsigned int mdlen = 0;
    int rc;
    *text = NULL;
    if (empty == NULL) {
        cs_diag_set("out of memory checking a redaction spec");
        return CS_ENOMEM;
    }
    if (kind == NULL) {
        rc = bad("the item is not a photo, video or audio recording: it gets no redaction spec "
                 "(a document's public copy is its redacted version: custody public attach)");
        goto out;
    }
    media_of(kind, record, &m);
    if (!json_is_object(spec)) {
        rc = bad("a JSON object {regions, blur_frames, audio} is required");
        goto out;
    }
    if ((rc = known_keys(spec, "", keys, "regions, blur_frames, audio")) != 0)
        goto out;
    json_t *regions = json_object_get(spec, "regions"),
           *frames = json_object_get(spec, "blur_frames"), *audio = json_object_get(spec, "audio");
    if ((rc = check_regions(regions ? regions : empty, &m)) != 0 ||
        (rc = check_ranges(frames ? frames : empty, "blur_frames", &m, 0)) != 0 ||
        (rc = check_ranges(audio ? audio : empty, "audio", &m, 1)) != 0)
        goto out;
    if (json_array_size(regions) + json_array_size(frames) + json_array_size(audio) == 0) {
        rc = bad("it redacts nothing: name at least one of regions, blur_frames, audio");
        goto out;
    }
    if ((*text = json_dumps(spec, JSON_COMPACT | JSON_SORT_KEYS)) == NULL ||
        strlen(*text) > CS_PUBLIC_SPEC_MAX) {
        rc = *text == NULL ? CS_ENOMEM : bad("it is longer than %d bytes", CS_PUBLIC_SPEC_MAX);
        goto out;
    }
    if (EVP_Digest(*text, strlen(*text), md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32) {
        cs_diag_set("cannot hash the redaction spec");
        rc = CS_EIO;
        goto out;
    }
    for (int i = 0; i < 32; i++)
        snprintf(sha256 + 2 * i, 3, "%02x", md[i]); /* fits */
    rc = 0;
out:
    if (rc != 0) {
        free(*text);
        *text = NULL;
    }
    json_decref(empty);
    return rc;
}
