/* storage/s3_object.c: the bucket, and reading, describing and deleting one object. */
#include "storage/s3_internal.h"

#include "core/buf.h"
#include "core/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
cs_s3_bucket_create(cs_s3_t *s3, int object_lock)
{
    s3_req_t r = {.method = "PUT", .what = "creation of the bucket", .has_body = 1};
    char code[128];
    size_t pos = 0;
    int err;
    if (object_lock) {
        struct curl_slist *h = curl_slist_append(NULL, "x-amz-bucket-object-lock-enabled: true");
        if (h == NULL)
            return CS_ENOMEM;
        r.headers = h;
    }
    /* An empty body signed by its hash. */
    r.payload_sha = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    r.mem = "";
    err = s3_request(s3, &r);
    if (err == CS_EIO && r.status == 409 && r.text.p &&
        s3_xml_get(r.text.p, r.text.len, &pos, "Code", code, sizeof code) == 0 &&
        strcmp(code, "BucketAlreadyOwnedByYou") == 0)
        err = 0;
    else if (err == CS_EIO && r.status == 409)
        err = CS_EEXIST;
    curl_slist_free_all(r.headers);
    s3_req_done(&r);
    return err;
}

int
cs_s3_bucket_head(cs_s3_t *s3)
{
    s3_req_t r = {.method = "HEAD", .what = "HEAD of the bucket"};
    int err = s3_request(s3, &r);
    s3_req_done(&r);
    return err;
}

int
cs_s3_head(cs_s3_t *s3, const char *key, cs_s3_head_t *out)
{
    char what[CS_S3_KEY_MAX + 16];
    s3_req_t r = {.method = "HEAD", .key = key, .what = what};
    int err;
    memset(out, 0, sizeof *out);
    cs_snprintf_cut(what, sizeof what, "HEAD %s", key);
    if ((err = s3_request(s3, &r)) < 0)
        goto out;
    out->size = r.has_length ? r.length : 0;
    cs_snprintf_cut(out->version_id, sizeof out->version_id, "%s", r.version_id);
    cs_snprintf_cut(out->etag, sizeof out->etag, "%s", r.etag);
    if (strlen(r.meta_sha) == 64)
        memcpy(out->sha256, r.meta_sha, 65);
    if (strcmp(r.lock_mode, "COMPLIANCE") == 0)
        out->lock.mode = CS_S3_LOCK_COMPLIANCE;
    else if (strcmp(r.lock_mode, "GOVERNANCE") == 0)
        out->lock.mode = CS_S3_LOCK_GOVERNANCE;
    if (out->lock.mode != CS_S3_LOCK_NONE && s3_time_parse(r.retain, &out->lock.retain_until) < 0) {
        cs_diag_set("S3 HEAD %s: unreadable retain-until date", key);
        err = CS_EIO;
    }
out:
    s3_req_done(&r);
    return err;
}

int
cs_s3_get(cs_s3_t *s3, const char *key, uint64_t off, uint64_t len, cs_s3_sink_fn sink, void *arg)
{
    char what[CS_S3_KEY_MAX + 16];
    s3_req_t r = {.method = "GET",
                  .key = key,
                  .what = what,
                  .sink = sink,
                  .sink_arg = arg,
                  .range_off = off,
                  .range_len = len,
                  .ranged = off > 0 || len > 0};
    int err;
    if (sink == NULL)
        return CS_EINVAL;
    cs_snprintf_cut(what, sizeof what, "GET %s", key);
    err = s3_request(s3, &r);
    if (err == 0 && r.status == 200 && r.ranged) {
        /* A store that ignored the Range would have sent the wrong bytes. */
        cs_diag_set("S3 GET %s: the store answered 200 to a Range request", key);
        err = CS_EIO;
    } else if (err == 0 && len > 0 && r.delivered != len) {
        cs_diag_set("S3 GET %s: %llu bytes received of the %llu asked", key,
                    (unsigned long long)r.delivered, (unsigned long long)len);
        err = CS_EIO;
    }
    s3_req_done(&r);
    return err;
}

int
cs_s3_delete(cs_s3_t *s3, const char *key, const char *version_id)
{
    char what[CS_S3_KEY_MAX + 16], q[CS_S3_ID_MAX * 3 + 16];
    s3_req_t r = {.method = "DELETE", .key = key, .what = what};
    size_t n;
    int err;
    cs_snprintf_cut(what, sizeof what, "DELETE %s", key);
    if (version_id && version_id[0]) {
        memcpy(q, "versionId=", 11);
        n = 10;
        if ((err = s3_encode(q, sizeof q, &n, version_id, 0)) < 0)
            return err;
        r.query = q;
    }
    err = s3_request(s3, &r);
    s3_req_done(&r);
    return err;
}
