/* indexer/policy.c: the format policy and the archival decisions (policy.h). */
#include "indexer/policy.h"

#include "core/buf.h"
#include "core/clock.h"
#include "core/error.h"
#include "indexer/catalog_int.h"

#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

static const cs_policy_target_t targets[] = {
    {"h264-high-mp4", "video", "h264", 18, 256, 0, "slow",
     "H.264 High profile + AAC 256 kb/s in MP4, the source's size and frame timing (crf 18, "
     "preset slow)"},
    {"ffv1-mkv", "video", "ffv1", 0, 0, 0, NULL,
     "FFV1 level 3 + FLAC in Matroska (lossless; every frame, the same pts)"},
    {"flac", "audio", "ffv1", 0, 0, 0, NULL, "FLAC (lossless)"},
    {"wav", "audio", "wav", 0, 0, 0, NULL, "WAV (PCM, the source's rate and channels)"},
    {"jpeg-q95", "photo", "jpeg", 0, 0, 2, NULL,
     "JPEG at quality 95 (mjpeg qscale 2), full size, upright"},
};

const cs_policy_target_t *
cs_policy_target(const char *name)
{
    for (size_t i = 0; name != NULL && i < sizeof targets / sizeof targets[0]; i++)
        if (strcmp(targets[i].name, name) == 0)
            return &targets[i];
    return NULL;
}

/* 1 when `value` ("-": no such stream) matches one of the comma-separated shell patterns. */
static int
matches(const char *patterns, const char *value)
{
    char one[128];
    for (const char *p = patterns; p != NULL && *p != '\0';) {
        size_t len = strcspn(p, ",");
        if (len < sizeof one) {
            memcpy(one, p, len);
            one[len] = '\0';
            if (fnmatch(one, value, 0) == 0)
                return 1;
        }
        p += len + (p[len] == ',');
    }
    return 0;
}

/* The first video (not a cover picture) and audio codec of the record, or "-"; and the
 * profile of the first video stream when there is one, else of the first audio stream (an
 * audio-only row matches on its sound), "-" when that stream declares none or there is none. */
static void
codecs(json_t *record, const char **video, const char **audio, const char **profile)
{
    json_t *streams = json_object_get(json_object_get(record, "media"), "streams"), *s;
    json_t *first_video = NULL, *first_audio = NULL;
    size_t i;
    *video = *audio = *profile = "-";
    json_array_foreach(streams, i, s)
    {
        const char *type = json_string_value(json_object_get(s, "type"));
        const char *codec = json_string_value(json_object_get(s, "codec"));
        if (type == NULL || codec == NULL)
            continue;
        if (strcmp(type, "video") == 0 && first_video == NULL &&
            !json_is_true(json_object_get(s, "attached_pic"))) {
            first_video = s;
            *video = codec;
        } else if (strcmp(type, "audio") == 0 && first_audio == NULL) {
            first_audio = s;
            *audio = codec;
        }
    }
    const char *p = json_string_value(
        json_object_get(first_video != NULL ? first_video : first_audio, "profile"));
    if (p != NULL && *p != '\0')
        *profile = p;
}

static const char *
text(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s != NULL ? s : "";
}

int
cs_policy_decide(cs_catalog_t *cat, const char *kind, const char *media_type, json_t *record,
                 json_t **decision)
{
    const char *what = "cannot read the format policy";
    const char *video, *audio, *profile;
    const char *container =
        json_string_value(json_object_get(json_object_get(record, "media"), "container"));
    json_t *rows = NULL, *row, *hit = NULL, *d;
    int64_t version = 1;
    size_t i;
    int err;

    *decision = NULL;
    codecs(record, &video, &audio, &profile);
    if (container == NULL)
        container = "-";
    if (media_type == NULL)
        media_type = "-";
    const char *args[] = {kind};
    if ((err = cs_cat_begin_read(cat, what)) != 0)
        return err;
    err = cs_cat_select_json(cat,
                             "SELECT json_object('key', key, 'name', name, 'puid', puid,"
                             " 'media_type', media_type, 'container', container, 'video', video,"
                             " 'audio', audio, 'profile', profile, 'action', action, 'target',"
                             " target) FROM format_policy WHERE kind = ?1 ORDER BY rank, key",
                             args, 1, &rows, what);
    if (err == 0)
        err = cs_cat_int64(cat, "SELECT max(version) FROM format_policy_versions", NULL, 1,
                           &version, what);
    cs_cat_rollback(cat);
    if (err != 0)
        goto out;
    json_array_foreach(rows, i, row)
    {
        if (matches(text(row, "media_type"), media_type) &&
            matches(text(row, "container"), container) && matches(text(row, "video"), video) &&
            matches(text(row, "audio"), audio) && matches(text(row, "profile"), profile)) {
            hit = row;
            break;
        }
    }
    d = json_pack("{s:o, s:I, s:s, s:o, s:o, s:o, s:{s:s, s:s, s:s, s:s, s:s}}", "policy_row",
                  hit ? json_incref(json_object_get(hit, "key")) : json_null(), "policy_version",
                  (json_int_t)version, "action", hit ? text(hit, "action") : "review", "target",
                  hit ? json_incref(json_object_get(hit, "target")) : json_null(), "name",
                  hit ? json_incref(json_object_get(hit, "name")) : json_string("no row matches"),
                  "puid", hit ? json_incref(json_object_get(hit, "puid")) : json_null(), "format",
                  "media_type", media_type, "container", container, "video", video, "audio", audio,
                  "profile", profile);
    if (d == NULL) {
        err = cs_cat_no_memory(cat, what);
        goto out;
    }
    *decision = d;
out:
    json_decref(rows);
    return err;
}

int
cs_policy_record(cs_catalog_t *cat, const char *sha256, json_t *decision, const char *outcome,
                 const char *reason, const char *actor, int ledger)
{
    const char *what = "cannot record an archival decision";
    char now[CS_TIME_MAX], version[24], *format = NULL;
    int err;

    format = json_dumps(json_object_get(decision, "format"), JSON_COMPACT | JSON_SORT_KEYS);
    if (format == NULL || cs_snprintf(version, sizeof version, "%lld",
                                      (long long)json_integer_value(
                                          json_object_get(decision, "policy_version"))) != 0) {
        free(format);
        return cs_cat_no_memory(cat, what);
    }
    cs_clock_now(now);
    const char *args[] = {sha256,
                          json_string_value(json_object_get(decision, "policy_row")),
                          version,
                          text(decision, "action"),
                          json_string_value(json_object_get(decision, "target")),
                          format,
                          outcome,
                          reason,
                          actor,
                          now};
    if ((err = cs_cat_begin(cat, what)) != 0)
        goto out;
    err =
        cs_cat_run(cat,
                   "INSERT INTO archival_decisions (item_id, policy_key, policy_version, action,"
                   " target, format, outcome, reason, decided_by, decided_at) SELECT id, ?2,"
                   " CAST(?3 AS INTEGER), ?4, ?5, ?6, ?7, ?8, ?9, ?10 FROM items WHERE sha256 = ?1",
                   args, 10, NULL, what);
    if (err == 0 && ledger)
        err = cs_cat_ledger_custody(
            cat, "policy.apply", actor,
            json_pack("{s:s, s:O, s:O, s:s, s:O, s:s, s:s?}", "item", sha256, "policy_row",
                      json_object_get(decision, "policy_row"), "policy_version",
                      json_object_get(decision, "policy_version"), "action",
                      text(decision, "action"), "target", json_object_get(decision, "target"),
                      "outcome", outcome, "reason", reason),
            what);
    err = cs_cat_finish(cat, err, what);
out:
    free(format);
    return err;
}

int
cs_policy_item_decision(cs_catalog_t *cat, const char *sha256, json_t **out)
{
    const char *what = "cannot read an item's archival decision";
    const char *args[] = {sha256};
    json_t *rows = NULL;
    int err = cs_cat_begin_read(cat, what);
    *out = NULL;
    if (err == 0)
        err = cs_cat_select_json(
            cat,
            "SELECT json_object('policy_row', d.policy_key, 'policy_version', d.policy_version,"
            " 'action', d.action, 'target', d.target, 'format', json(d.format), 'outcome',"
            " d.outcome, 'reason', d.reason, 'decided_by', d.decided_by, 'decided_at',"
            " d.decided_at) FROM archival_decisions d JOIN items i ON i.id = d.item_id"
            " WHERE i.sha256 = ?1 ORDER BY d.id DESC LIMIT 1",
            args, 1, &rows, what);
    cs_cat_rollback(cat);
    if (err == 0) {
        json_t *d = json_array_get(rows, 0);
        *out = d != NULL ? json_incref(d) : json_null();
    }
    json_decref(rows);
    return err;
}

static json_t *
targets_json(void)
{
    json_t *list = json_array();
    for (size_t i = 0; list != NULL && i < sizeof targets / sizeof targets[0]; i++)
        json_array_append_new(list, json_pack("{s:s, s:s, s:s}", "name", targets[i].name, "kind",
                                              targets[i].kind, "describe", targets[i].describe));
    return list;
}

int
cs_policy_list(cs_catalog_t *cat, const char *key, json_t **out)
{
    const char *what = "cannot read the format policy";
    const char *args[] = {key};
    json_t *rows = NULL;
    int64_t version = 1;
    int err = cs_cat_begin_read(cat, what);
    *out = NULL;
    if (err == 0)
        err = cs_cat_select_json(
            cat,
            "SELECT json_object('key', key, 'rank', rank, 'kind', kind, 'name', name, 'puid', puid,"
            " 'media_type', media_type, 'container', container, 'video', video, 'audio', audio,"
            " 'profile', profile, 'action', action, 'target', target, 'version', version,"
            " 'updated_by', updated_by,"
            " 'updated_at', updated_at) FROM format_policy WHERE ?1 IS NULL OR key = ?1"
            " ORDER BY rank, key",
            args, 1, &rows, what);
    if (err == 0)
        err = cs_cat_int64(cat, "SELECT max(version) FROM format_policy_versions", NULL, 1,
                           &version, what);
    cs_cat_rollback(cat);
    if (err == 0 && key != NULL && json_array_size(rows) == 0) {
        cs_diag_set("no format policy row \"%s\" (custody policy list)", key);
        err = CS_ENOTFOUND;
    }
    if (err == 0 && (*out = json_pack("{s:I, s:O, s:o}", "version", (json_int_t)version, "rows",
                                      rows, "targets", targets_json())) == NULL)
        err = cs_cat_no_memory(cat, what);
    json_decref(rows);
    return err;
}

/* The action and target fit the row's kind. */
static int
check_set(const char *key, const char *kind, const char *action, const char *target)
{
    const cs_policy_target_t *t = cs_policy_target(target);
    if (strcmp(action, "keep") != 0 && strcmp(action, "normalise") != 0 &&
        strcmp(action, "review") != 0) {
        cs_diag_set("the action \"%s\" is not keep, normalise or review", action);
        return CS_EINVAL;
    }
    if (strcmp(action, "normalise") != 0 && target != NULL) {
        cs_diag_set("only normalise names a target; %s of row %s takes none", action, key);
        return CS_EINVAL;
    }
    if (strcmp(action, "normalise") == 0 && t == NULL) {
        cs_diag_set("normalise needs a --target that Custody can make (custody policy list "
                    "shows them), not \"%s\"",
                    target ? target : "");
        return CS_EINVAL;
    }
    if (t != NULL && strcmp(t->kind, kind) != 0) {
        cs_diag_set("the target %s is for %s, and row %s is %s", t->name, t->kind, key, kind);
        return CS_EINVAL;
    }
    return 0;
}

/* A profile pattern: a comma-separated list of shell patterns, none empty, each one that
 * matches() can hold, printable. */
static int
check_profile(const char *key, const char *profile)
{
    size_t len = strlen(profile);
    for (const char *p = profile; len > 0 && len <= 255;) {
        size_t one = strcspn(p, ",");
        if (one == 0 || one >= 128)
            break;
        p += one;
        if (*p == '\0') {
            for (const char *c = profile; *c != '\0'; c++)
                if ((unsigned char)*c < 0x20 || *c == 0x7f)
                    goto bad;
            return 0;
        }
        p++;
    }
bad:
    cs_diag_set("the profile pattern of row %s must be a comma-separated list of shell patterns "
                "(each 1 to 127 printable characters; \"*\" any, \"-\" none declared), not "
                "\"%.64s\"",
                key, profile);
    return CS_EINVAL;
}

int
cs_policy_set(cs_catalog_t *cat, const char *key, const char *action, const char *target,
              const char *profile, const char *reason, const char *by, int64_t *version)
{
    const char *what = "cannot change the format policy";
    json_t *rows = NULL, *before = NULL, *after = NULL;
    char now[CS_TIME_MAX], v[24];
    int64_t next = 0;
    int err;

    if ((err = cs_cat_begin(cat, what)) != 0)
        return err;
    const char *kargs[] = {key};
    err = cs_cat_select_json(cat,
                             "SELECT json_object('kind', kind, 'action', action, 'target', target,"
                             " 'profile', profile, 'version', version) FROM format_policy"
                             " WHERE key = ?1",
                             kargs, 1, &rows, what);
    if (err == 0 && (before = json_array_get(rows, 0)) == NULL) {
        cs_diag_set("no format policy row \"%s\" (custody policy list)", key);
        err = CS_ENOTFOUND;
    }
    if (err == 0 && action == NULL && target != NULL) {
        cs_diag_set("a target goes with the action normalise: give --action normalise too");
        err = CS_EINVAL;
    }
    if (err == 0 && action == NULL && profile == NULL) {
        cs_diag_set("give row %s an action or a profile pattern to set", key);
        err = CS_EINVAL;
    }
    if (err == 0 && action == NULL) { /* the action and target stay */
        action = text(before, "action");
        target = json_string_value(json_object_get(before, "target"));
    }
    if (err == 0 && profile == NULL)
        profile = text(before, "profile");
    else if (err == 0)
        err = check_profile(key, profile);
    if (err == 0)
        err = check_set(key, text(before, "kind"), action, target);
    if (err == 0)
        err = cs_cat_int64(cat, "SELECT max(version) + 1 FROM format_policy_versions", NULL, 2,
                           &next, what);
    if (err != 0)
        goto out;
    cs_clock_now(now);
    if (cs_snprintf(v, sizeof v, "%lld", (long long)next) != 0 ||
        (after = json_pack("{s:s, s:s?, s:s}", "action", action, "target", target, "profile",
                           profile)) == NULL) {
        err = cs_cat_no_memory(cat, what);
        goto out;
    }
    json_object_del(before, "kind");
    json_object_del(before, "version");
    char *b = json_dumps(before, JSON_COMPACT | JSON_SORT_KEYS);
    char *a = json_dumps(after, JSON_COMPACT | JSON_SORT_KEYS);
    const char *args[] = {key, action, target, v, by, now, b, a, reason, profile};
    if (b == NULL || a == NULL)
        err = cs_cat_no_memory(cat, what);
    if (err == 0)
        err = cs_cat_run(cat,
                         "UPDATE format_policy SET action = ?2, target = ?3, profile = ?10,"
                         " version = CAST(?4 AS INTEGER), updated_by = ?5, updated_at = ?6"
                         " WHERE key = ?1",
                         args, 10, NULL, what);
    if (err == 0)
        err = cs_cat_run(cat,
                         "INSERT INTO format_policy_versions (version, key, before, after, reason,"
                         " set_by, set_at) VALUES (CAST(?4 AS INTEGER), ?1, ?7, ?8, ?9, ?5, ?6)",
                         args, 9, NULL, what);
    free(b);
    free(a);
    if (err == 0)
        err = cs_cat_ledger_custody(cat, "policy.set", by,
                                    json_pack("{s:s, s:O, s:O, s:I, s:s?}", "key", key, "before",
                                              before, "after", after, "version", (json_int_t)next,
                                              "reason", reason),
                                    what);
out:
    err = cs_cat_finish(cat, err, what);
    if (err == 0 && version != NULL)
        *version = next;
    json_decref(rows);
    json_decref(after);
    return err;
}

int
cs_policy_items(cs_catalog_t *cat, const char *case_number, json_t **out)
{
    const char *what = "cannot list the items a policy applies to";
    const char *args[] = {case_number};
    int err = cs_cat_begin_read(cat, what);
    *out = NULL;
    if (err == 0)
        err = cs_cat_select_json(
            cat,
            "SELECT json_object('sha256', i.sha256, 'media_type', i.media_type, 'policy_row',"
            " d.policy_key, 'action', d.action, 'target', d.target) FROM items i"
            " LEFT JOIN archival_decisions d ON d.id = (SELECT max(id) FROM archival_decisions"
            "  WHERE item_id = i.id)"
            " WHERE ?1 IS NULL OR i.id IN (SELECT l.item_id FROM links l JOIN cases c"
            "  ON c.id = l.case_id WHERE c.number = ?1 AND l.superseded_at IS NULL)"
            " ORDER BY i.id",
            args, 1, out, what);
    cs_cat_rollback(cat);
    if (err == 0 && case_number != NULL && json_array_size(*out) == 0) {
        json_decref(*out);
        *out = NULL;
        err = cs_cat_no_case(case_number, NULL);
    }
    return err;
}
