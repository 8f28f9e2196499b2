/* indexer/schema.c: the catalog schema as a list of migrations. Migration N brings
 * PRAGMA user_version to N, in one transaction with its DDL: a catalog is at one version or
 * the next, never in between. Append new migrations; never edit one that has shipped. */
#include "indexer/catalog_int.h"
#include "indexer/schema_int.h"

#include "core/buf.h"
#include "core/error.h"

#include <stdio.h>

/* Times are RFC 3339 UTC text ("2026-11-27T04:12:25.123Z"), which sorts as it reads.
 * A link is active while superseded_at IS NULL. Triggers keep the history write-once: items,
 * sources and events never change or go, and a link only ever changes by being superseded. */
/* v11's one use: the code of a reason stored before codes, by its sentence (the phrases the web
 * page matched until then; core/reason.h has the codes). Nothing else reads a sentence. */
#define CODE_OF(x)                                                                                 \
    "CASE"                                                                                         \
    " WHEN " x " IS NULL THEN NULL"                                                                \
    " WHEN " x " GLOB 'transcoding failed*' THEN 'transcode'"                                      \
    " WHEN " x " GLOB 'metadata extraction failed*' THEN 'extract'"                                \
    " WHEN " x " GLOB 'the copy the worker wrote cannot be opened*' THEN"                          \
    "  'copy-unopenable'"                                                                          \
    " WHEN " x " GLOB 'the copy could not be stored*' THEN 'copy-unstored'"                        \
    " WHEN " x " = 'no copy was made' THEN 'no-copy'"                                              \
    " WHEN " x " GLOB 'sidecar *' AND (instr(" x ", 'the other fields were applied') > 0"          \
    "  OR instr(" x ", 'nothing else was in it') > 0) THEN 'sidecar-field'"                        \
    " WHEN " x " GLOB 'sidecar *' THEN 'sidecar-unreadable'"                                       \
    " WHEN instr(" x ", ' was claimed but not stored') > 0"                                        \
    "  OR " x " = 'claimed again after an interrupted ingest' THEN 'claimed-again'"                \
    " WHEN instr(" x ", 'kept changing while it was being stored') > 0 THEN 'kept-changing'"       \
    " WHEN instr(" x ", 'wait until it is fully written') > 0 THEN 'changing'"                     \
    " WHEN instr(" x ", '; it settles again') > 0 THEN 'settling'"                                 \
    " WHEN instr(" x ", ' vanished before') > 0 OR instr(" x ", ' vanished while') > 0"            \
    "  THEN 'vanished'"                                                                            \
    " WHEN instr(" x ", ' is empty (0 bytes)') > 0 THEN 'empty'"                                   \
    " WHEN instr(" x ", ' cannot be routed: ') > 0 THEN 'unroutable'"                              \
    " WHEN instr(" x ", ' cannot be stored: ') > 0 THEN 'unstorable'"                              \
    " WHEN instr(" x ", ' is already stored as ') > 0 THEN 'already-stored'"                       \
    " WHEN instr(" x ", ' is not a case number') > 0 THEN 'case-folder'"                           \
    " WHEN instr(" x ", 'not in a case folder') > 0 THEN 'no-case-folder'"                         \
    " WHEN instr(" x ", ' is not an officer id') > 0 THEN 'officer-folder'"                        \
    " WHEN instr(" x ", 'folder names are not UTF-8') > 0 THEN 'folder-not-utf8'"                  \
    " WHEN instr(" x ", ' is a symbolic link: ') > 0 OR instr(" x                                  \
    ", ' is a named pipe (FIFO)') > 0"                                                             \
    "  OR instr(" x ", ' is a device, not a file') > 0 OR instr(" x                                \
    ", ' is a socket, not a file')"                                                                \
    "  > 0 THEN 'not-a-file'"                                                                      \
    " ELSE 'unknown' END"

/* The worker's part of "transcoding failed: <cause>" (x the whole sentence), as a cause code. */
#define CAUSE_OF(x)                                                                                \
    "CASE"                                                                                         \
    " WHEN instr(" x ", ': worker exited with status ') > 0 THEN 'worker-exit'"                    \
    " WHEN instr(" x ", ': worker killed by signal ') > 0 THEN 'worker-signal'"                    \
    " WHEN instr(" x ", ': timed out after ') > 0 THEN 'timeout'"                                  \
    " WHEN instr(" x ", ': could not write to the worker') > 0 THEN 'worker-write'"                \
    " WHEN instr(" x ", ': could not hand the file to a worker') > 0 THEN 'worker-unavailable'"    \
    " WHEN instr(" x ", ': worker answered ') > 0 THEN 'worker-protocol'"                          \
    " ELSE 'media-error' END"

/* reason_params of an old reason: the cause of a failed step, else none. */
#define PARAMS_OF(x, code)                                                                         \
    "CASE WHEN " code " IN ('transcode', 'extract') THEN json_object('cause', " CAUSE_OF(x) ")"    \
                                                                                            " END"

static const char *const migrations[] = {
    /* 1: cases, parties, items, their sources, links and events. */
    "PRAGMA application_id = 1129534553;" /* CS_CATALOG_APP_ID, 'CSTY' */

    "CREATE TABLE cases ("
    "  id INTEGER PRIMARY KEY,"
    "  number TEXT NOT NULL UNIQUE CHECK (length(number) > 0),"
    "  created_at TEXT NOT NULL"
    ") STRICT;"

    "CREATE TABLE parties ("
    "  id INTEGER PRIMARY KEY,"
    "  case_id INTEGER NOT NULL REFERENCES cases(id),"
    "  name TEXT NOT NULL CHECK (length(name) > 0),"
    "  created_at TEXT NOT NULL,"
    "  UNIQUE (case_id, name),"
    "  UNIQUE (id, case_id)" /* parent key of links(party_id, case_id) */
    ") STRICT;"

    "CREATE TABLE items ("
    "  id INTEGER PRIMARY KEY,"
    "  sha256 TEXT NOT NULL UNIQUE"
    "    CHECK (length(sha256) = 64 AND sha256 NOT GLOB '*[^0-9a-f]*'),"
    "  size INTEGER NOT NULL CHECK (size > 0),"
    "  media_type TEXT NOT NULL CHECK (length(media_type) > 0),"
    "  created_at TEXT NOT NULL"
    ") STRICT;"

    "CREATE TABLE item_sources ("
    "  id INTEGER PRIMARY KEY,"
    "  item_id INTEGER NOT NULL REFERENCES items(id),"
    "  original_name TEXT NOT NULL,"
    "  source_path TEXT NOT NULL,"
    "  received_by TEXT NOT NULL,"
    "  received_at TEXT NOT NULL,"
    "  source_mtime TEXT" /* nanoseconds; NULL: unknown */
    ") STRICT;"
    "CREATE INDEX item_sources_item ON item_sources(item_id);"

    "CREATE TABLE links ("
    "  id INTEGER PRIMARY KEY,"
    "  item_id INTEGER NOT NULL REFERENCES items(id),"
    "  case_id INTEGER NOT NULL REFERENCES cases(id),"
    "  party_id INTEGER,"
    "  linked_by TEXT NOT NULL,"
    "  linked_at TEXT NOT NULL,"
    "  reason TEXT NOT NULL CHECK (length(reason) > 0),"
    "  superseded_by INTEGER REFERENCES links(id),"
    "  superseded_at TEXT,"
    "  CHECK (superseded_by IS NULL OR superseded_at IS NOT NULL),"
    "  FOREIGN KEY (party_id, case_id) REFERENCES parties(id, case_id)" /* party of this case */
    ") STRICT;"
    "CREATE INDEX links_item ON links(item_id);"
    "CREATE INDEX links_case_active ON links(case_id, linked_at) WHERE superseded_at IS NULL;"
    "CREATE UNIQUE INDEX links_one_active ON links(item_id, case_id, coalesce(party_id, 0))"
    "  WHERE superseded_at IS NULL;"

    "CREATE TABLE events ("
    "  id INTEGER PRIMARY KEY,"
    "  item_id INTEGER REFERENCES items(id),"
    "  case_id INTEGER REFERENCES cases(id),"
    "  kind TEXT NOT NULL CHECK (length(kind) > 0),"
    "  actor TEXT NOT NULL,"
    "  at TEXT NOT NULL,"
    "  detail TEXT NOT NULL CHECK (json_valid(detail))"
    ") STRICT;"
    "CREATE INDEX events_item ON events(item_id);"
    "CREATE INDEX events_case ON events(case_id);"

    "CREATE TRIGGER items_no_update BEFORE UPDATE ON items"
    "  BEGIN SELECT RAISE(ABORT, 'items are write-once'); END;"
    "CREATE TRIGGER items_no_delete BEFORE DELETE ON items"
    "  BEGIN SELECT RAISE(ABORT, 'items are never deleted'); END;"
    "CREATE TRIGGER item_sources_no_update BEFORE UPDATE ON item_sources"
    "  BEGIN SELECT RAISE(ABORT, 'item sources are write-once'); END;"
    "CREATE TRIGGER item_sources_no_delete BEFORE DELETE ON item_sources"
    "  BEGIN SELECT RAISE(ABORT, 'item sources are never deleted'); END;"
    "CREATE TRIGGER events_no_update BEFORE UPDATE ON events"
    "  BEGIN SELECT RAISE(ABORT, 'events are write-once'); END;"
    "CREATE TRIGGER events_no_delete BEFORE DELETE ON events"
    "  BEGIN SELECT RAISE(ABORT, 'events are never deleted'); END;"
    "CREATE TRIGGER links_no_delete BEFORE DELETE ON links"
    "  BEGIN SELECT RAISE(ABORT, 'links are never deleted'); END;"
    "CREATE TRIGGER links_only_superseded BEFORE UPDATE ON links"
    "  WHEN OLD.superseded_by IS NOT NULL"
    "    OR (OLD.superseded_at IS NOT NULL AND NEW.superseded_at IS NOT OLD.superseded_at)"
    "    OR NEW.item_id IS NOT OLD.item_id OR NEW.case_id IS NOT OLD.case_id"
    "    OR NEW.party_id IS NOT OLD.party_id OR NEW.linked_by IS NOT OLD.linked_by"
    "    OR NEW.linked_at IS NOT OLD.linked_at OR NEW.reason IS NOT OLD.reason"
    "  BEGIN SELECT RAISE(ABORT, 'a link only changes by being superseded'); END;",

    /* 2: the durable ingest jobs of the service, one per upload, and metadata records. */
    "CREATE TABLE jobs ("
    "  id INTEGER PRIMARY KEY,"
    "  root TEXT NOT NULL,"
    "  rel_path TEXT NOT NULL,"
    "  state TEXT NOT NULL CHECK (state IN ('discovered', 'claimed', 'stored', 'extracted',"
    "    'transcoded', 'indexed', 'done', 'rejected')),"
    "  size INTEGER,"
    "  mtime_ns INTEGER,"
    "  dev INTEGER," /* of the claimed file: never remove a different file by the same name */
    "  ino INTEGER,"
    "  sha256 TEXT,"
    "  item_id INTEGER REFERENCES items(id),"
    "  route TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(route)),"
    "  reason TEXT," /* rejected: why; otherwise the last failed step's reason */
    "  failures INTEGER NOT NULL DEFAULT 0," /* steps that failed; the item is kept */
    "  claims INTEGER NOT NULL DEFAULT 0,"   /* claims abandoned because the file moved */
    "  created_at TEXT NOT NULL,"
    "  updated_at TEXT NOT NULL,"
    "  done_at TEXT"
    ") STRICT;"
    "CREATE UNIQUE INDEX jobs_one_active ON jobs(root, rel_path)"
    "  WHERE state NOT IN ('done', 'rejected');"
    "CREATE INDEX jobs_state ON jobs(state);"
    "CREATE INDEX jobs_done_at ON jobs(done_at) WHERE done_at IS NOT NULL;"

    "CREATE TABLE metadata ("
    "  item_id INTEGER PRIMARY KEY REFERENCES items(id),"
    "  record TEXT NOT NULL CHECK (json_valid(record)),"
    "  extracted_at TEXT NOT NULL"
    ") STRICT;",

    /* 3: what search reads: capture time, place and device per item, an R*Tree of places and
     * a trigram full-text index (substrings of Chinese text match: no spaces to split on). */
    "CREATE TABLE item_index ("
    "  item_id INTEGER PRIMARY KEY REFERENCES items(id),"
    "  captured_at TEXT,"  /* as stated: with its offset, Z, or a bare wall time */
    "  captured_utc TEXT," /* the instant, when the offset is known */
    "  sort_time TEXT,"    /* captured_utc, else the wall time: the order of results */
    "  lat REAL, lon REAL,"
    "  device TEXT" /* make, model and serial, for substring search */
    ") STRICT;"
    "CREATE INDEX item_index_sort ON item_index(sort_time);"
    "CREATE VIRTUAL TABLE item_places USING rtree(id, min_lat, max_lat, min_lon, max_lon);"
    "CREATE VIRTUAL TABLE item_text USING fts5(text, tokenize = 'trigram');",

    /* 4: derivatives (archival, access, preview, thumbnail copies) of an item. A row is
     * never changed except to mark it superseded by a later one of the same profile (a
     * retranscode), so the history of every copy stays. A failed one has no object. */
    "CREATE TABLE derivatives ("
    "  id INTEGER PRIMARY KEY,"
    "  item_id INTEGER NOT NULL REFERENCES items(id),"
    "  profile TEXT NOT NULL CHECK (length(profile) > 0),"
    "  status TEXT NOT NULL CHECK (status IN ('verified', 'failed')),"
    "  sha256 TEXT CHECK (sha256 IS NULL OR (length(sha256) = 64"
    "    AND sha256 NOT GLOB '*[^0-9a-f]*')),"
    "  size INTEGER CHECK (size IS NULL OR size >= 0),"
    "  media_type TEXT,"
    "  reason TEXT,"
    "  detail TEXT NOT NULL CHECK (json_valid(detail)),"
    "  made_by TEXT NOT NULL,"
    "  made_at TEXT NOT NULL,"
    "  superseded_at TEXT,"
    "  CHECK (status = 'failed' OR sha256 IS NOT NULL),"
    "  CHECK (status = 'verified' OR reason IS NOT NULL)"
    ") STRICT;"
    "CREATE UNIQUE INDEX derivatives_current ON derivatives(item_id, profile)"
    "  WHERE superseded_at IS NULL;"
    "CREATE INDEX derivatives_sha256 ON derivatives(sha256);"
    "CREATE TRIGGER derivatives_no_delete BEFORE DELETE ON derivatives"
    "  BEGIN SELECT RAISE(ABORT, 'derivatives are never deleted'); END;"
    "CREATE TRIGGER derivatives_only_superseded BEFORE UPDATE ON derivatives"
    "  WHEN OLD.superseded_at IS NOT NULL OR NEW.superseded_at IS NULL"
    "    OR NEW.id IS NOT OLD.id OR NEW.item_id IS NOT OLD.item_id"
    "    OR NEW.profile IS NOT OLD.profile OR NEW.status IS NOT OLD.status"
    "    OR NEW.sha256 IS NOT OLD.sha256 OR NEW.detail IS NOT OLD.detail"
    "  BEGIN SELECT RAISE(ABORT, 'a derivative is only ever marked superseded'); END;",

    /* 5: access and the ledger. Users hold a hash of their token, never the token. Grants
     * and classifications are superseded or revoked, never deleted. The ledger's entries are
     * the leaves of its Merkle tree (ledger/): seq is the leaf index from 0, entry the exact
     * bytes hashed; checkpoints keep each signed note and the tree's frontier at its size.
     * The triggers stop mistakes, not an attacker: `custody ledger verify` does that. */
    "CREATE TABLE users ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE CHECK (length(name) > 0),"
    "  role TEXT NOT NULL CHECK (role IN ('clerk', 'reviewer', 'auditor', 'admin')),"
    "  token_sha256 TEXT NOT NULL UNIQUE CHECK (length(token_sha256) = 64),"
    "  created_by TEXT NOT NULL,"
    "  created_at TEXT NOT NULL,"
    "  rotated_at TEXT,"
    "  disabled_at TEXT"
    ") STRICT;"
    "CREATE TABLE grants ("
    "  id INTEGER PRIMARY KEY,"
    "  user_id INTEGER NOT NULL REFERENCES users(id),"
    "  case_id INTEGER NOT NULL REFERENCES cases(id),"
    "  party_id INTEGER REFERENCES parties(id),"
    "  purpose TEXT NOT NULL CHECK (length(purpose) > 0),"
    "  clearance TEXT NOT NULL CHECK (clearance IN ('public', 'internal', 'privacy',"
    "    'commercial_secret', 'state_secret')),"
    "  until TEXT,"
    "  granted_by TEXT NOT NULL,"
    "  granted_at TEXT NOT NULL,"
    "  revoked_by TEXT,"
    "  revoked_at TEXT,"
    "  revoke_reason TEXT"
    ") STRICT;"
    "CREATE INDEX grants_user ON grants(user_id);"
    "CREATE TRIGGER grants_no_delete BEFORE DELETE ON grants"
    "  BEGIN SELECT RAISE(ABORT, 'grants are never deleted'); END;"
    "CREATE TRIGGER grants_only_revoked BEFORE UPDATE ON grants"
    "  WHEN OLD.revoked_at IS NOT NULL OR NEW.revoked_at IS NULL OR NEW.user_id IS NOT OLD.user_id"
    "    OR NEW.case_id IS NOT OLD.case_id OR NEW.party_id IS NOT OLD.party_id"
    "    OR NEW.purpose IS NOT OLD.purpose OR NEW.clearance IS NOT OLD.clearance"
    "    OR NEW.until IS NOT OLD.until"
    "  BEGIN SELECT RAISE(ABORT, 'a grant is only ever revoked'); END;"
    "CREATE TABLE classifications ("
    "  id INTEGER PRIMARY KEY,"
    "  item_id INTEGER NOT NULL REFERENCES items(id),"
    "  level TEXT NOT NULL CHECK (level IN ('public', 'internal', 'privacy',"
    "    'commercial_secret', 'state_secret')),"
    "  reason TEXT NOT NULL CHECK (length(reason) > 0),"
    "  set_by TEXT NOT NULL,"
    "  set_at TEXT NOT NULL,"
    "  superseded_at TEXT"
    ") STRICT;"
    "CREATE UNIQUE INDEX classifications_current ON classifications(item_id)"
    "  WHERE superseded_at IS NULL;"
    "CREATE TRIGGER classifications_no_delete BEFORE DELETE ON classifications"
    "  BEGIN SELECT RAISE(ABORT, 'classifications are never deleted'); END;"
    "CREATE TABLE ledger ("
    "  seq INTEGER PRIMARY KEY CHECK (seq >= 0),"
    "  entry TEXT NOT NULL,"
    "  leaf BLOB NOT NULL CHECK (length(leaf) = 32)"
    ") STRICT;"
    "CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger"
    "  BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;"
    "CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger"
    "  BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;"
    "CREATE TABLE checkpoints ("
    "  id INTEGER PRIMARY KEY,"
    "  size INTEGER NOT NULL CHECK (size >= 0),"
    "  root BLOB NOT NULL CHECK (length(root) = 32),"
    "  note TEXT NOT NULL,"
    "  frontier BLOB NOT NULL,"
    "  made_at TEXT NOT NULL"
    ") STRICT;"
    "CREATE TRIGGER checkpoints_no_update BEFORE UPDATE ON checkpoints"
    "  BEGIN SELECT RAISE(ABORT, 'checkpoints are write-once'); END;"
    "CREATE TRIGGER checkpoints_no_delete BEFORE DELETE ON checkpoints"
    "  BEGIN SELECT RAISE(ABORT, 'checkpoints are never deleted'); END;",

    /* 6: the fixity scrub's queue, one row per stored object (an original or a copy), kept
     * by triggers: checked_at is the last check, or when the object was stored (its hash was
     * taken then), so the oldest row is the next one due. result is NULL until the first
     * check. fixity_state is one row of running totals and the scrub's passes. Each check is
     * also a `verified` event with its ledger entry. */
    "CREATE TABLE fixity ("
    "  sha256 TEXT PRIMARY KEY"
    "    CHECK (length(sha256) = 64 AND sha256 NOT GLOB '*[^0-9a-f]*'),"
    "  item_id INTEGER NOT NULL REFERENCES items(id),"
    "  profile TEXT," /* NULL: the item's original; else the derivative's profile */
    "  checked_at TEXT NOT NULL,"
    "  result TEXT CHECK (result IS NULL OR result IN ('ok', 'mismatch', 'missing',"
    "    'unreadable')),"
    "  actual_sha256 TEXT,"
    "  checks INTEGER NOT NULL DEFAULT 0"
    ") STRICT, WITHOUT ROWID;"
    "CREATE INDEX fixity_due ON fixity(checked_at);"
    "CREATE INDEX fixity_failing ON fixity(result) WHERE result <> 'ok';"
    "CREATE TABLE fixity_state ("
    "  id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  checks INTEGER NOT NULL DEFAULT 0,"
    "  mismatches INTEGER NOT NULL DEFAULT 0," /* checks that found an object bad */
    "  pass_started_at TEXT,"                  /* the pass running; NULL between passes */
    "  pass_objects INTEGER NOT NULL DEFAULT 0,"
    "  pass_bytes INTEGER NOT NULL DEFAULT 0,"
    "  last_started_at TEXT," /* the last pass that found nothing more due */
    "  last_ended_at TEXT,"
    "  last_objects INTEGER,"
    "  last_bytes INTEGER"
    ") STRICT;"
    "INSERT INTO fixity_state (id) VALUES (1);"
    "CREATE TRIGGER fixity_of_item AFTER INSERT ON items BEGIN"
    "  INSERT OR IGNORE INTO fixity (sha256, item_id, checked_at)"
    "    VALUES (NEW.sha256, NEW.id, NEW.created_at); END;"
    "CREATE TRIGGER fixity_of_derivative AFTER INSERT ON derivatives"
    "  WHEN NEW.sha256 IS NOT NULL BEGIN"
    "  INSERT OR IGNORE INTO fixity (sha256, item_id, profile, checked_at)"
    "    VALUES (NEW.sha256, NEW.item_id, NEW.profile, NEW.made_at); END;"
    "INSERT OR IGNORE INTO fixity (sha256, item_id, checked_at)"
    "  SELECT sha256, id, created_at FROM items ORDER BY id;"
    "INSERT OR IGNORE INTO fixity (sha256, item_id, profile, checked_at)"
    "  SELECT sha256, item_id, profile, made_at FROM derivatives WHERE sha256 IS NOT NULL"
    "  ORDER BY id;",

    /* 7: who brought a file in, by Custody identity: the user of a `custody ingest --as`, or
     * the user configured for the upload folders (ingest.clerk); NULL when the operator or an
     * unnamed upload did. A clerk's access follows this, never the received_by text. Arrivals
     * of v6 catalogs are credited to the user of that name who existed at the arrival. */
    "ALTER TABLE item_sources ADD COLUMN received_user_id INTEGER REFERENCES users(id);"
    "DROP TRIGGER item_sources_no_update;"
    "UPDATE item_sources SET received_user_id = (SELECT u.id FROM users u"
    "  WHERE u.name = item_sources.received_by AND u.created_at <= item_sources.received_at);"
    "CREATE TRIGGER item_sources_no_update BEFORE UPDATE ON item_sources"
    "  BEGIN SELECT RAISE(ABORT, 'item sources are write-once'); END;"
    "CREATE INDEX item_sources_user ON item_sources(received_user_id, item_id);",

    /* 8: each arrival's own claims and case. recorded_at is the sidecar's recorded_at as the
     * clerk wrote it (a claim of that arrival, beside its source_mtime; never the item's
     * capture time, which comes from the content); case_id is the case the arrival was routed
     * to, so that a link shows the name the file had when it came into that case. Arrivals of
     * v7 catalogs take both from their `received` event (same item, time and source path).
     * A v7 record whose capture time was only the file's mtime now says so: unknown, the file
     * time kept apart (media/captime.h), and the item sorts after the dated ones. */
    "ALTER TABLE item_sources ADD COLUMN recorded_at TEXT;"
    "ALTER TABLE item_sources ADD COLUMN case_id INTEGER REFERENCES cases(id);"
    "DROP TRIGGER item_sources_no_update;"
    "UPDATE item_sources SET"
    "  recorded_at = (SELECT e.detail ->> '$.recorded_at' FROM events e"
    "    WHERE e.item_id = item_sources.item_id AND e.kind = 'received'"
    "    AND e.at = item_sources.received_at AND e.detail ->> '$.source_path' IS"
    "    item_sources.source_path ORDER BY e.id LIMIT 1),"
    "  case_id = (SELECT c.id FROM events e JOIN cases c ON c.number = e.detail ->> '$.case'"
    "    WHERE e.item_id = item_sources.item_id AND e.kind = 'received'"
    "    AND e.at = item_sources.received_at AND e.detail ->> '$.source_path' IS"
    "    item_sources.source_path ORDER BY e.id LIMIT 1);"
    "CREATE TRIGGER item_sources_no_update BEFORE UPDATE ON item_sources"
    "  BEGIN SELECT RAISE(ABORT, 'item sources are write-once'); END;"
    "CREATE INDEX item_sources_case ON item_sources(item_id, case_id);"
    "UPDATE metadata SET record = json_set(record, '$.file_time', record ->> '$.captured_at',"
    "  '$.captured_at', json('null'), '$.captured_at_utc', json('null'),"
    "  '$.offset_known', json('false'), '$.captured_at_estimate', 'file_time')"
    "  WHERE record ->> '$.captured_at_source' = 'file:mtime'"
    "  AND record ->> '$.captured_at' IS NOT NULL;"
    "UPDATE item_index SET captured_at = NULL, captured_utc = NULL, sort_time = NULL"
    "  WHERE item_id IN (SELECT item_id FROM metadata"
    "  WHERE record ->> '$.captured_at_estimate' = 'file_time');",

    /* 9: a grant names its purposes (a JSON array of texts), or accepts any (any_purpose),
     * and a read goes through it only for one of them (access/access.h). A v8 grant keeps its
     * one purpose as its list: it accepts that purpose only, as `custody grant --purpose`
     * named it. The old column goes with the trigger that named it. */
    "ALTER TABLE grants ADD COLUMN purposes TEXT NOT NULL DEFAULT '[]'"
    "  CHECK (json_valid(purposes) AND json_type(purposes) = 'array');"
    "ALTER TABLE grants ADD COLUMN any_purpose INTEGER NOT NULL DEFAULT 0"
    "  CHECK (any_purpose IN (0, 1));"
    "DROP TRIGGER grants_only_revoked;"
    "UPDATE grants SET purposes = json_array(purpose);"
    "ALTER TABLE grants DROP COLUMN purpose;"
    "CREATE TRIGGER grants_only_revoked BEFORE UPDATE ON grants"
    "  WHEN OLD.revoked_at IS NOT NULL OR NEW.revoked_at IS NULL OR NEW.user_id IS NOT OLD.user_id"
    "    OR NEW.case_id IS NOT OLD.case_id OR NEW.party_id IS NOT OLD.party_id"
    "    OR NEW.purposes IS NOT OLD.purposes OR NEW.any_purpose IS NOT OLD.any_purpose"
    "    OR NEW.clearance IS NOT OLD.clearance OR NEW.until IS NOT OLD.until"
    "  BEGIN SELECT RAISE(ABORT, 'a grant is only ever revoked'); END;"
    "CREATE TRIGGER grants_purposeful BEFORE INSERT ON grants"
    "  WHEN NEW.any_purpose = 0 AND json_array_length(NEW.purposes) = 0"
    "  BEGIN SELECT RAISE(ABORT, 'a grant names a purpose, or accepts any'); END;",

    /* 10: people sign in with a password (access/password.h: its scrypt encoding, never the
     * password); failed sign-ins in a row are counted, and enough of them lock the account
     * until locked_until. */
    "ALTER TABLE users ADD COLUMN password_hash TEXT"
    "  CHECK (password_hash IS NULL OR password_hash LIKE '$scrypt$%');"
    "ALTER TABLE users ADD COLUMN failed_signins INTEGER NOT NULL DEFAULT 0"
    "  CHECK (failed_signins >= 0);"
    "ALTER TABLE users ADD COLUMN locked_until TEXT;",

    /* 11: every stored reason a clerk reads carries a stable code (core/reason.h) and its
     * parameters (a JSON object, or NULL) beside its English sentence, which stays for the CLI
     * and the log: jobs and derivatives in columns, a route's problem as problem_code and
     * problem_params in the route (and in the `received` event's detail, from v11 on). Rows of
     * v10 catalogs are given the code of their sentence once, here ('unknown' when none
     * matches; a failed copy's own words from the worker are 'copy-failed'). */
    "ALTER TABLE jobs ADD COLUMN reason_code TEXT;"
    "ALTER TABLE jobs ADD COLUMN reason_params TEXT"
    "  CHECK (reason_params IS NULL OR json_type(reason_params) = 'object');"
    "ALTER TABLE derivatives ADD COLUMN reason_code TEXT;"
    "ALTER TABLE derivatives ADD COLUMN reason_params TEXT"
    "  CHECK (reason_params IS NULL OR json_type(reason_params) = 'object');"
    // clang-format off
    "UPDATE jobs SET reason_code = " CODE_OF("reason") " WHERE reason IS NOT NULL;"
    "UPDATE jobs SET reason_params = " PARAMS_OF("reason", "reason_code")
    "  WHERE reason_code IN ('transcode', 'extract');"
    "UPDATE jobs SET route = json_set(route, '$.problem_code', " CODE_OF("(route ->> '$.problem')") ")"
    "  WHERE route ->> '$.problem' IS NOT NULL;"
    "DROP TRIGGER derivatives_only_superseded;"
    "UPDATE derivatives SET reason_code = CASE " CODE_OF("reason") " WHEN 'unknown' THEN"
    "  'copy-failed' ELSE " CODE_OF("reason") " END WHERE reason IS NOT NULL;"
    "UPDATE derivatives SET reason_params = " PARAMS_OF("reason", "reason_code")
    "  WHERE reason_code IN ('transcode', 'extract');"
    "CREATE TRIGGER derivatives_only_superseded BEFORE UPDATE ON derivatives"
    "  WHEN OLD.superseded_at IS NOT NULL OR NEW.superseded_at IS NULL"
    "    OR NEW.id IS NOT OLD.id OR NEW.item_id IS NOT OLD.item_id"
    "    OR NEW.profile IS NOT OLD.profile OR NEW.status IS NOT OLD.status"
    "    OR NEW.sha256 IS NOT OLD.sha256 OR NEW.detail IS NOT OLD.detail"
    "    OR NEW.reason IS NOT OLD.reason OR NEW.reason_code IS NOT OLD.reason_code"
    "    OR NEW.reason_params IS NOT OLD.reason_params"
    "  BEGIN SELECT RAISE(ABORT, 'a derivative is only ever marked superseded'); END;",
    // clang-format on

    cs_schema_cases,        /* schema_cases.c */
    cs_schema_requests,     /* schema_cases.c */
    cs_schema_review,       /* schema_cases.c */
    cs_schema_publications, /* schema_publish.c */
    cs_schema_public,       /* schema_public.c: public copies' specs and approvals */
    cs_schema_retention,    /* schema_retention.c: retention classes and holds */
    cs_schema_dispose,      /* schema_dispose.c: approved disposal, tombstones */
    cs_schema_registry,     /* schema_registry.c: officers, devices, item_registry */
    cs_schema_archive,      /* schema_archive.c: archived cases and their 档号 */
    cs_schema_cache_gen,    /* schema_cache.c: the generation the service's caches check */
    cs_schema_policy,       /* schema_policy.c: the format policy, archival decisions */
    cs_schema_pages,        /* schema_pages.c: a case's links in row-id order, for pages */
    cs_schema_scale,        /* schema_scale.c: the ledger's stored Merkle subtrees */
    cs_schema_totals,       /* schema_totals.c: status's running totals */
    cs_schema_ledger_pack,  /* schema_pack.c: the ledger's entries compressed (zstd) */
};

#define N_MIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))

int
cs_cat_schema_latest(void)
{
    return N_MIGRATIONS;
}

const char *
cs_cat_schema_migration(int to)
{
    return to >= 1 && to <= N_MIGRATIONS ? migrations[to - 1] : NULL;
}

/* Runs a one-row, one-integer query (a PRAGMA or a count). */
static int
query_int(cs_catalog_t *cat, const char *sql, int *val)
{
    sqlite3_stmt *st = NULL;
    int err, rc;

    err = cs_cat_prepare(cat, sql, &st, "cannot read the schema");
    if (err != 0)
        return err;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *val = sqlite3_column_int(st, 0);
    else
        err = cs_cat_err(cat, rc, "cannot read the schema");
    cs_cat_finalize(cat, st);
    return err;
}

/* Refuses another application's database before a migration writes into it, and a catalog
 * from a newer Custody, whose schema this program would misread. */
int
cs_cat_check_owner(cs_catalog_t *cat, int *version)
{
    int app_id = 0, objects = 0, err;

    if ((err = query_int(cat, "PRAGMA application_id", &app_id)) != 0 ||
        (err = query_int(cat, "PRAGMA user_version", version)) != 0 ||
        (err = query_int(cat, "SELECT count(*) FROM sqlite_schema", &objects)) != 0)
        return err;
    if (app_id != CS_CATALOG_APP_ID && !(app_id == 0 && *version == 0 && objects == 0)) {
        cs_diag_set("catalog %s is damaged or not a Custody catalog (another application's "
                    "SQLite database: application id %d, %d schema objects); restore it from a "
                    "backup",
                    cat->path, app_id, objects);
        return CS_ECORRUPT;
    }
    if (*version > N_MIGRATIONS) {
        cs_diag_set("catalog %s has schema version %d, newer than this program's %d; use the "
                    "Custody release that wrote it, or a newer one",
                    cat->path, *version, N_MIGRATIONS);
        return CS_ECONFIG;
    }
    return 0;
}

static int
migrate_one(cs_catalog_t *cat, int to)
{
    char what[64], pragma[64];
    int version = 0, err;

    /* what only begins a message: cut there when too long */
    cs_snprintf_cut(what, sizeof what, "cannot migrate the schema to version %d", to);
    err = cs_cat_begin(cat, what);
    if (err != 0)
        return err;
    /* Another process may have migrated while we waited for the lock. */
    err = query_int(cat, "PRAGMA user_version", &version);
    if (err != 0 || version >= to)
        goto out;
    err = cs_cat_exec(cat, migrations[to - 1], what);
    if (err != 0)
        goto out;
    /* An integer from our own table, not user data: PRAGMA takes no bound parameters. */
    snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", to); /* fits: sized for an int */
    err = cs_cat_exec(cat, pragma, what);
out:
    if (err != 0) {
        cs_cat_rollback(cat);
        return err;
    }
    return cs_cat_commit(cat, what);
}

int
cs_cat_migrate(cs_catalog_t *cat)
{
    int version = 0, has_items = 0, err;

    err = cs_cat_check_owner(cat, &version);
    if (err != 0)
        return err;
    for (int to = version + 1; to <= N_MIGRATIONS; to++) {
        err = migrate_one(cat, to);
        if (err != 0)
            return err;
    }
    err =
        query_int(cat, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'items'",
                  &has_items);
    if (err != 0)
        return err;
    if (!has_items) {
        cs_diag_set("catalog %s is damaged or not a Custody catalog (no items table); restore "
                    "it from a backup",
                    cat->path);
        return CS_ECORRUPT;
    }
    return 0;
}
