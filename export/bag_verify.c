/* export/bag_verify.c: checks an exported bag with nothing but the bag (and perhaps the
 * receiver's own copy of the key): structure, manifests, Payload-Oxum, originals against
 * their names, the ledger entries' inclusion proofs and the checkpoint's signature. */
#include "export/bag.h"

#include "core/buf.h"
#include "core/error.h"
#include "ledger/b64.h"
#include "export/bag_int.h"
#include "ledger/merkle.h"
#include "ledger/note.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define PROBLEM 1 /* a check failed: rep->problem says which */

typedef struct bag {
    const char *root;
    cs_bag_report_t *rep;
    char **paths; /* the payload manifest's paths, sorted */
    size_t npaths;
    char (*originals)[65]; /* hashes of data/originals/, sorted */
    size_t noriginals;
    char info_purpose[1024];
    uint64_t walked;
    cs_bag_key_t *keys; /* the proven "user.key" entries of opinions' keys */
    size_t nkeys;
} bag_t;

static int
fail(bag_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    /* the report's words for people: a long one is cut there */
    cs_vsnprintf_cut(b->rep->problem, sizeof b->rep->problem, fmt, ap);
    va_end(ap);
    return PROBLEM;
}

static int
is_hex64(const char *s, size_t len)
{
    if (len != 64)
        return 0;
    for (size_t i = 0; i < 64; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return 1;
}

static int
path_of(bag_t *b, const char *rel, char *out)
{
    if ((size_t)snprintf(out, PATH_MAX, "%s/%s", b->root, rel) >= PATH_MAX)
        return CS_ENAMETOOLONG;
    return 0;
}

/* A manifest path we accept: relative, no "." or ".." parts, no empty parts. */
static int
safe(const char *p)
{
    if (*p == '\0' || *p == '/' || strstr(p, "//") != NULL)
        return 0;
    for (const char *s = p; s != NULL; s = strchr(s, '/')) {
        if (*s == '/')
            s++;
        if (strncmp(s, "../", 3) == 0 || strcmp(s, "..") == 0 || strncmp(s, "./", 2) == 0 ||
            strcmp(s, ".") == 0 || *s == '\0')
            return 0;
    }
    return 1;
}

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
cmp_hex(const void *a, const void *b)
{
    return strcmp(a, b);
}

static char *
slurp(bag_t *b, const char *rel, size_t max)
{
    char path[PATH_MAX];
    FILE *f;
    char *buf;
    size_t n;
    if (path_of(b, rel, path) != 0 || (f = fopen(path, "rb")) == NULL)
        return NULL;
    if ((buf = malloc(max + 1)) == NULL) {
        fclose(f);
        return NULL;
    }
    n = fread(buf, 1, max, f);
    buf[n] = '\0';
    if (fgetc(f) != EOF || memchr(buf, '\0', n) != NULL) { /* too big, or not text */
        free(buf);
        buf = NULL;
    }
    fclose(f);
    return buf;
}

/* Checks one manifest line's file: present, a regular file, and hashing to `hex`. */
static int
check_file(bag_t *b, const char *manifest, const char *hex, const char *rel, uint64_t *size)
{
    char path[PATH_MAX], got[65];
    struct stat st;
    int rc;
    if ((rc = path_of(b, rel, path)) != 0)
        return rc;
    if (lstat(path, &st) != 0)
        return fail(b, "%s lists %s, which is missing", manifest, rel);
    if (!S_ISREG(st.st_mode))
        return fail(b, "%s lists %s, which is not a regular file", manifest, rel);
    if ((rc = cs_bag_hash_file(path, got, size)) != 0)
        return rc;
    if (strcmp(got, hex) != 0)
        return fail(b, "%s does not match %s (its SHA-256 is %s, listed %s)", rel, manifest, got,
                    hex);
    return 0;
}

/* Reads a manifest; each line "<64 hex>  <path>". With payload, keeps the paths. */
static int
read_manifest(bag_t *b, const char *name, int payload)
{
    char path[PATH_MAX], *line = NULL;
    size_t cap = 0, lineno = 0, cap_paths = 0;
    ssize_t len;
    FILE *f;
    int rc = 0, tags = 0;
    if ((rc = path_of(b, name, path)) != 0)
        return rc;
    if ((f = fopen(path, "r")) == NULL)
        return fail(b, "%s is missing", name);
    while ((len = getline(&line, &cap, f)) > 0) {
        uint64_t size = 0;
        lineno++;
        if (line[len - 1] == '\n')
            line[--len] = '\0';
        if (len < 67 || !is_hex64(line, 64) || line[64] != ' ' || line[65] != ' ') {
            rc = fail(b, "%s line %zu is not \"<sha256>  <path>\"", name, lineno);
            break;
        }
        const char *rel = line + 66;
        line[64] = '\0';
        if (!safe(rel) || (payload != (strncmp(rel, "data/", 5) == 0))) {
            rc = fail(b, "%s line %zu names %s, which is not %s", name, lineno, rel,
                      payload ? "a payload file under data/" : "a tag file");
            break;
        }
        if ((rc = check_file(b, name, line, rel, &size)) != 0)
            break;
        if (!payload) {
            tags |= strcmp(rel, "bag-info.txt") == 0          ? 1
                    : strcmp(rel, "manifest-sha256.txt") == 0 ? 2
                                                              : 0;
            continue;
        }
        b->rep->files++;
        b->rep->bytes += size;
        if (strncmp(rel, "data/originals/", 15) == 0) {
            const char *n = rel + 15, *dot = strchr(n, '.');
            if (dot == NULL || !is_hex64(n, (size_t)(dot - n)) || strncmp(n, line, 64) != 0) {
                rc = fail(b, "original %s does not carry its own SHA-256 (%s) as its name", rel,
                          line);
                break;
            }
            b->rep->originals++;
        }
        if (b->npaths == cap_paths) {
            size_t nc = cap_paths ? cap_paths * 2 : 256;
            char **np = realloc(b->paths, nc * sizeof *np);
            if (np == NULL) {
                rc = CS_ENOMEM;
                break;
            }
            b->paths = np;
            cap_paths = nc;
        }
        if ((b->paths[b->npaths] = strdup(rel)) == NULL) {
            rc = CS_ENOMEM;
            break;
        }
        b->npaths++;
    }
    free(line);
    fclose(f);
    if (rc == 0 && !payload && tags != 3)
        rc = fail(b, "%s does not cover bag-info.txt and manifest-sha256.txt", name);
    return rc;
}

/* Every file under data/ must be in the payload manifest. */
static int
on_walk(void *arg, const char *rel, const struct stat *st)
{
    bag_t *b = arg;
    char full[PATH_MAX];
    const char *key = full;
    if (S_ISDIR(st->st_mode))
        return 0;
    if ((size_t)snprintf(full, sizeof full, "data/%s", rel) >= sizeof full)
        return CS_ENAMETOOLONG;
    if (!S_ISREG(st->st_mode))
        return fail(b, "%s is not a regular file", full);
    if (b->npaths == 0 || bsearch(&key, b->paths, b->npaths, sizeof *b->paths, cmp_str) == NULL)
        return fail(b, "%s is in the bag but not in manifest-sha256.txt", full);
    b->walked++;
    return 0;
}

static int
payload(bag_t *b)
{
    char data[PATH_MAX];
    int rc;
    if ((rc = read_manifest(b, "manifest-sha256.txt", 1)) != 0)
        return rc;
    if (b->npaths > 1) /* an empty manifest leaves paths NULL, which qsort may not take */
        qsort(b->paths, b->npaths, sizeof *b->paths, cmp_str);
    for (size_t i = 1; i < b->npaths; i++)
        if (strcmp(b->paths[i - 1], b->paths[i]) == 0)
            return fail(b, "manifest-sha256.txt lists %s twice", b->paths[i]);
    if ((rc = path_of(b, "data", data)) != 0 || (rc = cs_bag_walk(data, "", on_walk, b)) != 0)
        return rc;
    if (b->walked != b->npaths)
        return fail(b, "manifest-sha256.txt lists files that are not in data/");
    b->originals = calloc(b->rep->originals ? b->rep->originals : 1, sizeof *b->originals);
    if (b->originals == NULL)
        return CS_ENOMEM;
    for (size_t i = 0; i < b->npaths; i++)
        if (strncmp(b->paths[i], "data/originals/", 15) == 0)
            /* fits: the hash before ".ext", checked by the manifest's walk */
            snprintf(b->originals[b->noriginals++], 65, "%.64s", b->paths[i] + 15);
    qsort(b->originals, b->noriginals, sizeof *b->originals, cmp_hex);
    return 0;
}

static int
has_original(bag_t *b, const char *sha)
{
    char key[65];
    if (cs_snprintf(key, sizeof key, "%s", sha) != 0)
        return 0; /* longer than a hash: never the cut one's original */
    return b->noriginals > 0 &&
           bsearch(key, b->originals, b->noriginals, sizeof *b->originals, cmp_hex) != NULL;
}

/* The value of a bag-info label, into out. */
static int
label(const char *info, const char *name, char *out, size_t size)
{
    size_t n = strlen(name);
    for (const char *l = info; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
        if (strncmp(l, name, n) == 0 && l[n] == ':' && l[n + 1] == ' ') {
            size_t len = strcspn(l + n + 2, "\n");
            if (len >= size)
                return 0;
            memcpy(out, l + n + 2, len);
            out[len] = '\0';
            return 1;
        }
    return 0;
}

static int
bag_info(bag_t *b)
{
    char *info = slurp(b, "bag-info.txt", 64 * 1024), oxum[64], want[64], seq[32];
    int rc = 0;
    if (info == NULL)
        return fail(b, "bag-info.txt is missing or not text");
    snprintf(want, sizeof want, "%llu.%llu",
             /* fits: 2 x 20 digits < 64 */ (unsigned long long)b->rep->bytes,
             (unsigned long long)b->rep->files);
    if (!label(info, "Payload-Oxum", oxum, sizeof oxum))
        rc = fail(b, "bag-info.txt has no Payload-Oxum");
    else if (strcmp(oxum, want) != 0)
        rc = fail(b, "Payload-Oxum is %s but the payload is %s (octets.files)", oxum, want);
    else if (!label(info, "External-Identifier", b->rep->case_number, sizeof b->rep->case_number))
        rc = fail(b, "bag-info.txt has no External-Identifier (the case)");
    else if (!label(info, "Custody-Ledger-Entry", seq, sizeof seq))
        rc = fail(b, "bag-info.txt has no Custody-Ledger-Entry (the export's own entry)");
    else
        b->rep->export_seq = strtoll(seq, NULL, 10);
    label(info, "Custody-Purpose", b->info_purpose, sizeof b->info_purpose);
    free(info);
    return rc;
}

static int
read_pub(const char *path, uint8_t pub[32])
{
    FILE *f = fopen(path, "r");
    EVP_PKEY *k = NULL;
    size_t len = 32;
    int rc = CS_ECRYPTO;
    if (f == NULL) {
        rc = cs_err_from_errno(errno);
        cs_diag_set("cannot open the key %s: %s", path, strerror(errno));
        return rc;
    }
    k = PEM_read_PUBKEY(f, NULL, NULL, NULL);
    fclose(f);
    if (k != NULL && EVP_PKEY_get_raw_public_key(k, pub, &len) == 1 && len == 32)
        rc = 0;
    else
        cs_diag_set("%s is not an Ed25519 public key in PEM", path);
    EVP_PKEY_free(k);
    return rc;
}

/* The checkpoint's signature, and its size and root. */
static int
checkpoint(bag_t *b, const char *key_path, uint64_t *size, uint8_t root[32])
{
    char kp[PATH_MAX], id[65], origin[64], *note = NULL, *body = NULL;
    uint8_t pub[32], theirs[32], digest[32];
    int rc;
    if ((rc = path_of(b, "data/ledger/key.pem", kp)) != 0)
        return rc;
    if (read_pub(kp, pub) != 0)
        return fail(b, "data/ledger/key.pem is missing or not an Ed25519 public key");
    if (key_path != NULL) {
        if ((rc = read_pub(key_path, theirs)) != 0)
            return rc;
        if (memcmp(pub, theirs, 32) != 0)
            return fail(b,
                        "the bag's key (data/ledger/key.pem) is not the key %s: the bag was "
                        "not signed by the home you hold the key of",
                        key_path);
    }
    if (EVP_Digest(pub, 32, digest, NULL, EVP_sha256(), NULL) != 1)
        return CS_ECRYPTO;
    cs_hex(digest, 32, id);
    snprintf(origin, sizeof origin, "custody/%.16s", id);          /* fits: 24 bytes < 64 */
    snprintf(b->rep->origin, sizeof b->rep->origin, "%s", origin); /* fits: same size */
    if ((note = slurp(b, "data/ledger/checkpoint.txt", 64 * 1024)) == NULL)
        return fail(b, "data/ledger/checkpoint.txt is missing");
    rc = cs_note_verify_raw(pub, origin, note, &body);
    free(note);
    if (rc == CS_EMISMATCH || rc == CS_EINVAL) {
        cs_diag_clear();
        return fail(b, "data/ledger/checkpoint.txt is not signed by the bag's key (%s)", origin);
    }
    if (rc != 0)
        return rc;
    char got[64];
    rc = cs_checkpoint_parse(body, got, sizeof got, size, root, NULL, 0);
    free(body);
    if (rc != 0 || strcmp(got, origin) != 0) {
        cs_diag_clear();
        return fail(b, "data/ledger/checkpoint.txt is not a checkpoint of %s", origin);
    }
    b->rep->tree_size = *size;
    return 0;
}

/* Is entry e a "user.key" entry (a reviewer's key the home made: the export carries those of
 * its opinions' keys)? Then *yes, and it is kept in b->keys for the opinions' check, which
 * names an opinion whose key has none. */
static int
opinion_key(bag_t *b, json_t *e, int *yes)
{
    const char *action = json_string_value(json_object_get(e, "action"));
    const char *kid = json_string_value(json_object_get(e, "key"));
    const char *user = json_string_value(json_object_get(e, "user"));
    cs_bag_key_t *k;
    *yes = 0;
    if (action == NULL || strcmp(action, "user.key") != 0 || kid == NULL || user == NULL ||
        !is_hex64(kid, strlen(kid)) || strlen(user) >= sizeof k->user)
        return 0;
    if ((k = realloc(b->keys, (b->nkeys + 1) * sizeof *k)) == NULL)
        return CS_ENOMEM;
    b->keys = k;
    memcpy(k[b->nkeys].key_id, kid, 65);
    memcpy(k[b->nkeys].user, user, strlen(user) + 1);
    b->nkeys++;
    *yes = 1;
    return 0;
}

/* One ledger entry and its proof line. */
static int
check_entry(bag_t *b, const char *entry, size_t len, const char *proof_line, size_t lineno,
            uint64_t size, const uint8_t root[32], int64_t *last, int *saw_export)
{
    uint8_t leaf[32], claimed[32], path[CS_MERKLE_PROOF_MAX][32];
    json_t *e = json_loadb(entry, len, 0, NULL), *p = json_loads(proof_line, 0, NULL), *h;
    size_t n = 0, got = 0, i;
    int rc = 0;
    json_int_t seq = json_integer_value(json_object_get(p, "seq"));
    const char *lh = json_string_value(json_object_get(p, "leaf_hash"));
    if (e == NULL || p == NULL || lh == NULL || !json_is_array(json_object_get(p, "path"))) {
        rc = fail(b, "line %zu of data/ledger/entries.jsonl or proofs.jsonl is not JSON", lineno);
        goto out;
    }
    if ((rc = cs_merkle_leaf_hash(entry, len, leaf)) != 0)
        goto out;
    if (cs_b64_decode(lh, strlen(lh), claimed, 32, &got) != 0 || got != 32 ||
        memcmp(leaf, claimed, 32) != 0 || json_integer_value(json_object_get(e, "seq")) != seq) {
        rc = fail(b, "ledger entry %lld (line %zu of data/ledger/entries.jsonl) was changed",
                  (long long)seq, lineno);
        goto out;
    }
    if (seq <= *last) {
        rc = fail(b, "ledger entry %lld is out of order in data/ledger/entries.jsonl",
                  (long long)seq);
        goto out;
    }
    *last = seq;
    json_array_foreach(json_object_get(p, "path"), i, h)
    {
        const char *s = json_string_value(h);
        if (n == CS_MERKLE_PROOF_MAX || s == NULL ||
            cs_b64_decode(s, strlen(s), path[n++], 32, &got) != 0 || got != 32) {
            rc = fail(b, "the proof of ledger entry %lld is malformed", (long long)seq);
            goto out;
        }
    }
    if (seq < 0 || cs_merkle_verify_inclusion(leaf, (uint64_t)seq, size, (const uint8_t(*)[32])path,
                                              n, root) != 0) {
        rc = fail(b,
                  "ledger entry %lld is not in the tree of the signed checkpoint (%llu "
                  "entries)",
                  (long long)seq, (unsigned long long)size);
        goto out;
    }
    const char *c = json_string_value(json_object_get(e, "case"));
    const char *item = json_string_value(json_object_get(e, "item"));
    int key = 0;
    if (!(c && strcmp(c, b->rep->case_number) == 0) && !(item && has_original(b, item)) &&
        (rc = opinion_key(b, e, &key)) != 0)
        goto out;
    if (!(c && strcmp(c, b->rep->case_number) == 0) && !(item && has_original(b, item)) && !key) {
        rc = fail(b, "ledger entry %lld is about neither case %s nor an item in the bag",
                  (long long)seq, b->rep->case_number);
        goto out;
    }
    if (seq == b->rep->export_seq) {
        const char *action = json_string_value(json_object_get(e, "action"));
        const char *result = json_string_value(json_object_get(e, "result"));
        if (!action || strcmp(action, "export") != 0 || !result || strcmp(result, "allowed") != 0 ||
            !c || strcmp(c, b->rep->case_number) != 0) {
            rc = fail(b,
                      "ledger entry %lld is not the export of case %s that bag-info.txt "
                      "names",
                      (long long)seq, b->rep->case_number);
            goto out;
        }
        *saw_export = 1;
    }
    b->rep->entries++;
out:
    json_decref(e);
    json_decref(p);
    return rc;
}

static int
ledger(bag_t *b, const char *key_path)
{
    char ep[PATH_MAX], pp[PATH_MAX], *el = NULL, *pl = NULL;
    size_t ec = 0, pc = 0, lineno = 0;
    ssize_t en, pn;
    uint64_t size = 0;
    uint8_t root[32];
    int64_t last = -1;
    int rc, saw_export = 0;
    FILE *ef = NULL, *pf = NULL;
    if ((rc = checkpoint(b, key_path, &size, root)) != 0)
        return rc;
    if ((rc = path_of(b, "data/ledger/entries.jsonl", ep)) != 0 ||
        (rc = path_of(b, "data/ledger/proofs.jsonl", pp)) != 0)
        return rc;
    if ((ef = fopen(ep, "r")) == NULL || (pf = fopen(pp, "r")) == NULL) {
        rc = fail(b, "data/ledger/entries.jsonl or proofs.jsonl is missing");
        goto out;
    }
    for (;;) {
        en = getline(&el, &ec, ef);
        pn = getline(&pl, &pc, pf);
        if (en <= 0 || pn <= 0)
            break;
        lineno++;
        if (el[en - 1] != '\n') {
            rc = fail(b, "line %zu of data/ledger/entries.jsonl has no newline", lineno);
            goto out;
        }
        if ((rc = check_entry(b, el, (size_t)en - 1, pl, lineno, size, root, &last, &saw_export)) !=
            0)
            goto out;
    }
    if ((en > 0) != (pn > 0))
        rc = fail(b, "data/ledger/entries.jsonl and proofs.jsonl have different lengths");
    else if (!saw_export)
        rc = fail(b, "the export's own ledger entry %lld is not among the proven entries",
                  (long long)b->rep->export_seq);
out:
    free(el);
    free(pl);
    if (ef != NULL)
        fclose(ef);
    if (pf != NULL)
        fclose(pf);
    return rc;
}

/* data/case.json names the same case and exactly the originals in the bag. */
static int
case_json(bag_t *b)
{
    char path[PATH_MAX];
    json_t *c = NULL, *it;
    size_t i;
    int rc = 0;
    if ((rc = path_of(b, "data/case.json", path)) != 0)
        return rc;
    if ((c = json_load_file(path, 0, NULL)) == NULL)
        return fail(b, "data/case.json is missing or not JSON");
    const char *kase = json_string_value(json_object_get(c, "case"));
    json_t *items = json_object_get(c, "items");
    if (kase == NULL || strcmp(kase, b->rep->case_number) != 0)
        rc = fail(b, "data/case.json is of case %s, bag-info.txt of %s", kase ? kase : "(none)",
                  b->rep->case_number);
    else if (json_integer_value(json_object_get(c, "ledger_entry")) != b->rep->export_seq)
        rc = fail(b, "data/case.json and bag-info.txt name different export entries");
    else if (json_array_size(items) != b->noriginals)
        rc = fail(b, "data/case.json lists %zu items, data/originals holds %zu",
                  json_array_size(items), b->noriginals);
    json_array_foreach(items, i, it)
    {
        const char *sha = json_string_value(json_object_get(it, "sha256"));
        if (rc == 0 && (sha == NULL || !has_original(b, sha)))
            rc = fail(b, "data/case.json lists item %s, whose original is not in the bag",
                      sha ? sha : "(none)");
    }
    json_decref(c);
    return rc;
}

static int
check(bag_t *b, const char *key_path)
{
    static const char *const required[] = {"bag-info.txt",
                                           "manifest-sha256.txt",
                                           "tagmanifest-sha256.txt",
                                           "data/case.json",
                                           "data/ledger/entries.jsonl",
                                           "data/ledger/proofs.jsonl",
                                           "data/ledger/checkpoint.txt",
                                           "data/ledger/key.pem"};
    static const char bagit[] = "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n";
    char path[PATH_MAX], *text;
    struct stat st;
    int rc;
    if ((text = slurp(b, "bagit.txt", 4096)) == NULL)
        return fail(b, "bagit.txt is missing: not a bag");
    rc = strcmp(text, bagit) != 0;
    free(text);
    if (rc)
        return fail(b, "bagit.txt is not the BagIt 1.0 declaration");
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++) {
        if ((rc = path_of(b, required[i], path)) != 0)
            return rc;
        if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode))
            return fail(b, "%s is missing", required[i]);
    }
    if ((rc = read_manifest(b, "tagmanifest-sha256.txt", 0)) != 0 || (rc = payload(b)) != 0 ||
        (rc = bag_info(b)) != 0 || (rc = case_json(b)) != 0 || (rc = ledger(b, key_path)) != 0)
        return rc;
    rc = cs_bag_verify_opinions(b->root, b->keys, b->nkeys, b->rep->problem, sizeof b->rep->problem,
                                &b->rep->opinions);
    if (rc == 0) /* a case archive's directory and DA/T 63 records (archive_verify.c) */
        rc = cs_bag_verify_archive(b->root, b->rep->originals, b->rep->problem,
                                   sizeof b->rep->problem, &b->rep->records);
    return rc == 1 ? PROBLEM : rc;
}

int
cs_bag_verify(const char *path, const char *key_path, cs_bag_report_t *rep)
{
    char tmp[PATH_MAX] = "", top[256], root[PATH_MAX];
    const char *tmpdir = getenv("TMPDIR");
    bag_t b = {.rep = rep, .root = path};
    struct stat st;
    int rc;
    memset(rep, 0, sizeof *rep);
    rep->export_seq = -1;
    if (stat(path, &st) != 0) {
        rc = cs_err_from_errno(errno);
        cs_diag_set("cannot open %s: %s", path, strerror(errno));
        return rc;
    }
    if (S_ISREG(st.st_mode)) {
        if ((size_t)snprintf(tmp, sizeof tmp, "%s/custody-bag-XXXXXX",
                             tmpdir && *tmpdir ? tmpdir : "/tmp") >= sizeof tmp)
            return CS_ENAMETOOLONG;
        if (mkdtemp(tmp) == NULL) {
            rc = cs_err_from_errno(errno);
            cs_diag_set("cannot make a temporary folder: %s", strerror(errno));
            return rc;
        }
        if ((rc = cs_tar_extract(path, tmp, top, sizeof top)) != 0)
            goto out;
        if ((size_t)snprintf(root, sizeof root, "%s/%s", tmp, top) >= sizeof root) {
            rc = CS_ENAMETOOLONG;
            goto out;
        }
        b.root = root;
    }
    rc = check(&b, key_path);
    if (rc == PROBLEM)
        rc = 0;
out:
    if (rc == CS_ECORRUPT && tmp[0] && !rep->problem[0]) { /* a bad tar is a failed check */
        cs_snprintf_cut(rep->problem, sizeof rep->problem, "%s", cs_diag()); /* for people */
        rc = 0;
    }
    for (size_t i = 0; i < b.npaths; i++)
        free(b.paths[i]);
    free(b.paths);
    free(b.originals);
    free(b.keys);
    if (tmp[0])
        cs_bag_rmrf(tmp);
    return rc;
}
