/* export/export_int.h: the state of one export, shared by its steps (export.c plans and
 * decides, export_write.c writes the payload and manifests, export_ledger.c the entries and
 * proofs). Not a public header. */
#ifndef CS_EXPORT_EXPORT_INT_H
#define CS_EXPORT_EXPORT_INT_H

#include "export/export.h"

#include <stdio.h>

typedef struct cs_export_item {
    char sha256[65];
    char ext[8];
    uint64_t size;
} cs_export_item_t;

typedef struct cs_export {
    cs_catalog_t *cat;
    cs_store_t *store;
    const cs_home_t *home;
    const cs_export_opts_t *o;
    cs_export_result_t *res;
    const char *actor;       /* who exports: the user's name, or the OS user */
    const char *role;        /* the user's role, or "operator" */
    cs_ledger_scope_t scope; /* which ledger entries the bag carries (the gate's) */
    cs_export_item_t *items; /* exported items, sorted by sha256 */
    size_t nitems;
    char (*withheld)[65]; /* sorted */
    size_t nwithheld;
    uint64_t bytes_total; /* media bytes planned: originals and chosen derivatives */
    uint64_t bytes_done;
    char dir[PATH_MAX]; /* the bag being written: DIR.partial-<pid> */
    FILE *manifest;     /* manifest-sha256.txt, open while the payload is written */
    uint64_t tree_size; /* the checkpoint the proofs are against */
    uint8_t root[32];
    char *note;
    char when[32]; /* Bagging-Date, YYYY-MM-DD */
} cs_export_t;

/** Writes data/originals, data/derivatives, data/metadata and data/case.json, adding each
 * payload file to x->manifest. */
int cs_export_payload(cs_export_t *x);

/** Writes data/evidence-list.csv and data/evidence-list.html (export/evlist.h), adding both
 * to the manifest. */
int cs_export_evidence_list(cs_export_t *x);

/** Writes data/review/ (export_opinions.c): the case's review rounds, each opinion's signed
 * bytes, signature and reviewer's public key; nothing when the case was never submitted. */
int cs_export_opinions(cs_export_t *x);

/** Writes data/archive/ (export/archive_payload.c) when x->o->archive is set: each audio and
 * video item's DA/T 63 record, the 文件目录 with each file's 档号, the DA/T 63 table, the case's
 * register row and archive.json; all in the manifest. */
int cs_export_archive_payload(cs_export_t *x);

/** Writes data/ledger/: entries.jsonl, proofs.jsonl, checkpoint.txt, key.pem, vkey.txt. */
int cs_export_ledger(cs_export_t *x);

/** Writes bagit.txt, bag-info.txt and tagmanifest-sha256.txt (after the manifest closed). */
int cs_export_tags(cs_export_t *x);

/** Adds the file at rel (under x->dir) to the manifest with its hash and size. */
int cs_export_manifest_add(cs_export_t *x, const char *rel, const char *hex, uint64_t size);

/** Writes len bytes as the new payload file rel and adds it to the manifest. */
int cs_export_put(cs_export_t *x, const char *rel, const void *data, size_t len);

/** 1 if sha256 is one of the exported items (binary search). */
int cs_export_has_item(const cs_export_t *x, const char *sha256);

/** 1 if sha256 is withheld. */
int cs_export_is_withheld(const cs_export_t *x, const char *sha256);

#endif
