/* ingest/settle.h: finished-file detection. A file is ready to claim once its size, mtime
 * and ctime have not changed for the settle period, or at once when its `.done` marker is
 * there. (The read-lease check that no writer still holds it open is made at claim time.)
 *
 * The table remembers what each scan saw, keyed by path; it grows with the files waiting in
 * the upload folders and forgets each one that is claimed or gone.
 */
#ifndef CS_INGEST_SETTLE_H
#define CS_INGEST_SETTLE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

typedef struct cs_settle cs_settle_t;

/** Makes an empty table. */
int cs_settle_new(cs_settle_t **out);

/** Frees the table; accepts NULL and leaves NULL. */
void cs_settle_free(cs_settle_t **s);

/** Starts a scan pass: every entry counts as unseen until observed again. */
void cs_settle_begin(cs_settle_t *s);

/** Records what a scan saw of `path` at `now_ms`. Returns 1 when the file is ready to claim
 * (unchanged for `settle_ms`, or `done` marker present), else 0 and, when not NULL, sets
 * *ready_at to the time at which it would be. A negative CS_E* code on ENOMEM. */
int cs_settle_observe(cs_settle_t *s, const char *path, const struct stat *st, int done,
                      uint64_t now_ms, uint64_t settle_ms, uint64_t *ready_at);

/** Ends a scan pass: forgets every entry that was not observed (vanished or claimed). */
void cs_settle_end(cs_settle_t *s);

/** Forgets one path (it was claimed, or must settle again from scratch). */
void cs_settle_forget(cs_settle_t *s, const char *path);

/** 1 if the table holds `path`. */
int cs_settle_has(const cs_settle_t *s, const char *path);

/** Adds `path` (with no file state) if absent; for using a table as a set. */
int cs_settle_add(cs_settle_t *s, const char *path);

/** Tags an entry (added if absent) with `tag`; for a set whose entries are released later. */
int cs_settle_tag(cs_settle_t *s, const char *path, uint64_t tag);

/** Forgets every entry tagged with a non-zero tag below `below`. */
void cs_settle_sweep(cs_settle_t *s, uint64_t below);

/** Entries waiting to settle. */
size_t cs_settle_count(const cs_settle_t *s);

#endif
