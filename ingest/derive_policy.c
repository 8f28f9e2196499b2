/* ingest/derive_policy.c: the format policy's part in a derivative request (derive.h): the
 * decision on an item, the settings of its target in the worker's request, and recording the
 * decision with what became of the archival copy. */
#include "ingest/derive.h"

#include "core/error.h"
#include "core/log.h"
#include "indexer/policy.h"

#include <string.h>

json_t *
cs_derive_decide(cs_catalog_t *cat, const char *media_type, json_t *record)
{
    const char *kind = cs_derive_kind(media_type, record);
    json_t *decision = NULL;
    if (kind == NULL)
        return NULL;
    if (cs_policy_decide(cat, kind, media_type, record, &decision) != 0) {
        /* Not a reason to hold the item back: it gets the copies of no policy. */
        cs_log(CS_LOG_WARN, "policy.unread", json_pack("{s:s}", "reason", cs_diag()));
        return NULL;
    }
    return decision;
}

int
cs_derive_policy_options(json_t *req, json_t *decision)
{
    json_t *options = json_object_get(req, "options");
    const cs_policy_target_t *t =
        cs_policy_target(json_string_value(json_object_get(decision, "target")));
    if (json_object_set(req, "policy", decision) != 0)
        goto oom;
    if (t == NULL) /* keep or review: no archival copy is asked for */
        return 0;
    if (json_object_set_new(options, "archival_target", json_string(t->archival_target)) != 0 ||
        (t->crf > 0 && json_object_set_new(options, "archival_crf", json_integer(t->crf)) != 0) ||
        (t->preset != NULL &&
         json_object_set_new(options, "archival_preset", json_string(t->preset)) != 0) ||
        (t->audio_kbps > 0 &&
         json_object_set_new(options, "archival_audio_kbps", json_integer(t->audio_kbps)) != 0) ||
        (t->qscale > 0 &&
         json_object_set_new(options, "archival_qscale", json_integer(t->qscale)) != 0))
        goto oom;
    return 0;
oom:
    cs_diag_set("out of memory putting the format policy into a request");
    return CS_ENOMEM;
}

/* The output of `result` for the archival copy, or NULL. */
static json_t *
archival_output(json_t *result)
{
    json_t *o;
    size_t i;
    json_array_foreach(json_object_get(result, "outputs"), i, o)
    {
        const char *p = json_string_value(json_object_get(o, "profile"));
        if (p != NULL && strcmp(p, "archival") == 0)
            return o;
    }
    return NULL;
}

int
cs_derive_record_policy(cs_catalog_t *cat, const char *sha256, json_t *request, json_t *result,
                        const char *actor)
{
    json_t *decision = json_object_get(request, "policy");
    const char *action = json_string_value(json_object_get(decision, "action"));
    const char *outcome = "review", *reason = NULL;
    if (!json_is_object(decision) || action == NULL)
        return 0;
    if (strcmp(action, "keep") == 0) {
        outcome = "kept";
    } else if (strcmp(action, "normalise") == 0) {
        json_t *o = archival_output(result);
        const char *status = json_string_value(json_object_get(o, "status"));
        int ok = status != NULL && strcmp(status, "verified") == 0 &&
                 json_is_string(json_object_get(o, "sha256"));
        outcome = ok ? "verified" : "failed";
        if (!ok)
            reason = o != NULL ? json_string_value(json_object_get(o, "reason"))
                               : "no archival copy was made";
    }
    return cs_policy_record(cat, sha256, decision, outcome, reason, actor,
                            json_is_true(json_object_get(request, "policy_ledger")));
}
