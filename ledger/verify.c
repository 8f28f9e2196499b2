/* ledger/verify.c: `custody ledger verify`: the ledger checked from its bytes alone
 * (checkpoint.h). The catalog is not trusted: an attacker with the file can drop triggers,
 * edit, delete, insert and reorder rows, and recompute whatever is unsigned. */
#include "ledger/checkpoint.h"

#include "core/buf.h"
#include "core/error.h"
#include "indexer/ledger.h"
#include "ledger/merkle.h"
#include "ledger/note.h"
#include "ledger/verify_walk.h"
#include "ledger/witness.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct ckpt {
    int64_t id;
    uint64_t size;
    uint8_t root[32];
} ckpt_t;

typedef struct verify {
    const char *pub_path;
    const char *origin;
    ckpt_t *ck;
    size_t nck, cap;
    size_t next; /* the next checkpoint to meet, by size */
    uint64_t lo; /* entries below this are covered by a checkpoint that matched */
    cs_merkle_frontier_t f;
    cs_merkle_hasher_t *hasher;
    const cs_ledger_witness_t *w; /* what an earlier verify saw, NULL when none */
    cs_ledger_report_t *rep;
} verify_t;

static int
problem(verify_t *v, int64_t bad, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    /* the report's words for people: a long one is cut there */
    cs_vsnprintf_cut(v->rep->problem, sizeof v->rep->problem, fmt, ap);
    va_end(ap);
    v->rep->first_bad = bad;
    return 1; /* stops the walk; not an error */
}

static int
on_checkpoint(void *arg, int64_t id, int64_t size, const uint8_t *root, size_t root_len,
              const char *note)
{
    verify_t *v = arg;
    char origin[256], *body = NULL;
    uint8_t signed_root[32];
    uint64_t signed_size = 0;
    int rc = cs_note_verify(v->pub_path, v->origin, note, &body);
    if (rc == CS_EMISMATCH || rc == CS_EINVAL) {
        free(body);
        return problem(v, -1, "checkpoint #%lld is not signed by the key %s for %s", (long long)id,
                       v->pub_path, v->origin);
    }
    if (rc != 0)
        return rc;
    rc = cs_checkpoint_parse(body, origin, sizeof origin, &signed_size, signed_root, NULL, 0);
    free(body);
    if (rc != 0 || strcmp(origin, v->origin) != 0)
        return problem(v, -1, "checkpoint #%lld is malformed or of another log (%s)", (long long)id,
                       rc == 0 ? origin : cs_diag());
    /* The columns beside the note are conveniences: the signed text is what counts. */
    if (size < 0 || (uint64_t)size != signed_size || root_len != 32 ||
        memcmp(root, signed_root, 32) != 0)
        return problem(v, -1,
                       "checkpoint #%lld: its size or root columns differ from what it "
                       "signs",
                       (long long)id);
    if (v->nck > 0 && signed_size < v->ck[v->nck - 1].size)
        return problem(v, -1,
                       "checkpoint #%lld covers %llu entries, fewer than the one before "
                       "it (%llu)",
                       (long long)id, (unsigned long long)signed_size,
                       (unsigned long long)v->ck[v->nck - 1].size);
    if (v->nck == v->cap) {
        size_t cap = v->cap ? 2 * v->cap : 64;
        ckpt_t *ck = realloc(v->ck, cap * sizeof *ck);
        if (ck == NULL)
            return CS_ENOMEM;
        v->ck = ck;
        v->cap = cap;
    }
    v->ck[v->nck].id = id;
    v->ck[v->nck].size = signed_size;
    memcpy(v->ck[v->nck].root, signed_root, 32);
    v->nck++;
    v->rep->checkpoints++;
    return 0;
}

/* Compares the tree so far with every checkpoint of exactly this size. */
static int
meet_checkpoints(verify_t *v)
{
    uint8_t root[32];
    int rc;
    while (v->next < v->nck && v->ck[v->next].size == v->f.size) {
        if ((rc = cs_merkle_frontier_root(&v->f, root)) != 0)
            return rc;
        if (memcmp(root, v->ck[v->next].root, 32) != 0) {
            if (v->f.size - v->lo == 1)
                return problem(v, (int64_t)v->lo,
                               "entry %llu was changed: checkpoint #%lld of %llu entries no "
                               "longer matches",
                               (unsigned long long)v->lo, (long long)v->ck[v->next].id,
                               (unsigned long long)v->f.size);
            return problem(v, -1,
                           "an entry among %llu..%llu was changed, removed, inserted or moved: "
                           "checkpoint #%lld of %llu entries no longer matches",
                           (unsigned long long)v->lo, (unsigned long long)(v->f.size - 1),
                           (long long)v->ck[v->next].id, (unsigned long long)v->f.size);
        }
        v->lo = v->f.size;
        v->next++;
    }
    return 0;
}

static void
hex32(const uint8_t *h, char out[65])
{
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", h[i]); /* fits: 2 hex digits and a NUL */
}

/* The tree of as many entries as the witnessed checkpoint must still have its root. */
static int
meet_witness(verify_t *v)
{
    uint8_t root[32];
    char want[65];
    int rc;
    if (v->w == NULL || v->f.size != v->w->size)
        return 0;
    if ((rc = cs_merkle_frontier_root(&v->f, root)) != 0)
        return rc;
    if (memcmp(root, v->w->root, 32) == 0)
        return 0;
    hex32(v->w->root, want);
    return problem(v, -1,
                   "the first %llu entries no longer have the root %s that checkpoint #%lld "
                   "had when `custody ledger verify` saw it on %s (ledger.witness): history "
                   "was rewritten; restore the catalog from a backup made before, and find out "
                   "who changed it",
                   (unsigned long long)v->w->size, want, (long long)v->w->checkpoint,
                   v->w->seen_at);
}

static int
on_entry(void *arg, const cs_walk_entry_t *x)
{
    verify_t *v = arg;
    int64_t seq = x->seq;
    uint8_t h[32];
    json_t *e;
    int rc;
    if ((uint64_t)seq != v->f.size)
        return problem(v, (int64_t)v->f.size,
                       seq > (int64_t)v->f.size ? "entry %llu is missing (the next is %lld)"
                                                : "entry %llu is out of order (found %lld)",
                       (unsigned long long)v->f.size, (long long)seq);
    if ((rc = cs_merkle_leaf_hash_with(v->hasher, x->text, x->len, h)) != 0)
        return rc;
    if (x->leaf_len != 32 || memcmp(h, x->leaf, 32) != 0)
        return problem(v, seq, "entry %lld was changed: its bytes no longer hash to its leaf",
                       (long long)seq);
    long long own = x->own_sure ? x->own : -1;
    int ok = x->own_sure && own == seq;
    if (!ok) { /* the scan's doubt is settled by the parser, and said in its words */
        e = json_loadb(x->text, x->len, 0, NULL);
        own = json_integer_value(json_object_get(e, "seq"));
        ok = json_is_object(e) && json_is_integer(json_object_get(e, "seq")) && own == seq;
        json_decref(e);
    }
    if (!ok)
        return problem(v, seq, "entry %lld is not where it was written (it says seq %lld)",
                       (long long)seq, (long long)own);
    if ((rc = cs_merkle_frontier_append_with(v->hasher, &v->f, h)) != 0)
        return rc;
    v->rep->entries++;
    if ((rc = meet_checkpoints(v)) != 0)
        return rc;
    return meet_witness(v);
}

int
cs_ledger_verify(cs_catalog_t *cat, const char *pub_path, const char *origin,
                 cs_ledger_report_t *rep)
{
    return cs_ledger_verify_witnessed(cat, pub_path, origin, NULL, rep);
}

int
cs_ledger_verify_witnessed(cs_catalog_t *cat, const char *pub_path, const char *origin,
                           const cs_ledger_witness_t *w, cs_ledger_report_t *rep)
{
    verify_t v = {.pub_path = pub_path, .origin = origin, .w = w, .rep = rep};
    char want[65];
    int rc;
    memset(rep, 0, sizeof *rep);
    rep->first_bad = -1;
    rep->newest_id = -1;
    cs_merkle_frontier_init(&v.f);
    if ((rc = cs_merkle_hasher_new(&v.hasher)) != 0)
        return rc;
    rc = cs_catalog_checkpoints_each(cat, on_checkpoint, &v);
    if (rc == 0)
        rc = meet_checkpoints(&v); /* a checkpoint of the empty ledger */
    if (rc == 0)
        rc = meet_witness(&v);
    if (rc == 0)
        rc = cs_ledger_walk(cat, on_entry, &v);
    if (rc == 0 && v.next < v.nck)
        rc = problem(&v, (int64_t)v.f.size,
                     "entries were removed: checkpoint #%lld covers %llu entries, the ledger "
                     "has %llu",
                     (long long)v.ck[v.next].id, (unsigned long long)v.ck[v.next].size,
                     (unsigned long long)v.f.size);
    /* Deleting the newest checkpoints (and the entries after the one left) leaves a ledger
     * consistent in itself: only what was seen before tells. */
    if (rc == 0 && w != NULL && (v.nck == 0 || v.ck[v.nck - 1].size < w->size)) {
        hex32(w->root, want);
        rc = problem(&v, -1,
                     "checkpoints were removed: the newest checkpoint in the catalog covers %llu "
                     "entries, but `custody ledger verify` saw checkpoint #%lld of %llu entries "
                     "(root %s) on %s (ledger.witness); restore the catalog from a backup made "
                     "after that, and find out who changed it",
                     v.nck ? (unsigned long long)v.ck[v.nck - 1].size : 0ULL,
                     (long long)w->checkpoint, (unsigned long long)w->size, want, w->seen_at);
    }
    if (rc == 0) {
        rep->uncovered = (int64_t)(v.f.size - (v.nck ? v.ck[v.nck - 1].size : 0));
        if (v.nck > 0) {
            rep->newest_id = v.ck[v.nck - 1].id;
            rep->newest_size = v.ck[v.nck - 1].size;
            memcpy(rep->newest_root, v.ck[v.nck - 1].root, 32);
        }
    }
    free(v.ck);
    cs_merkle_hasher_free(&v.hasher);
    return rc == 1 ? 0 : rc;
}
