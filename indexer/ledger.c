/* indexer/ledger.c: the ledger and checkpoints tables (schema v5). */
#include "indexer/ledger.h"

#include "core/error.h"
#include "core/jsondump.h"
#include "core/sha256.h"
#include "indexer/catalog_int.h"
#include "indexer/ledger_pack.h"

#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>

int
cs_cat_ledger_append(cs_catalog_t *cat, json_t *fields, int64_t *seq_out, const char *what)
{
    sqlite3_stmt *st = NULL;
    json_t *e = NULL;
    char *text = NULL, *prefixed = NULL, now[CS_TIME_MAX], small[2048];
    unsigned char leaf[SHA256_DIGEST_LENGTH];
    sqlite3_int64 seq = 0;
    int err, rc;

    if (!json_is_object(fields)) {
        cs_diag_set("catalog %s: %s: a ledger entry must be an object", cat->path, what);
        return CS_EINVAL;
    }
    err = cs_cat_prepare(cat, "SELECT coalesce(max(seq) + 1, 0) FROM ledger", &st, what);
    if (err != 0)
        return err;
    if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
        err = cs_cat_err(cat, rc, what);
        goto out;
    }
    seq = sqlite3_column_int64(st, 0);
    cs_cat_finalize(cat, st);
    st = NULL;
    /* Only top-level members are added: a shallow copy shares the caller's values, unchanged. */
    if ((e = json_copy(fields)) == NULL || json_object_set_new(e, "v", json_integer(1)) != 0 ||
        json_object_set_new(e, "seq", json_integer(seq)) != 0) {
        err = cs_cat_no_memory(cat, what);
        goto out;
    }
    if (json_object_get(e, "at") == NULL) {
        cs_clock_now(now);
        if (json_object_set_new(e, "at", json_string(now)) != 0) {
            err = cs_cat_no_memory(cat, what);
            goto out;
        }
    }
    /* The bytes hashed are the bytes kept: nobody has to reproduce this serialisation (it is
     * json_dumps' with sorted keys, written without its loop check and callbacks). */
    size_t len = 0;
    if ((text = cs_json_dump_sorted(e, &len)) == NULL) {
        err = cs_cat_no_memory(cat, what);
        goto out;
    }
    /* RFC 6962 leaf hash: SHA-256(0x00 || entry), with the digest fetched once (sha256.h). */
    if (len < sizeof small) {
        small[0] = '\0';
        memcpy(small + 1, text, len);
        err = cs_sha256(small, len + 1, leaf);
    } else {
        if ((prefixed = malloc(len + 1)) == NULL) {
            err = cs_cat_no_memory(cat, what);
            goto out;
        }
        prefixed[0] = '\0';
        memcpy(prefixed + 1, text, len);
        err = cs_sha256(prefixed, len + 1, leaf);
    }
    if (err != 0)
        goto out;
    /* Kept compressed once the ledger has its dictionary: the leaf is of `text` all the same. */
    int64_t dict = 0;
    const void *z = NULL;
    size_t zlen = 0;
    if ((err = cs_cat_ledger_pack(cat, seq, text, len, &dict, &z, &zlen, what)) != 0)
        goto out;
    err = cs_cat_prepare(
        cat, "INSERT INTO ledger (seq, entry, leaf, dict, z) VALUES (?1, ?2, ?3, ?4, ?5)", &st,
        what);
    if (err != 0)
        goto out;
    sqlite3_bind_int64(st, 1, seq);
    sqlite3_bind_text(st, 2, dict ? "" : text, dict ? 0 : (int)len, SQLITE_STATIC);
    sqlite3_bind_blob(st, 3, leaf, sizeof leaf, SQLITE_STATIC);
    if (dict) {
        sqlite3_bind_int64(st, 4, dict);
        sqlite3_bind_blob(st, 5, z, (int)zlen, SQLITE_STATIC);
    }
    err = cs_cat_step_done(cat, st, what);
    if (err == 0 && seq_out != NULL)
        *seq_out = seq;
out:
    cs_cat_finalize(cat, st);
    json_decref(e);
    free(text);
    free(prefixed);
    return err;
}

int
cs_catalog_ledger_append(cs_catalog_t *cat, json_t *fields, int64_t *seq)
{
    const char *what = "cannot append to the ledger";
    int err = cs_cat_begin(cat, what);
    if (err != 0)
        return err;
    if ((err = cs_cat_ledger_append(cat, fields, seq, what)) != 0) {
        cs_cat_rollback(cat);
        return err;
    }
    return cs_cat_commit(cat, what);
}

int
cs_catalog_ledger_append_batched(cs_catalog_t *cat, json_t *fields, int64_t *seq)
{
    if (!cs_catalog_in_batch(cat)) {
        cs_diag_set("catalog %s: a batched ledger append outside a batch", cat->path);
        return CS_EINVAL;
    }
    /* Its one write is the INSERT, last: an entry that fails leaves the batch as it was
     * (SQLite undoes a failed statement), so no savepoint of its own is needed. */
    return cs_cat_ledger_append(cat, fields, seq, "cannot append to the ledger");
}

int
cs_catalog_ledger_size(cs_catalog_t *cat, int64_t *size)
{
    sqlite3_stmt *st = NULL;
    const char *what = "cannot read the ledger";
    /* seq counts from 0 without a gap (appends take max + 1; a gap is found where leaves are
     * read): the last seq gives the size from the index, where count(*) read every entry, the
     * whole ledger, at each CLI command and checkpoint (bench/scale.sh: 67 s at 10^7). */
    int err = cs_cat_prepare(cat, "SELECT coalesce(max(seq) + 1, 0) FROM ledger", &st, what), rc;
    if (err != 0)
        return err;
    if ((rc = sqlite3_step(st)) == SQLITE_ROW)
        *size = sqlite3_column_int64(st, 0);
    else
        err = cs_cat_err(cat, rc, what);
    cs_cat_finalize(cat, st);
    return err;
}

int
cs_catalog_ledger_leaves(cs_catalog_t *cat, uint64_t index, uint64_t count, uint8_t (*out)[32])
{
    sqlite3_stmt *st = NULL;
    const char *what = "cannot read the ledger's leaves";
    uint64_t got = 0;
    int err, rc;
    err = cs_cat_prepare(cat, "SELECT seq, leaf FROM ledger WHERE seq >= ?1 ORDER BY seq LIMIT ?2",
                         &st, what);
    if (err != 0)
        return err;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)index);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)count);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if ((uint64_t)sqlite3_column_int64(st, 0) != index + got ||
            sqlite3_column_bytes(st, 1) != 32) {
            cs_diag_set("catalog %s: ledger entry %llu is missing or damaged", cat->path,
                        (unsigned long long)(index + got));
            err = CS_ECORRUPT;
            goto out;
        }
        memcpy(out[got++], sqlite3_column_blob(st, 1), 32);
    }
    if (rc != SQLITE_DONE) {
        err = cs_cat_err(cat, rc, what);
        goto out;
    }
    if (got < count) {
        cs_diag_set("catalog %s: the ledger ends at %llu entries, before %llu", cat->path,
                    (unsigned long long)(index + got), (unsigned long long)(index + count));
        err = CS_ENOTFOUND;
    }
out:
    cs_cat_finalize(cat, st);
    return err;
}

int
cs_catalog_ledger_each(cs_catalog_t *cat, int64_t from,
                       int (*fn)(void *arg, int64_t seq, const char *entry, size_t len,
                                 const uint8_t *leaf, size_t leaf_len),
                       void *arg)
{
    sqlite3_stmt *st = NULL;
    const char *what = "cannot read the ledger";
    int err, rc;
    err = cs_cat_prepare(cat,
                         "SELECT seq, leaf, " CS_LEDGER_COLS " FROM ledger WHERE seq >= ?1"
                         " ORDER BY seq",
                         &st, what);
    if (err != 0)
        return err;
    sqlite3_bind_int64(st, 1, from);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t seq = sqlite3_column_int64(st, 0);
        const char *text = NULL;
        size_t len = 0;
        /* Read the leaf first: the entry's columns come after it. */
        const void *leaf = sqlite3_column_blob(st, 1);
        size_t leaf_len = (size_t)sqlite3_column_bytes(st, 1);
        if ((err = cs_cat_ledger_text(cat, st, 2, seq, &text, &len)) != 0 ||
            (err = fn(arg, seq, text, len, leaf, leaf_len)) != 0)
            goto out;
    }
    if (rc != SQLITE_DONE)
        err = cs_cat_err(cat, rc, what);
out:
    cs_cat_finalize(cat, st);
    return err;
}

int
cs_catalog_checkpoint_add(cs_catalog_t *cat, int64_t size, const uint8_t root[32], const char *note,
                          const void *frontier, size_t frontier_len)
{
    sqlite3_stmt *st = NULL;
    const char *what = "cannot record a checkpoint";
    char now[CS_TIME_MAX];
    int err = cs_cat_begin(cat, what);
    if (err != 0)
        return err;
    /* Another process (the service, a CLI command) may have signed a larger tree since this
     * one was computed: checkpoints only ever grow, so a stale one is dropped, not added. */
    err = cs_cat_prepare(cat, "SELECT size FROM checkpoints ORDER BY id DESC LIMIT 1", &st, what);
    if (err == 0 && sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 0) >= size) {
        cs_cat_finalize(cat, st);
        return cs_cat_commit(cat, what);
    }
    cs_cat_finalize(cat, st);
    st = NULL;
    if (err != 0) {
        cs_cat_rollback(cat);
        return err;
    }
    cs_clock_now(now);
    err = cs_cat_prepare(cat,
                         "INSERT INTO checkpoints (size, root, note, frontier, made_at)"
                         " VALUES (?1, ?2, ?3, ?4, ?5)",
                         &st, what);
    if (err == 0) {
        sqlite3_bind_int64(st, 1, size);
        sqlite3_bind_blob(st, 2, root, 32, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, note, -1, SQLITE_STATIC);
        sqlite3_bind_blob(st, 4, frontier, (int)frontier_len, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, now, -1, SQLITE_STATIC);
        err = cs_cat_step_done(cat, st, what);
    }
    cs_cat_finalize(cat, st);
    if (err != 0) {
        cs_cat_rollback(cat);
        return err;
    }
    return cs_cat_commit(cat, what);
}

int
cs_catalog_checkpoint_latest(cs_catalog_t *cat, int64_t *size, uint8_t root[32], char **note,
                             void **frontier, size_t *frontier_len)
{
    sqlite3_stmt *st = NULL;
    const char *what = "cannot read the latest checkpoint";
    int err, rc;
    *size = -1;
    if (note != NULL)
        *note = NULL;
    if (frontier != NULL)
        *frontier = NULL;
    err = cs_cat_prepare(
        cat, "SELECT size, root, note, frontier FROM checkpoints ORDER BY id DESC LIMIT 1", &st,
        what);
    if (err != 0)
        return err;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        size_t flen = (size_t)sqlite3_column_bytes(st, 3);
        if (sqlite3_column_bytes(st, 1) != 32) {
            cs_diag_set("catalog %s: the latest checkpoint is damaged", cat->path);
            err = CS_ECORRUPT;
            goto out;
        }
        memcpy(root, sqlite3_column_blob(st, 1), 32);
        if (note != NULL && (*note = strdup((const char *)sqlite3_column_text(st, 2))) == NULL)
            err = cs_cat_no_memory(cat, what);
        if (err == 0 && frontier != NULL) {
            if ((*frontier = malloc(flen ? flen : 1)) == NULL)
                err = cs_cat_no_memory(cat, what);
            else
                memcpy(*frontier, sqlite3_column_blob(st, 3), flen);
            *frontier_len = flen;
        }
        if (err == 0)
            *size = sqlite3_column_int64(st, 0);
    } else if (rc != SQLITE_DONE) {
        err = cs_cat_err(cat, rc, what);
    }
out:
    cs_cat_finalize(cat, st);
    if (err != 0 && note != NULL) {
        free(*note);
        *note = NULL;
    }
    return err;
}

int
cs_catalog_checkpoints_each(cs_catalog_t *cat,
                            int (*fn)(void *arg, int64_t id, int64_t size, const uint8_t *root,
                                      size_t root_len, const char *note),
                            void *arg)
{
    sqlite3_stmt *st = NULL;
    const char *what = "cannot read the checkpoints";
    int err, rc;
    err =
        cs_cat_prepare(cat, "SELECT id, size, root, note FROM checkpoints ORDER BY id", &st, what);
    if (err != 0)
        return err;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *note = (const char *)sqlite3_column_text(st, 3);
        if ((err = fn(arg, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
                      sqlite3_column_blob(st, 2), (size_t)sqlite3_column_bytes(st, 2),
                      note ? note : "")) != 0)
            goto out;
    }
    if (rc != SQLITE_DONE)
        err = cs_cat_err(cat, rc, what);
out:
    cs_cat_finalize(cat, st);
    return err;
}
