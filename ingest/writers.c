/* ingest/writers.c: uploads still open for writing, from inotify (writers.h). Both tables are
 * small (watched folders; files being copied right now) and searched linearly. */
#include "ingest/writers.h"

#include "core/error.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#define WRITERS_MAX_OPEN 4096 /* files tracked at once; beyond, settling alone decides */
#define WRITERS_MASK (IN_MODIFY | IN_CLOSE_WRITE | IN_DELETE | IN_MOVED_FROM | IN_ONLYDIR)

typedef struct {
    int wd;
    char *dir;
} watch_t;

typedef struct {
    char *path;
    uint64_t since_ms; /* its last write */
    int said;          /* cs_writers_busy has answered 1 for it */
} open_t;

struct cs_writers {
    int fd;
    watch_t *watches;
    size_t nwatches, watches_cap;
    open_t *open;
    size_t nopen, open_cap;
};

int
cs_writers_open(cs_writers_t **out)
{
    cs_writers_t *w = calloc(1, sizeof *w);
    *out = NULL;
    if (w == NULL)
        return CS_ENOMEM;
    if ((w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) < 0) {
        int err = cs_err_from_errno(errno);
        free(w);
        return err;
    }
    *out = w;
    return 0;
}

static void
forget_all(cs_writers_t *w)
{
    for (size_t i = 0; i < w->nopen; i++)
        free(w->open[i].path);
    w->nopen = 0;
}

void
cs_writers_free(cs_writers_t **wp)
{
    cs_writers_t *w = wp ? *wp : NULL;
    if (w == NULL)
        return;
    forget_all(w);
    for (size_t i = 0; i < w->nwatches; i++)
        free(w->watches[i].dir);
    free(w->watches);
    free(w->open);
    close(w->fd);
    free(w);
    *wp = NULL;
}

int
cs_writers_fd(const cs_writers_t *w)
{
    return w->fd;
}

static watch_t *
watch_of(cs_writers_t *w, int wd)
{
    for (size_t i = 0; i < w->nwatches; i++)
        if (w->watches[i].wd == wd)
            return &w->watches[i];
    return NULL;
}

int
cs_writers_watch(cs_writers_t *w, const char *dir)
{
    int wd = inotify_add_watch(w->fd, dir, WRITERS_MASK);
    if (wd < 0)
        return cs_err_from_errno(errno);
    watch_t *old = watch_of(w, wd);
    if (old != NULL) { /* the same folder again (or a new folder given a freed wd) */
        char *d = strdup(dir);
        if (d == NULL)
            return CS_ENOMEM;
        free(old->dir);
        old->dir = d;
        return 0;
    }
    if (w->nwatches == w->watches_cap) {
        size_t cap = w->watches_cap ? w->watches_cap * 2 : 16;
        watch_t *p = realloc(w->watches, cap * sizeof *p);
        if (p == NULL)
            return CS_ENOMEM;
        w->watches = p;
        w->watches_cap = cap;
    }
    if ((w->watches[w->nwatches].dir = strdup(dir)) == NULL)
        return CS_ENOMEM;
    w->watches[w->nwatches++].wd = wd;
    return 0;
}

static open_t *
open_of(cs_writers_t *w, const char *path)
{
    for (size_t i = 0; i < w->nopen; i++)
        if (strcmp(w->open[i].path, path) == 0)
            return &w->open[i];
    return NULL;
}

/* A write: the file is open, its writer last heard from now. */
static void
opened(cs_writers_t *w, const char *path, uint64_t now_ms)
{
    open_t *o = open_of(w, path);
    if (o != NULL) {
        o->since_ms = now_ms;
        return;
    }
    if (w->nopen == WRITERS_MAX_OPEN)
        return;
    if (w->nopen == w->open_cap) {
        size_t cap = w->open_cap ? w->open_cap * 2 : 16;
        open_t *p = realloc(w->open, cap * sizeof *p);
        if (p == NULL)
            return; /* untracked: settling decides */
        w->open = p;
        w->open_cap = cap;
    }
    if ((w->open[w->nopen].path = strdup(path)) == NULL)
        return;
    w->open[w->nopen].said = 0;
    w->open[w->nopen++].since_ms = now_ms;
}

static int
closed(cs_writers_t *w, const char *path)
{
    open_t *o = open_of(w, path);
    if (o == NULL)
        return 0;
    free(o->path);
    *o = w->open[--w->nopen];
    return 1;
}

static void
unwatched(cs_writers_t *w, int wd)
{
    watch_t *x = watch_of(w, wd);
    if (x == NULL)
        return;
    free(x->dir);
    *x = w->watches[--w->nwatches];
}

int
cs_writers_read(cs_writers_t *w, uint64_t now_ms)
{
    char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
    char path[PATH_MAX];
    int nclosed = 0;
    for (;;) {
        ssize_t n = read(w->fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break; /* EAGAIN: drained */
        for (char *p = buf; p < buf + n;) {
            const struct inotify_event *ev = (const struct inotify_event *)p;
            p += sizeof *ev + ev->len;
            if (ev->mask & IN_Q_OVERFLOW) {
                forget_all(w); /* events lost: settling decides for every file */
                continue;
            }
            if (ev->mask & IN_IGNORED) {
                unwatched(w, ev->wd);
                continue;
            }
            watch_t *x = watch_of(w, ev->wd);
            if (x == NULL || ev->len == 0 || (ev->mask & IN_ISDIR))
                continue;
            size_t dl = strlen(x->dir), nl = strlen(ev->name);
            if (dl + 1 + nl >= sizeof path)
                continue; /* a path the scan cannot name either */
            memcpy(path, x->dir, dl);
            path[dl] = '/';
            memcpy(path + dl + 1, ev->name, nl + 1);
            if (ev->mask & IN_MODIFY)
                opened(w, path, now_ms);
            else
                nclosed += closed(w, path);
        }
    }
    return nclosed;
}

int
cs_writers_busy(cs_writers_t *w, const char *path, uint64_t now_ms, uint64_t max_ms, int *first)
{
    open_t *o = w != NULL ? open_of(w, path) : NULL;
    *first = 0;
    if (o == NULL || now_ms - o->since_ms >= max_ms)
        return 0;
    *first = !o->said;
    o->said = 1;
    return 1;
}
