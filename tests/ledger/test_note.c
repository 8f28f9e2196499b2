/* tests/ledger/test_note.c: signed checkpoints, and notes that Go's sumdb/note signs and opens.
 *
 * The Go vectors (the PeterNeumann and EnochRoot keys, their signatures and the malformed notes)
 * come from golang.org/x/mod sumdb/note/note_test.go (TestSign, TestOpen). */
#include "core/error.h"
#include "ledger/b64.h"
#include "ledger/key.h"
#include "ledger/note.h"
#include "tests/support/testutil.h"

#include <check.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EM "\xE2\x80\x94" /* U+2014 */

static const char go_text[] = "If you think cryptography is the answer to your problem,\n"
                              "then you don't know what your problem is.\n";
static const char peter_skey[] =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
static const char peter_vkey[] =
    "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
static const char peter_sig[] =
    EM " PeterNeumann "
       "x08go/ZJkuBS9UG/"
       "SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
static const char enoch_vkey[] = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
static const char enoch_sig[] = EM " EnochRoot "
                                   "rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/"
                                   "5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

static char *
cat(const char *a, const char *b, const char *c)
{
    size_t n = strlen(a) + strlen(b) + strlen(c) + 1;
    char *s = malloc(n);
    ck_assert_ptr_nonnull(s);
    snprintf(s, n, "%s%s%s", a, b, c);
    return s;
}

typedef struct keys {
    char *dir;
    char key[4096], pub[4096], key2[4096], pub2[4096];
} keys_t;

static void
keys_make(keys_t *k)
{
    k->dir = cs_test_tmpdir();
    snprintf(k->key, sizeof k->key, "%s/ledger.key", k->dir);
    snprintf(k->pub, sizeof k->pub, "%s/ledger.pub", k->dir);
    snprintf(k->key2, sizeof k->key2, "%s/other.key", k->dir);
    snprintf(k->pub2, sizeof k->pub2, "%s/other.pub", k->dir);
    ck_assert_int_eq(cs_ledger_key_create(k->key, k->pub), 0);
    ck_assert_int_eq(cs_ledger_key_create(k->key2, k->pub2), 0);
}

static void
keys_free(keys_t *k)
{
    cs_test_rmrf(k->dir);
    free(k->dir);
}

static void
raw_pub(const char *path, uint8_t pub[32])
{
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    EVP_PKEY *pk = PEM_read_PUBKEY(f, NULL, NULL, NULL);
    fclose(f);
    size_t len = 32;
    ck_assert_int_eq(EVP_PKEY_get_raw_public_key(pk, pub, &len), 1);
    EVP_PKEY_free(pk);
}

START_TEST(a_signed_checkpoint_verifies_and_reads_back)
{
    keys_t k;
    uint8_t root[32], root2[32], pub[32], parsed[32];
    char *body = NULL, *note = NULL, *got = NULL, *vkey = NULL, origin[64], when[32], name[64];
    uint64_t size = 0;
    keys_make(&k);
    memset(root, 0x5a, sizeof root);
    ck_assert_int_eq(
        cs_checkpoint_format("custody.example/ledger", 42, root, "2026-11-27T07:30:00Z", &body), 0);
    ck_assert_int_eq(cs_note_sign(k.key, "custody.example/ledger", body, &note), 0);
    /* body, blank line, "— name base64(4 + 64 bytes)" */
    size_t blen = strlen(body);
    ck_assert_int_eq(strncmp(note, body, blen), 0);
    ck_assert_int_eq(strncmp(note + blen, "\n" EM " custody.example/ledger ", 28), 0);
    ck_assert_uint_eq(strlen(note + blen + 28), CS_B64_LEN(68) + 1);
    ck_assert_int_eq(note[strlen(note) - 1], '\n');

    ck_assert_int_eq(cs_note_verify(k.pub, "custody.example/ledger", note, &got), 0);
    ck_assert_str_eq(got, body);
    ck_assert_int_eq(
        cs_checkpoint_parse(got, origin, sizeof origin, &size, root2, when, sizeof when), 0);
    ck_assert_str_eq(origin, "custody.example/ledger");
    ck_assert_uint_eq(size, 42);
    ck_assert_mem_eq(root2, root, 32);
    ck_assert_str_eq(when, "2026-11-27T07:30:00Z");

    /* The Go verifier key names the same key, and reads back to the raw key. */
    raw_pub(k.pub, pub);
    ck_assert_int_eq(cs_note_vkey(k.pub, "custody.example/ledger", &vkey), 0);
    ck_assert_int_eq(strncmp(vkey, "custody.example/ledger+", 23), 0);
    ck_assert_uint_eq(strlen(vkey), 23 + 8 + 1 + CS_B64_LEN(33));
    ck_assert_int_eq(vkey[31], '+');
    ck_assert_int_eq(cs_note_vkey_parse(vkey, name, sizeof name, parsed), 0);
    ck_assert_str_eq(name, "custody.example/ledger");
    ck_assert_mem_eq(parsed, pub, 32);
    ck_assert_int_eq(cs_note_verify_raw(parsed, name, note, NULL), 0);
    ck_assert_int_eq(cs_note_vkey_parse(vkey, name, 10, parsed), CS_ENAMETOOLONG);

    free(body);
    free(note);
    free(got);
    free(vkey);
    keys_free(&k);
}
END_TEST

START_TEST(any_change_or_another_key_is_a_mismatch)
{
    keys_t k;
    uint8_t root[32] = {0};
    char *body = NULL, *note = NULL, *got = (char *)"untouched";
    keys_make(&k);
    ck_assert_int_eq(cs_checkpoint_format("origin", 7, root, "2026-01-02T03:04:05Z", &body), 0);
    ck_assert_int_eq(cs_note_sign(k.key, "origin", body, &note), 0);
    size_t blen = strlen(body), sig_at = blen + 1 + 4 + strlen("origin") + 1;

    /* Every byte of the body. */
    for (size_t i = 0; i < blen; i++) {
        if (note[i] == '\n')
            continue;
        char was = note[i];
        note[i] = was == 'x' ? 'y' : 'x';
        ck_assert_int_eq(cs_note_verify(k.pub, "origin", note, &got), CS_EMISMATCH);
        ck_assert_ptr_null(got);
        note[i] = was;
    }
    /* Every base64 character of the key hash and signature but the last (its unused bits). */
    for (size_t i = sig_at; i < sig_at + CS_B64_LEN(68) - 2; i++) {
        char was = note[i];
        note[i] = was == 'A' ? 'B' : 'A';
        ck_assert_int_eq(cs_note_verify(k.pub, "origin", note, NULL), CS_EMISMATCH);
        note[i] = was;
    }
    ck_assert_int_eq(cs_note_verify(k.pub, "origin", note, NULL), 0);
    ck_assert_int_eq(cs_note_verify(k.pub, "origin2", note, NULL), CS_EMISMATCH);
    ck_assert_ptr_nonnull(strstr(cs_diag(), "no signature by origin2+"));
    ck_assert_int_eq(cs_note_verify(k.pub2, "origin", note, NULL), CS_EMISMATCH);

    /* Signed by the other key too: each key finds its own line. */
    char *twice = NULL, *other = NULL;
    ck_assert_int_eq(cs_note_sign(k.key2, "origin", body, &other), 0);
    twice = cat(note, strstr(other, "\n\n") + 2, "");
    ck_assert_int_eq(cs_note_verify(k.pub, "origin", twice, NULL), 0);
    ck_assert_int_eq(cs_note_verify(k.pub2, "origin", twice, NULL), 0);

    free(twice);
    free(other);
    free(body);
    free(note);
    keys_free(&k);
}
END_TEST

START_TEST(malformed_notes_are_invalid)
{
    keys_t k;
    uint8_t root[32] = {0};
    char *body = NULL, *note = NULL, *bad;
    keys_make(&k);
    ck_assert_int_eq(cs_checkpoint_format("origin", 7, root, "2026-01-02T03:04:05Z", &body), 0);
    ck_assert_int_eq(cs_note_sign(k.key, "origin", body, &note), 0);
    const char *sig = strstr(note, "\n\n") + 2;

    bad = cat(body, sig, ""); /* no blank line */
    ck_assert_int_eq(cs_note_verify(k.pub, "origin", bad, NULL), CS_EINVAL);
    free(bad);
    bad = cat(body, "\n", ""); /* no signature lines */
    ck_assert_int_eq(cs_note_verify(k.pub, "origin", bad, NULL), CS_EINVAL);
    free(bad);
    bad = cat(body, "\n", EM " origin !!!!\n"); /* bad base64 */
    ck_assert_int_eq(cs_note_verify(k.pub, "origin", bad, NULL), CS_EINVAL);
    free(bad);
    bad = cat(body, "\n", EM " origin AAAA\n"); /* too short to hold a key hash and signature */
    ck_assert_int_eq(cs_note_verify(k.pub, "origin", bad, NULL), CS_EINVAL);
    free(bad);
    bad = cat(body, "\n- origin AAAAAAAA\n", sig); /* a hyphen, not an em dash */
    ck_assert_int_eq(cs_note_verify(k.pub, "origin", bad, NULL), CS_EINVAL);
    ck_assert_ptr_nonnull(strstr(cs_diag(), "line 1"));
    free(bad);
    note[1] = '\t';
    ck_assert_int_eq(cs_note_verify(k.pub, "origin", note, NULL), CS_EINVAL);
    note[1] = '\xff';
    ck_assert_int_eq(cs_note_verify(k.pub, "origin", note, NULL), CS_EINVAL);

    /* Bad names and bodies are refused before signing. */
    char *out = (char *)"untouched";
    ck_assert_int_eq(cs_note_sign(k.key, "a b", body, &out), CS_EINVAL);
    ck_assert_ptr_null(out);
    ck_assert_int_eq(cs_note_sign(k.key, "a+b", body, &out), CS_EINVAL);
    ck_assert_int_eq(cs_note_sign(k.key, "", body, &out), CS_EINVAL);
    ck_assert_int_eq(cs_note_sign(k.key,
                                  "a\xc2\xa0"
                                  "b",
                                  body, &out),
                     CS_EINVAL); /* NBSP */
    ck_assert_int_eq(cs_note_sign(k.key, "origin", "no newline", &out), CS_EINVAL);
    ck_assert_int_eq(cs_note_sign(k.key, "origin", "tab\there\n", &out), CS_EINVAL);
    ck_assert_int_eq(cs_note_verify(k.pub, "a b", note, NULL), CS_EINVAL);

    /* Key files: missing, or not a private key. */
    char missing[4200];
    snprintf(missing, sizeof missing, "%s/missing.key", k.dir);
    ck_assert_int_eq(cs_note_sign(missing, "origin", body, &out), CS_ENOENT);
    ck_assert_int_eq(cs_note_sign(k.pub, "origin", body, &out), CS_ECRYPTO);
    ck_assert_ptr_nonnull(strstr(cs_diag(), k.pub));
    ck_assert_int_eq(cs_note_verify(missing, "origin", note, NULL), CS_ENOENT);

    /* An encrypted private key is refused, never prompted for. */
    char locked[4200];
    snprintf(locked, sizeof locked, "%s/locked.key", k.dir);
    FILE *kf = fopen(k.key, "r");
    EVP_PKEY *sk = PEM_read_PrivateKey(kf, NULL, NULL, NULL);
    fclose(kf);
    kf = fopen(locked, "w");
    ck_assert_int_eq(
        PEM_write_PKCS8PrivateKey(kf, sk, EVP_aes_256_cbc(), NULL, 0, NULL, (void *)"secret"), 1);
    fclose(kf);
    EVP_PKEY_free(sk);
    ck_assert_int_eq(cs_note_sign(locked, "origin", body, &out), CS_ECRYPTO);

    free(body);
    free(note);
    keys_free(&k);
}
END_TEST

/* Go's TestOpen and TestSign, reproduced. */
START_TEST(go_notes_verify_and_go_keys_sign_the_same_bytes)
{
    uint8_t peter[32], enoch[32];
    char name[64], *body = NULL, *vkey = NULL, *msg, *both;
    ck_assert_int_eq(cs_note_vkey_parse(peter_vkey, name, sizeof name, peter), 0);
    ck_assert_str_eq(name, "PeterNeumann");
    ck_assert_int_eq(cs_note_vkey_parse(enoch_vkey, name, sizeof name, enoch), 0);
    ck_assert_str_eq(name, "EnochRoot");

    msg = cat(go_text, "\n", peter_sig);
    ck_assert_int_eq(cs_note_verify_raw(peter, "PeterNeumann", msg, &body), 0);
    ck_assert_str_eq(body, go_text);
    free(body);
    ck_assert_int_eq(cs_note_verify_raw(enoch, "EnochRoot", msg, NULL), CS_EMISMATCH);

    both = cat(go_text, "\n", "");
    char *tmp = cat(both, peter_sig, enoch_sig);
    free(both);
    both = tmp;
    ck_assert_int_eq(cs_note_verify_raw(peter, "PeterNeumann", both, NULL), 0);
    ck_assert_int_eq(cs_note_verify_raw(enoch, "EnochRoot", both, NULL), 0);
    free(both);

    /* Our verifier key strings are Go's. */
    ck_assert_int_eq(cs_note_vkey_raw(peter, "PeterNeumann", &vkey), 0);
    ck_assert_str_eq(vkey, peter_vkey);
    free(vkey);
    ck_assert_int_eq(cs_note_vkey_raw(enoch, "EnochRoot", &vkey), 0);
    ck_assert_str_eq(vkey, enoch_vkey);
    free(vkey);

    /* Go's "invalid signature": four base64 characters inserted into Peter's signature. */
    char sig[256];
    snprintf(sig, sizeof sig, "%.60sABCD%s", peter_sig, peter_sig + 60);
    tmp = cat(go_text, "\n", sig);
    ck_assert_int_eq(cs_note_verify_raw(peter, "PeterNeumann", tmp, NULL), CS_EMISMATCH);
    free(tmp);

    /* Go's badMsgs: each a malformed note. */
    char *bad[7];
    bad[0] = cat(go_text, "", "");
    bad[1] = cat(go_text, "\n", "");
    bad[2] = cat(go_text, "\n", peter_sig);
    bad[2][strlen(bad[2]) - 1] = '\0';
    bad[3] = cat("\x01", go_text, "\n");
    tmp = cat(bad[3], peter_sig, "");
    free(bad[3]);
    bad[3] = tmp;
    bad[4] = cat("\xff", go_text, "\n");
    tmp = cat(bad[4], peter_sig, "");
    free(bad[4]);
    bad[4] = tmp;
    bad[5] = cat(go_text, "\n",
                 EM " Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqf"
                    "qdngotpRZb6KE6RyyBwJnAM=");
    tmp = cat(go_text, "\n", peter_sig);
    bad[6] = cat(tmp, "Unexpected line.\n", "");
    free(tmp);
    for (int i = 0; i < 7; i++) {
        ck_assert_msg(cs_note_verify_raw(peter, "PeterNeumann", bad[i], NULL) == CS_EINVAL,
                      "bad message %d", i);
        free(bad[i]);
    }
    /* More than 100 signatures. */
    size_t cap = strlen(go_text) + 2 + 101 * strlen(peter_sig);
    char *many = malloc(cap);
    snprintf(many, cap, "%s\n", go_text);
    for (int i = 0; i < 101; i++)
        strcat(many, peter_sig);
    ck_assert_int_eq(cs_note_verify_raw(peter, "PeterNeumann", many, NULL), CS_EINVAL);
    many[strlen(go_text) + 1 + 100 * strlen(peter_sig)] = '\0';
    ck_assert_int_eq(cs_note_verify_raw(peter, "PeterNeumann", many, NULL), 0);
    free(many);

    /* Go's signing key, as the PKCS#8 PEM we keep, signs exactly Go's bytes (Ed25519 is
     * deterministic). */
    const char *seed64 = peter_skey + strlen("PRIVATE+KEY+PeterNeumann+c74f20a3+");
    uint8_t seed[33];
    size_t seed_len;
    ck_assert_int_eq(cs_b64_decode(seed64, strlen(seed64), seed, sizeof seed, &seed_len), 0);
    ck_assert_uint_eq(seed_len, 33);
    ck_assert_int_eq(seed[0], 0x01);
    EVP_PKEY *sk = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed + 1, 32);
    ck_assert_ptr_nonnull(sk);
    char *dir = cs_test_tmpdir(), path[4200];
    snprintf(path, sizeof path, "%s/peter.key", dir);
    FILE *f = fopen(path, "w");
    ck_assert_int_eq(PEM_write_PKCS8PrivateKey(f, sk, NULL, NULL, 0, NULL, NULL), 1);
    fclose(f);
    EVP_PKEY_free(sk);
    char *note = NULL;
    ck_assert_int_eq(cs_note_sign(path, "PeterNeumann", go_text, &note), 0);
    ck_assert_str_eq(note, msg);
    free(note);
    free(msg);
    cs_test_rmrf(dir);
    free(dir);

    /* Manglings of a verifier key are refused (a sample of Go's TestNewVerifier). */
    char vk[128];
    ck_assert_int_eq(cs_note_vkey_parse("PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/"
                                        "LDE4izWy10TWBADKEY==",
                                        name, sizeof name, peter),
                     CS_EINVAL);
    ck_assert_int_eq(cs_note_vkey_parse("PeterNeumann+173116ae+"
                                        "ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
                                        name, sizeof name, peter),
                     CS_EINVAL);
    for (size_t i = 0; i < strlen(peter_vkey); i++) {
        snprintf(vk, sizeof vk, "%s", peter_vkey);
        vk[i]++;
        ck_assert_msg(cs_note_vkey_parse(vk, name, sizeof name, peter) == CS_EINVAL, "%s", vk);
        snprintf(vk, sizeof vk, "%.*s", (int)i, peter_vkey);
        ck_assert_msg(cs_note_vkey_parse(vk, name, sizeof name, peter) == CS_EINVAL, "%s", vk);
    }
}
END_TEST

/* Copies tmpl into out with each '@' replaced by r, or by its first N characters for "@N". */
static void
expand(char *out, size_t cap, const char *tmpl, const char *r)
{
    size_t o = 0;
    for (const char *t = tmpl; *t; t++) {
        if (*t != '@') {
            out[o++] = *t;
        } else {
            size_t n = strlen(r);
            if (t[1] >= '0' && t[1] <= '9') {
                n = (size_t)((t[1] - '0') * 10 + (t[2] - '0'));
                t += 2;
            }
            memcpy(out + o, r, n);
            o += n;
        }
        ck_assert_uint_lt(o, cap);
    }
    out[o] = '\0';
}

START_TEST(checkpoint_bodies_are_exact)
{
    uint8_t root[32], got[32];
    char *body = NULL, origin[32], when[CS_CHECKPOINT_TIME_MAX];
    uint64_t size;
    /* The root of the eight CT reference leaves. */
    static const uint8_t ct8[32] = {0x5d, 0xc9, 0xda, 0x79, 0xa7, 0x06, 0x59, 0xa9,
                                    0xad, 0x55, 0x9c, 0xb7, 0x01, 0xde, 0xd9, 0xa2,
                                    0xab, 0x9d, 0x82, 0x3a, 0xad, 0x2f, 0x49, 0x60,
                                    0xcf, 0xe3, 0x70, 0xef, 0xf4, 0x60, 0x43, 0x28};
    ck_assert_int_eq(
        cs_checkpoint_format("custody.example/ledger", 8, ct8, "2026-11-27T07:30:00Z", &body), 0);
    ck_assert_str_eq(body, "custody.example/ledger\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/"
                           "RgQyg=\ntime 2026-11-27T07:30:00Z\n");
    free(body);
    ck_assert_int_eq(cs_checkpoint_format("o", UINT64_MAX, ct8, "2024-02-29T23:59:59Z", &body), 0);
    ck_assert_int_eq(
        cs_checkpoint_parse(body, origin, sizeof origin, &size, root, when, sizeof when), 0);
    ck_assert_uint_eq(size, UINT64_MAX);
    ck_assert_mem_eq(root, ct8, 32);
    free(body);

    body = (char *)"untouched";
    ck_assert_int_eq(cs_checkpoint_format("", 1, ct8, "2026-11-27T07:30:00Z", &body), CS_EINVAL);
    ck_assert_ptr_null(body);
    ck_assert_int_eq(cs_checkpoint_format("a\nb", 1, ct8, "2026-11-27T07:30:00Z", &body),
                     CS_EINVAL);
    ck_assert_int_eq(cs_checkpoint_format("o", 1, ct8, "2026-11-27 07:30:00Z", &body), CS_EINVAL);
    ck_assert_int_eq(cs_checkpoint_format("o", 1, ct8, NULL, &body), CS_EINVAL);

    static const char r[] = "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=";
    static const struct {
        const char *body;
        int rc;
        const char *diag;
    } cases[] = {
        {"o\n8\n@\ntime 2026-11-27T07:30:00Z\n", 0, NULL},
        {"o\n0\n@\ntime 2026-11-27T07:30:00Z\n", 0, NULL},
        {"\n8\n@\ntime 2026-11-27T07:30:00Z\n", CS_EINVAL, "line 1"},
        {"o\x01\n8\n@\ntime 2026-11-27T07:30:00Z\n", CS_EINVAL, "line 1"},
        {"o\n08\n@\ntime 2026-11-27T07:30:00Z\n", CS_EINVAL, "line 2"},
        {"o\n00\n@\ntime 2026-11-27T07:30:00Z\n", CS_EINVAL, "line 2"},
        {"o\n+8\n@\ntime 2026-11-27T07:30:00Z\n", CS_EINVAL, "line 2"},
        {"o\n-1\n@\ntime 2026-11-27T07:30:00Z\n", CS_EINVAL, "line 2"},
        {"o\n\n@\ntime 2026-11-27T07:30:00Z\n", CS_EINVAL, "line 2"},
        {"o\n 8\n@\ntime 2026-11-27T07:30:00Z\n", CS_EINVAL, "line 2"},
        {"o\n18446744073709551616\n@\ntime 2026-11-27T07:30:00Z\n", CS_EINVAL, "line 2"},
        {"o\n8\n@40\ntime 2026-11-27T07:30:00Z\n", CS_EINVAL, "line 3"},
        {"o\n8\n@=\ntime 2026-11-27T07:30:00Z\n", CS_EINVAL, "line 3"},
        {"o\n8\n@42h=\ntime 2026-11-27T07:30:00Z\n", CS_EINVAL, "line 3"}, /* unused bits */
        {"o\n8\n@\n", CS_EINVAL, "line 4"},
        {"o\n8\n@\ntime 2026-11-27T07:30:00Z", CS_EINVAL, "line 4"},
        {"o\n8\n@\ntime 2026-11-27T07:30:00.5Z\n", CS_EINVAL, "line 4"},
        {"o\n8\n@\ntime 2026-11-27T07:30:00z\n", CS_EINVAL, "line 4"},
        {"o\n8\n@\ntime 2026-02-29T07:30:00Z\n", CS_EINVAL, "line 4"},
        {"o\n8\n@\ntime 2026-11-27T24:00:00Z\n", CS_EINVAL, "line 4"},
        {"o\n8\n@\ntime 2026-11-27T07:30:00+00:00\n", CS_EINVAL, "line 4"},
        {"o\n8\n@\nTime 2026-11-27T07:30:00Z\n", CS_EINVAL, "line 4"},
        {"o\n8\n@\ntime 2026-11-27T07:30:00Z\r\n", CS_EINVAL, "line 4"},
        {"o\n8\n@\ntime 2026-11-27T07:30:00Z\nmore\n", CS_EINVAL, "line 5"},
        {"o\n8\n@\ntime 2026-11-27T07:30:00Z\n\n", CS_EINVAL, "line 5"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[256];
        expand(text, sizeof text, cases[i].body, r);
        int rc = cs_checkpoint_parse(text, origin, sizeof origin, &size, got, when, sizeof when);
        ck_assert_msg(rc == cases[i].rc, "case %zu: %d", i, rc);
        if (cases[i].diag)
            ck_assert_msg(strstr(cs_diag(), cases[i].diag) != NULL, "case %zu: %s", i, cs_diag());
    }
    ck_assert_int_eq(cs_checkpoint_parse("o\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n"
                                         "time 2026-11-27T07:30:00Z\n",
                                         origin, 1, &size, got, when, sizeof when),
                     CS_ENAMETOOLONG);
    ck_assert_int_eq(cs_checkpoint_parse("o\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n"
                                         "time 2026-11-27T07:30:00Z\n",
                                         NULL, 0, NULL, NULL, when, 20),
                     CS_ENAMETOOLONG);

    ck_assert_int_eq(cs_checkpoint_time(0, when), 0);
    ck_assert_str_eq(when, "1970-01-01T00:00:00Z");
    ck_assert_int_eq(cs_checkpoint_time(1795764600, when), 0);
    ck_assert_str_eq(when, "2026-11-27T07:30:00Z");
    ck_assert_int_eq(cs_checkpoint_time(INT64_C(253402300800), when), CS_EINVAL);
}
END_TEST

static Suite *
note_suite(void)
{
    Suite *s = suite_create("note");
    TCase *tc = tcase_create("note");
    tcase_add_test(tc, a_signed_checkpoint_verifies_and_reads_back);
    tcase_add_test(tc, any_change_or_another_key_is_a_mismatch);
    tcase_add_test(tc, malformed_notes_are_invalid);
    tcase_add_test(tc, go_notes_verify_and_go_keys_sign_the_same_bytes);
    tcase_add_test(tc, checkpoint_bodies_are_exact);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(note_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
