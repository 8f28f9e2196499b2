/* indexer/fixity.h: the record of fixity checks (schema v6). Every stored object (an item's
 * original or a derivative's copy) has a row saying when it was last re-hashed and what was
 * found; the oldest row is the next one due, so a scrub that takes them in that order checks
 * each object once per window. Each check is also a `verified` event on the item, with its
 * ledger entry, written in the same transaction. */
#ifndef CS_INDEXER_FIXITY_H
#define CS_INDEXER_FIXITY_H

#include "indexer/catalog.h"

#include <jansson.h>
#include <stdint.h>

/* unreadable: the object is there but could not be read (an I/O error, not a regular file). */
typedef enum {
    CS_FIXITY_OK,
    CS_FIXITY_MISMATCH,
    CS_FIXITY_MISSING,
    CS_FIXITY_UNREADABLE
} cs_fixity_t;

/** "ok", "mismatch", "missing" or "unreadable". */
const char *cs_fixity_name(cs_fixity_t f);

/** An object due for a check. */
typedef struct cs_fixity_obj {
    char sha256[65];
    char item[65];    /* the original it belongs to (itself, for an original) */
    char profile[32]; /* "" for an original, else the derivative's profile */
} cs_fixity_obj_t;

/** Fills out[0 .. *n) with at most `max` objects not checked (nor stored) in the last
 * `window_s` seconds, the longest unchecked first. */
int cs_catalog_fixity_due(cs_catalog_t *cat, int64_t window_s, cs_fixity_obj_t *out, int max,
                          int *n);

/** *next_s = seconds until the next object falls due (0: one is due now; -1: no objects). */
int cs_catalog_fixity_next(cs_catalog_t *cat, int64_t window_s, int64_t *next_s);

/** One check's outcome. */
typedef struct cs_fixity_check {
    const char *sha256; /* the object checked */
    cs_fixity_t result;
    const char *actual; /* on a mismatch, the hash its bytes have now; else NULL */
    const char *error;  /* when unreadable, why; else NULL */
    const char *actor;  /* who checked */
    uint64_t bytes;     /* bytes read */
    int in_pass;        /* 1: counts toward the scrub's open pass */
} cs_fixity_check_t;

/** Records a check in one transaction: the `verified` event on the object's item (detail:
 * result; object and profile for a copy; actual_sha256 on a mismatch, error when unreadable)
 * and its ledger entry,
 * the object's row (checked now) and the running totals. CS_ENOTFOUND if the catalog holds no
 * such object. */
int cs_catalog_fixity_record(cs_catalog_t *cat, const cs_fixity_check_t *c);

/** Opens a scrub pass unless one is open (a pass survives a restart of the service). */
int cs_catalog_fixity_pass_begin(cs_catalog_t *cat);

/** Closes the open pass, which becomes the last one; nothing if none is open. */
int cs_catalog_fixity_pass_end(cs_catalog_t *cat);

/** *out = {"checks", "mismatches" (checks that found an object altered, gone or unreadable),
 * "failing" (objects whose last check failed), "failures": [{"sha256", "item", "profile", "result",
 * "actual_sha256", "checked_at"}] (at most `limit`, newest first), "pass": {"started_at",
 * "objects", "bytes"} or null, "last_pass": {"started_at", "ended_at", "ended_unix", "seconds",
 * "objects", "bytes"} or null}; with window_s > 0 also "objects" and "due" (not checked within it).
 */
int cs_catalog_fixity_status(cs_catalog_t *cat, int64_t window_s, int limit, json_t **out);

/** *out = the items an object belongs to: [{"item", "profile" (null for the original),
 * "cases": [...]}], for naming it in a report. */
int cs_catalog_object_owners(cs_catalog_t *cat, const char *sha256, json_t **out);

#endif
