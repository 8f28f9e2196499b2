/* fuzz/fuzz_ledger.c: libFuzzer target for what reads the ledger back: signed notes and
 * checkpoint bodies (ledger/note.c), verifier keys, base64 (ledger/b64.c), RFC 6962 proof
 * checking (ledger/merkle.c) and `custody ledger verify` over a tampered catalog
 * (ledger/verify.c).
 *
 * The first byte chooses the mode (below, MODE_*); the rest is its input. What must hold
 * besides not crashing:
 * - a note verifies only with a good signature by the key asked for, and then yields exactly
 *   the text that was signed; a text we sign always verifies;
 * - what parses (checkpoint bodies, verifier keys, base64) is in its one canonical form:
 *   written back, it gives the same bytes;
 * - proofs, against a small tree the fuzzer shapes: checked against the true root of the
 *   size claimed, an inclusion or consistency proof verifies if and only if it is the proof
 *   recomputed from the tree for the leaf (or old root) and sizes claimed: no false proof
 *   passes, no true one fails;
 * - `custody ledger verify` passes a ledger only when every entry is in place and every
 *   checkpoint's root is the root of that many entries, recomputed here from the rows. */
#include "core/error.h"
#include "fuzz/fuzz.h"
#include "fuzz/fuzz_key.h"
#include "indexer/catalog.h"
#include "ledger/b64.h"
#include "ledger/checkpoint.h"
#include "ledger/merkle.h"
#include "ledger/note.h"

#include <ctype.h>
#include <jansson.h>
#include <limits.h>
#include <openssl/sha.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
    MODE_NOTE,        /* the input is a note, verified with the fuzzing key */
    MODE_SIGNED,      /* body, NUL, more lines: the body signed here, the lines appended */
    MODE_CHECKPOINT,  /* a checkpoint body */
    MODE_VKEY,        /* a verifier key string */
    MODE_B64,         /* base64 text */
    MODE_INCLUSION,   /* a small tree, a claim and edits to a true inclusion proof */
    MODE_CONSISTENCY, /* a small tree, a claim and edits to a true consistency proof */
    MODE_ANY_PROOF,   /* any numbers and hashes: proof checking must not crash */
    MODE_CATALOG,     /* ledger rows and checkpoints for cs_ledger_verify */
    MODES
};

#define TREE_MAX 64  /* leaves of the small trees */
#define PATH_ROOM 80 /* hashes an edited proof may hold */
#define ROWS_MAX 40  /* ledger rows and checkpoints in MODE_CATALOG */
#define ORIGIN_MAX 256

static char dir[PATH_MAX], key_path[PATH_MAX + 16], pub_path[PATH_MAX + 16];
static cs_catalog_t *cat;
static sqlite3 *raw; /* the attacker's own connection to the same catalog */

static void
cleanup(void)
{
    char path[PATH_MAX + 32];
    static const char *const names[] = {"catalog.db", "catalog.db-wal", "catalog.db-shm",
                                        "ledger.key", "ledger.pub"};
    sqlite3_close(raw);
    cs_catalog_close(&cat);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *tmp = getenv("TMPDIR");
    char db[PATH_MAX + 16];
    (void)argc, (void)argv;
    snprintf(dir, sizeof dir, "%s/custody-fuzz-ledger-XXXXXX",
             access("/dev/shm", W_OK) == 0 ? "/dev/shm"
             : tmp && *tmp                 ? tmp
                                           : "/tmp");
    if (mkdtemp(dir) == NULL)
        abort();
    snprintf(key_path, sizeof key_path, "%s/ledger.key", dir);
    snprintf(pub_path, sizeof pub_path, "%s/ledger.pub", dir);
    snprintf(db, sizeof db, "%s/catalog.db", dir);
    cs_fuzz_write_text(key_path, CS_FUZZ_KEY_PEM);
    cs_fuzz_write_text(pub_path, CS_FUZZ_PUB_PEM);
    if (cs_catalog_open(&cat, db, 1, NULL) != 0 || sqlite3_open(db, &raw) != SQLITE_OK ||
        sqlite3_exec(raw,
                     "PRAGMA synchronous=OFF; DROP TRIGGER ledger_no_update;"
                     "DROP TRIGGER ledger_no_delete; DROP TRIGGER checkpoints_no_update;"
                     "DROP TRIGGER checkpoints_no_delete;",
                     NULL, NULL, NULL) != SQLITE_OK) {
        fprintf(stderr, "fuzz_ledger: cannot set up the catalog: %s\n", cs_diag());
        abort();
    }
    atexit(cleanup);
    return 0;
}

/* A reader of the input's bytes that gives zeros once they run out. */
typedef struct in {
    const uint8_t *p;
    size_t n;
} in_t;

static uint8_t
byte(in_t *in)
{
    if (in->n == 0)
        return 0;
    in->n--;
    return *in->p++;
}

static uint64_t
u64(in_t *in)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | byte(in);
    return v;
}

static void
bytes(in_t *in, uint8_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = byte(in);
}

/* Notes. */

static void
check_checkpoint(const char *body)
{
    char origin[ORIGIN_MAX], when[32], small[8], *again = NULL;
    uint64_t size = 0;
    uint8_t root[32];
    int rc = cs_checkpoint_parse(body, origin, sizeof origin, &size, root, when, sizeof when);
    CS_FUZZ_CHECK(rc == 0 || rc == CS_EINVAL || rc == CS_ENAMETOOLONG, "parse: rc %d", rc);
    if (rc == 0) {
        rc = cs_checkpoint_format(origin, size, root, when, &again);
        CS_FUZZ_CHECK(rc == 0 && strcmp(again, body) == 0,
                      "checkpoint \"%s\" parses, but is written back as \"%s\"", body,
                      again ? again : "(nothing)");
        free(again);
    }
    /* The same text with no room for its origin: too long, never cut. */
    int rc2 = cs_checkpoint_parse(body, small, sizeof small, NULL, NULL, NULL, 0);
    CS_FUZZ_CHECK(rc2 == 0 ? rc == 0 && strlen(origin) < sizeof small
                  : rc2 == CS_ENAMETOOLONG
                      ? rc == CS_ENAMETOOLONG || (rc == 0 && strlen(origin) >= sizeof small)
                      : rc == CS_EINVAL,
                  "origin buffer: rc %d, then %d", rc, rc2);
}

static void
mode_note(const uint8_t *data, size_t size)
{
    char *note = cs_fuzz_strndup(data, size), *body = NULL;
    int rc = cs_note_verify_raw(cs_fuzz_pub, CS_FUZZ_ORIGIN, note, &body);
    CS_FUZZ_CHECK(rc == 0 || rc == CS_EINVAL || rc == CS_EMISMATCH, "rc %d", rc);
    CS_FUZZ_CHECK((rc == 0) == (body != NULL), "rc %d with body %p", rc, (void *)body);
    if (rc == 0) {
        size_t n = strlen(body);
        CS_FUZZ_CHECK(strncmp(note, body, n) == 0 && note[n] == '\n',
                      "the body is not the note's text");
        check_checkpoint(body);
    }
    free(body);
    free(note);
}

static void
mode_signed(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, '\0', size);
    size_t blen = nul ? (size_t)(nul - data) : size;
    char *text = cs_fuzz_strndup(data, blen),
         *extra = nul ? cs_fuzz_strndup(nul + 1, size - blen - 1) : cs_fuzz_strndup(data, 0);
    char *note = NULL, *both = NULL, *body = NULL;
    int rc = cs_note_sign(key_path, CS_FUZZ_ORIGIN, text, &note);
    CS_FUZZ_CHECK(rc == 0 || rc == CS_EINVAL, "sign: rc %d (%s)", rc, cs_diag());
    if (rc != 0)
        goto out;
    rc = cs_note_verify_raw(cs_fuzz_pub, CS_FUZZ_ORIGIN, note, &body);
    CS_FUZZ_CHECK(rc == 0 && strcmp(body, text) == 0, "a note signed here: rc %d (%s)", rc,
                  cs_diag());
    free(body);
    body = NULL;
    check_checkpoint(text);
    /* More signature lines after ours (other keys, a second one by this key, junk). */
    if ((both = malloc(strlen(note) + strlen(extra) + 1)) == NULL)
        abort();
    strcpy(both, note);
    strcat(both, extra);
    rc = cs_note_verify_raw(cs_fuzz_pub, CS_FUZZ_ORIGIN, both, &body);
    CS_FUZZ_CHECK(rc == 0 || rc == CS_EINVAL || rc == CS_EMISMATCH, "rc %d", rc);
    CS_FUZZ_CHECK(rc != 0 || strcmp(body, text) == 0,
                  "a note verifies, but not as the text that was signed");
out:
    free(body);
    free(both);
    free(note);
    free(extra);
    free(text);
}

static void
mode_vkey(const uint8_t *data, size_t size)
{
    char *vkey = cs_fuzz_strndup(data, size), name[128], *again = NULL;
    uint8_t pub[32];
    int rc = cs_note_vkey_parse(vkey, name, sizeof name, pub);
    CS_FUZZ_CHECK(rc == 0 || rc == CS_EINVAL || rc == CS_ENAMETOOLONG, "rc %d", rc);
    if (rc == 0) {
        /* The key hash's hex digits may come in either case; we write lower case. */
        char *plus = strchr(vkey, '+');
        for (int i = 1; i <= 8; i++)
            plus[i] = (char)tolower((unsigned char)plus[i]);
        rc = cs_note_vkey_raw(pub, name, &again);
        CS_FUZZ_CHECK(rc == 0 && strcmp(again, vkey) == 0, "vkey %s is written back as %s", vkey,
                      again ? again : "(nothing)");
    }
    free(again);
    free(vkey);
}

static void
mode_b64(const uint8_t *data, size_t size)
{
    uint8_t out[1024], small[4];
    char again[CS_B64_LEN(sizeof out) + 1];
    size_t len = 0, len2 = 0;
    char *text = cs_fuzz_strndup(data, size);
    size_t tlen = strlen(text);
    int rc = cs_b64_decode(text, tlen, out, sizeof out, &len);
    CS_FUZZ_CHECK(rc == 0 || rc == CS_EINVAL || rc == CS_ENAMETOOLONG, "rc %d", rc);
    if (rc == 0) {
        CS_FUZZ_CHECK(len <= sizeof out && len == tlen / 4 * 3 - (tlen && text[tlen - 1] == '=') -
                                                      (tlen > 1 && text[tlen - 2] == '='),
                      "%zu bytes from %zu characters", len, tlen);
        rc = cs_b64_encode(out, len, again, sizeof again);
        CS_FUZZ_CHECK(rc == 0 && strcmp(again, text) == 0, "%s decodes, but encodes as %s", text,
                      again);
    }
    int rc2 = cs_b64_decode(text, tlen, small, sizeof small, &len2);
    CS_FUZZ_CHECK(len2 <= sizeof small && (rc2 != 0 || (rc == 0 && len2 == len)),
                  "small buffer: rc %d then %d", rc, rc2);
    free(text);
}

/* Proofs against a small tree. */

typedef struct tree {
    uint64_t n;
    uint8_t leaf[TREE_MAX][32];
    uint8_t root[TREE_MAX + 1][32]; /* root[s]: the root of the first s leaves */
} tree_t;

static int
tree_leaves(void *arg, uint64_t index, uint64_t count, uint8_t (*out)[32])
{
    const tree_t *t = arg;
    CS_FUZZ_CHECK(index + count <= t->n, "leaves %llu+%llu of %llu asked for",
                  (unsigned long long)index, (unsigned long long)count, (unsigned long long)t->n);
    memcpy(out, t->leaf[index], count * 32);
    return 0;
}

/* n leaves from the input; two leaves may be the same, as two equal entries would be. */
static void
tree_make(tree_t *t, in_t *in)
{
    uint8_t shape = byte(in);
    t->n = 1 + byte(in) % TREE_MAX;
    for (uint64_t i = 0; i < t->n; i++) {
        uint8_t b[2] = {(uint8_t)(shape & 1 ? i % 3 : i), shape};
        if (cs_merkle_leaf_hash(b, sizeof b, t->leaf[i]) != 0)
            abort();
    }
    for (uint64_t s = 0; s <= t->n; s++)
        if (cs_merkle_root(tree_leaves, t, s, t->root[s]) != 0)
            abort();
}

/* A hash the tree knows: a leaf, or the root of any range of leaves. */
static void
tree_hash(tree_t *t, uint8_t a, uint8_t b, uint8_t out[32])
{
    uint64_t lo = a % t->n, hi = b % t->n;
    if (lo > hi) {
        uint64_t x = lo;
        lo = hi;
        hi = x;
    }
    if (cs_merkle_range_root(tree_leaves, t, lo, hi + 1, out) != 0)
        abort();
}

/* Edits a proof as the rest of the input says: flip a bit, drop, insert a hash of the tree,
 * swap, cut. */
static void
edit(tree_t *t, in_t *in, uint8_t (*path)[32], size_t *n)
{
    while (in->n >= 3) {
        uint8_t op = byte(in), a = byte(in), b = byte(in);
        switch (op % 5) {
        case 0:
            if (*n > 0)
                path[a % *n][b % 32] ^= (uint8_t)(1u << (b % 8));
            break;
        case 1:
            if (*n > 0) {
                size_t i = a % *n;
                memmove(path[i], path[i + 1], (*n - i - 1) * 32);
                (*n)--;
            }
            break;
        case 2:
            if (*n < PATH_ROOM) {
                size_t i = a % (*n + 1);
                memmove(path[i + 1], path[i], (*n - i) * 32);
                tree_hash(t, b, byte(in), path[i]);
                (*n)++;
            }
            break;
        case 3:
            if (*n > 1) {
                uint8_t x[32];
                memcpy(x, path[a % *n], 32);
                memcpy(path[a % *n], path[b % *n], 32);
                memcpy(path[b % *n], x, 32);
            }
            break;
        default:
            *n = a % (*n + 1);
            break;
        }
    }
}

static int
same_path(const uint8_t (*a)[32], size_t na, const uint8_t (*b)[32], size_t nb)
{
    return na == nb && (na == 0 || memcmp(a, b, na * 32) == 0);
}

static void
mode_inclusion(in_t *in)
{
    static tree_t t;
    uint8_t path[PATH_ROOM][32], truth[CS_MERKLE_PROOF_MAX][32], leaf[32], root[32];
    size_t n = 0, nt = 0;
    tree_make(&t, in);
    uint64_t size0 = 1 + byte(in) % t.n, leaf0 = byte(in) % size0;
    uint64_t size = byte(in) % (t.n + 1), at = byte(in) % t.n;
    uint8_t from = byte(in), which = byte(in);
    /* The leaf hash and root claimed: the true ones, or another of the tree's. */
    memcpy(leaf, t.leaf[from & 1 ? byte(in) % t.n : at], 32);
    memcpy(root, t.root[from & 2 ? byte(in) % (t.n + 1) : size], 32);
    if (which & 1)
        at = size + (which >> 1); /* past the end */
    if (cs_merkle_inclusion_proof(tree_leaves, &t, leaf0, size0, path, &n) != 0)
        abort();
    edit(&t, in, path, &n);
    /* Only a root taken from a checkpoint of `size` leaves pins the size (merkle.h): against
     * that root, the proof must be exactly the true one for the true leaf. */
    int pinned = memcmp(root, t.root[size], 32) == 0;
    int want = at < size && memcmp(leaf, t.leaf[at], 32) == 0;
    if (want) {
        if (cs_merkle_inclusion_proof(tree_leaves, &t, at, size, truth, &nt) != 0)
            abort();
        want = same_path((const uint8_t(*)[32])path, n, (const uint8_t(*)[32])truth, nt);
    }
    int rc = cs_merkle_verify_inclusion(leaf, at, size, (const uint8_t(*)[32])path, n, root);
    CS_FUZZ_CHECK(rc == 0 || rc == CS_EMISMATCH || rc == CS_EINVAL, "rc %d", rc);
    CS_FUZZ_CHECK(!pinned || (rc == 0) == want,
                  "inclusion of leaf %llu in %llu leaves with %zu hashes: rc %d, but the proof "
                  "is %s",
                  (unsigned long long)at, (unsigned long long)size, n, rc,
                  want ? "the true one" : "not the true one");
}

static void
mode_consistency(in_t *in)
{
    static tree_t t;
    uint8_t path[PATH_ROOM][32], truth[CS_MERKLE_PROOF_MAX][32], root_m[32], root_n[32];
    size_t n = 0, nt = 0;
    tree_make(&t, in);
    uint64_t n0 = byte(in) % (t.n + 1), m0 = byte(in) % (n0 + 1);
    uint64_t nn = byte(in) % (t.n + 1), m = byte(in) % (t.n + 1);
    uint8_t flags = byte(in);
    memcpy(root_m, t.root[flags & 1 ? byte(in) % (t.n + 1) : m], 32);
    memcpy(root_n, t.root[flags & 2 ? byte(in) % (t.n + 1) : nn], 32);
    if (cs_merkle_consistency_proof(tree_leaves, &t, m0, n0, path, &n) != 0)
        abort();
    edit(&t, in, path, &n);
    /* Against the true root of nn leaves, only the true root of m leaves with the true proof
     * passes: what an auditor holding a new checkpoint learns about an old one. (With a root
     * that is not of nn leaves nothing is pinned: two equal roots of "m == nn" pass.) */
    int pinned = memcmp(root_n, t.root[nn], 32) == 0;
    int want = m <= nn && memcmp(root_m, t.root[m], 32) == 0;
    if (want) {
        if (cs_merkle_consistency_proof(tree_leaves, &t, m, nn, truth, &nt) != 0)
            abort();
        want = same_path((const uint8_t(*)[32])path, n, (const uint8_t(*)[32])truth, nt);
    }
    int rc = cs_merkle_verify_consistency(m, nn, root_m, root_n, (const uint8_t(*)[32])path, n);
    CS_FUZZ_CHECK(rc == 0 || rc == CS_EMISMATCH || rc == CS_EINVAL, "rc %d", rc);
    CS_FUZZ_CHECK(!pinned || (rc == 0) == want,
                  "consistency of %llu and %llu leaves with %zu hashes: rc %d, but the proof "
                  "is %s",
                  (unsigned long long)m, (unsigned long long)nn, n, rc,
                  want ? "the true one" : "not the true one");
}

static void
mode_any_proof(in_t *in)
{
    uint8_t a[32], b[32], path[PATH_ROOM][32];
    uint64_t x = u64(in), y = u64(in);
    size_t n = byte(in) % (PATH_ROOM + 1);
    bytes(in, a, 32);
    bytes(in, b, 32);
    for (size_t i = 0; i < n; i++)
        bytes(in, path[i], 32);
    int rc = cs_merkle_verify_inclusion(a, x, y, (const uint8_t(*)[32])path, n, b);
    CS_FUZZ_CHECK(rc == 0 || rc == CS_EMISMATCH || rc == CS_EINVAL, "inclusion rc %d", rc);
    rc = cs_merkle_verify_consistency(x, y, a, b, (const uint8_t(*)[32])path, n);
    CS_FUZZ_CHECK(rc == 0 || rc == CS_EMISMATCH || rc == CS_EINVAL, "consistency rc %d", rc);
}

/* `custody ledger verify` over rows the fuzzer writes. Input lines:
 *   e<bytes>   the next entry (seq = its place), leaf = its true leaf hash
 *   x<bytes>   the same with a wrong leaf hash
 *   s<d><bytes> an entry at seq d (a digit): gaps and disorder
 *   k<d>       a true checkpoint, signed, of the first d (a digit; else all) entries so far
 *   c<text>    a checkpoint body ('|' for newline), signed here; columns from what it says
 *   r<text>    a note as given ('|' for newline), unsigned; columns from what it says */

typedef struct rows {
    size_t n;
    int64_t seq[ROWS_MAX];
    uint8_t leaf[ROWS_MAX][32];
    char *entry[ROWS_MAX];
} rows_t;

static int
rows_leaves(void *arg, uint64_t index, uint64_t count, uint8_t (*out)[32])
{
    const rows_t *r = arg;
    for (uint64_t i = 0; i < count; i++) {
        CS_FUZZ_CHECK(index + i < r->n, "leaf %llu asked of %zu", (unsigned long long)(index + i),
                      r->n);
        if (cs_merkle_leaf_hash(r->entry[index + i], strlen(r->entry[index + i]), out[i]) != 0)
            abort();
    }
    return 0;
}

/* Runs an insert: 1 if the row went in, 0 if a constraint refused it. */
static int
insert(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    if (rc != SQLITE_DONE && rc != SQLITE_CONSTRAINT) {
        fprintf(stderr, "fuzz_ledger: %s\n", sqlite3_errmsg(raw));
        abort();
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE;
}

static void
add_checkpoint(sqlite3_stmt *ins, const char *note, int sign)
{
    char *signed_note = NULL, *body = NULL;
    uint64_t size = 0;
    uint8_t root[32] = {0};
    if (sign) {
        if (cs_note_sign(key_path, CS_FUZZ_ORIGIN, note, &signed_note) != 0)
            return;
        note = signed_note;
    }
    /* The columns beside the note say what it signs, when it says anything. */
    if (cs_note_verify_raw(cs_fuzz_pub, CS_FUZZ_ORIGIN, note, &body) == 0)
        (void)cs_checkpoint_parse(body, NULL, 0, &size, root, NULL, 0);
    sqlite3_bind_int64(ins, 1, (sqlite3_int64)(size > INT64_MAX ? INT64_MAX : size));
    sqlite3_bind_blob(ins, 2, root, 32, SQLITE_STATIC);
    sqlite3_bind_text(ins, 3, note, -1, SQLITE_STATIC);
    (void)insert(ins);
    free(body);
    free(signed_note);
}

static void
mode_catalog(const uint8_t *data, size_t size)
{
    static const char ins_entry[] = "INSERT INTO ledger (seq, entry, leaf) VALUES (?1, ?2, ?3)";
    static const char ins_ckpt[] = "INSERT INTO checkpoints (size, root, note, frontier, made_at)"
                                   " VALUES (?1, ?2, ?3, x'', '')";
    char *text = cs_fuzz_strndup(data, size), *line, *next;
    sqlite3_stmt *ie = NULL, *ic = NULL, *cks = NULL;
    rows_t rows = {0};
    size_t lines = 0;
    cs_ledger_report_t rep;

    if (sqlite3_exec(raw, "BEGIN; DELETE FROM ledger; DELETE FROM checkpoints;", NULL, NULL,
                     NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(raw, ins_entry, -1, &ie, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(raw, ins_ckpt, -1, &ic, NULL) != SQLITE_OK)
        abort();
    for (line = text; line != NULL && lines < ROWS_MAX; line = next, lines++) {
        next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        char kind = line[0], *rest = kind ? line + 1 : line;
        if (kind == 'e' || kind == 'x' || kind == 's') {
            int64_t seq = (int64_t)rows.n;
            if (kind == 's' && *rest >= '0' && *rest <= '9')
                seq = *rest++ - '0';
            uint8_t leaf[32];
            if (cs_merkle_leaf_hash(rest, strlen(rest), leaf) != 0)
                abort();
            if (kind == 'x')
                leaf[0] ^= 1;
            sqlite3_bind_int64(ie, 1, seq);
            sqlite3_bind_text(ie, 2, rest, -1, SQLITE_STATIC);
            sqlite3_bind_blob(ie, 3, leaf, 32, SQLITE_STATIC);
            if (insert(ie)) {
                rows.seq[rows.n] = seq;
                memcpy(rows.leaf[rows.n], leaf, 32);
                rows.entry[rows.n++] = rest;
            }
        } else if (kind == 'k') {
            /* A true checkpoint of the first d entries of the rows as written so far. */
            uint64_t d = *rest >= '0' && *rest <= '9' ? (uint64_t)(*rest - '0') : rows.n;
            uint8_t root[32];
            char when[CS_CHECKPOINT_TIME_MAX], *body = NULL;
            if (d > rows.n)
                d = rows.n;
            if (cs_merkle_root(rows_leaves, &rows, d, root) != 0 ||
                cs_checkpoint_time(1795769168, when) != 0 ||
                cs_checkpoint_format(CS_FUZZ_ORIGIN, d, root, when, &body) != 0)
                abort();
            add_checkpoint(ic, body, 1);
            free(body);
        } else if (kind == 'c' || kind == 'r') {
            for (char *p = rest; *p; p++)
                if (*p == '|')
                    *p = '\n';
            add_checkpoint(ic, rest, kind == 'c');
        }
    }
    sqlite3_finalize(ie);
    sqlite3_finalize(ic);
    if (sqlite3_exec(raw, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        abort();

    int rc = cs_ledger_verify(cat, pub_path, CS_FUZZ_ORIGIN, &rep);
    CS_FUZZ_CHECK(rc == 0, "verify: rc %d (%s)", rc, cs_diag());
    if (rep.problem[0] == '\0') {
        /* Passed: every row in place and every checkpoint true of the rows. */
        rows_t sorted = rows;
        for (size_t i = 0; i < rows.n; i++) {
            size_t at = 0;
            while (at < rows.n && rows.seq[at] != (int64_t)i)
                at++;
            CS_FUZZ_CHECK(at < rows.n, "verified, but entry %zu is missing", i);
            json_t *e = json_loads(rows.entry[at], 0, NULL);
            CS_FUZZ_CHECK(json_is_object(e) &&
                              json_integer_value(json_object_get(e, "seq")) == (json_int_t)i,
                          "verified, but entry %zu says otherwise: %s", i, rows.entry[at]);
            json_decref(e);
            uint8_t h[32];
            if (cs_merkle_leaf_hash(rows.entry[at], strlen(rows.entry[at]), h) != 0)
                abort();
            CS_FUZZ_CHECK(memcmp(h, rows.leaf[at], 32) == 0, "verified, but leaf %zu is wrong", i);
            sorted.entry[i] = rows.entry[at];
        }
        CS_FUZZ_CHECK(rep.entries == (int64_t)rows.n, "%lld entries verified of %zu",
                      (long long)rep.entries, rows.n);
        if (sqlite3_prepare_v2(raw, "SELECT note FROM checkpoints ORDER BY id", -1, &cks, NULL) !=
            SQLITE_OK)
            abort();
        while (sqlite3_step(cks) == SQLITE_ROW) {
            char *body = NULL;
            uint64_t n = 0;
            uint8_t root[32], want[32];
            int vr = cs_note_verify_raw(cs_fuzz_pub, CS_FUZZ_ORIGIN,
                                        (const char *)sqlite3_column_text(cks, 0), &body);
            CS_FUZZ_CHECK(vr == 0, "verified, but a checkpoint's signature is bad");
            CS_FUZZ_CHECK(cs_checkpoint_parse(body, NULL, 0, &n, root, NULL, 0) == 0,
                          "verified, but a checkpoint does not parse: %s", body);
            CS_FUZZ_CHECK(n <= rows.n, "verified, but a checkpoint covers %llu of %zu entries",
                          (unsigned long long)n, rows.n);
            if (cs_merkle_root(rows_leaves, &sorted, n, want) != 0)
                abort();
            CS_FUZZ_CHECK(memcmp(root, want, 32) == 0,
                          "verified, but the checkpoint of %llu entries has another root",
                          (unsigned long long)n);
            free(body);
        }
        sqlite3_finalize(cks);
    }
    free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    in_t in = {data + 1, size ? size - 1 : 0};
    if (size == 0)
        return 0;
    switch (data[0] % MODES) {
    case MODE_NOTE:
        mode_note(in.p, in.n);
        break;
    case MODE_SIGNED:
        mode_signed(in.p, in.n);
        break;
    case MODE_CHECKPOINT: {
        char *body = cs_fuzz_strndup(in.p, in.n);
        check_checkpoint(body);
        free(body);
        break;
    }
    case MODE_VKEY:
        mode_vkey(in.p, in.n);
        break;
    case MODE_B64:
        mode_b64(in.p, in.n);
        break;
    case MODE_INCLUSION:
        mode_inclusion(&in);
        break;
    case MODE_CONSISTENCY:
        mode_consistency(&in);
        break;
    case MODE_ANY_PROOF:
        mode_any_proof(&in);
        break;
    default:
        mode_catalog(in.p, in.n);
        break;
    }
    return 0;
}
