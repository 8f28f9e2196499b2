/* indexer/archive.c: the archival reference 档号 of a case, assigned in the transaction of its
 * `case.archive` entry (archive.h). */
#include "indexer/archive.h"

#include "core/buf.h"
#include "core/clock.h"
#include "core/error.h"
#include "indexer/cases.h"
#include "indexer/catalog_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROW_SQL                                                                                    \
    "SELECT json_object('case', c.number, 'reference', a.reference, 'fonds', a.fonds, 'class',"    \
    " a.class, 'year', a.year, 'period', a.period, 'seq', a.seq, 'archived_by', a.archived_by,"    \
    " 'archived_at', a.archived_at) FROM case_archives a JOIN cases c ON c.id = a.case_id"

/* The archive row of case `number`, or NULL (in the caller's transaction). */
static int
row_of(cs_catalog_t *cat, const char *number, json_t **out, const char *what)
{
    const char *args[] = {number};
    json_t *rows = NULL;
    int err = cs_cat_select_json(cat, ROW_SQL " WHERE c.number = ?1", args, 1, &rows, what);
    *out = err == 0 ? json_incref(json_array_get(rows, 0)) : NULL;
    json_decref(rows);
    return err;
}

int
cs_catalog_case_reference(cs_catalog_t *cat, const char *number, json_t **out)
{
    const char *what = "cannot read a case's archival reference";
    int64_t cid = 0;
    int err;
    *out = NULL;
    if ((err = cs_cat_begin_read(cat, what)) != 0)
        return err;
    err = cs_cat_int64(cat, "SELECT id FROM cases WHERE number = ?1", number, 0, &cid, what);
    if (err == 0 && cid == 0) {
        cs_diag_set("no case %s (custody cases)", number);
        err = CS_ENOTFOUND;
    }
    if (err == 0)
        err = row_of(cat, number, out, what);
    cs_cat_rollback(cat);
    return err;
}

int
cs_catalog_case_by_reference(cs_catalog_t *cat, const char *reference, char *number, size_t cap)
{
    const char *what = "cannot find a case by its archival reference";
    const char *args[] = {reference};
    json_t *rows = NULL;
    int err;
    number[0] = '\0';
    if ((err = cs_cat_select_json(cat, ROW_SQL " WHERE a.reference = ?1", args, 1, &rows, what)) !=
        0)
        return err;
    const char *n = json_string_value(json_object_get(json_array_get(rows, 0), "case"));
    if (n == NULL) {
        cs_diag_set("no archived case has the archival reference (档号) %s", reference);
        err = CS_ENOTFOUND;
    } else if (cs_snprintf(number, cap, "%s", n) != 0) {
        err = CS_ENAMETOOLONG;
    }
    json_decref(rows);
    return err;
}

/* The case's status, closed date and keep period, for the archive's checks. */
static int
case_state(cs_catalog_t *cat, const char *number, const char *zone, json_t **state,
           const char *what)
{
    const char *args[] = {number, zone ? zone : ""};
    json_t *rows = NULL;
    int err = cs_cat_select_json(
        cat,
        "SELECT json_object('id', c.id, 'status', c.status, 'closed', coalesce(c.closed_on,"
        " cs_site_date((SELECT max(s.changed_at) FROM case_status s WHERE s.case_id = c.id AND"
        " s.to_status = 'closed'), ?2)), 'keep_period', c.keep_period) FROM cases c"
        " WHERE c.number = ?1",
        args, 2, &rows, what);
    *state = err == 0 ? json_incref(json_array_get(rows, 0)) : NULL;
    json_decref(rows);
    if (err == 0 && *state == NULL) {
        cs_diag_set("no case %s (custody cases)", number);
        err = CS_ENOTFOUND;
    }
    return err;
}

/* The new reference and its row, with the next sequence of its fonds, class, year, period. */
static int
assign(cs_catalog_t *cat, json_t *state, const cs_archive_assign_t *a, const char *period,
       const char *by, const char *now, const char *what)
{
    const char *closed = json_string_value(json_object_get(state, "closed"));
    const char *day = closed != NULL ? closed : a->today;
    char idtext[24], year[8], seqtext[24], ref[CS_ARCHREF_MAX];
    int64_t seq = 0, taken = 0;
    int err;
    if (day == NULL || strlen(day) < 4 || cs_snprintf(year, sizeof year, "%.4s", day) != 0) {
        cs_diag_set("no year to archive in: the case has no closed date and no site date");
        return CS_EINVAL;
    }
    const char *qargs[] = {a->fonds, a->class_, year, period};
    json_t *rows = NULL;
    if ((err = cs_cat_select_json(cat,
                                  "SELECT json_object('n', coalesce(max(seq), 0) + 1) FROM"
                                  " case_archives WHERE fonds = ?1 AND class = ?2 AND"
                                  " year = CAST(?3 AS INTEGER) AND period = ?4",
                                  qargs, 4, &rows, what)) != 0)
        return err;
    seq = json_integer_value(json_object_get(json_array_get(rows, 0), "n"));
    json_decref(rows);
    cs_archref_parts_t parts = {
        .fonds = a->fonds, .class_ = a->class_, .year = atoi(year), .period = period, .seq = seq};
    if ((err = cs_archref_format(a->pattern, &parts, ref, sizeof ref)) != 0)
        return err;
    if ((err = cs_cat_int64(cat, "SELECT count(*) FROM case_archives WHERE reference = ?1", ref, 0,
                            &taken, what)) != 0)
        return err;
    if (taken) {
        cs_diag_set("the archival reference %s is already another case's: "
                    "archive.reference_pattern must keep {fonds}, {class}, {year} and {period} "
                    "apart or the sequence repeats",
                    ref);
        return CS_EEXIST;
    }
    snprintf(idtext, sizeof idtext, "%lld",
             (long long)json_integer_value(json_object_get(state, "id"))); /* fits: 20 digits */
    snprintf(seqtext, sizeof seqtext, "%lld", (long long)seq);             /* fits: 20 digits */
    const char *args[] = {idtext, ref, a->fonds, a->class_, year, period, seqtext, by, now};
    if ((err = cs_cat_run(cat,
                          "INSERT INTO case_archives (case_id, reference, fonds, class, year,"
                          " period, seq, archived_by, archived_at) VALUES (CAST(?1 AS INTEGER),"
                          " ?2, ?3, ?4, CAST(?5 AS INTEGER), ?6, CAST(?7 AS INTEGER), ?8, ?9)",
                          args, 9, NULL, what)) != 0)
        return err;
    return cs_cat_ledger_custody(cat, "case.archive", by,
                                 json_pack("{s:s?, s:s, s:s, s:s, s:i, s:s, s:I}", "case",
                                           json_string_value(json_object_get(state, "number")),
                                           "reference", ref, "fonds", a->fonds, "class", a->class_,
                                           "year", atoi(year), "period", period, "seq",
                                           (json_int_t)seq),
                                 what);
}

int
cs_catalog_case_archive(cs_catalog_t *cat, const char *number, const cs_archive_assign_t *a,
                        const char *by, json_t **out, int *already)
{
    const char *what = "cannot archive a case";
    char now[CS_TIME_MAX];
    json_t *state = NULL;
    int err;
    *out = NULL;
    *already = 0;
    if (a->period != NULL && cs_archref_period_code(a->period) == NULL) {
        cs_diag_set("保管期限 \"%s\" 无效: the archive period is permanent, long or short",
                    a->period);
        return CS_EINVAL;
    }
    cs_clock_now(now);
    if ((err = cs_cat_begin(cat, what)) != 0)
        return err;
    if ((err = case_state(cat, number, a->site_tz, &state, what)) != 0)
        goto out;
    json_object_set_new(state, "number", json_string(number));
    const char *status = json_string_value(json_object_get(state, "status"));
    if (status == NULL || strcmp(status, "closed") != 0) {
        const char *zh = cs_case_label_zh(status);
        cs_diag_set("案件 %s 尚未结案(当前状态: %s),不能归档 / case %s is %s, not closed: only a "
                    "closed case is archived (custody case status %s --to closed)",
                    number, zh ? zh : "-", number, status ? status : "-", number);
        err = CS_EINVAL;
        goto out;
    }
    if ((err = row_of(cat, number, out, what)) != 0 || *out != NULL) {
        const char *was = json_string_value(json_object_get(*out, "period"));
        *already = *out != NULL;
        if (err == 0 && a->period != NULL && was != NULL && strcmp(was, a->period) != 0) {
            cs_diag_set("案件 %s 已归档, 保管期限为 %s / case %s was archived as %s with the "
                        "period %s: its reference and period stay",
                        number, cs_archref_period_zh(was), number,
                        json_string_value(json_object_get(*out, "reference")), was);
            err = CS_EINVAL;
        }
        goto out;
    }
    const char *own = json_string_value(json_object_get(state, "keep_period"));
    const char *period = a->period ? a->period : own ? own : a->default_period;
    if (cs_archref_period_code(period) == NULL) {
        cs_diag_set("no archive period for case %s: give --keep-period", number);
        err = CS_EINVAL;
        goto out;
    }
    /* The archive takes the period given, and it becomes the case's own (retention.c). */
    if (a->period != NULL && (own == NULL || strcmp(own, a->period) != 0)) {
        const char *args[] = {a->period, number};
        if ((err = cs_cat_run(cat, "UPDATE cases SET keep_period = ?1 WHERE number = ?2", args, 2,
                              NULL, what)) != 0 ||
            (err = cs_cat_ledger_custody(
                 cat, "case.set", by,
                 json_pack("{s:s, s:s}", "case", number, "keep_period", a->period), what)) != 0)
            goto out;
    }
    if ((err = assign(cat, state, a, period, by, now, what)) != 0)
        goto out;
    err = row_of(cat, number, out, what);
out:
    err = cs_cat_finish(cat, err, what);
    if (err != 0) {
        json_decref(*out);
        *out = NULL;
    }
    json_decref(state);
    return err;
}
