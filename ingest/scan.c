/* ingest/scan.c: walking the upload roots. */
#include "ingest/scan.h"

#include "core/error.h"
#include "ingest/route.h"
#include "ingest/walk.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int
push_dir(cs_scan_t *s, const char *path)
{
    if (s->ndirs == s->dirs_cap) {
        size_t cap = s->dirs_cap ? s->dirs_cap * 2 : 16;
        char **d = realloc(s->dirs, cap * sizeof *d);
        if (d == NULL)
            return CS_ENOMEM;
        s->dirs = d;
        s->dirs_cap = cap;
    }
    if ((s->dirs[s->ndirs] = strdup(path)) == NULL)
        return CS_ENOMEM;
    s->ndirs++;
    return 0;
}

static int
push_file(cs_scan_file_t **files, size_t *n, size_t *cap, int root, const char *rel,
          const struct stat *st)
{
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 64;
        cs_scan_file_t *f = realloc(*files, c * sizeof *f);
        if (f == NULL)
            return CS_ENOMEM;
        *files = f;
        *cap = c;
    }
    cs_scan_file_t *f = &(*files)[*n];
    if ((f->rel = strdup(rel)) == NULL)
        return CS_ENOMEM;
    f->root = root;
    f->st = *st;
    f->done = 0;
    (*n)++;
    return 0;
}

const char *
cs_scan_refusal(mode_t mode)
{
    if (S_ISLNK(mode))
        return "is a symbolic link: upload folders take files only, and a link is neither "
               "followed nor moved; put the file itself there and remove the link";
    if (S_ISFIFO(mode))
        return "is a named pipe (FIFO), not a file: it is neither read nor moved; copy the "
               "data into a file and remove the pipe";
    if (S_ISCHR(mode) || S_ISBLK(mode))
        return "is a device, not a file: it is neither read nor moved; copy the data into a "
               "file and remove the device";
    if (S_ISSOCK(mode))
        return "is a socket, not a file: it is neither read nor moved; remove it";
    return NULL;
}

/* Marks the file a `.done` marker names, if this folder listed it. */
static void
mark_done(cs_scan_t *s, size_t first, const char *dir_rel, const char *target)
{
    char rel[PATH_MAX];
    if ((size_t)snprintf(rel, sizeof rel, "%s%s%s", dir_rel, *dir_rel ? "/" : "", target) >=
        sizeof rel)
        return;
    for (size_t i = first; i < s->nfiles; i++)
        if (strcmp(s->files[i].rel, rel) == 0)
            s->files[i].done = 1;
}

static int
scan_dir(cs_scan_t *s, int root, const char *root_path, const char *rel, int depth)
{
    char path[PATH_MAX], child_rel[PATH_MAX], target[NAME_MAX + 1];
    struct stat st;
    struct dirent *de;
    int err = 0;
    if ((size_t)snprintf(path, sizeof path, "%s%s%s", root_path, *rel ? "/" : "", rel) >=
        sizeof path)
        return 0;
    DIR *d = opendir(path);
    if (d == NULL) {
        s->errors++;
        return 0;
    }
    if ((err = push_dir(s, path)) != 0)
        goto out;
    size_t first = s->nfiles;
    /* Markers are applied after the listing: readdir order is arbitrary. */
    char **markers = NULL;
    size_t nmarkers = 0;
    while ((de = readdir(d)) != NULL) {
        const char *name = de->d_name, *why;
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
            continue;
        if (depth == 0 && strcmp(name, "_rejected") == 0)
            continue;
        if ((size_t)snprintf(child_rel, sizeof child_rel, "%s%s%s", rel, *rel ? "/" : "", name) >=
            sizeof child_rel)
            continue;
        if (cs_route_done_marker(name, target, sizeof target) == 1) {
            char **m = realloc(markers, (nmarkers + 1) * sizeof *m);
            if (m == NULL || (m[nmarkers] = strdup(target)) == NULL) {
                markers = m ? m : markers;
                err = CS_ENOMEM;
                break;
            }
            markers = m;
            nmarkers++;
            continue;
        }
        if (!cs_walk_is_item_name(name, &why) || cs_route_is_sidecar(name))
            continue;
        if (fstatat(dirfd(d), name, &st, AT_SYMLINK_NOFOLLOW) != 0)
            continue; /* vanished between readdir and stat: the next scan knows */
        if (S_ISDIR(st.st_mode)) {
            if (depth + 1 < CS_SCAN_MAX_DEPTH &&
                (err = scan_dir(s, root, root_path, child_rel, depth + 1)) != 0)
                break;
        } else if (S_ISREG(st.st_mode)) {
            if ((err = push_file(&s->files, &s->nfiles, &s->files_cap, root, child_rel, &st)) != 0)
                break;
        } else if (cs_scan_refusal(st.st_mode) != NULL) {
            if ((err = push_file(&s->refused, &s->nrefused, &s->refused_cap, root, child_rel,
                                 &st)) != 0)
                break;
        }
    }
    for (size_t i = 0; i < nmarkers; i++) {
        if (err == 0)
            mark_done(s, first, rel, markers[i]);
        free(markers[i]);
    }
    free(markers);
out:
    closedir(d);
    return err;
}

int
cs_scan_roots(const char *const *roots, size_t nroots, cs_scan_t *out)
{
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < nroots; i++) {
        int err = scan_dir(out, (int)i, roots[i], "", 0);
        if (err != 0)
            return err;
    }
    return 0;
}

void
cs_scan_free(cs_scan_t *s)
{
    for (size_t i = 0; i < s->ndirs; i++)
        free(s->dirs[i]);
    for (size_t i = 0; i < s->nfiles; i++)
        free(s->files[i].rel);
    for (size_t i = 0; i < s->nrefused; i++)
        free(s->refused[i].rel);
    free(s->dirs);
    free(s->files);
    free(s->refused);
    memset(s, 0, sizeof *s);
}
