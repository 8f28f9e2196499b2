/* backup/backup.h: backing a home up while its service runs, and restoring a home from such
 * a backup, checked end to end.
 *
 * A backup folder holds catalog.db (a consistent snapshot, SQLite's online backup API),
 * store/objects/sha256/aa/bb/<hex> (every object that snapshot references, each copied once
 * across runs and hashed while copied), ledger.pub, custody.conf, checkpoint.txt (the latest
 * signed checkpoint of the snapshot), MANIFEST.json and, only when asked, ledger.key. Objects
 * stored after the snapshot may or may not be there; the snapshot needs none of them. The
 * order of writing (objects, then the catalog, then the manifest, each under a temporary
 * name, fsynced and renamed) means an interrupted backup leaves the previous one whole. */
#ifndef CS_BACKUP_BACKUP_H
#define CS_BACKUP_BACKUP_H

#include "core/config.h"
#include "core/home.h"
#include "indexer/backup.h"
#include "ledger/checkpoint.h"

#include <limits.h>
#include <stdint.h>

#define CS_BACKUP_FORMAT "custody-backup"
#define CS_BACKUP_VERSION 1
#define CS_BACKUP_MANIFEST "MANIFEST.json"

/** Called for each object found bad (missing or altered) with its hash and a sentence naming
 * it, its item and cases, and what is wrong. */
typedef void (*cs_backup_problem_fn)(void *arg, const char *sha256, const char *message);

/** Called after each object with the objects done and their total. */
typedef void (*cs_backup_progress_fn)(void *arg, uint64_t done, uint64_t total);

typedef struct cs_backup_opts {
    const cs_home_t *home;
    const cs_config_t *cfg;
    const char *to; /* the backup folder; made if absent */
    int with_key;   /* also copy the private signing key (0600) */
    cs_backup_problem_fn problem;
    cs_backup_progress_fn progress;
    void *arg; /* of problem and progress */
} cs_backup_opts_t;

typedef struct cs_backup_result {
    cs_catalog_facts_t facts; /* of the snapshot */
    uint64_t objects;         /* the snapshot references */
    uint64_t copied;          /* of them, copied by this run */
    uint64_t present;         /* of them, already in the backup */
    uint64_t bad;             /* of them, missing or altered in the home: not backed up */
    uint64_t bytes_copied;
    uint64_t bytes_total;    /* of every object the snapshot references */
    int64_t checkpoint_size; /* entries checkpoint.txt covers; -1: none */
    int signed_now;          /* a checkpoint was signed into the snapshot */
    int key_copied;          /* ledger.key is in the backup */
    int key_removed;         /* a ledger.key of an earlier --with-key run was removed */
    double seconds;
    char created_at[40];
} cs_backup_result_t;

/** Backs the home up into o->to. Takes the catalog snapshot first; then copies what it
 * references and is not yet in the backup; then replaces catalog.db, the files beside it and
 * the manifest. Objects missing or altered in the home are reported through o->problem,
 * counted in res->bad and left out (the backup is written all the same). CS_EBUSY when
 * another backup writes to the same folder; the catalog's and I/O errors. */
int cs_backup_run(const cs_backup_opts_t *o, cs_backup_result_t *res);

typedef struct cs_restore_opts {
    const char *from; /* the backup folder */
    const char *home; /* the new home: absent or an empty folder */
    const char *key;  /* the signing key's PEM when the backup holds none; NULL */
    int new_key;      /* no key anywhere: make a new one (see docs/OPERATIONS.md) */
    int busy_timeout_ms;
    cs_backup_problem_fn problem;
    cs_backup_progress_fn progress;
    void *arg;
} cs_restore_opts_t;

typedef struct cs_restore_result {
    cs_catalog_facts_t facts;  /* of the backup's catalog */
    int schema;                /* of the restored catalog (migrated forward) */
    uint64_t objects, bytes;   /* restored */
    uint64_t bad;              /* missing or altered in the backup */
    uint64_t verified;         /* objects re-hashed in the new home after the copy */
    cs_ledger_report_t ledger; /* `custody ledger verify` of the new home */
    const char *key_from;      /* "backup", "--key" or "new" */
    char key_id[65];           /* of the home's ledger.pub */
    char old_pub[PATH_MAX];    /* with a new key: the backup's public key, kept here */
    double seconds;
} cs_restore_result_t;

/** Builds a home from a backup under <home>.partial-XXXXXX and renames it to o->home only
 * when every object was copied and re-hashed, the catalog opened (and migrated forward) and
 * the ledger verified. CS_EEXIST if o->home exists and is not an empty folder; CS_EUSAGE when
 * the backup holds no signing key and neither o->key nor o->new_key was given, or o->key does
 * not sign this ledger; CS_ECORRUPT for a manifest, catalog or checkpoint.txt that do not
 * agree; CS_EMISMATCH when objects are missing or altered (each reported through o->problem)
 * or the ledger does not verify (res->ledger.problem). On any error no home is left. */
int cs_restore_run(const cs_restore_opts_t *o, cs_restore_result_t *res);

#endif
