/* ledger/note.c: Ed25519-signed notes (Go's sumdb note format) and checkpoint bodies. */
#include "ledger/note.h"

#include "core/error.h"
#include "core/utf8.h"
#include "ledger/b64.h"

#include <errno.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ALG_ED25519 0x01
#define MAX_SIGS 100               /* as Go's note.Open: more is a malformed note */
#define SIG_PREFIX "\xE2\x80\x94 " /* U+2014 EM DASH and a space */
#define SIG_PREFIX_LEN 4
#define SIG_BLOB 68 /* key hash (4) and Ed25519 signature (64) */

/* Go's unicode.IsSpace, which note names may not contain. */
static int
is_space(uint32_t c)
{
    return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
           c == 0x205F || c == 0x3000;
}

/* Valid UTF-8 with no control character below U+0020 other than (if allowed) newline.
 * Returns the offset of the first bad byte, or len. */
static size_t
text_check(const char *s, size_t len, int newlines)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t n = cs_utf8_next(u + i, len - i, &cp, NULL);
        if (n == 0 || (cp < 0x20 && !(newlines && cp == '\n')))
            return i;
        i += n;
    }
    return len;
}

/* A key name: non-empty UTF-8 without Unicode spaces or '+'. */
static int
name_ok(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    if (len == 0)
        return 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t n = cs_utf8_next(u + i, len - i, &cp, NULL);
        if (n == 0 || is_space(cp) || cp == '+')
            return 0;
        i += n;
    }
    return 1;
}

static int
check_name(const char *name)
{
    if (name == NULL || !name_ok(name, strlen(name))) {
        cs_diag_set("note key name \"%s\" is empty or has spaces, '+' or bad UTF-8",
                    name ? name : "");
        return CS_EINVAL;
    }
    return 0;
}

/* First 4 bytes, big-endian, of SHA-256(name || "\n" || 0x01 || pub). */
static int
key_hash(const char *name, const uint8_t pub[32], uint32_t *out)
{
    static const uint8_t sep[2] = {'\n', ALG_ED25519};
    uint8_t md[32];
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = ctx != NULL && EVP_DigestInit_ex2(ctx, EVP_sha256(), NULL) == 1 &&
             EVP_DigestUpdate(ctx, name, strlen(name)) == 1 &&
             EVP_DigestUpdate(ctx, sep, sizeof sep) == 1 && EVP_DigestUpdate(ctx, pub, 32) == 1 &&
             EVP_DigestFinal_ex(ctx, md, NULL) == 1;
    EVP_MD_CTX_free(ctx);
    if (!ok) {
        cs_diag_set("OpenSSL could not hash a note key");
        return CS_ECRYPTO;
    }
    *out = (uint32_t)md[0] << 24 | (uint32_t)md[1] << 16 | (uint32_t)md[2] << 8 | md[3];
    return 0;
}

/* Never prompt for a passphrase: the ledger key is unencrypted, anything else is an error. */
static int
no_passphrase(char *buf, int size, int rwflag, void *u)
{
    (void)buf, (void)size, (void)rwflag, (void)u;
    return 0;
}

/* Reads an Ed25519 key from a PEM file: the private key if `priv`, else the public one. */
static int
read_key(const char *path, int priv, EVP_PKEY **out)
{
    FILE *f = fopen(path, "r");
    int rc;
    *out = NULL;
    if (f == NULL) {
        rc = cs_err_from_errno(errno);
        cs_diag_set("cannot read %s key %s: %s", priv ? "private" : "public", path,
                    strerror(errno));
        return rc;
    }
    *out = priv ? PEM_read_PrivateKey(f, NULL, no_passphrase, NULL)
                : PEM_read_PUBKEY(f, NULL, no_passphrase, NULL);
    fclose(f);
    if (*out == NULL || !EVP_PKEY_is_a(*out, "ED25519")) {
        EVP_PKEY_free(*out);
        *out = NULL;
        cs_diag_set("%s is not an unencrypted Ed25519 %s key", path, priv ? "private" : "public");
        return CS_ECRYPTO;
    }
    return 0;
}

static int
raw_public(EVP_PKEY *pkey, const char *path, uint8_t pub[32])
{
    size_t len = 32;
    if (EVP_PKEY_get_raw_public_key(pkey, pub, &len) != 1 || len != 32) {
        cs_diag_set("cannot take the public key out of %s", path);
        return CS_ECRYPTO;
    }
    return 0;
}

static int
read_public(const char *pub_path, uint8_t pub[32])
{
    EVP_PKEY *pkey = NULL;
    int rc = read_key(pub_path, 0, &pkey);
    if (rc == 0)
        rc = raw_public(pkey, pub_path, pub);
    EVP_PKEY_free(pkey);
    return rc;
}

int
cs_note_sign(const char *key_path, const char *name, const char *body, char **out)
{
    size_t body_len = strlen(body), bad, siglen = 64, cap;
    uint8_t pub[32], blob[SIG_BLOB];
    char b64[CS_B64_LEN(SIG_BLOB) + 1];
    EVP_PKEY *pkey = NULL;
    EVP_MD_CTX *ctx = NULL;
    uint32_t hash;
    int rc, n;
    *out = NULL;
    if ((rc = check_name(name)) != 0)
        return rc;
    if (body_len == 0 || body[body_len - 1] != '\n') {
        cs_diag_set("a note's text must end in a newline");
        return CS_EINVAL;
    }
    if ((bad = text_check(body, body_len, 1)) != body_len) {
        cs_diag_set("a note's text has a control character or bad UTF-8 at byte %zu", bad);
        return CS_EINVAL;
    }
    if ((rc = read_key(key_path, 1, &pkey)) != 0 || (rc = raw_public(pkey, key_path, pub)) != 0 ||
        (rc = key_hash(name, pub, &hash)) != 0)
        goto out;
    blob[0] = (uint8_t)(hash >> 24);
    blob[1] = (uint8_t)(hash >> 16);
    blob[2] = (uint8_t)(hash >> 8);
    blob[3] = (uint8_t)hash;
    if ((ctx = EVP_MD_CTX_new()) == NULL || EVP_DigestSignInit(ctx, NULL, NULL, NULL, pkey) != 1 ||
        EVP_DigestSign(ctx, blob + 4, &siglen, (const unsigned char *)body, body_len) != 1 ||
        siglen != 64) {
        cs_diag_set("OpenSSL could not sign with %s", key_path);
        rc = CS_ECRYPTO;
        goto out;
    }
    if ((rc = cs_b64_encode(blob, sizeof blob, b64, sizeof b64)) != 0)
        goto out;
    cap = body_len + 1 + SIG_PREFIX_LEN + strlen(name) + 1 + strlen(b64) + 2;
    if ((*out = malloc(cap)) == NULL) {
        rc = CS_ENOMEM;
        goto out;
    }
    n = snprintf(*out, cap, "%s\n" SIG_PREFIX "%s %s\n", body, name, b64);
    if (n < 0 || (size_t)n >= cap) {
        free(*out);
        *out = NULL;
        rc = CS_ENAMETOOLONG;
    }
out:
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(pkey);
    return rc;
}

static int
ed25519_ok(EVP_PKEY *pkey, const uint8_t *sig, size_t siglen, const char *msg, size_t len)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = ctx != NULL && siglen == 64 &&
             EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pkey) == 1 &&
             EVP_DigestVerify(ctx, sig, siglen, (const unsigned char *)msg, len) == 1;
    EVP_MD_CTX_free(ctx);
    return ok;
}

/* Checks one signature line (without its newline). Sets *mine when it is by name/want and has
 * been checked (a second line by the same key is skipped, as Go does). */
static int
check_line(const char *line, size_t len, int no, const char *name, uint32_t want, EVP_PKEY *pkey,
           const char *text, size_t text_len, int *mine)
{
    const char *who = line + SIG_PREFIX_LEN, *sp;
    size_t who_len, b64_len, sig_len = 0;
    uint8_t *sig = NULL;
    uint32_t hash;
    int rc = 0;
    if (len < SIG_PREFIX_LEN || memcmp(line, SIG_PREFIX, SIG_PREFIX_LEN) != 0) {
        cs_diag_set("note signature line %d does not start with an em dash and a space", no);
        return CS_EINVAL;
    }
    sp = memchr(who, ' ', len - SIG_PREFIX_LEN);
    who_len = sp ? (size_t)(sp - who) : len - SIG_PREFIX_LEN;
    b64_len = sp ? len - SIG_PREFIX_LEN - who_len - 1 : 0;
    if (!name_ok(who, who_len) || b64_len == 0 || (sig = malloc(b64_len / 4 * 3 + 1)) == NULL ||
        cs_b64_decode(sp + 1, b64_len, sig, b64_len / 4 * 3 + 1, &sig_len) != 0 || sig_len < 5) {
        cs_diag_set("note signature line %d is not \"— <name> <base64 signature>\"", no);
        rc = CS_EINVAL;
        goto out;
    }
    hash = (uint32_t)sig[0] << 24 | (uint32_t)sig[1] << 16 | (uint32_t)sig[2] << 8 | sig[3];
    if (*mine || hash != want || who_len != strlen(name) || memcmp(who, name, who_len) != 0)
        goto out;
    *mine = 1;
    if (!ed25519_ok(pkey, sig + 4, sig_len - 4, text, text_len)) {
        cs_diag_set("the signature of %s+%08" PRIx32 " on line %d does not match the note", name,
                    want, no);
        rc = CS_EMISMATCH;
    }
out:
    free(sig);
    return rc;
}

int
cs_note_verify_raw(const uint8_t pub[32], const char *name, const char *note, char **body)
{
    size_t len = strlen(note), bad, text_len = 0;
    const char *p, *end = note + len;
    EVP_PKEY *pkey = NULL;
    uint32_t want;
    int rc, mine = 0, no = 0;
    if (body != NULL)
        *body = NULL;
    if ((rc = check_name(name)) != 0)
        return rc;
    if ((bad = text_check(note, len, 1)) != len) {
        cs_diag_set("the note has a control character or bad UTF-8 at byte %zu", bad);
        return CS_EINVAL;
    }
    /* The text ends at the last blank line; the signature block after it is never empty. */
    for (size_t i = len; i >= 2; i--)
        if (note[i - 1] == '\n' && note[i - 2] == '\n') {
            text_len = i - 1;
            break;
        }
    if (text_len == 0) {
        cs_diag_set("the note has no blank line before its signatures");
        return CS_EINVAL;
    }
    if (text_len + 1 == len || note[len - 1] != '\n') {
        cs_diag_set("the note has no signature lines, or its last line has no newline");
        return CS_EINVAL;
    }
    if ((rc = key_hash(name, pub, &want)) != 0)
        return rc;
    if ((pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, 32)) == NULL) {
        cs_diag_set("OpenSSL does not take this Ed25519 public key");
        return CS_ECRYPTO;
    }
    for (p = note + text_len + 1; p < end; no++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (no == MAX_SIGS) {
            cs_diag_set("the note has more than %d signatures", MAX_SIGS);
            rc = CS_EINVAL;
            goto out;
        }
        if ((rc = check_line(p, (size_t)(nl - p), no + 1, name, want, pkey, note, text_len,
                             &mine)) != 0)
            goto out;
        p = nl + 1;
    }
    if (!mine) {
        cs_diag_set("the note has no signature by %s+%08" PRIx32, name, want);
        rc = CS_EMISMATCH;
        goto out;
    }
    if (body != NULL) {
        if ((*body = malloc(text_len + 1)) == NULL) {
            rc = CS_ENOMEM;
            goto out;
        }
        memcpy(*body, note, text_len);
        (*body)[text_len] = '\0';
    }
out:
    EVP_PKEY_free(pkey);
    return rc;
}

int
cs_note_verify(const char *pub_path, const char *name, const char *note, char **body)
{
    uint8_t pub[32];
    int rc;
    if (body != NULL)
        *body = NULL;
    if ((rc = read_public(pub_path, pub)) != 0)
        return rc;
    return cs_note_verify_raw(pub, name, note, body);
}

int
cs_note_vkey_raw(const uint8_t pub[32], const char *name, char **out)
{
    uint8_t key[33];
    char b64[CS_B64_LEN(sizeof key) + 1];
    uint32_t hash;
    size_t cap;
    int rc, n;
    *out = NULL;
    if ((rc = check_name(name)) != 0 || (rc = key_hash(name, pub, &hash)) != 0)
        return rc;
    key[0] = ALG_ED25519;
    memcpy(key + 1, pub, 32);
    if ((rc = cs_b64_encode(key, sizeof key, b64, sizeof b64)) != 0)
        return rc;
    cap = strlen(name) + 1 + 8 + 1 + strlen(b64) + 1;
    if ((*out = malloc(cap)) == NULL)
        return CS_ENOMEM;
    n = snprintf(*out, cap, "%s+%08" PRIx32 "+%s", name, hash, b64);
    if (n < 0 || (size_t)n >= cap) {
        free(*out);
        *out = NULL;
        return CS_ENAMETOOLONG;
    }
    return 0;
}

int
cs_note_vkey(const char *pub_path, const char *name, char **out)
{
    uint8_t pub[32];
    int rc;
    *out = NULL;
    if ((rc = read_public(pub_path, pub)) != 0)
        return rc;
    return cs_note_vkey_raw(pub, name, out);
}

int
cs_note_vkey_parse(const char *vkey, char *name, size_t name_size, uint8_t pub[32])
{
    const char *plus1 = strchr(vkey, '+'), *plus2 = plus1 ? strchr(plus1 + 1, '+') : NULL;
    size_t name_len = plus1 ? (size_t)(plus1 - vkey) : 0, key_len = 0;
    uint8_t key[33];
    uint32_t hash = 0, want;
    int rc;
    if (plus2 == NULL || plus2 - plus1 != 9 || !name_ok(vkey, name_len))
        goto bad;
    for (const char *h = plus1 + 1; h < plus2; h++) {
        int d = *h >= '0' && *h <= '9'   ? *h - '0'
                : *h >= 'a' && *h <= 'f' ? *h - 'a' + 10
                : *h >= 'A' && *h <= 'F' ? *h - 'A' + 10
                                         : -1;
        if (d < 0)
            goto bad;
        hash = hash << 4 | (uint32_t)d;
    }
    if (cs_b64_decode(plus2 + 1, strlen(plus2 + 1), key, sizeof key, &key_len) != 0 ||
        key_len != sizeof key || key[0] != ALG_ED25519)
        goto bad;
    if (name_len + 1 > name_size) {
        cs_diag_set("the verifier key's name is longer than %zu bytes", name_size);
        return CS_ENAMETOOLONG;
    }
    memcpy(name, vkey, name_len);
    name[name_len] = '\0';
    if ((rc = key_hash(name, key + 1, &want)) != 0)
        return rc;
    if (want != hash)
        goto bad;
    memcpy(pub, key + 1, 32);
    return 0;
bad:
    cs_diag_set("not an Ed25519 verifier key \"<name>+<8 hex digits>+<base64 key>\"");
    return CS_EINVAL;
}

/* Checkpoint bodies. */

static int
days_in(int year, int month)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : days[month - 1];
}

/* Exactly "YYYY-MM-DDTHH:MM:SSZ" naming a real second. */
static int
time_ok(const char *s, size_t len)
{
    static const char form[] = "dddd-dd-ddTdd:dd:ddZ";
    int v[6] = {0}, f = 0;
    if (len != sizeof form - 1)
        return 0;
    for (size_t i = 0; i < len; i++) {
        if (form[i] != 'd') {
            if (s[i] != form[i])
                return 0;
            f++;
            continue;
        }
        if (s[i] < '0' || s[i] > '9')
            return 0;
        v[f] = v[f] * 10 + (s[i] - '0');
    }
    return v[1] >= 1 && v[1] <= 12 && v[2] >= 1 && v[2] <= days_in(v[0], v[1]) && v[3] <= 23 &&
           v[4] <= 59 && v[5] <= 59;
}

int
cs_checkpoint_time(int64_t t, char out[CS_CHECKPOINT_TIME_MAX])
{
    time_t tt = (time_t)t;
    struct tm tm;
    int n;
    out[0] = '\0';
    /* 0000-01-01T00:00:00Z .. 9999-12-31T23:59:59Z */
    if (t < INT64_C(-62167219200) || t > INT64_C(253402300799) || gmtime_r(&tt, &tm) == NULL) {
        cs_diag_set("time %" PRId64 " is outside years 0000-9999", t);
        return CS_EINVAL;
    }
    n = snprintf(out, CS_CHECKPOINT_TIME_MAX, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    if (n < 0 || n >= CS_CHECKPOINT_TIME_MAX) {
        out[0] = '\0';
        return CS_EINVAL;
    }
    return 0;
}

int
cs_checkpoint_format(const char *origin, uint64_t size, const uint8_t root[32],
                     const char *time_rfc3339, char **body)
{
    size_t origin_len = strlen(origin), cap;
    char b64[CS_B64_LEN(32) + 1];
    int rc, n;
    *body = NULL;
    if (origin_len == 0 || text_check(origin, origin_len, 0) != origin_len) {
        cs_diag_set("checkpoint origin \"%s\" is empty, or has control characters or bad UTF-8",
                    origin);
        return CS_EINVAL;
    }
    if (time_rfc3339 == NULL || !time_ok(time_rfc3339, strlen(time_rfc3339))) {
        cs_diag_set("checkpoint time \"%s\" is not of the form 2026-11-27T07:30:00Z",
                    time_rfc3339 ? time_rfc3339 : "");
        return CS_EINVAL;
    }
    if ((rc = cs_b64_encode(root, 32, b64, sizeof b64)) != 0)
        return rc;
    cap = origin_len + 1 + 20 + 1 + strlen(b64) + 1 + 5 + strlen(time_rfc3339) + 2;
    if ((*body = malloc(cap)) == NULL)
        return CS_ENOMEM;
    n = snprintf(*body, cap, "%s\n%" PRIu64 "\n%s\ntime %s\n", origin, size, b64, time_rfc3339);
    if (n < 0 || (size_t)n >= cap) {
        free(*body);
        *body = NULL;
        return CS_ENAMETOOLONG;
    }
    return 0;
}

static int
parse_size(const char *s, size_t len, uint64_t *out)
{
    uint64_t v = 0;
    if (len == 0 || (len > 1 && s[0] == '0'))
        return 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9' || v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
            return 0;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    *out = v;
    return 1;
}

int
cs_checkpoint_parse(const char *body, char *origin, size_t origin_size, uint64_t *size,
                    uint8_t root[32], char *time_rfc3339, size_t time_size)
{
    const char *line[4], *p = body;
    size_t len[4], hash_len = 0;
    uint8_t hash[33];
    uint64_t n = 0;
    for (int i = 0; i < 4; i++) {
        const char *nl = strchr(p, '\n');
        if (nl == NULL) {
            cs_diag_set("checkpoint line %d is missing or has no newline", i + 1);
            return CS_EINVAL;
        }
        line[i] = p;
        len[i] = (size_t)(nl - p);
        p = nl + 1;
    }
    if (*p != '\0') {
        cs_diag_set("checkpoint line 5: only one extension line (time) is allowed");
        return CS_EINVAL;
    }
    if (len[0] == 0 || text_check(line[0], len[0], 0) != len[0]) {
        cs_diag_set("checkpoint line 1: the origin is empty or has control characters");
        return CS_EINVAL;
    }
    if (!parse_size(line[1], len[1], &n)) {
        cs_diag_set("checkpoint line 2: the tree size is not a decimal number without leading "
                    "zeros below 2^64");
        return CS_EINVAL;
    }
    if (len[2] != CS_B64_LEN(32) ||
        cs_b64_decode(line[2], len[2], hash, sizeof hash, &hash_len) != 0 || hash_len != 32) {
        cs_diag_set("checkpoint line 3: the root hash is not the base64 of 32 bytes");
        return CS_EINVAL;
    }
    if (len[3] < 5 || memcmp(line[3], "time ", 5) != 0 || !time_ok(line[3] + 5, len[3] - 5)) {
        cs_diag_set("checkpoint line 4 is not \"time YYYY-MM-DDTHH:MM:SSZ\"");
        return CS_EINVAL;
    }
    if ((origin != NULL && len[0] + 1 > origin_size) ||
        (time_rfc3339 != NULL && len[3] - 5 + 1 > time_size)) {
        cs_diag_set("checkpoint origin or time is too long for its buffer");
        return CS_ENAMETOOLONG;
    }
    if (origin != NULL) {
        memcpy(origin, line[0], len[0]);
        origin[len[0]] = '\0';
    }
    if (time_rfc3339 != NULL) {
        memcpy(time_rfc3339, line[3] + 5, len[3] - 5);
        time_rfc3339[len[3] - 5] = '\0';
    }
    if (size != NULL)
        *size = n;
    if (root != NULL)
        memcpy(root, hash, 32);
    return 0;
}
