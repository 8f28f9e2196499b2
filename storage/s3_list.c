/* storage/s3_list.c: listing keys (ListObjectsV2) and multipart uploads in progress, page by
 * page. Query names are in sorted order, as curl 7.88's SigV4 signs the query as given. */
#include "storage/s3_internal.h"

#include "core/buf.h"
#include "core/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ENTRY_MAX 8192 /* one <Contents> or <Upload> element */

/* Appends "name=<encoded value>&" to q. */
static int
add_param(char *q, size_t cap, size_t *n, const char *name, const char *value)
{
    int err;
    size_t len = strlen(name);
    if (*n + len + 1 >= cap)
        return CS_ENAMETOOLONG;
    memcpy(q + *n, name, len);
    *n += len;
    q[(*n)++] = '=';
    q[*n] = '\0';
    if ((err = s3_encode(q, cap, n, value, 0)) < 0)
        return err;
    if (*n + 1 >= cap)
        return CS_ENAMETOOLONG;
    q[(*n)++] = '&';
    q[*n] = '\0';
    return 0;
}

/* The full prefix (configured + key_prefix). */
static int
full_prefix(const cs_s3_t *s3, const char *key_prefix, char *dst, size_t cap)
{
    int err = cs_snprintf(dst, cap, "%s%s", s3->prefix, key_prefix ? key_prefix : "");
    if (err < 0)
        cs_diag_set("S3 list: the prefix is too long");
    return err;
}

/* The key without the configured prefix (a key outside it is skipped). */
static const char *
relative(const cs_s3_t *s3, const char *key)
{
    size_t n = strlen(s3->prefix);
    return strncmp(key, s3->prefix, n) == 0 ? key + n : NULL;
}

static int
truncated(const s3_text_t *t)
{
    char v[16];
    size_t pos = 0;
    return s3_xml_get(t->p, t->len, &pos, "IsTruncated", v, sizeof v) == 0 &&
           strcmp(v, "true") == 0;
}

int
cs_s3_list(cs_s3_t *s3, const char *key_prefix, cs_s3_list_fn fn, void *arg)
{
    char prefix[CS_S3_KEY_MAX], token[2048] = "", q[3 * (CS_S3_KEY_MAX + 2048) + 64];
    char *entry = malloc(ENTRY_MAX);
    int err, more = 1;

    if (entry == NULL)
        return CS_ENOMEM;
    if ((err = full_prefix(s3, key_prefix, prefix, sizeof prefix)) < 0)
        goto out;
    while (more) {
        s3_req_t r = {.method = "GET", .query = q, .what = "list of keys"};
        size_t n = 0, pos = 0;
        q[0] = '\0';
        if ((token[0] && (err = add_param(q, sizeof q, &n, "continuation-token", token)) < 0) ||
            (err = add_param(q, sizeof q, &n, "list-type", "2")) < 0 ||
            (err = add_param(q, sizeof q, &n, "prefix", prefix)) < 0)
            goto out;
        q[n - 1] = '\0'; /* the last '&' */
        if ((err = s3_request(s3, &r)) < 0 || r.text.p == NULL) {
            s3_req_done(&r);
            goto out;
        }
        while (err == 0 &&
               s3_xml_get(r.text.p, r.text.len, &pos, "Contents", entry, ENTRY_MAX) == 0) {
            char key[CS_S3_KEY_MAX], size[32];
            size_t p = 0, p2 = 0;
            const char *rel;
            if (s3_xml_get(entry, strlen(entry), &p, "Key", key, sizeof key) < 0 ||
                s3_xml_get(entry, strlen(entry), &p2, "Size", size, sizeof size) < 0) {
                cs_diag_set("S3 list: an entry without Key or Size");
                err = CS_EIO;
            } else if ((rel = relative(s3, key)) != NULL) {
                err = fn(arg, rel, strtoull(size, NULL, 10));
            }
        }
        more = err == 0 && truncated(&r.text);
        if (more) {
            pos = 0;
            if (s3_xml_get(r.text.p, r.text.len, &pos, "NextContinuationToken", token,
                           sizeof token) < 0) {
                cs_diag_set("S3 list: a truncated page without NextContinuationToken");
                err = CS_EIO;
                more = 0;
            }
        }
        s3_req_done(&r);
    }
out:
    free(entry);
    return err;
}

static int
push_upload(cs_s3_upload_t **out, size_t *n, size_t *cap, const char *key, const char *id)
{
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 16;
        cs_s3_upload_t *p = realloc(*out, c * sizeof *p);
        if (p == NULL)
            return CS_ENOMEM;
        *out = p;
        *cap = c;
    }
    if (cs_snprintf((*out)[*n].key, CS_S3_KEY_MAX, "%s", key) < 0 ||
        cs_snprintf((*out)[*n].upload_id, CS_S3_ID_MAX, "%s", id) < 0)
        return CS_ENAMETOOLONG;
    (*n)++;
    return 0;
}

int
cs_s3_uploads_list(cs_s3_t *s3, const char *key_prefix, cs_s3_upload_t **out, size_t *count)
{
    char prefix[CS_S3_KEY_MAX], kmark[CS_S3_KEY_MAX] = "", umark[CS_S3_ID_MAX] = "";
    char q[3 * (2 * CS_S3_KEY_MAX + CS_S3_ID_MAX) + 64];
    char *entry = malloc(ENTRY_MAX);
    size_t cap = 0;
    int err, more = 1;

    *out = NULL;
    *count = 0;
    if (entry == NULL)
        return CS_ENOMEM;
    if ((err = full_prefix(s3, key_prefix, prefix, sizeof prefix)) < 0)
        goto out;
    while (more) {
        s3_req_t r = {.method = "GET", .query = q, .what = "list of uploads"};
        size_t n = 0, pos = 0;
        q[0] = '\0';
        if ((kmark[0] && (err = add_param(q, sizeof q, &n, "key-marker", kmark)) < 0) ||
            (err = add_param(q, sizeof q, &n, "prefix", prefix)) < 0 ||
            (umark[0] && (err = add_param(q, sizeof q, &n, "upload-id-marker", umark)) < 0) ||
            (err = add_param(q, sizeof q, &n, "uploads", "")) < 0)
            goto out;
        q[n - 1] = '\0';
        if ((err = s3_request(s3, &r)) < 0 || r.text.p == NULL) {
            s3_req_done(&r);
            goto out;
        }
        while (err == 0 &&
               s3_xml_get(r.text.p, r.text.len, &pos, "Upload", entry, ENTRY_MAX) == 0) {
            char key[CS_S3_KEY_MAX], id[CS_S3_ID_MAX];
            size_t p = 0, p2 = 0;
            const char *rel;
            if (s3_xml_get(entry, strlen(entry), &p, "Key", key, sizeof key) < 0 ||
                s3_xml_get(entry, strlen(entry), &p2, "UploadId", id, sizeof id) < 0) {
                cs_diag_set("S3 list of uploads: an entry without Key or UploadId");
                err = CS_EIO;
            } else if ((rel = relative(s3, key)) != NULL) {
                err = push_upload(out, count, &cap, rel, id);
            }
        }
        more = err == 0 && truncated(&r.text);
        if (more) {
            size_t p = 0, p2 = 0;
            if (s3_xml_get(r.text.p, r.text.len, &p, "NextKeyMarker", kmark, sizeof kmark) < 0 ||
                s3_xml_get(r.text.p, r.text.len, &p2, "NextUploadIdMarker", umark, sizeof umark) <
                    0) {
                cs_diag_set("S3 list of uploads: a truncated page without its markers");
                err = CS_EIO;
                more = 0;
            }
        }
        s3_req_done(&r);
    }
out:
    free(entry);
    if (err < 0) {
        free(*out);
        *out = NULL;
        *count = 0;
    }
    return err;
}
