/* ingest/derive.h: derivatives of one stored original, from the service's side: which
 * profiles it gets (from its metadata record and transcode.profiles), the "transcode" request
 * a `custody-worker` runs (media/transcode.h), then storing what the worker wrote and
 * recording every profile asked for, verified or failed with its reason. Shared by the
 * service, `custody ingest` and `custody retranscode`. */
#ifndef CS_INGEST_DERIVE_H
#define CS_INGEST_DERIVE_H

#include "core/config.h"
#include "core/reason.h"
#include "indexer/catalog.h"
#include "storage/store.h"

#include <jansson.h>

/** "video", "audio" or "photo" for an item of `media_type` (sniffed) whose metadata record is
 * `record` (borrowed; may be NULL); NULL when it gets no derivatives. */
const char *cs_derive_kind(const char *media_type, json_t *record);

/* The transcode.* settings a request carries, as a plain value: filled once where the
 * configuration is loaded (the service's start and reload, the CLI's commands). */
typedef struct cs_derive_opts {
    const char *profiles;      /* transcode.profiles: comma-separated (borrowed) */
    const char *access_preset; /* transcode.access_preset, by name (static) */
    int threads;               /* transcode.threads: 0 = one per core */
    int archival_slices;       /* transcode.archival_slices */
    int access_crf;            /* transcode.access_crf */
    int access_max_lines;      /* transcode.access_max_lines */
    int access_audio_kbps;     /* transcode.access_audio_kbps */
    int preview_px;            /* transcode.preview_px */
    int thumbnail_px;          /* transcode.thumbnail_px */
    int jpeg_quality;          /* transcode.jpeg_quality */
} cs_derive_opts_t;

/** The transcode.* fields of `cfg` as a cs_derive_opts_t (profiles borrowed from cfg). */
cs_derive_opts_t cs_derive_opts_of(const cs_config_t *cfg);

/** The request fields for the worker's "transcode" step for the object at `obj_path`
 * (`sha256`, `media_type`, record as above), writing into `out_dir`: a new object, or NULL
 * when nothing is to be made (no kind, or no wanted profile; `only` (may be NULL) limits it
 * to one profile). *recording (may be NULL) is set to 1 for video and audio (long steps, for
 * the transcode workers), 0 for photos. */
json_t *cs_derive_request(const cs_derive_opts_t *opts, const char *out_dir, const char *obj_path,
                          const char *sha256, const char *media_type, json_t *record,
                          const char *only, int *recording);

/** As cs_derive_request, under the format policy's `decision` (cs_derive_decide; NULL: the
 * default of no policy, an FFV1/FLAC archival copy of every recording): "keep" and "review"
 * make no archival copy; "normalise" makes one of the decision's target (a photo's too). The
 * request carries the decision ("policy") when it covers the archival copy, for
 * cs_derive_commit to record. */
json_t *cs_derive_request_decided(const cs_derive_opts_t *opts, const char *out_dir,
                                  const char *obj_path, const char *sha256, const char *media_type,
                                  json_t *record, json_t *decision, const char *only,
                                  int *recording);

/** The format policy's decision (indexer/policy.h) on an item (`media_type`, metadata
 * `record`), a new object; NULL when it gets no derivatives or the policy cannot be read (the
 * reason logged). The caller holds the catalog. */
json_t *cs_derive_decide(cs_catalog_t *cat, const char *media_type, json_t *record);

/** Puts `decision` into `req` ("policy") and the settings of its target into req's options.
 * Returns 0 or CS_ENOMEM. */
int cs_derive_policy_options(json_t *req, json_t *decision);

/** Records the decision a request carries ("policy") for item `sha256` after its copies were
 * committed: kept, review, or the archival copy's outcome in `result`. Called by
 * cs_derive_commit. Returns 0 or a negative CS_E*. */
int cs_derive_record_policy(cs_catalog_t *cat, const char *sha256, json_t *request, json_t *result,
                            const char *actor);

/** Stores every verified output file of a worker's `result` (borrowed; may be NULL) as an
 * object (hashed, then linked in: out_dir is on the store's file system), adding "sha256" and
 * "size" to its record, and removes every output file. An output that cannot be stored
 * becomes failed with the reason. Returns 0, or CS_ENOSPC / CS_EIO when the store cannot take
 * anything (nothing is recorded then; the files are removed). Blocking: not on the loop. */
int cs_derive_store(cs_store_t *store, json_t *result);

/** Takes back the objects cs_derive_store made for `result` when what would record them
 * failed (cs_derive_store itself, or the commit): each one no row of `cat` names is removed,
 * so no copy is left that the catalog never mentions. The caller holds the catalog. */
void cs_derive_unstore(cs_store_t *store, cs_catalog_t *cat, json_t *result);

/** Records every profile of `request` for item `sha256` in one transaction: the stored
 * outputs of `result` as verified or failed, and each profile with no output as failed with
 * `failure` (the worker failed as a whole: its code and params go with it) or "no copy was
 * made" (no-copy). A copy the worker failed is copy-failed, with its profile; one that could not
 * be stored copy-unopenable or copy-unstored. *failed (may be NULL) is set to the number of
 * failed profiles. */
int cs_derive_commit(cs_catalog_t *cat, const char *sha256, json_t *request, json_t *result,
                     const cs_reason_t *failure, const char *actor, int *failed);

/** Removes leftovers of interrupted transcodes from out_dir (each a partial output that no
 * catalog row names). Returns the number removed. */
int cs_derive_clean(const char *out_dir);

#endif
