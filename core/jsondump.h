/* core/jsondump.h: a JSON value as compact text, byte for byte what jansson's
 * json_dumps(v, JSON_COMPACT) writes, made several times faster: no loop check (a hashtable
 * insert per object and array), one growing buffer instead of a callback per token. For
 * records written in great numbers (custody probe's, by the media worker). */
#ifndef CS_CORE_JSONDUMP_H
#define CS_CORE_JSONDUMP_H

#include <jansson.h>
#include <stddef.h>

#define CS_JSONDUMP_DEPTH 256 /* deeper values are refused (jansson's loader stops at 2048) */

/** The text of v (NUL-terminated; its length in *len when len is not NULL), to free(); NULL
 * when out of memory, nested deeper than CS_JSONDUMP_DEPTH, or a string is not valid UTF-8
 * (where json_dumps gives NULL as well). */
char *cs_json_dump_compact(const json_t *v, size_t *len);

/** cs_json_dump_compact with every object's keys sorted: json_dumps(v, JSON_COMPACT |
 * JSON_SORT_KEYS), byte for byte (a ledger entry's text, written once per ledgered read). */
char *cs_json_dump_sorted(const json_t *v, size_t *len);

#endif
