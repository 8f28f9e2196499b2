/* export/bag_review.c: verify-bag's check of the legal review a bag carries (data/review/,
 * export_opinions.c): every opinion's signature against the reviewer's public key in the bag,
 * that key's id against the one the signature names, and that id against the proven
 * "user.key" ledger entry of the opinion's author (export_ledger.c): so a key someone put in
 * the bag, and an opinion signed with it, are refused. */
#include "export/bag.h"

#include "core/buf.h"
#include "core/error.h"
#include "ledger/key.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OPINION_MAX (1024 * 1024) /* bytes of one opinion, signature line or key file */
#define SUFFIX ".opinion.json"

/* The file at dir/name into a new NUL-terminated buffer (*len its bytes); NULL if unreadable. */
static char *
slurp(const char *dir, const char *name, size_t *len)
{
    char path[PATH_MAX], *buf = NULL;
    FILE *f = NULL;
    size_t n = 0;
    if (cs_snprintf(path, sizeof path, "%s/%s", dir, name) != 0 ||
        (f = fopen(path, "rb")) == NULL || (buf = malloc(OPINION_MAX + 1)) == NULL)
        goto out;
    n = fread(buf, 1, OPINION_MAX + 1, f);
    if (ferror(f) || n > OPINION_MAX) {
        free(buf);
        buf = NULL;
        goto out;
    }
    buf[n] = '\0';
    if (len != NULL)
        *len = n;
out:
    if (f != NULL)
        fclose(f);
    return buf;
}

static int
is_hex64(const char *s)
{
    size_t n = strspn(s, "0123456789abcdef");
    return n == 64 && s[64] == '\0';
}

/* One opinion `name` (round-N.opinion.json) in dir: 0, or 1 with problem set. */
/* Is key `id` ledgered (a proven "user.key" entry) for the author the opinion names? */
static int
ledgered(const cs_bag_key_t *keys, size_t nkeys, const char *id, const char *text, size_t len)
{
    json_t *op = json_loadb(text, len, 0, NULL);
    const char *author = json_string_value(json_object_get(op, "author"));
    int yes = 0;
    for (size_t i = 0; author != NULL && i < nkeys && !yes; i++)
        yes = strcmp(keys[i].key_id, id) == 0 && strcmp(keys[i].user, author) == 0;
    json_decref(op);
    return yes;
}

static int
check_one(const char *dir, const char *name, const cs_bag_key_t *keys, size_t nkeys, char *problem,
          size_t cap)
{
    char sig_name[NAME_MAX + 1], key_name[128], kid[CS_KEY_ID_MAX], what[8], id[65], sig[129];
    char *text = NULL, *line = NULL, *pem = NULL;
    size_t len = 0, stem = strlen(name) - strlen(SUFFIX);
    int bad = 1;
    if ((size_t)snprintf(sig_name, sizeof sig_name, "%.*s.opinion.sig", (int)stem, name) >=
        sizeof sig_name)
        goto out;
    if ((text = slurp(dir, name, &len)) == NULL) {
        cs_snprintf_cut(problem, cap, "data/review/%s cannot be read", name);
        goto out;
    }
    if ((line = slurp(dir, sig_name, NULL)) == NULL ||
        sscanf(line, "%7s %64s %128s", what, id, sig) != 3 || strcmp(what, "ed25519") != 0 ||
        !is_hex64(id)) {
        cs_snprintf_cut(problem, cap, "data/review/%s has no signature (data/review/%s)", name,
                        sig_name);
        goto out;
    }
    snprintf(key_name, sizeof key_name, "keys/%s.pem", id); /* fits: 73 bytes */
    if ((pem = slurp(dir, key_name, NULL)) == NULL) {
        cs_snprintf_cut(problem, cap, "data/review/%s is signed by key %.12s, not in the bag", name,
                        id);
        goto out;
    }
    if (cs_key_verify(pem, text, len, sig, kid) != 0 || strcmp(kid, id) != 0) {
        cs_snprintf_cut(problem, cap,
                        "data/review/%s: its signature does not verify with the reviewer's key "
                        "%.12s (data/review/%s)",
                        name, id, key_name);
        goto out;
    }
    if (!ledgered(keys, nkeys, id, text, len)) {
        cs_snprintf_cut(problem, cap,
                        "data/review/%s is signed by key %s, which no proven user.key entry of "
                        "data/ledger/ gives its author: not a key this home made",
                        name, id);
        goto out;
    }
    bad = 0;
out:
    free(text);
    free(line);
    free(pem);
    return bad;
}

int
cs_bag_verify_opinions(const char *root, const cs_bag_key_t *keys, size_t nkeys, char *problem,
                       size_t cap, uint64_t *opinions)
{
    char dir[PATH_MAX];
    struct dirent *e;
    DIR *d;
    int rc = 0;
    *opinions = 0;
    if (cs_snprintf(dir, sizeof dir, "%s/data/review", root) != 0)
        return CS_ENAMETOOLONG;
    if ((d = opendir(dir)) == NULL)
        return errno == ENOENT ? 0 : cs_err_from_errno(errno); /* a case never submitted */
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n <= strlen(SUFFIX) || strcmp(e->d_name + n - strlen(SUFFIX), SUFFIX) != 0)
            continue;
        if (check_one(dir, e->d_name, keys, nkeys, problem, cap)) {
            rc = 1;
            break;
        }
        ++*opinions;
    }
    closedir(d);
    return rc;
}
