/* api/h_ledger.c: the ledger for auditors (entries, filtered by what they say, as parsed JSON
 * or as the exact bytes stored with their leaf hash), and for anyone holding a token the
 * latest signed checkpoint, RFC 6962 proofs (base64 hashes, as `custody ledger --json` prints
 * them) and the public key that signs checkpoints. Thread pool, catalog lock held. */
#include "api/args.h"
#include "api/page.h"

#include "core/error.h"
#include "indexer/ledger.h"
#include "indexer/ledger_filter.h"
#include "ledger/b64.h"
#include "ledger/checkpoint.h"
#include "ledger/key.h"
#include "ledger/merkle.h"
#include "ledger/note.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct page {
    json_t *entries;
    int raw; /* each entry as stored, with its leaf hash */
} page_t;

static int
on_entry(void *arg, int64_t seq, const char *entry, size_t len, const uint8_t *leaf,
         size_t leaf_len)
{
    page_t *p = arg;
    char b64[CS_B64_LEN(32) + 1] = "";
    json_t *e;
    if (p->raw) {
        if (leaf_len == 32)
            cs_b64_encode(leaf, 32, b64, sizeof b64);
        e = json_pack("{s:I, s:s%, s:s}", "seq", (json_int_t)seq, "entry", entry, len, "leaf", b64);
    } else {
        e = json_loadb(entry, len, 0, NULL);
    }
    if (e == NULL)
        e = json_pack("{s:I, s:s}", "seq", (json_int_t)seq, "unreadable", "not JSON");
    return json_array_append_new(p->entries, e) == 0 ? 0 : CS_ENOMEM;
}

/* The exact-match filters and the time bounds, in the order of the query parameters. */
static const char *const filters[] = {"actor",  "role", "case",    "action", "kind",
                                      "result", "item", "purpose", "from",   "to"};
#define NFILTERS (sizeof filters / sizeof filters[0])

void
cs_api_h_ledger(cs_api_call_t *c)
{
    char vals[NFILTERS][CS_API_PURPOSE_MAX], order[8] = "asc", cursor[CS_API_CURSOR_MAX];
    cs_search_key_t after, at;
    const char *v[NFILTERS] = {0};
    long long since, limit, raw;
    int64_t size = 0, next = 0;
    int set, has_order, has_cursor, rc;
    cs_casenum_t cn;
    page_t p = {0};
    for (size_t i = 0; i < NFILTERS; i++) {
        if (cs_api_arg_str(c, filters[i], vals[i], sizeof vals[i], &set) != 0)
            return;
        v[i] = set ? vals[i] : NULL;
    }
    if (cs_api_arg_str(c, "order", order, sizeof order, &has_order) != 0)
        return;
    if (strcmp(order, "asc") != 0 && strcmp(order, "desc") != 0) {
        cs_api_fail(c, "bad-request", "order must be asc (oldest first) or desc (newest first)");
        return;
    }
    int desc = order[0] == 'd';
    if (cs_api_arg_int(c, "since", desc ? -1 : 0, desc ? -1 : 0, INT64_MAX / 2, &since) ||
        cs_api_arg_int(c, "limit", 100, 1, 1000, &limit) ||
        cs_api_arg_int(c, "raw", 0, 0, 1, &raw) ||
        cs_api_arg_cursor(c, desc ? "ledger-desc" : "ledger", NULL, &after, &has_cursor) != 0)
        return;
    /* A cursor (the next_cursor of a page) stands for the since it was made of. */
    if (has_cursor)
        since = after.id;
    /* The ledger keeps case numbers normalised: [2023] finds 〔2023〕. */
    if (v[2] != NULL) {
        if (cs_api_arg_case(c, v[2], &cn) != 0)
            return;
        v[2] = cn.text;
    }
    /* Dates are days at the site (site.tz), as people read the times the ledger shows. */
    if (v[8] != NULL)
        cs_api_arg_site_bound(c, vals[8], sizeof vals[8], 0);
    if (v[9] != NULL)
        cs_api_arg_site_bound(c, vals[9], sizeof vals[9], 1);
    cs_ledger_filter_t f = {
        .actor = v[0],
        .role = v[1],
        .case_number = v[2],
        .action = v[3],
        .kind = v[4],
        .result = v[5],
        .item = v[6],
        .purpose = v[7],
        .from = v[8],
        .to = v[9],
        .since = since,
        .desc = desc,
        .limit = (int)limit,
    };
    p.entries = json_array();
    p.raw = raw == 1;
    cs_diag_clear();
    if ((rc = cs_catalog_ledger_filter(c->cat, &f, on_entry, &p, &next)) != 0 ||
        (rc = cs_catalog_ledger_size(c->cat, &size)) != 0) {
        json_decref(p.entries);
        cs_api_fail_rc(c, rc, "reading the ledger");
        return;
    }
    /* Descending, a page ends the ledger when nothing older is left: next is null then. The
     * same place as a cursor, sealed for this user and order (page.h). */
    at = (cs_search_key_t){.id = next};
    if (next >= 0 && (rc = cs_api_next_cursor(c, desc ? "ledger-desc" : "ledger", NULL, &at, cursor,
                                              sizeof cursor)) != 0) {
        json_decref(p.entries);
        cs_api_fail_rc(c, rc, "reading the ledger");
        return;
    }
    c->json = json_pack("{s:I, s:o, s:o, s:s?}", "size", (json_int_t)size, "entries", p.entries,
                        "next", next < 0 ? json_null() : json_integer(next), "next_cursor",
                        next < 0 ? NULL : cursor);
    c->status = 200;
}

/* Reads the PEM file at path (a public key: small) into *out (malloc'd). */
static int
read_pem(const char *path, char **out)
{
    char buf[4096];
    FILE *f = fopen(path, "r");
    size_t n;
    *out = NULL;
    if (f == NULL) {
        cs_diag_set("cannot read %s", path);
        return CS_ENOENT;
    }
    n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    if (n == sizeof buf - 1 || strstr(buf, "-----BEGIN PUBLIC KEY-----") == NULL) {
        cs_diag_set("%s is not a PEM public key", path);
        return CS_ECRYPTO;
    }
    return (*out = strdup(buf)) != NULL ? 0 : CS_ENOMEM;
}

void
cs_api_h_ledger_key(cs_api_call_t *c)
{
    const cs_home_t *home = c->api->opts.home;
    char origin[64], id[CS_KEY_ID_MAX], name[64], b64[CS_B64_LEN(32) + 1];
    char *vkey = NULL, *pem = NULL;
    uint8_t pub[32];
    int rc;
    cs_diag_clear();
    /* The raw key through Go's verifier key (note.h): the same bytes the notes are checked by. */
    if ((rc = cs_ledger_origin(home, origin, sizeof origin)) != 0 ||
        (rc = cs_ledger_key_id(home->pub, id)) != 0 ||
        (rc = cs_note_vkey(home->pub, origin, &vkey)) != 0 ||
        (rc = cs_note_vkey_parse(vkey, name, sizeof name, pub)) != 0 ||
        (rc = cs_b64_encode(pub, sizeof pub, b64, sizeof b64)) != 0 ||
        (rc = read_pem(home->pub, &pem)) != 0) {
        cs_api_fail_rc(c, rc, "reading the ledger's public key");
        goto out;
    }
    cs_api_answer_json(c,
                       json_pack("{s:s, s:s, s:s, s:s, s:s}", "name", origin, "key_id", id,
                                 "public_key", b64, "pem", pem, "vkey", vkey),
                       200);
out:
    free(vkey);
    free(pem);
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
    if ((rc = cs_merkle_inclusion_proof_nodes(cs_ledger_leaves, cs_ledger_nodes, c->cat,
                                              (uint64_t)leaf_ix, size, path, &n)) != 0 ||
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
    if ((rc = cs_merkle_consistency_proof_nodes(cs_ledger_leaves, cs_ledger_nodes, c->cat,
                                                (uint64_t)from, (uint64_t)to, proof, &n)) != 0)
        goto fail;
    c->json = json_pack("{s:I, s:I, s:o}", "from", (json_int_t)from, "to", (json_int_t)to, "proof",
                        hashes(proof, n));
    c->status = 200;
    return;
fail:
    cs_api_fail_rc(c, rc, "making the proof");
}
