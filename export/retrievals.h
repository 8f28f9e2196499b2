/* export/retrievals.h: the monthly retrieval register (调阅台账) for auditors: one row per
 * request made, decided or read under in the month (indexer/requests.h), with who asked (and
 * their role then), the case, purpose, scope and period, the decision (by whom, their role,
 * when, why not) and the reads made under its grant: their count and ledger entry numbers
 * (each read's detail is that entry). CSV (UTF-8 with a BOM, RFC 4180, formula cells guarded
 * as export/evlist.h does) or one printable A4 HTML page. Reading it is the caller's: made only
 * after the gate allowed it (CS_READ_REGISTER) and its entry is durable. */
#ifndef CS_EXPORT_RETRIEVALS_H
#define CS_EXPORT_RETRIEVALS_H

#include "core/tz.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

typedef struct cs_retrievals {
    const char *month;  /* "2026-12" */
    const char *reader; /* who reads it */
    const char *role;
    int64_t seq;       /* the read's ledger entry; -1: none */
    json_t *rows;      /* cs_catalog_retrieval_register's (borrowed) */
    const cs_tz_t *tz; /* site.tz: times are written in it; NULL: UTC */
} cs_retrievals_t;

/** The register as CSV (html 0) or HTML (html 1) in one malloc'd buffer: *out (caller frees),
 * *len its bytes. CS_ENOMEM, CS_EIO. */
int cs_retrievals_render(const cs_retrievals_t *r, int html, char **out, size_t *len);

#endif
