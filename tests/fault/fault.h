/* tests/fault/fault.h: what the fault, disk-full and kill -9 tests share: the environment
 * that puts tests/fault/faultshim.c under a custody command, the log of the faults it
 * injected, and the checks that a home is whole after a failure and a rerun. */
#ifndef CS_TESTS_FAULT_H
#define CS_TESTS_FAULT_H

#include "tests/e2e/e2e.h"

#ifndef CUSTODY_FAULTSHIM
#define CUSTODY_FAULTSHIM "libcustody_faultshim.so"
#endif

typedef struct fault {
    char log[PATH_MAX]; /* CUSTODY_FAULT_LOG: one line per injected failure */
    char preload[PATH_MAX + 64];
    char spec[1024]; /* CUSTODY_FAULT=... */
    char logvar[PATH_MAX + 32];
    char *env[4]; /* for cs_test_custody_env; NULL-terminated */
} fault_t;

/** Points f at `spec` (faultshim.c's rules, printf-style), logging into <dir>/fault.log
 * (emptied). */
void fault_set(fault_t *f, const char *dir, const char *spec, ...)
    __attribute__((format(printf, 3, 4)));

/** Injected failures logged so far whose line contains `what` ("op=fsync"; NULL: all). */
long fault_fired(const fault_t *f, const char *what);

/** Empties the log. */
void fault_clear_log(fault_t *f);

/** Fails the test unless the command exited `status` (3: could not complete) with a line on
 * stderr that starts "custody CMD: ", no sanitizer report, and every NULL-terminated phrase
 * that follows. */
void fault_assert_clean_failure(const cs_run_t *r, const char *cmd, int status, ...);

/** Fails the test unless the command exited 0. */
void fault_run_ok(const cs_run_t *r);

/** The home is whole: `custody verify --all` and `custody ledger verify` pass, the catalog's
 * integrity_check is ok, no temporary file is left in store/tmp or tmp/derive, every file in
 * the objects tree is named by the SHA-256 of its bytes, every item and verified derivative
 * has its object, and no object is without a row. Returns the number of items. */
long fault_check_home(e2e_t *t);

/** Makes t a new scratch folder holding a copy of src's home (cp -a): one setup serves many
 * runs. Remove it with e2e_teardown. */
void fault_clone(e2e_t *t, const e2e_t *src);

/** Counts the files under dir, hidden ones and _rejected/ left out (an upload folder). */
long fault_files_in(const char *dir);

/** Counts rows of `sql` in the home's catalog. */
long fault_count(e2e_t *t, const char *sql);

#endif
