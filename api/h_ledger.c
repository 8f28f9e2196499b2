/* api/h_ledger.c: the ledger for auditors (entries), and for anyone holding a token the
 * latest signed checkpoint and RFC 6962 proofs (base64 hashes, as `custody ledger --json`
 * prints them). Thread pool, catalog lock held. */
#include "api/args.h"

#include "core/error.h"
#include "indexer/ledger.h"
#include "ledger/b64.h"
#include "ledger/checkpoint.h"
#include "ledger/merkle.h"

#include <stdlib.h>
#include <string.h>

typedef struct page {
    json_t *entries;
    long long limit;
    int64_t next;
} page_t;

static int
on_entry(void *arg, int64_t seq, const char *entry, size_t len, const uint8_t *leaf,
         size_t leaf_len)
{
    page_t *p = arg;
    json_t *e = json_loadb(entry, len, 0, NULL);
    (void)leaf;
    (void)leaf_len;
    if (e == NULL)
        e = json_pack("{s:I, s:s}", "seq", (json_int_t)seq, "unreadable", "not JSON");
    json_array_append_new(p->entries, e);
    p->next = seq + 1;
    return (long long)json_array_size(p->entries) >= p->limit ? 1 : 0;
}

void
cs_api_h_ledger(cs_api_call_t *c)
{
    long long since, limit;
    int64_t size = 0;
    page_t p = {0};
    int rc;
    if (cs_api_arg_int(c, "since", 0, 0, INT64_MAX / 2, &since) ||
        cs_api_arg_int(c, "limit", 100, 1, 1000, &limit))
        return;
    p.entries = json_array();
    p.limit = limit;
    p.next = since;
    rc = cs_catalog_ledger_each(c->cat, since, on_entry, &p);
    if ((rc != 0 && rc != 1) || (rc = cs_catalog_ledger_size(c->cat, &size)) != 0) {
        json_decref(p.entries);
        cs_api_fail_rc(c, rc, "reading the ledger");
        return;
    }
    c->json = json_pack("{s:I, s:o, s:I}", "size", (json_int_t)size, "entries", p.entries, "next",
                        (json_int_t)p.next);
    c->status = 200;
}

void
cs_api_h_checkpoint(cs_api_call_t *c)
{
    int64_t size = -1;
    uint8_t root[32];
    char *note = NULL;
    int rc = cs_catalog_checkpoint_latest(c->cat, &size, root, &note, NULL, NULL);
    if (rc != 0) {
        cs_api_fail_rc(c, rc, "reading the checkpoints");
    } else if (size < 0 || note == NULL) {
        cs_api_fail(c, "not-found", "no checkpoint has been signed yet");
    } else {
        c->text = note;
        c->text_len = strlen(note);
        c->ctype = "text/plain; charset=utf-8";
        c->status = 200;
        return;
    }
    free(note);
}

static json_t *
hashes(uint8_t (*h)[32], size_t n)
{
    char b64[64];
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        cs_b64_encode(h[i], 32, b64, sizeof b64);
        json_array_append_new(a, json_string(b64));
    }
    return a;
}

void
cs_api_h_proof(cs_api_call_t *c)
{
    uint8_t path[CS_MERKLE_PROOF_MAX][32], leaf[1][32], root[32];
    long long leaf_ix, size_arg;
    int64_t covered = -1, entries = 0;
    size_t n = 0;
    int rc;
    if (cs_api_arg_int(c, "leaf", -1, 0, INT64_MAX / 2, &leaf_ix) ||
        cs_api_arg_int(c, "size", 0, 1, INT64_MAX / 2, &size_arg))
        return;
    if (leaf_ix < 0) {
        cs_api_fail(c, "bad-request", "give leaf=N (and size=M, else the latest checkpoint's)");
        return;
    }
    if ((rc = cs_catalog_ledger_size(c->cat, &entries)) != 0 ||
        (size_arg == 0 &&
         (rc = cs_catalog_checkpoint_latest(c->cat, &covered, root, NULL, NULL, NULL)) != 0))
        goto fail;
    if (size_arg == 0 && covered < 0) {
        cs_api_fail(c, "not-found", "no checkpoint yet: give size=M");
        return;
    }
    uint64_t size = size_arg ? (uint64_t)size_arg : (uint64_t)covered;
    if ((uint64_t)leaf_ix >= size || size > (uint64_t)entries) {
        cs_api_fail(c, "bad-request",
                    "leaf %lld is not in a tree of %llu entries (the ledger has %lld)", leaf_ix,
                    (unsigned long long)size, (long long)entries);
        return;
    }
    if ((rc = cs_merkle_inclusion_proof(cs_ledger_leaves, c->cat, (uint64_t)leaf_ix, size, path,
                                        &n)) != 0 ||
        (rc = cs_catalog_ledger_leaves(c->cat, (uint64_t)leaf_ix, 1, leaf)) != 0)
        goto fail;
    char b64[64];
    cs_b64_encode(leaf[0], 32, b64, sizeof b64);
    c->json = json_pack("{s:I, s:I, s:s, s:o}", "leaf", (json_int_t)leaf_ix, "size",
                        (json_int_t)size, "leaf_hash", b64, "path", hashes(path, n));
    c->status = 200;
    return;
fail:
    cs_api_fail_rc(c, rc, "making the proof");
}

void
cs_api_h_consistency(cs_api_call_t *c)
{
    uint8_t proof[CS_MERKLE_PROOF_MAX][32];
    long long from, to;
    int64_t entries = 0;
    size_t n = 0;
    int rc;
    if (cs_api_arg_int(c, "from", -1, 0, INT64_MAX / 2, &from) ||
        cs_api_arg_int(c, "to", -1, 1, INT64_MAX / 2, &to))
        return;
    if (from < 0 || to < 0 || from > to) {
        cs_api_fail(c, "bad-request", "give from=M&to=N with 0 <= M <= N, N > 0");
        return;
    }
    if ((rc = cs_catalog_ledger_size(c->cat, &entries)) != 0)
        goto fail;
    if (to > entries) {
        cs_api_fail(c, "bad-request", "to=%lld is beyond the ledger's %lld entries", to,
                    (long long)entries);
        return;
    }
    if ((rc = cs_merkle_consistency_proof(cs_ledger_leaves, c->cat, (uint64_t)from, (uint64_t)to,
                                          proof, &n)) != 0)
        goto fail;
    c->json = json_pack("{s:I, s:I, s:o}", "from", (json_int_t)from, "to", (json_int_t)to, "proof",
                        hashes(proof, n));
    c->status = 200;
    return;
fail:
    cs_api_fail_rc(c, rc, "making the proof");
}
