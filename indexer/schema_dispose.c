/* indexer/schema_dispose.c: the migration of approved disposal (issue 22, part 3), applied by
 * schema.c's migrations[] after the others. Kept here so that schema.c stays one screenful
 * of history per version. */
#include "indexer/schema_int.h"

// clang-format off
/* Approved disposal (issue 22 part 3): a batch of items due for disposal (indexer/retention.h)
 * proposed by one admin and approved by another (never the proposer: a CHECK beside the rule
 * of access/dispose.c), run once its grace has passed, or cancelled within it. Each item of a
 * batch moves pending -> removing (its tombstone written, its bytes being removed) ->
 * disposed, or is skipped (no longer due when run: kept), or waits `locked` while the object
 * store's retention (Object Lock) keeps its bytes. The items row stays (many tables and
 * append-only triggers name it): an item is disposed of while item_disposed holds it, and
 * the same content arriving again takes it out of there (a new arrival). A tombstone is
 * never changed: hash, size, names, case links, class, who proposed and approved, when, and
 * the `disposed` ledger entry. */
const char cs_schema_dispose[] =
    "CREATE TABLE disposals ("
    "  id INTEGER PRIMARY KEY,"
    "  reason TEXT NOT NULL CHECK (length(reason) > 0),"
    "  proposed_by INTEGER NOT NULL REFERENCES users(id),"
    "  proposed_at TEXT NOT NULL,"
    "  status TEXT NOT NULL DEFAULT 'proposed'"
    "    CHECK (status IN ('proposed', 'approved', 'cancelled', 'done')),"
    "  approved_by INTEGER REFERENCES users(id),"
    "  approved_at TEXT,"
    "  run_after TEXT,"
    "  cancelled_by INTEGER REFERENCES users(id),"
    "  cancelled_at TEXT,"
    "  cancel_reason TEXT,"
    "  export_path TEXT,"
    "  done_at TEXT,"
    "  CHECK (approved_by IS NULL OR approved_by <> proposed_by),"
    "  CHECK ((approved_at IS NULL) = (approved_by IS NULL)),"
    "  CHECK (status <> 'cancelled' OR cancel_reason IS NOT NULL)"
    ") STRICT;"
    "CREATE TRIGGER disposals_no_delete BEFORE DELETE ON disposals"
    "  BEGIN SELECT RAISE(ABORT, 'disposal batches are never deleted'); END;"
    "CREATE TRIGGER disposals_forward BEFORE UPDATE ON disposals"
    "  WHEN OLD.status IN ('cancelled', 'done') OR NEW.id IS NOT OLD.id"
    "    OR NEW.reason IS NOT OLD.reason OR NEW.proposed_by IS NOT OLD.proposed_by"
    "    OR NEW.proposed_at IS NOT OLD.proposed_at"
    "    OR (OLD.approved_by IS NOT NULL AND NEW.approved_by IS NOT OLD.approved_by)"
    "  BEGIN SELECT RAISE(ABORT, 'a disposal batch only moves forward'); END;"
    "CREATE TABLE disposal_items ("
    "  disposal_id INTEGER NOT NULL REFERENCES disposals(id),"
    "  item_id INTEGER NOT NULL REFERENCES items(id),"
    "  class TEXT NOT NULL,"
    "  keep_until TEXT,"
    "  reason_code TEXT NOT NULL,"
    "  reason TEXT NOT NULL,"
    "  state TEXT NOT NULL DEFAULT 'pending'"
    "    CHECK (state IN ('pending', 'locked', 'removing', 'disposed', 'skipped')),"
    "  note TEXT,"
    "  retain_until TEXT,"
    "  PRIMARY KEY (disposal_id, item_id)"
    ") STRICT, WITHOUT ROWID;"
    "CREATE INDEX disposal_items_item ON disposal_items(item_id);"
    "CREATE TRIGGER disposal_items_no_delete BEFORE DELETE ON disposal_items"
    "  BEGIN SELECT RAISE(ABORT, 'a disposal batch keeps its items'); END;"
    "CREATE TABLE tombstones ("
    "  id INTEGER PRIMARY KEY,"
    "  item_id INTEGER NOT NULL REFERENCES items(id),"
    "  disposal_id INTEGER NOT NULL REFERENCES disposals(id),"
    "  sha256 TEXT NOT NULL CHECK (length(sha256) = 64 AND sha256 NOT GLOB '*[^0-9a-f]*'),"
    "  size INTEGER NOT NULL,"
    "  media_type TEXT NOT NULL,"
    "  record TEXT NOT NULL CHECK (json_valid(record)),"
    "  disposed_at TEXT NOT NULL,"
    "  ledger_seq INTEGER NOT NULL,"
    "  UNIQUE (disposal_id, item_id)"
    ") STRICT;"
    "CREATE INDEX tombstones_sha256 ON tombstones(sha256);"
    "CREATE TRIGGER tombstones_no_update BEFORE UPDATE ON tombstones"
    "  BEGIN SELECT RAISE(ABORT, 'tombstones are never changed'); END;"
    "CREATE TRIGGER tombstones_no_delete BEFORE DELETE ON tombstones"
    "  BEGIN SELECT RAISE(ABORT, 'tombstones are never deleted'); END;"
    "CREATE TABLE item_disposed ("
    "  item_id INTEGER PRIMARY KEY REFERENCES items(id),"
    "  tombstone_id INTEGER NOT NULL REFERENCES tombstones(id)"
    ") STRICT;";
// clang-format on
