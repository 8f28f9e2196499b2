/* export/dat63.h: the metadata record of DA/T 63-2017 (录音录像类电子档案元数据方案) of one
 * audio or video record, filled from what Custody knows: the item's record, its extraction,
 * its copies, the registry's officer and device, its case and the case's archival reference
 * (档号), its custody events and the ledger's reads of it. Written as XML (UTF-8, the
 * standard's Chinese element names) or as rows of a CSV table per case. Reading is the
 * caller's: a record is built only after the gate allowed the read and its entry is durable.
 *
 * The record's four entities follow the standard's model: 文件实体 (the record itself:
 * identification, description, format, fixity, device), 机构人员实体 (the officer who recorded
 * it, the clerk who received it), 业务实体 (its process history: arrival, storage, extraction,
 * copies, the archive's hand-over, reads) and 实体关系 (its case, its copies).
 */
#ifndef CS_EXPORT_DAT63_H
#define CS_EXPORT_DAT63_H

#include "indexer/catalog.h"

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

/* The XML's namespace: the standard gives no schema of its own. */
#define CS_DAT63_NS "urn:custody:da-t-63-2017"

typedef struct cs_dat63_ctx {
    const char *case_number; /* the case it is described in (NULL: its first active case) */
    const json_t *archive;   /* the case's archive row (indexer/archive.h), or NULL */
    long item_no;            /* its number in the case's list (件号 within the case); 0: none */
    const char *file_name;   /* its name in the package (data/originals/...), or NULL */
    const json_t *reads;     /* cs_dat63_reads's, for a whole case; NULL: the item's own are
                              * read from the ledger */
} cs_dat63_ctx_t;

/** 1 when media type `mt` is audio or video (a record DA/T 63 describes). */
int cs_dat63_is_av(const char *mt);

/** *out (caller's) = the record of item `sha256` as a JSON tree whose keys are the standard's
 * element names, in order (arrays repeat their element). CS_ENOTFOUND for an unknown item;
 * CS_EINVAL when it is not audio or video. */
int cs_dat63_record(cs_catalog_t *cat, const char *sha256, const cs_dat63_ctx_t *ctx, json_t **out);

/** *out (caller's) = {sha256: [业务实体 of each read]} of every item keep(arg, sha256) keeps
 * (non-zero: kept), from one pass over the ledger's retrieval entries: what a case's records
 * take instead of one pass each. */
int cs_dat63_reads(cs_catalog_t *cat, int (*keep)(void *arg, const char *sha256), void *arg,
                   json_t **out);

/** The record as an XML document: *out (caller frees) and its length. */
int cs_dat63_xml(const json_t *rec, char **out, size_t *len);

/** The table's header (UTF-8 with a BOM, CRLF) and one row of a record (CSV cells guarded
 * against formulas), appended to f. */
int cs_dat63_csv_header(FILE *f);
int cs_dat63_csv_row(FILE *f, const json_t *rec);

/** Items are numbered (件号) in the evidence list's order over all the case's items, whoever
 * reads: a withheld item keeps its number. The evidence list's keep function that keeps all. */
int cs_dat63_keep_all(void *arg, const char *sha256, int *keep);

/** *no = item sha256's number (件号) in case `case_number`, 0 when it is not in the case. */
int cs_dat63_item_no(cs_catalog_t *cat, const char *case_number, const char *sha256, long *no);

/** The item's 档号 in an archived case: "<case's reference>-<item_no as 3 digits>" into
 * out[0..cap): 0, or CS_ENAMETOOLONG. */
int cs_dat63_item_reference(const json_t *archive, long item_no, char *out, size_t cap);

#endif
