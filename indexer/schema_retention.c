/* indexer/schema_retention.c: the migration of retention classes and holds (issue 22, parts
 * 1 and 2), applied by migrations[] (schema.c) after the legal review's. */
#include "indexer/schema_int.h"

// clang-format off
/* Retention classes and holds (issue 22): a case's archive period (保管期限: permanent 永久,
 * long 长期, short 短期; NULL follows retention.default_period), counted from its closed_on;
 * an admin's explicit class of an item (the current row has superseded_at NULL; a change
 * supersedes, never deletes); holds on an item or a case, never deleted, released once. The
 * ledger holds each change too (case.set, retention.set, hold.add, hold.release). */
const char cs_schema_retention[] =
    "ALTER TABLE cases ADD COLUMN keep_period TEXT"
    "  CHECK (keep_period IS NULL OR keep_period IN ('permanent', 'long', 'short'));"
    "CREATE TABLE retention_classes ("
    "  id INTEGER PRIMARY KEY,"
    "  item_id INTEGER NOT NULL REFERENCES items(id),"
    "  class TEXT NOT NULL CHECK (class IN ('evidence', 'non_evidence', 'permanent')),"
    "  reason TEXT NOT NULL CHECK (length(reason) > 0),"
    "  set_by TEXT NOT NULL,"
    "  set_at TEXT NOT NULL,"
    "  superseded_at TEXT"
    ") STRICT;"
    "CREATE UNIQUE INDEX retention_classes_current ON retention_classes(item_id)"
    "  WHERE superseded_at IS NULL;"
    "CREATE TRIGGER retention_classes_no_delete BEFORE DELETE ON retention_classes"
    "  BEGIN SELECT RAISE(ABORT, 'an item''s retention class is superseded, never deleted'); END;"
    "CREATE TRIGGER retention_classes_only_superseded BEFORE UPDATE ON retention_classes"
    "  WHEN OLD.superseded_at IS NOT NULL OR NEW.superseded_at IS NULL"
    "    OR NEW.id IS NOT OLD.id OR NEW.item_id IS NOT OLD.item_id OR NEW.class IS NOT OLD.class"
    "    OR NEW.reason IS NOT OLD.reason OR NEW.set_by IS NOT OLD.set_by"
    "    OR NEW.set_at IS NOT OLD.set_at"
    "  BEGIN SELECT RAISE(ABORT, 'an item''s retention class is only ever superseded'); END;"
    "CREATE TABLE holds ("
    "  id INTEGER PRIMARY KEY,"
    "  item_id INTEGER REFERENCES items(id),"
    "  case_id INTEGER REFERENCES cases(id),"
    "  reason TEXT NOT NULL CHECK (length(reason) > 0),"
    "  held_by TEXT NOT NULL,"
    "  held_at TEXT NOT NULL,"
    "  released_by TEXT,"
    "  released_at TEXT,"
    "  release_reason TEXT,"
    "  CHECK ((item_id IS NULL) <> (case_id IS NULL)),"
    "  CHECK ((released_at IS NULL) = (released_by IS NULL)"
    "    AND (released_at IS NULL) = (release_reason IS NULL))"
    ") STRICT;"
    "CREATE INDEX holds_item ON holds(item_id) WHERE released_at IS NULL AND item_id IS NOT NULL;"
    "CREATE INDEX holds_case ON holds(case_id) WHERE released_at IS NULL AND case_id IS NOT NULL;"
    "CREATE TRIGGER holds_no_delete BEFORE DELETE ON holds"
    "  BEGIN SELECT RAISE(ABORT, 'a hold is never deleted, only released'); END;"
    "CREATE TRIGGER holds_released_once BEFORE UPDATE ON holds"
    "  WHEN OLD.released_at IS NOT NULL OR NEW.released_at IS NULL"
    "    OR NEW.id IS NOT OLD.id OR NEW.item_id IS NOT OLD.item_id"
    "    OR NEW.case_id IS NOT OLD.case_id OR NEW.reason IS NOT OLD.reason"
    "    OR NEW.held_by IS NOT OLD.held_by OR NEW.held_at IS NOT OLD.held_at"
    "  BEGIN SELECT RAISE(ABORT, 'a hold is only ever released, once'); END;";
// clang-format on
