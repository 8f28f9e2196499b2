/* indexer/schema_int.h: migrations kept beside schema.c (schema_cases.c); what schema.c's
 * migrations[] applies in order after its own. */
#ifndef CS_INDEXER_SCHEMA_INT_H
#define CS_INDEXER_SCHEMA_INT_H

/* Cases as records (kind, procedure, cause, dates, status, parties' kind and ID number,
 * officers, the status history). */
extern const char cs_schema_cases[];
/* Grant scopes and retrieval requests. */
extern const char cs_schema_requests[];
/* The legal review: the legal role, reviewers' keys, rounds, opinions and decisions. */
extern const char cs_schema_review[];
/* Public copies: redaction specs and approvals. */
extern const char cs_schema_public[];

/* The publication register: publications, their versions and withdrawals (schema_publish.c). */
extern const char cs_schema_publications[];
/* Retention classes and holds: cases' archive period, items' explicit class, holds
 * (schema_retention.c). */
extern const char cs_schema_retention[];
/* Approved disposal: batches, their items, tombstones and which items are disposed of. */
extern const char cs_schema_dispose[];
/* Officers and devices, and what ingest resolved for each item (schema_registry.c). */
extern const char cs_schema_registry[];
/* Cases archived: their archival reference (档号) and its parts (schema_archive.c). */
extern const char cs_schema_archive[];
/* The catalog's generation, bumped by every write to a watched table, for the service's
 * caches (schema_cache.c). */
extern const char cs_schema_cache_gen[];

/* The three triggers that move the caches' generation on every write to table t (see
 * schema_cache.c): a migration after it that creates a table adds CS_SCHEMA_WATCH("t"). */
// clang-format off
#define CS_SCHEMA_WATCH(t)                                                                         \
    "CREATE TRIGGER cache_gen_" t "_i AFTER INSERT ON " t                                          \
    " BEGIN UPDATE cache_gen SET n = n + 1; END;"                                                  \
    "CREATE TRIGGER cache_gen_" t "_u AFTER UPDATE ON " t                                          \
    " BEGIN UPDATE cache_gen SET n = n + 1; END;"                                                  \
    "CREATE TRIGGER cache_gen_" t "_d AFTER DELETE ON " t                                          \
    " BEGIN UPDATE cache_gen SET n = n + 1; END;"
// clang-format on

/* The format policy, its versions and every item's archival decisions (schema_policy.c). */
extern const char cs_schema_policy[];
/* Lists a page at a time: a case's active links in row-id order (schema_pages.c). */
extern const char cs_schema_pages[];
/* A province's scale: the ledger's stored Merkle subtrees (schema_scale.c). */
extern const char cs_schema_scale[];
/* `custody status`'s running totals, kept by triggers (schema_totals.c). */
extern const char cs_schema_totals[];
/* The ledger's entries kept compressed: its zstd dictionaries and the columns dict and z
 * (schema_pack.c). */
extern const char cs_schema_ledger_pack[];

#endif
