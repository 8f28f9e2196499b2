/* ingest/prefix.c: a later upload that completes an earlier, damaged one (prefix.h). */
#include "ingest/prefix.h"

#include "core/error.h"
#include "core/log.h"
#include "core/utf8.h"
#include "indexer/damaged.h"
#include "storage/store.h"

#include <openssl/evp.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PREFIX_CHUNK (256 * 1024)

/* Whether the first `len` bytes of the file open at `fd` hash to `want` (64 hex digits). */
static int
prefix_is(int fd, uint64_t len, const char *want, int *same)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    char hex[65];
    unsigned char *buf = malloc(PREFIX_CHUNK);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    uint64_t off = 0;
    int err = CS_ENOMEM;
    *same = 0;
    if (buf == NULL || ctx == NULL)
        goto out;
    err = CS_ECRYPTO;
    if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
        goto out;
    while (off < len) {
        size_t want_n = len - off < PREFIX_CHUNK ? (size_t)(len - off) : PREFIX_CHUNK;
        ssize_t n = pread(fd, buf, want_n, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            err = n == 0 ? 0 : CS_EIO; /* shorter than the prefix: not the same */
            if (n < 0)
                cs_diag_set("cannot read a stored object to compare it: %s", strerror(errno));
            goto out;
        }
        if (EVP_DigestUpdate(ctx, buf, (size_t)n) != 1)
            goto out;
        off += (uint64_t)n;
    }
    if (EVP_DigestFinal_ex(ctx, md, &mdlen) != 1 || mdlen != 32)
        goto out;
    for (unsigned i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]); /* fits: two digits and the NUL */
    *same = strcmp(hex, want) == 0;
    err = 0;
out:
    EVP_MD_CTX_free(ctx);
    free(buf);
    return err;
}

/* Both events, in one commit: the earlier item is the fragment, the new one the whole. */
static int
link_both(const cs_job_env_t *env, const char *fragment, const char *whole, uint64_t bytes)
{
    json_t *df = json_pack("{s:s, s:s, s:s, s:I}", "message", CS_PREFIX_MESSAGE, "role", "fragment",
                           "other", whole, "prefix_bytes", (json_int_t)bytes);
    json_t *dw = json_pack("{s:s, s:s, s:s, s:I}", "message", CS_PREFIX_MESSAGE, "role", "whole",
                           "other", fragment, "prefix_bytes", (json_int_t)bytes);
    int err = CS_ENOMEM;
    if (df == NULL || dw == NULL)
        goto out;
    cs_job_env_lock(env);
    if ((err = cs_catalog_batch_begin(env->cat)) == 0) {
        if ((err = cs_catalog_add_event(env->cat, fragment, "stalled_copy", env->actor, df)) == 0 &&
            (err = cs_catalog_add_event(env->cat, whole, "stalled_copy", env->actor, dw)) == 0)
            err = cs_catalog_batch_commit(env->cat);
        else
            cs_catalog_batch_rollback(env->cat);
    }
    cs_job_env_unlock(env);
out:
    json_decref(df);
    json_decref(dw);
    return err;
}

int
cs_prefix_link(const cs_job_env_t *env, const cs_job_t *job, const char *path, int *linked)
{
    json_t *cands = NULL, *c;
    size_t i;
    int fd = -1, err;
    *linked = 0;
    cs_job_env_lock(env);
    err = cs_catalog_damaged_same_source(env->cat, path, job->sha256, (uint64_t)job->size, &cands);
    cs_job_env_unlock(env);
    if (err != 0 || json_array_size(cands) == 0)
        goto out;
    if ((err = cs_store_open_object(env->store, job->sha256, &fd)) != 0)
        goto out;
    json_array_foreach(cands, i, c)
    {
        const char *sha = json_string_value(json_object_get(c, "sha256"));
        json_int_t size = json_integer_value(json_object_get(c, "size"));
        int same = 0;
        if (sha == NULL || size <= 0)
            continue;
        if ((err = prefix_is(fd, (uint64_t)size, sha, &same)) != 0)
            goto out;
        if (same) {
            if ((err = link_both(env, sha, job->sha256, (uint64_t)size)) != 0)
                goto out;
            (*linked)++;
        }
    }
out:
    if (fd != -1)
        close(fd);
    json_decref(cands);
    return err;
}

void
cs_prefix_after_store(const cs_job_env_t *env, const cs_job_t *job, const char *path,
                      const cs_step_out_t *out)
{
    int linked = 0, err;
    if (out->step != CS_STEP_NEXT || !out->item_created)
        return;
    cs_diag_clear();
    if ((err = cs_prefix_link(env, job, path, &linked)) != 0)
        cs_log(CS_LOG_WARN, "job.prefix_check_failed",
               json_pack("{s:o, s:s, s:s}", "path", cs_json_string_lossless(path), "sha256",
                         job->sha256, "error", *cs_diag() ? cs_diag() : cs_strerror(err)));
    else if (linked > 0)
        cs_log(CS_LOG_WARN, "job.stalled_copy",
               json_pack("{s:o, s:s, s:s, s:i}", "path", cs_json_string_lossless(path), "sha256",
                         job->sha256, "message", CS_PREFIX_MESSAGE, "fragments", linked));
}
