/* core/jsoncheck.h: is this text one JSON value, checked without building it. For text
 * copied through from another process (custody probe's records from a media worker): the
 * bytes are written out as they are, so they must be JSON that a parser of the output takes. */
#ifndef CS_CORE_JSONCHECK_H
#define CS_CORE_JSONCHECK_H

#include <stddef.h>

#define CS_JSONCHECK_DEPTH 64 /* arrays and objects nested deeper are refused */

/** 0 when s[0..len) is exactly one JSON object (RFC 8259, no white space around or inside
 * it; strict UTF-8; no \u0000 and no unpaired surrogate escape, which jansson refuses),
 * nested at most CS_JSONCHECK_DEPTH deep; -1 otherwise. Allocates nothing. */
int cs_json_check_object(const char *s, size_t len);

/** 0 with *seq when s[0..len) is one JSON object as cs_json_check_object says, whose numbers
 * are all plain integers of at most 18 digits (what every parser reads alike), with exactly
 * one top-level key "seq" (spelled without escapes; an escaped key anywhere at the top level
 * gives -1) whose value is such an integer: a ledger entry as Custody writes it, whose own
 * seq is then known without building it. -1 otherwise: a parser must decide. */
int cs_json_check_entry(const char *s, size_t len, long long *seq);

#endif
