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
/* A province's scale: the ledger's stored Merkle subtrees (schema_scale.c). */
extern const char cs_schema_scale[];

#endif
