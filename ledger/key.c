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
