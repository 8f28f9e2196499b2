/* core/reason.h: the stable codes of the reasons Custody stores (a job's, a rejection's, a
 * copy's, a route's problem) and the reason as written: code, parameters and the English
 * sentence. The catalog keeps all three (schema v11: reason, reason_code, reason_params); the
 * CLI and the log print the sentence, the web interface words the code with its parameters
 * in the reader's language (web/js/format.js reasonWords, keys rcode.<code>). A code never
 * changes meaning once shipped; a new kind of reason gets a new code.
 */
#ifndef CS_CORE_REASON_H
#define CS_CORE_REASON_H

#include <jansson.h>
#include <stdarg.h>
#include <stddef.h>

/* X(name, slug): one line per code, what it means and its parameters. */
#define CS_REASON_CODES(X)                                                                         \
    /* metadata extraction failed; params: "cause" (a worker code below) and its params */         \
    X(EXTRACT, "extract")                                                                          \
    /* transcoding (the copies) failed as a whole; params as "extract" */                          \
    X(TRANSCODE, "transcode")                                                                      \
    /* the copy the worker wrote cannot be opened to be stored; params: profile */                 \
    X(COPY_UNOPENABLE, "copy-unopenable")                                                          \
    /* the copy could not be stored in the object store; params: profile */                        \
    X(COPY_UNSTORED, "copy-unstored")                                                              \
    /* the worker made the copy and it failed its check (the worker's words); params: profile */   \
    X(COPY_FAILED, "copy-failed")                                                                  \
    /* the worker gave no copy of this profile and no reason; params: profile */                   \
    X(NO_COPY, "no-copy")                                                                          \
    /* worker causes: the worker process exited; params: status, tries */                          \
    X(WORKER_EXIT, "worker-exit")                                                                  \
    /* the worker process was killed by a signal; params: signal, name ("SIGSEGV"), tries */       \
    X(WORKER_SIGNAL, "worker-signal")                                                              \
    /* the worker was silent longer than its timeout; params: ms, tries */                         \
    X(TIMEOUT, "timeout")                                                                          \
    /* the request could not be written to the worker; params: tries */                            \
    X(WORKER_WRITE, "worker-write")                                                                \
    /* the worker answered out of turn, not in JSON or too long a line; params: tries */           \
    X(WORKER_PROTOCOL, "worker-protocol")                                                          \
    /* no worker could take the request (none started, the queue refused it) */                    \
    X(WORKER_UNAVAILABLE, "worker-unavailable")                                                    \
    /* the worker answered that the media step failed, in its own words (the sentence) */          \
    X(MEDIA_ERROR, "media-error")                                                                  \
    /* a file at ingest changed (or was open for writing) and settles again; params: path */       \
    X(SETTLING, "settling")                                                                        \
    /* a named file was still being written (custody ingest); params: path */                      \
    X(CHANGING, "changing")                                                                        \
    /* a file kept changing under every claim and was rejected; params: path, tries */             \
    X(KEPT_CHANGING, "kept-changing")                                                              \
    /* a claim was interrupted; the file is claimed again; params: path */                         \
    X(CLAIMED_AGAIN, "claimed-again")                                                              \
    /* the file went away before it was stored; params: path */                                    \
    X(VANISHED, "vanished")                                                                        \
    /* the file has 0 bytes; params: path */                                                       \
    X(EMPTY, "empty")                                                                              \
    /* the file cannot be read or is not a regular file; params: path */                           \
    X(UNSTORABLE, "unstorable")                                                                    \
    /* the file's path cannot be routed (bad name, too long); params: path */                      \
    X(UNROUTABLE, "unroutable")                                                                    \
    /* an upload that already is a stored object, removed again; params: path, sha256 */           \
    X(ALREADY_STORED, "already-stored")                                                            \
    /* a scan found a link, FIFO, device or socket, not a file; params: path */                    \
    X(NOT_A_FILE, "not-a-file")                                                                    \
    /* route problems: the first folder is not a case number; params: folder */                    \
    X(CASE_FOLDER, "case-folder")                                                                  \
    /* the file is directly in the upload folder, in no case folder */                             \
    X(NO_CASE_FOLDER, "no-case-folder")                                                            \
    /* the second folder is not an officer id; params: folder */                                   \
    X(OFFICER_FOLDER, "officer-folder")                                                            \
    /* the folder names are not UTF-8; the file is kept unassigned */                              \
    X(FOLDER_NOT_UTF8, "folder-not-utf8")                                                          \
    /* a sidecar field is bad; the others were applied; params: sidecar, faults (a count) */       \
    X(SIDECAR_FIELD, "sidecar-field")                                                              \
    /* the sidecar cannot be read or is no JSON object; params: sidecar */                         \
    X(SIDECAR_UNREADABLE, "sidecar-unreadable")                                                    \
    /* the content is no format Custody recognises; it is stored as it is (a flag, not a fault) */ \
    X(UNRECOGNISED, "unrecognised")                                                                \
    /* registry flags (indexer/registry.h): the folder or name names no registered officer;        \
     * params: officer (the claim), from (folder, name) */                                         \
    X(UNREGISTERED_OFFICER, "unregistered-officer")                                                \
    /* the name or metadata names no registered device; params: device, from (name, metadata) */   \
    X(UNREGISTERED_DEVICE, "unregistered-device")                                                  \
    /* the officer's certificate had expired on the capture date; params: cert, valid_to, on */    \
    X(CERT_EXPIRED, "certificate-expired")                                                         \
    /* the officer's certificate was not yet valid then; params: cert, valid_from, on */           \
    X(CERT_NOT_YET_VALID, "certificate-not-yet-valid")                                             \
    /* uploaded later than ingest.max_upload_delay_h after capture; params: hours, max_hours */    \
    X(LATE_UPLOAD, "late-upload")                                                                  \
    /* a reason stored before codes (schema v10) that no known sentence matches */                 \
    X(UNKNOWN, "unknown")

#define CS_REASON_ENUM(name, slug) CS_R_##name,
typedef enum { CS_REASON_CODES(CS_REASON_ENUM) CS_R_COUNT } cs_reason_code_t;
#undef CS_REASON_ENUM

#define CS_REASON_TEXT_MAX 640    /* the sentence, cut (text for people) */
#define CS_REASON_PARAMS_MAX 1536 /* the parameters as JSON text */

/** A reason as written: its code, the JSON text of its parameters ("" for none) and the
 * English sentence. Plain bytes, copied by value; nothing to free. */
typedef struct cs_reason {
    cs_reason_code_t code;
    char params[CS_REASON_PARAMS_MAX];
    char text[CS_REASON_TEXT_MAX];
} cs_reason_t;

/** The slug of a code ("worker-exit"); "unknown" for a value outside the list. */
const char *cs_reason_slug(cs_reason_code_t code);

/** Sets *r: code, parameters (`params` stolen, a JSON object or NULL; parameters too long
 * to keep are dropped, the sentence has them) and the sentence (cut to fit: for people). */
void cs_reason_set(cs_reason_t *r, cs_reason_code_t code, json_t *params, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/** cs_reason_set with a va_list. */
void cs_reason_vset(cs_reason_t *r, cs_reason_code_t code, json_t *params, const char *fmt,
                    va_list ap) __attribute__((format(printf, 4, 0)));

/** *r = a reason caused by `cause`: code `code`, params {"cause": cause's slug, and the
 * cause's own params}, sentence "<prefix><cause's sentence>" (prefix "transcoding failed: "). */
void cs_reason_caused(cs_reason_t *r, cs_reason_code_t code, const char *prefix,
                      const cs_reason_t *cause);

/** Adds `key` = `value` (stolen) to r's parameters (dropped when they would not fit). */
void cs_reason_param(cs_reason_t *r, const char *key, json_t *value);

/** r's parameters as a new JSON object (an empty one for none); NULL only without memory. */
json_t *cs_reason_params_json(const cs_reason_t *r);

/** r's parameters text for a catalog column: NULL when there are none. */
const char *cs_reason_params_or_null(const cs_reason_t *r);

#endif
