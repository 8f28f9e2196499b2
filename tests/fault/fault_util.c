/* tests/fault/fault_util.c: see fault.h. */
#include "tests/fault/fault.h"

#include <dirent.h>
#include <openssl/evp.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void
fault_set(fault_t *f, const char *dir, const char *spec, ...)
{
    char rules[sizeof f->spec - 16];
    va_list ap;
    memset(f, 0, sizeof *f);
    va_start(ap, spec);
    int n = vsnprintf(rules, sizeof rules, spec, ap);
    va_end(ap);
    ck_assert(n >= 0 && (size_t)n < sizeof rules);
    snprintf(f->log, sizeof f->log, "%s/fault.log", dir);
    unlink(f->log);
    /* Under ASan its runtime must come first: the shim goes after it. */
#ifdef CUSTODY_ASAN_RUNTIME
    snprintf(f->preload, sizeof f->preload, "LD_PRELOAD=%s:%s", CUSTODY_ASAN_RUNTIME,
             CUSTODY_FAULTSHIM);
#else
    snprintf(f->preload, sizeof f->preload, "LD_PRELOAD=%s", CUSTODY_FAULTSHIM);
#endif
    snprintf(f->spec, sizeof f->spec, "CUSTODY_FAULT=%s", rules);
    snprintf(f->logvar, sizeof f->logvar, "CUSTODY_FAULT_LOG=%s", f->log);
    f->env[0] = f->preload;
    f->env[1] = f->spec;
    f->env[2] = f->logvar;
    f->env[3] = NULL;
}

long
fault_fired(const fault_t *f, const char *what)
{
    char *log = cs_test_read(f->log, NULL);
    long n = 0;
    for (char *line = log; line != NULL && *line;) {
        char *end = strchr(line, '\n');
        if (end != NULL)
            *end = '\0';
        if (strncmp(line, "fault ", 6) == 0 && (what == NULL || strstr(line, what) != NULL))
            n++;
        line = end ? end + 1 : NULL;
    }
    free(log);
    return n;
}

void
fault_clear_log(fault_t *f)
{
    unlink(f->log);
}

void
fault_run_ok(const cs_run_t *r)
{
    ck_assert_msg(r->status == 0, "exit %d: %s %s", r->status, r->out, r->err);
}

void
fault_assert_clean_failure(const cs_run_t *r, const char *cmd, int status, ...)
{
    char prefix[64];
    va_list ap;
    snprintf(prefix, sizeof prefix, "custody %s: ", cmd);
    ck_assert_msg(r->status == status, "exit %d, not %d: %s", r->status, status, r->err);
    ck_assert_msg(strstr(r->err, prefix) != NULL, "no \"%s\" line: %s", prefix, r->err);
    ck_assert_msg(strstr(r->err, "AddressSanitizer") == NULL &&
                      strstr(r->err, "LeakSanitizer") == NULL &&
                      strstr(r->err, "runtime error") == NULL,
                  "a sanitizer report: %s", r->err);
    va_start(ap, status);
    for (const char *p = va_arg(ap, const char *); p != NULL; p = va_arg(ap, const char *))
        ck_assert_msg(strstr(r->err, p) != NULL, "the message does not say \"%s\": %s", p, r->err);
    va_end(ap);
}

void
fault_clone(e2e_t *t, const e2e_t *src)
{
    char cmd[PATH_MAX * 2 + 32];
    t->dir = cs_test_tmpdir();
    snprintf(t->home, sizeof t->home, "%s/home", t->dir);
    snprintf(t->db, sizeof t->db, "%s/catalog.db", t->home);
    snprintf(cmd, sizeof cmd, "cp -a '%s' '%s'", src->home, t->home);
    ck_assert_msg(system(cmd) == 0, "%s", cmd);
}

long
fault_files_in(const char *dir)
{
    long n = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d != NULL && (e = readdir(d)) != NULL) {
        char p[PATH_MAX];
        struct stat st;
        if (e->d_name[0] == '.' || strcmp(e->d_name, "_rejected") == 0)
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        if (lstat(p, &st) == 0)
            n += S_ISDIR(st.st_mode) ? fault_files_in(p) : 1;
    }
    if (d != NULL)
        closedir(d);
    return n;
}

long
fault_count(e2e_t *t, const char *sql)
{
    return cs_test_sql_count(t->db, sql);
}

/* The SHA-256 of a file, in hex; "" if it cannot be read. */
static void
file_sha256(const char *path, char hex[65])
{
    unsigned char buf[65536], md[32];
    unsigned int len = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    FILE *f = fopen(path, "rb");
    size_t n;
    hex[0] = '\0';
    if (ctx == NULL || f == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
        goto out;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        EVP_DigestUpdate(ctx, buf, n);
    if (!ferror(f) && EVP_DigestFinal_ex(ctx, md, &len) == 1)
        for (unsigned i = 0; i < len; i++)
            snprintf(hex + 2 * i, 3, "%02x", md[i]);
out:
    if (f != NULL)
        fclose(f);
    EVP_MD_CTX_free(ctx);
}

/* Walks objects/sha256/aa/bb/<hex>: every file named by its hash, and known to the catalog. */
static long
check_objects(e2e_t *t, sqlite3 *db, const char *dir, int depth)
{
    long n = 0;
    DIR *d = opendir(dir);
    struct dirent *de;
    ck_assert_msg(d != NULL || depth > 0, "cannot open %s", dir);
    while (d != NULL && (de = readdir(d)) != NULL) {
        char path[PATH_MAX], hex[65];
        struct stat st;
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        ck_assert_int_eq(lstat(path, &st), 0);
        if (depth < 3) {
            ck_assert_msg(S_ISDIR(st.st_mode) && strlen(de->d_name) == (depth == 0 ? 6u : 2u),
                          "stray entry in the objects tree: %s", path);
            n += check_objects(t, db, path, depth + 1);
            continue;
        }
        ck_assert_msg(S_ISREG(st.st_mode) && strlen(de->d_name) == 64,
                      "stray file in the objects tree: %s", path);
        file_sha256(path, hex);
        ck_assert_msg(strcmp(hex, de->d_name) == 0, "object %s hashes to %s: half-written", path,
                      hex);
        char q[512];
        sqlite3_stmt *st2 = NULL;
        snprintf(q, sizeof q,
                 "SELECT (SELECT count(*) FROM items WHERE sha256 = '%s') + (SELECT count(*) FROM "
                 "derivatives WHERE sha256 = '%s')",
                 hex, hex);
        ck_assert_int_eq(sqlite3_prepare_v2(db, q, -1, &st2, NULL), SQLITE_OK);
        ck_assert_int_eq(sqlite3_step(st2), SQLITE_ROW);
        ck_assert_msg(sqlite3_column_int64(st2, 0) > 0, "object %s has no row in the catalog",
                      path);
        sqlite3_finalize(st2);
        n++;
    }
    if (d != NULL)
        closedir(d);
    return n;
}

static long
entries_in(const char *dir)
{
    long n = 0;
    DIR *d = opendir(dir);
    struct dirent *de;
    while (d != NULL && (de = readdir(d)) != NULL)
        n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
    if (d != NULL)
        closedir(d);
    return n;
}

long
fault_check_home(e2e_t *t)
{
    char path[PATH_MAX];
    cs_run_t r;
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;

    cs_test_custody(&r, "verify", "--home", t->home, "--all", NULL);
    ck_assert_msg(r.status == 0, "verify --all exited %d: %s %s", r.status, r.out, r.err);
    cs_test_run_free(&r);
    cs_test_custody(&r, "ledger", "verify", "--home", t->home, NULL);
    ck_assert_msg(r.status == 0, "ledger verify exited %d: %s %s", r.status, r.out, r.err);
    cs_test_run_free(&r);

    ck_assert_int_eq(sqlite3_open_v2(t->db, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    ck_assert_int_eq(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    ck_assert_str_eq((const char *)sqlite3_column_text(st, 0), "ok");
    sqlite3_finalize(st);

    ck_assert_msg(e2e_temps(t) == 0, "%ld temporary files left in store/tmp", e2e_temps(t));
    snprintf(path, sizeof path, "%s/tmp/derive", t->home);
    ck_assert_msg(entries_in(path) == 0, "%ld files left in tmp/derive", entries_in(path));
    snprintf(path, sizeof path, "%s/store/objects", t->home);
    long objects = check_objects(t, db, path, 0);

    /* Every item and every verified derivative has its object (verify --all re-hashed the
     * originals; derivatives are counted against the walk). */
    long items = -1, derived = -1;
    ck_assert_int_eq(sqlite3_prepare_v2(db,
                                        "SELECT (SELECT count(*) FROM items), (SELECT count("
                                        "DISTINCT sha256) FROM derivatives WHERE sha256 IS NOT "
                                        "NULL AND sha256 NOT IN (SELECT sha256 FROM items))",
                                        -1, &st, NULL),
                     SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    items = sqlite3_column_int64(st, 0);
    derived = sqlite3_column_int64(st, 1);
    sqlite3_finalize(st);
    sqlite3_close(db);
    ck_assert_msg(objects == items + derived, "%ld objects for %ld items and %ld derivatives",
                  objects, items, derived);
    return items;
}
