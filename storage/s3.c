/* storage/s3.c: the S3 handle and one request through libcurl, with its retries and the
 * mapping of curl results and HTTP answers to CS_E* codes.
 *
 * curl 7.88 signs with SigV4 (CURLOPT_AWS_SIGV4) over the URL as given: the path and query
 * are encoded here, the query's names sorted, and x-amz-content-sha256 is always set (the
 * body's hash, or UNSIGNED-PAYLOAD), without which that version signs wrongly. */
#include "storage/s3_internal.h"

#include "core/buf.h"
#include "core/error.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

static int
dup_field(char **dst, const char *src, const char *name, int required)
{
    if (src == NULL || src[0] == '\0') {
        if (!required) {
            *dst = strdup("");
            return *dst ? 0 : CS_ENOMEM;
        }
        cs_diag_set("S3 configuration: %s is missing", name);
        return CS_ECONFIG;
    }
    *dst = strdup(src);
    return *dst ? 0 : CS_ENOMEM;
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static int curl_status;

static void
curl_start(void)
{
    curl_status = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

int
cs_s3_open(cs_s3_t **out, const cs_s3_config_t *cfg)
{
    int err;
    cs_s3_t *s3;

    *out = NULL;
    if (cfg == NULL)
        return CS_EINVAL;
    pthread_once(&curl_once, curl_start);
    if (curl_status != 0)
        return CS_ENOMEM;
    s3 = calloc(1, sizeof *s3);
    if (s3 == NULL)
        return CS_ENOMEM;
    if ((err = dup_field(&s3->endpoint, cfg->endpoint, "endpoint", 1)) < 0 ||
        (err = dup_field(&s3->bucket, cfg->bucket, "bucket", 1)) < 0 ||
        (err = dup_field(&s3->region, cfg->region, "region", 1)) < 0 ||
        (err = dup_field(&s3->access_key, cfg->access_key, "access key", 1)) < 0 ||
        (err = dup_field(&s3->secret_key, cfg->secret_key, "secret key", 1)) < 0 ||
        (err = dup_field(&s3->prefix, cfg->prefix, "prefix", 0)) < 0)
        goto fail;
    if (strncmp(s3->endpoint, "http://", 7) != 0 && strncmp(s3->endpoint, "https://", 8) != 0) {
        cs_diag_set("S3 configuration: endpoint %s must start with http:// or https://",
                    s3->endpoint);
        err = CS_ECONFIG;
        goto fail;
    }
    if (strlen(s3->bucket) < 3 || strlen(s3->bucket) > 63) {
        cs_diag_set("S3 configuration: bucket %s must have 3 to 63 characters", s3->bucket);
        err = CS_ECONFIG;
        goto fail;
    }
    if (cfg->part_size < CS_S3_MIN_PART) {
        cs_diag_set("S3 configuration: the part size must be at least 5 MiB");
        err = CS_ECONFIG;
        goto fail;
    }
    if ((err = cs_snprintf(s3->sigv4, sizeof s3->sigv4, "aws:amz:%s:s3", s3->region)) < 0) {
        cs_diag_set("S3 configuration: the region is too long");
        goto fail;
    }
    s3->path_style = cfg->path_style;
    s3->timeout_s = cfg->timeout_s > 0 ? cfg->timeout_s : 30;
    s3->retries = cfg->retries >= 0 ? cfg->retries : 0;
    s3->part_size = cfg->part_size;
    s3->single_max = cfg->single_max > 0 ? cfg->single_max : cfg->part_size;
    if (s3->single_max > CS_S3_SINGLE_MAX)
        s3->single_max = CS_S3_SINGLE_MAX;
    s3->parallel = cfg->parallel > 0 ? cfg->parallel : 2;
    if (s3->parallel > CS_S3_PARALLEL_MAX)
        s3->parallel = CS_S3_PARALLEL_MAX;
    s3->curl = curl_easy_init();
    if (s3->curl == NULL) {
        err = CS_ENOMEM;
        goto fail;
    }
    *out = s3;
    return 0;
fail:
    cs_s3_close(&s3);
    return err;
}

void
cs_s3_close(cs_s3_t **s3p)
{
    cs_s3_t *s3 = s3p ? *s3p : NULL;
    if (s3 == NULL)
        return;
    for (int i = 0; i < CS_S3_PARALLEL_MAX; i++)
        cs_s3_close(&s3->aux[i]);
    if (s3->curl)
        curl_easy_cleanup(s3->curl);
    free(s3->endpoint);
    free(s3->bucket);
    free(s3->region);
    free(s3->access_key);
    if (s3->secret_key)
        memset(s3->secret_key, 0, strlen(s3->secret_key));
    free(s3->secret_key);
    free(s3->prefix);
    free(s3);
    *s3p = NULL;
}

int
s3_clone(const cs_s3_t *s3, cs_s3_t **out)
{
    cs_s3_config_t cfg = {.endpoint = s3->endpoint,
                          .bucket = s3->bucket,
                          .region = s3->region,
                          .access_key = s3->access_key,
                          .secret_key = s3->secret_key,
                          .path_style = s3->path_style,
                          .prefix = s3->prefix,
                          .timeout_s = s3->timeout_s,
                          .retries = s3->retries,
                          .part_size = s3->part_size,
                          .parallel = 1};
    return cs_s3_open(out, &cfg);
}

int
s3_encode(char *dst, size_t cap, size_t *len, const char *s, int keep_slash)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = *len;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        int plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/');
        if (n + (plain ? 1 : 3) >= cap)
            return CS_ENAMETOOLONG;
        if (plain) {
            dst[n++] = (char)c;
        } else {
            dst[n++] = '%';
            dst[n++] = hex[c >> 4];
            dst[n++] = hex[c & 15];
        }
    }
    dst[n] = '\0';
    *len = n;
    return 0;
}

/* endpoint/bucket/prefix+key?query, or scheme://bucket.host/prefix+key?query. */
static int
build_url(const cs_s3_t *s3, const s3_req_t *r, char *url, size_t cap)
{
    size_t n = 0;
    int err;
    const char *host = strstr(s3->endpoint, "://") + 3;
    if (s3->path_style)
        err = cs_snprintf(url, cap, "%s/%s", s3->endpoint, s3->bucket);
    else
        err = cs_snprintf(url, cap, "%.*s%s.%s", (int)(host - s3->endpoint), s3->endpoint,
                          s3->bucket, host);
    if (err < 0)
        return err;
    n = strlen(url);
    if (n + 1 >= cap)
        return CS_ENAMETOOLONG;
    url[n++] = '/';
    url[n] = '\0';
    if (r->key) {
        if ((err = s3_encode(url, cap, &n, s3->prefix, 1)) < 0 ||
            (err = s3_encode(url, cap, &n, r->key, 1)) < 0)
            return err;
    }
    if (r->query && r->query[0]) {
        if (n + 1 + strlen(r->query) >= cap)
            return CS_ENAMETOOLONG;
        url[n++] = '?';
        memcpy(url + n, r->query, strlen(r->query) + 1);
    }
    return 0;
}

static size_t
on_read(char *buf, size_t size, size_t nitems, void *arg)
{
    s3_req_t *r = arg;
    size_t want = size * nitems;
    uint64_t left = r->len - r->sent;
    if (want > left)
        want = (size_t)left;
    if (want == 0)
        return 0;
    if (r->mem) {
        memcpy(buf, r->mem + r->off + r->sent, want);
    } else {
        ssize_t got;
        do
            got = pread(r->fd, buf, want, (off_t)(r->off + r->sent));
        while (got < 0 && errno == EINTR);
        if (got <= 0) {
            r->read_err = got < 0 ? cs_err_from_errno(errno) : CS_ECHANGED;
            return CURL_READFUNC_ABORT;
        }
        want = (size_t)got;
    }
    r->sent += want;
    return want;
}

static int
on_seek(void *arg, curl_off_t offset, int origin)
{
    s3_req_t *r = arg;
    if (origin != SEEK_SET || offset < 0 || (uint64_t)offset > r->len)
        return CURL_SEEKFUNC_CANTSEEK;
    r->sent = (uint64_t)offset;
    return CURL_SEEKFUNC_OK;
}

static int
text_add(s3_text_t *t, const char *p, size_t n)
{
    if (t->len + n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 4096;
        char *q;
        while (cap < t->len + n + 1)
            cap *= 2;
        if (cap > S3_XML_MAX)
            return CS_ENAMETOOLONG;
        q = realloc(t->p, cap);
        if (q == NULL)
            return CS_ENOMEM;
        t->p = q;
        t->cap = cap;
    }
    memcpy(t->p + t->len, p, n);
    t->len += n;
    t->p[t->len] = '\0';
    return 0;
}

static size_t
on_write(char *p, size_t size, size_t nitems, void *arg)
{
    s3_req_t *r = arg;
    size_t n = size * nitems;
    long status = 0;
    curl_easy_getinfo(r->curl, CURLINFO_RESPONSE_CODE, &status);
    if (r->sink && status >= 200 && status < 300) {
        int err = r->sink(r->sink_arg, p, n);
        if (err) {
            r->sink_err = err < 0 ? err : CS_ECANCELED;
            return CURL_WRITEFUNC_ERROR;
        }
        r->delivered += n;
        r->attempt_delivered += n;
        return n;
    }
    if (text_add(&r->text, p, n) < 0) {
        r->sink_err = CS_ENAMETOOLONG;
        return CURL_WRITEFUNC_ERROR;
    }
    return n;
}

static void
copy_value(char *dst, size_t cap, const char *v, size_t n)
{
    while (n > 0 && (v[n - 1] == '\r' || v[n - 1] == '\n' || v[n - 1] == ' '))
        n--;
    while (n > 0 && *v == ' ')
        v++, n--;
    if (n >= 2 && v[0] == '"' && v[n - 1] == '"')
        v++, n -= 2;
    if (n >= cap)
        n = cap - 1; /* headers we keep are short; a longer one is not ours to trust */
    memcpy(dst, v, n);
    dst[n] = '\0';
}

static size_t
on_header(char *p, size_t size, size_t nitems, void *arg)
{
    s3_req_t *r = arg;
    size_t n = size * nitems;
    const char *colon = memchr(p, ':', n);
    static const struct {
        const char *name;
        size_t off, cap;
    } keep[] = {
        {"etag", offsetof(s3_req_t, etag), sizeof(((s3_req_t *)0)->etag)},
        {"x-amz-version-id", offsetof(s3_req_t, version_id), CS_S3_ID_MAX},
        {"x-amz-object-lock-mode", offsetof(s3_req_t, lock_mode), 32},
        {"x-amz-object-lock-retain-until-date", offsetof(s3_req_t, retain), 64},
        {"x-amz-meta-sha256", offsetof(s3_req_t, meta_sha), 80},
        {"x-amz-checksum-sha256", offsetof(s3_req_t, checksum), 80},
    };
    if (n >= 5 && strncmp(p, "HTTP/", 5) == 0) {
        /* A new answer (after 100 Continue): forget the headers of the one before. */
        r->etag[0] = r->version_id[0] = r->lock_mode[0] = r->retain[0] = '\0';
        r->meta_sha[0] = r->checksum[0] = '\0';
        r->has_length = 0;
        return n;
    }
    if (colon == NULL)
        return n;
    for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++) {
        size_t len = strlen(keep[i].name);
        if ((size_t)(colon - p) == len && strncasecmp(p, keep[i].name, len) == 0) {
            copy_value((char *)r + keep[i].off, keep[i].cap, colon + 1,
                       n - (size_t)(colon + 1 - p));
            return n;
        }
    }
    if ((size_t)(colon - p) == 14 && strncasecmp(p, "content-length", 14) == 0) {
        r->length = strtoull(colon + 1, NULL, 10);
        r->has_length = 1;
    }
    return n;
}

static int
transient_curl(CURLcode rc)
{
    switch (rc) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
        return 1;
    default:
        return 0;
    }
}

/* The <Code> of an error answer, for the detail. */
static void
error_code(const s3_req_t *r, char *code, size_t cap)
{
    size_t pos = 0;
    code[0] = '\0';
    if (r->text.p == NULL || s3_xml_get(r->text.p, r->text.len, &pos, "Code", code, cap) < 0)
        code[0] = '\0';
}

static int
map_status(const cs_s3_t *s3, const s3_req_t *r)
{
    char code[128];
    int err;
    error_code(r, code, sizeof code);
    if (r->status == 404)
        err = CS_ENOTFOUND;
    else if (r->status == 403)
        err = CS_EACCES;
    else if (r->status == 416)
        err = CS_EINVAL;
    else if (strcmp(code, "XAmzContentSHA256Mismatch") == 0 || strcmp(code, "BadDigest") == 0 ||
             strcmp(code, "InvalidDigest") == 0)
        err = CS_EMISMATCH;
    else if (r->status == 502 || r->status == 503 || r->status == 504)
        err = CS_EUNAVAILABLE;
    else
        err = CS_EIO;
    cs_diag_set("S3 %s in bucket %s at %s: HTTP %ld%s%s", r->what, s3->bucket, s3->endpoint,
                r->status, code[0] ? " " : "", code);
    return err;
}

static void
backoff(int attempt)
{
    long ms = 100L << (attempt < 5 ? attempt : 5);
    struct timespec ts;
    if (ms > 2000)
        ms = 2000;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (ms % 1000) * 1000000L;
    nanosleep(&ts, NULL);
}

static int
set_range(s3_req_t *r, struct curl_slist **h)
{
    char line[96];
    uint64_t from = r->range_off + r->delivered;
    struct curl_slist *n;
    int err;
    if (!r->ranged && r->delivered == 0)
        return 0;
    if (r->range_len > 0)
        err = cs_snprintf(line, sizeof line, "Range: bytes=%llu-%llu", (unsigned long long)from,
                          (unsigned long long)(r->range_off + r->range_len - 1));
    else
        err = cs_snprintf(line, sizeof line, "Range: bytes=%llu-", (unsigned long long)from);
    if (err < 0)
        return err;
    n = curl_slist_append(*h, line);
    if (n == NULL)
        return CS_ENOMEM;
    *h = n;
    return 0;
}

/* One attempt: sets the handle up and performs. */
static CURLcode
perform(cs_s3_t *s3, s3_req_t *r, const char *url, int *err)
{
    CURL *c = s3->curl;
    struct curl_slist *h = NULL, *n;
    char sha[100];
    CURLcode rc;

    *err = 0;
    curl_easy_reset(c); /* keeps the connection cache */
    r->curl = c;
    r->sent = 0;
    r->attempt_delivered = 0;
    r->read_err = 0;
    r->text.len = 0;
    if (r->text.p)
        r->text.p[0] = '\0';
    for (struct curl_slist *i = r->headers; i; i = i->next) {
        if ((n = curl_slist_append(h, i->data)) == NULL)
            goto nomem;
        h = n;
    }
    if ((*err = cs_snprintf(sha, sizeof sha, "x-amz-content-sha256: %s",
                            r->payload_sha ? r->payload_sha : "UNSIGNED-PAYLOAD")) < 0)
        goto out;
    if ((n = curl_slist_append(h, sha)) == NULL)
        goto nomem;
    h = n;
    if ((*err = set_range(r, &h)) < 0)
        goto out;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_AWS_SIGV4, s3->sigv4);
    curl_easy_setopt(c, CURLOPT_USERNAME, s3->access_key);
    curl_easy_setopt(c, CURLOPT_PASSWORD, s3->secret_key);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, s3->timeout_s);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, s3->timeout_s);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    /* A GET's bytes in fewer, larger pieces: a download streams them as they come. */
    curl_easy_setopt(c, CURLOPT_BUFFERSIZE, r->sink != NULL ? 1024L * 1024 : 256L * 1024);
    curl_easy_setopt(c, CURLOPT_UPLOAD_BUFFERSIZE, 512L * 1024);
    if (strcmp(r->method, "HEAD") == 0) {
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    } else if (strcmp(r->method, "PUT") == 0) {
        curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)(r->has_body ? r->len : 0));
    } else if (strcmp(r->method, "POST") == 0) {
        curl_easy_setopt(c, CURLOPT_POST, 1L);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(r->has_body ? r->len : 0));
    } else if (strcmp(r->method, "GET") != 0) {
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, r->method);
    }
    if (r->has_body) {
        curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
        curl_easy_setopt(c, CURLOPT_READDATA, r);
        curl_easy_setopt(c, CURLOPT_SEEKFUNCTION, on_seek);
        curl_easy_setopt(c, CURLOPT_SEEKDATA, r);
    }
    rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    curl_slist_free_all(h);
    return rc;
nomem:
    *err = CS_ENOMEM;
out:
    curl_slist_free_all(h);
    return CURLE_OK;
}

int
s3_request(cs_s3_t *s3, s3_req_t *r)
{
    char url[S3_URL_MAX];
    int err, attempt;
    CURLcode rc = CURLE_OK;

    if ((err = build_url(s3, r, url, sizeof url)) < 0) {
        cs_diag_set("S3 %s: the URL is longer than %d bytes", r->what, S3_URL_MAX);
        return err;
    }
    for (attempt = 0; attempt <= s3->retries; attempt++) {
        if (attempt > 0)
            backoff(attempt - 1);
        r->status = 0;
        rc = perform(s3, r, url, &err);
        if (err < 0)
            return err;
        if (r->sink_err)
            return r->sink_err;
        if (r->read_err) {
            cs_diag_set("S3 %s: reading the local file failed: %s", r->what,
                        cs_strerror(r->read_err));
            return r->read_err;
        }
        if (rc == CURLE_OK && r->status >= 200 && r->status < 300)
            return 0;
        if (rc == CURLE_OK && r->status >= 500)
            continue;
        if (rc == CURLE_OK)
            return map_status(s3, r);
        if (!transient_curl(rc)) {
            cs_diag_set("S3 %s at %s: %s", r->what, s3->endpoint, curl_easy_strerror(rc));
            return CS_EIO;
        }
        /* A GET cut short goes on from the next byte; a body already sent is sent again. */
    }
    if (rc == CURLE_OK)
        return map_status(s3, r);
    cs_diag_set("S3 %s at %s: %s after %d attempts (is the gateway up?)", r->what, s3->endpoint,
                curl_easy_strerror(rc), s3->retries + 1);
    return CS_EUNAVAILABLE;
}

void
s3_req_done(s3_req_t *r)
{
    free(r->text.p);
    r->text.p = NULL;
    r->text.len = r->text.cap = 0;
}
