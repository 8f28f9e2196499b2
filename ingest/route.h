/* ingest/route.h: which case, officer and party a dropped file belongs to, from its place under
 * an upload root and from an optional sidecar `<file>.json` beside it.
 *
 * Path: `<root>/<case>/<officer>/<deeper folders...>/<file>` or `<root>/<case>/<file>`. The
 * first folder is parsed with cs_casenum_parse (bracket variants normalise); the second is the
 * officer or clerk id only when a file name follows it; deeper folders are the clerk's own
 * order and do not route. A file directly in the root, or under a folder that is not a case
 * number, is kept as unassigned (case "") with a `problem` saying why and what to do.
 *
 * Sidecar: a JSON object (UTF-8, a leading BOM tolerated, at most CS_ROUTE_SIDECAR_MAX
 * bytes, no duplicate keys) whose optional string fields override and enrich the path:
 *   case            a case number; overrides the folder's
 *   officer         1..127 bytes; overrides the folder's
 *   party           the enforcement subject, 1..255 bytes
 *   place           1..255 bytes
 *   recorded_at     RFC 3339 with seconds and an offset, e.g. 2023-05-04T14:30:00+08:00
 *                   (upper-case T and Z only; no leap second 60; at most 9 fraction digits;
 *                   -00:00, "local offset unknown", is taken); stored as given
 *   stage           the stage of the case (DESIGN.md) the record belongs to, given by its
 *                   key or its Chinese name and stored as the key:
 *                     filing         start of the case (立案)
 *                     investigation  investigation and evidence (调查取证)
 *                     decision       review and decision (审核决定, or 审查决定)
 *                     service        service and enforcement (送达执行)
 *   classification  public | internal | privacy (personal privacy) | commercial_secret |
 *                   state_secret
 *   note            1..2047 bytes; the only field that may hold newlines (LF or CR LF) and tabs
 * The sidecar is read only as a file of its own: a symbolic link (not followed) or a file
 * with more than one link is refused, and no problem quotes what a file that is not JSON
 * holds (only the line and column). Every text is valid UTF-8 without control characters. An
 * unknown key is reported, so that a typo ("cse") is never silently ignored; so is an empty value
 * (remove the key instead). Values are compared exactly: "Filing" is not a stage.
 * Field by field: a bad field (unknown key, wrong type, bad value) is left out and named in the
 * problem, and the good fields beside it are applied. A bad "case" leaves the file to its
 * folder's case (or unassigned when the folder is none), and the problem says so.
 */
#ifndef CS_INGEST_ROUTE_H
#define CS_INGEST_ROUTE_H

#include "core/casenum.h"
#include "core/reason.h"

#include <jansson.h>
#include <stdarg.h>
#include <stddef.h>

#define CS_ROUTE_SIDECAR_MAX (64 * 1024) /* bytes; a larger sidecar is refused */

typedef struct cs_route {
    char case_number[CS_CASENUM_MAX]; /* normalised; "" = unassigned */
    char officer[128];
    char party[256];
    char place[256];
    char recorded_at[64];
    char stage[32];
    char classification[32];
    char note[2048];
    int has_sidecar;    /* 1 when a sidecar was read and its good fields applied */
    int sidecar_faults; /* fields of the sidecar left out as bad (named in problem) */
    char problem[1024]; /* "" or why the file is unassigned, why a folder was not used, or what
                           was wrong with the sidecar: one line a clerk can act on */
    cs_reason_code_t problem_code; /* with a problem: its code (core/reason.h), the sidecar's
                                      first when both it and a folder have one */
    char problem_params[512];      /* its params as JSON text: folder, sidecar, faults, also
                                      (the folder's code beside a sidecar's); "" for none */
} cs_route_t;

/** Routes the file at `rel_path` (relative to its upload root: non-empty components joined by
 * single '/', none "." or "..") with the sidecar at `sidecar_path` (NULL or a path that need
 * not exist: missing means no sidecar). Always fills *out from the path first. Returns:
 * - 0: routed; out->case_number may be "" (unassigned) with out->problem saying why; a sidecar
 *   that was read has has_sidecar=1, and a case or officer it gives makes good the problem
 *   of a folder that was not one. A sidecar field that is unknown, of the wrong type or has a
 *   bad value is left out (sidecar_faults counts them) while the good ones are applied; the
 *   problem then starts "sidecar <name>: " and names each bad field and what to do;
 * - CS_ESIDECAR: the sidecar is unreadable, too big, not UTF-8, not JSON or not an object;
 *   *out keeps the path's routing only (has_sidecar=0, nothing of the sidecar applied) and
 *   out->problem and cs_diag() both name the sidecar and what to do, then any path problem;
 * - CS_EINVAL (NULL argument, malformed rel_path), CS_ENAMETOOLONG (a component longer than a
 *   file name can be), CS_ENOMEM; cs_diag() says why.
 * A problem text is shortened with "..." if it cannot fit; routed values are never cut.
 * Thread-safe: no shared state, and cs_diag() is per thread. */
int cs_route_file(const cs_casenum_rule_t *rule, const char *rel_path, const char *sidecar_path,
                  cs_route_t *out);

/** 1 if the base name `name` is a sidecar name: it ends in ".json" (lower case, as the router
 * looks for "<file>.json") after a non-empty base. Decided by the name alone: "x.json" is the
 * sidecar of a file named "x", so a JSON document is never ingested as an item under its own
 * name; a caller that finds no "x" reports an orphan sidecar. "x.JSON" is not a sidecar name
 * (it would never be read as one), so it is ingested as an item. */
int cs_route_is_sidecar(const char *name);

/** 1 if the base name `name` is a done marker "<target>.done" with a non-empty target, and
 * copies the target's name into target[len] (target may be NULL to ask only); 0 if it is not;
 * CS_ENAMETOOLONG (target set to "") if the target does not fit: test for == 1. */
int cs_route_done_marker(const char *name, char *target, size_t len);

/** Returns a new JSON object with the route's non-empty fields under the sidecar's key names
 * ("case", "officer", "party", "place", "recorded_at", "stage", "classification", "note"),
 * plus "sidecar": true when one was applied and "problem", "problem_code" and "problem_params"
 * (an object) when there is one. The caller owns
 * it (json_decref). NULL if r is NULL, out of memory, or a field is not valid UTF-8. */
json_t *cs_route_json(const cs_route_t *r);

/* Internal to ingest/route.c and ingest/sidecar.c; no other caller. */

/** Checks s[0..n): 1..max-1 bytes of valid UTF-8 without control characters (with
 * `multiline`, LF, CR LF and tab are allowed). Returns 0, or one of the CS_ROUTE__TEXT_* kinds
 * with the reason (no advice) in why[why_len]. */
enum {
    CS_ROUTE__TEXT_EMPTY = -1,
    CS_ROUTE__TEXT_LONG = -2,
    CS_ROUTE__TEXT_UTF8 = -3,
    CS_ROUTE__TEXT_CONTROL = -4,
};
int cs_route__check_text(const char *s, size_t n, size_t max, int multiline, char *why,
                         size_t why_len);

/** Formats a message into dst[cap]; one that does not fit ends in "..." (cut between
 * characters, so valid UTF-8 stays valid). */
void cs_route__vmessage(char *dst, size_t cap, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/** cs_route__vmessage with arguments. */
void cs_route__message(char *dst, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/** Copies the reason of the last cs_casenum_parse failure (cs_diag() without its leading
 * `case number "<input>"`) into dst[cap]. */
void cs_route__casenum_why(char *dst, size_t cap);

/** Reads the sidecar at `path` and applies its good fields to *route. 0: read (has_sidecar=1;
 * route->problem names any bad field); 1: there is no sidecar; CS_ESIDECAR: unreadable or not
 * a JSON object, *route unchanged but for route->problem, which and cs_diag() say why;
 * CS_ENOMEM. */
int cs_route__apply_sidecar(const cs_casenum_rule_t *rule, const char *path, cs_route_t *route);

#endif
