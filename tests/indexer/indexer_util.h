/* tests/indexer/indexer_util.h: the catalog fixture and helpers the catalog's tests share
 * (test_catalog.c, test_catalog_query.c, test_catalog_open.c): a fresh catalog.db per test,
 * made-up arrivals, and reading rows and records back. */
#ifndef CS_TESTS_INDEXER_UTIL_H
#define CS_TESTS_INDEXER_UTIL_H

#include "indexer/catalog.h"

#include <jansson.h>

#define CASE_A "任水罚〔2023〕12号"
#define CASE_B "任水罚〔2023〕13号"
#define CASE_C "任水罚〔2024〕1号"
/* 2023-05-01T08:30:15.123456789Z */
#define MTIME_NS 1682929815123456789LL

/* The fixture's folder, its catalog.db and the catalog open on it (catalog_setup). */
extern char *dir;
extern char db[4096];
extern cs_catalog_t *cat;

/** A checked fixture: a fresh folder with catalog.db created and open in `cat`. */
void catalog_setup(void);

/** Closes `cat` and removes the folder. */
void catalog_teardown(void);

/** A made-up but well-formed sha256: `head` then `fill` repeated. */
void fake_sha(char out[65], const char *head, char fill);

/** An arrival of 1234 bytes of image/jpeg by clerk.li, with these fields. */
cs_arrival_t arrival(const char *sha, const char *case_number, const char *party, const char *name);

/** The one number `sql` gives on catalog.db. */
long count(const char *sql);

/** Runs SQL on the catalog through a second connection, as another process would. */
void exec_other(const char *sql);

/** The item's JSON record (owned by the caller); fails the test if there is none. */
json_t *item(const char *sha);

/** The string `key` of member i of the array `path_key` of j, or NULL. */
const char *str_at(json_t *j, const char *path_key, size_t i, const char *key);

/** Fails the test unless t is RFC 3339 UTC with milliseconds. */
void assert_rfc3339_ms(const char *t);

#endif
