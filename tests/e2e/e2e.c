/* tests/e2e/e2e.c: see e2e.h. */
#include "tests/e2e/e2e.h"

#include <dirent.h>
#include <ftw.h>
#include <openssl/evp.h>
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
