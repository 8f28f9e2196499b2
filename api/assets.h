/* api/assets.h: the files of the web interface, built into the binary. cmake/embed.cmake
 * writes the table at build time from every file under web/ (not *.md, nor hidden files or
 * node_modules), each with its Content-Type by extension and its ETag (the quoted hex SHA-256
 * of its bytes); h_ui.c serves them at / and /ui/. */
#ifndef CS_API_ASSETS_H
#define CS_API_ASSETS_H

#include "core/embed.h"

typedef cs_embed_file_t cs_api_asset_t;

/* In path order; cs_api_assets_count entries. */
extern const cs_api_asset_t cs_api_assets[];
extern const size_t cs_api_assets_count;

#endif
