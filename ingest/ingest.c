/* ingest/ingest.c: store, sniff, catalog. */
#include "ingest/ingest.h"

#include "core/error.h"
#include "indexer/sniff.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

int
cs_ingest_file(const cs_ingest_ctx_t *ctx, const char *path, const char *case_number,
               const char *party, cs_ingest_result_t *res)
{
    cs_put_result_t put;
    char abs[PATH_MAX];
    int rc;
    memset(res, 0, sizeof *res);
    /* A catalog that cannot take the arrival is found before the bytes are copied. */
    if ((rc = cs_catalog_check_writable(ctx->cat)) != 0 ||
        (rc = cs_store_put_file(ctx->store, path, &put)) != 0)
        return rc;
    const char *name = strrchr(path, '/');
    name = name ? name + 1 : path;
    cs_arrival_t a = {
        .sha256 = put.sha256,
        .size = put.size,
        .media_type = cs_sniff_media_type(put.head, put.head_len),
        .case_number = case_number,
        .party = party,
        .original_name = name,
        .source_path = realpath(path, abs) ? abs : path,
        .actor = ctx->actor,
        .source_mtime_ns = put.mtime_ns,
    };
    cs_arrival_result_t ar;
    if ((rc = cs_catalog_record_arrival(ctx->cat, &a, &ar)) != 0)
        return rc;
    memcpy(res->sha256, put.sha256, sizeof res->sha256);
    res->size = put.size;
    res->media_type = a.media_type;
    res->item_created = ar.item_created;
    res->link_created = ar.link_created;
    return 0;
}

int
cs_ingest_error_is_fatal(int rc)
{
    return rc == CS_ENOSPC || rc == CS_EBUSY || rc == CS_ECORRUPT || rc == CS_EDB ||
           rc == CS_ENOMEM || rc == CS_ECONFIG;
}
