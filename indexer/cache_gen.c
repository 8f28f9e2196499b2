/* indexer/cache_gen.c: the catalog's generation and the grants' next expiry (cache_gen.h). */
#include "indexer/cache_gen.h"

#include "core/buf.h"
#include "core/error.h"
#include "indexer/catalog_int.h"

#include <stdio.h>
#include <string.h>

int
cs_catalog_cache_gen(cs_catalog_t *cat, int64_t *gen)
{
    return cs_cat_int64(cat, "SELECT n FROM cache_gen WHERE id = 1", NULL, -1, gen,
                        "cannot read the catalog's generation");
}

int
cs_catalog_cache_unwatched(cs_catalog_t *cat, size_t *n, char *first, size_t cap)
{
    static const char *const sql =
        "SELECT t.name FROM pragma_table_list t WHERE t.schema = 'main' AND t.type = 'table'"
        " AND t.name NOT IN ('ledger', 'checkpoints', 'ledger_nodes', 'cache_gen')"
        " AND t.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
        " AND (SELECT count(*) FROM sqlite_schema m WHERE m.type = 'trigger'"
        "      AND m.tbl_name = t.name AND m.name LIKE 'cache\\_gen\\_%' ESCAPE '\\') < 3"
        " ORDER BY t.name";
    const char *what = "cannot list the tables the caches watch";
    sqlite3_stmt *st = NULL;
    int err = cs_cat_prepare(cat, sql, &st, what), rc;
    *n = 0;
    if (cap > 0)
        first[0] = '\0';
    if (err != 0)
        return err;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == 0 && cap > 0)
            cs_snprintf_cut(first, cap, "%s", (const char *)sqlite3_column_text(st, 0));
        (*n)++;
    }
    if (rc != SQLITE_DONE)
        err = cs_cat_err(cat, rc, what);
    cs_cat_finalize(cat, st);
    return err;
}

int
cs_catalog_grants_next_expiry(cs_catalog_t *cat, int64_t user_id, const char *now,
                              char until[CS_TIME_MAX])
{
    static const char *const sql =
        "SELECT min(until) FROM grants WHERE user_id = ?1 AND revoked_at IS NULL"
        " AND until IS NOT NULL AND until > ?2";
    const char *what = "cannot read when grants expire";
    sqlite3_stmt *st = NULL;
    int err = cs_cat_prepare(cat, sql, &st, what), rc;
    until[0] = '\0';
    if (err != 0)
        return err;
    sqlite3_bind_int64(st, 1, user_id);
    sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
    if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (sqlite3_column_type(st, 0) != SQLITE_NULL)
            err = cs_cat_column_copy(st, 0, until, CS_TIME_MAX, "a grant's end");
    } else if (rc != SQLITE_DONE) {
        err = cs_cat_err(cat, rc, what);
    }
    cs_cat_finalize(cat, st);
    return err;
}
