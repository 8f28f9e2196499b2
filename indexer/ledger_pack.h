/* indexer/ledger_pack.h: the ledger's entries kept compressed (issue 24, part 5). Private to
 * indexer/. A row of `ledger` is plain (z NULL: `entry` is the entry's bytes) or compressed
 * (entry '', `dict` the id of a row of ledger_dicts, `z` a zstd frame of the entry's exact
 * bytes made with that dictionary). The leaf is the hash of the entry's bytes either way.
 * Every reader of entries goes through cs_cat_ledger_text (C) or the SQL function
 * cs_ledger_entry (CS_LEDGER_TEXT), which calls it. */
#ifndef CS_INDEXER_LEDGER_PACK_H
#define CS_INDEXER_LEDGER_PACK_H

#include "indexer/catalog.h"

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

/* The three columns every entry is read from, in this order (cs_cat_ledger_text). */
#define CS_LEDGER_COLS "entry, dict, z"
/* An entry's text in SQL, for JSON tests on it (entry ->> '$.kind' misses compressed rows). */
#define CS_LEDGER_TEXT "cs_ledger_entry(entry, dict, z)"

/* Entries the ledger holds before a dictionary is trained from its latest ones (fewer are
 * too few to learn from; the first ones stay plain). */
#define CS_LEDGER_DICT_AFTER 8192

struct cs_ledger_pack;

/** Frees a connection's dictionaries and buffers (NULL is fine). */
void cs_cat_ledger_pack_free(struct cs_ledger_pack *p);

/** The entry's exact bytes from columns col (entry), col + 1 (dict) and col + 2 (z) of the
 * current row of st, row `seq` (for details): *text is the column's own text for a plain row,
 * else a buffer of the connection's, NUL-terminated, valid until the next call. CS_ECORRUPT
 * with a detail when a frame does not decompress or its dictionary is missing. */
int cs_cat_ledger_text(cs_catalog_t *cat, sqlite3_stmt *st, int col, int64_t seq, const char **text,
                       size_t *len);

/** How entry `seq` (text, len) is to be stored: *dict 0 keeps it plain; else *z (*zlen
 * bytes, the connection's buffer until the next call) decompresses to exactly text. Looks
 * for a committed dictionary once the ledger has reached the threshold (then every 1024
 * appends while there is none) and asks for one to be trained after the commit. */
int cs_cat_ledger_pack(cs_catalog_t *cat, int64_t seq, const char *text, size_t len, int64_t *dict,
                       const void **z, size_t *zlen, const char *what);

/** Called after every outermost commit (catalog.c): when an append saw the threshold passed
 * with no dictionary, trains one from the latest entries in a transaction of its own (about a
 * second, once per catalog). Its failure leaves entries plain, to be tried again later. */
void cs_cat_ledger_after_commit(cs_catalog_t *cat);

/** The SQL function cs_ledger_entry(entry, dict, z): the entry's text (CS_LEDGER_TEXT). */
void cs_cat_sql_ledger_entry(sqlite3_context *ctx, int argc, sqlite3_value **argv);

#endif
