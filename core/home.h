/* core/home.h: the paths of one Custody home folder.
 *
 * A home holds custody.conf, catalog.db, store/, uploads/ and the ledger's signing key
 * (ledger.key, mode 0600, with ledger.pub beside it). Which home: --home, else
 * $CUSTODY_HOME, else ./var. Which config: <home>/custody.conf, unless $CUSTODY_CONFIG (or
 * the CLI's --config) names another file.
 */
#ifndef CS_CORE_HOME_H
#define CS_CORE_HOME_H

#include <limits.h>

typedef struct cs_home {
    char root[PATH_MAX];
    char conf[PATH_MAX];
    char catalog[PATH_MAX];
    char store[PATH_MAX];
    char uploads[PATH_MAX];
    char key[PATH_MAX];
    char pub[PATH_MAX];
} cs_home_t;

/** Fills *home for `dir` (NULL: $CUSTODY_HOME, else "./var"), its config being
 * $CUSTODY_CONFIG when that is set and not empty. CS_ENAMETOOLONG if a path does not fit. */
int cs_home_resolve(cs_home_t *home, const char *dir);

/** Makes `path` the config file of *home. CS_ENAMETOOLONG (with a detail) if it does not fit. */
int cs_home_set_conf(cs_home_t *home, const char *path);

/** Makes `path` a folder with `mode` unless it is one already; *created says which.
 * CS_ENOTDIR (with a detail) when something else is in the way. */
int cs_home_mkdir(const char *path, int mode, int *created);

/** Makes every folder above `path` that is missing (mkdir -p of its parent), with `mode`.
 * CS_ENAMETOOLONG, or the error of the folder that could not be made (with a detail). */
int cs_home_mkdir_parents(const char *path, int mode);

#endif
