/* indexer/publications.c: the publication register (publications.h). */
#include "indexer/publications.h"

#include "core/buf.h"
#include "core/clock.h"
#include "core/error.h"
#include "indexer/catalog_int.h"
#include "indexer/public.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The site date of now. */
static void
today(const cs_tz_t *tz, char out[11])
{
    cs_clock_site_date(tz, cs_clock_now_ms(), out);
}

/* 1 if `s` is all digits (a decision's number), 0 if 8..64 lower-case hex digits (a prefix of
 * its document's hash), -1 otherwise. */
static int
decision_ref(const char *s)
{
    size_t n = strlen(s), digits = strspn(s, "0123456789"), hex = strspn(s, "0123456789abcdef");
    if (n > 0 && digits == n && n <= 18)
        return 1;
    return n >= 8 && n <= 64 && hex == n ? 0 : -1;
}

int
cs_catalog_publication_add(cs_catalog_t *cat, const char *case_number, const char *decision,
                           const char *kind, const cs_tz_t *tz, const char *by, int64_t *id)
{
    const char *what = "cannot register a publication";
    char decided_on[11], at[CS_TIME_MAX], now[CS_TIME_MAX], pattern[80], did[24];
    sqlite3_stmt *st = NULL;
    int err, ref = decision_ref(decision != NULL ? decision : ""), rows = 0, rc;
    int64_t dec = 0, ms;
    if (kind == NULL || (strcmp(kind, "penalty") != 0 && strcmp(kind, "other") != 0)) {
        cs_diag_set("a publication's kind is penalty (due in %d working days) or other (%d)",
                    CS_PUBLISH_PENALTY_DAYS, CS_PUBLISH_OTHER_DAYS);
        return CS_EINVAL;
    }
    if (ref < 0) {
        cs_diag_set("name the decision by its number or by 8 or more hex digits of its "
                    "document's SHA-256 (custody publications, custody case show)");
        return CS_EINVAL;
    }
    snprintf(pattern, sizeof pattern, "%s*", decision); /* fits: 64 hex digits at most */
    if ((err = cs_cat_begin(cat, what)) != 0)
        return err;
    err = cs_cat_prepare(cat,
                         "SELECT d.id, d.decided_at FROM decisions d"
                         " JOIN cases c ON c.id = d.case_id JOIN items i ON i.id = d.item_id"
                         " WHERE c.number = ?1 AND CASE WHEN ?3 THEN d.id = CAST(?2 AS INTEGER)"
                         " ELSE i.sha256 GLOB ?4 END",
                         &st, what);
    if (err != 0)
        goto out;
    sqlite3_bind_text(st, 1, case_number, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, decision, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, ref);
    sqlite3_bind_text(st, 4, pattern, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (rows++ == 0) {
            dec = sqlite3_column_int64(st, 0);
            err = cs_cat_column_copy(st, 1, at, sizeof at, "decided_at");
        }
    }
    if (rc != SQLITE_DONE)
        err = cs_cat_err(cat, rc, what);
    cs_cat_finalize(cat, st);
    if (err != 0)
        goto out;
    if (rows == 0) {
        cs_diag_set("case %s has no decision %s (custody case show %s)", case_number, decision,
                    case_number);
        err = CS_ENOTFOUND;
    } else if (rows > 1) {
        cs_diag_set("%s names several decisions of case %s: give more digits", decision,
                    case_number);
        err = CS_EAMBIGUOUS;
    }
    if (err != 0)
        goto out;
    if ((err = cs_clock_parse(at, &ms)) != 0)
        goto out;
    cs_clock_site_date(tz, ms, decided_on);
    cs_clock_now(now);
    snprintf(did, sizeof did, "%lld", (long long)dec);
    int changes = 0;
    const char *args[] = {did, kind, decided_on, by, now};
    err = cs_cat_run(cat,
                     "INSERT INTO publications (case_id, decision_id, kind, decided_on,"
                     " registered_by, registered_at)"
                     " SELECT d.case_id, d.id, ?2, ?3, ?4, ?5 FROM decisions d"
                     " WHERE d.id = CAST(?1 AS INTEGER)"
                     " AND NOT EXISTS (SELECT 1 FROM publications p WHERE p.decision_id = d.id)",
                     args, 5, &changes, what);
    if (err == 0 && changes == 0) {
        cs_diag_set("decision %lld of case %s is registered for publication already "
                    "(custody publications --case)",
                    (long long)dec, case_number);
        err = CS_EEXIST;
    }
    int64_t pid = sqlite3_last_insert_rowid(cat->db);
    if (err == 0)
        err = cs_cat_ledger_custody(cat, "publish.register", by,
                                    json_pack("{s:I, s:s, s:I, s:s, s:s, s:s}", "publication",
                                              (json_int_t)pid, "case", case_number, "decision",
                                              (json_int_t)dec, "kind", kind, "decided_on",
                                              decided_on, "result", "allowed"),
                                    what);
    if (err == 0 && id != NULL)
        *id = pid;
out:
    return cs_cat_finish(cat, err, what);
}

/* The publication's case, its versions so far and whether it is withdrawn. */
static int
pub_state(cs_catalog_t *cat, int64_t id, char *case_number, size_t size, int *versions,
          int *withdrawn, const char *what)
{
    sqlite3_stmt *st = NULL;
    int err = cs_cat_prepare(cat,
                             "SELECT c.number,"
                             " (SELECT count(*) FROM publication_versions v"
                             "  WHERE v.publication_id = p.id),"
                             " EXISTS (SELECT 1 FROM publication_withdrawals w"
                             "  WHERE w.publication_id = p.id)"
                             " FROM publications p JOIN cases c ON c.id = p.case_id"
                             " WHERE p.id = ?1",
                             &st, what),
        rc;
    if (err != 0)
        return err;
    sqlite3_bind_int64(st, 1, id);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        err = cs_cat_column_copy(st, 0, case_number, size, "case");
        *versions = sqlite3_column_int(st, 1);
        *withdrawn = sqlite3_column_int(st, 2);
    } else if (rc == SQLITE_DONE) {
        cs_diag_set("no publication %lld (custody publications)", (long long)id);
        err = CS_ENOTFOUND;
    } else {
        err = cs_cat_err(cat, rc, what);
    }
    cs_cat_finalize(cat, st);
    return err;
}

/* The hex SHA-256 of the compact, key-sorted text of `j`. */
static int
json_sha256(json_t *j, char out[65])
{
    unsigned char md[32];
    unsigned int n = 0;
    char *text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    int ok;
    if (text == NULL)
        return CS_ENOMEM;
    ok = EVP_Digest(text, strlen(text), md, &n, EVP_sha256(), NULL) == 1 && n == 32;
    free(text);
    if (!ok)
        return CS_ECRYPTO;
    cs_hex(md, 32, out);
    return 0;
}

/* What a version publishes must be the publication's own: content.decision.item its decision's
 * document, each of content.items[].item evidence of its case (an active link). */
static int
content_belongs(cs_catalog_t *cat, int64_t id, json_t *content, const char *what)
{
    const char *doc =
        json_string_value(json_object_get(json_object_get(content, "decision"), "item"));
    json_t *items = json_object_get(content, "items");
    sqlite3_stmt *st = NULL;
    size_t i;
    int err;
    if (doc == NULL || !json_is_array(items)) {
        cs_diag_set("a publication's content names its decision's document and its items");
        return CS_EINVAL;
    }
    if ((err = cs_cat_prepare(cat,
                              "SELECT EXISTS (SELECT 1 FROM publications p JOIN decisions d ON"
                              " d.id = p.decision_id JOIN items i ON i.id = d.item_id"
                              " WHERE p.id = ?1 AND i.sha256 = ?2),"
                              " EXISTS (SELECT 1 FROM publications p JOIN links l ON l.case_id ="
                              " p.case_id AND l.superseded_at IS NULL JOIN items i ON i.id ="
                              " l.item_id WHERE p.id = ?1 AND i.sha256 = ?2)",
                              &st, what)) != 0)
        return err;
    for (i = 0; err == 0 && i <= json_array_size(items); i++) {
        const char *sha =
            i == 0 ? doc : json_string_value(json_object_get(json_array_get(items, i - 1), "item"));
        int rc;
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_text(st, 2, sha != NULL ? sha : "", -1, SQLITE_STATIC);
        if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
            err = cs_cat_err(cat, rc, what);
            break;
        }
        if (sqlite3_column_int(st, i == 0 ? 0 : 1) == 0) {
            cs_diag_set(i == 0 ? "%.12s is not the document of publication %lld's decision"
                               : "item %.12s is not evidence of publication %lld's case",
                        sha != NULL ? sha : "", (long long)id);
            err = CS_EINVAL;
        }
    }
    cs_cat_finalize(cat, st);
    return err;
}

int
cs_catalog_publication_release(cs_catalog_t *cat, int64_t id, json_t *content, const char *reason,
                               const cs_tz_t *tz, const char *by, int *version)
{
    const char *what = reason == NULL ? "cannot publish" : "cannot correct a publication";
    char number[256], now[CS_TIME_MAX], on[11], pid[24], ver[16], sum[65];
    char *text = NULL;
    int err, versions = 0, withdrawn = 0;
    if (reason != NULL && reason[0] == '\0') {
        cs_diag_set("a correction states its reason (--reason TEXT)");
        return CS_EINVAL;
    }
    if ((err = json_sha256(content, sum)) != 0)
        return err;
    if ((text = json_dumps(content, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
        return CS_ENOMEM;
    if ((err = cs_cat_begin(cat, what)) != 0)
        goto done;
    if ((err = pub_state(cat, id, number, sizeof number, &versions, &withdrawn, what)) != 0)
        goto out;
    if (withdrawn) {
        cs_diag_set("publication %lld was withdrawn: register the remade decision anew",
                    (long long)id);
        err = CS_EINVAL;
    } else if (reason == NULL && versions > 0) {
        cs_diag_set("publication %lld is published already: correct it (custody publish "
                    "correct %lld --reason TEXT)",
                    (long long)id, (long long)id);
        err = CS_EEXIST;
    } else if (reason != NULL && versions == 0) {
        cs_diag_set("publication %lld is not published yet: publish it first (custody publish "
                    "release %lld)",
                    (long long)id, (long long)id);
        err = CS_EINVAL;
    }
    if (err == 0)
        err = content_belongs(cat, id, content, what);
    if (err != 0)
        goto out;
    cs_clock_now(now);
    today(tz, on);
    snprintf(pid, sizeof pid, "%lld", (long long)id);
    snprintf(ver, sizeof ver, "%d", versions + 1);
    const char *args[] = {pid, ver, text, reason, by, now, on};
    err = cs_cat_run(cat,
                     "INSERT INTO publication_versions (publication_id, version, content, reason,"
                     " published_by, published_at, published_on)"
                     " VALUES (CAST(?1 AS INTEGER), CAST(?2 AS INTEGER), ?3, ?4, ?5, ?6, ?7)",
                     args, 7, NULL, what);
    if (err == 0)
        err = cs_cat_ledger_custody(cat, reason == NULL ? "publish.release" : "publish.correct", by,
                                    json_pack("{s:I, s:s, s:i, s:s, s:s?, s:s}", "publication",
                                              (json_int_t)id, "case", number, "version",
                                              versions + 1, "content_sha256", sum, "reason", reason,
                                              "result", "allowed"),
                                    what);
    if (err == 0 && version != NULL)
        *version = versions + 1;
out:
    err = cs_cat_finish(cat, err, what);
done:
    free(text);
    return err;
}

int
cs_catalog_publication_withdraw(cs_catalog_t *cat, int64_t id, const char *category,
                                const char *reason, const cs_tz_t *tz, const char *by)
{
    const char *what = "cannot withdraw a publication";
    char number[256], now[CS_TIME_MAX], on[11], pid[24];
    int err, versions = 0, withdrawn = 0;
    if (category == NULL || (strcmp(category, "revoked") != 0 && strcmp(category, "illegal") != 0 &&
                             strcmp(category, "remade") != 0)) {
        cs_diag_set("a withdrawal's category is revoked (撤销), illegal (确认违法) or remade "
                    "(责令重新作出)");
        return CS_EINVAL;
    }
    if (reason == NULL || reason[0] == '\0') {
        cs_diag_set("a withdrawal states its reason (--reason TEXT)");
        return CS_EINVAL;
    }
    if ((err = cs_cat_begin(cat, what)) != 0)
        return err;
    if ((err = pub_state(cat, id, number, sizeof number, &versions, &withdrawn, what)) != 0)
        goto out;
    if (withdrawn) {
        cs_diag_set("publication %lld is withdrawn already", (long long)id);
        err = CS_EEXIST;
        goto out;
    }
    cs_clock_now(now);
    today(tz, on);
    snprintf(pid, sizeof pid, "%lld", (long long)id);
    const char *args[] = {pid, category, reason, by, now, on};
    err = cs_cat_run(cat,
                     "INSERT INTO publication_withdrawals (publication_id, category, reason,"
                     " withdrawn_by, withdrawn_at, withdrawn_on)"
                     " VALUES (CAST(?1 AS INTEGER), ?2, ?3, ?4, ?5, ?6)",
                     args, 6, NULL, what);
    if (err == 0)
        err = cs_cat_ledger_custody(cat, "publish.withdraw", by,
                                    json_pack("{s:I, s:s, s:s, s:s, s:i, s:s}", "publication",
                                              (json_int_t)id, "case", number, "category", category,
                                              "reason", reason, "versions", versions, "result",
                                              "allowed"),
                                    what);
out:
    return cs_cat_finish(cat, err, what);
}

int
cs_catalog_publications(cs_catalog_t *cat, const char *case_number, int64_t id, json_t **out)
{
    char pid[24];
    snprintf(pid, sizeof pid, "%lld", (long long)id);
    const char *args[] = {case_number, pid};
    return cs_cat_select_json(
        cat,
        "SELECT json_object('id', p.id, 'case', c.number, 'decision', d.id,"
        " 'decision_sha256', i.sha256, 'decision_kind', d.kind, 'kind', p.kind,"
        " 'decided_on', p.decided_on, 'registered_by', p.registered_by,"
        " 'registered_at', p.registered_at,"
        " 'versions', (SELECT count(*) FROM publication_versions v WHERE v.publication_id = p.id),"
        " 'published_on', (SELECT published_on FROM publication_versions v"
        "   WHERE v.publication_id = p.id AND v.version = 1),"
        " 'last_published_on', (SELECT max(published_on) FROM publication_versions v"
        "   WHERE v.publication_id = p.id),"
        " 'withdrawn', (SELECT json_object('category', w.category, 'reason', w.reason,"
        "   'by', w.withdrawn_by, 'at', w.withdrawn_at, 'on', w.withdrawn_on)"
        "   FROM publication_withdrawals w WHERE w.publication_id = p.id))"
        " FROM publications p JOIN cases c ON c.id = p.case_id"
        " JOIN decisions d ON d.id = p.decision_id JOIN items i ON i.id = d.item_id"
        " WHERE (?1 IS NULL OR c.number = ?1) AND (CAST(?2 AS INTEGER) = 0"
        " OR p.id = CAST(?2 AS INTEGER)) ORDER BY p.id DESC",
        args, 2, out, "cannot list publications");
}

int
cs_catalog_publication_versions(cs_catalog_t *cat, int64_t id, json_t **out)
{
    char pid[24];
    snprintf(pid, sizeof pid, "%lld", (long long)id);
    const char *args[] = {pid};
    return cs_cat_select_json(cat,
                              "SELECT json_object('version', version, 'content', json(content),"
                              " 'reason', reason, 'published_by', published_by,"
                              " 'published_at', published_at, 'published_on', published_on)"
                              " FROM publication_versions WHERE publication_id = CAST(?1 AS"
                              " INTEGER) ORDER BY version",
                              args, 1, out, "cannot list a publication's versions");
}

int
cs_publications_judge(json_t *rows, const cs_workdays_t *cal, const char *today_on)
{
    json_t *row;
    size_t i;
    json_array_foreach(rows, i, row)
    {
        const char *kind = json_string_value(json_object_get(row, "kind"));
        const char *decided = json_string_value(json_object_get(row, "decided_on"));
        const char *first = json_string_value(json_object_get(row, "published_on"));
        json_int_t versions = json_integer_value(json_object_get(row, "versions"));
        int withdrawn = json_is_object(json_object_get(row, "withdrawn")), provisional = 0, err;
        char due[11];
        const char *status;
        if (kind == NULL || decided == NULL)
            return CS_ECORRUPT;
        err = cs_workdays_add(cal, decided,
                              strcmp(kind, "penalty") == 0 ? CS_PUBLISH_PENALTY_DAYS
                                                           : CS_PUBLISH_OTHER_DAYS,
                              due, &provisional);
        if (err != 0)
            return err;
        if (withdrawn)
            status = "withdrawn";
        else if (versions > 1)
            status = "corrected";
        else if (versions == 1)
            status = "published";
        else
            status = strcmp(today_on, due) > 0 ? "overdue" : "due";
        if (json_object_set_new(row, "due_on", json_string(due)) != 0 ||
            json_object_set_new(row, "due_provisional", json_boolean(provisional)) != 0 ||
            json_object_set_new(row, "status", json_string(status)) != 0 ||
            json_object_set_new(row, "late",
                                json_boolean(first != NULL && strcmp(first, due) > 0)) != 0)
            return CS_ENOMEM;
    }
    return 0;
}

/* Appends {item, public} for the item `ref` names (a hash or a prefix): CS_ENOTFOUND (with
 * `what` in the detail) unless it has an approved public copy. */
static int
public_of(cs_catalog_t *cat, const char *ref, const char *what, json_t *list)
{
    char sha[65], why[512];
    json_t *copy = NULL;
    int rc = cs_catalog_resolve(cat, ref, sha);
    if (rc == 0)
        rc = cs_public_copy(cat, sha, &copy);
    if (rc == CS_ENOTFOUND || rc == CS_EINVAL || rc == CS_EAMBIGUOUS) {
        snprintf(why, sizeof why, "%s", cs_diag());
        cs_diag_set("%s %.64s: %s; nothing but an approved public copy is ever published "
                    "(custody public attach|make, then approve)",
                    what, ref, why);
        return CS_ENOTFOUND;
    }
    if (rc != 0)
        return rc;
    if (json_array_append_new(list, json_pack("{s:s, s:o}", "item", sha, "public", copy)) != 0)
        return CS_ENOMEM;
    return 0;
}

int
cs_catalog_publication_content(cs_catalog_t *cat, int64_t id, const char *const *with, size_t nwith,
                               json_t **out)
{
    json_t *rows = NULL, *docs = json_array(), *items = json_array();
    int rc;
    *out = NULL;
    if (docs == NULL || items == NULL) {
        rc = CS_ENOMEM;
        goto out;
    }
    if ((rc = cs_catalog_publications(cat, NULL, id, &rows)) != 0)
        goto out;
    if (json_array_size(rows) != 1) {
        cs_diag_set("no publication %lld (custody publications)", (long long)id);
        rc = CS_ENOTFOUND;
        goto out;
    }
    rc = public_of(cat,
                   json_string_value(json_object_get(json_array_get(rows, 0), "decision_sha256")),
                   "the decision's document", docs);
    for (size_t i = 0; rc == 0 && i < nwith; i++)
        rc = public_of(cat, with[i], "item", items);
    if (rc == 0 && (*out = json_pack("{s:O, s:O}", "decision", json_array_get(docs, 0), "items",
                                     items)) == NULL)
        rc = CS_ENOMEM;
out:
    json_decref(rows);
    json_decref(docs);
    json_decref(items);
    return rc;
}

int
cs_publications_register(cs_catalog_t *cat, const char *home_root, const cs_tz_t *tz,
                         const char *case_number, const char *status, json_t **out,
                         int *calendar_failed)
{
    char source[4200], on[11];
    cs_workdays_t *cal = NULL;
    json_t *rows = NULL, *r;
    size_t i;
    int rc;
    *out = NULL;
    if (calendar_failed != NULL)
        *calendar_failed = 0;
    if ((rc = cs_workdays_home(home_root, &cal, source, sizeof source)) != 0) {
        if (calendar_failed != NULL)
            *calendar_failed = 1;
        return rc;
    }
    today(tz, on);
    if ((rc = cs_catalog_publications(cat, case_number, 0, &rows)) != 0 ||
        (rc = cs_publications_judge(rows, cal, on)) != 0)
        goto out;
    if (status != NULL)
        for (i = json_array_size(rows); i-- > 0;) {
            r = json_array_get(rows, i);
            if (strcmp(json_string_value(json_object_get(r, "status")), status) != 0)
                json_array_remove(rows, i);
        }
    if ((*out = json_pack("{s:s, s:s, s:O}", "today", on, "calendar", source, "publications",
                          rows)) == NULL)
        rc = CS_ENOMEM;
out:
    json_decref(rows);
    cs_workdays_free(&cal);
    return rc;
}

int
cs_catalog_publication_case(cs_catalog_t *cat, int64_t id, char *number, size_t size)
{
    int versions = 0, withdrawn = 0;
    return pub_state(cat, id, number, size, &versions, &withdrawn, "cannot read a publication");
}
