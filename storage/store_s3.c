/* storage/store_s3.c: provisional; replaced by the S3 client adapter. */
#include "storage/store_remote.h"

#include "core/error.h"

int
cs_remote_open(cs_remote_t **out, const struct cs_config *cfg, int tmp_fd)
{
    (void)cfg;
    (void)tmp_fd;
    *out = NULL;
    cs_diag_set("store.backend = s3 is not built yet");
    return CS_ECONFIG;
}
void
cs_remote_close(cs_remote_t **r)
{
    (void)r;
}
int
cs_remote_put(cs_remote_t *r, const char *sha256, int fd, uint64_t size)
{
    (void)r;
    (void)sha256;
    (void)fd;
    (void)size;
    return CS_EIO;
}
int
cs_remote_head(cs_remote_t *r, const char *sha256, cs_store_info_t *info)
{
    (void)r;
    (void)sha256;
    (void)info;
    return CS_EIO;
}
int
cs_remote_get(cs_remote_t *r, const char *sha256, uint64_t off, uint64_t len,
              cs_remote_sink_fn sink, void *arg)
{
    (void)r;
    (void)sha256;
    (void)off;
    (void)len;
    (void)sink;
    (void)arg;
    return CS_EIO;
}
int
cs_remote_delete(cs_remote_t *r, const char *sha256)
{
    (void)r;
    (void)sha256;
    return CS_EIO;
}
int
cs_remote_each(cs_remote_t *r, int (*fn)(void *arg, const char *sha256, uint64_t size), void *arg)
{
    (void)r;
    (void)fn;
    (void)arg;
    return CS_EIO;
}
int
cs_remote_ensure_bucket(cs_remote_t *r)
{
    (void)r;
    return CS_EIO;
}
void
cs_remote_health(cs_remote_t *r, cs_store_health_t *h)
{
    (void)r;
    (void)h;
}
