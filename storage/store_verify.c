/* storage/store_verify.c: re-hashing an object against its name, as fast as the disk goes or
 * at a bounded rate (the fixity scrub must not crowd out ingest), and copying an object in
 * from another store with the same check (backup and restore), and taking back an object
 * whose record failed. */
#include "storage/store.h"
#include "storage/store_internal.h"

#include "core/buf.h"
#include "core/error.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static uint64_t
now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Counts n more bytes against the pace and waits until they are due; CS_ECANCELED when the
 * wait says stop. */
int
cs_store_pace(cs_store_pace_t *pace, size_t n)
{
    uint64_t delay = 0, now = now_ns();
    if (pace == NULL)
        return 0;
    if (pace->start_ns == 0)
        pace->start_ns = now;
    pace->bytes += n;
    if (pace->bytes_per_s > 0) {
        uint64_t due =
            pace->start_ns + (uint64_t)((double)pace->bytes * 1e9 / (double)pace->bytes_per_s);
        delay = due > now ? due - now : 0;
    }
    if (pace->wait != NULL && pace->wait(pace->arg, delay) != 0) {
        cs_diag_set("re-hashing stopped");
        return CS_ECANCELED;
    }
    return 0;
}

int
cs_store_verify_paced(const cs_store_t *s, const char *sha256, char actual[CS_SHA256_HEX],
                      cs_store_pace_t *pace, uint64_t *bytes)
{
    int fd = -1, rc;
    /* Its own buffer and digest: verify may run beside a put on the same store. */
    unsigned char *buf = NULL;
    EVP_MD_CTX *md = NULL;
    unsigned char digest[32];
    char hex[CS_SHA256_HEX];
    uint64_t total = 0;

    if (s->remote != NULL) /* the object store's copy is the object; store_tier.c */
        return cs_store_verify_remote(s, sha256, actual, pace, bytes);
    rc = cs_store_open_object(s, sha256, &fd);
    if (rc != 0)
        goto out;
    buf = malloc(s->buf_size);
    md = EVP_MD_CTX_new();
    if (buf == NULL || md == NULL) {
        rc = CS_ENOMEM;
        goto out;
    }
    if (EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
        rc = CS_ECRYPTO;
        cs_diag_set("OpenSSL could not start SHA-256; check the OpenSSL installation");
        goto out;
    }
    posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    for (;;) {
        ssize_t n = read(fd, buf, s->buf_size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = cs_err_from_errno(errno);
            cs_diag_set("store %s: cannot read object %s (%s); check the disk", s->root, sha256,
                        strerror(errno));
            goto out;
        }
        if (n == 0)
            break;
        if (EVP_DigestUpdate(md, buf, (size_t)n) != 1) {
            rc = CS_ECRYPTO;
            cs_diag_set("OpenSSL SHA-256 failed; check the OpenSSL installation");
            goto out;
        }
        total += (uint64_t)n;
        if ((rc = cs_store_pace(pace, (size_t)n)) != 0)
            goto out;
    }
    if (EVP_DigestFinal_ex(md, digest, NULL) != 1) {
        rc = CS_ECRYPTO;
        cs_diag_set("OpenSSL SHA-256 failed; check the OpenSSL installation");
        goto out;
    }
    cs_hex(digest, 32, hex);
    if (actual != NULL)
        memcpy(actual, hex, CS_SHA256_HEX);
    if (strcmp(hex, sha256) != 0) {
        rc = CS_EMISMATCH;
        cs_diag_set("store %s: object %s does not match its hash (actual %s); restore it from "
                    "a copy",
                    s->root, sha256, hex);
    }
out:
    if (bytes != NULL)
        *bytes = total;
    if (fd != -1)
        close(fd);
    EVP_MD_CTX_free(md);
    free(buf);
    return rc;
}

int
cs_store_verify(const cs_store_t *s, const char *sha256, char actual[CS_SHA256_HEX])
{
    return cs_store_verify_paced(s, sha256, actual, NULL, NULL);
}

int
cs_store_copy_in(cs_store_t *s, const cs_store_t *from, const char *sha256, cs_put_result_t *res)
{
    char src[4096];
    /* A store on s3 fetches a local copy first; `from` is not changed, only its folder. */
    int rc = cs_store_local_path(from, sha256, src, sizeof src);
    if (rc == CS_ENOTFOUND) {
        cs_diag_set("object %s is not in store %s", sha256, from->root);
        return rc;
    }
    if (rc != 0)
        return rc;
    if ((rc = cs_store_put_file(s, src, res)) != 0) {
        if (rc == CS_ENOENT) {
            cs_diag_set("object %s is not in store %s", sha256, from->root);
            return CS_ENOTFOUND;
        }
        if (rc == CS_EEMPTY) { /* no object is empty: it was truncated */
            cs_diag_set("object %s in store %s is empty: it does not match its hash", sha256,
                        from->root);
            return CS_EMISMATCH;
        }
        return rc;
    }
    if (strcmp(res->sha256, sha256) == 0)
        return 0;
    /* Stored under the hash of what it holds now: not the object asked for. */
    if (res->created)
        cs_store_remove(s, res->sha256);
    cs_diag_set("object %s in store %s does not match its hash (it hashes to %s)", sha256,
                from->root, res->sha256);
    return CS_EMISMATCH;
}

int
cs_store_remove(cs_store_t *s, const char *sha256)
{
    int rc = cs_store_unlink_local(s, sha256);
    /* The object store's copy too: under Object Lock the store itself refuses, and an
     * object no row names is then only space until its date. */
    if (rc == 0 && s->remote != NULL)
        rc = cs_store_remove_remote(s, sha256);
    return rc;
}

int
cs_store_unlink_local(const cs_store_t *s, const char *sha256)
{
    char rel[80];
    int rc = cs_store_relpath(sha256, rel, sizeof rel);
    if (rc != 0)
        return rc;
    if (unlinkat(s->objects_fd, rel, 0) != 0 && errno != ENOENT) {
        rc = cs_err_from_errno(errno);
        cs_diag_set("store %s: cannot remove object %s (%s)", s->root, sha256, strerror(errno));
    }
    return rc;
}
