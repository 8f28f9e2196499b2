/* indexer/publications.h: the publication register (行政执法公示, issue 23). A decision of a
 * case is registered for publication with its kind (penalty: due within 7 working days of the
 * decision, other: within 20); it is published (version 1) with exactly what goes out (the
 * public copies' hashes), corrected (a new version with its reason; the old one's record
 * stays), or withdrawn (revoked, confirmed illegal, to be remade). Each step is a ledger entry
 * in the transaction of its row. Whether a user may do it is cs_access_case_editor's
 * (access/access.h); the due date and status are worked out when the register is read, from
 * the home's holiday calendar (core/workdays.h), so a calendar brought up to date counts at
 * once. */
#ifndef CS_INDEXER_PUBLICATIONS_H
#define CS_INDEXER_PUBLICATIONS_H

#include "core/tz.h"
#include "core/workdays.h"
#include "indexer/catalog.h"

#include <jansson.h>
#include <stdint.h>

#define CS_PUBLISH_PENALTY_DAYS 7 /* working days from the decision: penalty decisions */
#define CS_PUBLISH_OTHER_DAYS 20  /* other decisions */

/** Registers decision `decision` of case `case_number` (normalised) for publication as `kind`
 * (penalty or other): `decision` is the decision's number or a prefix (8 or more hex digits)
 * of its document's SHA-256. Its decision date is the site date (`tz`) of when it was
 * recorded. *id (may be NULL) is the publication's number. Ledgered as publish.register by
 * `by`. CS_EINVAL for another kind; CS_ENOTFOUND for no such case or decision; CS_EAMBIGUOUS
 * for a prefix of several; CS_EEXIST when that decision is registered already. */
int cs_catalog_publication_add(cs_catalog_t *cat, const char *case_number, const char *decision,
                               const char *kind, const cs_tz_t *tz, const char *by, int64_t *id);

/** Publishes publication `id`: version 1 when `reason` is NULL (CS_EEXIST if it has one
 * already: correct it instead), else the next version, a correction for `reason` (CS_EINVAL
 * when nothing was published yet). `content` (borrowed) is what goes out, as the caller
 * checked it. *version (may be NULL) is the version made. Ledgered as publish.release or
 * publish.correct with the content's hash. CS_ENOTFOUND for no such publication; CS_EINVAL
 * for a withdrawn one. */
int cs_catalog_publication_release(cs_catalog_t *cat, int64_t id, json_t *content,
                                   const char *reason, const cs_tz_t *tz, const char *by,
                                   int *version);

/** *out = what publishing publication `id` would send out: {decision: {item, public}, items:
 * [{item, public}]}, the approved public copy (indexer/public.h cs_public_copy) of its
 * decision's document and of each of the `nwith` items `with` names (hashes or prefixes).
 * CS_ENOTFOUND naming the first that has none (nothing else is ever published). */
int cs_catalog_publication_content(cs_catalog_t *cat, int64_t id, const char *const *with,
                                   size_t nwith, json_t **out);

/** Withdraws publication `id` (撤下) for `category` (revoked, illegal, remade) and `reason`.
 * Ledgered as publish.withdraw. CS_EEXIST when withdrawn already; CS_EINVAL for another
 * category or no reason; CS_ENOTFOUND for no such publication. */
int cs_catalog_publication_withdraw(cs_catalog_t *cat, int64_t id, const char *category,
                                    const char *reason, const cs_tz_t *tz, const char *by);

/** *out = [{id, case, decision, decision_sha256, decision_kind, kind, decided_on,
 * registered_by, registered_at, versions, published_on, last_published_on, withdrawn: {...} or
 * null}], of case `case_number` (NULL: all) or the one publication `id` (0: all), newest
 * first. */
int cs_catalog_publications(cs_catalog_t *cat, const char *case_number, int64_t id, json_t **out);

/** *out = [{version, content, reason, published_by, published_at, published_on}] of
 * publication `id`, oldest first. */
int cs_catalog_publication_versions(cs_catalog_t *cat, int64_t id, json_t **out);

/** Adds to each row of cs_catalog_publications its due_on, due_provisional (the calendar
 * lacks a year counted), status (due, overdue, published, corrected, withdrawn) and late (1
 * when first published after due_on) as of site date `today`. */
int cs_publications_judge(json_t *rows, const cs_workdays_t *cal, const char *today);

/** The register as it reads today: *out = {today (the site's date at `tz`), calendar (which
 * holiday calendar counted: cs_workdays_home under `home_root`), publications: the rows of
 * cs_catalog_publications (`case_number`, NULL: all) judged by cs_publications_judge, only
 * those in `status` when not NULL}. *calendar_failed (may be NULL) is 1 when the error is the
 * calendar's (unreadable or malformed: its detail names the file). */
int cs_publications_register(cs_catalog_t *cat, const char *home_root, const cs_tz_t *tz,
                             const char *case_number, const char *status, json_t **out,
                             int *calendar_failed);

/** Copies the case number of publication `id` into number (size bytes). CS_ENOTFOUND with a
 * detail for no such publication. */
int cs_catalog_publication_case(cs_catalog_t *cat, int64_t id, char *number, size_t size);

#endif
