/* indexer/search_int.h: how a text search is run (search.c, search_walk.c); for the indexer
 * and its tests, not for callers of search.h. */
#ifndef CS_INDEXER_SEARCH_INT_H
#define CS_INDEXER_SEARCH_INT_H

#include "indexer/catalog_int.h"
#include "indexer/search.h"

/* How the text criterion is tested. */
enum {
    CS_SEARCH_TEXT_SET = 0, /* the set of matches first (FTS5, or a scan for < 3 characters) */
    CS_SEARCH_TEXT_INSTR,   /* each candidate's stored text with instr() */
    CS_SEARCH_TEXT_LOWER,   /* the same, ASCII letters folded as the index folds them */
    /* each candidate by a MATCH constrained to its rowid: exact whatever the text, but ~0.1 to
     * 5 ms a candidate on a large index (seeks in every trigram's doclist): never chosen */
    CS_SEARCH_TEXT_FTS,
};

/* The plan of one search. A common word is not gathered whole and sorted: the results' own
 * order (item_index_sort) is walked and each candidate tested, until the page is full or
 * `budget` index rows are passed (then, and for the items without a time after the timed
 * ones, the set plan answers). The results are the same either way. */
typedef struct cs_search_plan {
    int walk;   /* 1: walk item_index_sort (no case, party or place criterion) */
    int text;   /* CS_SEARCH_TEXT_*: with walk, or where a case, party or place drives */
    int budget; /* index rows a walk may pass; 0: the default for its test */
    /* > 0: the set plan is tried first, stopped after this many of SQLite's VM steps (~40 a
     * match: its matches are then many), then the walk or the row test answers. */
    long tryset;
} cs_search_plan_t;

/* Index rows a walk passes before the set plan answers instead: ~1-2 µs a row by instr(),
 * ~30 µs by a rowid-constrained MATCH (bench/RESULTS.md, session 10). */
#define CS_SEARCH_WALK_BUDGET_INSTR 20000
#define CS_SEARCH_WALK_BUDGET_FTS 1000

/** Chooses the plan of q for pages of `want` rows into *plan: a text criterion of fewer than
 * three characters is tested per candidate; one of three or more tries the set of its matches
 * first, stopped once it has cost about what 10 × want matches cost, and is then tested per
 * candidate: a rare word costs what it did, a common one a bounded try and a walk. */
void cs_search_plan_choose(const cs_search_t *q, int want, cs_search_plan_t *plan);

/** How a substring test finds what the trigram index finds for text (three characters or
 * more): 1 instr() as it is (CJK, kana, hangul, ASCII other than letters: nothing the index
 * folds), 2 instr() of lower() (ASCII letters too; for k and s, which the index also folds
 * from the Kelvin sign and the long s and lower() does not, a text with either is asked of
 * the index), 0 none (other letters with a case; lower() with ICU). */
int cs_search_text_caseless(const char *text);

/** The FTS5 trigram phrase for a substring: the text in double quotes, quotes doubled
 * (malloc'd; NULL when out of memory). */
char *cs_search_fts_phrase(const char *s);

/** *bounded = 1 and *end = the index row `budget` rows past `after` (NULL: the first) within
 * [from, to] (NULL: open; as sort_time compares), where a walk stops; *bounded = 0 when fewer
 * rows are left. */
int cs_search_walk_end(cs_catalog_t *cat, const char *from, const char *to,
                       const cs_search_key_t *after, int budget, cs_search_key_t *end,
                       int *bounded);

/** cs_catalog_search_page with a plan given (NULL: chosen as cs_search_plan_choose does). */
int cs_cat_search_page_plan(cs_catalog_t *cat, const cs_search_t *q, const cs_search_plan_t *plan,
                            json_t **out, cs_search_key_t *next, int *more);

#endif
