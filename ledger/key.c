/* ledger/key.c: Ed25519 key generation through OpenSSL 3. */
#include "ledger/key.h"

#include "core/error.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Writes a PEM made by `emit` to `path` through a temporary name so that a crash never
 * leaves a half key behind. */
static int
write_pem(const char *path, int mode, EVP_PKEY *pkey, int private)
{
    char tmp[PATH_MAX];
    FILE *f = NULL;
    int fd = -1, rc = 0;
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >= sizeof tmp) {
        cs_diag_set("key path %s is too long", path);
        return CS_ENAMETOOLONG;
    }
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0) {
        rc = cs_err_from_errno(errno);
        cs_diag_set("cannot write %s: %s", tmp, strerror(errno));
        return rc;
    }
    fchmod(fd, (mode_t)mode); /* umask must not loosen or tighten what we promise */
    if ((f = fdopen(fd, "w")) == NULL) {
        rc = cs_err_from_errno(errno);
        close(fd);
        goto out;
    }
    int ok = private ? PEM_write_PKCS8PrivateKey(f, pkey, NULL, NULL, 0, NULL, NULL)
                     : PEM_write_PUBKEY(f, pkey);
    if (!ok || fflush(f) != 0 || fsync(fileno(f)) != 0) {
        rc = ok ? cs_err_from_errno(errno) : CS_ECRYPTO;
        cs_diag_set("cannot write key file %s", tmp);
    }
    if (fclose(f) != 0 && rc == 0) {
        rc = cs_err_from_errno(errno);
        cs_diag_set("cannot write key file %s: %s", tmp, strerror(errno));
    }
    if (rc == 0 && rename(tmp, path) != 0) {
        rc = cs_err_from_errno(errno);
        cs_diag_set("cannot rename %s to %s: %s", tmp, path, strerror(errno));
    }
out:
    if (rc != 0)
        unlink(tmp);
    return rc;
}

int
cs_ledger_key_create(const char *key_path, const char *pub_path)
{
    EVP_PKEY *pkey = NULL;
    struct stat st;
    int rc = 0;
    if (lstat(key_path, &st) == 0) {
        cs_diag_set("%s exists; a signing key is never replaced", key_path);
        return CS_EEXIST;
    }
    pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    if (pkey == NULL) {
        cs_diag_set("OpenSSL could not make an Ed25519 key");
        return CS_ECRYPTO;
    }
    if ((rc = write_pem(pub_path, 0644, pkey, 0)) != 0)
        goto out;
    rc = write_pem(key_path, 0600, pkey, 1);
out:
    EVP_PKEY_free(pkey);
    return rc;
}

int
cs_ledger_key_id(const char *pub_path, char id[CS_KEY_ID_MAX])
{
    unsigned char raw[32], md[32];
    size_t raw_len = sizeof raw;
    unsigned int md_len = 0;
    EVP_PKEY *pkey = NULL;
    int rc = 0;
    FILE *f = fopen(pub_path, "r");
    if (f == NULL) {
        rc = cs_err_from_errno(errno);
        cs_diag_set("cannot read public key %s: %s", pub_path, strerror(errno));
        return rc;
    }
    pkey = PEM_read_PUBKEY(f, NULL, NULL, NULL);
    fclose(f);
    if (pkey == NULL || EVP_PKEY_get_raw_public_key(pkey, raw, &raw_len) != 1 ||
        raw_len != sizeof raw || EVP_Digest(raw, raw_len, md, &md_len, EVP_sha256(), NULL) != 1) {
        cs_diag_set("%s is not an Ed25519 public key", pub_path);
        rc = CS_ECRYPTO;
        goto out;
    }
    for (unsigned i = 0; i < md_len; i++)
        snprintf(id + 2 * i, 3, "%02x", md[i]); /* fits: 2 hex digits and a NUL */
out:
    EVP_PKEY_free(pkey);
    return rc;
}

/* The raw public key of pkey, its PEM (into pem, cap bytes) and its id. */
static int
pub_of(EVP_PKEY *pkey, char *pem, size_t cap, char id[CS_KEY_ID_MAX])
{
    unsigned char raw[32], md[32];
    size_t raw_len = sizeof raw;
    unsigned int md_len = 0;
    BIO *bio = NULL;
    char *data = NULL;
    long n;
    int rc = CS_ECRYPTO;
    if (EVP_PKEY_get_raw_public_key(pkey, raw, &raw_len) != 1 || raw_len != sizeof raw ||
        EVP_Digest(raw, raw_len, md, &md_len, EVP_sha256(), NULL) != 1)
        goto out;
    for (unsigned i = 0; i < md_len; i++)
        snprintf(id + 2 * i, 3, "%02x", md[i]); /* fits: 2 hex digits and a NUL */
    if (pem == NULL) {
        rc = 0;
        goto out;
    }
    if ((bio = BIO_new(BIO_s_mem())) == NULL || PEM_write_bio_PUBKEY(bio, pkey) != 1)
        goto out;
    n = BIO_get_mem_data(bio, &data);
    if (n <= 0 || (size_t)n >= cap) {
        rc = CS_ENAMETOOLONG;
        goto out;
    }
    memcpy(pem, data, (size_t)n);
    pem[n] = '\0';
    rc = 0;
out:
    if (rc == CS_ECRYPTO)
        cs_diag_set("OpenSSL could not read an Ed25519 public key");
    BIO_free(bio);
    return rc;
}

int
cs_key_create_user(const char *key_path, char *pub_pem, size_t cap, char key_id[CS_KEY_ID_MAX])
{
    EVP_PKEY *pkey = NULL;
    struct stat st;
    int rc;
    if (lstat(key_path, &st) == 0) {
        cs_diag_set("%s exists; a signing key is never replaced", key_path);
        return CS_EEXIST;
    }
    if ((pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")) == NULL) {
        cs_diag_set("OpenSSL could not make an Ed25519 key");
        return CS_ECRYPTO;
    }
    if ((rc = pub_of(pkey, pub_pem, cap, key_id)) == 0)
        rc = write_pem(key_path, 0600, pkey, 1);
    EVP_PKEY_free(pkey);
    return rc;
}

int
cs_key_sign(const char *key_path, const void *msg, size_t len, char sig_hex[CS_SIG_HEX_MAX],
            char key_id[CS_KEY_ID_MAX])
{
    unsigned char sig[64];
    size_t sig_len = sizeof sig;
    EVP_PKEY *pkey = NULL;
    EVP_MD_CTX *md = NULL;
    int rc = 0;
    FILE *f = fopen(key_path, "r");
    if (f == NULL) {
        rc = cs_err_from_errno(errno);
        cs_diag_set("cannot read signing key %s: %s", key_path, strerror(errno));
        return rc;
    }
    pkey = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    if (pkey == NULL || (md = EVP_MD_CTX_new()) == NULL ||
        EVP_DigestSignInit(md, NULL, NULL, NULL, pkey) != 1 ||
        EVP_DigestSign(md, sig, &sig_len, msg, len) != 1 || sig_len != sizeof sig) {
        cs_diag_set("%s is not an Ed25519 private key, or it could not sign", key_path);
        rc = CS_ECRYPTO;
        goto out;
    }
    for (size_t i = 0; i < sig_len; i++)
        snprintf(sig_hex + 2 * i, 3, "%02x", sig[i]); /* fits: 2 hex digits and a NUL */
    rc = pub_of(pkey, NULL, 0, key_id);
out:
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(pkey);
    return rc;
}

int
cs_key_verify(const char *pub_pem, const void *msg, size_t len, const char *sig_hex,
              char key_id[CS_KEY_ID_MAX])
{
    unsigned char sig[64];
    EVP_PKEY *pkey = NULL;
    EVP_MD_CTX *md = NULL;
    BIO *bio = NULL;
    int rc = CS_EMISMATCH;
    if (sig_hex == NULL || strlen(sig_hex) != 2 * sizeof sig) {
        cs_diag_set("a signature is 128 hex digits");
        return CS_EMISMATCH;
    }
    for (size_t i = 0; i < sizeof sig; i++) {
        unsigned v;
        if (sscanf(sig_hex + 2 * i, "%2x", &v) != 1) {
            cs_diag_set("a signature is 128 hex digits");
            return CS_EMISMATCH;
        }
        sig[i] = (unsigned char)v;
    }
    if ((bio = BIO_new_mem_buf(pub_pem, -1)) == NULL ||
        (pkey = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL)) == NULL) {
        cs_diag_set("the public key is not a PEM Ed25519 key");
        rc = CS_ECRYPTO;
        goto out;
    }
    if (key_id != NULL && (rc = pub_of(pkey, NULL, 0, key_id)) != 0)
        goto out;
    rc = CS_EMISMATCH;
    if ((md = EVP_MD_CTX_new()) != NULL && EVP_DigestVerifyInit(md, NULL, NULL, NULL, pkey) == 1 &&
        EVP_DigestVerify(md, sig, sizeof sig, msg, len) == 1)
        rc = 0;
    else
        cs_diag_set("the signature does not verify with the key");
out:
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(pkey);
    BIO_free(bio);
    return rc;
}
