/* indexer/dispose.c: disposal batches: proposal, approval, cancellation and what they show
 * (dispose.h). The steps of carrying one out are in dispose_rows.c. */
#include "indexer/dispose.h"

#include "core/clock.h"
#include "core/error.h"
#include "indexer/catalog_int.h"
#include "indexer/retention.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PLAN_MAX 100000 /* items one --all-due batch takes */

int
cs_catalog_disposal_row(cs_catalog_t *cat, int64_t id, cs_disposal_row_t *r)
{
    const char *what = "cannot read a disposal batch";
    sqlite3_stmt *st = NULL;
    int err, rc;
    memset(r, 0, sizeof *r);
    err = cs_cat_prepare(cat,
                         "SELECT d.id, d.proposed_by, u.name, d.status, coalesce(d.run_after, ''),"
                         " coalesce(d.export_path, '') FROM disposals d"
                         " JOIN users u ON u.id = d.proposed_by WHERE d.id = ?1",
                         &st, what);
    if (err != 0)
        return err;
    sqlite3_bind_int64(st, 1, id);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        r->id = sqlite3_column_int64(st, 0);
        r->proposer_id = sqlite3_column_int64(st, 1);
        if ((err = cs_cat_column_copy(st, 2, r->proposer, sizeof r->proposer, "proposer")) == 0 &&
            (err = cs_cat_column_copy(st, 3, r->status, sizeof r->status, "status")) == 0 &&
            (err = cs_cat_column_copy(st, 4, r->run_after, sizeof r->run_after, "run_after")) == 0)
            err = cs_cat_column_copy(st, 5, r->export_path, sizeof r->export_path, "export");
    } else if (rc == SQLITE_DONE) {
        cs_diag_set("no disposal batch %lld (custody dispose list)", (long long)id);
        err = CS_ENOTFOUND;
    } else {
        err = cs_cat_err(cat, rc, what);
    }
    cs_cat_finalize(cat, st);
    return err;
}

/* Why `sha` cannot join a batch now ("" when it can): disposed of, or in an open batch. */
static int
blocked(cs_catalog_t *cat, const char *sha, char *why, size_t size, const char *what)
{
    int64_t open = 0, gone = 0;
    int err = cs_cat_int64(cat,
                           "SELECT count(*) FROM item_disposed x JOIN items i ON i.id = x.item_id"
                           " WHERE i.sha256 = ?1",
                           sha, 0, &gone, what);
    if (err == 0)
        err = cs_cat_int64(cat,
                           "SELECT coalesce(max(d.id), 0) FROM disposal_items di"
                           " JOIN disposals d ON d.id = di.disposal_id"
                           " JOIN items i ON i.id = di.item_id WHERE i.sha256 = ?1"
                           " AND d.status IN ('proposed', 'approved')"
                           " AND di.state IN ('pending', 'locked', 'removing')",
                           sha, 0, &open, what);
    why[0] = '\0';
    if (err == 0 && gone)
        snprintf(why, size, "it was disposed of already");
    else if (err == 0 && open)
        snprintf(why, size, "it is in open disposal batch %lld", (long long)open);
    return err;
}

/* The items of a proposal, each checked: *shas and *rets (retention of each) filled. */
static int
check_items(cs_catalog_t *cat, const cs_config_t *cfg, json_t *shas, int64_t now_ms,
            cs_retention_t *rets, const char *what)
{
    size_t i;
    json_t *v;
    char why[128];
    int err = 0;
    json_array_foreach(shas, i, v)
    {
        const char *sha = json_string_value(v);
        if ((err = blocked(cat, sha, why, sizeof why, what)) != 0)
            return err;
        if (why[0] != '\0') {
            cs_diag_set("item %s cannot be proposed for disposal: %s", sha, why);
            return CS_EINVAL;
        }
        if ((err = cs_retention_item(cat, cfg, sha, now_ms, &rets[i])) != 0)
            return err;
        if (!rets[i].due) {
            cs_diag_set("item %s is not due for disposal: %s (%s)", sha, rets[i].reason,
                        rets[i].reason_code);
            return CS_EINVAL;
        }
    }
    return 0;
}

/* Every item due now, neither disposed of nor in an open batch, as hashes. */
static int
all_due(cs_catalog_t *cat, const cs_config_t *cfg, int64_t now_ms, json_t *shas, const char *what)
{
    json_t *plan = NULL, *v;
    size_t i;
    char why[128];
    int err = cs_retention_plan(cat, cfg, now_ms, PLAN_MAX, &plan);
    json_array_foreach(plan, i, v)
    {
        const char *sha = json_string_value(json_object_get(v, "sha256"));
        if (err != 0 || sha == NULL)
            break;
        if ((err = blocked(cat, sha, why, sizeof why, what)) == 0 && why[0] == '\0' &&
            json_array_append_new(shas, json_string(sha)) != 0)
            err = cs_cat_no_memory(cat, what);
    }
    json_decref(plan);
    return err;
}

static int
insert_items(cs_catalog_t *cat, sqlite3_int64 batch, json_t *shas, const cs_retention_t *rets,
             const char *what)
{
    sqlite3_stmt *st = NULL;
    size_t i;
    json_t *v;
    int err = cs_cat_prepare(cat,
                             "INSERT INTO disposal_items (disposal_id, item_id, class, keep_until,"
                             " reason_code, reason) SELECT ?1, id, ?3, nullif(?4, ''), ?5, ?6"
                             " FROM items WHERE sha256 = ?2",
                             &st, what);
    json_array_foreach(shas, i, v)
    {
        if (err != 0)
            break;
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, batch);
        sqlite3_bind_text(st, 2, json_string_value(v), -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, rets[i].klass, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, rets[i].keep_until, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, rets[i].reason_code, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 6, rets[i].reason, -1, SQLITE_STATIC);
        err = cs_cat_step_done(cat, st, what);
    }
    cs_cat_finalize(cat, st);
    return err;
}

int
cs_catalog_dispose_propose(cs_catalog_t *cat, const cs_config_t *cfg, const char *by,
                           const char *const *items, size_t n, int all, const char *reason,
                           int64_t now_ms, int64_t *id)
{
    const char *what = "cannot propose a disposal";
    json_t *shas = json_array();
    cs_retention_t *rets = NULL;
    char now[CS_TIME_MAX], sha[65];
    cs_user_t u;
    int err = shas ? 0 : cs_cat_no_memory(cat, what);
    if (err == 0 && (reason == NULL || reason[0] == '\0')) {
        cs_diag_set("a disposal states its reason (--reason TEXT)");
        err = CS_EINVAL;
    }
    for (size_t i = 0; err == 0 && i < n; i++)
        if ((err = cs_catalog_resolve(cat, items[i], sha)) == 0 &&
            json_array_append_new(shas, json_string(sha)) != 0)
            err = cs_cat_no_memory(cat, what);
    if (err == 0 && all)
        err = all_due(cat, cfg, now_ms, shas, what);
    if (err == 0 && json_array_size(shas) == 0) {
        cs_diag_set(all ? "no item is due for disposal (custody dispose plan)"
                        : "a disposal batch names its items, or --all-due");
        err = CS_EINVAL;
    }
    if (err == 0 && (rets = calloc(json_array_size(shas), sizeof *rets)) == NULL)
        err = cs_cat_no_memory(cat, what);
    if (err == 0)
        err = check_items(cat, cfg, shas, now_ms, rets, what);
    if (err == 0 && ((err = cs_catalog_user_by_name(cat, by, &u)) != 0)) {
        cs_diag_set("no user named %s (custody user list)", by);
        err = CS_ENOTFOUND;
    }
    if (err != 0)
        goto done;
    cs_clock_format_ms(now_ms, now);
    if ((err = cs_cat_begin(cat, what)) != 0)
        goto done;
    sqlite3_stmt *st = NULL;
    if ((err = cs_cat_prepare(cat,
                              "INSERT INTO disposals (reason, proposed_by, proposed_at)"
                              " VALUES (?1, ?2, ?3)",
                              &st, what)) == 0) {
        sqlite3_bind_text(st, 1, reason, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, u.id);
        sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
        err = cs_cat_step_done(cat, st, what);
    }
    cs_cat_finalize(cat, st);
    sqlite3_int64 batch = sqlite3_last_insert_rowid(cat->db);
    if (err == 0)
        err = insert_items(cat, batch, shas, rets, what);
    if (err == 0)
        err = cs_cat_ledger_custody(cat, "dispose.propose", by,
                                    json_pack("{s:I, s:s, s:O, s:s}", "disposal", (json_int_t)batch,
                                              "reason", reason, "items", shas, "result", "allowed"),
                                    what);
    if ((err = cs_cat_finish(cat, err, what)) == 0 && id != NULL)
        *id = batch;
done:
    free(rets);
    json_decref(shas);
    return err;
}

int
cs_catalog_dispose_approve(cs_catalog_t *cat, int64_t id, const char *by, int grace_days,
                           int64_t now_ms, char run_after[CS_TIME_MAX])
{
    const char *what = "cannot approve a disposal";
    char now[CS_TIME_MAX], after[CS_TIME_MAX], idtext[24];
    cs_disposal_row_t r;
    int err, changes = 0;
    cs_clock_format_ms(now_ms, now);
    cs_clock_format_ms(now_ms + (int64_t)grace_days * 86400000, after);
    snprintf(idtext, sizeof idtext, "%lld", (long long)id); /* fits: 20 digits and a sign */
    if ((err = cs_cat_begin(cat, what)) != 0)
        return err;
    if ((err = cs_catalog_disposal_row(cat, id, &r)) != 0)
        goto out;
    if (strcmp(r.status, "proposed") != 0) {
        cs_diag_set("disposal batch %lld is %s, not awaiting approval", (long long)id, r.status);
        err = CS_EEXIST;
        goto out;
    }
    const char *args[] = {idtext, by, now, after};
    err = cs_cat_run(cat,
                     "UPDATE disposals SET status = 'approved', approved_at = ?3, run_after = ?4,"
                     " approved_by = (SELECT id FROM users WHERE name = ?2)"
                     " WHERE id = CAST(?1 AS INTEGER) AND status = 'proposed'",
                     args, 4, &changes, what);
    if (err == 0 && changes != 1) {
        cs_diag_set("disposal batch %lld changed while it was approved; try again", (long long)id);
        err = CS_EBUSY;
    }
    if (err == 0)
        err =
            cs_cat_ledger_custody(cat, "dispose.approve", by,
                                  json_pack("{s:I, s:s, s:s, s:i, s:s}", "disposal", (json_int_t)id,
                                            "proposed_by", r.proposer, "run_after", after,
                                            "grace_days", grace_days, "result", "allowed"),
                                  what);
out:
    if ((err = cs_cat_finish(cat, err, what)) == 0 && run_after != NULL)
        memcpy(run_after, after, CS_TIME_MAX);
    return err;
}

int
cs_catalog_dispose_cancel(cs_catalog_t *cat, int64_t id, const char *by, const char *reason,
                          int64_t now_ms)
{
    const char *what = "cannot cancel a disposal";
    char now[CS_TIME_MAX], idtext[24];
    cs_disposal_row_t r;
    int64_t begun = 0;
    int err, changes = 0;
    if (reason == NULL || reason[0] == '\0') {
        cs_diag_set("a cancellation states its reason (--reason TEXT)");
        return CS_EINVAL;
    }
    cs_clock_format_ms(now_ms, now);
    snprintf(idtext, sizeof idtext, "%lld", (long long)id); /* fits: 20 digits and a sign */
    if ((err = cs_cat_begin(cat, what)) != 0)
        return err;
    if ((err = cs_catalog_disposal_row(cat, id, &r)) != 0)
        goto out;
    if ((err = cs_cat_int64(cat,
                            "SELECT count(*) FROM disposal_items WHERE disposal_id ="
                            " CAST(?1 AS INTEGER) AND state NOT IN ('pending', 'locked')",
                            idtext, 0, &begun, what)) != 0)
        goto out;
    if (strcmp(r.status, "proposed") != 0 && strcmp(r.status, "approved") != 0) {
        cs_diag_set("disposal batch %lld is %s already", (long long)id, r.status);
        err = CS_EEXIST;
    } else if (begun > 0 || (strcmp(r.status, "approved") == 0 && strcmp(now, r.run_after) >= 0)) {
        cs_diag_set("disposal batch %lld is past its grace period (it ended %s): it is carried "
                    "out, and can no longer be cancelled",
                    (long long)id, r.run_after);
        err = CS_EEXIST;
    }
    if (err != 0)
        goto out;
    const char *args[] = {idtext, by, now, reason};
    err = cs_cat_run(cat,
                     "UPDATE disposals SET status = 'cancelled', cancelled_at = ?3,"
                     " cancel_reason = ?4, cancelled_by = (SELECT id FROM users WHERE name = ?2)"
                     " WHERE id = CAST(?1 AS INTEGER) AND status IN ('proposed', 'approved')",
                     args, 4, &changes, what);
    if (err == 0)
        err = cs_cat_ledger_custody(cat, "dispose.cancel", by,
                                    json_pack("{s:I, s:s, s:s, s:s}", "disposal", (json_int_t)id,
                                              "status", r.status, "reason", reason, "result",
                                              "allowed"),
                                    what);
out:
    return cs_cat_finish(cat, err, what);
}

/* One batch as the list shows it, over `d` (disposals). */
#define BATCH_JSON                                                                                 \
    "json_object('id', d.id, 'status', d.status, 'reason', d.reason, 'proposed_by',"               \
    " (SELECT name FROM users WHERE id = d.proposed_by), 'proposed_at', d.proposed_at,"            \
    " 'approved_by', (SELECT name FROM users WHERE id = d.approved_by), 'approved_at',"            \
    " d.approved_at, 'run_after', d.run_after, 'cancelled_by', (SELECT name FROM users WHERE"      \
    " id = d.cancelled_by), 'cancelled_at', d.cancelled_at, 'cancel_reason', d.cancel_reason,"     \
    " 'export', d.export_path, 'done_at', d.done_at,"                                              \
    " 'items', (SELECT count(*) FROM disposal_items x WHERE x.disposal_id = d.id),"                \
    " 'disposed', (SELECT count(*) FROM disposal_items x WHERE x.disposal_id = d.id"               \
    "   AND x.state = 'disposed'),"                                                                \
    " 'skipped', (SELECT count(*) FROM disposal_items x WHERE x.disposal_id = d.id"                \
    "   AND x.state = 'skipped'),"                                                                 \
    " 'locked', (SELECT count(*) FROM disposal_items x WHERE x.disposal_id = d.id"                 \
    "   AND x.state = 'locked'),"                                                                  \
    " 'pending', (SELECT count(*) FROM disposal_items x WHERE x.disposal_id = d.id"                \
    "   AND x.state IN ('pending', 'removing')))"

int
cs_catalog_disposals(cs_catalog_t *cat, json_t **out)
{
    return cs_cat_select_json(cat, "SELECT " BATCH_JSON " FROM disposals d ORDER BY d.id DESC",
                              NULL, 0, out, "cannot list the disposal batches");
}

int
cs_catalog_disposal(cs_catalog_t *cat, int64_t id, json_t **out)
{
    const char *what = "cannot read a disposal batch";
    json_t *list = NULL, *entries = NULL;
    char idtext[24];
    snprintf(idtext, sizeof idtext, "%lld", (long long)id); /* fits: 20 digits and a sign */
    const char *args[] = {idtext};
    int err = cs_cat_select_json(
        cat, "SELECT " BATCH_JSON " FROM disposals d WHERE d.id = CAST(?1 AS INTEGER)", args, 1,
        &list, what);
    *out = NULL;
    if (err == 0 && json_array_size(list) == 0) {
        cs_diag_set("no disposal batch %lld (custody dispose list)", (long long)id);
        err = CS_ENOTFOUND;
    }
    if (err == 0)
        err = cs_cat_select_json(
            cat,
            "SELECT json_object('sha256', i.sha256, 'size', i.size, 'media_type', i.media_type,"
            " 'class', x.class, 'keep_until', x.keep_until, 'reason_code', x.reason_code,"
            " 'reason', x.reason, 'state', x.state, 'note', x.note, 'retain_until',"
            " x.retain_until, 'tombstone', (SELECT json_object('id', t.id, 'disposed_at',"
            " t.disposed_at, 'ledger_seq', t.ledger_seq) FROM tombstones t WHERE"
            " t.disposal_id = x.disposal_id AND t.item_id = x.item_id))"
            " FROM disposal_items x JOIN items i ON i.id = x.item_id"
            " WHERE x.disposal_id = CAST(?1 AS INTEGER) ORDER BY i.sha256",
            args, 1, &entries, what);
    if (err == 0) {
        *out = json_incref(json_array_get(list, 0));
        json_object_set(*out, "entries", entries);
    }
    json_decref(entries);
    json_decref(list);
    return err;
}

int
cs_catalog_disposals_due(cs_catalog_t *cat, int64_t now_ms, int64_t *ids, int max, int *n)
{
    const char *what = "cannot list the disposals due";
    sqlite3_stmt *st = NULL;
    char now[CS_TIME_MAX];
    int err, rc = SQLITE_DONE;
    *n = 0;
    cs_clock_format_ms(now_ms, now);
    err = cs_cat_prepare(cat,
                         "SELECT id FROM disposals WHERE status = 'approved' AND run_after <= ?1"
                         " ORDER BY id LIMIT ?2",
                         &st, what);
    if (err != 0)
        return err;
    sqlite3_bind_text(st, 1, now, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, max);
    while (*n < max && (rc = sqlite3_step(st)) == SQLITE_ROW)
        ids[(*n)++] = sqlite3_column_int64(st, 0);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        err = cs_cat_err(cat, rc, what);
    cs_cat_finalize(cat, st);
    return err;
}
