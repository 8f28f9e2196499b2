/* tests/support/testutil.h: temporary folders, files and real child processes for tests. */
#ifndef CS_TESTS_TESTUTIL_H
#define CS_TESTS_TESTUTIL_H

#include <stddef.h>
#include <sys/types.h>

#ifndef CUSTODY_BIN
#define CUSTODY_BIN "custody"
#endif
#ifndef CUSTODY_WORKER_BIN
#define CUSTODY_WORKER_BIN "custody-worker"
#endif
/* The shared corpus of the wide run (tests labelled corpus, tests/support/corpus.h). */
#ifndef CUSTODY_CORPUS
#define CUSTODY_CORPUS "../shared/corpus"
#endif
/* The files every other test reads: in the repository, sources in tests/data/SOURCES.md. */
#ifndef CUSTODY_TEST_DATA
#define CUSTODY_TEST_DATA "tests/data"
#endif

/** Starts build/custody with the NULL-terminated arguments in the background, stdout and
 * stderr appended to `log`. Returns its pid. */
pid_t cs_test_custody_bg(const char *log, const char *arg, ...);

/** Polls `sql` (a count) in `db` every 50 ms until it returns `want`; returns the last count
 * (so a caller can assert it), after at most `timeout_ms`. */
long cs_test_wait_count(const char *db, const char *sql, long want, int timeout_ms);

/** Sends `sig` to pid and waits for it; returns its exit code (or 128 + signal). */
int cs_test_stop(pid_t pid, int sig);

typedef struct cs_run {
    int status; /* exit code, or 128 + signal */
    char *out;  /* stdout, NUL-terminated */
    size_t out_len;
    char *err; /* stderr, NUL-terminated */
    size_t err_len;
    long maxrss_kb; /* peak RSS of the child */
} cs_run_t;

/** Makes a fresh folder under $TMPDIR (or /tmp) and returns its path (static storage per call
 * site is not kept: the caller copies it). Aborts the test on failure. */
char *cs_test_tmpdir(void);

/** Removes a tree; symlinks are removed, never followed. */
void cs_test_rmrf(const char *path);

/** The files and symlinks (not folders) under `dir`, e.g. objects and temps left behind; 0 when
 * it does not exist. */
long cs_test_count_files(const char *dir);

/** Writes `len` bytes to `path` (created or truncated, mode 0644). */
void cs_test_write(const char *path, const void *data, size_t len);

/** Writes `len` pseudo-random bytes made from `seed` to `path`. */
void cs_test_write_random(const char *path, size_t len, unsigned seed);

/** Reads a whole file into a malloc'd NUL-terminated buffer; NULL if it cannot. */
char *cs_test_read(const char *path, size_t *len);

/** Runs argv (argv[0] is a path), feeding `in` (may be NULL) on stdin; fills *r. */
void cs_test_run(cs_run_t *r, const char *in, char *const argv[]);

/** Runs build/custody with the NULL-terminated arguments that follow. */
void cs_test_custody(cs_run_t *r, const char *arg, ...);

/** cs_test_run with `env` ("KEY=VALUE" strings, NULL-terminated; NULL for none) set over the
 * test's own environment in the child. */
void cs_test_run_env(cs_run_t *r, char *const env[], const char *in, char *const argv[]);

/** cs_test_custody with `env` set in the child (see cs_test_run_env). */
void cs_test_custody_env(cs_run_t *r, char *const env[], const char *arg, ...);

/** cs_test_custody_bg with `env` set in the child (see cs_test_run_env). */
pid_t cs_test_custody_bg_env(const char *log, char *const env[], const char *arg, ...);

/** Frees what cs_test_run put in *r. */
void cs_test_run_free(cs_run_t *r);

/** Counts rows of `sql` (a SELECT count(*) ...) in the SQLite file `db`. */
long cs_test_sql_count(const char *db, const char *sql);

/** Starts build/custody with the NULL-terminated arguments in the background, stdout and
 * stderr appended to `log`. Returns its pid. */
pid_t cs_test_custody_bg(const char *log, const char *arg, ...);

/** Polls `sql` (a count) in `db` every 50 ms until it returns `want`; returns the last count
 * (so a caller can assert it), after at most `timeout_ms`. */
long cs_test_wait_count(const char *db, const char *sql, long want, int timeout_ms);

/** Sends `sig` to pid and waits for it; returns its exit code (or 128 + signal). */
int cs_test_stop(pid_t pid, int sig);

/** The start of a LeakSanitizer report in `text`, or NULL. cs_test_run and its kin fail the
 * test when the child's stderr holds one; cs_test_stop when the log of a custody started by
 * cs_test_custody_bg does (its workers' reports included). */
const char *cs_test_leak_report(const char *text);

#endif
