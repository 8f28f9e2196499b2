/* backup/backup_int.h: what backup.c and restore.c share: files written whole or not at all,
 * and the sentence that names an object. Not a public header. */
#ifndef CS_BACKUP_BACKUP_INT_H
#define CS_BACKUP_BACKUP_INT_H

#include "indexer/backup.h"

#include <stddef.h>

#define CS_BACKUP_SMALL_MAX (1u << 20) /* custody.conf, ledger.pub, ledger.key, checkpoint.txt */

/** Writes "<dir>/<name>" to buf; CS_ENAMETOOLONG (with a detail) if it does not fit. */
int cs_backup_join(char *buf, size_t size, const char *dir, const char *name);

/** Writes len bytes to `path` under a temporary name beside it, fsyncs and renames it into
 * place with `mode`; on error nothing new is left. The folder is not synced here. */
int cs_backup_write(const char *path, const void *data, size_t len, int mode);

/** Copies the small file `src` (at most CS_BACKUP_SMALL_MAX bytes) to `dst` as
 * cs_backup_write does. CS_ENOENT if src is absent; CS_ENAMETOOLONG if it is too large. */
int cs_backup_copy_small(const char *src, const char *dst, int mode);

/** fsyncs the folder at `path`. */
int cs_backup_sync_dir(const char *path);

/** Writes "object <sha256> (item <sha256>, case <cases>)" naming `o` (its profile for a copy,
 * "no case" when unassigned) to buf; cut short with "..." if it does not fit (it is a
 * message, not data). */
void cs_backup_name(const cs_catalog_object_t *o, char *buf, size_t size);

#endif
