/* ledger/appender.c: group commit for ledger appends (appender.h). */
#include "ledger/appender.h"

#include "core/error.h"
#include "indexer/ledger.h"

#include <stdlib.h>

/* One entry to commit: a blocked caller's (on its stack, done set under mu) or a posted one
 * (malloc'd, owning fields, freed by the committer after its callback). */
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
    uv_thread_t thread;
    uv_mutex_t mu;
    uv_cond_t wake, done;
    request_t *head, *tail;
    int stopping;
};

/* Commits one group: every request queued when it began. */
static void
commit_group(cs_ledger_appender_t *a, request_t *group)
{
    request_t *r, *next, *posted = NULL;
    int rc;
    if (a->cat_lock != NULL)
        uv_mutex_lock(a->cat_lock);
    rc = cs_catalog_batch_begin(a->cat);
    for (r = group; rc == 0 && r != NULL; r = r->next)
        r->rc = cs_catalog_ledger_append(a->cat, r->fields, &r->seq);
    if (rc == 0)
        rc = cs_catalog_batch_commit(a->cat); /* synced: durable when it returns */
    else
        cs_catalog_batch_rollback(a->cat);
    if (a->cat_lock != NULL)
        uv_mutex_unlock(a->cat_lock);
    uv_mutex_lock(&a->mu);
    for (r = group; r != NULL; r = next) {
        next = r->next;
        if (rc != 0) /* none of the group stands */
            r->rc = rc;
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

static void
committer(void *arg)
{
    cs_ledger_appender_t *a = arg;
    uv_mutex_lock(&a->mu);
    for (;;) {
        while (a->head == NULL && !a->stopping)
            uv_cond_wait(&a->wake, &a->mu);
        if (a->head == NULL && a->stopping)
            break;
        request_t *group = a->head;
        a->head = a->tail = NULL;
        uv_mutex_unlock(&a->mu);
        commit_group(a, group);
        uv_mutex_lock(&a->mu);
    }
    uv_mutex_unlock(&a->mu);
}

int
cs_ledger_appender_start(cs_ledger_appender_t **out, cs_catalog_t *cat, uv_mutex_t *cat_lock)
{
    cs_ledger_appender_t *a = calloc(1, sizeof *a);
    *out = NULL;
    if (a == NULL)
        return CS_ENOMEM;
    a->cat = cat;
    a->cat_lock = cat_lock;
    uv_mutex_init(&a->mu);
    uv_cond_init(&a->wake);
    uv_cond_init(&a->done);
    if (uv_thread_create(&a->thread, committer, a) != 0) {
        uv_cond_destroy(&a->wake);
        uv_cond_destroy(&a->done);
        uv_mutex_destroy(&a->mu);
        free(a);
        cs_diag_set("cannot start the ledger's committer thread");
        return CS_EIO;
    }
    *out = a;
    return 0;
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
cs_ledger_appender_stop(cs_ledger_appender_t **ap)
{
    cs_ledger_appender_t *a = *ap;
    if (a == NULL)
        return;
    uv_mutex_lock(&a->mu);
    a->stopping = 1;
    uv_cond_signal(&a->wake);
    uv_mutex_unlock(&a->mu);
    uv_thread_join(&a->thread);
    uv_cond_destroy(&a->wake);
    uv_cond_destroy(&a->done);
    uv_mutex_destroy(&a->mu);
    free(a);
    *ap = NULL;
}
