/* indexer/cases.h: a case as a record (issue 21): its kind, procedure, cause, parties (with
 * their kind and ID number), handling officers, dates and status, each change ledgered in
 * the transaction of its rows (case.set, case.status). Who may read the record, and whether
 * the ID numbers are shown, is the gate's (access/rules.c, CS_READ_CASE); who may change it,
 * cs_access_case_editor. */
#ifndef CS_INDEXER_CASES_H
#define CS_INDEXER_CASES_H

#include "indexer/catalog.h"

#include <jansson.h>
#include <stddef.h>

#define CS_CASE_OFFICERS_MAX 16 /* officers named in one change */
#define CS_CASE_CAUSE_MAX 1024  /* bytes of a cause (案由) */
#define CS_CASE_ID_NUMBER_MAX 64

/* The register's columns (case.register_columns), in the default order, NULL-terminated. */
extern const char *const cs_case_register_fields[];

/** The fields of a change; NULL leaves a field as it is. A party's kind and ID number need its
 * name (it is added to the case when new). Dates are YYYY-MM-DD. */
typedef struct cs_case_set {
    const char *kind;      /* penalty|enforcement|licensing|inspection|other */
    const char *procedure; /* general|summary */
    const char *cause;
    const char *filed, *decided, *served, *closed;
    const char *party, *party_kind, *id_number;
    const char *keep_period; /* permanent|long|short: the archive period (保管期限) */
    const char *officers[CS_CASE_OFFICERS_MAX]; /* user names, added */
    size_t nofficers;
} cs_case_set_t;

/** The zh-CN label of a kind, procedure or status slug ("行政处罚", "一般", "调查中"); NULL if
 * none. */
const char *cs_case_label_zh(const char *slug);

/** Changes case `number` (normalised; it must exist: CS_ENOTFOUND) as `s` says, with a
 * `case.set` ledger entry by `by` in the same transaction (the ID number itself is never in
 * the ledger: only that it was set). CS_EINVAL naming the field for a value it cannot take;
 * CS_ENOTFOUND for an unknown or disabled officer. */
int cs_catalog_case_set(cs_catalog_t *cat, const char *number, const cs_case_set_t *s,
                        const char *by);

/** Moves case `number` to status `to`, with a `case.status` entry by `by`: each status to the
 * next (registered → investigating → under_review → decided → served → closed), or from
 * under_review or later back to investigating (a reopening) with a `reason`. CS_EINVAL naming
 * the statuses allowed next; CS_ENOTFOUND for no such case. */
int cs_catalog_case_status(cs_catalog_t *cat, const char *number, const char *to,
                           const char *reason, const char *by);

/** Moves case `number` on to status `to` the way the process goes: step by step forward, each
 * step a cs_catalog_case_status with `reason`; a case past `to` is reopened (back to
 * investigating, with `reason`) and goes forward from there. 0 at once when it is there. For
 * what the legal review does to a case: a submission puts it under review, a decision decides
 * it. */
int cs_catalog_case_advance(cs_catalog_t *cat, const char *number, const char *to,
                            const char *reason, const char *by);

/** Records a refused change of case `number` (`action` "case.set" or "case.status") by `by`
 * (of role `role`) with its `reason`: a custody entry with result "denied", in a transaction
 * of its own. */
int cs_catalog_case_refused(cs_catalog_t *cat, const char *action, const char *number,
                            const char *by, const char *role, const char *reason);

/** *out = the record of case `number` (caller owns it): {case, created_at, kind, kind_zh,
 * procedure, procedure_zh, cause, filed, decided, served, closed, status, status_zh, next,
 * items, keep_period (NULL: retention.default_period), parties: [{name, kind, id_number |
 * id_number_withheld}], officers: [{user, role}], history: [{from, to, reason, by, at}]}. ID
 * numbers only when `personal_data` (the gate's decision). CS_ENOTFOUND for no such case. */
int cs_catalog_case_record(cs_catalog_t *cat, const char *number, int personal_data, json_t **out);

/** *out = the register's rows, one per case by number, {case, kind, procedure, cause,
 * parties, officers, filed, decided, served, closed, status, items} as the register prints
 * them (labels in zh-CN, names joined with 、), with status `status` (NULL: any) filed from
 * `from` to `to` (YYYY-MM-DD, NULL: open). */
int cs_catalog_case_register(cs_catalog_t *cat, const char *status, const char *from,
                             const char *to, json_t **out);

#endif
