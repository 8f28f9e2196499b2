/* indexer/cases.c: a case as a record (cases.h): its change, its status, its record and the
 * register's rows. */
#include "indexer/cases.h"

#include "core/buf.h"
#include "core/clock.h"
#include "core/error.h"
#include "indexer/catalog_int.h"

#include <stdio.h>
#include <string.h>

static const char *const kinds[] = {"penalty",    "enforcement", "licensing",
                                    "inspection", "other",       NULL};
static const char *const procedures[] = {"general", "summary", NULL};
static const char *const periods[] = {"permanent", "long", "short", NULL};
static const char *const party_kinds[] = {"person", "organisation", NULL};
static const char *const statuses[] = {
    "registered", "investigating", "under_review", "decided", "served", "closed", NULL};

const char *const cs_case_register_fields[] = {
    "case",    "kind",   "procedure", "cause",  "parties", "officers",  "filed",
    "decided", "served", "closed",    "status", "items",   "reference", NULL};

static const struct {
    const char *slug, *zh;
} labels[] = {
    {"penalty", "行政处罚"},    {"enforcement", "行政强制"}, {"licensing", "行政许可"},
    {"inspection", "行政检查"}, {"other", "其他"},           {"general", "一般"},
    {"summary", "简易"},        {"person", "自然人"},        {"organisation", "组织"},
    {"registered", "已登记"},   {"investigating", "调查中"}, {"under_review", "法制审核中"},
    {"decided", "已决定"},      {"served", "已送达"},        {"closed", "已结案"},
};

const char *
cs_case_label_zh(const char *slug)
{
    for (size_t i = 0; slug != NULL && i < sizeof labels / sizeof labels[0]; i++)
        if (strcmp(labels[i].slug, slug) == 0)
            return labels[i].zh;
    return NULL;
}

static int
one_of(const char *const *words, const char *v)
{
    for (size_t i = 0; words[i] != NULL; i++)
        if (strcmp(words[i], v) == 0)
            return (int)i;
    return -1;
}

/* "a|b|c" of a word list, for error details. */
static void
join(const char *const *words, const char *sep, char *buf, size_t size)
{
    buf[0] = '\0';
    for (size_t i = 0; words[i] != NULL; i++)
        cs_snprintf_cut(buf + strlen(buf), size - strlen(buf), "%s%s", i ? sep : "", words[i]);
}

static int
check_word(const char *field, const char *const *words, const char *v)
{
    char list[160];
    if (v == NULL || one_of(words, v) >= 0)
        return 0;
    join(words, "|", list, sizeof list);
    cs_diag_set("%s \"%s\" is not one of %s", field, v, list);
    return CS_EINVAL;
}

static int
check_date(const char *field, const char *v)
{
    int y, m, d, n = 0;
    if (v == NULL || (strlen(v) == 10 && sscanf(v, "%4d-%2d-%2d%n", &y, &m, &d, &n) == 3 &&
                      n == 10 && m >= 1 && m <= 12 && d >= 1 && d <= 31))
        return 0;
    cs_diag_set("%s \"%s\" is not a date: give YYYY-MM-DD", field, v);
    return CS_EINVAL;
}

static int
check_set(const cs_case_set_t *s)
{
    int err;
    if ((err = check_word("kind", kinds, s->kind)) != 0 ||
        (err = check_word("procedure", procedures, s->procedure)) != 0 ||
        (err = check_word("party kind", party_kinds, s->party_kind)) != 0 ||
        (err = check_word("archive period", periods, s->keep_period)) != 0 ||
        (err = check_date("filed", s->filed)) != 0 ||
        (err = check_date("decided", s->decided)) != 0 ||
        (err = check_date("served", s->served)) != 0 ||
        (err = check_date("closed", s->closed)) != 0)
        return err;
    if ((s->party_kind || s->id_number) && s->party == NULL) {
        cs_diag_set("a party's kind or ID number needs the party's name (--party NAME)");
        return CS_EINVAL;
    }
    if (s->cause != NULL && strlen(s->cause) >= CS_CASE_CAUSE_MAX) {
        cs_diag_set("the cause is %zu bytes long; at most %d", strlen(s->cause),
                    CS_CASE_CAUSE_MAX - 1);
        return CS_ENAMETOOLONG;
    }
    if (s->id_number != NULL &&
        (s->id_number[0] == '\0' || strlen(s->id_number) >= CS_CASE_ID_NUMBER_MAX)) {
        cs_diag_set("an ID number is 1 to %d bytes long", CS_CASE_ID_NUMBER_MAX - 1);
        return CS_EINVAL;
    }
    if (s->nofficers > CS_CASE_OFFICERS_MAX) {
        cs_diag_set("at most %d officers at once", CS_CASE_OFFICERS_MAX);
        return CS_EINVAL;
    }
    return 0;
}

/* The officers, by name, into the case's rows and the entry's list. */
static int
add_officers(cs_catalog_t *cat, sqlite3_int64 case_id, const cs_case_set_t *s, const char *by,
             const char *now, json_t *list, const char *what)
{
    char idtext[24];
    int err = 0, changes = 0;
    snprintf(idtext, sizeof idtext, "%lld", (long long)case_id); /* fits: 20 digits */
    for (size_t i = 0; err == 0 && i < s->nofficers; i++) {
        const char *args[] = {idtext, s->officers[i], by, now};
        err = cs_cat_run(cat,
                         "INSERT INTO case_officers (case_id, user_id, added_by, added_at)"
                         " SELECT CAST(?1 AS INTEGER), u.id, ?3, ?4 FROM users u"
                         " WHERE u.name = ?2 AND u.disabled_at IS NULL"
                         " ON CONFLICT (case_id, user_id) DO NOTHING",
                         args, 4, &changes, what);
        if (err == 0 && changes == 0) {
            int64_t n = 0;
            err = cs_cat_int64(cat,
                               "SELECT count(*) FROM users WHERE name = ?1 AND disabled_at IS NULL",
                               s->officers[i], 0, &n, what);
            if (err == 0 && n == 0) {
                cs_diag_set("no enabled user named %s to be an officer (custody user list)",
                            s->officers[i]);
                err = CS_ENOTFOUND;
            }
        }
        if (err == 0)
            json_array_append_new(list, json_string(s->officers[i]));
    }
    return err;
}

/* The party's kind and ID number (the party added when new). */
static int
set_party(cs_catalog_t *cat, sqlite3_int64 case_id, const cs_case_set_t *s, const char *now,
          const char *what)
{
    sqlite3_int64 pid = 0;
    char idtext[24];
    int err = cs_cat_upsert_party(cat, case_id, s->party, now, &pid, what);
    snprintf(idtext, sizeof idtext, "%lld", (long long)pid); /* fits: 20 digits */
    const char *args[] = {idtext, s->party_kind, s->id_number};
    if (err == 0)
        err = cs_cat_run(cat,
                         "UPDATE parties SET kind = coalesce(?2, kind),"
                         " id_number = coalesce(?3, id_number) WHERE id = CAST(?1 AS INTEGER)",
                         args, 3, NULL, what);
    return err;
}

int
cs_catalog_case_set(cs_catalog_t *cat, const char *number, const cs_case_set_t *s, const char *by)
{
    const char *what = "cannot change a case's record";
    char now[CS_TIME_MAX], idtext[24];
    sqlite3_int64 case_id = 0;
    json_t *fields = NULL, *officers = NULL;
    int err;
    if ((err = check_set(s)) != 0)
        return err;
    cs_clock_now(now);
    fields = json_pack("{s:s, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:b, s:s?}",
                       "case", number, "kind", s->kind, "procedure", s->procedure, "cause",
                       s->cause, "filed", s->filed, "decided", s->decided, "served", s->served,
                       "closed", s->closed, "party", s->party, "party_kind", s->party_kind,
                       "id_number_set", s->id_number != NULL, "keep_period", s->keep_period);
    officers = json_array();
    if (fields == NULL || officers == NULL) {
        json_decref(fields);
        json_decref(officers);
        return cs_cat_no_memory(cat, what);
    }
    if ((err = cs_cat_begin(cat, what)) != 0)
        goto done;
    int64_t cid = 0;
    if ((err = cs_cat_int64(cat, "SELECT id FROM cases WHERE number = ?1", number, 0, &cid,
                            what)) != 0)
        goto out;
    if ((case_id = cid) == 0) {
        cs_diag_set("no case %s: a case is registered when a file first names it (custody "
                    "cases)",
                    number);
        err = CS_ENOTFOUND;
        goto out;
    }
    snprintf(idtext, sizeof idtext, "%lld", (long long)case_id); /* fits: 20 digits */
    const char *args[] = {idtext,     s->kind,   s->procedure, s->cause,      s->filed,
                          s->decided, s->served, s->closed,    s->keep_period};
    err = cs_cat_run(cat,
                     "UPDATE cases SET kind = coalesce(?2, kind),"
                     " procedure = coalesce(?3, procedure), cause = coalesce(?4, cause),"
                     " filed_on = coalesce(?5, filed_on), decided_on = coalesce(?6, decided_on),"
                     " served_on = coalesce(?7, served_on), closed_on = coalesce(?8, closed_on),"
                     " keep_period = coalesce(?9, keep_period) WHERE id = CAST(?1 AS INTEGER)",
                     args, 9, NULL, what);
    if (err == 0 && s->party != NULL)
        err = set_party(cat, case_id, s, now, what);
    if (err == 0)
        err = add_officers(cat, case_id, s, by, now, officers, what);
    if (err == 0 && json_array_size(officers) > 0)
        json_object_set(fields, "officers", officers);
    if (err == 0) {
        err = cs_cat_ledger_custody(cat, "case.set", by, fields, what);
        fields = NULL; /* stolen */
    }
out:
    err = cs_cat_finish(cat, err, what);
done:
    json_decref(fields);
    json_decref(officers);
    return err;
}

/* The statuses `from` may go to: the next, and back to investigating from under_review on. */
static void
next_of(int from, const char **next, size_t *n)
{
    *n = 0;
    if (from >= 0 && statuses[from + 1] != NULL)
        next[(*n)++] = statuses[from + 1];
    if (from >= 2)
        next[(*n)++] = "investigating";
}

static json_t *
next_json(const char *status)
{
    const char *next[2];
    size_t n;
    json_t *a = json_array();
    next_of(one_of(statuses, status), next, &n);
    for (size_t i = 0; a != NULL && i < n; i++)
        json_array_append_new(a, json_string(next[i]));
    return a;
}

int
cs_catalog_case_advance(cs_catalog_t *cat, const char *number, const char *to, const char *reason,
                        const char *by)
{
    const char *what = "cannot move a case's status";
    int target = one_of(statuses, to), err = 0;
    if (target < 0)
        return CS_EINVAL;
    /* At most: a reopening, then every step forward. */
    for (int steps = 0; steps <= (int)(sizeof statuses / sizeof statuses[0]); steps++) {
        json_t *rows = NULL;
        const char *args[] = {number};
        if ((err = cs_cat_select_json(cat,
                                      "SELECT json_object('s', status) FROM cases"
                                      " WHERE number = ?1",
                                      args, 1, &rows, what)) != 0)
            return err;
        const char *now = json_string_value(json_object_get(json_array_get(rows, 0), "s"));
        int at = now != NULL ? one_of(statuses, now) : -1;
        json_decref(rows);
        if (at < 0) {
            cs_diag_set("no case %s (custody cases)", number);
            return CS_ENOTFOUND;
        }
        if (at == target)
            return 0;
        if ((err = cs_catalog_case_status(
                 cat, number, at < target ? statuses[at + 1] : "investigating", reason, by)) != 0)
            return err;
    }
    return CS_EINVAL; /* not reached: every status leads to every other */
}

int
cs_catalog_case_status(cs_catalog_t *cat, const char *number, const char *to, const char *reason,
                       const char *by)
{
    const char *what = "cannot change a case's status";
    const char *next[2];
    char now[CS_TIME_MAX], from[32] = "";
    json_t *rows = NULL;
    size_t n = 0;
    int err, ok = 0;
    if ((err = check_word("status", statuses, to)) != 0)
        return err;
    cs_clock_now(now);
    if ((err = cs_cat_begin(cat, what)) != 0)
        return err;
    const char *args[] = {number};
    err = cs_cat_select_json(cat, "SELECT json_object('s', status) FROM cases WHERE number = ?1",
                             args, 1, &rows, what);
    if (err == 0 && json_array_size(rows) == 0) {
        cs_diag_set("no case %s (custody cases)", number);
        err = CS_ENOTFOUND;
    }
    if (err != 0)
        goto out;
    snprintf(from, sizeof from, "%s",
             json_string_value(json_object_get(json_array_get(rows, 0), "s"))); /* fits: ours */
    next_of(one_of(statuses, from), next, &n);
    for (size_t i = 0; i < n; i++)
        ok |= strcmp(next[i], to) == 0;
    int reopen = ok && one_of(statuses, to) < one_of(statuses, from);
    if (!ok) {
        char list[96] = "";
        for (size_t i = 0; i < n; i++)
            cs_snprintf_cut(list + strlen(list), sizeof list - strlen(list), "%s%s",
                            i ? " or " : "", next[i]);
        cs_diag_set("case %s is %s: it may go to %s, not to %s%s", number, from,
                    n ? list : "no other status", to,
                    n > 1 ? " (back to investigating reopens it, with --reason)" : "");
        err = CS_EINVAL;
        goto out;
    }
    if (reopen && (reason == NULL || reason[0] == '\0')) {
        cs_diag_set("reopening case %s (%s back to investigating) needs a reason (--reason TEXT)",
                    number, from);
        err = CS_EINVAL;
        goto out;
    }
    const char *up[] = {number, to, from, reason, by, now};
    err = cs_cat_run(cat, "UPDATE cases SET status = ?2 WHERE number = ?1", up, 2, NULL, what);
    if (err == 0)
        err = cs_cat_run(cat,
                         "INSERT INTO case_status (case_id, from_status, to_status, reason,"
                         " changed_by, changed_at)"
                         " SELECT id, ?3, ?2, ?4, ?5, ?6 FROM cases WHERE number = ?1",
                         up, 6, NULL, what);
    if (err == 0)
        err = cs_cat_ledger_custody(cat, "case.status", by,
                                    json_pack("{s:s, s:s, s:s, s:s?, s:b}", "case", number, "from",
                                              from, "to", to, "reason", reason, "reopen", reopen),
                                    what);
out:
    json_decref(rows);
    return cs_cat_finish(cat, err, what);
}

int
cs_catalog_case_refused(cs_catalog_t *cat, const char *action, const char *number, const char *by,
                        const char *role, const char *reason)
{
    const char *what = "cannot record a refused change of a case";
    int err = cs_cat_begin(cat, what);
    if (err != 0)
        return err;
    err = cs_cat_ledger_custody(cat, action, by,
                                json_pack("{s:s, s:s?, s:s, s:s}", "case", number, "role", role,
                                          "result", "denied", "reason", reason),
                                what);
    return cs_cat_finish(cat, err, what);
}

/* Adds `key`'s zh-CN label beside it as key_zh. */
static void
label(json_t *o, const char *key)
{
    char k[32];
    const char *zh = cs_case_label_zh(json_string_value(json_object_get(o, key)));
    snprintf(k, sizeof k, "%s_zh", key); /* fits: our short keys */
    json_object_set_new(o, k, zh ? json_string(zh) : json_null());
}

int
cs_catalog_case_record(cs_catalog_t *cat, const char *number, int personal_data, json_t **out)
{
    const char *what = "cannot read a case's record";
    const char *args[] = {number, personal_data ? "1" : NULL};
    json_t *rows = NULL, *rec = NULL, *list = NULL;
    int err;
    *out = NULL;
    if ((err = cs_cat_begin_read(cat, what)) != 0)
        return err;
    err = cs_cat_select_json(
        cat,
        "SELECT json_object('case', c.number, 'created_at', c.created_at, 'kind', c.kind,"
        " 'procedure', c.procedure, 'cause', c.cause, 'filed', c.filed_on, 'decided',"
        " c.decided_on, 'served', c.served_on, 'closed', c.closed_on, 'status', c.status,"
        " 'keep_period', c.keep_period,"
        " 'reference', (SELECT a.reference FROM case_archives a WHERE a.case_id = c.id),"
        " 'items', (SELECT count(DISTINCT l.item_id) FROM links l WHERE l.case_id = c.id AND"
        " l.superseded_at IS NULL)) FROM cases c WHERE c.number = ?1",
        args, 1, &rows, what);
    if (err == 0 && json_array_size(rows) == 0) {
        cs_diag_set("no case %s (custody cases)", number);
        err = CS_ENOTFOUND;
    }
    if (err != 0)
        goto out;
    rec = json_incref(json_array_get(rows, 0));
    label(rec, "kind"), label(rec, "procedure"), label(rec, "status");
    json_object_set_new(rec, "next", next_json(json_string_value(json_object_get(rec, "status"))));
    /* The ID number is selected only when the gate said so: never withheld after reading. */
    if ((err = cs_cat_select_json(
             cat,
             "SELECT json_object('name', p.name, 'kind', p.kind, 'id_number', CASE WHEN ?2 IS NOT"
             " NULL THEN p.id_number END, 'id_number_withheld', json(CASE WHEN ?2 IS NULL AND"
             " p.id_number IS NOT NULL THEN 'true' ELSE 'false' END)) FROM parties p JOIN cases c"
             " ON c.id = p.case_id WHERE c.number = ?1 ORDER BY p.name",
             args, 2, &list, what)) != 0)
        goto out;
    json_object_set_new(rec, "parties", list);
    if ((err = cs_cat_select_json(cat,
                                  "SELECT json_object('user', u.name, 'role', u.role, 'added_at',"
                                  " o.added_at) FROM case_officers o JOIN users u ON u.id ="
                                  " o.user_id JOIN cases c ON c.id = o.case_id WHERE c.number ="
                                  " ?1 ORDER BY u.name",
                                  args, 1, &list, what)) != 0)
        goto out;
    json_object_set_new(rec, "officers", list);
    if ((err = cs_cat_select_json(cat,
                                  "SELECT json_object('from', s.from_status, 'to', s.to_status,"
                                  " 'reason', s.reason, 'by', s.changed_by, 'at', s.changed_at)"
                                  " FROM case_status s JOIN cases c ON c.id = s.case_id WHERE"
                                  " c.number = ?1 ORDER BY s.id",
                                  args, 1, &list, what)) != 0)
        goto out;
    json_object_set_new(rec, "history", list);
    *out = rec;
    rec = NULL;
out:
    cs_cat_rollback(cat);
    json_decref(rec);
    json_decref(rows);
    return err;
}

int
cs_catalog_case_register(cs_catalog_t *cat, const char *status, const char *from, const char *to,
                         json_t **out)
{
    const char *what = "cannot read the case register";
    const char *args[] = {status, from, to};
    json_t *rows = NULL, *v;
    size_t i;
    int err;
    *out = NULL;
    if ((err = check_word("status", statuses, status)) != 0 ||
        (err = check_date("from", from)) != 0 || (err = check_date("to", to)) != 0)
        return err;
    if ((err = cs_cat_begin_read(cat, what)) != 0)
        return err;
    err = cs_cat_select_json(
        cat,
        "SELECT json_object('case', c.number, 'kind', c.kind, 'procedure', c.procedure, 'cause',"
        " c.cause, 'parties', (SELECT group_concat(name, '、') FROM (SELECT p.name FROM parties"
        " p WHERE p.case_id = c.id ORDER BY p.name)), 'officers', (SELECT group_concat(name,"
        " '、') FROM (SELECT u.name FROM case_officers o JOIN users u ON u.id = o.user_id WHERE"
        " o.case_id = c.id ORDER BY u.name)), 'filed', c.filed_on, 'decided', c.decided_on,"
        " 'served', c.served_on, 'closed', c.closed_on, 'status', c.status, 'items', (SELECT"
        " count(DISTINCT l.item_id) FROM links l WHERE l.case_id = c.id AND l.superseded_at IS"
        " NULL), 'reference', (SELECT a.reference FROM case_archives a WHERE a.case_id = c.id))"
        " FROM cases c WHERE (?1 IS NULL OR c.status = ?1) AND (?2 IS NULL OR"
        " c.filed_on >= ?2) AND (?3 IS NULL OR c.filed_on <= ?3) ORDER BY c.number",
        args, 3, &rows, what);
    cs_cat_rollback(cat);
    if (err != 0)
        return err;
    json_array_foreach(rows, i, v)
    {
        label(v, "kind"), label(v, "procedure"), label(v, "status");
    }
    *out = rows;
    return 0;
}
