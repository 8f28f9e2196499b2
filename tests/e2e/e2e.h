/* tests/e2e/e2e.h: helpers shared by the end-to-end tests of build/custody. */
#ifndef CS_TESTS_E2E_H
#define CS_TESTS_E2E_H

#include "tests/support/testutil.h"

#include <check.h>
#include <jansson.h>
#include <limits.h>

#define CASE_A "任水罚〔2023〕12号"
#define CASE_B "任水罚〔2023〕13号"

typedef struct e2e {
    char *dir;           /* scratch folder */
    char home[PATH_MAX]; /* <dir>/home */
    char db[PATH_MAX];   /* <home>/catalog.db */
    char bucket[16];     /* on an S3 gateway (e2e_s3_configure): the home's bucket */
} e2e_t;

/** Makes a scratch folder and runs `custody init` in <dir>/home. With CUSTODY_TEST_S3_ENV
 * naming a gateway's env file (tests/storage/ceph.sh), the home's store is on that gateway
 * (e2e_s3_configure): the same test then runs against the S3 backend. */
void e2e_setup(e2e_t *t);

/** e2e_setup with a local store whatever CUSTODY_TEST_S3_ENV says: for a test about the
 * folder itself (an object file removed or altered under the home). */
void e2e_setup_local(e2e_t *t);

/** Reads KEY=value from the gateway's env file `env` into buf; 0, or -1 when absent. */
int e2e_s3_env(const char *env, const char *key, char *buf, size_t size);

/** Puts the home of t on the gateway of env file `env`: a credentials file (0600), a bucket
 * of its own (t->bucket), Object Lock in compliance mode for `retain_days`, requests that
 * give up after 2 s without a byte; store.backend = `backend` ("s3", or "local" to keep the
 * folder and only name the gateway, for `custody store migrate`). */
void e2e_s3_configure(e2e_t *t, const char *env, int retain_days, const char *backend);

/** Removes the scratch folder. */
void e2e_teardown(e2e_t *t);

/** Writes a file under the scratch folder and returns its path in buf. */
const char *e2e_file(e2e_t *t, char buf[PATH_MAX], const char *rel, const char *content);

/** Counts the files under <home>/store/objects. */
long e2e_objects(e2e_t *t);

/** Counts leftover temporary files under <home>/store/tmp. */
long e2e_temps(e2e_t *t);

/** Parses r->out as JSON (fails the test if it is not). */
json_t *e2e_json(const cs_run_t *r);

/** The SHA-256 of a string, in hex. */
void e2e_sha256(const char *s, char out[65]);

/** `custody ingest --case CASE_A --json path`, which must succeed: the file's sha256
 * (malloc'd). */
char *e2e_ingest_one(e2e_t *t, const char *path);

/** `custody show --json sha` (purpose "e2e check"), which must succeed: the item's record. */
json_t *e2e_show(e2e_t *t, const char *sha);

#endif
