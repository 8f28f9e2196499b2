/* indexer/public.c: the rows of public copies: specs, approvals, what the rules weigh, the
 * show and list views, and the approved copy the publication register takes (public.h). */
#include "indexer/public.h"
#include "indexer/catalog_int.h"

#include "core/clock.h"
#include "core/error.h"

#include <stdio.h>
#include <string.h>

/* The current public copy of item i (a derivatives row d), and its approval a. */
#define CURRENT_COPY                                                                               \
    " FROM derivatives d LEFT JOIN public_approvals a ON a.derivative_id = d.id"                   \
    " WHERE d.item_id = i.id AND d.profile = 'public' AND d.superseded_at IS NULL"

/* One item's state, as json_object text (show and list). */
#define STATE_SQL                                                                                  \
    "json_object('item', i.sha256, 'media_type', i.media_type,"                                    \
    " 'spec', json((SELECT json_object('id', s.id, 'sha256', s.sha256, 'made_by', s.made_by,"      \
    "   'made_at', s.made_at) FROM public_specs s WHERE s.item_id = i.id"                          \
    "   ORDER BY s.id DESC LIMIT 1)),"                                                             \
    " 'copy', json((SELECT json_object('sha256', d.sha256, 'size', d.size, 'media_type',"          \
    "   d.media_type, 'status', d.status, 'reason', d.reason, 'made_by', d.made_by, 'made_at',"    \
    "   d.made_at, 'source', json_extract(d.detail, '$.public.source'), 'maker',"                  \
    "   json_extract(d.detail, '$.public.maker'), 'spec_sha256',"                                  \
    "   json_extract(d.detail, '$.public.spec_sha256'), 'approved_by', a.approved_by,"             \
    "   'approved_at', a.approved_at)" CURRENT_COPY ")),"                                          \
    " 'publishable', json(CASE WHEN EXISTS (SELECT 1" CURRENT_COPY                                 \
    "   AND d.status = 'verified' AND a.id IS NOT NULL) THEN 'true' ELSE 'false' END))"

int
cs_catalog_public_spec_put(cs_catalog_t *cat, const char *item, const char *text,
                           const char *sha256, const char *by, int64_t *id)
{
    const char *what = "cannot store the redaction spec";
    char now[CS_TIME_MAX];
    sqlite3_int64 item_id = 0;
    int err;
    *id = 0;
    cs_clock_now(now);
    if ((err = cs_cat_begin(cat, what)) != 0)
        return err;
    if ((err = cs_cat_item_id(cat, item, &item_id, what)) != 0)
        goto out;
    char idtext[24];
    snprintf(idtext, sizeof idtext, "%lld", (long long)item_id); /* fits */
    const char *args[] = {idtext, text, sha256, by, now};
    if ((err = cs_cat_run(cat,
                          "INSERT INTO public_specs (item_id, spec, sha256, made_by, made_at)"
                          " VALUES (CAST(?1 AS INTEGER), ?2, ?3, ?4, ?5)",
                          args, 5, NULL, what)) != 0)
        goto out;
    *id = sqlite3_last_insert_rowid(cat->db);
    err = cs_cat_ledger_custody(
        cat, "public.spec", by,
        json_pack("{s:s, s:I, s:s}", "item", item, "spec", (json_int_t)*id, "spec_sha256", sha256),
        what);
out:
    return cs_cat_finish(cat, err, what);
}

int
cs_catalog_public_spec(cs_catalog_t *cat, const char *item, json_t **out)
{
    const char *what = "cannot read the redaction spec";
    const char *args[] = {item};
    json_t *rows = NULL;
    sqlite3_int64 item_id;
    int err;
    *out = NULL;
    if ((err = cs_cat_item_id(cat, item, &item_id, what)) != 0)
        return err;
    if ((err = cs_cat_select_json(cat,
                                  "SELECT json_object('id', s.id, 'spec', json(s.spec), 'sha256',"
                                  " s.sha256, 'made_by', s.made_by, 'made_at', s.made_at)"
                                  " FROM public_specs s JOIN items i ON i.id = s.item_id"
                                  " WHERE i.sha256 = ?1 ORDER BY s.id DESC LIMIT 1",
                                  args, 1, &rows, what)) != 0)
        return err;
    if (json_array_size(rows) > 0)
        *out = json_incref(json_array_get(rows, 0));
    json_decref(rows);
    return 0;
}

int
cs_catalog_public_rows(cs_catalog_t *cat, const char *item, cs_public_rows_t *r)
{
    const char *what = "cannot read an item's public copy";
    sqlite3_stmt *st = NULL;
    int err, rc;
    memset(r, 0, sizeof *r);
    if ((err = cs_cat_prepare(
             cat,
             "SELECT (SELECT max(s.id) FROM public_specs s WHERE s.item_id = i.id),"
             " d.id, d.sha256, json_extract(d.detail, '$.public.maker_user_id'),"
             " json_extract(d.detail, '$.public.maker'), a.id IS NOT NULL"
             " FROM items i LEFT JOIN derivatives d ON d.item_id = i.id AND d.profile = 'public'"
             "  AND d.superseded_at IS NULL AND d.status = 'verified'"
             " LEFT JOIN public_approvals a ON a.derivative_id = d.id WHERE i.sha256 = ?1",
             &st, what)) != 0)
        return err;
    sqlite3_bind_text(st, 1, item, -1, SQLITE_STATIC);
    if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        r->exists = 1;
        r->spec_id = sqlite3_column_int64(st, 0);
        r->copy_id = sqlite3_column_int64(st, 1);
        r->maker_user_id = sqlite3_column_int64(st, 3);
        r->approved = sqlite3_column_int(st, 5);
        if ((err = cs_cat_column_copy(st, 2, r->copy_sha256, sizeof r->copy_sha256, what)) == 0)
            err = cs_cat_column_copy(st, 4, r->maker, sizeof r->maker, what);
    } else if (rc != SQLITE_DONE) {
        err = cs_cat_err(cat, rc, what);
    }
    cs_cat_finalize(cat, st);
    return err;
}

int
cs_catalog_public_approve(cs_catalog_t *cat, const char *item, int64_t copy_id, const char *by,
                          int64_t user_id)
{
    const char *what = "cannot record the approval of a public copy";
    char now[CS_TIME_MAX], idtext[24], uid[24];
    cs_public_rows_t r;
    int err;
    cs_clock_now(now);
    if ((err = cs_cat_begin(cat, what)) != 0)
        return err;
    if ((err = cs_catalog_public_rows(cat, item, &r)) != 0)
        goto out;
    if (r.copy_id == 0 || r.copy_id != copy_id) {
        cs_diag_set("item %.12s's public copy was made again meanwhile: approve the new one", item);
        err = CS_ENOTFOUND;
        goto out;
    }
    if (r.approved) {
        cs_diag_set("item %.12s's public copy is approved already", item);
        err = CS_EEXIST;
        goto out;
    }
    snprintf(idtext, sizeof idtext, "%lld", (long long)copy_id); /* fits */
    snprintf(uid, sizeof uid, "%lld", (long long)user_id);       /* fits */
    const char *args[] = {idtext, user_id > 0 ? uid : NULL, by, now};
    if ((err = cs_cat_run(cat,
                          "INSERT INTO public_approvals (derivative_id, approver_user_id,"
                          " approved_by, approved_at) VALUES (CAST(?1 AS INTEGER),"
                          " CAST(?2 AS INTEGER), ?3, ?4)",
                          args, 4, NULL, what)) != 0)
        goto out;
    err = cs_cat_ledger_custody(
        cat, "public.approve", by,
        json_pack("{s:s, s:s, s:s}", "item", item, "copy", r.copy_sha256, "maker", r.maker), what);
out:
    return cs_cat_finish(cat, err, what);
}

int
cs_catalog_public_entry(cs_catalog_t *cat, const char *action, const char *by, json_t *fields)
{
    const char *what = "cannot record an act on a public copy";
    int err = cs_cat_begin(cat, what);
    if (err != 0) {
        json_decref(fields);
        return err;
    }
    err = cs_cat_ledger_custody(cat, action, by, fields, what);
    return cs_cat_finish(cat, err, what);
}

int
cs_catalog_public_refused(cs_catalog_t *cat, const char *action, const char *item, const char *by,
                          const char *role, const char *code, const char *reason,
                          const char *client)
{
    const char *what = "cannot record a refused act on a public copy";
    int err = cs_cat_begin(cat, what);
    if (err != 0)
        return err;
    err = cs_cat_ledger_custody(cat, action, by,
                                json_pack("{s:s?, s:s?, s:s, s:s, s:s, s:s}", "item", item, "role",
                                          role, "result", "denied", "code", code, "reason", reason,
                                          "client", client ? client : ""),
                                what);
    return cs_cat_finish(cat, err, what);
}

int
cs_catalog_public_show(cs_catalog_t *cat, const char *item, json_t **out)
{
    const char *args[] = {item};
    json_t *rows = NULL;
    int err;
    *out = NULL;
    if ((err = cs_cat_select_json(cat, "SELECT " STATE_SQL " FROM items i WHERE i.sha256 = ?1",
                                  args, 1, &rows, "cannot read an item's public copy")) != 0)
        return err;
    if (json_array_size(rows) == 0) {
        json_decref(rows);
        cs_diag_set("no item %.12s", item);
        return CS_ENOTFOUND;
    }
    *out = json_incref(json_array_get(rows, 0));
    json_decref(rows);
    return 0;
}

int
cs_catalog_public_list(cs_catalog_t *cat, const char *case_number, json_t **out)
{
    const char *args[] = {case_number};
    return cs_cat_select_json(
        cat,
        "SELECT " STATE_SQL " FROM items i WHERE (EXISTS (SELECT 1 FROM public_specs s"
        "  WHERE s.item_id = i.id) OR EXISTS (SELECT 1 FROM derivatives d WHERE d.item_id = i.id"
        "  AND d.profile = 'public'))"
        " AND (?1 IS NULL OR EXISTS (SELECT 1 FROM links l JOIN cases c ON c.id = l.case_id"
        "  WHERE l.item_id = i.id AND l.superseded_at IS NULL AND c.number = ?1))"
        " ORDER BY i.id DESC",
        args, 1, out, "cannot list public copies");
}

int
cs_public_copy(cs_catalog_t *cat, const char *item_sha256, json_t **out)
{
    char sha[65];
    json_t *rows = NULL;
    int err;
    *out = NULL;
    if (cs_cat_sha256_norm(item_sha256, sha) != 0) {
        cs_diag_set("\"%.80s\" is not an item's SHA-256", item_sha256 ? item_sha256 : "");
        return CS_EINVAL;
    }
    const char *args[] = {sha};
    if ((err = cs_cat_select_json(cat,
                                  "SELECT json_object('sha256', d.sha256, 'size', d.size,"
                                  " 'media_type', d.media_type, 'approved_by', a.approved_by,"
                                  " 'approved_at', a.approved_at) FROM items i"
                                  " JOIN derivatives d ON d.item_id = i.id"
                                  " JOIN public_approvals a ON a.derivative_id = d.id"
                                  " WHERE i.sha256 = ?1 AND d.profile = 'public'"
                                  " AND d.superseded_at IS NULL AND d.status = 'verified'"
                                  /* classified state_secret since: never published */
                                  " AND NOT EXISTS (SELECT 1 FROM classifications k"
                                  "  WHERE k.item_id = i.id AND k.superseded_at IS NULL"
                                  "  AND k.level = 'state_secret')",
                                  args, 1, &rows, "cannot read an item's public copy")) != 0)
        return err;
    if (json_array_size(rows) == 0) {
        json_decref(rows);
        cs_diag_set("item %.12s has no approved public copy (or it is classified state_secret)",
                    sha);
        return CS_ENOTFOUND;
    }
    *out = json_incref(json_array_get(rows, 0));
    json_decref(rows);
    return 0;
}
