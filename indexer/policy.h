/* indexer/policy.h: the format policy (schema_policy.c): which archival copy each source
 * format gets. A row per format as the worker identifies it (sniffed media type, libavformat
 * demuxer, first video and audio codec, codec profile), each with an action: "keep" (the original
 * is an accepted archival format: no second archival copy), "normalise" to a named target, or
 * "review" (no archival copy is made; the item is flagged for an archivist). Admins change a
 * row (`custody policy set`, PUT /v1/policy/KEY): each change is a new policy version and a
 * ledger entry (policy.set). Every archival decision is recorded with the row and version
 * that made it (archival_decisions), and shown with the item. */
#ifndef CS_INDEXER_POLICY_H
#define CS_INDEXER_POLICY_H

#include "indexer/catalog.h"

#include <jansson.h>

/* A target a normalising row may name: what the worker makes (transcode.h's archival_target
 * and its settings). */
typedef struct cs_policy_target {
    const char *name;            /* "h264-high-mp4" */
    const char *kind;            /* "video", "audio" or "photo" */
    const char *archival_target; /* transcode.h: "h264", "ffv1", "jpeg" */
    int crf, audio_kbps, qscale;
    const char *preset;
    const char *describe; /* one line for lists */
} cs_policy_target_t;

/** The target named `name`, or NULL. */
const cs_policy_target_t *cs_policy_target(const char *name);

/** *decision = a new object: the policy's decision on an item of derive kind `kind` ("video",
 * "audio", "photo"; ingest/derive.h), sniffed `media_type`, metadata `record` (borrowed; may
 * be NULL): {"policy_row": key | null, "policy_version": N, "action", "target" | null, "name",
 * "puid" | null, "format": {"media_type", "container", "video", "audio", "profile"}}: the
 * profile is the first video stream's, else the first audio stream's ("-": none declared;
 * schema_policy.c). No row matching:
 * action "review", policy_row null. Returns 0 or a negative CS_E*. */
int cs_policy_decide(cs_catalog_t *cat, const char *kind, const char *media_type, json_t *record,
                     json_t **decision);

/** Records `decision` for item `sha256` with its `outcome` ("kept", "verified", "failed",
 * "review") and `reason` (may be NULL), by `actor`; `ledger`: also a policy.apply ledger entry
 * (a changed policy applied by `custody retranscode`). Returns 0 or a negative CS_E*. */
int cs_policy_record(cs_catalog_t *cat, const char *sha256, json_t *decision, const char *outcome,
                     const char *reason, const char *actor, int ledger);

/** *out = the item's latest archival decision as recorded ({"policy_row", "policy_version",
 * "action", "target", "format", "outcome", "reason", "decided_by", "decided_at"}), or JSON
 * null when it has none. */
int cs_policy_item_decision(cs_catalog_t *cat, const char *sha256, json_t **out);

/** *out = {"version": N, "rows": [{key, rank, kind, name, puid, media_type, container, video,
 * audio, profile, action, target, version, updated_by, updated_at}], "targets": [{name, kind,
 * describe}]}; `key` (may be NULL) limits the rows to one (CS_ENOTFOUND when there is none). */
int cs_policy_list(cs_catalog_t *cat, const char *key, json_t **out);

/** Sets row `key`'s action and target (NULL unless normalising, to a target of the row's
 * kind; action NULL: both stay as they are) and its `profile` pattern (NULL: it stays) as a
 * new policy version, with `reason` (may be NULL), by `by`, ledgered policy.set ({key,
 * before, after, version, reason}; before and after are {action, target, profile}) in the
 * same transaction. *version (may be NULL) gets the new version. CS_ENOTFOUND (no such row),
 * CS_EINVAL (an action, target or profile pattern that does not fit, or neither an action nor
 * a profile; cs_diag says which). */
int cs_policy_set(cs_catalog_t *cat, const char *key, const char *action, const char *target,
                  const char *profile, const char *reason, const char *by, int64_t *version);

/** *out = [{"sha256", "media_type"}] of the items linked to `case_number` (NULL: every item),
 * with their latest decision's "policy_row", "action" and "target" (null when none). */
int cs_policy_items(cs_catalog_t *cat, const char *case_number, json_t **out);

#endif
