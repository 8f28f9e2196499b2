/* indexer/retention.c: an item's retention (retention.h): one SQL text states the rules over
 * a set of items (one item, a case's items, or every item for the disposal plan), and
 * `word` says the answer in a code and an English sentence. */
#include "indexer/retention.h"

#include "core/buf.h"
#include "core/clock.h"
#include "core/error.h"
#include "indexer/catalog_int.h"

#include <stdio.h>
#include <string.h>

void
cs_cat_sql_site_date(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    const char *t, *zone;
    int64_t ms;
    char out[11];
    (void)argc;
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL)
        return;
    t = (const char *)sqlite3_value_text(argv[0]);
    zone = (const char *)sqlite3_value_text(argv[1]);
    if (t == NULL || cs_clock_parse(t, &ms) != 0)
        return; /* NULL: no instant */
    cs_clock_site_date(cs_clock_site_zone(zone), ms, out);
    sqlite3_result_text(ctx, out, -1, SQLITE_TRANSIENT);
}

/* Parameters of every statement below: ?1 the filter's argument, ?2 retention.default_period,
 * ?3 retention.long_years, ?4 retention.short_years, ?5 retention.non_evidence_days, ?6 today
 * at the site, ?7 site.tz, ?8 the limit. */
#define PERIOD_SQL "coalesce(c.keep_period, ?2)"
/* The day case c was closed: closed_on, else the day of its move to closed. */
#define CLOSED_SQL                                                                                 \
    "coalesce(c.closed_on, cs_site_date((SELECT max(s.changed_at) FROM case_status s"              \
    " WHERE s.case_id = c.id AND s.to_status = 'closed'), ?7), cs_site_date(c.created_at, ?7))"
#define UNTIL_SQL                                                                                  \
    "CASE " PERIOD_SQL " WHEN 'permanent' THEN '9999-12-31' ELSE date(" CLOSED_SQL ", '+' ||"      \
    " CASE " PERIOD_SQL " WHEN 'long' THEN ?3 ELSE ?4 END || ' years') END"
#define HELD_ITEM_SQL                                                                              \
    "EXISTS (SELECT 1 FROM holds h WHERE h.item_id = i.id AND h.released_at IS NULL)"

/* The facts of the items `where` selects (alias i), in one pass over their active links
 * grouped by item (`having` filters the groups), their class and keep-until, and whether they
 * are due; `tail` filters and orders the result (alias u). */
#define RETENTION_SQL(where, having, tail)                                                         \
    "WITH f AS (SELECT i.id, i.sha256, i.size, i.media_type,"                                      \
    " coalesce(max(c.status <> 'closed'), 0) AS open,"                                             \
    " (" HELD_ITEM_SQL " OR coalesce(max(EXISTS (SELECT 1 FROM holds h WHERE h.case_id = c.id"     \
    " AND h.released_at IS NULL)), 0)) AS held,"                                                   \
    " r.class AS explicit, count(c.id) AS ncases,"                                                 \
    " max(CASE WHEN c.id IS NOT NULL THEN " UNTIL_SQL " END) AS case_until,"                       \
    " max(CASE WHEN c.id IS NOT NULL THEN " CLOSED_SQL " END) AS case_closed,"                     \
    " coalesce(cs_site_date(x.captured_utc, ?7), date(x.sort_time), cs_site_date(i.created_at,"    \
    " ?7)) AS captured_on"                                                                         \
    " FROM items i LEFT JOIN item_index x ON x.item_id = i.id"                                     \
    " LEFT JOIN retention_classes r ON r.item_id = i.id AND r.superseded_at IS NULL"               \
    " LEFT JOIN links l ON l.item_id = i.id AND l.superseded_at IS NULL"                           \
    " LEFT JOIN cases c ON c.id = l.case_id WHERE " where " GROUP BY i.id " having "),"            \
    " k AS (SELECT f.*, CASE WHEN open AND explicit = 'permanent' THEN 'permanent'"                \
    " WHEN open THEN 'evidence' WHEN explicit IS NOT NULL THEN explicit"                           \
    " WHEN ncases > 0 THEN 'evidence' ELSE 'non_evidence' END AS klass FROM f),"                   \
    " u AS (SELECT k.*, CASE WHEN open OR klass = 'permanent' THEN NULL"                           \
    " WHEN klass = 'evidence' THEN CASE WHEN ncases = 0 OR case_until = '9999-12-31' THEN NULL"    \
    " ELSE case_until END ELSE date(captured_on, '+' || ?5 || ' days') END AS keep_until FROM k)"  \
    " SELECT sha256, size, media_type, klass, keep_until, open, held, explicit IS NOT NULL,"       \
    " ncases, case_until, case_closed, captured_on,"                                               \
    " (NOT held AND keep_until IS NOT NULL AND keep_until < ?6) AS due,"                           \
    " (SELECT json_group_array(c.number) FROM (SELECT c.number FROM links l JOIN cases c ON"       \
    " c.id = l.case_id WHERE l.item_id = u.id AND l.superseded_at IS NULL ORDER BY c.number) c)"   \
    " FROM u " tail

enum {
    COL_SHA,
    COL_SIZE,
    COL_TYPE,
    COL_CLASS,
    COL_UNTIL,
    COL_OPEN,
    COL_HELD,
    COL_EXPLICIT,
    COL_NCASES,
    COL_CASE_UNTIL,
    COL_CASE_CLOSED,
    COL_CAPTURED,
    COL_DUE,
    COL_CASES
};

static const char item_sql[] = RETENTION_SQL("i.sha256 = ?1", "", "");
static const char case_sql[] =
    RETENTION_SQL("i.id IN (SELECT l.item_id FROM links l JOIN cases c ON c.id = l.case_id"
                  " WHERE c.number = ?1 AND l.superseded_at IS NULL)",
                  "", "ORDER BY sha256");
/* The plan leaves out what an open case or a hold keeps before it asks anything else. */
static const char plan_sql[] =
    RETENTION_SQL("?1 IS NULL AND NOT " HELD_ITEM_SQL, "HAVING NOT open AND NOT held",
                  "WHERE due ORDER BY keep_until, sha256 LIMIT ?8");

static const char *
col(sqlite3_stmt *st, int c)
{
    const char *s = (const char *)sqlite3_column_text(st, c);
    return s ? s : "";
}

/* The row's answer, worded: its code and sentence. */
static void
word(sqlite3_stmt *st, const cs_config_t *cfg, cs_retention_t *r)
{
    const char *until = col(st, COL_UNTIL);
    memset(r, 0, sizeof *r);
    snprintf(r->klass, sizeof r->klass, "%s", col(st, COL_CLASS)); /* fits: our words */
    snprintf(r->keep_until, sizeof r->keep_until, "%.10s", until);
    r->held = sqlite3_column_int(st, COL_HELD);
    r->due = sqlite3_column_int(st, COL_DUE);
    r->open_case = sqlite3_column_int(st, COL_OPEN);
    r->explicit_class = sqlite3_column_int(st, COL_EXPLICIT);
    const char *k = r->klass, *by = r->explicit_class ? " (set by an admin)" : "";
    int evidence = strcmp(k, "evidence") == 0;
#define SAY(code, ...)                                                                             \
    (snprintf(r->reason_code, sizeof r->reason_code, "%s", code),                                  \
     cs_snprintf_cut(r->reason, sizeof r->reason, __VA_ARGS__))
    if (r->open_case) {
        SAY("open-case", "%s%s: linked to a case that is not closed, so kept with the case file", k,
            by);
    } else if (strcmp(k, "permanent") == 0) {
        SAY("permanent", "%s%s: never disposed of", k, by);
    } else if (evidence && sqlite3_column_int(st, COL_NCASES) == 0) {
        SAY("evidence-unlinked",
            "%s%s, linked to no case: kept until a case it is linked to ends its period", k, by);
    } else if (evidence && until[0] == '\0') {
        SAY("case-permanent",
            "%s%s of a closed case whose archive period is permanent: never disposed of", k, by);
    } else if (evidence) {
        snprintf(r->since, sizeof r->since, "%.10s", col(st, COL_CASE_CLOSED));
        SAY(r->due ? "case-period-ended" : "case-period",
            "%s%s of closed cases (the latest closed on %s): kept until %s, the end of its archive "
            "period",
            k, by, r->since, r->keep_until);
    } else {
        snprintf(r->since, sizeof r->since, "%.10s", col(st, COL_CAPTURED));
        SAY(r->due ? "non-evidence-ended" : "non-evidence",
            "%s%s: kept %d days from its capture on %s, until %s", k, by,
            cfg->retention_non_evidence_days, r->since, r->keep_until);
    }
#undef SAY
    if (r->held) {
        char base[CS_RETENTION_REASON_MAX];
        snprintf(base, sizeof base, "%s", r->reason);
        snprintf(r->reason_code, sizeof r->reason_code, "held");
        cs_snprintf_cut(r->reason, sizeof r->reason,
                        "held (custody hold list): never disposed of while held; else %s", base);
    }
}

/* Prepares one of the statements above with the rules of cfg at now_ms. */
static int
prepare(cs_catalog_t *cat, const cs_config_t *cfg, const char *sql, const char *arg, int64_t now_ms,
        int limit, sqlite3_stmt **st, const char *what)
{
    char today[11];
    int rc = cs_cat_prepare(cat, sql, st, what);
    if (rc < 0)
        return rc;
    cs_clock_site_date(cs_clock_site_zone(cfg->site_tz), now_ms, today);
    sqlite3_bind_text(*st, 1, arg, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(*st, 2, cs_config_periods[cfg->retention_default_period], -1, SQLITE_STATIC);
    sqlite3_bind_int(*st, 3, cfg->retention_long_years);
    sqlite3_bind_int(*st, 4, cfg->retention_short_years);
    sqlite3_bind_int(*st, 5, cfg->retention_non_evidence_days);
    sqlite3_bind_text(*st, 6, today, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(*st, 7, cfg->site_tz, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(*st, 8, limit);
    return 0;
}

int
cs_retention_item(cs_catalog_t *cat, const cs_config_t *cfg, const char *sha256, int64_t now_ms,
                  cs_retention_t *out)
{
    const char *what = "cannot read an item's retention";
    sqlite3_stmt *st = NULL;
    char sha[65];
    int rc;
    memset(out, 0, sizeof(*out));
    if ((rc = cs_cat_sha256_norm(sha256, sha)) != 0)
        return rc;
    if ((rc = prepare(cat, cfg, item_sql, sha, now_ms, 1, &st, what)) != 0)
        return rc;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        word(st, cfg, out);
        rc = 0;
    } else if (rc == SQLITE_DONE) {
        cs_diag_set("no item %s in the catalog", sha);
        rc = CS_ENOTFOUND;
    } else {
        rc = cs_cat_err(cat, rc, what);
    }
    cs_cat_finalize(cat, st);
    return rc;
}

json_t *
cs_retention_json(const cs_retention_t *r)
{
    return json_pack("{s:s, s:s?, s:b, s:b, s:s, s:s, s:b, s:b, s:s?}", "class", r->klass,
                     "keep_until", r->keep_until[0] ? r->keep_until : NULL, "held", r->held, "due",
                     r->due, "reason_code", r->reason_code, "reason", r->reason, "open_case",
                     r->open_case, "explicit", r->explicit_class, "since",
                     r->since[0] ? r->since : NULL);
}

/* Appends each row of st: the plan's fields, or (`brief`) a case's item's. */
static int
collect(cs_catalog_t *cat, const cs_config_t *cfg, sqlite3_stmt *st, int plan, json_t *list,
        const char *what)
{
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        cs_retention_t r;
        json_t *o;
        word(st, cfg, &r);
        o = cs_retention_json(&r);
        if (o == NULL || json_object_set_new(o, "sha256", json_string(col(st, COL_SHA))) != 0) {
            json_decref(o);
            return cs_cat_no_memory(cat, what);
        }
        if (plan) {
            json_object_set_new(o, "size", json_integer(sqlite3_column_int64(st, COL_SIZE)));
            json_object_set_new(o, "media_type", json_string(col(st, COL_TYPE)));
            json_object_set_new(o, "cases", json_loads(col(st, COL_CASES), 0, NULL));
            if (!json_is_array(json_object_get(o, "cases")))
                json_object_set_new(o, "cases", json_array());
        }
        if (json_array_append_new(list, o) != 0)
            return cs_cat_no_memory(cat, what);
    }
    return step == SQLITE_DONE ? 0 : cs_cat_err(cat, step, what);
}

int
cs_retention_plan(cs_catalog_t *cat, const cs_config_t *cfg, int64_t now_ms, int limit,
                  json_t **out)
{
    const char *what = "cannot make the disposal plan";
    sqlite3_stmt *st = NULL;
    json_t *list = json_array();
    int rc;
    *out = NULL;
    if (list == NULL)
        return cs_cat_no_memory(cat, what);
    if ((rc = prepare(cat, cfg, plan_sql, NULL, now_ms, limit, &st, what)) == 0)
        rc = collect(cat, cfg, st, 1, list, what);
    cs_cat_finalize(cat, st);
    if (rc < 0) {
        json_decref(list);
        return rc;
    }
    *out = list;
    return 0;
}

int
cs_retention_case(cs_catalog_t *cat, const cs_config_t *cfg, const char *number, int64_t now_ms,
                  json_t **out)
{
    const char *what = "cannot read a case's retention";
    char years[2][16];
    sqlite3_stmt *st = NULL;
    json_t *rows = NULL, *items = NULL, *rec = NULL;
    int rc;
    *out = NULL;
    snprintf(years[0], sizeof years[0], "%d", cfg->retention_long_years);  /* fits: an int */
    snprintf(years[1], sizeof years[1], "%d", cfg->retention_short_years); /* fits: an int */
    const char *cargs[] = {number,      cs_config_periods[cfg->retention_default_period],
                           years[0],    years[1],
                           NULL,        NULL,
                           cfg->site_tz};
    if ((rc = cs_cat_begin_read(cat, what)) != 0)
        return rc;
    rc = cs_cat_select_json(
        cat,
        "SELECT json_object('case', c.number, 'status', c.status, 'keep_period', " PERIOD_SQL
        ", 'keep_period_set', json(CASE WHEN c.keep_period IS NULL THEN 'false' ELSE 'true'"
        " END), 'closed', CASE WHEN c.status = 'closed' THEN " CLOSED_SQL " END,"
        " 'keep_until', CASE WHEN c.status = 'closed' AND " PERIOD_SQL
        " <> 'permanent' THEN " UNTIL_SQL
        " END, 'held', json(CASE WHEN EXISTS (SELECT 1 FROM holds h WHERE h.case_id ="
        " c.id AND h.released_at IS NULL) THEN 'true' ELSE 'false' END)) FROM cases c"
        " WHERE c.number = ?1",
        cargs, 7, &rows, what);
    if (rc == 0 && json_array_size(rows) == 0) {
        cs_diag_set("no case %s (custody cases)", number);
        rc = CS_ENOTFOUND;
    }
    if (rc != 0)
        goto out;
    rec = json_incref(json_array_get(rows, 0));
    if ((items = json_array()) == NULL) {
        rc = cs_cat_no_memory(cat, what);
        goto out;
    }
    if ((rc = prepare(cat, cfg, case_sql, number, now_ms, 0, &st, what)) == 0)
        rc = collect(cat, cfg, st, 0, items, what);
    if (rc == 0 && json_object_set(rec, "items", items) == 0) {
        *out = rec;
        rec = NULL;
    } else if (rc == 0) {
        rc = cs_cat_no_memory(cat, what);
    }
out:
    cs_cat_finalize(cat, st);
    cs_cat_rollback(cat);
    json_decref(items);
    json_decref(rows);
    json_decref(rec);
    return rc;
}
