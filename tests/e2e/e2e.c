/* tests/e2e/e2e.c: see e2e.h. */
#include "tests/e2e/e2e.h"

#include <dirent.h>
#include <ftw.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void
e2e_setup(e2e_t *t)
{
    cs_run_t r;
    t->dir = cs_test_tmpdir();
    snprintf(t->home, sizeof t->home, "%s/home", t->dir);
    snprintf(t->db, sizeof t->db, "%s/catalog.db", t->home);
    cs_test_custody(&r, "init", "--home", t->home, NULL);
    ck_assert_msg(r.status == 0, "init: %s", r.err);
    cs_test_run_free(&r);
    const char *env = getenv("CUSTODY_TEST_S3_ENV");
    if (env != NULL && *env != '\0')
        e2e_s3_configure(t, env, 1, "s3");
}

void
e2e_setup_local(e2e_t *t)
{
    char *s3 = getenv("CUSTODY_TEST_S3_ENV") ? strdup(getenv("CUSTODY_TEST_S3_ENV")) : NULL;
    unsetenv("CUSTODY_TEST_S3_ENV");
    e2e_setup(t);
    if (s3 != NULL)
        setenv("CUSTODY_TEST_S3_ENV", s3, 1);
    free(s3);
}

int
e2e_s3_env(const char *env, const char *key, char *buf, size_t size)
{
    FILE *f = fopen(env, "r");
    char line[1024];
    size_t n = strlen(key);
    int rc = -1;
    if (f == NULL)
        return -1;
    while (rc != 0 && fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, key, n) != 0 || line[n] != '=')
            continue;
        line[strcspn(line, "\r\n")] = '\0';
        const char *v = line + n + 1;
        size_t vl = strlen(v);
        if (vl >= 2 && (v[0] == '"' || v[0] == '\'') && v[vl - 1] == v[0]) { /* quoted */
            v++;
            vl -= 2;
        }
        snprintf(buf, size, "%.*s", (int)vl, v);
        rc = 0;
    }
    fclose(f);
    return rc;
}

void
e2e_s3_configure(e2e_t *t, const char *env, int retain_days, const char *backend)
{
    char endpoint[256], access[256], secret[256], region[64], cred[PATH_MAX], conf[PATH_MAX];
    unsigned char rnd[6];
    ck_assert_msg(e2e_s3_env(env, "S3_ENDPOINT", endpoint, sizeof endpoint) == 0 &&
                      e2e_s3_env(env, "S3_ACCESS_KEY", access, sizeof access) == 0 &&
                      e2e_s3_env(env, "S3_SECRET_KEY", secret, sizeof secret) == 0,
                  "the gateway's env file %s lacks S3_ENDPOINT, S3_ACCESS_KEY or S3_SECRET_KEY",
                  env);
    if (e2e_s3_env(env, "S3_REGION", region, sizeof region) != 0)
        snprintf(region, sizeof region, "default");
    snprintf(cred, sizeof cred, "%s/s3.credentials", t->dir);
    FILE *f = fopen(cred, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "access_key = %s\nsecret_key = %s\n", access, secret);
    fclose(f);
    ck_assert_int_eq(chmod(cred, 0600), 0);
    ck_assert_int_eq(RAND_bytes(rnd, sizeof rnd), 1);
    snprintf(t->bucket, sizeof t->bucket, "t%02x%02x%02x%02x%02x%02x", rnd[0], rnd[1], rnd[2],
             rnd[3], rnd[4], rnd[5]);
    snprintf(conf, sizeof conf, "%s/custody.conf", t->home);
    f = fopen(conf, "a");
    ck_assert_ptr_nonnull(f);
    fprintf(f,
            "\n[store]\nbackend = %s\ns3_endpoint = %s\ns3_bucket = %s\ns3_region = %s\n"
            "s3_credentials = %s\ns3_object_lock = compliance\ns3_retain_days = %d\n"
            "s3_part_mb = 5\ns3_timeout_s = 20\n",
            backend, endpoint, t->bucket, region, cred, retain_days);
    fclose(f);
}

void
e2e_teardown(e2e_t *t)
{
    cs_test_rmrf(t->dir);
    free(t->dir);
    t->dir = NULL;
}

const char *
e2e_file(e2e_t *t, char buf[PATH_MAX], const char *rel, const char *content)
{
    snprintf(buf, PATH_MAX, "%s/%s", t->dir, rel);
    char parent[PATH_MAX];
    snprintf(parent, sizeof parent, "%s", buf);
    for (char *p = parent + strlen(t->dir) + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(parent, 0755);
            *p = '/';
        }
    cs_test_write(buf, content, strlen(content));
    return buf;
}

static long count_files;

static int
count_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)path;
    (void)st;
    (void)ftw;
    if (flag == FTW_F)
        count_files++;
    return 0;
}

static long
count_under(const char *home, const char *rel)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", home, rel);
    count_files = 0;
    nftw(path, count_one, 16, FTW_PHYS);
    return count_files;
}

long
e2e_objects(e2e_t *t)
{
    return count_under(t->home, "store/objects");
}

long
e2e_temps(e2e_t *t)
{
    return count_under(t->home, "store/tmp");
}

json_t *
e2e_json(const cs_run_t *r)
{
    json_error_t err;
    json_t *v = json_loads(r->out, 0, &err);
    ck_assert_msg(v != NULL, "not JSON (%s): %s", err.text, r->out);
    return v;
}

void
e2e_sha256(const char *s, char out[65])
{
    unsigned char md[32];
    unsigned int len = 0;
    EVP_Digest(s, strlen(s), md, &len, EVP_sha256(), NULL);
    for (unsigned i = 0; i < len; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

char *
e2e_ingest_one(e2e_t *t, const char *path)
{
    cs_run_t r;
    cs_test_custody(&r, "ingest", "--home", t->home, "--case", CASE_A, "--json", path, NULL);
    ck_assert_msg(r.status == 0, "ingest: %s", r.err);
    json_t *line = e2e_json(&r);
    const char *sha = json_string_value(json_object_get(line, "sha256"));
    char *out = strdup(sha ? sha : "");
    json_decref(line);
    cs_test_run_free(&r);
    return out;
}

json_t *
e2e_show(e2e_t *t, const char *sha)
{
    cs_run_t r;
    cs_test_custody(&r, "show", "--purpose", "e2e check", "--home", t->home, "--json", sha, NULL);
    ck_assert_msg(r.status == 0, "show: %s", r.err);
    json_t *v = e2e_json(&r);
    cs_test_run_free(&r);
    return v;
}
