/* indexer/schema.h: the catalog's migrations, for what must build or read a catalog at a
 * given schema version without migrating it (the migration test; backup and restore, which
 * copy a catalog as it is). Everything else opens catalogs with cs_catalog_open, which
 * migrates them. */
#ifndef CS_INDEXER_SCHEMA_H
#define CS_INDEXER_SCHEMA_H

/** The newest schema version this program knows (the number of migrations). */
int cs_cat_schema_latest(void);

/** The SQL of migration `to` (1 ..latest), which brings a catalog at version to - 1 to `to`
 * when run in one transaction followed by PRAGMA user_version = to; NULL outside that range.
 * Migration 1 also sets the catalog's application id. */
const char *cs_cat_schema_migration(int to);

#endif
