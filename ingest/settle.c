/* ingest/settle.c: the settle table, a chained hash map keyed by path. */
#include "ingest/settle.h"

#include "core/error.h"

#include <stdlib.h>
#include <string.h>

typedef struct entry {
    struct entry *next;
    uint64_t hash;
    off_t size;
    struct timespec mtime, ctime;
    uint64_t stable_since;
    uint64_t tag;
    int seen;
    char path[]; /* NUL-terminated */
} entry_t;

struct cs_settle {
    entry_t **buckets;
    size_t nbuckets;
    size_t count;
};

static uint64_t
fnv1a(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

int
cs_settle_new(cs_settle_t **out)
{
    cs_settle_t *s = calloc(1, sizeof *s);
    if (s == NULL || (s->buckets = calloc(64, sizeof *s->buckets)) == NULL) {
        free(s);
        return CS_ENOMEM;
    }
    s->nbuckets = 64;
    *out = s;
    return 0;
}

void
cs_settle_free(cs_settle_t **sp)
{
    cs_settle_t *s = sp ? *sp : NULL;
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->nbuckets; i++) {
        for (entry_t *e = s->buckets[i], *next; e != NULL; e = next) {
            next = e->next;
            free(e);
        }
    }
    free(s->buckets);
    free(s);
    *sp = NULL;
}

static entry_t **
find(cs_settle_t *s, const char *path, uint64_t h)
{
    entry_t **p = &s->buckets[h & (s->nbuckets - 1)];
    while (*p != NULL && ((*p)->hash != h || strcmp((*p)->path, path) != 0))
        p = &(*p)->next;
    return p;
}

static void
grow(cs_settle_t *s)
{
    size_t n = s->nbuckets * 2;
    entry_t **b = calloc(n, sizeof *b);
    if (b == NULL)
        return; /* a longer chain is slower, not wrong */
    for (size_t i = 0; i < s->nbuckets; i++) {
        for (entry_t *e = s->buckets[i], *next; e != NULL; e = next) {
            next = e->next;
            e->next = b[e->hash & (n - 1)];
            b[e->hash & (n - 1)] = e;
        }
    }
    free(s->buckets);
    s->buckets = b;
    s->nbuckets = n;
}

void
cs_settle_begin(cs_settle_t *s)
{
    for (size_t i = 0; i < s->nbuckets; i++)
        for (entry_t *e = s->buckets[i]; e != NULL; e = e->next)
            e->seen = 0;
}

static int
same(const entry_t *e, const struct stat *st)
{
    return e->size == st->st_size && e->mtime.tv_sec == st->st_mtim.tv_sec &&
           e->mtime.tv_nsec == st->st_mtim.tv_nsec && e->ctime.tv_sec == st->st_ctim.tv_sec &&
           e->ctime.tv_nsec == st->st_ctim.tv_nsec;
}

int
cs_settle_observe(cs_settle_t *s, const char *path, const struct stat *st, int done,
                  uint64_t now_ms, uint64_t settle_ms, uint64_t *ready_at)
{
    uint64_t h = fnv1a(path);
    entry_t **p = find(s, path, h), *e = *p;
    if (e == NULL) {
        size_t len = strlen(path);
        if ((e = calloc(1, sizeof *e + len + 1)) == NULL)
            return CS_ENOMEM;
        memcpy(e->path, path, len + 1);
        e->hash = h;
        e->next = NULL;
        *p = e;
        s->count++;
        e->stable_since = now_ms;
    } else if (!same(e, st)) {
        e->stable_since = now_ms; /* it moved: the settle period starts again */
    }
    e->size = st->st_size;
    e->mtime = st->st_mtim;
    e->ctime = st->st_ctim;
    e->seen = 1;
    if (s->count > s->nbuckets)
        grow(s);
    uint64_t at = e->stable_since + settle_ms;
    if (ready_at != NULL)
        *ready_at = at;
    return done || now_ms >= at;
}

void
cs_settle_end(cs_settle_t *s)
{
    for (size_t i = 0; i < s->nbuckets; i++) {
        entry_t **p = &s->buckets[i];
        while (*p != NULL) {
            if (!(*p)->seen) {
                entry_t *gone = *p;
                *p = gone->next;
                free(gone);
                s->count--;
            } else {
                p = &(*p)->next;
            }
        }
    }
}

void
cs_settle_forget(cs_settle_t *s, const char *path)
{
    entry_t **p = find(s, path, fnv1a(path));
    if (*p != NULL) {
        entry_t *gone = *p;
        *p = gone->next;
        free(gone);
        s->count--;
    }
}

int
cs_settle_has(const cs_settle_t *s, const char *path)
{
    return *find((cs_settle_t *)s, path, fnv1a(path)) != NULL;
}

int
cs_settle_add(cs_settle_t *s, const char *path)
{
    struct stat st;
    memset(&st, 0, sizeof st);
    int rc = cs_settle_observe(s, path, &st, 0, 0, 0, NULL);
    return rc < 0 ? rc : 0;
}

int
cs_settle_tag(cs_settle_t *s, const char *path, uint64_t tag)
{
    int rc = cs_settle_add(s, path);
    if (rc == 0)
        (*find(s, path, fnv1a(path)))->tag = tag;
    return rc;
}

void
cs_settle_sweep(cs_settle_t *s, uint64_t below)
{
    for (size_t i = 0; i < s->nbuckets; i++) {
        entry_t **p = &s->buckets[i];
        while (*p != NULL) {
            if ((*p)->tag != 0 && (*p)->tag < below) {
                entry_t *gone = *p;
                *p = gone->next;
                free(gone);
                s->count--;
            } else {
                p = &(*p)->next;
            }
        }
    }
}

size_t
cs_settle_count(const cs_settle_t *s)
{
    return s->count;
}
