/* storage/s3_internal.h: what the files of the S3 client share: the handle, one request with
 * its retries, URL building and the few XML fields read from answers. */
#ifndef CS_STORAGE_S3_INTERNAL_H
#define CS_STORAGE_S3_INTERNAL_H

#include "storage/s3.h"

#include <curl/curl.h>
#include <stddef.h>
#include <stdint.h>

#define S3_URL_MAX 4096
#define S3_XML_MAX (4u * 1024 * 1024) /* the longest answer kept in memory (a list page) */

struct cs_s3 {
    CURL *curl;
    char *endpoint, *bucket, *region, *access_key, *secret_key, *prefix;
    char sigv4[128]; /* "aws:amz:<region>:s3" */
    int path_style;
    long timeout_s;
    int retries;
    uint64_t part_size;
    int parallel;
    cs_s3_t *aux[CS_S3_PARALLEL_MAX]; /* the part senders' handles, opened on first use */
};

/* An answer body kept in memory, up to S3_XML_MAX. */
typedef struct s3_text {
    char *p;
    size_t len, cap;
} s3_text_t;

typedef struct s3_req {
    const char *method; /* GET PUT POST HEAD DELETE */
    const char *key;    /* relative to the prefix, or NULL for the bucket itself */
    const char *query;  /* encoded and sorted by name ("uploads="), or NULL */
    const char *what;   /* for details ("PUT part 3 of <key>") */
    struct curl_slist *headers;
    const char *payload_sha; /* hex of the body; NULL: UNSIGNED-PAYLOAD */
    /* the body: from fd at [off, off + len), or from mem[0..len) */
    int fd;
    const char *mem;
    uint64_t off, len;
    int has_body;
    /* the answer */
    cs_s3_sink_fn sink; /* 2xx GET bodies; any other answer is kept in text */
    void *sink_arg;
    uint64_t delivered; /* bytes given to sink (over all attempts) */
    int sink_err;
    long status;
    s3_text_t text;
    char etag[80], version_id[CS_S3_ID_MAX], lock_mode[32], retain[64], meta_sha[80];
    char checksum[80];
    uint64_t length;
    int has_length;
    uint64_t range_off, range_len; /* GET only: range asked; the retry moves it on */
    int ranged;
    /* per attempt, for the callbacks */
    CURL *curl;
    uint64_t sent, attempt_delivered;
    int read_err;
} s3_req_t;

/** Runs the request with its retries. 0 when the answer is 2xx; else the mapped CS_E* code
 * with a detail. r->status and the captured headers describe the last answer. */
int s3_request(cs_s3_t *s3, s3_req_t *r);

/** Frees what s3_request kept (the text). */
void s3_req_done(s3_req_t *r);

/** Appends the percent-encoding of s (RFC 3986; '/' kept when keep_slash) to dst[0..cap)
 * at *len. CS_ENAMETOOLONG when it does not fit. */
int s3_encode(char *dst, size_t cap, size_t *len, const char *s, int keep_slash);

/** Copies the text of the first <tag>...</tag> found in xml at or after *pos into dst (XML
 * entities &amp; &lt; &gt; &quot; &apos; decoded), and moves *pos past it. 0, CS_ENOTFOUND,
 * CS_ENAMETOOLONG. */
int s3_xml_get(const char *xml, size_t len, size_t *pos, const char *tag, char *dst, size_t cap);

/** Opens a handle with the configuration of s3 (for a thread of its own). */
int s3_clone(const cs_s3_t *s3, cs_s3_t **out);

/* Pieces of storing an object (s3_put.c), shared with the multipart upload (s3_multipart.c). */
int s3_object_headers(const cs_s3_put_opts_t *opts, const char *sha, struct curl_slist **h);
void s3_fill_result(cs_s3_put_result_t *res, const s3_req_t *r, int multipart);
int s3_upload_query(char *q, size_t cap, int part, const char *upload_id);
int s3_read_full(int fd, char *buf, size_t n, uint64_t off);
int s3_put_multipart(cs_s3_t *s3, const char *key, int fd, uint64_t size, const char *sha,
                     const cs_s3_put_opts_t *opts, cs_s3_put_result_t *res);

/** Formats t as 2027-01-01T00:00:00Z; parses the same (fractions of a second ignored). */
int s3_time_format(time_t t, char *dst, size_t cap);
int s3_time_parse(const char *s, time_t *out);

#endif
