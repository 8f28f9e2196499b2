/* storage/s3_multipart.c: an object sent in parts, `parallel` parts at a time, each part
 * checked by the store against its own SHA-256 (x-amz-content-sha256), and the whole against
 * the caller's hash, computed here while the parts are sent, before the upload is completed.
 * A failure aborts the upload (unless kept for a resume); a crash leaves it for
 * cs_s3_uploads_list at the next start. A resumed upload keeps the parts the store has whose
 * MD5 (their ETag) matches the file's bytes, and sends the rest. */
#include "storage/s3_internal.h"

#include "core/buf.h"
#include "core/error.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PARTS 10000
#define HASH_CHUNK (1024u * 1024u)

/* A part the store holds already (a resumed upload). */
typedef struct stored_part {
    uint64_t size;
    char etag[80]; /* "" when the store has no such part */
} stored_part_t;

/* One upload shared by its sender threads. */
typedef struct mp {
    const char *key, *upload_id;
    int fd;
    uint64_t size, part_size;
    int nparts;
    char (*etags)[80];
    stored_part_t *stored; /* nparts entries, or NULL: nothing to resume */
    pthread_mutex_t mu;
    int kept; /* parts found stored and not sent again */
    int next; /* the next part to send */
    int err;  /* the first failure, and its detail */
    char diag[1024];
} mp_t;

typedef struct sender {
    mp_t *mp;
    cs_s3_t *h;
    char *buf;
    pthread_t tid;
    int running;
} sender_t;

static void
mp_fail(mp_t *mp, int err)
{
    pthread_mutex_lock(&mp->mu);
    if (mp->err == 0) {
        mp->err = err;
        cs_snprintf_cut(mp->diag, sizeof mp->diag, "%s", cs_diag());
    }
    pthread_mutex_unlock(&mp->mu);
}

static int
start_upload(cs_s3_t *s3, const char *key, const char *sha, const cs_s3_put_opts_t *opts,
             char *upload_id)
{
    s3_req_t r = {
        .method = "POST", .key = key, .query = "uploads=", .what = "start of a multipart upload"};
    size_t pos = 0;
    int err;
    if ((err = s3_object_headers(opts, sha, &r.headers)) < 0 || (err = s3_request(s3, &r)) < 0)
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
    if ((err = s3_upload_query(q, sizeof q, part, upload_id)) < 0)
        return err;
    if (EVP_Digest(buf, n, d, &dl, EVP_sha256(), NULL) != 1)
        return CS_ECRYPTO;
    cs_hex(d, 32, hex);
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
    if ((err = cs_buf_done(&b)) < 0 || (err = s3_upload_query(q, sizeof q, 0, upload_id)) < 0)
        goto out;
    if (EVP_Digest(xml, b.len, d, &dl, EVP_sha256(), NULL) != 1) {
        err = CS_ECRYPTO;
        goto out;
    }
    cs_hex(d, 32, hex);
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
    s3_fill_result(res, &r, 1);
out:
    free(xml);
    s3_req_done(&r);
    return err;
}

/* The completed object as the store describes it: its size and hash must be ours (a resumed
 * upload carries the metadata it was started with). Ceph 16 answers the completion with an
 * empty ETag; the HEAD gives it. */
static int
check_stored(cs_s3_t *s3, const char *key, uint64_t size, const char *sha, cs_s3_put_result_t *res)
{
    cs_s3_head_t *h = malloc(sizeof *h);
    int err;
    if (h == NULL)
        return CS_ENOMEM;
    if ((err = cs_s3_head(s3, key, h)) == 0 && h->size != size) {
        cs_diag_set("S3 PUT %s: the store holds %llu bytes after the upload, not %llu", key,
                    (unsigned long long)h->size, (unsigned long long)size);
        err = CS_EMISMATCH;
    } else if (err == 0 && h->sha256[0] && strcmp(h->sha256, sha) != 0) {
        cs_diag_set("S3 PUT %s: the stored object is labelled SHA-256 %s, not %s (an upload "
                    "resumed for other bytes?)",
                    key, h->sha256, sha);
        err = CS_EMISMATCH;
    }
    if (err == 0 && res && res->etag[0] == '\0')
        cs_snprintf_cut(res->etag, sizeof res->etag, "%s", h->etag);
    free(h);
    return err;
}

/* 1 when the stored part has these bytes: same size, and an ETag that is their MD5. */
static int
part_matches(const stored_part_t *sp, const char *buf, size_t n)
{
    unsigned char d[16];
    unsigned int dl = 0;
    char hex[33];
    if (sp->etag[0] == '\0' || sp->size != n || EVP_Digest(buf, n, d, &dl, EVP_md5(), NULL) != 1)
        return 0;
    cs_hex(d, 16, hex);
    return strcmp(hex, sp->etag) == 0;
}

/* The parts the store holds of upload_id (ListParts, page by page). CS_ENOTFOUND when the
 * store no longer knows the upload. */
static int
list_parts(cs_s3_t *s3, mp_t *mp)
{
    char q[CS_S3_ID_MAX * 3 + 64], marker[16] = "0", entry[1024];
    int err = 0, more = 1;
    while (more && err == 0) {
        s3_req_t r = {.method = "GET", .key = mp->key, .query = q, .what = "list of parts"};
        size_t n, pos = 0;
        char v[16];
        if ((err = cs_snprintf(q, sizeof q, "part-number-marker=%s&uploadId=", marker)) < 0)
            return err;
        n = strlen(q);
        if ((err = s3_encode(q, sizeof q, &n, mp->upload_id, 0)) < 0)
            return err;
        if ((err = s3_request(s3, &r)) < 0 || r.text.p == NULL) {
            s3_req_done(&r);
            return err;
        }
        while (s3_xml_get(r.text.p, r.text.len, &pos, "Part", entry, sizeof entry) == 0) {
            char num[16], size[32], etag[80];
            size_t a = 0, b = 0, c = 0;
            long part;
            if (s3_xml_get(entry, strlen(entry), &a, "PartNumber", num, sizeof num) < 0 ||
                s3_xml_get(entry, strlen(entry), &b, "Size", size, sizeof size) < 0 ||
                s3_xml_get(entry, strlen(entry), &c, "ETag", etag, sizeof etag) < 0)
                continue; /* not understood: the part is sent again */
            part = strtol(num, NULL, 10);
            if (part < 1 || part > mp->nparts)
                continue;
            mp->stored[part - 1].size = strtoull(size, NULL, 10);
            cs_snprintf_cut(mp->stored[part - 1].etag, sizeof mp->stored[0].etag, "%.*s",
                            (int)strcspn(etag[0] == '"' ? etag + 1 : etag, "\""),
                            etag[0] == '"' ? etag + 1 : etag);
        }
        pos = 0;
        more = s3_xml_get(r.text.p, r.text.len, &pos, "IsTruncated", v, sizeof v) == 0 &&
               strcmp(v, "true") == 0;
        pos = 0;
        if (more && s3_xml_get(r.text.p, r.text.len, &pos, "NextPartNumberMarker", marker,
                               sizeof marker) < 0)
            more = 0;
        s3_req_done(&r);
    }
    return err;
}

static void *
send_parts(void *arg)
{
    sender_t *s = arg;
    mp_t *mp = s->mp;
    for (;;) {
        int part, err;
        uint64_t off;
        size_t n;
        pthread_mutex_lock(&mp->mu);
        part = mp->err == 0 && mp->next <= mp->nparts ? mp->next++ : 0;
        pthread_mutex_unlock(&mp->mu);
        if (part == 0)
            break;
        off = (uint64_t)(part - 1) * mp->part_size;
        n = (size_t)(mp->size - off < mp->part_size ? mp->size - off : mp->part_size);
        if ((err = s3_read_full(mp->fd, s->buf, n, off)) < 0) {
            cs_diag_set("S3 PUT %s: reading part %d of the local file failed: %s", mp->key, part,
                        cs_strerror(err));
            mp_fail(mp, err);
            break;
        }
        if (mp->stored && part_matches(&mp->stored[part - 1], s->buf, n)) {
            memcpy(mp->etags[part - 1], mp->stored[part - 1].etag, sizeof mp->etags[0]);
            pthread_mutex_lock(&mp->mu);
            mp->kept++;
            pthread_mutex_unlock(&mp->mu);
            continue;
        }
        if ((err = put_part(s->h, mp->key, mp->upload_id, part, s->buf, n, mp->etags[part - 1],
                            sizeof mp->etags[0])) < 0) {
            mp_fail(mp, err);
            break;
        }
    }
    return NULL;
}

static int
mp_failed(mp_t *mp)
{
    int err;
    pthread_mutex_lock(&mp->mu);
    err = mp->err;
    pthread_mutex_unlock(&mp->mu);
    return err;
}

/* The SHA-256 of the whole file, read in order while the senders work. */
static int
hash_whole(mp_t *mp, char *hex)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    char *buf = malloc(HASH_CHUNK);
    unsigned char d[32];
    unsigned int dl = 0;
    uint64_t off = 0;
    int err = 0;
    if (md == NULL || buf == NULL) {
        err = CS_ENOMEM;
        goto out;
    }
    if (EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
        err = CS_ECRYPTO;
        goto out;
    }
    while (off < mp->size && mp_failed(mp) == 0) {
        size_t n = (size_t)(mp->size - off < HASH_CHUNK ? mp->size - off : HASH_CHUNK);
        if ((err = s3_read_full(mp->fd, buf, n, off)) < 0) {
            cs_diag_set("S3 PUT %s: reading the local file failed: %s", mp->key, cs_strerror(err));
            goto out;
        }
        if (EVP_DigestUpdate(md, buf, n) != 1) {
            err = CS_ECRYPTO;
            goto out;
        }
        off += n;
    }
    if (off < mp->size)
        goto out; /* a sender failed: its error is the result */
    if (EVP_DigestFinal_ex(md, d, &dl) != 1)
        err = CS_ECRYPTO;
    else
        cs_hex(d, 32, hex);
out:
    EVP_MD_CTX_free(md);
    free(buf);
    return err;
}

/* Sends every part with the senders; 0 when all were stored and the whole matches sha. */
static int
send_all(cs_s3_t *s3, mp_t *mp, const char *sha)
{
    sender_t s[CS_S3_PARALLEL_MAX];
    char whole[65] = "";
    int err = 0, started = 0, k = s3->parallel < mp->nparts ? s3->parallel : mp->nparts;

    memset(s, 0, sizeof s);
    for (int i = 0; i < k && err == 0; i++) {
        if (s3->aux[i] == NULL && (err = s3_clone(s3, &s3->aux[i])) < 0)
            break;
        s[i].mp = mp;
        s[i].h = s3->aux[i];
        if ((s[i].buf = malloc((size_t)mp->part_size)) == NULL)
            err = CS_ENOMEM;
    }
    for (int i = 0; i < k && err == 0; i++) {
        if (pthread_create(&s[i].tid, NULL, send_parts, &s[i]) == 0) {
            s[i].running = 1;
            started++;
        }
    }
    if (err == 0 && started == 0)
        send_parts(&s[0]); /* no thread to be had: one part after another, here */
    if (err == 0)
        err = hash_whole(mp, whole);
    if (err < 0)
        mp_fail(mp, err); /* stops the senders after their current part */
    for (int i = 0; i < k; i++) {
        if (s[i].running)
            pthread_join(s[i].tid, NULL);
        free(s[i].buf);
    }
    /* Checked once every part is sent, so that the parts of a kept upload are all there. */
    if (mp->err == 0 && strcmp(whole, sha) != 0) {
        cs_diag_set("S3 PUT %s: the bytes sent have SHA-256 %s, not %s; the upload is not "
                    "completed, nothing stored",
                    mp->key, whole, sha);
        mp_fail(mp, CS_EMISMATCH);
    }
    if (mp->err < 0)
        cs_diag_set("%s", mp->diag);
    return mp->err;
}

int
s3_put_multipart(cs_s3_t *s3, const char *key, int fd, uint64_t size, const char *sha,
                 const cs_s3_put_opts_t *opts, cs_s3_put_result_t *res)
{
    char upload_id[CS_S3_ID_MAX];
    mp_t mp = {.key = key,
               .upload_id = upload_id,
               .fd = fd,
               .size = size,
               .part_size = s3->part_size,
               .next = 1};
    uint64_t nparts = (size + s3->part_size - 1) / s3->part_size;
    int err, started = 0;

    if (nparts > MAX_PARTS) {
        cs_diag_set("S3 PUT %s: %llu parts is more than S3's %d; raise the part size", key,
                    (unsigned long long)nparts, MAX_PARTS);
        return CS_EINVAL;
    }
    mp.nparts = (int)nparts;
    if ((mp.etags = calloc((size_t)nparts, sizeof *mp.etags)) == NULL)
        return CS_ENOMEM;
    pthread_mutex_init(&mp.mu, NULL);
    if (opts && opts->resume_upload_id && opts->resume_upload_id[0]) {
        if ((err = cs_snprintf(upload_id, sizeof upload_id, "%s", opts->resume_upload_id)) < 0 ||
            (mp.stored = calloc((size_t)nparts, sizeof *mp.stored)) == NULL) {
            err = err < 0 ? err : CS_ENOMEM;
            goto out;
        }
        err = list_parts(s3, &mp);
        if (err == 0)
            started = 1;
        else if (err != CS_ENOTFOUND)
            goto out;
    }
    if (!started) {
        free(mp.stored); /* the upload is gone: start afresh */
        mp.stored = NULL;
        if ((err = start_upload(s3, key, sha, opts, upload_id)) < 0)
            goto out;
        started = 1;
        if (opts && opts->on_upload && (err = opts->on_upload(opts->arg, key, upload_id)) != 0) {
            err = err < 0 ? err : CS_ECANCELED;
            goto out;
        }
    }
    if ((err = send_all(s3, &mp, sha)) < 0 ||
        (err = complete_upload(s3, key, upload_id, mp.etags, mp.nparts, res)) < 0)
        goto out;
    started = 0; /* completed: nothing to abort */
    if ((err = check_stored(s3, key, size, sha, res)) == 0 && res)
        res->parts_kept = mp.kept;
out:
    if (err < 0 && started && !(opts && opts->keep_on_failure)) {
        char keep[1024];
        cs_snprintf_cut(keep, sizeof keep, "%s", cs_diag());
        (void)cs_s3_upload_abort(s3, key, upload_id); /* best effort: listed at next start */
        cs_diag_set("%s", keep);
    }
    pthread_mutex_destroy(&mp.mu);
    free(mp.stored);
    free(mp.etags);
    return err;
}
