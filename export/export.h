/* export/export.h: a case exported as a self-verifying BagIt 1.0 bag (RFC 8493).
 *
 * The bag holds the case's originals (data/originals/<sha256>.<ext>), chosen verified
 * derivatives, each item's record, data/case.json, and data/ledger/: every ledger entry about
 * the case and its items with its RFC 6962 inclusion proof against one signed checkpoint,
 * that checkpoint and the home's public key; manifest-sha256.txt and tagmanifest-sha256.txt
 * close it. The export is a retrieval: it is decided and its ledger entry is durable before
 * the first byte is written; the bag is built under a temporary name and renamed at the end.
 */
#ifndef CS_EXPORT_EXPORT_H
#define CS_EXPORT_EXPORT_H

#include "access/access.h"
#include "core/home.h"
#include "core/tz.h"
#include "indexer/catalog.h"
#include "storage/store.h"

#include <jansson.h>
#include <limits.h>
#include <stdint.h>

#define CS_EXPORT_PROFILES_MAX 4

/** Called after each item with the items and payload bytes done so far, of the totals. */
typedef void (*cs_export_progress_fn)(void *arg, uint64_t items, uint64_t items_total,
                                      uint64_t bytes, uint64_t bytes_total);

typedef struct cs_export_opts {
    const char *case_number;    /* normalised */
    const char *purpose;        /* required: without it the export is refused (and ledgered) */
    const char *out;            /* the bag's folder (or, with tar, DIR.tar is written) */
    const cs_access_who_t *who; /* who exports (the gate decides for them) */
    cs_access_policy_t policy;  /* access.* */
    cs_channel_t channel;       /* where the bag goes: the CLI's folder or an HTTP answer */
    const char *client;         /* "cli:<os user>", "http:<address>" */
    const char *profiles[CS_EXPORT_PROFILES_MAX]; /* derivative profiles to include */
    int nprofiles;
    int tar;                  /* write DIR.tar (ustar) instead of the folder */
    const char *organization; /* Source-Organization; NULL: "Custody" */
    const cs_tz_t *tz;        /* site.tz: Bagging-Date is the site's today (NULL: UTC's) */
    cs_export_progress_fn progress;
    void *progress_arg;
    const json_t *archive; /* the case archive (tools/cmd_archive.c): the case's archive row; the
                            * bag gets data/archive/ (DA/T 63 records, 文件目录, the register
                            * row); NULL: a plain export */
} cs_export_opts_t;

typedef struct cs_export_result {
    int allowed;         /* 0: refused, with reason (and ledgered at seq) */
    char reason[256];    /* why not, for the person asking */
    int status;          /* the refusal's HTTP status: 400, 403, 404 */
    int64_t seq;         /* the export's own ledger entry */
    uint64_t items;      /* originals in the bag */
    uint64_t withheld;   /* items left out (clearance, state_secret, no access) */
    uint64_t files;      /* payload files */
    uint64_t bytes;      /* payload bytes */
    uint64_t entries;    /* ledger entries in the bag */
    uint64_t tree_size;  /* entries the bag's checkpoint covers */
    char path[PATH_MAX]; /* the bag written: DIR or DIR.tar */
} cs_export_result_t;

/** Exports a case. The gate (access/) decides the export and each item before anything is
 * looked up; a refusal is 0 with res->allowed 0 and a reason, ledgered. The bag carries the
 * ledger entries its reader may see (cs_ledger_scope_t: custody events only, or every entry
 * for auditors, admins and the operator), as case.json's "ledger_scope" says. Otherwise ledgers the
 * export (durably), signs a checkpoint that includes that entry, writes the bag under
 * DIR.partial-<pid> and renames it to DIR (or DIR.tar). CS_EEXIST if DIR (or DIR.tar) exists;
 * CS_ENOTFOUND for an unknown case; CS_EMISMATCH when a stored object no longer matches its hash;
 * I/O errors. On error nothing named DIR is left. */
int cs_export_case(cs_catalog_t *cat, cs_store_t *store, const cs_home_t *home,
                   const cs_export_opts_t *o, cs_export_result_t *res);

/** A review submission (issue 21): exports the case as `o` says (o->out and o->tar are not
 * used) into a temporary folder under <home>/tmp, packs it as a ustar file and stores that as
 * an object: sha256 its hash, *items (caller's) the array of the originals' hashes it holds.
 * A refusal of the export is 0 with res->allowed 0 (and nothing stored). The folder is
 * removed whatever happens. */
int cs_export_review_bag(cs_catalog_t *cat, cs_store_t *store, const cs_home_t *home,
                         const cs_export_opts_t *o, cs_export_result_t *res, char sha256[65],
                         json_t **items);

/** The file name extension for a media type ("image/jpeg" -> "jpg"; unknown -> "bin"). */
const char *cs_export_ext(const char *media_type);

#endif
