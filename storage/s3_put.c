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

static void
to_hex(const unsigned char *d, size_t n, char *hex)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        hex[2 * i] = digits[d[i] >> 4];
        hex[2 * i + 1] = digits[d[i] & 15];
    }
    hex[2 * n] = '\0';
}

/* The headers every new object carries: its hash as metadata, and its lock. */
static int
object_headers(const cs_s3_put_opts_t *opts, const char *sha, struct curl_slist **h)
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

static void
fill_result(cs_s3_put_result_t *res, const s3_req_t *r, int multipart)
{
    if (res == NULL)
        return;
    cs_snprintf_cut(res->version_id, sizeof res->version_id, "%s", r->version_id);
    cs_snprintf_cut(res->etag, sizeof res->etag, "%s", r->etag);
    res->multipart = multipart;
}

static int
put_single(cs_s3_t *s3, const char *key, int fd, uint64_t size, const char *sha,
           const cs_s3_put_opts_t *opts, cs_s3_put_result_t *res)
{
    s3_req_t r = {.method = "PUT",
                  .key = key,
                  .what = "PUT object",
                  .fd = fd,
                  .len = size,
                  .has_body = 1,
                  .payload_sha = sha};
    unsigned char digest[32];
    char b64[64];
    int err;

    for (int i = 0; i < 32; i++) {
        unsigned int v;
        sscanf(sha + 2 * i, "%2x", &v);
        digest[i] = (unsigned char)v;
    }
    EVP_EncodeBlock((unsigned char *)b64, digest, 32);
    if ((err = object_headers(opts, sha, &r.headers)) < 0 ||
        (err = add_header(&r.headers, "x-amz-checksum-sha256", b64)) < 0)
        goto out;
    if ((err = s3_request(s3, &r)) < 0) {
        if (err == CS_EMISMATCH)
            cs_diag_set("S3 PUT %s: the store found the bytes differ from SHA-256 %s; nothing "
                        "stored",
                        key, sha);
        goto out;
    }
    /* A store that knows the checksum header answers with its own: it must be ours. */
    if (r.checksum[0] && strcmp(r.checksum, b64) != 0) {
        cs_diag_set("S3 PUT %s: the store's checksum %s differs from ours %s", key, r.checksum,
                    b64);
        err = CS_EMISMATCH;
        goto out;
    }
    fill_result(res, &r, 0);
out:
    curl_slist_free_all(r.headers);
    s3_req_done(&r);
    return err;
}

static int
upload_query(char *q, size_t cap, int part, const char *upload_id)
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
    if ((err = upload_query(q, sizeof q, 0, upload_id)) < 0)
        return err;
    err = s3_request(s3, &r);
    s3_req_done(&r);
    return err == CS_ENOTFOUND ? 0 : err;
}

static int
read_full(int fd, char *buf, size_t n, uint64_t off)
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

static int
start_upload(cs_s3_t *s3, const char *key, const char *sha, const cs_s3_put_opts_t *opts,
             char *upload_id)
{
    s3_req_t r = {
        .method = "POST", .key = key, .query = "uploads=", .what = "start of a multipart upload"};
    size_t pos = 0;
    int err;
    if ((err = object_headers(opts, sha, &r.headers)) < 0 || (err = s3_request(s3, &r)) < 0)
        goto out;
    if (r.text.p == NULL ||
        s3_xml_get(r.text.p, r.text.len, &pos, "UploadId", upload_id, CS_S3_ID_MAX) < 0) {
        cs_diag_set("S3 start of a multipart upload of %s: no UploadId in the answer", key);
        err = CS_EIO;
    }
out:
    curl_slist_free_all(r.headers);
    s3_req_done(&r);
    return err;
}

static int
put_part(cs_s3_t *s3, const char *key, const char *upload_id, int part, const char *buf, size_t n,
         char *etag, size_t etag_cap)
{
    char q[CS_S3_ID_MAX * 3 + 64], hex[65];
    unsigned char d[32];
    unsigned int dl = 0;
    s3_req_t r = {.method = "PUT",
                  .key = key,
                  .query = q,
                  .what = "PUT of a part",
                  .mem = buf,
                  .len = n,
                  .has_body = 1,
                  .payload_sha = hex};
    int err;
    if ((err = upload_query(q, sizeof q, part, upload_id)) < 0)
        return err;
    if (EVP_Digest(buf, n, d, &dl, EVP_sha256(), NULL) != 1)
        return CS_ECRYPTO;
    to_hex(d, 32, hex);
    if ((err = s3_request(s3, &r)) == 0 &&
        (r.etag[0] == '\0' || cs_snprintf(etag, etag_cap, "%s", r.etag) < 0)) {
        cs_diag_set("S3 PUT of part %d of %s: no usable ETag in the answer", part, key);
        err = CS_EIO;
    }
    s3_req_done(&r);
    return err;
}

static int
complete_upload(cs_s3_t *s3, const char *key, const char *upload_id, char (*etags)[80], int parts,
                cs_s3_put_result_t *res)
{
    char q[CS_S3_ID_MAX * 3 + 32], hex[65], code[128];
    unsigned char d[32];
    unsigned int dl = 0;
    size_t cap = (size_t)parts * 140 + 128, pos = 0;
    char *xml = malloc(cap);
    cs_buf_t b;
    s3_req_t r = {.method = "POST",
                  .key = key,
                  .query = q,
                  .what = "completion of a multipart upload",
                  .payload_sha = hex};
    int err;
    if (xml == NULL)
        return CS_ENOMEM;
    cs_buf_init(&b, xml, cap);
    cs_buf_add_str(&b, "<CompleteMultipartUpload>");
    for (int i = 0; i < parts; i++)
        cs_buf_printf(&b, "<Part><PartNumber>%d</PartNumber><ETag>\"%s\"</ETag></Part>", i + 1,
                      etags[i]);
    cs_buf_add_str(&b, "</CompleteMultipartUpload>");
    if ((err = cs_buf_done(&b)) < 0 || (err = upload_query(q, sizeof q, 0, upload_id)) < 0)
        goto out;
    if (EVP_Digest(xml, b.len, d, &dl, EVP_sha256(), NULL) != 1) {
        err = CS_ECRYPTO;
        goto out;
    }
    to_hex(d, 32, hex);
    r.mem = xml;
    r.len = b.len;
    r.has_body = 1;
    if ((err = s3_request(s3, &r)) < 0)
        goto out;
    /* The completion may fail inside a 200 answer. */
    if (r.text.p && s3_xml_get(r.text.p, r.text.len, &pos, "Code", code, sizeof code) == 0) {
        cs_diag_set("S3 completion of the upload of %s: %s", key, code);
        err = CS_EIO;
        goto out;
    }
    pos = 0;
    if (r.etag[0] == '\0' && r.text.p &&
        s3_xml_get(r.text.p, r.text.len, &pos, "ETag", code, sizeof code) == 0) {
        /* Ceph gives the ETag of a completed upload in the body only. */
        const char *e = code[0] == '"' ? code + 1 : code;
        cs_snprintf_cut(r.etag, sizeof r.etag, "%.*s", (int)strcspn(e, "\""), e);
    }
    fill_result(res, &r, 1);
out:
    free(xml);
    s3_req_done(&r);
    return err;
}

/* The completed object as the store describes it: its size must be ours. Ceph 16 answers the
 * completion with an empty ETag; the HEAD gives it. */
static int
check_stored(cs_s3_t *s3, const char *key, uint64_t size, cs_s3_put_result_t *res)
{
    cs_s3_head_t *h = malloc(sizeof *h);
    int err;
    if (h == NULL)
        return CS_ENOMEM;
    if ((err = cs_s3_head(s3, key, h)) == 0 && h->size != size) {
        cs_diag_set("S3 PUT %s: the store holds %llu bytes after the upload, not %llu", key,
                    (unsigned long long)h->size, (unsigned long long)size);
        err = CS_EMISMATCH;
    }
    if (err == 0 && res && res->etag[0] == '\0')
        cs_snprintf_cut(res->etag, sizeof res->etag, "%s", h->etag);
    free(h);
    return err;
}

static int
put_multipart(cs_s3_t *s3, const char *key, int fd, uint64_t size, const char *sha,
              const cs_s3_put_opts_t *opts, cs_s3_put_result_t *res)
{
    char upload_id[CS_S3_ID_MAX], whole[65];
    char(*etags)[80] = NULL;
    char *buf = NULL;
    EVP_MD_CTX *md = NULL;
    unsigned char d[32];
    unsigned int dl = 0;
    uint64_t nparts = (size + s3->part_size - 1) / s3->part_size, off = 0;
    int err, started = 0, part;

    if (nparts > MAX_PARTS) {
        cs_diag_set("S3 PUT %s: %llu parts is more than S3's %d; raise the part size", key,
                    (unsigned long long)nparts, MAX_PARTS);
        return CS_EINVAL;
    }
    etags = calloc((size_t)nparts, sizeof *etags);
    buf = malloc((size_t)s3->part_size);
    md = EVP_MD_CTX_new();
    if (etags == NULL || buf == NULL || md == NULL) {
        err = CS_ENOMEM;
        goto out;
    }
    if (EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
        err = CS_ECRYPTO;
        goto out;
    }
    if ((err = start_upload(s3, key, sha, opts, upload_id)) < 0)
        goto out;
    started = 1;
    if (opts && opts->on_upload && (err = opts->on_upload(opts->arg, key, upload_id)) != 0) {
        err = err < 0 ? err : CS_ECANCELED;
        goto out;
    }
    for (part = 1; off < size; part++) {
        size_t n = (size_t)(size - off < s3->part_size ? size - off : s3->part_size);
        if ((err = read_full(fd, buf, n, off)) < 0) {
            cs_diag_set("S3 PUT %s: reading part %d of the local file failed: %s", key, part,
                        cs_strerror(err));
            goto out;
        }
        if (EVP_DigestUpdate(md, buf, n) != 1) {
            err = CS_ECRYPTO;
            goto out;
        }
        if ((err = put_part(s3, key, upload_id, part, buf, n, etags[part - 1], sizeof etags[0])) <
            0)
            goto out;
        off += n;
    }
    if (EVP_DigestFinal_ex(md, d, &dl) != 1) {
        err = CS_ECRYPTO;
        goto out;
    }
    to_hex(d, 32, whole);
    if (strcmp(whole, sha) != 0) {
        cs_diag_set("S3 PUT %s: the bytes sent have SHA-256 %s, not %s; upload aborted, nothing "
                    "stored",
                    key, whole, sha);
        err = CS_EMISMATCH;
        goto out;
    }
    if ((err = complete_upload(s3, key, upload_id, etags, part - 1, res)) < 0)
        goto out;
    started = 0; /* completed: nothing to abort */
    err = check_stored(s3, key, size, res);
out:
    if (err < 0 && started) {
        char keep[1024];
        cs_snprintf_cut(keep, sizeof keep, "%s", cs_diag());
        (void)cs_s3_upload_abort(s3, key, upload_id); /* best effort: listed at next start */
        cs_diag_set("%s", keep);
    }
    EVP_MD_CTX_free(md);
    free(buf);
    free(etags);
    return err;
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
    if (size <= s3->part_size)
        return put_single(s3, key, fd, size, sha256_hex, opts, res);
    return put_multipart(s3, key, fd, size, sha256_hex, opts, res);
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
