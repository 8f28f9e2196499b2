/* fuzz/fuzz_bag.c: libFuzzer target for export/bag_verify.c and export/bag_tar.c, the offline
 * check of an exported bag: bagit.txt, both manifests' lines, bag-info.txt's labels and
 * Payload-Oxum, data/case.json, the ledger's entries and proof lines, the signed checkpoint,
 * and the ustar reader a bag travels in. cs_bag_verify reads a folder or a .tar file, so the
 * input becomes one of those in a temporary folder (in /dev/shm when there is one).
 *
 * Input: a flags byte, then
 * - with FLAG_TAR: the bytes of a .tar file (with FLAG_MANIFESTS too, each header gets the
 *   checksum it should have, so that names, sizes and types can change freely);
 * - else the bag's files, each "@@ <path>\n<content>" (a path ending in '/' is a folder).
 *   What the fuzzer cannot make, hashes and signatures, the harness can fill in, so that
 *   the checks behind them are reached too:
 *   FLAG_MANIFESTS  a manifest line "* <path>" gets the file's SHA-256 (zeros for none), and
 *                   "Payload-Oxum: *" in bag-info.txt the payload manifest's octets.files;
 *   FLAG_LEDGER     a proofs.jsonl line "*" becomes the true proof of that entries.jsonl line
 *                   (a tree made of those lines), a checkpoint.txt line "#" that tree's size
 *                   and "*" its root, and checkpoint.txt is signed with fuzz/fuzz_key.h's key,
 *                   whose public half becomes data/ledger/key.pem;
 *   FLAG_KEY        the receiver holds that key too (cs_bag_verify's key_path).
 * What must hold besides not crashing: the verifier answers (0, with a problem or without)
 * for any bag it can read; a bag that verifies has as many entries and files as it lists,
 * and (checked here with SHA-256 and a walk of its own) every file under data/ is listed
 * once in manifest-sha256.txt with its true hash; a .tar that verifies is one a strict
 * reader reads to its end block with every entry's data inside the file.
 * CUSTODY_FUZZ_BAG_KEEP=1 keeps the last folder made (for making seeds) and prints it with
 * the verifier's verdict. */
#include "core/error.h"
#include "fuzz/fuzz.h"
#include "fuzz/fuzz_key.h"
#include "ledger/b64.h"
#include "export/bag.h"
#include "export/bag_int.h"
#include "ledger/merkle.h"
#include "ledger/note.h"

#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FLAG_TAR 1
#define FLAG_MANIFESTS 2
#define FLAG_LEDGER 4
#define FLAG_KEY 8

#define FILES_MAX 64
#define NAME_MAX_LEN 200
#define ENTRIES_MAX 64

static char base[PATH_MAX], pub_path[PATH_MAX + 16], key_path[PATH_MAX + 16];

static void
cleanup(void)
{
    if (getenv("CUSTODY_FUZZ_BAG_KEEP") == NULL)
        cs_bag_rmrf(base);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *tmp = getenv("TMPDIR");
    (void)argc, (void)argv;
    snprintf(base, sizeof base, "%s/custody-fuzz-bag-XXXXXX",
             access("/dev/shm", W_OK) == 0 ? "/dev/shm"
             : tmp && *tmp                 ? tmp
                                           : "/tmp");
    if (mkdtemp(base) == NULL)
        abort();
    /* A .tar bag is unpacked under TMPDIR: keep that in memory too. */
    setenv("TMPDIR", base, 1);
    snprintf(pub_path, sizeof pub_path, "%s/receiver.pub", base);
    snprintf(key_path, sizeof key_path, "%s/signer.key", base);
    cs_fuzz_write_text(pub_path, CS_FUZZ_PUB_PEM);
    cs_fuzz_write_text(key_path, CS_FUZZ_KEY_PEM);
    atexit(cleanup);
    return 0;
}

typedef struct file {
    char name[NAME_MAX_LEN + 1];
    const char *data;
    size_t len;
} file_t;

typedef struct bag {
    char root[PATH_MAX];
    file_t files[FILES_MAX];
    size_t n;
} bag_t;

/* A relative path of names that are neither empty, "." nor ".."; folders may end in '/'. */
static int
name_ok(const char *s)
{
    if (*s == '\0' || *s == '/')
        return 0;
    for (const char *p = s; *p;) {
        size_t n = strcspn(p, "/");
        if ((n == 0 && p[0] != '\0') || (n == 1 && p[0] == '.') ||
            (n == 2 && p[0] == '.' && p[1] == '.'))
            return 0;
        p += n;
        if (*p == '/')
            p++;
        if (*p == '/')
            return 0;
    }
    return 1;
}

static void
parse_files(bag_t *b, const uint8_t *data, size_t size)
{
    static const char mark[] = "@@ ";
    const char *p = memmem(data, size, mark, 3), *end = (const char *)data + size;
    while (p != NULL && b->n < FILES_MAX) {
        const char *name = p + 3, *nl = memchr(name, '\n', (size_t)(end - name));
        const char *next = memmem(name, (size_t)(end - name), mark, 3);
        const char *content = nl && (!next || nl < next) ? nl + 1 : NULL;
        const char *stop = next ? next : end;
        size_t nlen = (size_t)((content ? nl : stop) - name);
        file_t *f = &b->files[b->n];
        if (nlen > 0 && nlen <= NAME_MAX_LEN && memchr(name, '\0', nlen) == NULL) {
            memcpy(f->name, name, nlen);
            f->name[nlen] = '\0';
            f->data = content ? content : stop;
            f->len = content ? (size_t)(stop - content) : 0;
            if (name_ok(f->name))
                b->n++;
        }
        p = next;
    }
}

static void
path_in(const bag_t *b, const char *rel, char *out)
{
    snprintf(out, PATH_MAX + 256, "%s/%s", b->root, rel);
}

/* Makes the folders above rel (and rel itself when it ends in '/'); 0 if the way is clear. */
static int
make_dirs(const bag_t *b, const char *rel)
{
    char path[PATH_MAX + 256];
    path_in(b, rel, path);
    for (char *p = path + strlen(b->root) + 1; (p = strchr(p, '/')) != NULL; p++) {
        *p = '\0';
        if (mkdir(path, 0755) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return 0;
}

static void
put(const bag_t *b, const char *rel, const char *data, size_t len)
{
    char path[PATH_MAX + 256];
    size_t n = strlen(rel);
    struct stat st;
    if (make_dirs(b, rel) != 0 || rel[n - 1] == '/')
        return;
    path_in(b, rel, path);
    if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return;
    unlink(path);
    if (cs_bag_write_file(path, data, len) != 0)
        cs_diag_clear(); /* a file in the way of a folder: the bag simply lacks it */
}

static const file_t *
find(const bag_t *b, const char *rel)
{
    const file_t *last = NULL;
    for (size_t i = 0; i < b->n; i++)
        if (strcmp(b->files[i].name, rel) == 0)
            last = &b->files[i];
    return last;
}

static int
special(const char *rel, int flags)
{
    static const char *const manifests[] = {"manifest-sha256.txt", "tagmanifest-sha256.txt",
                                            "bag-info.txt"};
    static const char *const ledger[] = {"data/ledger/proofs.jsonl", "data/ledger/checkpoint.txt",
                                         "data/ledger/key.pem"};
    for (int i = 0; i < 3; i++)
        if (((flags & FLAG_MANIFESTS) && strcmp(rel, manifests[i]) == 0) ||
            ((flags & FLAG_LEDGER) && strcmp(rel, ledger[i]) == 0))
            return 1;
    return 0;
}

/* A growing text. */
typedef struct text {
    char *p;
    size_t len, cap;
} text_t;

static void
add(text_t *t, const char *s, size_t n)
{
    if (t->len + n + 1 > t->cap) {
        t->cap = (t->len + n + 1) * 2;
        if ((t->p = realloc(t->p, t->cap)) == NULL)
            abort();
    }
    memcpy(t->p + t->len, s, n);
    t->len += n;
    t->p[t->len] = '\0';
}

static void
adds(text_t *t, const char *s)
{
    add(t, s, strlen(s));
}

/* The next line of f's bytes from *at, without its newline: 1 with *line, *len and *last (no
 * newline after it), or 0 at the end. */
static int
next_line(const file_t *f, size_t *at, const char **line, size_t *len, int *last)
{
    const char *s = f->data + *at, *nl;
    if (*at >= f->len)
        return 0;
    nl = memchr(s, '\n', f->len - *at);
    *line = s;
    *len = nl ? (size_t)(nl - s) : f->len - *at;
    *last = nl == NULL;
    *at += *len + 1;
    return 1;
}

/* A manifest with "* <path>" lines filled in; *files and *bytes count what it lists. */
static void
put_manifest(const bag_t *b, const char *rel, uint64_t *files, uint64_t *bytes)
{
    const file_t *f = find(b, rel);
    text_t t = {0};
    *files = *bytes = 0;
    if (f == NULL)
        return;
    const char *line;
    size_t at = 0, len;
    int last;
    add(&t, "", 0);
    while (next_line(f, &at, &line, &len, &last)) {
        char name[PATH_MAX], hex[65], path[PATH_MAX + 256];
        uint64_t size = 0;
        if (len >= 2 && line[0] == '*' && line[1] == ' ' && len - 2 < sizeof name) {
            memcpy(name, line + 2, len - 2);
            name[len - 2] = '\0';
            path_in(b, name, path);
            if (strlen(name) == len - 2 && cs_bag_hash_file(path, hex, &size) == 0) {
                (*files)++;
                *bytes += size;
            } else {
                memset(hex, '0', 64);
                hex[64] = '\0';
                cs_diag_clear();
            }
            adds(&t, hex);
            adds(&t, "  ");
            adds(&t, name);
        } else {
            add(&t, line, len);
        }
        if (!last)
            adds(&t, "\n");
    }
    put(b, rel, t.p, t.len);
    free(t.p);
}

static void
put_info(const bag_t *b, uint64_t files, uint64_t bytes)
{
    const file_t *f = find(b, "bag-info.txt");
    text_t t = {0};
    char oxum[64];
    if (f == NULL)
        return;
    const char *line;
    size_t at = 0, len;
    int last;
    add(&t, "", 0);
    snprintf(oxum, sizeof oxum, "Payload-Oxum: %llu.%llu", (unsigned long long)bytes,
             (unsigned long long)files);
    while (next_line(f, &at, &line, &len, &last)) {
        if (len == 15 && memcmp(line, "Payload-Oxum: *", 15) == 0)
            adds(&t, oxum);
        else
            add(&t, line, len);
        if (!last)
            adds(&t, "\n");
    }
    put(b, "bag-info.txt", t.p, t.len);
    free(t.p);
}

/* The tree of entries.jsonl's lines. */
typedef struct lines {
    size_t n;
    uint8_t leaf[ENTRIES_MAX][32];
} lines_t;

static int
lines_leaves(void *arg, uint64_t index, uint64_t count, uint8_t (*out)[32])
{
    const lines_t *l = arg;
    memcpy(out, l->leaf[index], count * 32);
    return 0;
}

static void
put_ledger(const bag_t *b)
{
    const file_t *e = find(b, "data/ledger/entries.jsonl"),
                 *p = find(b, "data/ledger/proofs.jsonl"),
                 *c = find(b, "data/ledger/checkpoint.txt");
    lines_t l = {0};
    uint8_t root[32], path[CS_MERKLE_PROOF_MAX][32];
    char b64[CS_B64_LEN(32) + 1], num[32], *note = NULL;
    text_t t = {0};
    const char *line;
    size_t i = 0, n = 0, at = 0, len;
    int last;

    while (e != NULL && l.n < ENTRIES_MAX && next_line(e, &at, &line, &len, &last))
        if (cs_merkle_leaf_hash(line, len, l.leaf[l.n++]) != 0)
            abort();
    if (cs_merkle_root(lines_leaves, &l, l.n, root) != 0 ||
        cs_b64_encode(root, 32, b64, sizeof b64) != 0)
        abort();
    if (p != NULL) {
        add(&t, "", 0);
        at = 0;
        while (next_line(p, &at, &line, &len, &last)) {
            if (len == 1 && line[0] == '*' && i < l.n) {
                if (cs_merkle_inclusion_proof(lines_leaves, &l, i, l.n, path, &n) != 0 ||
                    cs_b64_encode(l.leaf[i], 32, b64, sizeof b64) != 0)
                    abort();
                snprintf(num, sizeof num, "%zu", i);
                adds(&t, "{\"seq\":");
                adds(&t, num);
                adds(&t, ",\"leaf_hash\":\"");
                adds(&t, b64);
                adds(&t, "\",\"path\":[");
                for (size_t k = 0; k < n; k++) {
                    if (cs_b64_encode(path[k], 32, b64, sizeof b64) != 0)
                        abort();
                    adds(&t, k ? ",\"" : "\"");
                    adds(&t, b64);
                    adds(&t, "\"");
                }
                adds(&t, "]}");
            } else {
                add(&t, line, len);
            }
            if (!last)
                adds(&t, "\n");
            i++;
        }
        put(b, "data/ledger/proofs.jsonl", t.p, t.len);
    }
    if (c != NULL) {
        if (cs_b64_encode(root, 32, b64, sizeof b64) != 0)
            abort();
        snprintf(num, sizeof num, "%zu", l.n);
        t.len = 0;
        add(&t, "", 0);
        at = 0;
        while (next_line(c, &at, &line, &len, &last)) {
            if (len == 1 && line[0] == '#')
                adds(&t, num);
            else if (len == 1 && line[0] == '*')
                adds(&t, b64);
            else
                add(&t, line, len);
            if (!last)
                adds(&t, "\n");
        }
        if (cs_note_sign(key_path, CS_FUZZ_ORIGIN, t.p, &note) == 0)
            put(b, "data/ledger/checkpoint.txt", note, strlen(note));
        else
            put(b, "data/ledger/checkpoint.txt", t.p, t.len);
        cs_diag_clear();
        free(note);
    }
    put(b, "data/ledger/key.pem", CS_FUZZ_PUB_PEM, strlen(CS_FUZZ_PUB_PEM));
    free(t.p);
}

static size_t
count_lines(const bag_t *b, const char *rel)
{
    const file_t *f = find(b, rel);
    const char *line;
    size_t n = 0, at = 0, len;
    int last;
    while (f != NULL && next_line(f, &at, &line, &len, &last))
        n++;
    return n;
}

/* The payload as the manifest on disk lists it, for checking a bag that verified without
 * the verifier's own code: every file under data/ listed once, with its SHA-256. */
typedef struct listed {
    size_t n, seen;
    char hex[FILES_MAX * 2][65];
    char path[FILES_MAX * 2][NAME_MAX_LEN + 1];
} listed_t;

static listed_t listed;
static size_t root_len;

static int
on_payload(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    unsigned char md[32], *buf;
    char hex[65], *rel = (char *)path + root_len + 1;
    size_t i;
    FILE *f;
    (void)ftw;
    if (type == FTW_D || type == FTW_DP)
        return 0;
    CS_FUZZ_CHECK(type == FTW_F && S_ISREG(st->st_mode), "verified, but %s is not a file", rel);
    for (i = 0; i < listed.n && strcmp(listed.path[i], rel) != 0; i++)
        ;
    CS_FUZZ_CHECK(i < listed.n, "verified, but %s is not in manifest-sha256.txt", rel);
    if ((buf = malloc((size_t)st->st_size + 1)) == NULL || (f = fopen(path, "rb")) == NULL)
        abort();
    if (fread(buf, 1, (size_t)st->st_size, f) != (size_t)st->st_size)
        abort();
    fclose(f);
    SHA256(buf, (size_t)st->st_size, md);
    free(buf);
    for (int k = 0; k < 32; k++)
        snprintf(hex + 2 * k, 3, "%02x", md[k]);
    CS_FUZZ_CHECK(strcmp(hex, listed.hex[i]) == 0, "verified, but %s does not hash to %s", rel,
                  listed.hex[i]);
    listed.seen++;
    return 0;
}

static void
check_payload(const bag_t *b)
{
    char path[PATH_MAX + 256], line[PATH_MAX];
    FILE *f;
    listed.n = listed.seen = 0;
    path_in(b, "manifest-sha256.txt", path);
    if ((f = fopen(path, "r")) == NULL)
        abort();
    while (fgets(line, sizeof line, f) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        CS_FUZZ_CHECK(strlen(line) > 66 && strlen(line + 66) <= NAME_MAX_LEN &&
                          listed.n < FILES_MAX * 2,
                      "verified, but a manifest line is \"%s\"", line);
        memcpy(listed.hex[listed.n], line, 64);
        listed.hex[listed.n][64] = '\0';
        strcpy(listed.path[listed.n++], line + 66);
    }
    fclose(f);
    path_in(b, "data", path);
    root_len = strlen(b->root);
    if (nftw(path, on_payload, 16, FTW_PHYS) != 0)
        abort();
    CS_FUZZ_CHECK(listed.seen == listed.n,
                  "verified, but the manifest lists %zu files and data/ "
                  "holds %zu",
                  listed.n, listed.seen);
}

static void
fuzz_folder(const uint8_t *data, size_t size, int flags)
{
    static bag_t b;
    cs_bag_report_t rep;
    uint64_t files = 0, bytes = 0, tags, tag_bytes;

    b.n = 0;
    snprintf(b.root, sizeof b.root, "%s/bag", base);
    cs_bag_rmrf(b.root);
    if (mkdir(b.root, 0755) != 0)
        abort();
    parse_files(&b, data, size);
    for (size_t i = 0; i < b.n; i++)
        if (!special(b.files[i].name, flags))
            put(&b, b.files[i].name, b.files[i].data, b.files[i].len);
    if (flags & FLAG_LEDGER)
        put_ledger(&b);
    if (flags & FLAG_MANIFESTS) {
        put_manifest(&b, "manifest-sha256.txt", &files, &bytes);
        put_info(&b, files, bytes);
        put_manifest(&b, "tagmanifest-sha256.txt", &tags, &tag_bytes);
    }
    int rc = cs_bag_verify(b.root, flags & FLAG_KEY ? pub_path : NULL, &rep);
    CS_FUZZ_CHECK(rc == 0, "rc %d (%s)", rc, cs_diag());
    if (rep.problem[0] == '\0') {
        CS_FUZZ_CHECK(rep.entries == count_lines(&b, "data/ledger/entries.jsonl"),
                      "verified %llu entries of %zu", (unsigned long long)rep.entries,
                      count_lines(&b, "data/ledger/entries.jsonl"));
        CS_FUZZ_CHECK(rep.files == count_lines(&b, "manifest-sha256.txt") &&
                          rep.originals <= rep.files && rep.export_seq >= 0,
                      "verified %llu files (%llu originals) of %zu lines",
                      (unsigned long long)rep.files, (unsigned long long)rep.originals,
                      count_lines(&b, "manifest-sha256.txt"));
        check_payload(&b);
    }
    if (getenv("CUSTODY_FUZZ_BAG_KEEP") != NULL)
        fprintf(stderr, "fuzz_bag: kept %s: %s\n", b.root, rep.problem[0] ? rep.problem : "ok");
}

/* A ustar header's size field: octal, or base-256 after a 0x80 byte; -1 if neither. */
static int
tar_size(const unsigned char *h, uint64_t *size)
{
    const unsigned char *f = h + 124;
    size_t i = 0;
    *size = 0;
    if (f[0] == 0x80) {
        for (i = 4; i < 12; i++)
            *size = *size << 8 | f[i];
        return 0;
    }
    while (i < 12 && f[i] == ' ')
        i++;
    for (; i < 12 && f[i] >= '0' && f[i] <= '7'; i++)
        *size = *size * 8 + (uint64_t)(f[i] - '0');
    return i < 12 && f[i] != '\0' && f[i] != ' ' ? -1 : 0;
}

static int
zero_block(const unsigned char *h)
{
    for (int i = 0; i < 512; i++)
        if (h[i] != 0)
            return 0;
    return 1;
}

/* Walks the headers as a strict reader would: 1 if every entry is a file or folder whose
 * data lies inside the file and a zero block ends them. With `fix`, gives each header the
 * checksum it should have on the way (so that the fuzzer can change names, sizes and
 * types without having to get a checksum right). */
static int
tar_walk(unsigned char *t, size_t len, int fix)
{
    size_t pos = 0;
    while (pos + 512 <= len) {
        unsigned char *h = t + pos;
        unsigned sum = 0;
        uint64_t size;
        if (zero_block(h))
            return 1;
        if (fix) {
            memset(h + 148, ' ', 8);
            for (int i = 0; i < 512; i++)
                sum += h[i];
            snprintf((char *)h + 148, 8, "%06o", sum);
            h[155] = ' ';
        }
        if (tar_size(h, &size) != 0 || (h[156] != '0' && h[156] != '\0' && h[156] != '5'))
            return 0;
        if (h[156] == '5')
            size = 0;
        if (size > len - pos - 512)
            return 0;
        pos += 512 + (size_t)(size + 511) / 512 * 512;
    }
    return 0;
}

static void
fuzz_tar(const uint8_t *data, size_t size, int flags)
{
    char path[PATH_MAX + 16];
    unsigned char *t = malloc(size ? size : 1);
    cs_bag_report_t rep;
    int fd, strict;
    if (t == NULL)
        abort();
    memcpy(t, data, size);
    strict = tar_walk(t, size, flags & FLAG_MANIFESTS);
    snprintf(path, sizeof path, "%s/bag.tar", base);
    if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0)
        abort();
    for (size_t done = 0; done < size;) {
        ssize_t n = write(fd, t + done, size - done);
        if (n <= 0)
            abort();
        done += (size_t)n;
    }
    close(fd);
    free(t);
    int rc = cs_bag_verify(path, NULL, &rep);
    CS_FUZZ_CHECK(rc == 0, "rc %d (%s)", rc, cs_diag());
    CS_FUZZ_CHECK(rep.problem[0] != '\0' || strict,
                  "a .tar that a strict reader refuses (an entry past its end, or no end) "
                  "verified");
    if (getenv("CUSTODY_FUZZ_BAG_KEEP") != NULL)
        fprintf(stderr, "fuzz_bag: %s: %s\n", path, rep.problem[0] ? rep.problem : "ok");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    cs_diag_clear();
    if (data[0] & FLAG_TAR)
        fuzz_tar(data + 1, size - 1, data[0]);
    else
        fuzz_folder(data + 1, size - 1, data[0]);
    return 0;
}
