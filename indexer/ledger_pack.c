/* indexer/ledger_pack.c: the ledger's entries kept compressed with zstd and a dictionary of
 * the catalog's own (ledger_pack.h). A ledger entry is ~430 bytes of JSON whose keys and most
 * values repeat from entry to entry: alone, zstd cannot learn them from one entry; with a
 * 16 KiB dictionary trained once on its own entries, one is ~98 bytes (bench/RESULTS.md,
 * "The catalog's bytes an item"). Frames carry their content size and no dictionary id or
 * checksum: the row names the dictionary, and the leaf hashes the decompressed bytes. */
#include "indexer/ledger_pack.h"

#include "core/error.h"
#include "indexer/catalog_int.h"
#include "indexer/ledger.h"

#include <stdlib.h>
#include <string.h>
#include <zdict.h>
#include <zstd.h>

#define DICT_BYTES (16 * 1024)
#define CHECK_EVERY 1024             /* appends between two looks for a dictionary */
#define ENTRY_MAX (64 * 1024 * 1024) /* a frame saying more is damaged */
#define DDICTS 8
/* Entries a dictionary learns from: 4,096 of the bench's take 0.17 s to train and compress to
 * 97.6 bytes; 8,192 took 1.5 s (a stall of the appender's group) for 96.7. */
#define TRAIN_ON 4096

struct cs_ledger_pack {
    int64_t after;      /* entries before a dictionary is trained; 0: never */
    int64_t next_check; /* the seq at which appends next look for one */
    int64_t cdict_id;   /* the dictionary appends compress with; 0: none yet */
    ZSTD_CDict *cdict;
    ZSTD_CCtx *cctx;
    ZSTD_DCtx *dctx;
    struct {
        int64_t id;
        ZSTD_DDict *dd;
    } dd[DDICTS];
    char *buf; /* the last decompressed entry, NUL-terminated */
    size_t cap;
    void *zbuf; /* the last compressed entry */
    size_t zcap;
    /* The SQL function's last answer: JSON tests on one row call it once each. */
    int64_t memo_dict;
    void *memo_z;
    size_t memo_zlen, memo_zcap, memo_len; /* memo_dict 0: none */
    int want_train; /* the threshold was passed with no dictionary: train after the commit */
    int training;   /* cs_cat_ledger_after_commit is at work (its own commit calls it) */
};

static struct cs_ledger_pack *
pack_of(cs_catalog_t *cat)
{
    if (cat->pack == NULL && (cat->pack = calloc(1, sizeof *cat->pack)) != NULL)
        cat->pack->after = CS_LEDGER_DICT_AFTER;
    return cat->pack;
}

void
cs_cat_ledger_pack_free(struct cs_ledger_pack *p)
{
    if (p == NULL)
        return;
    ZSTD_freeCDict(p->cdict);
    ZSTD_freeCCtx(p->cctx);
    ZSTD_freeDCtx(p->dctx);
    for (int i = 0; i < DDICTS; i++)
        ZSTD_freeDDict(p->dd[i].dd);
    free(p->buf);
    free(p->zbuf);
    free(p->memo_z);
    free(p);
}

void
cs_catalog_ledger_dict_after(cs_catalog_t *cat, int64_t entries)
{
    struct cs_ledger_pack *p = pack_of(cat);
    if (p != NULL) {
        p->after = entries < 0 ? 0 : entries;
        p->next_check = 0;
    }
}

static int
grow(void **buf, size_t *cap, size_t need)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap : 1024;
    while (n < need)
        n *= 2;
    void *b = realloc(*buf, n);
    if (b == NULL)
        return CS_ENOMEM;
    *buf = b;
    *cap = n;
    return 0;
}

/* The decompression dictionary `id`, loaded once per connection. */
static int
ddict(cs_catalog_t *cat, struct cs_ledger_pack *p, int64_t id, int64_t seq, ZSTD_DDict **out)
{
    const char *what = "cannot read the ledger's dictionary";
    sqlite3_stmt *st = NULL;
    int free_slot = -1, err, rc;
    for (int i = 0; i < DDICTS; i++) {
        if (p->dd[i].dd != NULL && p->dd[i].id == id) {
            *out = p->dd[i].dd;
            return 0;
        }
        if (p->dd[i].dd == NULL && free_slot < 0)
            free_slot = i;
    }
    if (free_slot < 0) { /* more dictionaries than slots: the oldest loaded goes */
        ZSTD_freeDDict(p->dd[0].dd);
        memmove(p->dd, p->dd + 1, sizeof p->dd[0] * (DDICTS - 1));
        p->dd[DDICTS - 1].dd = NULL;
        free_slot = DDICTS - 1;
    }
    if ((err = cs_cat_prepare(cat, "SELECT dict FROM ledger_dicts WHERE id = ?1", &st, what)) != 0)
        return err;
    sqlite3_bind_int64(st, 1, id);
    if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        p->dd[free_slot].dd =
            ZSTD_createDDict(sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0));
        if (p->dd[free_slot].dd == NULL) {
            err = cs_cat_no_memory(cat, what);
        } else {
            p->dd[free_slot].id = id;
            *out = p->dd[free_slot].dd;
        }
    } else if (rc == SQLITE_DONE) {
        cs_diag_set("catalog %s: ledger entry %lld needs dictionary %lld, which is missing",
                    cat->path, (long long)seq, (long long)id);
        err = CS_ECORRUPT;
    } else {
        err = cs_cat_err(cat, rc, what);
    }
    cs_cat_finalize(cat, st);
    return err;
}

/* The one decompression: frame z of entry seq with dictionary `dict` into p->buf. */
static int
unpack(cs_catalog_t *cat, int64_t seq, int64_t dict, const void *z, size_t zlen, size_t *len)
{
    struct cs_ledger_pack *p = pack_of(cat);
    ZSTD_DDict *dd = NULL;
    int err;
    if (p == NULL)
        return cs_cat_no_memory(cat, "cannot read the ledger");
    p->memo_dict = 0; /* p->buf is about to change */
    if ((err = ddict(cat, p, dict, seq, &dd)) != 0)
        return err;
    unsigned long long size =
        z != NULL ? ZSTD_getFrameContentSize(z, zlen) : ZSTD_CONTENTSIZE_ERROR;
    if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN || size > ENTRY_MAX)
        goto bad;
    if (grow((void **)&p->buf, &p->cap, (size_t)size + 1) != 0)
        return cs_cat_no_memory(cat, "cannot read the ledger");
    if (p->dctx == NULL && (p->dctx = ZSTD_createDCtx()) == NULL)
        return cs_cat_no_memory(cat, "cannot read the ledger");
    size_t got = ZSTD_decompress_usingDDict(p->dctx, p->buf, (size_t)size, z, zlen, dd);
    if (ZSTD_isError(got) || got != size)
        goto bad;
    p->buf[got] = '\0';
    *len = got;
    return 0;
bad:
    cs_diag_set("catalog %s: ledger entry %lld was changed: its compressed bytes do not"
                " decompress; run `custody ledger verify`",
                cat->path, (long long)seq);
    return CS_ECORRUPT;
}

int
cs_cat_ledger_text(cs_catalog_t *cat, sqlite3_stmt *st, int col, int64_t seq, const char **text,
                   size_t *len)
{
    if (sqlite3_column_type(st, col + 2) == SQLITE_NULL) {
        const char *t = (const char *)sqlite3_column_text(st, col);
        *text = t ? t : "";
        *len = (size_t)sqlite3_column_bytes(st, col);
        return 0;
    }
    const void *z = sqlite3_column_blob(st, col + 2);
    int err = unpack(cat, seq, sqlite3_column_int64(st, col + 1), z,
                     (size_t)sqlite3_column_bytes(st, col + 2), len);
    if (err == 0)
        *text = cat->pack->buf;
    return err;
}

void
cs_cat_sql_ledger_entry(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    cs_catalog_t *cat = sqlite3_user_data(ctx);
    struct cs_ledger_pack *p = pack_of(cat);
    size_t len = 0;
    (void)argc;
    if (sqlite3_value_type(argv[2]) == SQLITE_NULL) {
        sqlite3_result_value(ctx, argv[0]);
        return;
    }
    const void *z = sqlite3_value_blob(argv[2]);
    size_t zlen = (size_t)sqlite3_value_bytes(argv[2]);
    int64_t dict = sqlite3_value_int64(argv[1]);
    if (p == NULL) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    /* The same row asked again (several JSON tests on one entry): the buffer holds it. */
    if (p->memo_dict != 0 && p->memo_dict == dict && p->memo_zlen == zlen &&
        memcmp(p->memo_z, z, zlen) == 0) {
        sqlite3_result_text(ctx, p->buf, (int)p->memo_len, SQLITE_TRANSIENT);
        return;
    }
    if (unpack(cat, -1, dict, z, zlen, &len) != 0) {
        sqlite3_result_error(ctx, cs_diag(), -1);
        return;
    }
    if (grow(&p->memo_z, &p->memo_zcap, zlen) == 0) {
        memcpy(p->memo_z, z, zlen);
        p->memo_zlen = zlen;
        p->memo_len = len;
        p->memo_dict = dict;
    }
    sqlite3_result_text(ctx, p->buf, (int)len, SQLITE_TRANSIENT);
}

/* Trains a dictionary from the `n` entries before `seq` and stores it; *id 0 when they are
 * too alike or too few for zstd to learn from (the entries stay plain). */
static int
train(cs_catalog_t *cat, int64_t seq, int64_t n, int64_t *id, const char *what)
{
    sqlite3_stmt *st = NULL;
    char *samples = NULL, now[CS_TIME_MAX];
    size_t *sizes = NULL, used = 0, cap = 0, count = 0;
    void *dict = NULL;
    int err, rc;
    *id = 0;
    if ((sizes = malloc((size_t)n * sizeof *sizes)) == NULL ||
        (dict = malloc(DICT_BYTES)) == NULL) {
        err = cs_cat_no_memory(cat, what);
        goto out;
    }
    err = cs_cat_prepare(cat,
                         "SELECT seq, " CS_LEDGER_COLS " FROM ledger WHERE seq >= ?1 AND seq < ?2"
                         " ORDER BY seq",
                         &st, what);
    if (err != 0)
        goto out;
    sqlite3_bind_int64(st, 1, seq - n);
    sqlite3_bind_int64(st, 2, seq);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && count < (size_t)n) {
        const char *text = NULL;
        size_t len = 0;
        if ((err = cs_cat_ledger_text(cat, st, 1, sqlite3_column_int64(st, 0), &text, &len)) != 0)
            goto out;
        if (grow((void **)&samples, &cap, used + len) != 0) {
            err = cs_cat_no_memory(cat, what);
            goto out;
        }
        memcpy(samples + used, text, len);
        used += len;
        sizes[count++] = len;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        err = cs_cat_err(cat, rc, what);
        goto out;
    }
    cs_cat_finalize(cat, st);
    st = NULL;
    size_t got = ZDICT_trainFromBuffer(dict, DICT_BYTES, samples, sizes, (unsigned)count);
    if (ZDICT_isError(got))
        goto out; /* nothing to learn: stay plain */
    cs_clock_now(now);
    err = cs_cat_prepare(
        cat, "INSERT INTO ledger_dicts (dict, trained_on, made_at) VALUES (?1, ?2, ?3)", &st, what);
    if (err != 0)
        goto out;
    sqlite3_bind_blob(st, 1, dict, (int)got, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)count);
    sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
    if ((err = cs_cat_step_done(cat, st, what)) == 0)
        *id = sqlite3_last_insert_rowid(cat->db);
out:
    cs_cat_finalize(cat, st);
    free(samples);
    free(sizes);
    free(dict);
    return err;
}

/* Loads the newest dictionary into p->cdict; none: p->want_train, for after the commit. */
static int
load_cdict(cs_catalog_t *cat, struct cs_ledger_pack *p, const char *what)
{
    sqlite3_stmt *st = NULL;
    int err = cs_cat_prepare(cat, "SELECT id, dict FROM ledger_dicts ORDER BY id DESC LIMIT 1", &st,
                             what),
        rc;
    if (err != 0)
        return err;
    if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        p->cdict = ZSTD_createCDict(sqlite3_column_blob(st, 1), (size_t)sqlite3_column_bytes(st, 1),
                                    ZSTD_CLEVEL_DEFAULT);
        if (p->cdict == NULL || (p->cctx == NULL && (p->cctx = ZSTD_createCCtx()) == NULL) ||
            ZSTD_isError(ZSTD_CCtx_refCDict(p->cctx, p->cdict)) ||
            ZSTD_isError(ZSTD_CCtx_setParameter(p->cctx, ZSTD_c_dictIDFlag, 0)) ||
            ZSTD_isError(ZSTD_CCtx_setParameter(p->cctx, ZSTD_c_checksumFlag, 0))) {
            ZSTD_freeCDict(p->cdict);
            p->cdict = NULL;
            err = cs_cat_no_memory(cat, what);
        } else {
            p->cdict_id = sqlite3_column_int64(st, 0);
        }
    } else if (rc == SQLITE_DONE) {
        p->want_train = 1;
    } else {
        err = cs_cat_err(cat, rc, what);
    }
    cs_cat_finalize(cat, st);
    return err;
}

void
cs_cat_ledger_after_commit(cs_catalog_t *cat)
{
    struct cs_ledger_pack *p = cat->pack;
    const char *what = "cannot train the ledger's dictionary";
    int64_t size = 0, id = 0;
    if (p == NULL || !p->want_train || p->training || !sqlite3_get_autocommit(cat->db))
        return;
    p->want_train = 0;
    p->training = 1;
    /* In a transaction of its own, committed before any entry names it: a dictionary is never
     * taken back by a rollback after rows were compressed with it. */
    if (cs_cat_begin(cat, what) == 0) {
        if (cs_catalog_ledger_size(cat, &size) == 0 && size >= p->after &&
            cs_cat_int64(cat, "SELECT coalesce(max(id), 0) FROM ledger_dicts", NULL, 0, &id,
                         what) == 0 &&
            id == 0 &&
            train(cat, size, p->after < TRAIN_ON ? p->after : TRAIN_ON, &id, what) == 0 && id != 0)
            (void)cs_cat_commit(cat, what);
        else
            cs_cat_rollback(cat);
    }
    p->next_check = 0; /* the next append loads it */
    p->training = 0;
}

int
cs_cat_ledger_pack(cs_catalog_t *cat, int64_t seq, const char *text, size_t len, int64_t *dict,
                   const void **z, size_t *zlen, const char *what)
{
    struct cs_ledger_pack *p = pack_of(cat);
    size_t back = 0;
    int err;
    *dict = 0;
    if (p == NULL)
        return cs_cat_no_memory(cat, what);
    if (p->cdict == NULL) {
        if (p->after <= 0 || seq < p->after || seq < p->next_check)
            return 0;
        p->next_check = seq + CHECK_EVERY;
        if ((err = load_cdict(cat, p, what)) != 0 || p->cdict == NULL)
            return err;
    }
    if (grow(&p->zbuf, &p->zcap, ZSTD_compressBound(len)) != 0)
        return cs_cat_no_memory(cat, what);
    size_t n = ZSTD_compress2(p->cctx, p->zbuf, p->zcap, text, len);
    if (ZSTD_isError(n) || n >= len)
        return 0; /* kept plain */
    /* Nothing is lost: the frame is read back, as every reader will, before it is kept. */
    if (unpack(cat, seq, p->cdict_id, p->zbuf, n, &back) != 0 || back != len ||
        memcmp(p->buf, text, len) != 0) {
        cs_diag_set("catalog %s: ledger entry %lld does not read back from its compressed"
                    " bytes; kept plain",
                    cat->path, (long long)seq);
        return 0;
    }
    *dict = p->cdict_id;
    *z = p->zbuf;
    *zlen = n;
    return 0;
}
