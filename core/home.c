/* core/home.c: home folder paths. */
#include "core/home.h"

#include "core/error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int
join(char *buf, size_t len, const char *root, const char *name)
{
    if ((size_t)snprintf(buf, len, "%s/%s", root, name) >= len) {
        cs_diag_set("home path \"%s\" is too long", root);
        return CS_ENAMETOOLONG;
    }
    return 0;
}

int
cs_home_resolve(cs_home_t *home, const char *dir)
{
    int rc;
    memset(home, 0, sizeof *home);
    if (dir == NULL || *dir == '\0')
        dir = getenv("CUSTODY_HOME");
    if (dir == NULL || *dir == '\0')
        dir = "./var";
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    if (n >= sizeof home->root) {
        cs_diag_set("home path \"%s\" is too long", dir);
        return CS_ENAMETOOLONG;
    }
    memcpy(home->root, dir, n);
    home->root[n] = '\0';
    if ((rc = join(home->conf, sizeof home->conf, home->root, "custody.conf")) != 0 ||
        (rc = join(home->catalog, sizeof home->catalog, home->root, "catalog.db")) != 0 ||
        (rc = join(home->store, sizeof home->store, home->root, "store")) != 0 ||
        (rc = join(home->uploads, sizeof home->uploads, home->root, "uploads")) != 0 ||
        (rc = join(home->key, sizeof home->key, home->root, "ledger.key")) != 0 ||
        (rc = join(home->pub, sizeof home->pub, home->root, "ledger.pub")) != 0)
        return rc;
    /* A packaged install keeps its config with the system's (/etc/custody/custody.conf). */
    const char *conf = getenv("CUSTODY_CONFIG");
    if (conf != NULL && *conf != '\0')
        return cs_home_set_conf(home, conf);
    return 0;
}

int
cs_home_set_conf(cs_home_t *home, const char *path)
{
    if ((size_t)snprintf(home->conf, sizeof home->conf, "%s", path) >= sizeof home->conf) {
        cs_diag_set("config path \"%.200s...\" is too long", path);
        return CS_ENAMETOOLONG;
    }
    return 0;
}

int
cs_home_mkdir(const char *path, int mode, int *created)
{
    struct stat st;
    *created = 0;
    if (mkdir(path, (mode_t)mode) == 0) {
        *created = 1;
        return 0;
    }
    int e = errno;
    if (e == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return 0;
    if (e == EEXIST) {
        cs_diag_set("%s exists and is not a folder; move it away or choose another home", path);
        return CS_ENOTDIR;
    }
    cs_diag_set("cannot make folder %s: %s", path, strerror(e));
    return cs_err_from_errno(e);
}

int
cs_home_mkdir_parents(const char *path, int mode)
{
    char buf[PATH_MAX];
    int rc, made;
    if ((size_t)snprintf(buf, sizeof buf, "%s", path) >= sizeof buf) {
        cs_diag_set("path \"%.200s...\" is too long", path);
        return CS_ENAMETOOLONG;
    }
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        rc = cs_home_mkdir(buf, mode, &made);
        *p = '/';
        if (rc != 0)
            return rc;
    }
    return 0;
}
