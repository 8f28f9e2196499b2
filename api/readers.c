/* api/readers.c: the catalog connections of the work functions. SQLite connections are
 * single-threaded here (NOMUTEX), so each work function holds one of its own; with WAL,
 * readers run side by side and beside the ledger's committer (record.c). */
#include "api/api_int.h"

/* Each reader's page cache. Four readers at SQLite's default of 2,000 KiB grew the service by
 * 8 MiB as a case passed 10,000 items (bench/soak.sh, GROW=1); a page of 1,000 items reads
 * its rows once, and the pages missed come from the kernel's cache, not the disk. 256 pages
 * of 4 KiB still hold the hot interior pages of the items, links and ledger indexes. */
#define CS_API_READER_CACHE_KIB 1024

int
cs_api_readers_open(cs_api_t *a)
{
    cs_catalog_opts_t copts = {.busy_timeout_ms = a->opts.cfg->catalog_busy_timeout_ms,
                               .cache_kib = CS_API_READER_CACHE_KIB};
    int err;
    for (int i = 0; i < CS_API_READERS; i++) {
        if ((err = cs_catalog_open(&a->cats[i], a->opts.home->catalog, 0, &copts)) != 0)
            return err;
        a->ncats = i + 1;
    }
    /* Rows kept between calls, checked against the catalog's generation (cache.h). */
    return cs_api_cache_new(&a->cache, a->cats[0]);
}

void
cs_api_readers_close(cs_api_t *a)
{
    for (int i = 0; i < CS_API_READERS; i++)
        cs_catalog_close(&a->cats[i]);
    a->ncats = 0;
    cs_api_cache_free(&a->cache);
}

cs_api_cache_view_t
cs_api_view(cs_api_call_t *c)
{
    cs_api_cache_view_t v = {.k = c->api->cache, .cat = c->cat, .gen = &c->cache_gen};
    return v;
}

cs_catalog_t *
cs_api_reader_take(cs_api_t *a)
{
    cs_catalog_t *cat;
    uv_mutex_lock(&a->cat_lock);
    while (a->ncats == 0)
        uv_cond_wait(&a->cat_free, &a->cat_lock);
    cat = a->cats[--a->ncats];
    a->cats[a->ncats] = NULL;
    uv_mutex_unlock(&a->cat_lock);
    return cat;
}

void
cs_api_reader_give(cs_api_t *a, cs_catalog_t *cat)
{
    uv_mutex_lock(&a->cat_lock);
    a->cats[a->ncats++] = cat;
    uv_cond_signal(&a->cat_free);
    uv_mutex_unlock(&a->cat_lock);
}
