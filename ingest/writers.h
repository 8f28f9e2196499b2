/* ingest/writers.h: which uploads are still open for writing, for a service that cannot take a
 * read lease on them (a clerk's file is not the service's own: the lease needs the owner or
 * CAP_LEASE). inotify says when a file is written to (IN_MODIFY) and when a writer closes it
 * (IN_CLOSE_WRITE) whoever owns it: a file written to and not closed since is a copy still
 * going on, however long it stalls, and is not claimed (else its first part is stored, the
 * upload removed, and the rest written into a file nobody can see any more). Files open
 * before the service started, or after the event queue overflowed, are left to settling. */
#ifndef CS_INGEST_WRITERS_H
#define CS_INGEST_WRITERS_H

#include <stdint.h>

typedef struct cs_writers cs_writers_t;

/** Makes the table and its inotify descriptor (non-blocking). Returns 0, or CS_ENOMEM, or the
 * CS_E* code of inotify_init1 (the caller then goes on without: settling alone decides). */
int cs_writers_open(cs_writers_t **out);

/** Frees the table and closes its descriptor; accepts NULL and leaves NULL. */
void cs_writers_free(cs_writers_t **w);

/** The descriptor to poll for reading; cs_writers_read when it is readable. */
int cs_writers_fd(const cs_writers_t *w);

/** Watches the folder `dir` (its files' writes and closes); a folder already watched is
 * watched once. Returns 0 or a CS_E* code (out of watches: settling alone decides there). */
int cs_writers_watch(cs_writers_t *w, const char *dir);

/** Reads the pending events at `now_ms`: a file written to is open, one closed after writing
 * (or removed, or renamed away) is not. Returns how many files were closed (a scan may claim
 * them now). */
int cs_writers_read(cs_writers_t *w, uint64_t now_ms);

/** 1 when `path` (<dir>/<name> of a watched dir) was written to and not closed since, its last
 * write less than `max_ms` ago (a writer stalled longer is given up on); else 0 (settling
 * decides). *first is 1 the first time it answers 1 for this write (to say so once). */
int cs_writers_busy(cs_writers_t *w, const char *path, uint64_t now_ms, uint64_t max_ms,
                    int *first);

#endif
