/* ingest/derive.c: which derivatives an item gets, and storing and recording them. */
#include "ingest/derive.h"
#include "core/buf.h"

#include "core/error.h"
#include "core/reason.h"
#include "indexer/derivatives.h"
#include "indexer/policy.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define PROFILES_MAX 5

/* A video's preview and thumbnail are of its poster frame (media/transcode.h). "public" is
 * made only when asked for by name (custody public make: transcode.profiles never names it). */
static const char *const video_profiles[] = {"archival",  "access", "preview",
                                             "thumbnail", "public", NULL};
static const char *const audio_profiles[] = {"archival", "access", "public", NULL};
/* A photo's "archival" copy only when the format policy normalises it (HEIC to JPEG). */
static const char *const photo_profiles[] = {"archival", "preview", "thumbnail", "public", NULL};

const char *
cs_derive_kind(const char *media_type, json_t *record)
{
    json_t *streams = json_object_get(json_object_get(record, "media"), "streams"), *s;
    int audio = 0;
    size_t i;
    if (media_type != NULL && strncmp(media_type, "image/", 6) == 0)
        return "photo";
    json_array_foreach(streams, i, s)
    {
        const char *type = json_string_value(json_object_get(s, "type"));
        if (type != NULL && strcmp(type, "video") == 0 &&
            !json_is_true(json_object_get(s, "attached_pic")))
            return "video";
        if (type != NULL && strcmp(type, "audio") == 0)
            audio = 1;
    }
    return audio ? "audio" : NULL;
}

/* 1 if `name` is in the comma-separated list. */
static int
listed(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; *p != '\0';) {
        size_t len = strcspn(p, ",");
        if (len == n && strncmp(p, name, n) == 0)
            return 1;
        p += len + (p[len] == ',');
    }
    return 0;
}

cs_derive_opts_t
cs_derive_opts_of(const cs_config_t *cfg)
{
    cs_derive_opts_t o = {
        .profiles = cfg->transcode_profiles,
        .access_preset = cs_config_presets[cfg->transcode_access_preset],
        .threads = cfg->transcode_threads,
        .archival_slices = cfg->transcode_archival_slices,
        .access_crf = cfg->transcode_access_crf,
        .access_max_lines = cfg->transcode_access_max_lines,
        .access_audio_kbps = cfg->transcode_access_audio_kbps,
        .preview_px = cfg->transcode_preview_px,
        .thumbnail_px = cfg->transcode_thumbnail_px,
        .jpeg_quality = cfg->transcode_jpeg_quality,
    };
    return o;
}

json_t *
cs_derive_request(const cs_derive_opts_t *o, const char *out_dir, const char *obj_path,
                  const char *sha256, const char *media_type, json_t *record, const char *only,
                  int *recording)
{
    return cs_derive_request_decided(o, out_dir, obj_path, sha256, media_type, record, NULL, only,
                                     recording);
}

/* Whether the item gets an archival copy: without a decision, recordings do (FFV1/FLAC) and
 * photos do not (the original is its own); with one, only when it normalises. */
static int
archival_wanted(const char *kind, json_t *decision)
{
    const char *action = json_string_value(json_object_get(decision, "action"));
    if (decision == NULL)
        return strcmp(kind, "photo") != 0;
    return action != NULL && strcmp(action, "normalise") == 0 &&
           cs_policy_target(json_string_value(json_object_get(decision, "target"))) != NULL;
}

json_t *
cs_derive_request_decided(const cs_derive_opts_t *o, const char *out_dir, const char *obj_path,
                          const char *sha256, const char *media_type, json_t *record,
                          json_t *decision, const char *only, int *recording)
{
    const char *kind = cs_derive_kind(media_type, record);
    const char *const *all;
    json_t *profiles, *req;
    if (recording != NULL)
        *recording = 0;
    if (kind == NULL)
        return NULL;
    all = strcmp(kind, "photo") == 0   ? photo_profiles
          : strcmp(kind, "video") == 0 ? video_profiles
                                       : audio_profiles;
    if ((profiles = json_array()) == NULL)
        return NULL;
    for (int i = 0; all[i] != NULL; i++)
        if (listed(o->profiles, all[i]) && (only == NULL || strcmp(only, all[i]) == 0) &&
            (strcmp(all[i], "archival") != 0 || archival_wanted(kind, decision)))
            json_array_append_new(profiles, json_string(all[i]));
    if (json_array_size(profiles) == 0) {
        json_decref(profiles);
        return NULL;
    }
    req = json_pack(
        "{s:s, s:s, s:s?, s:s, s:s, s:s, s:o, s:{s:i, s:i, s:s, s:i, s:i, s:i, s:i, s:i, s:i}}",
        "path", obj_path, "sha256", sha256, "media_type", media_type, "kind", kind, "out_dir",
        out_dir, "stem", sha256, "profiles", profiles, "options", "threads", o->threads,
        "archival_slices", o->archival_slices, "access_preset", o->access_preset, "access_crf",
        o->access_crf, "access_max_lines", o->access_max_lines, "access_audio_kbps",
        o->access_audio_kbps, "preview_px", o->preview_px, "thumbnail_px", o->thumbnail_px,
        "jpeg_quality", o->jpeg_quality);
    if (req != NULL && decision != NULL && (only == NULL || strcmp(only, "archival") == 0) &&
        cs_derive_policy_options(req, decision) != 0) {
        json_decref(req);
        return NULL;
    }
    if (req != NULL && recording != NULL)
        *recording = strcmp(kind, "photo") != 0;
    return req;
}

/* Marks an output failed with `reason` and its code. */
static void
fail_output(json_t *o, cs_reason_code_t code, const char *reason)
{
    json_object_set_new(o, "status", json_string("failed"));
    json_object_set_new(o, "reason", json_string(reason));
    json_object_set_new(o, "reason_code", json_string(cs_reason_slug(code)));
}

/* Hashes the output file at `path` and links it into the store. */
static int
store_one(cs_store_t *store, const char *path, json_t *o)
{
    cs_put_result_t res;
    char reason[600];
    int fd, created = 0, rc;
    memset(&res, 0, sizeof res);
    if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0) {
        cs_snprintf_cut(reason, sizeof reason, "the copy the worker wrote cannot be opened: %s",
                        strerror(errno));
        fail_output(o, CS_R_COPY_UNOPENABLE, reason);
        return 0;
    }
    /* Under Object Lock: the archival copy, kept as the original is; the others can be made
     * again from the original and a re-made one may replace them. */
    const char *profile = json_string_value(json_object_get(o, "profile"));
    cs_store_lock_puts(store, profile == NULL || strcmp(profile, "archival") == 0);
    rc = cs_store_hash_fd(store, fd, path, &res);
    if (rc == 0)
        rc = cs_store_adopt_fd(store, fd, res.sha256, 0, &created);
    if (rc == CS_EXDEV) { /* the home's tmp on another file system: copy instead */
        rc = cs_store_put_file(store, path, &res);
        created = res.created;
    }
    cs_store_lock_puts(store, 1);
    close(fd);
    /* The environment's, not the copy's: the job is tried again (a gateway that is away). */
    if (rc == CS_ENOSPC || rc == CS_EIO || rc == CS_ENOMEM || rc == CS_EUNAVAILABLE)
        return rc;
    if (rc != 0) {
        cs_snprintf_cut(reason, sizeof reason, "the copy could not be stored: %s",
                        *cs_diag() ? cs_diag() : cs_strerror(rc));
        fail_output(o, CS_R_COPY_UNSTORED, reason);
        return 0;
    }
    json_object_set_new(o, "sha256", json_string(res.sha256));
    json_object_set_new(o, "size", json_integer((json_int_t)res.size));
    if (created) /* not recorded: cs_derive_unstore's mark */
        json_object_set_new(o, "created", json_true());
    return 0;
}

int
cs_derive_store(cs_store_t *store, json_t *result)
{
    json_t *outputs = json_object_get(result, "outputs"), *o;
    size_t i;
    int err = 0;
    json_array_foreach(outputs, i, o)
    {
        const char *path = json_string_value(json_object_get(o, "path"));
        const char *status = json_string_value(json_object_get(o, "status"));
        if (err == 0 && path != NULL && status != NULL && strcmp(status, "verified") == 0)
            err = store_one(store, path, o);
        if (path != NULL)
            unlink(path);
        json_object_del(o, "path"); /* gone now; the record keeps the object's hash */
    }
    return err;
}

void
cs_derive_unstore(cs_store_t *store, cs_catalog_t *cat, json_t *result)
{
    json_t *outputs = json_object_get(result, "outputs"), *o;
    char why[1024]; /* CS_DIAG_MAX */
    size_t i;
    cs_snprintf_cut(why, sizeof why, "%s", cs_diag()); /* the failure the caller reports */
    json_array_foreach(outputs, i, o)
    {
        const char *obj = json_string_value(json_object_get(o, "sha256"));
        int named = 1;
        if (obj == NULL || !json_is_true(json_object_get(o, "created")))
            continue;
        /* Named after all (the same copy recorded since): it stays. Unsure: it stays too. */
        if (cs_catalog_object_named(cat, obj, &named) == 0 && !named)
            cs_store_remove(store, obj);
        json_object_del(o, "created");
    }
    if (strcmp(why, cs_diag()) != 0)
        cs_diag_set("%s", why);
}

/* The output of `result` for `profile`, or NULL. */
static json_t *
output_of(json_t *result, const char *profile)
{
    json_t *outputs = json_object_get(result, "outputs"), *o;
    size_t i;
    json_array_foreach(outputs, i, o)
    {
        const char *p = json_string_value(json_object_get(o, "profile"));
        if (p != NULL && strcmp(p, profile) == 0)
            return o;
    }
    return NULL;
}

/* A copy made again under a changed policy ("keep_verified") that did not verify leaves the
 * item's verified copy of its profile current: the old archival copy stays until a new one
 * verifies (the decision records the failure). */
static int
kept_until_verified(cs_catalog_t *cat, const char *sha256, json_t *request, const char *profile,
                    json_t *o)
{
    const char *status = json_string_value(json_object_get(o, "status"));
    int verified = 0;
    if (!json_is_true(json_object_get(request, "keep_verified")) ||
        (status != NULL && strcmp(status, "verified") == 0 && json_object_get(o, "sha256")))
        return 0;
    return cs_catalog_copy_verified(cat, sha256, profile, &verified) == 0 && verified;
}

int
cs_derive_commit(cs_catalog_t *cat, const char *sha256, json_t *request, json_t *result,
                 const cs_reason_t *failure, const char *actor, int *failed)
{
    json_t *profiles = json_object_get(request, "profiles"), *p;
    json_t *details[PROFILES_MAX] = {NULL};
    cs_derivative_t d[PROFILES_MAX];
    char params[PROFILES_MAX][64]; /* {"profile": ...} of a copy's own failure */
    size_t i, n = 0;
    int nfailed = 0, err;

    json_array_foreach(profiles, i, p)
    {
        const char *profile = json_string_value(p);
        json_t *o = output_of(result, profile);
        const char *status = json_string_value(json_object_get(o, "status"));
        const char *obj = json_string_value(json_object_get(o, "sha256"));
        if (profile == NULL || n == PROFILES_MAX)
            continue;
        if (kept_until_verified(cat, sha256, request, profile, o)) {
            nfailed++;
            continue;
        }
        memset(&d[n], 0, sizeof d[n]);
        d[n].profile = profile;
        d[n].size = -1;
        if (o != NULL && status != NULL && strcmp(status, "verified") == 0 && obj != NULL) {
            d[n].status = "verified";
            d[n].sha256 = obj;
            d[n].size = (int64_t)json_integer_value(json_object_get(o, "size"));
        } else {
            d[n].status = "failed";
            d[n].reason = json_string_value(json_object_get(o, "reason"));
            /* The worker's own words on this copy, or what storing it met (fail_output). */
            d[n].reason_code = json_string_value(json_object_get(o, "reason_code"));
            if (d[n].reason_code == NULL)
                d[n].reason_code = cs_reason_slug(CS_R_COPY_FAILED);
            if (cs_snprintf(params[n], sizeof params[n], "{\"profile\":\"%s\"}", profile) == 0 &&
                strcspn(profile, "\"\\") == strlen(profile))
                d[n].reason_params = params[n];
            if (d[n].reason == NULL || d[n].reason[0] == '\0') {
                d[n].reason = failure ? failure->text : "no copy was made";
                d[n].reason_code = cs_reason_slug(failure ? failure->code : CS_R_NO_COPY);
                d[n].reason_params = failure ? cs_reason_params_or_null(failure) : NULL;
            }
            nfailed++;
        }
        d[n].media_type = json_string_value(json_object_get(o, "media_type"));
        if (o != NULL && (details[n] = json_deep_copy(o)) != NULL) {
            /* The row's own columns are not repeated in its detail. */
            static const char *const own[] = {"profile",     "status",     "sha256",
                                              "size",        "media_type", "reason",
                                              "reason_code", "path",       "created"};
            for (size_t k = 0; k < sizeof own / sizeof own[0]; k++)
                json_object_del(details[n], own[k]);
        }
        d[n].detail = details[n];
        n++;
    }
    err = n > 0 ? cs_catalog_add_derivatives(cat, sha256, d, n, actor) : 0;
    if (err == 0)
        err = cs_derive_record_policy(cat, sha256, request, result, actor);
    for (i = 0; i < n; i++)
        json_decref(details[i]);
    if (failed != NULL)
        *failed = nfailed;
    return err;
}

int
cs_derive_clean(const char *out_dir)
{
    DIR *d = opendir(out_dir);
    struct dirent *e;
    int removed = 0;
    if (d == NULL)
        return 0;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (unlinkat(dirfd(d), e->d_name, 0) == 0)
            removed++;
    }
    closedir(d);
    return removed;
}
