/* access/public.h: who may make and approve public copies (issue 23, part 1), decided here and
 * nowhere else, over plain structs like the gate (access.h); the CLI and the API both ask it:
 * - an item classified state_secret never gets a public copy, a spec, or an approval
 *   (涉及国家秘密的信息依法不得公开);
 * - one classified commercial_secret or privacy gets a public copy only from a redaction spec
 *   (作适当处理后公开), photos included (a photo's spec names the rectangles to black out);
 * - photos, video and audio are made by the worker (`public make`), documents never: their
 *   public copy is the clerk's redacted version (`public attach`);
 * - clerks, the legal section, admins and the operator write specs, make and attach copies;
 *   the legal section and admins approve them (a named user: never the operator), and never
 *   the copy they made or attached themselves.
 * Each refusal has a code, an English and a Chinese text, and is ledgered by the caller
 * (public_gate.c) before it is answered. */
#ifndef CS_ACCESS_PUBLIC_H
#define CS_ACCESS_PUBLIC_H

#include "access/access.h"
#include "indexer/catalog.h"
#include "indexer/public.h"

#include <jansson.h>
#include <stdint.h>

typedef enum {
    CS_PUBLIC_SPEC,    /* store a redaction spec */
    CS_PUBLIC_MAKE,    /* have the worker make the public copy */
    CS_PUBLIC_ATTACH,  /* store the clerk's redacted document as the public copy */
    CS_PUBLIC_APPROVE, /* approve the current public copy */
} cs_public_act_t;

/** What the rule weighs of an item. */
typedef struct cs_public_state {
    const char *item;      /* its SHA-256 */
    int exists;            /* the item is in the catalog */
    int level;             /* its classification rank (the policy's default when none) */
    const char *kind;      /* "photo", "video", "audio", "document", or NULL (cs_public_kind) */
    int has_spec;          /* it has a redaction spec */
    int has_copy;          /* it has a current verified public copy */
    int64_t maker_user_id; /* that copy's maker (0: the operator) */
    const char *maker;     /* their name */
    int approved;          /* that copy is approved */
} cs_public_state_t;

/** The kind of an item of `media_type` (sniffed) whose metadata record is `record` (may be
 * NULL): "document" for a PDF, "photo", "video" (a picture stream that is not an attached
 * picture), "audio", or NULL. */
const char *cs_public_kind(const char *media_type, json_t *record);

/** Decides whether `who` may `act` on the item of `st`: 0 with dec filled (allowed, or the
 * refusal's deny, status, reason and reason_zh). */
int cs_access_public(const cs_access_who_t *who, const cs_public_state_t *st, cs_public_act_t act,
                     cs_access_decision_t *dec);

/** The ledger action of an act: "public.spec", "public.make", "public.attach",
 * "public.approve". */
const char *cs_access_public_action(cs_public_act_t act);

/** The rule over the catalog: loads what it weighs of item `item` (normalised) for `who` into
 * *st and *rows (st's strings point into rows and `kind_buf`), decides `act`, and appends a
 * refusal's entry ({"kind": "custody", "action", "item", "actor", "role", "result": "denied",
 * "code", "reason", "client"}) with a synced commit (*seq 1 when one was appended) before
 * returning. 0 with dec set; a CS_E* code when the rows could not be read or the refusal not
 * ledgered (dec->allowed is then 0). */
int cs_access_public_decide(cs_catalog_t *cat, const cs_access_policy_t *pol,
                            const cs_access_who_t *who, const char *item, cs_public_act_t act,
                            const char *client, cs_public_state_t *st, cs_public_rows_t *rows,
                            cs_access_decision_t *dec, int64_t *seq);

#endif
