/* ingest/walk.h: turning the paths a clerk names into the files to ingest. */
#ifndef CS_INGEST_WALK_H
#define CS_INGEST_WALK_H

typedef struct cs_walk_ops {
    /** Called for each regular file, in name order; a non-zero return stops the walk. */
    int (*file)(const char *path, void *arg);
    /** Called for each path that cannot be walked (rc a CS_E* code, cs_diag() says why) or
     * is skipped on purpose (rc 0, `why` says why). The walk goes on. */
    void (*skip)(const char *path, int rc, const char *why, void *arg);
    void *arg;
} cs_walk_ops_t;

/** 1 if a file with this base name is an item to ingest; 0 for hidden files and temporary
 * names (*.part, *.crdownload, *.tmp, ~$*), with *why set to the reason. */
int cs_walk_is_item_name(const char *name, const char **why);

/** Walks `path`: a file is passed as it is (whatever its name: the clerk named it); a folder
 * is walked recursively, following symbolic links but never round a loop, skipping hidden
 * and temporary names. Returns the number of paths passed to ops->skip with an error, or
 * the first non-zero return of ops->file. */
int cs_walk(const char *path, const cs_walk_ops_t *ops);

#endif
