/* ledger/appender.c: group commit for ledger appends, pipelined (appender.h). The committer
 * thread writes each group in one transaction whose commit does not sync (its frames are in
 * the write-ahead log, not yet on the disk); a syncer thread (CS_LEDGER_SYNCERS of them) makes
 * every group written so far durable with one fdatasync of that log (cs_catalog_sync), then
 * answers their callers. Groups are written as their entries arrive, and a written group's
 * sync begins at once on a free syncer, beside the syncs in flight: an entry waits for one
 * sync, not for the end of another first. Syncs end in the order they began; a caller is
 * answered only once its group is durable. A sync that fails fails its groups and every later one
 * (after a failed fdatasync the kernel may have dropped the pages: nothing written since can be
 * vouched for) until the appender is started again. */
#include "ledger/appender.h"

#include "core/error.h"
#include "core/log.h"
#include "indexer/ledger.h"

#include <stdlib.h>

/* One entry to commit: a blocked caller's (on its stack, done set under mu) or a posted one
 * (malloc'd, owning fields, freed by the syncer after its callback). */
typedef struct request {
    struct request *next;
    json_t *fields;
    int64_t seq;
    int rc;
    int done;
    cs_ledger_appended_fn cb; /* NULL: a blocked caller */
    void *cb_arg;
} request_t;

struct cs_ledger_appender {
    cs_catalog_t *cat;
    uv_mutex_t *cat_lock;
    int (*sync)(void *arg, cs_catalog_t *cat);
    void *sync_arg;
    uv_thread_t committer, syncers[CS_LEDGER_SYNCERS];
    int nsyncers; /* started */
    uv_mutex_t mu;
    uv_cond_t wake, written_wake, done, order;
    int64_t tickets, completed;        /* syncs begun, and ended in the order they began */
    request_t *head, *tail;            /* queued: the next group */
    request_t *written, *written_tail; /* committed, not yet synced, oldest first */
    int stopping, committer_gone;
    int failed; /* a sync failed: its error, for every group since */
    cs_ledger_appender_stats_t stats;
};

static int
default_sync(void *arg, cs_catalog_t *cat)
{
    (void)arg;
    return cs_catalog_sync(cat);
}

/* Answers a list of requests: blocked callers wake, posted ones are called back. Called
 * without mu. */
static void
finish(cs_ledger_appender_t *a, request_t *list)
{
    request_t *r, *next, *posted = NULL;
    uv_mutex_lock(&a->mu);
    for (r = list; r != NULL; r = next) {
        next = r->next;
        if (r->cb != NULL) {
            r->next = posted;
            posted = r;
        } else {
            r->done = 1; /* r belongs to its caller from here on */
        }
    }
    uv_cond_broadcast(&a->done);
    uv_mutex_unlock(&a->mu);
    for (r = posted; r != NULL; r = next) {
        next = r->next;
        r->cb(r->cb_arg, r->rc, r->rc == 0 ? r->seq : -1);
        json_decref(r->fields);
        free(r);
    }
}

/* Writes one group (every request queued when it began) in one transaction that does not
 * sync; 0 when committed (each request's own rc says whether its entry is in it). */
static int
write_group(cs_ledger_appender_t *a, request_t *group)
{
    request_t *r;
    int rc;
    if (a->cat_lock != NULL)
        uv_mutex_lock(a->cat_lock);
    cs_catalog_relaxed(a->cat, 1); /* durable with the syncer's fdatasync, not here */
    rc = cs_catalog_batch_begin(a->cat);
    for (r = group; rc == 0 && r != NULL; r = r->next) {
        r->rc = cs_catalog_ledger_append_batched(a->cat, r->fields, &r->seq);
        if (r->rc != 0 && !cs_catalog_in_batch(a->cat))
            rc = r->rc; /* SQLite rolled the whole transaction back (a full disk, an I/O error) */
    }
    if (rc == 0)
        rc = cs_catalog_batch_commit(a->cat);
    else
        cs_catalog_batch_rollback(a->cat);
    cs_catalog_relaxed(a->cat, 0); /* others sharing the connection commit synced */
    if (a->cat_lock != NULL)
        uv_mutex_unlock(a->cat_lock);
    return rc;
}

static void
committer(void *arg)
{
    cs_ledger_appender_t *a = arg;
    uv_mutex_lock(&a->mu);
    for (;;) {
        /* Whatever is queued is written at once, even while syncs are in flight: a free
         * syncer takes it (with whatever else was written meanwhile) as soon as it is. */
        while (a->head == NULL && !a->stopping)
            uv_cond_wait(&a->wake, &a->mu);
        if (a->head == NULL && a->stopping)
            break;
        request_t *group = a->head, *r, *last = NULL;
        int failed = a->failed, rc;
        a->head = a->tail = NULL;
        uv_mutex_unlock(&a->mu);
        rc = failed != 0 ? failed : write_group(a, group);
        if (rc != 0) { /* none of the group stands: answered now, nothing to sync */
            for (r = group; r != NULL; r = r->next)
                r->rc = rc;
            finish(a, group);
            uv_mutex_lock(&a->mu);
            continue;
        }
        int64_t n = 0;
        for (r = group; r != NULL; r = r->next, n++)
            last = r;
        uv_mutex_lock(&a->mu);
        a->stats.groups++;
        a->stats.entries += n;
        if (a->written_tail != NULL)
            a->written_tail->next = group;
        else
            a->written = group;
        a->written_tail = last;
        uv_cond_signal(&a->written_wake);
    }
    a->committer_gone = 1;
    uv_cond_broadcast(&a->written_wake);
    uv_mutex_unlock(&a->mu);
}

static void
syncer(void *arg)
{
    cs_ledger_appender_t *a = arg;
    uv_mutex_lock(&a->mu);
    for (;;) {
        while (a->written == NULL && !a->committer_gone)
            uv_cond_wait(&a->written_wake, &a->mu);
        if (a->written == NULL)
            break; /* the committer is gone and everything it wrote is answered */
        request_t *list = a->written, *r;
        int rc = a->failed, first = 0;
        int64_t ticket = ++a->tickets;
        a->written = a->written_tail = NULL;
        uv_mutex_unlock(&a->mu);
        /* Everything written before the sync begins is durable when it returns. Syncs begun
         * by the other syncers meanwhile run beside this one (the kernel shares the disk's
         * cache flushes between them). */
        if (rc == 0)
            rc = a->sync(a->sync_arg, a->cat);
        uv_mutex_lock(&a->mu);
        /* Ended in the order they began: a group is vouched for only once every sync begun
         * before its own has succeeded too (after a failed one, the log may have a hole). */
        while (a->completed != ticket - 1)
            uv_cond_wait(&a->order, &a->mu);
        if (rc == 0 && a->failed != 0)
            rc = a->failed;
        if (rc == 0) {
            a->stats.syncs++;
        } else if (a->failed == 0) {
            a->failed = rc;
            first = 1;
        }
        a->completed = ticket;
        uv_cond_broadcast(&a->order);
        uv_mutex_unlock(&a->mu);
        if (first)
            cs_log(CS_LOG_ERROR, "ledger.sync_failed",
                   json_pack("{s:s, s:s}", "error", *cs_diag() ? cs_diag() : cs_strerror(rc),
                             "then",
                             "every ledgered read is refused (503) until the service restarts"));
        for (r = list; r != NULL; r = r->next)
            if (rc != 0 && r->rc == 0)
                r->rc = rc; /* committed but not known durable: refused, never served */
        finish(a, list);
        uv_mutex_lock(&a->mu);
    }
    uv_mutex_unlock(&a->mu);
}

/* Joins the syncers started so far (they end once the committer is gone and all it wrote is
 * answered) and frees a. */
static void
join_and_free(cs_ledger_appender_t *a)
{
    for (int i = 0; i < a->nsyncers; i++)
        uv_thread_join(&a->syncers[i]);
    uv_cond_destroy(&a->wake);
    uv_cond_destroy(&a->written_wake);
    uv_cond_destroy(&a->done);
    uv_cond_destroy(&a->order);
    uv_mutex_destroy(&a->mu);
    free(a);
}

/* Ends the syncers started so far (the committer is not running) and frees a. */
static void
undo_start(cs_ledger_appender_t *a)
{
    uv_mutex_lock(&a->mu);
    a->committer_gone = 1;
    uv_cond_broadcast(&a->written_wake);
    uv_mutex_unlock(&a->mu);
    join_and_free(a);
}

int
cs_ledger_appender_start_sync(cs_ledger_appender_t **out, cs_catalog_t *cat, uv_mutex_t *cat_lock,
                              int (*sync)(void *arg, cs_catalog_t *cat), void *sync_arg)
{
    cs_ledger_appender_t *a = calloc(1, sizeof *a);
    *out = NULL;
    if (a == NULL)
        return CS_ENOMEM;
    a->cat = cat;
    a->cat_lock = cat_lock;
    a->sync = sync != NULL ? sync : default_sync;
    a->sync_arg = sync_arg;
    uv_mutex_init(&a->mu);
    uv_cond_init(&a->wake);
    uv_cond_init(&a->written_wake);
    uv_cond_init(&a->done);
    uv_cond_init(&a->order);
    for (; a->nsyncers < CS_LEDGER_SYNCERS; a->nsyncers++)
        if (uv_thread_create(&a->syncers[a->nsyncers], syncer, a) != 0) {
            undo_start(a);
            cs_diag_set("cannot start the ledger's syncer threads");
            return CS_EIO;
        }
    if (uv_thread_create(&a->committer, committer, a) != 0) {
        undo_start(a);
        cs_diag_set("cannot start the ledger's committer thread");
        return CS_EIO;
    }
    *out = a;
    return 0;
}

int
cs_ledger_appender_start(cs_ledger_appender_t **out, cs_catalog_t *cat, uv_mutex_t *cat_lock)
{
    return cs_ledger_appender_start_sync(out, cat, cat_lock, NULL, NULL);
}

/* Links r at the tail; CS_ECANCELED once stopping. Called with mu held. */
static int
enqueue(cs_ledger_appender_t *a, request_t *r)
{
    if (a->stopping)
        return CS_ECANCELED;
    if (a->tail != NULL)
        a->tail->next = r;
    else
        a->head = r;
    a->tail = r;
    uv_cond_signal(&a->wake);
    return 0;
}

int
cs_ledger_appender_append(cs_ledger_appender_t *a, json_t *fields, int64_t *seq)
{
    request_t r = {.fields = fields};
    int rc;
    uv_mutex_lock(&a->mu);
    if ((rc = enqueue(a, &r)) != 0) {
        uv_mutex_unlock(&a->mu);
        return rc;
    }
    while (!r.done)
        uv_cond_wait(&a->done, &a->mu);
    uv_mutex_unlock(&a->mu);
    if (r.rc == 0 && seq != NULL)
        *seq = r.seq;
    return r.rc;
}

int
cs_ledger_appender_post(cs_ledger_appender_t *a, json_t *fields, cs_ledger_appended_fn done,
                        void *arg)
{
    request_t *r = calloc(1, sizeof *r);
    int rc;
    if (r == NULL) {
        json_decref(fields);
        return CS_ENOMEM;
    }
    r->fields = fields;
    r->cb = done;
    r->cb_arg = arg;
    uv_mutex_lock(&a->mu);
    rc = enqueue(a, r);
    uv_mutex_unlock(&a->mu);
    if (rc != 0) {
        json_decref(fields);
        free(r);
    }
    return rc;
}

void
cs_ledger_appender_stats(cs_ledger_appender_t *a, cs_ledger_appender_stats_t *out)
{
    uv_mutex_lock(&a->mu);
    *out = a->stats;
    uv_mutex_unlock(&a->mu);
}

void
cs_ledger_appender_stop(cs_ledger_appender_t **ap)
{
    cs_ledger_appender_t *a = *ap;
    if (a == NULL)
        return;
    uv_mutex_lock(&a->mu);
    a->stopping = 1;
    uv_cond_signal(&a->wake);
    uv_mutex_unlock(&a->mu);
    uv_thread_join(&a->committer); /* commits what is queued, then wakes the syncers */
    join_and_free(a);              /* they sync and answer what was committed */
    *ap = NULL;
}
