/* ingest/scan.h: one pass over the upload roots: their folders (to watch) and the files in
 * them that may be items. Runs on the thread pool: it touches the disk. */
#ifndef CS_INGEST_SCAN_H
#define CS_INGEST_SCAN_H

#include <stddef.h>
#include <sys/stat.h>

#define CS_SCAN_MAX_DEPTH 32

typedef struct cs_scan_file {
    int root;  /* index into the roots */
    char *rel; /* path under the root */
    struct stat st;
    int done; /* a <file>.done marker is beside it */
} cs_scan_file_t;

typedef struct cs_scan {
    char **dirs; /* absolute paths of every folder, roots included */
    size_t ndirs, dirs_cap;
    cs_scan_file_t *files;
    size_t nfiles, files_cap;
    cs_scan_file_t *refused; /* symbolic links, FIFOs, devices, sockets: never items */
    size_t nrefused, refused_cap;
    int errors; /* folders that could not be read */
} cs_scan_t;

/** Walks every root. Lists regular files in `files`; symbolic links (an upload folder must
 * not reach outside itself), FIFOs, devices and sockets in `refused`, without following or
 * opening them. Skips hidden and temporary names, sidecars, `.done` markers (recorded on
 * their file instead) and each root's `_rejected/` folder. CS_ENOMEM only; unreadable folders
 * are counted. */
int cs_scan_roots(const char *const *roots, size_t nroots, cs_scan_t *out);

/** Why an upload of this file type (st_mode) is refused, "is a symbolic link; ...": a phrase
 * to follow its path, saying what to do; NULL for a regular file or a folder. */
const char *cs_scan_refusal(mode_t mode);

/** Frees what a scan holds and zeroes it. */
void cs_scan_free(cs_scan_t *scan);

#endif
