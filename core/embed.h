/* core/embed.h: files built into the binary as C tables by cmake/embed.cmake: path,
 * Content-Type by extension, bytes, length and ETag (the quoted hex SHA-256 of the bytes).
 * The web interface (api/assets.h) and data/ (cs_data_files: the shipped holiday calendar)
 * are built in this way. */
#ifndef CS_CORE_EMBED_H
#define CS_CORE_EMBED_H

#include <stddef.h>

typedef struct cs_embed_file {
    const char *path;          /* under its folder, '/'-separated: "holidays-cn.txt" */
    const char *type;          /* Content-Type */
    const unsigned char *data; /* the bytes, static, followed by a NUL */
    size_t len;
    const char *etag; /* "\"<64 hex>\"" */
} cs_embed_file_t;

/* data/, in path order; cs_data_files_count entries. */
extern const cs_embed_file_t cs_data_files[];
extern const size_t cs_data_files_count;

/** The file `path` of `table` (`count` entries), or NULL. */
const cs_embed_file_t *cs_embed_find(const cs_embed_file_t *table, size_t count, const char *path);

#endif
