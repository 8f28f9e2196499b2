/* export/bag_int.h: what export and bag verification share: hashing files while copying
 * them with one fixed buffer, and walking a folder. Not a public header. */
#ifndef CS_EXPORT_BAG_INT_H
#define CS_EXPORT_BAG_INT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#define CS_BAG_BUF (256 * 1024) /* bytes per read in copies and hashes */

/** Copies the open file `in` (from its start) to the new file `dst` (0644, must not exist),
 * hashing the bytes; hex gets the SHA-256, *size the bytes. The copy is not fsynced here. */
int cs_bag_copy_fd(int in, const char *dst, char hex[65], uint64_t *size);

/** Hashes the file at `path`: hex gets its SHA-256, *size its bytes. */
int cs_bag_hash_file(const char *path, char hex[65], uint64_t *size);

/** Writes all n bytes to fd (retrying short writes and EINTR); `path` names it in the
 * error detail. 0 or a CS_E* code. */
int cs_bag_write_all(int fd, const void *p, size_t n, const char *path);

/** Writes len bytes to the new file `path` (0644, must not exist). */
int cs_bag_write_file(const char *path, const void *data, size_t len);

/** Calls fn(arg, rel, st) for every entry under root/rel (rel "" for root itself excluded),
 * folders before what they hold, without following links; rel is "a/b/c". Stops at fn's
 * first non-zero return. */
int cs_bag_walk(const char *root, const char *rel,
                int (*fn)(void *arg, const char *rel, const struct stat *st), void *arg);

/** Removes the folder tree at path (best effort; for cleaning up a partial bag). */
void cs_bag_rmrf(const char *path);

#endif
