/* core/embed.c: looking up a built-in file (embed.h). */
#include "core/embed.h"

#include <string.h>

const cs_embed_file_t *
cs_embed_find(const cs_embed_file_t *table, size_t count, const char *path)
{
    for (size_t i = 0; i < count; i++)
        if (table[i].path != NULL && strcmp(table[i].path, path) == 0)
            return &table[i];
    return NULL;
}
