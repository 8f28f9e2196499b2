/* indexer/archive.h: cases handed to the archives (issue 25, parts 3 and 4): the archival
 * reference 档号 a case gets when it is archived, assigned once in the transaction that
 * ledgers the hand-over (`case.archive`), and found again by case or by reference. Who may
 * archive is cs_access_case_editor (access/); the package is export/archive.c's. */
#ifndef CS_INDEXER_ARCHIVE_H
#define CS_INDEXER_ARCHIVE_H

#include "core/archref.h"
#include "indexer/catalog.h"

#include <jansson.h>

typedef struct cs_archive_assign {
    const char *pattern;        /* archive.reference_pattern */
    const char *fonds, *class_; /* archive.fonds, archive.class */
    const char *period;         /* permanent|long|short given; NULL: the case's own, else
                                 * default_period */
    const char *default_period; /* retention.default_period */
    const char *site_tz;        /* site.tz ("": the system's): the date of the move to closed */
    const char *today; /* the site's date, YYYY-MM-DD: the year when nothing else says one */
} cs_archive_assign_t;

/** Archives case `number` (normalised) for `by`: in one transaction, refuses a case that is
 * not closed (CS_EINVAL, detail in zh-CN and English naming its status), sets its keep period
 * to a->period when given, takes the next sequence of (fonds, class, year, period: the year
 * the case closed, its closed_on or else the site date of its move to closed), renders
 * the reference, writes the case_archives row and the `case.archive` ledger entry (case,
 * reference, fonds, class, year, period, seq). A case archived before keeps its reference:
 * *out is its row and *already 1, and nothing is written (CS_EINVAL when a->period differs
 * from the period it was archived with). *out (caller's) = {case,
 * reference, fonds, class, year, period, seq, archived_by, archived_at}. CS_ENOTFOUND for no
 * such case; CS_EEXIST if the rendered reference is another case's (a pattern changed to one
 * that repeats). */
int cs_catalog_case_archive(cs_catalog_t *cat, const char *number, const cs_archive_assign_t *a,
                            const char *by, json_t **out, int *already);

/** *out = the archive row of case `number` as cs_catalog_case_archive gives it, or NULL when
 * the case was never archived (0 either way; CS_ENOTFOUND for no such case). */
int cs_catalog_case_reference(cs_catalog_t *cat, const char *number, json_t **out);

/** Copies into number[0..cap) the case whose archival reference is exactly `reference`:
 * 0, CS_ENOTFOUND (with a detail) when none has it. */
int cs_catalog_case_by_reference(cs_catalog_t *cat, const char *reference, char *number,
                                 size_t cap);

/* A refused archiving is ledgered by cs_catalog_case_refused (cases.h) as "case.archive". */

#endif
