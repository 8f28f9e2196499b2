/* export/export_ledger.c: data/ledger/ of an export: every entry about the case and its
 * exported items, each with its RFC 6962 inclusion proof against one signed checkpoint.
 *
 * Each proof folds the ledger's stored subtree roots (ledger_nodes, ledger/nodes.c) and hashes
 * only what is not stored: a few thousand hashes read a proof whatever the ledger's size, where
 * a tree of the whole ledger was built for each export before (2 x 32 bytes a leaf in a
 * temporary file: 6.4 GB at 10^8 entries). */
#include "export/export_int.h"

#include "core/error.h"
#include "indexer/ledger.h"
#include "ledger/b64.h"
#include "export/bag_int.h"
#include "ledger/checkpoint.h"
#include "ledger/merkle.h"
#include "ledger/note.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct each {
    cs_export_t *x;
    FILE *entries, *proofs;
} each_t;

/* Is `e` the "user.key" entry that ledgered the key of an opinion the bag carries (its
 * data/review/keys/KEYID.pem, written before the ledger)? Then verify-bag can tie the key to
 * this home. */
static int
opinion_key(cs_export_t *x, json_t *e)
{
    const char *action = json_string_value(json_object_get(e, "action"));
    const char *kid = json_string_value(json_object_get(e, "key"));
    char path[PATH_MAX];
    struct stat st;
    if (action == NULL || strcmp(action, "user.key") != 0 || kid == NULL || strlen(kid) != 64 ||
        strspn(kid, "0123456789abcdef") != 64)
        return 0;
    if ((size_t)snprintf(path, sizeof path, "%s/data/review/keys/%s.pem", x->dir, kid) >=
        sizeof path)
        return 0;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Is the entry about the case, or about one of the exported items (never a withheld one),
 * or the ledgering of an opinion's key, and one the bag's reader may see (the gate's scope:
 * custody events only, and the export's own entry, unless they may read the whole ledger)? */
static int
about(cs_export_t *x, int64_t seq, const char *entry, size_t len)
{
    json_t *e = json_loadb(entry, len, 0, NULL);
    const char *c = json_string_value(json_object_get(e, "case"));
    const char *item = json_string_value(json_object_get(e, "item"));
    const char *kind = json_string_value(json_object_get(e, "kind"));
    int yes = 0;
    if (item != NULL && strlen(item) == 64 && cs_export_is_withheld(x, item))
        yes = 0;
    else if (x->scope != CS_LEDGER_SCOPE_ALL && seq != x->res->seq && kind != NULL &&
             (strcmp(kind, "retrieval") == 0 || strcmp(kind, "review") == 0))
        yes = 0; /* someone's read, or a refused act of the legal review: not for a reader
                  * who may not read the ledger */
    else if (c != NULL && strcmp(c, x->o->case_number) == 0)
        yes = 1;
    else if (item != NULL && strlen(item) == 64 && cs_export_has_item(x, item))
        yes = 1;
    else if (opinion_key(x, e))
        yes = 1;
    json_decref(e);
    return yes;
}

#define STOP 1 /* past the checkpoint: not an error */

static int
on_entry(void *arg, int64_t seq, const char *entry, size_t len, const uint8_t *leaf,
         size_t leaf_len)
{
    each_t *s = arg;
    uint8_t path[CS_MERKLE_PROOF_MAX][32];
    char b64[CS_B64_LEN(32) + 1];
    size_t n = 0;
    int rc;
    if (seq < 0 || (uint64_t)seq >= s->x->tree_size)
        return STOP;
    if (leaf_len != 32 || !about(s->x, seq, entry, len))
        return leaf_len != 32 ? CS_ECORRUPT : 0;
    if ((rc = cs_merkle_inclusion_proof_nodes(cs_ledger_leaves, cs_ledger_nodes, s->x->cat,
                                              (uint64_t)seq, s->x->tree_size, path, &n)) != 0)
        return rc;
    if (fwrite(entry, 1, len, s->entries) != len || fputc('\n', s->entries) == EOF)
        return CS_EIO;
    cs_b64_encode(leaf, 32, b64, sizeof b64);
    if (fprintf(s->proofs, "{\"seq\":%lld,\"leaf_hash\":\"%s\",\"path\":[", (long long)seq, b64) <
        0)
        return CS_EIO;
    for (size_t i = 0; i < n; i++) {
        cs_b64_encode(path[i], 32, b64, sizeof b64);
        if (fprintf(s->proofs, "%s\"%s\"", i ? "," : "", b64) < 0)
            return CS_EIO;
    }
    if (fputs("]}\n", s->proofs) == EOF)
        return CS_EIO;
    s->x->res->entries++;
    return 0;
}

static FILE *
open_new(cs_export_t *x, const char *rel, char *path, size_t size)
{
    FILE *f;
    if ((size_t)snprintf(path, size, "%s/%s", x->dir, rel) >= size)
        return NULL;
    if ((f = fopen(path, "wx")) == NULL)
        cs_diag_set("cannot create %s: %s", path, strerror(errno));
    return f;
}

/* Closes f and adds the file to the manifest. */
static int
close_add(cs_export_t *x, FILE **f, const char *path, const char *rel, int rc)
{
    char hex[65];
    uint64_t size = 0;
    if (*f != NULL && fclose(*f) != 0 && rc == 0)
        rc = CS_EIO;
    *f = NULL;
    if (rc == CS_EIO && !*cs_diag())
        cs_diag_set("cannot write %s", path);
    if (rc == 0 && (rc = cs_bag_hash_file(path, hex, &size)) == 0)
        rc = cs_export_manifest_add(x, rel, hex, size);
    return rc;
}

static int
entries_and_proofs(cs_export_t *x)
{
    char ep[PATH_MAX], pp[PATH_MAX];
    each_t s = {.x = x};
    int rc;
    s.entries = open_new(x, "data/ledger/entries.jsonl", ep, sizeof ep);
    s.proofs = open_new(x, "data/ledger/proofs.jsonl", pp, sizeof pp);
    if (s.entries == NULL || s.proofs == NULL) {
        rc = CS_EIO;
        goto out;
    }
    rc = cs_catalog_ledger_each(x->cat, 0, on_entry, &s);
    if (rc == STOP)
        rc = 0;
    rc = close_add(x, &s.entries, ep, "data/ledger/entries.jsonl", rc);
    rc = close_add(x, &s.proofs, pp, "data/ledger/proofs.jsonl", rc);
out:
    if (s.entries != NULL)
        fclose(s.entries);
    if (s.proofs != NULL)
        fclose(s.proofs);
    return rc;
}

int
cs_export_ledger(cs_export_t *x)
{
    char origin[64], *vkey = NULL, *pem = NULL;
    size_t pem_len = 0;
    FILE *f = NULL;
    long n;
    int rc;
    if ((rc = entries_and_proofs(x)) != 0)
        return rc;
    if ((rc = cs_export_put(x, "data/ledger/checkpoint.txt", x->note, strlen(x->note))) != 0 ||
        (rc = cs_ledger_origin(x->home, origin, sizeof origin)) != 0 ||
        (rc = cs_note_vkey(x->home->pub, origin, &vkey)) != 0)
        goto out;
    /* The public key, as the home keeps it (a few hundred bytes). */
    if ((f = fopen(x->home->pub, "rb")) == NULL || fseek(f, 0, SEEK_END) != 0 ||
        (n = ftell(f)) < 0 || n > 4096 || fseek(f, 0, SEEK_SET) != 0 ||
        (pem = malloc((size_t)n + 1)) == NULL || fread(pem, 1, (size_t)n, f) != (size_t)n) {
        cs_diag_set("cannot read the public key %s", x->home->pub);
        rc = CS_EIO;
        goto out;
    }
    pem_len = (size_t)n;
    if ((rc = cs_export_put(x, "data/ledger/key.pem", pem, pem_len)) != 0)
        goto out;
    size_t vlen = strlen(vkey);
    char *line = malloc(vlen + 2);
    if (line == NULL) {
        rc = CS_ENOMEM;
        goto out;
    }
    memcpy(line, vkey, vlen);
    memcpy(line + vlen, "\n", 2);
    rc = cs_export_put(x, "data/ledger/vkey.txt", line, vlen + 1);
    free(line);
out:
    if (f != NULL)
        fclose(f);
    free(pem);
    free(vkey);
    return rc;
}
