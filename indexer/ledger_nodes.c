/* indexer/ledger_nodes.c: the rows of ledger_nodes (schema_scale.c), the stored roots of the
 * ledger's perfect Merkle subtrees; what they mean and when they are made is ledger/'s
 * (ledger/nodes.c). */
#include "indexer/ledger.h"

#include "core/error.h"
#include "indexer/catalog_int.h"

#include <string.h>

int
cs_catalog_ledger_nodes(cs_catalog_t *cat, unsigned level, uint64_t index, uint64_t count,
                        uint8_t (*out)[32], uint64_t *got)
{
    sqlite3_stmt *st = NULL;
    const char *what = "cannot read the ledger's stored subtrees";
    int err, rc;
    *got = 0;
    err = cs_cat_prepare(cat,
                         "SELECT idx, hash FROM ledger_nodes WHERE level = ?1 AND idx >= ?2"
                         " ORDER BY idx LIMIT ?3",
                         &st, what);
    if (err != 0)
        return err;
    sqlite3_bind_int(st, 1, (int)level);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)index);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)count);
    /* Only the run without a gap from `index` on counts; a damaged row ends it. */
    while ((rc = sqlite3_step(st)) == SQLITE_ROW &&
           (uint64_t)sqlite3_column_int64(st, 0) == index + *got &&
           sqlite3_column_bytes(st, 1) == 32) {
        memcpy(out[*got], sqlite3_column_blob(st, 1), 32);
        (*got)++;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        err = cs_cat_err(cat, rc, what);
    cs_cat_finalize(cat, st);
    return err;
}

int
cs_catalog_ledger_nodes_count(cs_catalog_t *cat, unsigned level, uint64_t *count)
{
    sqlite3_stmt *st = NULL;
    const char *what = "cannot read the ledger's stored subtrees";
    int err, rc;
    *count = 0;
    err = cs_cat_prepare(cat, "SELECT max(idx) + 1 FROM ledger_nodes WHERE level = ?1", &st, what);
    if (err != 0)
        return err;
    sqlite3_bind_int(st, 1, (int)level);
    if ((rc = sqlite3_step(st)) == SQLITE_ROW)
        *count = (uint64_t)sqlite3_column_int64(st, 0); /* NULL (none) reads as 0 */
    else
        err = cs_cat_err(cat, rc, what);
    cs_cat_finalize(cat, st);
    return err;
}

int
cs_catalog_ledger_nodes_add(cs_catalog_t *cat, unsigned level, uint64_t index, uint64_t count,
                            const uint8_t (*hashes)[32])
{
    sqlite3_stmt *st = NULL;
    const char *what = "cannot record the ledger's stored subtrees";
    int err = cs_cat_begin(cat, what);
    if (err != 0)
        return err;
    err = cs_cat_prepare(
        cat, "INSERT OR REPLACE INTO ledger_nodes (level, idx, hash) VALUES (?1, ?2, ?3)", &st,
        what);
    for (uint64_t i = 0; err == 0 && i < count; i++) {
        sqlite3_bind_int(st, 1, (int)level);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)(index + i));
        sqlite3_bind_blob(st, 3, hashes[i], 32, SQLITE_STATIC);
        err = cs_cat_step_done(cat, st, what);
        sqlite3_reset(st);
    }
    cs_cat_finalize(cat, st);
    if (err != 0) {
        cs_cat_rollback(cat);
        return err;
    }
    return cs_cat_commit(cat, what);
}
