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
