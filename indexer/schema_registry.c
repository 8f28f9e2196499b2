/* indexer/schema_registry.c: the migration of the officers and devices registry and of what
 * ingest resolved for each item (issue 22, parts 4 and 5). Kept apart from schema.c so that
 * each issue's history stays one screenful. */
#include "indexer/schema_int.h"

// clang-format off
/* Officers (name, 执法证号 certificate number, its validity in the site's days, unit, the
 * Custody user they are), devices (serial, model, kind, holder), and per item what ingest
 * found: its officer and device with how each was found (folder, sidecar, name, metadata,
 * holder), the body-camera name's groups and important mark (重点文件), and the flags a clerk
 * sees (a JSON array of {code, params}). Every change of a registry row is ledgered
 * (officer.add, officer.set, device.add, device.set) in its own transaction. */
const char cs_schema_registry[] =
    "CREATE TABLE officers ("
    "  id INTEGER PRIMARY KEY,"
    "  cert_no TEXT NOT NULL UNIQUE CHECK (length(cert_no) > 0),"
    "  name TEXT NOT NULL CHECK (length(name) > 0),"
    "  unit TEXT,"
    "  valid_from TEXT CHECK (valid_from IS NULL OR date(valid_from) = valid_from),"
    "  valid_to TEXT CHECK (valid_to IS NULL OR date(valid_to) = valid_to),"
    "  user_id INTEGER REFERENCES users(id),"
    "  created_by TEXT NOT NULL,"
    "  created_at TEXT NOT NULL,"
    "  updated_at TEXT NOT NULL"
    ") STRICT;"
    "CREATE TABLE devices ("
    "  id INTEGER PRIMARY KEY,"
    "  serial TEXT NOT NULL UNIQUE CHECK (length(serial) > 0),"
    "  model TEXT,"
    "  kind TEXT NOT NULL CHECK (kind IN ('body_camera', 'camera', 'phone', 'recorder')),"
    "  holder_id INTEGER REFERENCES officers(id),"
    "  created_by TEXT NOT NULL,"
    "  created_at TEXT NOT NULL,"
    "  updated_at TEXT NOT NULL"
    ") STRICT;"
    "CREATE TABLE item_registry ("
    "  item_id INTEGER PRIMARY KEY REFERENCES items(id),"
    "  officer_id INTEGER REFERENCES officers(id),"
    "  officer_how TEXT CHECK (officer_how IS NULL OR officer_how IN"
    "    ('folder', 'sidecar', 'name', 'holder')),"
    "  device_id INTEGER REFERENCES devices(id),"
    "  device_how TEXT CHECK (device_how IS NULL OR device_how IN"
    "    ('folder', 'sidecar', 'name', 'metadata')),"
    "  important INTEGER NOT NULL DEFAULT 0 CHECK (important IN (0, 1)),"
    "  name TEXT," /* the body-camera name's groups, as JSON */
    "  flags TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(flags)),"
    "  resolved_at TEXT NOT NULL"
    ") STRICT;"
    "CREATE INDEX item_registry_officer ON item_registry(officer_id);"
    "CREATE INDEX item_registry_device ON item_registry(device_id);";
// clang-format on
