/* export/evlist.h: a case's evidence list (证据清单): every item its reader may see, numbered
 * in capture order, with original name, kind, capture time and its source, place, device,
 * officer, stage, party, size, SHA-256 and verified copies; written as CSV (UTF-8 with a BOM,
 * RFC 4180, formula cells guarded) or as a printable A4 HTML page. One builder for the API,
 * the CLI and the bag (data/evidence-list.csv, .html). Reading is the caller's: the list is
 * made only after the gate allowed the read and its ledger entry is durable. */
#ifndef CS_EXPORT_EVLIST_H
#define CS_EXPORT_EVLIST_H

#include "core/tz.h"
#include "indexer/catalog.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

/** Whether the reader may see item sha256: *keep = 1 or 0; 0 or a CS_E* code. */
typedef int (*cs_evlist_keep_fn)(void *arg, const char *sha256, int *keep);

typedef struct cs_evlist {
    const char *case_number; /* normalised */
    const char *reader;      /* who reads: a user's name, or the OS user */
    const char *role;        /* "reviewer", "operator", ... */
    const char *purpose;     /* the stated purpose, or NULL */
    int64_t seq;             /* the read's ledger entry (the export's, in a bag) */
    char made_at[40];        /* when the list was made, "2026-12-07 21:48:00 +08:00" (tz) */
    json_t *rows;            /* the items kept, timeline rows (indexer/timeline.h), in order */
    uint64_t withheld;       /* items of the case left out: the reader may not see them */
    const char *css_href;    /* the page links this stylesheet; NULL: its style inline */
    const cs_tz_t *tz;       /* site.tz, made_at's zone; NULL: the process's local zone */
} cs_evlist_t;

/** The page's style sheet (A4, print rules); web/evidence-list.css is the same text. */
extern const char cs_evlist_css[];

/** Fills l->rows with the items of case l->case_number (its other members set by the caller)
 * that keep(arg, ...) keeps, counts the others in l->withheld and stamps l->made_at.
 * CS_ENOTFOUND for an unknown case; catalog errors. Free with cs_evlist_free. */
int cs_evlist_load(cs_catalog_t *cat, cs_evlist_t *l, cs_evlist_keep_fn keep, void *arg);

/** Releases l->rows (accepts a list never loaded). */
void cs_evlist_free(cs_evlist_t *l);

/** Writes the list as CSV to f: a BOM, a header row, one row per item, CRLF line ends. */
int cs_evlist_write_csv(const cs_evlist_t *l, FILE *f);

/** Writes the list as one printable HTML page to f (every field escaped). */
int cs_evlist_write_html(const cs_evlist_t *l, FILE *f);

/** The list as CSV (html 0) or HTML (html 1) in one malloc'd buffer: *out (caller frees),
 * *len its bytes. CS_ENOMEM, CS_EIO. */
int cs_evlist_render(const cs_evlist_t *l, int html, char **out, size_t *len);

/** One CSV field: quoted when it holds a comma, quote, CR or LF (quotes doubled); a value
 * starting with = + - @ (or a tab or CR) is prefixed with ' so that a spreadsheet never runs it
 * as a formula. NULL is an empty field. */
int cs_evlist_csv_field(FILE *f, const char *s);

/** Text for HTML content or a quoted attribute: & < > " ' escaped. NULL writes nothing. */
int cs_evlist_html_text(FILE *f, const char *s);

#endif
