/* ledger/appender.h: durable ledger appends from many threads with group commit. Each
 * caller's entry is durable (its commit's frames synced to the disk) before its append returns,
 * so a retrieval is on record before a byte is served; callers that arrive while a group is
 * being written or synced share the next one, so the sync cost is paid once per group, not once
 * per entry. Pipelined: while one group syncs, the next is written. */
#ifndef CS_LEDGER_APPENDER_H
#define CS_LEDGER_APPENDER_H

#include "indexer/catalog.h"

#include <jansson.h>
#include <stdint.h>
#include <uv.h>

typedef struct cs_ledger_appender cs_ledger_appender_t;

/** Syncs that may be in flight at once (each on its own thread): groups written while one
 * syncs begin theirs without waiting for it. */
#define CS_LEDGER_SYNCERS 3

/** Starts the committer thread on `cat`; `cat_lock` (may be NULL) is held around each group
 * commit when others share the connection. CS_ENOMEM or CS_EIO (no thread). */
int cs_ledger_appender_start(cs_ledger_appender_t **out, cs_catalog_t *cat, uv_mutex_t *cat_lock);

/** cs_ledger_appender_start whose syncs call sync(sync_arg, cat) (NULL: cs_catalog_sync, which
 * opens its own descriptor of the log and may run beside the committer's writes): tests hold a
 * sync there to see what is answered meanwhile. */
int cs_ledger_appender_start_sync(cs_ledger_appender_t **out, cs_catalog_t *cat,
                                  uv_mutex_t *cat_lock, int (*sync)(void *arg, cs_catalog_t *cat),
                                  void *sync_arg);

/** Appends `fields` (borrowed; see cs_catalog_ledger_append) and returns once the commit
 * holding it is durable: 0 with *seq (may be NULL) its leaf index, or the commit's error (the
 * entry is then not in the ledger, and whatever it was to allow must be refused). Any thread;
 * blocks. CS_ECANCELED once the appender is stopping. An error of the sync (after the commit)
 * may leave the entry in the ledger with nothing served: a read recorded, never one unrecorded.
 * After a failed sync every later append fails too (CS_EIO) until the appender is restarted. */
int cs_ledger_appender_append(cs_ledger_appender_t *a, json_t *fields, int64_t *seq);

/** Called on the committer thread once the commit holding a posted entry is durable (rc 0,
 * seq its leaf index) or has failed (rc the commit's error: the entry is not in the ledger).
 * Must not block: hand the result to another thread (e.g. with uv_async_send). */
typedef void (*cs_ledger_appended_fn)(void *arg, int rc, int64_t seq);

/** Queues `fields` (the appender takes the reference, even on error) for the next group
 * commit without waiting, and calls done(arg, ...) once it is committed. Any thread. 0, or
 * CS_ECANCELED once the appender is stopping, CS_ENOMEM: then done is never called. */
int cs_ledger_appender_post(cs_ledger_appender_t *a, json_t *fields, cs_ledger_appended_fn done,
                            void *arg);

/** What the appender has done since it started: groups written (each one transaction), the
 * entries in them, and the syncs that made them durable (one sync may cover several groups). */
typedef struct {
    int64_t groups, entries, syncs;
} cs_ledger_appender_stats_t;

/** Copies the counts of `a` into *out. Any thread. */
void cs_ledger_appender_stats(cs_ledger_appender_t *a, cs_ledger_appender_stats_t *out);

/** Commits what is queued, stops the thread and frees the appender; *a becomes NULL. */
void cs_ledger_appender_stop(cs_ledger_appender_t **a);

#endif
