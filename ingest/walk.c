/* ingest/walk.c: recursive folder walk with symbolic-link loop detection. */
#include "ingest/walk.h"

#include "core/error.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define WALK_MAX_DEPTH 64

typedef struct walk_frame {
    dev_t dev;
    ino_t ino;
} walk_frame_t;

typedef struct walk {
    const cs_walk_ops_t *ops;
    walk_frame_t stack[WALK_MAX_DEPTH];
    int depth;
    int errors;
} walk_t;

static const char *const temp_patterns[] = {"*.part", "*.crdownload", "*.tmp", "~$*"};

int
cs_walk_is_item_name(const char *name, const char **why)
{
    if (name[0] == '.') {
        *why = "hidden file";
        return 0;
    }
    for (size_t i = 0; i < sizeof temp_patterns / sizeof temp_patterns[0]; i++) {
        if (fnmatch(temp_patterns[i], name, 0) == 0) {
            *why = "temporary name; rename it when it is complete";
            return 0;
        }
    }
    return 1;
}

static void
walk_error(walk_t *w, const char *path, int e, const char *what)
{
    int rc = cs_err_from_errno(e);
    if (e == ELOOP)
        cs_diag_set("%s: symbolic link loop; skipped", path);
    else
        cs_diag_set("%s: %s: %s", path, what, strerror(e));
    w->errors++;
    w->ops->skip(path, rc, cs_diag(), w->ops->arg);
}

static int walk_path(walk_t *w, const char *path, int named);

static int
walk_dir(walk_t *w, const char *path, const struct stat *st)
{
    for (int i = 0; i < w->depth; i++) {
        if (w->stack[i].dev == st->st_dev && w->stack[i].ino == st->st_ino) {
            cs_diag_set("%s: symbolic link loop (leads back to a folder above it); skipped", path);
            w->errors++;
            w->ops->skip(path, CS_ELOOP, cs_diag(), w->ops->arg);
            return 0;
        }
    }
    if (w->depth == WALK_MAX_DEPTH) {
        cs_diag_set("%s: folders nested deeper than %d; skipped", path, WALK_MAX_DEPTH);
        w->errors++;
        w->ops->skip(path, CS_ENAMETOOLONG, cs_diag(), w->ops->arg);
        return 0;
    }
    struct dirent **names = NULL;
    int n = scandir(path, &names, NULL, alphasort);
    if (n < 0) {
        walk_error(w, path, errno, "cannot read folder");
        return 0;
    }
    w->stack[w->depth].dev = st->st_dev;
    w->stack[w->depth].ino = st->st_ino;
    w->depth++;
    int rc = 0;
    char child[PATH_MAX];
    for (int i = 0; i < n; i++) {
        const char *name = names[i]->d_name;
        const char *why = NULL;
        if (rc != 0 || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
            continue;
        if ((size_t)snprintf(child, sizeof child, "%s/%s", path, name) >= sizeof child) {
            walk_error(w, path, ENAMETOOLONG, "name too long");
            continue;
        }
        if (!cs_walk_is_item_name(name, &why)) {
            w->ops->skip(child, 0, why, w->ops->arg);
            continue;
        }
        rc = walk_path(w, child, 0);
    }
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
    w->depth--;
    return rc;
}

static int
walk_path(walk_t *w, const char *path, int named)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        walk_error(w, path, errno, named ? "cannot read" : "cannot read (vanished?)");
        return 0;
    }
    if (S_ISDIR(st.st_mode))
        return walk_dir(w, path, &st);
    if (!S_ISREG(st.st_mode)) {
        cs_diag_set("%s: not a regular file (a device, socket or pipe); skipped", path);
        w->errors++;
        w->ops->skip(path, CS_ENOTREG, cs_diag(), w->ops->arg);
        return 0;
    }
    return w->ops->file(path, w->ops->arg);
}

int
cs_walk(const char *path, const cs_walk_ops_t *ops)
{
    walk_t w = {.ops = ops};
    int rc = walk_path(&w, path, 1);
    return rc != 0 ? rc : w.errors;
}
