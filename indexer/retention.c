/* indexer/retention.c: an item's retention (retention.h).
 * FIRST CUT, to be replaced by the retention classes and holds of issue 22 part 1-2: an item
 * linked to a case that is not closed is never due; any other is non_evidence, kept 180 days
 * from when it was received. */
#include "indexer/retention.h"

#include "core/error.h"
#include "indexer/catalog_int.h"

#include <stdio.h>
#include <string.h>

int
cs_retention_item(cs_catalog_t *cat, const cs_config_t *cfg, const char *sha256, int64_t now_ms,
                  cs_retention_t *out)
{
    static const char sql[] =
        "SELECT date(i.created_at, '+180 days'),"
        "  (SELECT count(*) FROM links l JOIN cases c ON c.id = l.case_id"
        "   WHERE l.item_id = i.id AND l.superseded_at IS NULL AND c.status <> 'closed'),"
        "  date(?2 / 1000, 'unixepoch') >= date(i.created_at, '+180 days')"
        " FROM items i WHERE i.sha256 = ?1";
    sqlite3_stmt *st = NULL;
    int rc;
    (void)cfg;
    memset(out, 0, sizeof(*out));
    rc = cs_cat_prepare(cat, sql, &st, "retention");
    if (rc < 0)
        return rc;
    sqlite3_bind_text(st, 1, sha256, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, now_ms);
    rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        cs_diag_set("no item %s in the catalog", sha256);
        rc = CS_ENOTFOUND;
        goto done;
    }
    if (rc != SQLITE_ROW) {
        rc = cs_cat_err(cat, rc, "retention");
        goto done;
    }
    if (sqlite3_column_int(st, 1) > 0) {
        snprintf(out->klass, sizeof(out->klass), "evidence");
        snprintf(out->reason_code, sizeof(out->reason_code), "open-case");
        snprintf(out->reason, sizeof(out->reason), "linked to a case that is not closed");
    } else {
        snprintf(out->klass, sizeof(out->klass), "non_evidence");
        snprintf(out->keep_until, sizeof(out->keep_until), "%s",
                 (const char *)sqlite3_column_text(st, 0));
        out->due = sqlite3_column_int(st, 2);
        snprintf(out->reason_code, sizeof(out->reason_code), "%s",
                 out->due ? "period-ended" : "period-running");
        snprintf(out->reason, sizeof(out->reason), "non_evidence: kept until %s", out->keep_until);
    }
    rc = 0;
done:
    cs_cat_finalize(cat, st);
    return rc;
}

int
cs_retention_plan(cs_catalog_t *cat, const cs_config_t *cfg, int64_t now_ms, int limit,
                  json_t **out)
{
    static const char sql[] = "SELECT sha256, size, media_type FROM items ORDER BY id";
    sqlite3_stmt *st = NULL;
    json_t *list = json_array();
    int rc = 0;
    if (list == NULL)
        return cs_cat_no_memory(cat, "retention plan");
    rc = cs_cat_prepare(cat, sql, &st, "retention plan");
    while (rc == 0 && (int)json_array_size(list) < limit) {
        cs_retention_t r;
        char sha[65];
        int step = sqlite3_step(st);
        if (step == SQLITE_DONE)
            break;
        if (step != SQLITE_ROW) {
            rc = cs_cat_err(cat, step, "retention plan");
            break;
        }
        snprintf(sha, sizeof sha, "%s", (const char *)sqlite3_column_text(st, 0));
        /* The row's own statement stays open: cs_retention_item prepares its own. */
        rc = cs_retention_item(cat, cfg, sha, now_ms, &r);
        if (rc < 0 || !r.due)
            continue;
        if (json_array_append_new(
                list, json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:[]}", "sha256", sha, "size",
                                (json_int_t)sqlite3_column_int64(st, 1), "media_type",
                                (const char *)sqlite3_column_text(st, 2), "class", r.klass,
                                "keep_until", r.keep_until, "reason_code", r.reason_code, "reason",
                                r.reason, "cases")) != 0)
            rc = cs_cat_no_memory(cat, "retention plan");
    }
    cs_cat_finalize(cat, st);
    if (rc < 0) {
        json_decref(list);
        return rc;
    }
    *out = list;
    return 0;
}
