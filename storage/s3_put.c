/* storage/s3_put.c: storing an object, in one PUT or in parts, each checked against its
 * SHA-256 by the store (x-amz-content-sha256 is signed and verified by the gateway). */
#include "storage/s3_internal.h"

#include "core/buf.h"
#include "core/error.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_PARTS 10000

static int
add_header(struct curl_slist **h, const char *name, const char *value)
{
    char line[512];
    struct curl_slist *n;
    if (cs_snprintf(line, sizeof line, "%s: %s", name, value) < 0)
        return CS_ENAMETOOLONG;
    if ((n = curl_slist_append(*h, line)) == NULL)
        return CS_ENOMEM;
    *h = n;
    return 0;
}

static int
valid_sha(const char *hex)
{
    if (hex == NULL || strlen(hex) != 64)
        return 0;
    for (int i = 0; i < 64; i++)
        if (!((hex[i] >= '0' && hex[i] <= '9') || (hex[i] >= 'a' && hex[i] <= 'f')))
            return 0;
    return 1;
}

/* The headers every new object carries: its hash as metadata, and its lock. */
int
s3_object_headers(const cs_s3_put_opts_t *opts, const char *sha, struct curl_slist **h)
{
    int err;
    char until[40];
    if ((err = add_header(h, "x-amz-meta-sha256", sha)) < 0 ||
        (err = add_header(h, "Content-Type", "application/octet-stream")) < 0)
        return err;
    if (opts == NULL || opts->lock == NULL || opts->lock->mode == CS_S3_LOCK_NONE)
        return 0;
    if ((err = s3_time_format(opts->lock->retain_until, until, sizeof until)) < 0)
        return err;
    if ((err = add_header(h, "x-amz-object-lock-mode",
                          opts->lock->mode == CS_S3_LOCK_COMPLIANCE ? "COMPLIANCE"
                                                                    : "GOVERNANCE")) < 0 ||
        (err = add_header(h, "x-amz-object-lock-retain-until-date", until)) < 0)
        return err;
    return 0;
}

void
s3_fill_result(cs_s3_put_result_t *res, const s3_req_t *r, int multipart)
{
    if (res == NULL)
        return;
    cs_snprintf_cut(res->version_id, sizeof res->version_id, "%s", r->version_id);
    cs_snprintf_cut(res->etag, sizeof res->etag, "%s", r->etag);
    res->multipart = multipart;
}

/* The base64 MD5 of fd's first size bytes, for Content-MD5 (RFC 1864). */
static int
content_md5(int fd, uint64_t size, char b64[32])
{
    enum { CHUNK = 1 << 20 };
    unsigned char md[16];
    char *buf = malloc(CHUNK);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int err = 0;
    if (buf == NULL || ctx == NULL || EVP_DigestInit_ex(ctx, EVP_md5(), NULL) != 1) {
        err = CS_ENOMEM;
        goto out;
    }
    for (uint64_t off = 0; off < size;) {
        size_t n = size - off < CHUNK ? (size_t)(size - off) : CHUNK;
        if ((err = s3_read_full(fd, buf, n, off)) < 0)
            goto out;
        if (EVP_DigestUpdate(ctx, buf, n) != 1) {
            err = CS_ECRYPTO;
            goto out;
        }
        off += n;
    }
    if (EVP_DigestFinal_ex(ctx, md, NULL) != 1) {
        err = CS_ECRYPTO;
        goto out;
    }
    EVP_EncodeBlock((unsigned char *)b64, md, 16);
out:
    if (err < 0)
        cs_diag_set("S3 PUT: computing the Content-MD5 failed: %s", cs_strerror(err));
    EVP_MD_CTX_free(ctx);
    free(buf);
    return err;
}

static int
put_single(cs_s3_t *s3, const char *key, int fd, uint64_t size, const char *sha,
           const cs_s3_put_opts_t *opts, cs_s3_put_result_t *res)
{
    int check = opts != NULL ? opts->check : CS_S3_CHECK_SIGNED;
    s3_req_t r = {.method = "PUT",
                  .key = key,
                  .what = "PUT object",
                  .fd = fd,
                  .len = size,
                  .has_body = 1,
                  .payload_sha = check == CS_S3_CHECK_SIGNED ? sha : NULL};
    unsigned char digest[32];
    char b64[64], md5[32];
    int err;

    for (int i = 0; i < 32; i++) {
        unsigned int v;
        sscanf(sha + 2 * i, "%2x", &v);
        digest[i] = (unsigned char)v;
    }
    EVP_EncodeBlock((unsigned char *)b64, digest, 32);
    if ((err = s3_object_headers(opts, sha, &r.headers)) < 0 ||
        (err = add_header(&r.headers, "x-amz-checksum-sha256", b64)) < 0)
        goto out;
    if (check == CS_S3_CHECK_MD5) {
        if (opts->content_md5 != NULL)
            err = cs_snprintf(md5, sizeof md5, "%s", opts->content_md5);
        else
            err = content_md5(fd, size, md5);
        if (err < 0 || (err = add_header(&r.headers, "Content-MD5", md5)) < 0)
            goto out;
    }
    if ((err = s3_request(s3, &r)) < 0) {
        if (err == CS_EMISMATCH)
            cs_diag_set("S3 PUT %s: the store found the bytes differ from %s %s; nothing "
                        "stored",
                        key, check == CS_S3_CHECK_MD5 ? "their Content-MD5" : "SHA-256",
                        check == CS_S3_CHECK_MD5 ? md5 : sha);
        goto out;
    }
    /* A store that knows the checksum header answers with its own: it must be ours. */
    if (r.checksum[0] && strcmp(r.checksum, b64) != 0) {
        cs_diag_set("S3 PUT %s: the store's checksum %s differs from ours %s", key, r.checksum,
                    b64);
        err = CS_EMISMATCH;
        goto out;
    }
    s3_fill_result(res, &r, 0);
out:
    curl_slist_free_all(r.headers);
    s3_req_done(&r);
    return err;
}

int
s3_upload_query(char *q, size_t cap, int part, const char *upload_id)
{
    size_t n;
    int err;
    if (part > 0)
        err = cs_snprintf(q, cap, "partNumber=%d&uploadId=", part);
    else
        err = cs_snprintf(q, cap, "uploadId=");
    if (err < 0)
        return err;
    n = strlen(q);
    return s3_encode(q, cap, &n, upload_id, 0);
}

int
cs_s3_upload_abort(cs_s3_t *s3, const char *key, const char *upload_id)
{
    char q[CS_S3_ID_MAX * 3 + 32];
    s3_req_t r = {.method = "DELETE", .key = key, .query = q, .what = "abort of an upload"};
    int err;
    if ((err = s3_upload_query(q, sizeof q, 0, upload_id)) < 0)
        return err;
    err = s3_request(s3, &r);
    s3_req_done(&r);
    return err == CS_ENOTFOUND ? 0 : err;
}

int
s3_read_full(int fd, char *buf, size_t n, uint64_t off)
{
    size_t got = 0;
    while (got < n) {
        ssize_t k = pread(fd, buf + got, n - got, (off_t)(off + got));
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return cs_err_from_errno(errno);
        if (k == 0)
            return CS_ECHANGED; /* shorter than the size given */
        got += (size_t)k;
    }
    return 0;
}

int
cs_s3_put_fd(cs_s3_t *s3, const char *key, int fd, uint64_t size, const char *sha256_hex,
             const cs_s3_put_opts_t *opts, cs_s3_put_result_t *res)
{
    if (res)
        memset(res, 0, sizeof *res);
    if (s3 == NULL || key == NULL || key[0] == '\0' || fd < 0 || !valid_sha(sha256_hex)) {
        cs_diag_set("S3 PUT: a key, an open file and a lower-case SHA-256 are needed");
        return CS_EINVAL;
    }
    if (size <= s3->single_max)
        return put_single(s3, key, fd, size, sha256_hex, opts, res);
    return s3_put_multipart(s3, key, fd, size, sha256_hex, opts, res);
}

int
cs_s3_put_file(cs_s3_t *s3, const char *key, const char *path, const char *sha256_hex,
               const cs_s3_put_opts_t *opts, cs_s3_put_result_t *res)
{
    struct stat st;
    int err, fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        err = cs_err_from_errno(errno);
        cs_diag_set("%s: cannot open: %s", path, cs_strerror(err));
        return err;
    }
    if (fstat(fd, &st) != 0) {
        err = cs_err_from_errno(errno);
        cs_diag_set("%s: cannot stat: %s", path, cs_strerror(err));
    } else if (!S_ISREG(st.st_mode)) {
        cs_diag_set("%s: not a regular file", path);
        err = CS_ENOTREG;
    } else {
        err = cs_s3_put_fd(s3, key, fd, (uint64_t)st.st_size, sha256_hex, opts, res);
    }
    close(fd);
    return err;
}
