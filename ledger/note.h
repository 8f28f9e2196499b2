/* ledger/note.h: signed checkpoints of the retrieval ledger.
 *
 * A checkpoint body (the transparency-dev checkpoint format,
 * github.com/transparency-dev/formats/log) is exactly four lines, each ending in "\n":
 *
 *     <origin>                    non-empty UTF-8 without control characters
 *     <tree size>                 decimal, no sign, no leading zero (except "0")
 *     <root hash>                 standard base64, with padding, of the 32-byte RFC 6962 root
 *     time <YYYY-MM-DDTHH:MM:SSZ> our one extension line: when the checkpoint was made, UTC
 *
 * e.g. "custody.example/ledger\n42\n<44 base64 characters>\ntime 2026-11-27T07:30:00Z\n".
 *
 * It is signed as a note (golang.org/x/mod/sumdb/note, c2sp.org/signed-note): the body, a
 * blank line, then one line per signature "— <key name> <base64(key hash || signature)>\n"
 * ("—" is U+2014). The key hash is the first 4 bytes (big-endian) of SHA-256(<key name> ||
 * "\n" || 0x01 || 32-byte Ed25519 public key) and the Ed25519 signature covers the body bytes
 * exactly, final newline included. Go's note.Open verifies our notes with the key string that
 * cs_note_vkey writes, and we verify Go's.
 */
#ifndef CS_LEDGER_NOTE_H
#define CS_LEDGER_NOTE_H

#include <stddef.h>
#include <stdint.h>

#define CS_CHECKPOINT_TIME_MAX 21 /* "2026-11-27T07:30:00Z" and a NUL */

/** Signs `body` (UTF-8 ending in "\n", no control characters but newlines) with the Ed25519
 * PKCS#8 PEM private key at key_path (as cs_ledger_key_create writes it) under the key name
 * `name` (non-empty UTF-8, no spaces, no '+'). *out gets the malloc'd note: body, blank line,
 * one signature line. Returns 0; CS_EINVAL for a bad name or body; errno codes or CS_ECRYPTO
 * (not an unencrypted Ed25519 key) for the key file. */
int cs_note_sign(const char *key_path, const char *name, const char *body, char **out);

/** Checks that `note` carries a valid signature by the key named `name` whose public key is the
 * PEM at pub_path, and on success sets *body (if body is not NULL) to a malloc'd copy of the
 * signed text. Signature lines of other keys are skipped, as Go's note.Open does. Returns 0;
 * CS_EMISMATCH when no line is signed by that key or its signature is wrong; CS_EINVAL when
 * the note is malformed (not UTF-8, control characters, no blank line, no signature lines, a
 * line not "— name base64", bad base64, more than 100 signatures). */
int cs_note_verify(const char *pub_path, const char *name, const char *note, char **body);

/** cs_note_verify with the raw 32-byte Ed25519 public key (e.g. carried in an exported bag). */
int cs_note_verify_raw(const uint8_t pub[32], const char *name, const char *note, char **body);

/** Sets *out to the malloc'd verifier key of Go's note package for the PEM public key at
 * pub_path: "<name>+<8 hex digits of key hash>+<base64(0x01 || raw public key)>". */
int cs_note_vkey(const char *pub_path, const char *name, char **out);

/** cs_note_vkey with the raw 32-byte Ed25519 public key. */
int cs_note_vkey_raw(const uint8_t pub[32], const char *name, char **out);

/** Reads a verifier key string back: its name (into name, name_size bytes) and raw Ed25519
 * public key, after checking the algorithm byte and that the key hash matches. CS_EINVAL for
 * a malformed key, CS_ENAMETOOLONG if the name does not fit. */
int cs_note_vkey_parse(const char *vkey, char *name, size_t name_size, uint8_t pub[32]);

/** Writes the RFC 3339 UTC time with seconds of unix time `t` ("2026-11-27T07:30:00Z").
 * CS_EINVAL for a time outside years 0000-9999. */
int cs_checkpoint_time(int64_t t, char out[CS_CHECKPOINT_TIME_MAX]);

/** Sets *body to the malloc'd checkpoint body (format above) for the tree of `size` leaves with
 * root `root`, made at time_rfc3339 ("YYYY-MM-DDTHH:MM:SSZ"). CS_EINVAL for an empty origin or
 * one with control characters or bad UTF-8, or a time not of that exact form. */
int cs_checkpoint_format(const char *origin, uint64_t size, const uint8_t root[32],
                         const char *time_rfc3339, char **body);

/** Parses a checkpoint body of exactly the format above into origin (origin_size bytes), size,
 * root and time_rfc3339 (time_size bytes); any output may be NULL. Returns 0; CS_EINVAL with
 * a detail naming the line for anything else (missing or extra lines, a leading zero, a size
 * beyond 2^64-1, base64 that is not of 32 bytes, another extension line); CS_ENAMETOOLONG
 * when the origin or time does not fit its buffer. */
int cs_checkpoint_parse(const char *body, char *origin, size_t origin_size, uint64_t *size,
                        uint8_t root[32], char *time_rfc3339, size_t time_size);

#endif
