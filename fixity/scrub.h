/* fixity/scrub.h: the service's fixity scrub. On a thread of its own (with its own catalog
 * connection and store handle, never on the loop or its pool), it re-hashes every stored
 * object, originals and copies, the longest unchecked first, so that each is checked at least
 * once per window; it reads no faster than its rate allows, records each check
 * (indexer/fixity.h: an event and its ledger entry) and logs every object found altered,
 * missing or unreadable as "store.fixity_mismatch". */
#ifndef CS_FIXITY_SCRUB_H
#define CS_FIXITY_SCRUB_H

#include "core/config.h"

#include <stddef.h>
#include <stdint.h>

typedef struct cs_scrub cs_scrub_t;

typedef struct cs_scrub_opts {
    const char *catalog;    /* catalog.db */
    const char *store;      /* the store's root */
    int busy_timeout_ms;    /* of its catalog connection */
    size_t buffer_size;     /* bytes per read; 0: the store's default */
    int64_t window_s;       /* every object is re-hashed at least once this often; 0: no scrub */
    uint64_t bytes_per_s;   /* reading rate at most; 0: unbounded */
    const cs_config_t *cfg; /* the store's backend (store.backend); NULL: the folder alone */
} cs_scrub_opts_t;

/** The window the config asks for, in seconds: store.scrub_window_s when set, else
 * store.scrub_days; 0 when store.scrub_days is 0 (no scrub). */
int64_t cs_scrub_window_s(const cs_config_t *cfg);

/** Opens the scrub's catalog connection and store, and starts its thread; with a window of 0
 * starts nothing and sets *out to NULL. The strings of `o` are copied. */
int cs_scrub_start(cs_scrub_t **out, const cs_scrub_opts_t *o);

/** Takes a new window and rate (a reload); a window of 0 pauses the scrub. Accepts NULL. */
void cs_scrub_configure(cs_scrub_t *s, int64_t window_s, uint64_t bytes_per_s);

/** Asks the scrub to stop without waiting: the object being read is left unrecorded.
 * Accepts NULL. */
void cs_scrub_cancel(cs_scrub_t *s);

/** Stops the scrub, waits for its thread, closes what it opened and sets *s to NULL;
 * accepts NULL. */
void cs_scrub_stop(cs_scrub_t **s);

#endif
