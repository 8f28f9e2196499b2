/* indexer/public.h: public copies (issue 23, part 1), the catalog's side. A public copy is a
 * derivatives row of profile "public" (made in a media worker from the original behind a
 * redaction spec, or, for a document, the clerk's redacted version attached); its detail has
 * "public": {"source": "made"|"attached", "maker", "maker_user_id", "spec_id", "spec_sha256"}.
 * It counts as publishable only once someone other than its maker approved it. Who may do what
 * is decided by access/public.c (cs_access_public), and nowhere else. */
#ifndef CS_INDEXER_PUBLIC_H
#define CS_INDEXER_PUBLIC_H

#include "indexer/catalog.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define CS_PUBLIC_REGIONS_MAX 32 /* rectangles in one spec */
#define CS_PUBLIC_RANGES_MAX 32  /* whole-picture blurs, and sound ranges, each */
#define CS_PUBLIC_SPEC_MAX 16384 /* bytes of a spec's text (the worker's request is 64 KiB) */

/** Checks the redaction spec `spec` of an item of `kind` ("photo", "video", "audio") whose
 * metadata record is `record` (its picture's size and duration bound the spec):
 *   {"regions": [{"x", "y", "w", "h": integers, in the source's pixels as decoded,
 *                 "start", "end": seconds (video only; both or neither: the whole recording),
 *                 "mode": "blur" | "black"}],
 *    "blur_frames": [{"start", "end"}]        (video only: the whole picture blurred),
 *    "audio": [{"start", "end", "mode": "mute" | "bleep"}]   (video or audio)}
 * at most CS_PUBLIC_REGIONS_MAX regions and CS_PUBLIC_RANGES_MAX ranges of each kind, at least
 * one of them. 0 with *text its canonical text (compact, keys sorted; malloc'd, the caller
 * frees) and sha256 its hash; CS_EINVAL with the detail naming the field ("regions[1].w: ...")
 * and what it may be. */
int cs_public_spec_check(json_t *spec, const char *kind, json_t *record, char **text,
                         char sha256[65]);

/** Stores the checked spec `text` (its hash `sha256`) for item `sha256_item` by `by`, with its
 * "public.spec" ledger entry (item, spec id and hash), in one transaction. *id its row. */
int cs_catalog_public_spec_put(cs_catalog_t *cat, const char *item, const char *text,
                               const char *sha256, const char *by, int64_t *id);

/** *out = the item's latest spec {id, spec (object), sha256, made_by, made_at}, or NULL when it
 * has none (0 either way). CS_ENOTFOUND for an unknown item. */
int cs_catalog_public_spec(cs_catalog_t *cat, const char *item, json_t **out);

/** What the rules weigh of an item's public copy. */
typedef struct cs_public_rows {
    int exists;            /* the item is in the catalog */
    int64_t spec_id;       /* its latest spec (0: none) */
    int64_t copy_id;       /* its current verified public copy (a derivatives row; 0: none) */
    char copy_sha256[65];  /* that copy's object */
    int64_t maker_user_id; /* who made or attached it (0: the operator, or unknown) */
    char maker[128];       /* their name */
    int approved;          /* the copy has its approval */
} cs_public_rows_t;

/** Loads *r for item `item` (normalised 64 hex digits). */
int cs_catalog_public_rows(cs_catalog_t *cat, const char *item, cs_public_rows_t *r);

/** Records the approval of the item's current public copy (the row r->copy_id of
 * cs_catalog_public_rows) by `by` (user id `user_id`, 0: none), with its "public.approve"
 * ledger entry (item, copy, maker, approver), in one transaction. CS_EEXIST when that copy is
 * approved already; CS_ENOTFOUND when it is no longer the current one. */
int cs_catalog_public_approve(cs_catalog_t *cat, const char *item, int64_t copy_id, const char *by,
                              int64_t user_id);

/** Appends the custody entry of an act on a public copy ("public.make", "public.attach") by
 * `by`: the members of `fields` (stolen; NULL: out of memory) with kind, action and actor, in
 * one transaction (a savepoint inside a batch: with the copy's derivatives row). */
int cs_catalog_public_entry(cs_catalog_t *cat, const char *action, const char *by, json_t *fields);

/** Records a refused act on the item's public copy: a custody entry {"action", "item",
 * "actor": by, "role", "result": "denied", "code", "reason", "client"}, synced. */
int cs_catalog_public_refused(cs_catalog_t *cat, const char *action, const char *item,
                              const char *by, const char *role, const char *code,
                              const char *reason, const char *client);

/** *out = the item's public copy state: {"item", "spec": {id, sha256, made_by, made_at} | null,
 * "copy": {sha256, size, media_type, made_by, made_at, source, maker, spec_sha256, approved_by,
 * approved_at | null} | null, "publishable": true when the copy is approved}. */
int cs_catalog_public_show(cs_catalog_t *cat, const char *item, json_t **out);

/** *out = [the state above of every item with a spec or a public copy, of case `case_number`
 * (NULL: all cases)], newest first. */
int cs_catalog_public_list(cs_catalog_t *cat, const char *case_number, json_t **out);

/** The approved public copy of item `item_sha256`: *out = {sha256, size, media_type,
 * approved_by, approved_at} (caller owns it). CS_ENOTFOUND when the item has no current public
 * copy, or it is not approved. For the publication register. */
int cs_public_copy(cs_catalog_t *cat, const char *item_sha256, json_t **out);

#endif
